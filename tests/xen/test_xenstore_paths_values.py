"""Xenstore path and permission helpers at their edges (xenstore_paths.py mutation survivors): the
root path, the root as a watch parent, access-list entry shapes and the domid range, and access
decisions for owners and listed domains above 256 (identity is not equality) and for a
write-only entry asked to read."""

from __future__ import annotations

import dataclasses

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError, XenstoreQuota
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


def test_path_length_limits_and_the_truncated_path_in_the_error():
    long_abs = "/" + "a" * 3071  # XENSTORE_ABS_PATH_MAX = 3072
    assert resolve_path(1, long_abs) == (long_abs, False)
    with pytest.raises(XenstoreError, match="path over 3072 B") as info:
        resolve_path(1, long_abs + "b")
    assert info.value.path == long_abs[:64] + "…"
    rel = "r" * 2048  # XENSTORE_REL_PATH_MAX = 2048
    assert resolve_path(1, rel) == ("/local/domain/1/" + rel, True)
    with pytest.raises(XenstoreError, match="relative path over 2048 B") as info:
        resolve_path(1, rel + "s")
    assert info.value.path == "r" * 64 + "…"


def test_a_special_word_is_a_relative_node_unless_allowed():
    assert resolve_path(2, "@releaseDomain") == ("/local/domain/2/@releaseDomain", True)
    assert resolve_path(2, "@x", allow_special=True) == ("@x", False)


def test_an_error_without_detail_names_the_errno():
    assert str(XenstoreError("ENOENT", "/x")) == "ENOENT: '/x': no such node"
    assert str(XenstoreError("EBUSY", "/x", "held")) == "EBUSY: '/x': held"
    assert str(XenstoreError("EFOO", "/x")) == "EFOO: '/x': EFOO"


def test_quota_defaults_are_xenstoreds_and_frozen():
    q = XenstoreQuota()
    assert (q.max_nodes_per_domain, q.max_value_size, q.max_watches_per_domain) == (1000, 2048, 128)
    assert (q.max_transactions_per_domain, q.max_perms_per_node) == (10, 5)
    assert q.max_nodes_per_transaction == 1024
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.max_value_size = 1  # type: ignore[misc]


@pytest.mark.parametrize("domid", ["1", True, 1.0, None])
def test_a_perm_domid_must_be_a_plain_int(domid):
    with pytest.raises(XenstoreError, match="not in 0..65535"):
        normalise_perms([(domid, "r")], "/p")


def test_the_first_entry_for_a_domid_wins():
    perms = normalise_perms([(0, "n"), (5, "r"), (5, "n"), (5, "w")], "/p")
    assert can_access(5, perms, "r") and not can_access(5, perms, "w")
    assert can_access(5, ((5, "n"), (5, "n")), "w")  # the owner, whatever follows
