"""XenStore standalone: nodes, paths, permissions, rm, quotas (watches and transactions live in
test_xenstore_watch.py and test_xenstore_tx.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError, XenstoreQuota


@pytest.fixture
def xen() -> FakeXen:
    return FakeXen()


@pytest.fixture
def st(xen: FakeXen) -> XenStore:
    store = XenStore(xen)
    store.introduce_domain(1)
    store.introduce_domain(2)
    return store


def errno_of(fn: Callable[[], object]) -> str:
    with pytest.raises(XenstoreError) as exc:
        fn()
    return exc.value.errno_name


BACK = "/local/domain/0/backend/vbd/1/51712"
FRONT = "/local/domain/1/device/vbd/51712"


def make_vbd_dirs(st: XenStore) -> None:
    """What the toolstack does (xen-abi.md §4.2): each side owns its dir, the other may read."""
    dom0 = st.client(0)
    dom0.mkdir(BACK)
    dom0.set_perms(BACK, [(0, "n"), (1, "r")])
    dom0.mkdir(FRONT)
    dom0.set_perms(FRONT, [(1, "n"), (0, "r")])


def test_write_read_roundtrip_and_missing_parents(st: XenStore) -> None:
    c = st.client(0)
    c.write("/a/b/c", "hello")
    assert c.read("/a/b/c") == "hello"
    assert c.read("/a/b") == ""  # missing parents created with empty values
    assert c.directory("/a") == ["b"]
    c.write("/a/b/c", b"\x00\xffbin")
    assert c.read_bytes("/a/b/c") == b"\x00\xffbin"
    assert st.dump("/a") == {"/a": "", "/a/b": "", "/a/b/c": c.read("/a/b/c")}
    assert st.audit() == []


def test_read_missing_is_enoent(st: XenStore) -> None:
    assert errno_of(lambda: st.client(0).read("/nope")) == "ENOENT"
    assert not st.client(0).exists("/nope")


def test_relative_paths_resolve_against_domain_home(st: XenStore) -> None:
    g = st.client(1)
    g.write("device/x", "1")
    assert st.client(0).read("/local/domain/1/device/x") == "1"
    assert g.read("/local/domain/1/device/x") == "1"
    assert g.read_int("device/x") == 1


@pytest.mark.parametrize("bad", ["", "/a//b", "/a/", "/a b", "/a/ü", "/a/b.c", "/a\x00b"])
def test_bad_paths_are_einval(st: XenStore, bad: str) -> None:
    assert errno_of(lambda: st.client(0).write(bad, "x")) == "EINVAL"


def test_overlong_path_is_einval(st: XenStore) -> None:
    assert errno_of(lambda: st.client(0).write("/" + "a" * 3100, "x")) == "EINVAL"


def test_guest_cannot_read_backend_dir_until_granted(st: XenStore) -> None:
    dom0, g1, g2 = st.client(0), st.client(1), st.client(2)
    dom0.mkdir(BACK)
    dom0.write(f"{BACK}/state", "2")
    assert errno_of(lambda: g1.read(f"{BACK}/state")) == "EACCES"
    assert errno_of(lambda: g1.directory(BACK)) == "EACCES"
    assert not g1.exists(BACK)
    dom0.set_perms(BACK, [(0, "n"), (1, "r")])
    dom0.set_perms(f"{BACK}/state", [(0, "n"), (1, "r")])
    assert g1.read(f"{BACK}/state") == "2"
    assert g1.exists(BACK)
    assert errno_of(lambda: g2.read(f"{BACK}/state")) == "EACCES"  # still private to dom 1
    assert errno_of(lambda: g1.write(f"{BACK}/state", "4")) == "EACCES"  # read-only grant
    assert dom0.read(f"{BACK}/state") == "2"


def test_missing_node_under_unreadable_parent_is_eacces(st: XenStore) -> None:
    st.client(0).mkdir(BACK)
    assert errno_of(lambda: st.client(1).read(f"{BACK}/nothing")) == "EACCES"
    assert errno_of(lambda: st.client(0).read(f"{BACK}/nothing")) == "ENOENT"


def test_children_inherit_perms_and_guest_owns_what_it_creates(st: XenStore) -> None:
    make_vbd_dirs(st)
    g1 = st.client(1)
    g1.write(f"{FRONT}/ring-ref", "8")
    assert g1.get_perms(f"{FRONT}/ring-ref") == [(1, "n"), (0, "r")]
    st.client(0).write(f"{BACK}/sectors", "2048")
    assert st.client(0).get_perms(f"{BACK}/sectors") == [(0, "n"), (1, "r")]
    assert g1.read(f"{BACK}/sectors") == "2048"  # inherited read grant
    # a guest writing where it was granted 'b' creates nodes it owns (xenstored construct_node)
    st.client(0).mkdir("/shared")
    st.client(0).set_perms("/shared", [(0, "b")])
    g1.write("/shared/x/y", "1")
    assert g1.get_perms("/shared/x/y") == [(1, "b")]


def test_set_perms_only_owner_or_dom0(st: XenStore) -> None:
    make_vbd_dirs(st)
    g1, g2 = st.client(1), st.client(2)
    g1.set_perms(FRONT, [(1, "n"), (0, "r"), (2, "r")])  # owner may
    assert g2.read(FRONT) == ""
    assert errno_of(lambda: g2.set_perms(FRONT, [(2, "b")])) == "EACCES"
    assert errno_of(lambda: g1.set_perms(BACK, [(1, "b")])) == "EACCES"
    assert errno_of(lambda: g1.set_perms(FRONT, [(2, "b")])) == "EPERM"  # no give-away
    assert errno_of(lambda: g1.set_perms(FRONT, [(1, "x")])) == "EINVAL"
    assert errno_of(lambda: g1.set_perms(FRONT, [])) == "EINVAL"
    st.client(0).set_perms(FRONT, [(2, "n")])  # dom0 may change the owner
    assert g2.get_perms(FRONT) == [(2, "n")]
    assert errno_of(lambda: g1.read(FRONT)) == "EACCES"


def test_rm_is_recursive_and_tolerates_absent_leaf(st: XenStore) -> None:
    c = st.client(0)
    for leaf in ("a", "b/c", "b/d/e"):
        c.write(f"/t/{leaf}", leaf)
    c.rm("/t/b")
    assert c.directory("/t") == ["a"]
    assert not any(p.startswith("/t/b") for p in st.dump("/"))
    c.rm("/t/b")  # absent, parent exists: fine (xenstore.txt RM)
    assert errno_of(lambda: c.rm("/t/b/c")) == "ENOENT"  # parent absent too
    assert errno_of(lambda: c.rm("/")) == "EINVAL"
    assert st.audit() == []


def test_guest_cannot_rm_others_nodes(st: XenStore) -> None:
    make_vbd_dirs(st)
    assert errno_of(lambda: st.client(1).rm(BACK)) == "EACCES"
    assert st.client(0).exists(BACK)


def test_mkdir_keeps_existing_value(st: XenStore) -> None:
    c = st.client(0)
    c.write("/m", "v")
    c.mkdir("/m")
    assert c.read("/m") == "v"


def test_read_int_default_and_errors(st: XenStore) -> None:
    c = st.client(0)
    c.write("/n", "abc")
    assert c.read_int("/missing", default=7) == 7
    assert c.read_int("/n", default=3) == 3
    assert errno_of(lambda: c.read_int("/n")) == "EINVAL"
    assert errno_of(lambda: c.read_int("/missing")) == "ENOENT"
    c.write("/n", 42)
    assert c.read_int("/n") == 42
    assert c.gather("/n", "/n") == ["42", "42"]


def test_value_quota_e2big_for_guests_only(st: XenStore) -> None:
    g = st.client(1)
    g.write("data/ok", "x" * 2048)
    assert errno_of(lambda: g.write("data/big", "x" * 2049)) == "E2BIG"
    assert not g.exists("data/big")
    st.client(0).write("/big", "x" * 3000)  # dom0 has no node-size quota
    assert errno_of(lambda: st.client(0).write("/big", "x" * 4096)) == "E2BIG"  # payload max


def test_node_quota_enospc(xen: FakeXen) -> None:
    st = XenStore(xen, quota=XenstoreQuota(max_nodes_per_domain=5))
    st.introduce_domain(1)  # device, data, control: 3 nodes owned by dom 1
    g = st.client(1)
    g.write("data/a", "1")
    g.write("data/b", "1")
    assert errno_of(lambda: g.write("data/c", "1")) == "ENOSPC"
    assert errno_of(lambda: g.write("data/x/y", "1")) == "ENOSPC"
    assert not g.exists("data/x")  # nothing half-created
    g.rm("data/a")
    g.write("data/c", "1")
    assert st.audit() == []


def test_directory_reply_over_payload_is_e2big(st: XenStore) -> None:
    c = st.client(0)
    for i in range(500):
        c.write(f"/many/child-{i:04d}", "")
    assert errno_of(lambda: c.directory("/many")) == "E2BIG"
    assert c.exists("/many")


def test_value_type_checked(st: XenStore) -> None:
    assert errno_of(lambda: st.client(0).write("/v", 1.5)) == "EINVAL"  # type: ignore[arg-type]


def test_release_domain_removes_home(st: XenStore) -> None:
    st.client(1).write("data/x", "1")
    st.domain_destroyed(1)
    assert not st.client(0).exists("/local/domain/1")
    assert st.client(0).exists("/local/domain/2")
    assert st.audit() == []
