"""Ring-level behaviour end to end: mixed ABIs on one backend, indirect requests, multi-page rings,
multiple queues, ring-full back-pressure, reconnect with requests in flight, feature fallback
(xen-abi.md §2, §3.5, §4.3, §8; LF blkif_recover)."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, HoldIo, Rig, get_segments, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.front.xenbus import FrontConfig


def test_mixed_32_and_64_bit_guests_on_one_backend() -> None:
    rig = Rig("map", ("x86_64-abi", "x86_32-abi", "x86_64-abi", "x86_32-abi"))
    assert [rig.back.vbd(g.domid, DEVID).protocol for g in rig.guests] == [
        g.protocol for g in rig.guests
    ]
    assert [rig.ring(i).codec.ring_entry_size for i in range(4)] == [112, 108, 112, 108]
    assert len(rig.back.loops) == 1  # one loop serves all four rings
    datas = [pattern(3 * 4096, 20 + i) for i in range(4)]
    writes = [
        rig.bio(g, blkif.BLKIF_OP_WRITE, 8 * i, [(0, 7)] * 3, datas[i])
        for i, g in enumerate(rig.guests)
    ]
    for g, w in zip(rig.guests, writes, strict=True):  # all queued before the backend runs
        rig.submit(g, w, pump=False)
    rig.pump()
    for i, g in enumerate(rig.guests):
        assert writes[i].status == 0 and g.done.count(writes[i]) == 1
        assert store_bytes(g.store, 8 * i * 512, 3 * 4096) == datas[i]
        bio, got = rig.read(g, 8 * i, 3 * 4096)
        assert bio.status == 0 and got == datas[i]
        # responses echoed the 64-bit id in the right place for each ABI
        assert rig.ring(i).stats["responses"] == 2


def test_indirect_32_segment_request() -> None:
    rig = Rig("map")
    g = rig.guest()
    assert g.front.max_segments == 32
    data = pattern(32 * 4096, 30)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, 0, [(0, 7)] * 32, data)
    rig.submit(g, w, pump=False)
    q = g.front.queues[0]
    raw = q.ring.sring.read_slot(q.ring.req_prod_pvt - 1)
    req = g.front.codec.decode_request(raw)
    assert isinstance(req, blkif.IndirectRequest)
    assert (req.operation, req.indirect_op, req.nr_segments) == (6, blkif.BLKIF_OP_WRITE, 32)
    assert len(req.indirect_grefs) == 1 and q.stats["indirect"] == 1
    before = rig.xen.counters.snapshot()
    rig.pump()
    d = rig.xen.counters.snapshot() - before
    assert w.status == 0
    # 1 indirect page mapped read-only and unmapped at once, then 32 data grants in 11+11+10,
    # unmapped in one hypercall (xen-abi.md §8)
    assert (d.grant_op_calls["map"], d.grant_ops["map"]) == (1 + 3, 1 + 32)
    assert (d.grant_op_calls["unmap"], d.grant_ops["unmap"]) == (2, 1 + 32)
    assert store_bytes(g.store, 0, 32 * 4096) == data
    # the indirect page went back to the guest (grant ended, page freed)
    assert g.front.queues[0].in_flight == 0
    bio, got = rig.read(g, 0, 32 * 4096)
    assert bio.status == 0 and got == data
    assert rig.ring().stats["rd_req"] == 1 and rig.ring().stats["wr_req"] == 1


@pytest.mark.parametrize("path,limit", [("map", 32), ("swap", 11)])
def test_too_many_segments_refused_before_taking_resources(path: str, limit: int) -> None:
    rig = Rig(path)
    g = rig.guest()
    assert g.front.max_segments == limit  # swap carries new frames in the slot: no indirect
    refs = len(g.port.dom._ref_used)
    with pytest.raises(ValueError, match=f"{limit + 1} segments > the negotiated maximum {limit} "):
        rig.submit(g, rig.bio(g, blkif.BLKIF_OP_READ, 0, [(0, 7)] * (limit + 1)))
    q = g.front.queues[0]
    assert (q.in_flight, len(q.waiting), len(g.port.dom._ref_used)) == (0, 0, refs)
    assert g.port.dom.neutered == set()
    bio = rig.bio(g, blkif.BLKIF_OP_READ, 0, [(0, 7)] * limit)
    rig.submit(g, bio)
    assert bio.status == 0 and g.done.count(bio) == 1


def test_flush_with_data_is_never_indirect() -> None:
    rig = Rig("map")
    g = rig.guest()
    flush = rig.bio(g, blkif.BLKIF_OP_FLUSH_DISKCACHE, 0, [(0, 7)] * 12, pattern(12 * 4096, 1))
    with pytest.raises(ValueError, match="12 segments > the negotiated maximum 11 for op 3"):
        rig.submit(g, flush)
    assert g.front.queues[0].in_flight == 0
    ok = rig.bio(g, blkif.BLKIF_OP_FLUSH_DISKCACHE, 0, [(0, 7)] * 11, pattern(11 * 4096, 1))
    rig.submit(g, ok)
    assert ok.status == 0 and store_bytes(g.store, 0, 11 * 4096) == pattern(11 * 4096, 1)


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
def test_multi_page_ring(order: int) -> None:
    rig = Rig("copy", front_config=FrontConfig(ring_page_order=order), guest_pages=1024)
    g = rig.guest()
    st = g.port.store
    keys = set(st.directory(g.front.fe))
    if order == 0:
        assert "ring-ref" in keys and "ring-page-order" not in keys
    else:
        assert int(st.read(f"{g.front.fe}/ring-page-order")) == order
        assert {f"ring-ref{i}" for i in range(1 << order)} <= keys and "ring-ref" not in keys
    ring = rig.ring()
    assert ring.nr_pages == 1 << order
    assert ring.sring.nr_ents == 32 << order == g.front.queues[0].size
    assert ring.max_pending == 32 << order
    # fill every slot at once: the backend must take them all from a multi-page ring
    n = 32 << order
    bios = [rig.bio(g, blkif.BLKIF_OP_WRITE, 8 * i, [(0, 7)], pattern(4096, i)) for i in range(n)]
    rig.submit(g, *bios)
    assert all(b.status == 0 and g.done.count(b) == 1 for b in bios)
    assert g.front.queues[0].stats["ring_full"] == 0
    for i in (0, n // 2, n - 1):
        assert store_bytes(g.store, 8 * i * 512, 4096) == pattern(4096, i)


def test_multi_queue_uses_both_rings() -> None:
    rig = Rig("map", front_config=FrontConfig(queues=2))
    g = rig.guest()
    st = g.port.store
    fe = g.front.fe
    assert st.read(f"{fe}/multi-queue-num-queues") == "2"
    for q in (0, 1):
        assert {"ring-ref", "event-channel"} <= set(st.directory(f"{fe}/queue-{q}"))
    assert "ring-ref" not in set(st.directory(fe))
    vbd = rig.back.vbd(g.domid, DEVID)
    assert len(vbd.rings) == 2 and len(g.front.queues) == 2
    bios = [
        rig.bio(g, blkif.BLKIF_OP_WRITE, 8 * i, [(0, 7)], pattern(4096, i), queue=i % 2)
        for i in range(6)
    ]
    rig.submit(g, *bios)
    assert all(b.status == 0 for b in bios)
    assert [r.stats["wr_req"] for r in vbd.rings] == [3, 3]
    assert [q.stats["requests"] for q in g.front.queues] == [3, 3]
    assert vbd.rings[0].evtchn != vbd.rings[1].evtchn


@pytest.mark.parametrize("path", ["map", "copy", "persistent"])
def test_ring_full_back_pressure_loses_nothing(path: str) -> None:
    rig = Rig(path, pool_frames=64)
    g = rig.guest()
    io = HoldIo()
    rig.back.loops[0].io = io
    n = 100
    bios = [rig.bio(g, blkif.BLKIF_OP_WRITE, 8 * i, [(0, 7)], pattern(4096, i)) for i in range(n)]
    rig.submit(g, *bios)
    q = g.front.queues[0]
    assert q.in_flight == 32 and len(q.waiting) == n - 32 and q.stats["ring_full"] >= 1
    while io.held:
        io.release()
        rig.pump()
    assert [g.done.count(b) for b in bios] == [1] * n
    assert all(b.status == 0 for b in bios)
    assert rig.ring().stats["responses"] == n
    for i in range(n):
        assert store_bytes(g.store, 8 * i * 512, 4096) == pattern(4096, i)


@pytest.mark.parametrize("path", ["map", "copy", "persistent", "transfer", "swap"])
def test_reconnect_with_requests_in_flight(path: str) -> None:
    """LF blkif_recover re-sends what had no answer. Linux blkback does not finish disconnecting
    while I/O is in flight (LB xenbus.c xen_blkif_disconnect → -EBUSY until inflight is 0), so
    the old requests can never touch pages or grants the frontend has reused meanwhile."""
    rig = Rig(path)
    g = rig.guest()
    base = [rig.write(g, 8 * i, pattern(4096, 100 + i)) for i in range(4)]  # for the reads
    assert all(b.status == 0 for b in base)
    io = HoldIo()
    rig.back.loops[0].io = io
    writes = [
        rig.bio(g, blkif.BLKIF_OP_WRITE, 64 + 8 * i, [(0, 7)], pattern(4096, 200 + i))
        for i in range(4)
    ]
    reads = [rig.bio(g, blkif.BLKIF_OP_READ, 8 * i, [(0, 7)]) for i in range(4)]
    rig.submit(g, *writes, *reads)
    assert len(io.held) == 8 and g.front.in_flight == 8
    g.front.reconnect()
    rig.pump()
    while io.held:  # the old ring's I/O finishes; then the re-sent requests' I/O
        io.release()
        rig.pump()
    assert g.front.connected
    assert [q.broken for q in g.front.queues] == [None]
    assert [g.done.count(b) for b in writes + reads] == [1] * 8
    assert all(b.status == 0 for b in writes + reads)
    for i in range(4):
        assert store_bytes(g.store, (64 + 8 * i) * 512, 4096) == pattern(4096, 200 + i), i
    for i, r in enumerate(reads):
        assert get_segments(g.port, r.segments) == pattern(4096, 100 + i), i
    assert rig.ring().in_flight == 0


def test_front_without_swap_falls_back_to_copy() -> None:
    rig = Rig("swap", front_config=FrontConfig(swap=False))
    g = rig.guest()
    vbd = rig.back.vbd(g.domid, DEVID)
    assert (vbd.datapath, g.front.mode) == ("copy", "fresh")
    before = rig.xen.counters.snapshot()
    w = rig.write(g, 0, pattern(8192, 1))
    bio, got = rig.read(g, 0, 8192)
    d = rig.xen.counters.snapshot() - before
    assert (w.status, bio.status, got) == (0, 0, pattern(8192, 1))
    assert d.grant_ops["swap"] == 0 and d.bytes_copied == 2 * 8192


def test_front_without_persistent_falls_back_to_map() -> None:
    rig = Rig("persistent", front_config=FrontConfig(persistent=False))
    g = rig.guest()
    vbd = rig.back.vbd(g.domid, DEVID)
    assert (vbd.datapath, g.front.mode) == ("map", "fresh")
    assert g.port.store.read(f"{g.front.be}/feature-persistent") == "0"
    before = rig.xen.counters.snapshot()
    rig.write(g, 0, pattern(4096, 2))
    rig.write(g, 0, pattern(4096, 3))
    d = rig.xen.counters.snapshot() - before
    assert d.grant_ops["map"] == d.grant_ops["unmap"] == 2  # mapped per request, not kept


def test_front_without_transfer_falls_back_to_copy() -> None:
    rig = Rig("transfer", front_config=FrontConfig(transfer=False))
    g = rig.guest()
    assert rig.back.vbd(g.domid, DEVID).datapath == "copy"
    bio, got = rig.read(g, 0, 4096)
    assert bio.status == 0 and got == bytes(4096)
