"""XenStore transactions: isolation, commit, conflict → EAGAIN with nothing applied, quotas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen
from hypothesis import given, settings
from hypothesis import strategies as hs

from blkswap.xen.xenstore import XenStore, XenstoreError, XenstoreQuota

FRONT = "/local/domain/1/device/vbd/51712"


@pytest.fixture
def xen() -> FakeXen:
    return FakeXen()


@pytest.fixture
def st(xen: FakeXen) -> XenStore:
    store = XenStore(xen)
    store.introduce_domain(1)
    store.client(0).mkdir(FRONT)
    store.client(0).set_perms(FRONT, [(1, "n"), (0, "r")])
    xen.drain()
    return store


def errno_of(fn: Callable[[], object]) -> str:
    with pytest.raises(XenstoreError) as exc:
        fn()
    return exc.value.errno_name


def test_commit_applies_all_and_fires_watches_only_at_commit(xen: FakeXen, st: XenStore) -> None:
    g, dom0 = st.client(1), st.client(0)
    events: list[str] = []
    dom0.watch(FRONT, "fe", lambda p, t: events.append(p))
    xen.drain()
    events.clear()
    tx = g.transaction_start()
    g.write(f"{FRONT}/ring-ref", "8", tx)
    g.write(f"{FRONT}/event-channel", "3", tx)
    g.write(f"{FRONT}/protocol", "x86_64-abi", tx)
    assert g.read(f"{FRONT}/ring-ref", tx) == "8"  # the transaction sees its own writes
    assert not dom0.exists(f"{FRONT}/ring-ref")  # nobody else does yet
    xen.drain()
    assert events == []
    g.transaction_end(tx)
    assert dom0.read(f"{FRONT}/event-channel") == "3"
    xen.drain()
    assert events == [f"{FRONT}/ring-ref", f"{FRONT}/event-channel", f"{FRONT}/protocol"]
    assert tx.state == "committed"
    assert st.audit() == []


def test_conflict_on_read_node_is_eagain_and_nothing_applied(st: XenStore) -> None:
    g, dom0 = st.client(1), st.client(0)
    dom0.write(f"{FRONT}/state", "1")
    tx = g.transaction_start()
    assert g.read(f"{FRONT}/state", tx) == "1"
    g.write(f"{FRONT}/ring-ref", "8", tx)
    dom0.write(f"{FRONT}/state", "5")  # someone else changes what tx read
    assert errno_of(lambda: g.transaction_end(tx)) == "EAGAIN"
    assert tx.state == "failed"
    assert not dom0.exists(f"{FRONT}/ring-ref")
    assert dom0.read(f"{FRONT}/state") == "5"
    assert errno_of(lambda: g.transaction_end(tx)) == "ENOENT"  # ended for good
    assert errno_of(lambda: g.read(f"{FRONT}/state", tx)) == "ENOENT"


def test_conflict_on_node_created_by_someone_else(st: XenStore) -> None:
    g, dom0 = st.client(1), st.client(0)
    tx = g.transaction_start()
    assert not g.exists(f"{FRONT}/x", tx)  # read of an absent node is recorded
    g.write(f"{FRONT}/y", "1", tx)
    dom0.write(f"{FRONT}/x", "1")
    assert errno_of(lambda: g.transaction_end(tx)) == "EAGAIN"
    assert not dom0.exists(f"{FRONT}/y")


def test_unrelated_concurrent_write_commits(st: XenStore) -> None:
    g, dom0 = st.client(1), st.client(0)
    dom0.write(f"{FRONT}/state", "1")
    tx = g.transaction_start()
    g.write(f"{FRONT}/state", "3", tx)
    dom0.write("/local/domain/0/elsewhere", "z")
    g.transaction_end(tx)
    assert dom0.read(f"{FRONT}/state") == "3"


def test_abort_discards(st: XenStore) -> None:
    g = st.client(1)
    tx = g.transaction_start()
    g.write(f"{FRONT}/a", "1", tx)
    g.rm(FRONT, tx)
    assert not g.exists(FRONT, tx)
    g.transaction_end(tx, commit=False)
    assert tx.state == "aborted"
    assert g.exists(FRONT) and not g.exists(f"{FRONT}/a")


def test_rm_and_set_perms_in_transaction(st: XenStore) -> None:
    g, dom0 = st.client(1), st.client(0)
    g.write(f"{FRONT}/old/deep", "1")
    tx = g.transaction_start()
    g.rm(f"{FRONT}/old", tx)
    g.write(f"{FRONT}/new", "1", tx)
    g.set_perms(f"{FRONT}/new", [(1, "n")], tx)
    assert dom0.exists(f"{FRONT}/old/deep")
    g.transaction_end(tx)
    assert not dom0.exists(f"{FRONT}/old")
    assert dom0.get_perms(f"{FRONT}/new") == [(1, "n")]
    assert st.audit() == []


def test_two_transactions_adding_children_to_same_dir_conflict(st: XenStore) -> None:
    g = st.client(1)
    t1, t2 = g.transaction_start(), g.transaction_start()
    g.write(f"{FRONT}/a", "1", t1)
    g.write(f"{FRONT}/b", "1", t2)  # both rewrite FRONT's child list
    g.transaction_end(t1)
    assert errno_of(lambda: g.transaction_end(t2)) == "EAGAIN"
    assert st.client(0).directory(FRONT) == ["a"]


def test_transaction_belongs_to_its_domain(st: XenStore) -> None:
    tx = st.client(1).transaction_start()
    assert errno_of(lambda: st.client(0).read(FRONT, tx)) == "ENOENT"


def test_transaction_quota(xen: FakeXen) -> None:
    st = XenStore(xen, quota=XenstoreQuota(max_transactions_per_domain=2))
    g = st.client(1)
    g.transaction_start()
    g.transaction_start()
    assert errno_of(g.transaction_start) == "ENOSPC"
    for _ in range(4):
        st.client(0).transaction_start()


def test_transaction_node_quota(xen: FakeXen) -> None:
    st = XenStore(xen, quota=XenstoreQuota(max_nodes_per_transaction=4))
    st.introduce_domain(1)
    g = st.client(1)
    tx = g.transaction_start()
    with pytest.raises(XenstoreError) as exc:
        for i in range(10):
            g.write(f"data/n{i}", "1", tx)
    assert exc.value.errno_name == "ENOSPC"


@settings(max_examples=60, deadline=None)
@given(
    ops=hs.lists(
        hs.tuples(hs.sampled_from(["write", "rm"]), hs.sampled_from(["a", "a/b", "c", "a/d"])),
        max_size=12,
    ),
    commit=hs.booleans(),
)
def test_transaction_result_equals_direct_result(ops: list[tuple[str, str]], commit: bool) -> None:
    """A committed transaction leaves the same tree as the same ops done directly; an aborted one
    leaves the tree untouched; both pass the consistency walk."""
    direct, viatx = XenStore(FakeXen()), XenStore(FakeXen())
    for store in (direct, viatx):
        store.client(0).mkdir("/t")
    tx = viatx.client(0).transaction_start()
    before = viatx.dump()
    for i, (op, leaf) in enumerate(ops):
        for store, t in ((direct, None), (viatx, tx)):
            c = store.client(0)
            try:
                c.write(f"/t/{leaf}", str(i), t) if op == "write" else c.rm(f"/t/{leaf}", t)
            except XenstoreError as exc:
                assert exc.errno_name == "ENOENT"
    viatx.client(0).transaction_end(tx, commit=commit)
    assert viatx.dump() == (direct.dump() if commit else before)
    assert viatx.audit() == [] and direct.audit() == []
