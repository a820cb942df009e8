"""back/loop.py by value (found by mutation testing, tools/mutation.py): pool admission (a request
that can never fit, parking and waking, a pool shrunk under a waiter), ``hold``, responses and
statistics, a ring broken by an impossible producer index (LB blkback.c "Frontend provided bogus
ring requests"), and removing a ring with parked requests."""

from __future__ import annotations

import pytest
from back_fakes import Meter
from lab_rig import HoldIo, Rig, pattern
from test_lab_bad_front import RawFront, rw

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest
from blkswap.abi.xenbus import XenbusState
from blkswap.back.io import SyncIo
from blkswap.back.loop import BackendLoop
from blkswap.back.sched import InlineScheduler

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE


def test_a_request_larger_than_the_pool_fails_at_once():
    rig = Rig("copy", pool_frames=2)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(3)]
    (rsp,) = f.push(rw(WRITE, 1, 0, refs))
    assert (rsp.id, rsp.status) == (1, ERR)
    ring = rig.ring()
    assert ring.stats["errors"] == 1 and ring.stats["frame_waits"] == 0
    assert ring.in_flight == 0 and rig.pool.in_use == 0
    (rsp,) = f.push(rw(WRITE, 2, 0, refs[:2]))
    assert rsp.status == OK


def test_a_request_short_of_frames_parks_the_ring_until_they_come_back():
    io = HoldIo()
    rig = Rig("copy", pool_frames=3, io=io)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(4)]
    ring = rig.ring()
    assert (
        f.push(rw(WRITE, 1, 0, refs[:2]), rw(WRITE, 2, 8, refs[2:]), rw(READ, 3, 0, refs[:1])) == []
    )
    assert (ring.in_flight, ring.parked, ring.stats["frame_waits"]) == (2, 1, 1)
    assert len(io.held) == 1 and rig.pool.waiting == 1
    assert io.release() == 1
    rig.pump()
    assert [r.id for r in f.responses()] == [1]
    assert (ring.parked, len(io.held), rig.pool.waiting) == (0, 2, 0)  # 2 and then 3 went on
    io.release()
    rig.pump()
    assert sorted(r.id for r in f.responses()) == [2, 3]
    assert ring.in_flight == 0 and rig.pool.in_use == 0 and rig.pool.stats.wakeups == 1


def test_a_pool_shrunk_below_a_parked_request_answers_it_error():
    io = HoldIo()
    rig = Rig("copy", pool_frames=4, io=io)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(4)]
    f.push(rw(WRITE, 1, 0, refs[:1]), rw(WRITE, 2, 8, refs))  # 1 + 4 > 4: the second parks
    ring = rig.ring()
    assert ring.parked == 1
    rig.back.resize_pool("default", 3)
    rig.pump()
    (rsp,) = f.responses()
    assert (rsp.id, rsp.status) == (2, ERR)
    assert ring.parked == 0 and ring.stats["errors"] == 1 and ring.in_flight == 1
    io.release()
    rig.pump()
    assert [r.id for r in f.responses()] == [1]


def test_hold_takes_nothing_new_and_answers_what_is_in_flight():
    io = HoldIo()
    rig = Rig("copy", io=io)
    f = RawFront(rig)
    _, ref = f.page(1)
    loop = rig.ring().loop
    f.push(rw(WRITE, 1, 0, [ref]))
    loop.hold = True
    f.push(rw(WRITE, 2, 8, [ref]))
    assert len(io.held) == 1
    io.release()
    rig.pump()
    assert [r.id for r in f.responses()] == [1] and loop.responses == 1
    loop.hold = False
    loop.notify(rig.ring())
    io.release()
    rig.pump()
    assert [r.id for r in f.responses()] == [2]
    assert loop.responses == 2 and rig.ring().stats["responses"] == 2


