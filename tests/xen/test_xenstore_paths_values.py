"""Xenstore path and permission helpers at their edges (xenstore_paths.py mutation survivors): the
root path, the root as a watch parent, access-list entry shapes and the domid range, and access
decisions for owners and listed domains above 256 (identity is not equality) and for a
write-only entry asked to read."""

from __future__ import annotations

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError
from blkswap.xen.xenstore_paths import can_access, is_child, normalise_perms, resolve_path


def fresh(x: int) -> int:
    """An equal int that is another object (as parsed from a message)."""
    return int(str(x))


def errno_of(call) -> str:
    with pytest.raises(XenstoreError) as info:
        call()
    return info.value.errno_name


def test_the_root_is_a_valid_path_and_allow_special_is_keyword_only():
    assert resolve_path(3, "/") == ("/", False)
    assert resolve_path(3, "/a/b") == ("/a/b", False)
    assert resolve_path(3, "a/b") == ("/local/domain/3/a/b", True)
    assert resolve_path(3, "@releaseDomain", allow_special=True) == ("@releaseDomain", False)
    for bad in ("/a/", "/a//b"):
        assert errno_of(lambda b=bad: resolve_path(3, b)) == "EINVAL"
    with pytest.raises(TypeError):
        resolve_path(3, "@releaseDomain", True)  # type: ignore[misc]
    st = XenStore(FakeXen())
    st.client(0).write("/a", "1")
    assert st.client(0).directory("/") == ["a"] and st.client(0).read("/") == ""


def test_every_path_is_a_child_of_the_root():
    assert is_child("/a/b", "/") and is_child("/", "/") and is_child("/local", "/")
    assert is_child("/a/b", "/a") and not is_child("/ab", "/a") and not is_child("/a", "/a/b")
    xen = FakeXen()
    st = XenStore(xen)
    events = []
    st.client(0).watch("/", "root", lambda p, t: events.append(p))
    xen.drain()
    st.client(0).write("/x/y", "1")
    xen.drain()
    assert events == ["/", "/x/y"]


@pytest.mark.parametrize("entry", [(1,), (1, "r", "x"), ()])
def test_an_access_list_entry_is_exactly_a_pair(entry):
    with pytest.raises(XenstoreError, match="is not \\(domid, perm\\)"):
        normalise_perms([(0, "n"), entry], "/p")


def test_perm_domids_run_0_to_65535():
    assert normalise_perms([(0, "n"), (65535, "r")], "/p") == ((0, "n"), (65535, "r"))
    for bad in (65536, 70000, -1):
        with pytest.raises(XenstoreError, match="not in 0..65535"):
            normalise_perms([(0, "n"), (bad, "r")], "/p")


def test_owner_and_listed_domains_above_256_by_value():
    perms = ((300, "n"), (301, "r"), (302, "w"), (303, "b"))
    assert can_access(fresh(300), perms, "w") and can_access(fresh(300), perms, "r")
    assert can_access(fresh(301), perms, "r") and not can_access(fresh(301), perms, "w")
    assert can_access(fresh(302), perms, "w") and not can_access(fresh(302), perms, "r")
    assert can_access(fresh(303), perms, "r") and can_access(fresh(303), perms, "w")
    assert not can_access(fresh(304), perms, "r") and can_access(0, perms, "w")


def test_a_store_owner_above_256_reads_its_node():
    st = XenStore(FakeXen())
    dom0 = st.client(0)
    dom0.write("/n", "v")
    dom0.set_perms("/n", [(fresh(300), "n"), (fresh(301), "w")])
    assert st.client(300).read("/n") == "v"
    assert errno_of(lambda: st.client(301).read("/n")) == "EACCES"  # write-only
    st.client(301).write("/n", "w")
    assert dom0.read("/n") == "w"
