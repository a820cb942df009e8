"""Catalog rows D8 (barrier ordering), D9 (flush unsupported by the storage), E6 (a flush that
fails once, then lies) and E9 (resize under I/O), on every data path they concern."""

from __future__ import annotations

import errno

import pytest
from lab_rig import DEVID, HoldIo, Rig, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.front.bio import Bio
from blkswap.storage import RamStore
from blkswap.storage.faults import FaultPlan, FaultRule, FaultyStore

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
BARRIER, FLUSH = blkif.BLKIF_OP_WRITE_BARRIER, blkif.BLKIF_OP_FLUSH_DISKCACHE
PATHS = ["map", "copy", "swap", "persistent", "transfer"]
DISK = 4 << 20


class OrderIo(HoldIo):
    """HoldIo that records the order the storage performs requests in (op, sector)."""

    def __init__(self) -> None:
        super().__init__()
        self.performed: list[tuple[int, int]] = []

    def release(self, n: int | None = None) -> int:
        batch = self.held if n is None else self.held[:n]
        self.performed += [(req.op, req.sector_number) for req, _store, _done in batch]
        return super().release(n)


@pytest.mark.row("D8")
@pytest.mark.parametrize("path", PATHS)
def test_a_barrier_waits_for_earlier_writes_and_later_ones_wait_for_it(path):
    """blkif.h WRITE_BARRIER, LBB xen_blk_drain_io: four writes in flight, a barrier (with
    data), one more write. The barrier reaches the storage only once the four completed; the
    last write only once the barrier completed. Every bio OK, the image holds each write."""
    rig = Rig(path)
    g = rig.guest()
    io = OrderIo()
    rig.back.loops[0].io = io
    early = [rig.bio(g, WRITE, 8 * i, [(0, 7)], pattern(4096, i)) for i in range(4)]
    barrier = rig.bio(g, BARRIER, 64, [(0, 7)], pattern(4096, 50))
    late = rig.bio(g, WRITE, 0, [(0, 7)], pattern(4096, 60))  # overwrites early[0]'s sectors
    rig.submit(g, *early, barrier, late)
    assert [r.sector_number for r, _s, _d in io.held] == [0, 8, 16, 24]  # the barrier waits
    io.release(2)
    rig.pump()
    assert len(io.held) == 2  # still two earlier writes outstanding: no barrier yet
    io.release()
    rig.pump()
    assert [(r.op, r.sector_number) for r, _s, _d in io.held] == [(BARRIER, 64)]
    io.release()
    rig.pump()
    assert [(r.op, r.sector_number) for r, _s, _d in io.held] == [(WRITE, 0)]
    io.release()
    rig.pump()
    assert io.performed == [(WRITE, 0), (WRITE, 8), (WRITE, 16), (WRITE, 24), (BARRIER, 64),
                            (WRITE, 0)]  # fmt: skip
    assert [b.status for b in (*early, barrier, late)] == [OK] * 6
    assert store_bytes(g.store, 0, 4096) == pattern(4096, 60)
    assert store_bytes(g.store, 64 * 512, 4096) == pattern(4096, 50)


