"""back/loop.py by value (found by mutation testing, tools/mutation.py): removing a ring
(detach, kill) while other rings on the same loop have pending, ready or parked work, and a
broken ring left in the queue. ``LazyScheduler`` stands for a busy dom0 vCPU: work is queued
and the test runs the loop itself."""

from __future__ import annotations

from lab_rig import HoldIo, Rig, pattern
from test_lab_bad_front import RawFront, rw

from blkswap.abi import blkif

OK = blkif.BLKIF_RSP_OKAY
WRITE = blkif.BLKIF_OP_WRITE


def test_detaching_a_device_with_a_parked_request_withdraws_its_wait():
    io = HoldIo()
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"), pool_frames=2, io=io)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(2)]
    f.push(rw(WRITE, 1, 0, refs), rw(WRITE, 2, 8, refs[:1]))  # the second waits for a frame
    assert rig.ring().parked == 1 and rig.pool.waiting == 1
    rig.back.detach(f.g.domid, 51712)
    assert rig.pool.waiting == 0
    io.release()
    rig.pump()
    assert rig.pool.in_use == 0
    other = rig.guest(1)
    w = rig.bio(other, WRITE, 0, [(0, 7)], pattern(4096, 2))
    rig.submit(other, w)
    io.release()
    rig.pump()
    assert w.status == OK


class LazyScheduler:
    """Runs nothing on wake (a busy dom0 vCPU): the test calls ``run_once`` itself."""

    def __init__(self) -> None:
        self.woken = 0

    def now(self) -> int:
        return 0

    def after(self, delay_ns: float, fn) -> None:
        raise AssertionError("no timers here")

    def wake(self, loop) -> None:
        self.woken += 1


def two_guests_one_lazy_loop(pool_frames: int = 2):
    io = HoldIo()
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"), pool_frames=pool_frames, io=io)
    fa, fb = RawFront(rig, 0), RawFront(rig, 1)
    loop = rig.ring(0).loop
    assert rig.ring(1).loop is loop
    return rig, io, fa, fb, loop


def test_removing_a_ring_keeps_the_other_rings_pending_work():
    rig, io, fa, fb, loop = two_guests_one_lazy_loop(pool_frames=8)
    ra, rb = fa.page(1)[1], fb.page(2)[1]
    loop.scheduler = LazyScheduler()
    fa.push(rw(WRITE, 1, 0, [ra]))
    fb.push(rw(WRITE, 2, 0, [rb]))  # both rings pending, nothing run yet
    assert io.held == [] and loop.has_work
    rig.back.detach(fa.g.domid, 51712)
    assert loop.run_once() == 1  # requests handled
    assert [req.id for req, _s, _d in io.held] == [2]  # b was still served
    io.release()
    assert loop.run_once() == 1 and [r.id for r in fb.responses()] == [2]
    assert loop.run_once() == 0 and not loop.has_work


def test_removing_a_ring_keeps_another_rings_request_whose_frames_arrived():
    rig, io, fa, fb, loop = two_guests_one_lazy_loop(pool_frames=2)
    a = [fa.page(i)[1] for i in range(2)]
    rb = fb.page(5)[1]
    fa.push(rw(WRITE, 1, 0, a))  # holds both frames
    fb.push(rw(WRITE, 2, 0, [rb]))  # parks
    assert rig.ring(1).parked == 1
    loop.scheduler = LazyScheduler()
    rig.back.resize_pool("default", 3)  # a frame arrives: b's request is ready, not yet run
    assert rig.ring(1).parked == 0 and loop.has_work
    rig.back.detach(fa.g.domid, 51712)
    loop.run_once()
    assert sorted(req.id for req, _s, _d in io.held) == [1, 2]
    io.release()
    loop.run_once()
    assert [r.id for r in fb.responses()] == [2]


def test_removing_a_ring_parked_behind_another_keeps_the_heads_wait():
    rig, io, fa, fb, loop = two_guests_one_lazy_loop(pool_frames=2)
    a = [fa.page(i)[1] for i in range(2)]
    b = [fb.page(i)[1] for i in range(2)]
    fa.push(rw(WRITE, 1, 0, a))  # holds both frames
    fb.push(rw(WRITE, 2, 0, b))  # parks first: the head, with the pool's wait
    fa.push(rw(WRITE, 3, 8, a[:1]))  # parks behind it
    assert rig.pool.waiting == 1 and (rig.ring(0).parked, rig.ring(1).parked) == (1, 1)
    io.release()  # a's first request completes: its frames go to b
    rig.pump()
    assert sorted(req.id for req, _s, _d in io.held) == [2]
    rig.back.detach(fa.g.domid, 51712)  # a's parked request goes with its ring
    assert rig.pool.waiting == 0
    io.release()
    rig.pump()
    assert [r.id for r in fb.responses()] == [2] and rig.pool.in_use == 0


def test_removing_a_ring_whose_request_waits_behind_anothers_leaves_that_wait():
    rig, io, fa, fb, loop = two_guests_one_lazy_loop(pool_frames=2)
    a = [fa.page(i)[1] for i in range(2)]
    b = [fb.page(i)[1] for i in range(2)]
    fa.push(rw(WRITE, 1, 0, a))  # holds both frames
    fb.push(rw(WRITE, 2, 0, b))  # the head of the pool's queue
    fa.push(rw(WRITE, 3, 8, a[:1]))  # behind it
    waiter = rig.pool._waiters[0]
    rig.back.detach(fa.g.domid, 51712)  # a fenced (1 in flight) and its parked request dropped
    assert rig.pool.waiting == 1 and rig.pool._waiters[0] is waiter
    assert rig.ring(1).parked == 1  # b's request still parked
    io.release()  # a's late I/O is cancelled; its frames come back and go to b
    rig.pump()
    assert sorted(req.id for req, _s, _d in io.held) == [2]
    io.release()
    rig.pump()
    assert [r.id for r in fb.responses()] == [2] and rig.pool.in_use == 0


def test_a_broken_ring_in_the_queue_does_not_stop_the_others_being_served():
    rig, io, fa, fb, loop = two_guests_one_lazy_loop(pool_frames=8)
    rb = fb.page(2)[1]
    fa.q.ring.sring._idx[0] = 1000  # a's producer index is impossible
    fa.g.port.evtchn_send(fa.q.evtchn)
    rig.pump()
    assert rig.ring(0).broken
    loop.scheduler = LazyScheduler()
    fa.g.port.evtchn_send(fa.q.evtchn)  # a is queued again, first
    fb.push(rw(WRITE, 2, 0, [rb]))
    loop.run_once()
    assert [req.id for req, _s, _d in io.held] == [2] and rig.ring(0).stats["broken"] == 1


def test_removing_a_ring_returns_the_frames_of_its_ready_request():
    io = HoldIo()
    rig = Rig("copy", pool_frames=2, io=io)
    f = RawFront(rig)
    refs = [f.page(i)[1] for i in range(2)]
    f.push(rw(WRITE, 1, 0, refs), rw(WRITE, 2, 8, refs[:1]))
    loop = rig.ring().loop
    loop.scheduler = LazyScheduler()
    rig.back.resize_pool("default", 3)  # request 2 gets its frame: ready, not yet run
    assert rig.pool.in_use == 3
    rig.back.detach(f.g.domid, 51712)
    assert rig.pool.in_use == 2  # the ready request's frame came back at once
    io.release()
    loop.run_once()
    assert rig.pool.in_use == 0 and not loop.has_work
