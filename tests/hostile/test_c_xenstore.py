"""Catalog C: xenstore, xenbus and event channels tried by a hostile guest on a full host (the
backend connected beside it): information stays private, quotas hold per domain, storms and
toggles cost bounded work, and the backend keeps serving the other guest."""

from __future__ import annotations

import pytest
from lab_rig import Rig, pattern

from blkswap.xen import Xen
from blkswap.xen.xenstore import XenstoreError

TWO = ("x86_64-abi", "x86_64-abi")


def errno_of(fn) -> str:
    with pytest.raises(XenstoreError) as exc:
        fn()
    return exc.value.errno_name


def bystander_works(rig: Rig) -> None:
    g = rig.guest(1)
    assert rig.write(g, 16, pattern(4096, 5)).status == 0
    assert rig.read(g, 16, 4096)[1] == pattern(4096, 5)


@pytest.mark.row("C1", "F7")
def test_a_guest_watching_everything_sees_only_what_it_may_read():
    """XSA-115: a guest watching / and the backend dirs gets no event naming another domain's
    nodes; @releaseDomain / @introduceDomain are dom0's only."""
    rig = Rig("map", TWO)
    g1, g2 = rig.guest(0), rig.guest(1)
    seen: list[str] = []
    c1 = rig.xen.store.client(g1.domid)
    for path in ("/", "/local/domain/0/backend", f"/local/domain/{g2.domid}"):
        try:
            c1.watch(path, "spy", lambda p, t: seen.append(p))
        except XenstoreError:
            pass
    for special in ("@releaseDomain", "@introduceDomain"):
        try:
            c1.watch(special, "spy", lambda p, t: seen.append(p))
        except XenstoreError:
            pass
    rig.pump()
    seen.clear()
    bystander_works(rig)
    rig.guest(1).front.reconnect()
    rig.pump()
    rig.xen.store.client(0).write(f"/local/domain/{g2.domid}/secret", "s")
    rig.pump()
    foreign = [
        p
        for p in seen
        if f"/{g2.domid}/" in p or p.startswith("@") or "/backend/vbd/" + str(g2.domid) in p
    ]
    assert foreign == []
    bystander_works(rig)


@pytest.mark.row("C2")
def test_a_new_domain_never_inherits_a_dead_ones_rights():
    """The lab never reuses a domid (XSA-322's precondition), and nodes of a destroyed domain
    go with its home: the next domain cannot read what the old one could."""
    xen = Xen(frames=2048, deliver=None)
    xen.create_domain(pages=16)
    xen.store.introduce_domain(0)
    old = xen.create_domain(pages=16)
    xen.store.introduce_domain(old.domid)
    dom0 = xen.store.client(0)
    dom0.write("/local/domain/0/private", "x")
    dom0.set_perms("/local/domain/0/private", [(0, "n"), (old.domid, "r")])
    assert xen.store.client(old.domid).read("/local/domain/0/private") == "x"
    xen.destroy_domain(old.domid)
    new = xen.create_domain(pages=16)
    xen.store.introduce_domain(new.domid)
    assert new.domid != old.domid
    assert errno_of(lambda: xen.store.client(new.domid).read("/local/domain/0/private")) == "EACCES"
    xen.run_pending()


@pytest.mark.row("C3")
def test_oversize_token_value_and_directory_are_refused_and_the_store_lives():
    rig = Rig("map", TWO)
    c = rig.xen.store.client(rig.guest(0).domid)
    assert errno_of(lambda: c.watch("data", "t" * 4096, lambda p, t: None)) == "E2BIG"
    assert errno_of(lambda: c.write("data/big", "v" * 4097)) == "E2BIG"
    dom0 = rig.xen.store.client(0)
    for i in range(600):
        dom0.write(f"/tool/many/child-with-a-long-name-{i:05d}", "1")
    assert errno_of(lambda: dom0.directory("/tool/many")) == "E2BIG"
    bystander_works(rig)


