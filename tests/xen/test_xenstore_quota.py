"""XenStore quotas and ownership rules at their exact limits, inside and outside transactions
(found by mutation testing, tools/mutation.py). Limits are xenstored's (tools/xenstored/
domain.c, core.c); the lab applies them to unprivileged domains only, as xenstored does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError, XenstoreQuota

HOME = "/local/domain/1/data"  # a directory dom0 gives to domain 1 (the home is dom0's)
HOME2 = "/local/domain/2/data"


def errno_of(fn: Callable[[], object]) -> str:
    with pytest.raises(XenstoreError) as exc:
        fn()
    return exc.value.errno_name


def _store(**quota: int) -> XenStore:
    store = XenStore(FakeXen(), quota=XenstoreQuota(**quota))
    for domid, home in ((1, HOME), (2, HOME2)):
        store.introduce_domain(domid)
        store.client(0).mkdir(home)
        store.client(0).set_perms(home, [(domid, "n")])
    return store


def _fill(c, prefix: str) -> int:
    """Create nodes until ENOSPC; how many were created."""
    n = 0
    while True:
        try:
            c.write(f"{prefix}{n}", "x")
        except XenstoreError as e:
            assert e.errno_name == "ENOSPC"
            return n
        n += 1


def test_the_node_quota_counts_what_a_transaction_adds_and_removes():
    """At the node quota, a transaction that removes two of the domain's nodes may create two
    (not three); replacing a node's value counts nothing; dom0 is never limited."""
    st = _store(max_nodes_per_domain=12)
    g = st.client(1)
    made = _fill(g, f"{HOME}/n")
    assert made > 2 and errno_of(lambda: g.write(f"{HOME}/more", "x")) == "ENOSPC"
    tx = g.transaction_start()
    g.rm(f"{HOME}/n0", tx)
    g.rm(f"{HOME}/n1", tx)
    g.write(f"{HOME}/n2", "replaced", tx)
    g.write(f"{HOME}/a", "1", tx)
    g.write(f"{HOME}/b", "2", tx)
    assert errno_of(lambda: g.write(f"{HOME}/c", "3", tx)) == "ENOSPC"
    g.transaction_end(tx)
    assert sorted(g.directory(HOME)) == sorted(["a", "b", *(f"n{i}" for i in range(2, made))])
    assert g.read(f"{HOME}/n2") == "replaced"


def test_dom0_is_exempt_from_the_node_quota():
    st = _store(max_nodes_per_domain=3)
    for i in range(10):
        st.client(0).write(f"/tool/n{i}", "x")
    assert len(st.client(0).directory("/tool")) == 10


def test_a_transaction_may_touch_exactly_its_node_limit():
    """max_nodes_per_transaction counts distinct nodes read or written: 4 is fine, the 5th
    distinct node is ENOSPC; touching one again costs nothing."""
    st = _store(max_nodes_per_transaction=4)
    g = st.client(1)
    for i in range(5):
        g.write(f"{HOME}/k{i}", str(i))
    tx = g.transaction_start()
    for i in range(4):
        assert g.read(f"{HOME}/k{i}", tx) == str(i)
    assert g.read(f"{HOME}/k0", tx) == "0"
    assert errno_of(lambda: g.read(f"{HOME}/k4", tx)) == "ENOSPC"
    g.transaction_end(tx, commit=False)


def test_set_perms_limits_for_an_unprivileged_owner():
    """The owner may set up to max_perms_per_node entries (5), not 6; it may not name another
    owner, higher or lower (EPERM); a non-owner, higher or lower domid, gets EACCES; dom0 may
    give the node to anyone."""
    st = _store()
    g1, g2 = st.client(1), st.client(2)
    g1.write(f"{HOME}/p", "x")
    five = [(1, "n"), (0, "r"), (2, "r"), (3, "r"), (4, "r")]
    g1.set_perms(f"{HOME}/p", five)
    assert g1.get_perms(f"{HOME}/p") == five
    assert errno_of(lambda: g1.set_perms(f"{HOME}/p", [*five, (5, "r")])) == "ENOSPC"
    assert errno_of(lambda: g1.set_perms(f"{HOME}/p", [(0, "n")])) == "EPERM"
    assert errno_of(lambda: g1.set_perms(f"{HOME}/p", [(2, "n")])) == "EPERM"
    g2.write(f"{HOME2}/q", "y")
    assert errno_of(lambda: g1.set_perms(f"{HOME2}/q", [(1, "n")])) == "EACCES"
    st.client(0).set_perms(f"{HOME}/p", [(1, "b")])
    assert errno_of(lambda: g2.set_perms(f"{HOME}/p", [(2, "n")])) == "EACCES"
    st.client(0).set_perms(f"{HOME}/p", [(2, "n")])
    assert st.client(0).get_perms(f"{HOME}/p") == [(2, "n")]


def test_rm_of_the_root_and_of_a_missing_node_under_an_unreadable_parent():
    """rm("/") is EINVAL; rm of an absent node is fine when its parent exists and is
    readable, EACCES when the nearest ancestor is not readable (errno_from_parents)."""
    st = _store()
    g1 = st.client(1)
    assert errno_of(lambda: st.client(0).rm("/")) == "EINVAL"
    g1.rm(f"{HOME}/never")
    st.client(2).write(f"{HOME2}/private", "z")
    st.client(2).set_perms(f"{HOME2}/private", [(2, "n")])
    assert errno_of(lambda: g1.rm(f"{HOME2}/private/absent")) == "EACCES"


def test_a_transaction_over_a_node_written_hundreds_of_times_commits():
    """Node generations go past 256: a transaction that read such a node commits when nobody
    changed it (generations compare by value)."""
    st = _store()
    g = st.client(1)
    for i in range(300):
        g.write(f"{HOME}/busy", str(i))
    tx = g.transaction_start()
    assert g.read(f"{HOME}/busy", tx) == "299"
    g.write(f"{HOME}/other", "1", tx)
    g.transaction_end(tx)
    assert g.read(f"{HOME}/other") == "1"
