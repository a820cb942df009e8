"""Catalog rows D8 (barrier ordering), D9 (flush unsupported by the storage), E6 (a flush that
fails once, then lies) and E9 (resize under I/O), on every data path they concern."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig, pattern, store_bytes

from blkswap.abi import blkif

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
BARRIER, FLUSH = blkif.BLKIF_OP_WRITE_BARRIER, blkif.BLKIF_OP_FLUSH_DISKCACHE
PATHS = ["map", "copy", "swap", "persistent", "transfer"]


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