@pytest.mark.row("C5", "C6")
def test_quotas_stop_the_hostile_domain_only():
    """Node, transaction and watch quotas: ENOSPC / E2BIG for the guest that exceeds them; dom0
    and the other guest carry on."""
    rig = Rig("map", TWO)
    c = rig.xen.store.client(rig.guest(0).domid)
    with pytest.raises(XenstoreError) as exc:
        for i in range(1200):
            c.write(f"data/n{i}", "1")
    assert exc.value.errno_name == "ENOSPC"
    txs = []
    with pytest.raises(XenstoreError) as exc:
        for _ in range(20):
            txs.append(c.transaction_start())
    assert exc.value.errno_name == "ENOSPC" and len(txs) == 10
    for tx in txs:
        c.transaction_end(tx, commit=False)
    with pytest.raises(XenstoreError) as exc:
        for i in range(200):
            c.watch(f"data/w{i}", "t", lambda p, t: None)
    assert exc.value.errno_name == "E2BIG"
    other = rig.xen.store.client(rig.guest(1).domid)
    other.write("data/fine", "1")
    assert other.read("data/fine") == "1"
    bystander_works(rig)


@pytest.mark.row("C7")
def test_a_transaction_storm_from_a_guest_leaves_the_store_consistent():
    """A guest opening, writing and aborting or committing transactions in a loop: the store
    audit stays clean and the toolstack (dom0) commits its own transaction."""
    rig = Rig("map", TWO)
    c = rig.xen.store.client(rig.guest(0).domid)
    for i in range(300):
        tx = c.transaction_start()
        c.write(f"data/storm{i % 7}", str(i), tx)
        c.transaction_end(tx, commit=bool(i % 2))
    dom0 = rig.xen.store.client(0)
    tx = dom0.transaction_start()
    dom0.write("/tool/ok", "1", tx)
    dom0.transaction_end(tx)
    assert dom0.read("/tool/ok") == "1" and rig.xen.store.audit() == []
    bystander_works(rig)


@pytest.mark.row("C8", "C9")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent", "transfer"])
def test_a_frontend_rewriting_its_state_thousands_of_times(path):
    """XSA-349/350: 2000 writes of the frontend's state node (Connected / Closing / junk) cost
    the backend bounded work: at most one pending event at a time, no crash, the other guest
    served, and the hypervisor audit clean after."""
    rig = Rig(path, TWO)
    g = rig.guest(0)
    c = rig.xen.store.client(g.domid)
    peak = 0
    for i in range(2000):
        c.write(f"{g.front.fe}/state", ("4", "5", "junk", "6", "3")[i % 5])
        peak = max(peak, len(rig.xen.pending))
    rig.pump()
    assert peak <= 2
    assert rig.xen.audit() == []
    bystander_works(rig)


@pytest.mark.row("C12")
@pytest.mark.parametrize("path", ["map", "copy"])
def test_an_event_storm_with_no_work(path):
    """10 000 notifications with an empty ring: each costs one idle pass, nothing is answered,
    and the other guest is unaffected."""
    rig = Rig(path, TWO)
    g = rig.guest(0)
    q = g.front.queues[0]
    ring = rig.ring()
    before = ring.stats.get("responses", 0)
    for _ in range(10_000):
        g.port.evtchn_send(q.evtchn)
    n = rig.pump()
    assert n <= 10_000 and ring.stats.get("responses", 0) == before
    bystander_works(rig)


@pytest.mark.row("C7")
@pytest.mark.parametrize("path", ["map", "persistent"])
def test_an_eagain_storm_on_transactions_delays_the_handshake_only(path, monkeypatch):
    """Every transaction commit answers EAGAIN 25 times before it goes through (a storm of
    conflicting writers): both sides retry (xenbus's ``goto again``), the device connects and
    serves, and no half-written transaction is left behind."""
    from blkswap.xen.xenstore import XenstoreClient

    original = XenstoreClient.transaction_end
    storm = {"left": 0, "refused": 0}

    def end(self, tx, commit=True):
        if commit and storm["left"] > 0:
            storm["left"] -= 1
            storm["refused"] += 1
            original(self, tx, commit=False)
            raise XenstoreError("EAGAIN", "/", "injected conflict")
        return original(self, tx, commit)

    rig = Rig(path, TWO)
    monkeypatch.setattr(XenstoreClient, "transaction_end", end)
    storm["left"] = 25
    g = rig.guest(0)
    g.front.reconnect()
    rig.pump()
    assert storm["refused"] == 25 and g.front.connected
    assert rig.xen.store.open_transactions() == [] and rig.xen.store.audit() == []
    assert rig.write(g, 8, pattern(4096, 4)).status == 0
    assert rig.read(g, 8, 4096)[1] == pattern(4096, 4)