@pytest.mark.row("D8")
@pytest.mark.parametrize("path", ["map", "copy"])
@pytest.mark.parametrize("in_flight", [0, 2])
def test_a_refused_barrier_does_not_wedge_the_ring(path, in_flight):
    """A barrier past the end of the disk is answered ERROR (after the drain, if writes were in
    flight); the ring is read again: the next write is served."""
    rig = Rig(path)
    g = rig.guest()
    io = OrderIo()
    rig.back.loops[0].io = io
    early = [rig.bio(g, WRITE, 8 * i, [(0, 7)], pattern(4096, i)) for i in range(in_flight)]
    bad = rig.bio(g, BARRIER, (4 << 20) // 512, [(0, 7)], pattern(4096, 9))
    after = rig.bio(g, WRITE, 32, [(0, 7)], pattern(4096, 7))
    rig.submit(g, *early, bad, after)
    if in_flight:
        assert g.done.count(bad) == 0 and len(io.held) == in_flight  # waits for the drain
    while io.held:
        io.release()
        rig.pump()
    assert g.done.count(bad) == 1 and bad.status == ERR
    assert after.status == OK and store_bytes(g.store, 32 * 512, 4096) == pattern(4096, 7)


def _flush_bio(rig: Rig, g, data: bytes | None = None):
    if data is None:
        bio = Bio(FLUSH, 0, [], done=g.done)
    else:
        bio = rig.bio(g, FLUSH, 96, [(0, 7)], data)
    rig.submit(g, bio)
    return bio


@pytest.mark.row("E6")
@pytest.mark.parametrize("path", PATHS)
def test_a_flush_that_failed_once_fails_ever_after(path):
    """The storage fails one flush (EIO) and would then report success: that flush and every
    later one (empty, with data, a barrier, after a reconnect) answer ERROR; plain writes and
    reads go on. Without the latch the second flush would be OKAY over lost data."""
    fs = FaultyStore(RamStore(DISK), FaultPlan((FaultRule("eio", op="flush", count=1),)))
    rig = Rig(path, stores=[fs])
    g = rig.guest()
    assert rig.write(g, 0, pattern(4096, 1)).status == OK
    assert _flush_bio(rig, g).status == ERR
    assert fs.plan.injected()["eio"] == 1
    assert _flush_bio(rig, g).status == ERR  # the store would succeed now: latched
    assert _flush_bio(rig, g, pattern(4096, 2)).status == ERR
    barrier = rig.bio(g, BARRIER, 104, [(0, 7)], pattern(4096, 3))
    rig.submit(g, barrier)
    assert barrier.status == ERR
    g.front.reconnect()
    rig.pump()
    assert _flush_bio(rig, g).status == ERR
    assert rig.write(g, 8, pattern(4096, 4)).status == OK
    assert store_bytes(fs, 8 * 512, 4096) == pattern(4096, 4)


class NoFlushStore(RamStore):
    """A device without a cache flush: ``flush`` fails EOPNOTSUPP (a bdev whose queue has no
    write cache flush, or a file system without fsync support)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        raise OSError(errno.EOPNOTSUPP, "flush not supported")


@pytest.mark.row("D9")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("op", [FLUSH, BARRIER])
def test_a_flush_the_storage_cannot_do_is_eopnotsupp_and_withdrawn(path, op):
    """LBB __end_block_io_op / LBF blkif_interrupt: the first flush (or barrier) answers
    EOPNOTSUPP, the backend withdraws the feature key in xenstore, the frontend stops sending
    it: a later empty flush completes at once without reaching the ring or the storage, a later
    flush with data is a plain write; a reconnect keeps the feature off."""
    store = NoFlushStore(DISK)
    rig = Rig(path, stores=[store])
    g = rig.guest()
    be = rig.back.devices[(g.domid, DEVID)].be
    key = "feature-barrier" if op == BARRIER else "feature-flush-cache"
    assert rig.port0.store.read(f"{be}/{key}") == "1"
    first = Bio(op, 0, [], done=g.done)
    rig.submit(g, first)
    assert first.status == blkif.BLKIF_RSP_EOPNOTSUPP and store.flushes == 1
    assert rig.port0.store.read(f"{be}/{key}") == "0"
    sent = g.front.queues[0].stats["requests"]
    again = Bio(op, 0, [], done=g.done)
    rig.submit(g, again)
    assert again.status == OK and g.done.count(again) == 1
    assert g.front.queues[0].stats["requests"] == sent and store.flushes == 1
    data = rig.bio(g, op, 8, [(0, 7)], pattern(4096, 5))
    rig.submit(g, data)
    assert data.status == OK and store_bytes(store, 8 * 512, 4096) == pattern(4096, 5)
    assert store.flushes == 1
    g.front.reconnect()
    rig.pump()
    assert rig.port0.store.read(f"{be}/{key}") == "0" and g.front.features[key] == 0


@pytest.mark.row("E9")
@pytest.mark.parametrize("path", PATHS)
def test_a_disk_shrunk_under_io_errors_out_of_range_requests(path):
    """LBB xen_vbd_resize: the image shrinks from 4 to 1 MiB with a write beyond 1 MiB in
    flight. That write fails in the storage (ERROR, nothing written), a new request beyond the
    end is refused at validation (ERROR, no storage I/O), one inside is served; the frontend's
    capacity follows (its watch on the rewritten state)."""
    store = RamStore(DISK)
    rig = Rig(path, stores=[store])
    g = rig.guest()
    assert g.front.sectors == DISK // 512
    io = OrderIo()
    rig.back.loops[0].io = io
    late = rig.bio(g, WRITE, 4096, [(0, 7)], pattern(4096, 1))
    rig.submit(g, late)
    store.size = 1 << 20
    assert rig.back.resize(g.domid, DEVID) == 2048
    rig.pump()
    assert g.front.sectors == 2048 and g.front.connected
    io.release()
    rig.pump()
    assert late.status == ERR and g.done.count(late) == 1
    beyond = rig.bio(g, WRITE, 2048, [(0, 7)], pattern(4096, 2))
    rig.submit(g, beyond)
    assert beyond.status == ERR and io.held == [] and io.performed == [(WRITE, 4096)]
    inside = rig.bio(g, WRITE, 2040, [(0, 7)], pattern(4096, 3))
    rig.submit(g, inside)
    io.release()
    rig.pump()
    assert inside.status == OK and store_bytes(store, 2040 * 512, 4096) == pattern(4096, 3)