def test_an_impossible_producer_index_breaks_the_ring_only():
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"))
    f = RawFront(rig)
    ring = rig.ring()
    f.q.ring.sring._idx[0] = 1000  # req_prod far beyond rsp_prod + 32
    f.g.port.evtchn_send(f.q.evtchn)
    rig.pump()
    assert ring.broken and ring.broken_reason == "req_prod - rsp_prod_pvt exceeds the ring size"
    assert ring.stats["broken"] == 1 and ring.stats["responses"] == 0
    f.g.port.evtchn_send(f.q.evtchn)  # a broken ring is not looked at again
    rig.pump()
    assert ring.stats["broken"] == 1
    other = rig.guest(1)
    assert rig.write(other, 0, pattern(4096, 1)).status == OK


def test_a_short_pool_takes_back_just_the_missing_frames_from_idle_persistent_grants():
    """Persistent grants hold 3 of the 4 pool frames idle; a request for 2 new grefs finds 1 free:
    the loop reclaims exactly 2 - 1 = 1 grant (the least recently used) and goes on."""
    rig = Rig("persistent", pool_frames=4)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(5)]
    path = rig.ring().datapath
    for i, ref in enumerate(refs[:3]):
        (rsp,) = f.push(rw(WRITE, i, 8 * i, [ref]))
        assert rsp.status == OK
        rig.scheduler.advance(10)
    assert rig.pool.available == 1 and path.idle_frames() == 3
    (rsp,) = f.push(rw(WRITE, 9, 64, refs[3:]))
    assert rsp.status == OK
    assert path.purged == 1 and sorted(path.grants) == sorted(refs[1:])
    assert rig.ring().stats["frame_waits"] == 0 and rig.pool.available == 0


def test_a_discard_carries_only_the_secure_bit_of_its_flag_to_the_storage():
    io = HoldIo()
    rig = Rig("copy", io=io)
    f = RawFront(rig)
    reqs = [DiscardRequest(blkif.BLKIF_OP_DISCARD, flag, 0, 10 + flag, 8, 8) for flag in range(4)]
    f.push(*reqs)
    held = {req.id: req for req, _store, _done in io.held}
    assert {i: (r.op, r.request.discard_secure, r.segments) for i, r in held.items()} == {
        10: (blkif.BLKIF_OP_DISCARD, False, ()),
        11: (blkif.BLKIF_OP_DISCARD, True, ()),
        12: (blkif.BLKIF_OP_DISCARD, False, ()),
        13: (blkif.BLKIF_OP_DISCARD, True, ()),
    }
    io.release()
    rig.pump()
    assert sorted((r.id, r.status) for r in f.responses()) == [(i, OK) for i in range(10, 14)]
    assert rig.ring().stats["ds_req"] == 4


def test_a_loops_options_are_keyword_only():
    with pytest.raises(TypeError):
        BackendLoop(object(), SyncIo())  # type: ignore[arg-type, misc]
    loop = BackendLoop(object(), io=SyncIo(), name="tapdisk7")  # type: ignore[arg-type]
    assert (loop.name, loop.hold, loop.responses, loop.has_work) == ("tapdisk7", False, 0, False)
    assert loop.hazard.policy == "none" and isinstance(loop.scheduler, InlineScheduler)


def test_two_rings_short_of_frames_share_one_wait_and_are_served_in_order():
    """One loop, one pool: both rings park a request; the loop keeps ONE wait registered with
    the pool (for the head), the second request waits behind it and both go on in turn."""
    io = HoldIo()
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"), pool_frames=2, io=io)
    f0, f1 = RawFront(rig, 0), RawFront(rig, 1)
    a = [f0.page(i)[1] for i in range(2)]
    b = [f1.page(i)[1] for i in range(2)]
    f0.push(rw(WRITE, 1, 0, a))  # takes both frames, held by the storage
    f0.push(rw(WRITE, 2, 8, a[:1]))
    f1.push(rw(WRITE, 3, 0, b))
    assert (rig.ring(0).parked, rig.ring(1).parked) == (1, 1)
    assert rig.pool.waiting == 1 and rig.pool.stats.waits == 1
    for expect in ([1], [2], [3]):
        assert io.release() == 1
        rig.pump()
        got = [r.id for r in f0.responses() + f1.responses()]
        assert got == expect
    assert rig.pool.stats.waits == 2 and rig.pool.in_use == 0


def test_sectors_are_counted_per_direction():
    rig = Rig("copy")
    g = rig.guest()
    rig.write(g, 0, pattern(8192, 1))
    rig.read(g, 0, 4096)
    s = rig.ring().stats
    assert (s["wr_req"], s["wr_sect"], s["rd_req"], s["rd_sect"]) == (1, 16, 1, 8)


def test_a_closing_ring_takes_no_new_request():
    """The frontend goes to Closing with a request in flight: the backend answers it, reads
    nothing new meanwhile (LB xen_blkif_disconnect waits for in-flight requests), then closes."""
    io = HoldIo()
    rig = Rig("copy", io=io)
    f = RawFront(rig)
    _, ref = f.page(1)
    f.push(rw(WRITE, 1, 0, [ref]))
    ring = rig.ring()
    fe = f"/local/domain/{f.g.domid}/device/vbd/51712"
    f.g.port.store.write(f"{fe}/state", str(int(XenbusState.Closing)))
    rig.pump()
    assert ring.closing and ring.in_flight == 1
    f.push(rw(WRITE, 2, 8, [ref]))
    assert len(io.held) == 1
    io.release()
    rig.pump()
    assert [r.id for r in f.responses()] == [1]
    assert rig.back.vbd(f.g.domid, 51712) is None and io.held == []


def test_a_ring_parked_for_frames_is_read_again_once_they_arrive():
    """Frames arrive by a pool resize, not by a completion on this ring: the parked request
    starts and the ring is read again, so the request queued behind it starts too."""
    io = HoldIo()
    rig = Rig("copy", pool_frames=2, io=io)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(2)]
    f.push(rw(WRITE, 1, 0, refs), rw(WRITE, 2, 8, refs[:1]), rw(WRITE, 3, 16, refs[:1]))
    assert [req.id for req, _s, _d in io.held] == [1] and rig.ring().parked == 1
    rig.back.resize_pool("default", 4)
    rig.pump()
    assert [req.id for req, _s, _d in io.held] == [1, 2, 3]
    io.release()
    rig.pump()
    assert sorted(r.id for r in f.responses()) == [1, 2, 3]


def test_a_flush_that_succeeds_withdraws_nothing():
    rig = Rig("copy")
    f = RawFront(rig)
    (rsp,) = f.push(rw(blkif.BLKIF_OP_FLUSH_DISKCACHE, 1, 0, [], nseg=0))
    assert rsp.status == OK
    limits = rig.back.vbd(f.g.domid, 51712).limits
    assert (limits.feature_flush, limits.feature_barrier) == (True, True)
    be = f"/local/domain/0/backend/vbd/{f.g.domid}/51712"
    assert rig.port0.store.read(f"{be}/feature-flush-cache") == "1"


def test_each_request_taken_is_charged_once_and_a_failed_prepare_counts_an_error():
    rig = Rig("copy")
    f = RawFront(rig)
    _, ref = f.page(1)
    loop = rig.ring().loop
    loop.meter = Meter()
    f.push(rw(WRITE, 1, 0, [ref]), rw(WRITE, 2, 8, [200]))  # 200: never granted
    assert loop.meter.charged == [("request", 1), ("request", 1)]
    assert rig.ring().stats["errors"] == 1 and rig.ring().last_error == ""  # not the guest's text


def test_a_barrier_waits_for_every_earlier_request():
    """blkif.h: writes before a barrier complete before it (LBB xen_blk_drain_io): with two
    writes in flight the barrier starts only when the second one is answered."""
    io = HoldIo()
    rig = Rig("copy", io=io)
    f = RawFront(rig)
    _, ref = f.page(1)
    f.push(
        rw(WRITE, 1, 0, [ref]),
        rw(WRITE, 2, 8, [ref]),
        rw(blkif.BLKIF_OP_WRITE_BARRIER, 3, 16, [ref]),
    )
    assert [req.id for req, _s, _d in io.held] == [1, 2]
    io.release(1)
    rig.pump()
    assert [req.id for req, _s, _d in io.held] == [2]  # one write still in flight: no barrier
    io.release(1)
    rig.pump()
    assert [req.id for req, _s, _d in io.held] == [3]
    io.release()
    rig.pump()
    assert [r.id for r in f.responses()] == [1, 2, 3]
