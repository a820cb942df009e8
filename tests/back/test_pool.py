"""Frame pools: toolstack operations, refusals, FIFO/round-robin admission, no starvation."""

from __future__ import annotations

import pytest

from blkswap.back.pool import CLASSIC_FRAMES, FramePool, PoolError, default_frames
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort


@pytest.fixture
def port():
    xen = Xen(frames=8192)
    xen.create_domain(pages=2048, vcpus=2, max_pages=4096)
    xen.store.introduce_domain(0)
    return EmulatedPort(xen, 0)


def test_default_size_is_two_rings_worth_or_two_device_queues():
    assert CLASSIC_FRAMES == 704 == 2 * 32 * 11
    assert default_frames(1) == 704
    assert default_frames(64) == 2 * 11 * 64


def test_create_takes_dom0_frames_and_destroy_returns_them(port):
    before = port.free_pages
    pool = FramePool(port, "p", 100)
    assert pool.available == 100 and port.free_pages == before - 100
    pool.destroy()
    assert port.free_pages == before and pool.frames == 0
    with pytest.raises(PoolError, match="destroyed"):
        pool.take(1)


def test_destroy_refused_while_bound_or_in_use(port):
    pool = FramePool(port, "p", 10)
    pool.bind("xvda.1")
    with pytest.raises(PoolError, match="EBUSY.*xvda.1"):
        pool.destroy()
    pool.unbind("xvda.1")
    got = pool.take(3, "xvda.1")
    with pytest.raises(PoolError, match="EBUSY.*3 frames"):
        pool.destroy()
    pool.give(got, "xvda.1")
    pool.destroy()


def test_shrink_never_steals_frames_in_use(port):
    pool = FramePool(port, "p", 10)
    held = pool.take(8, "a")
    free_before = port.free_pages
    pool.resize(4)  # 2 idle frames released now, 4 more as they come back
    assert pool.available == 0 and port.free_pages == free_before + 2
    pool.give(held[:5], "a")
    assert pool.available == 1 and port.free_pages == free_before + 6  # 4 released, 1 kept
    pool.give(held[5:], "a")
    assert pool.available == 4 and pool.in_use == 0


def test_grow_serves_waiters(port):
    pool = FramePool(port, "p", 2)
    got: list[list[int]] = []
    with pytest.raises(PoolError, match="can never fit"):
        pool.wait(5, "a", got.append)
    pool.resize(6)
    pool.take(2, "x")
    pool.wait(5, "a", got.append)
    assert got == []
    pool.resize(8)
    assert len(got) == 1 and len(got[0]) == 5


def test_waiters_are_served_fifo_and_takes_do_not_jump_the_queue(port):
    pool = FramePool(port, "p", 12)
    held = pool.take(12, "x")
    order: list[str] = []
    pool.wait(11, "big", lambda f: order.append("big"))
    pool.wait(1, "small1", lambda f: order.append("small1"))
    pool.give(held[:6], "x")
    assert order == [] and pool.take(1, "small2") is None  # no overtaking the big waiter
    pool.give(held[6:], "x")
    assert order == ["big", "small1"]
    assert pool.stats.wakeups == 2 and pool.stats.waits == 2


def test_round_robin_between_backends_that_re_register(port):
    """Three backends, each re-registering after being served, share a 1-frame pool evenly."""
    pool = FramePool(port, "p", 1)
    served: list[str] = []
    held = {"frames": pool.take(1, "x")}

    def make(name: str):
        def cb(frames: list[int]) -> None:
            served.append(name)
            held[name] = frames

        return cb

    for name in ("a", "b", "c"):
        pool.wait(1, name, make(name))
    pool.give(held.pop("frames"), "x")
    for _ in range(8):  # whoever holds the frame gives it back and waits again
        name = served[-1]
        pool.wait(1, name, make(name))
        pool.give(held.pop(name), name)
    assert served[:9] == ["a", "b", "c"] * 3


def test_lost_frames_are_refilled_with_fresh_allocations(port):
    pool = FramePool(port, "p", 4)
    got = pool.take(4, "a")
    pool.lose(got[:2], "a", abandoned=True)
    pool.give(got[2:], "a")
    assert pool.available == 2 and pool.stats.abandoned == 2
    assert pool.refill() == 2
    assert pool.available == 4 and pool.stats.refills == 2 and pool.in_use == 0


def test_figures_report_share_and_wait_percentiles(port):
    clock = [0]
    pool = FramePool(port, "p", 2, clock=lambda: clock[0])
    a = pool.take(2, "xvda.1")
    pool.wait(2, "xvda.2", lambda f: None)
    clock[0] = 5000
    pool.give(a, "xvda.1")
    fig = pool.figures()
    assert fig["frames"] == 2 and fig["frames_peak"] == 2 and fig["waits"] == 1
    assert fig["wait_ns"]["max"] == 5000
    assert fig["share"] == {"xvda.1": 0.5, "xvda.2": 0.5}


def test_shrinking_below_a_waiters_need_fails_it_instead_of_blocking_the_queue(port):
    pool = FramePool(port, "p", 12)
    held = pool.take(12, "x")
    got: list[object] = []
    big = pool.wait(11, "big", got.append)
    pool.wait(1, "small", lambda f: got.append(("small", len(f))))
    assert big is not None and got == []
    pool.resize(
        8
    )  # 11 frames can never be had now: the big waiter is told, the small one served later
    assert got == [None]
    pool.give(held[:4], "x")  # the first 4 returning frames are released (the shrink), not kept
    assert got == [None]
    pool.give(held[4:5], "x")
    assert got == [None, ("small", 1)]


def test_cancel_withdraws_exactly_one_wait_and_a_served_wait_returns_none(port):
    pool = FramePool(port, "p", 2)
    assert pool.wait(1, "a", lambda f: None) is None  # frames were there: served at once
    held = pool.take(1, "x")
    first = pool.wait(1, "a", lambda f: None)
    second = pool.wait(1, "a", lambda f: None)  # same owner, same size: a different wait
    pool.cancel(first)
    assert pool.waiting == 1
    pool.give(held, "x")
    assert pool.waiting == 0 and second is not None


# --- values found by mutation testing (tools/mutation.py) ----------------------------------------


def test_pool_refusals_name_the_pool_and_the_numbers(port):
    with pytest.raises(PoolError, match=r"pool 'p': size must be ≥ 0 frames, got -1"):
        FramePool(port, "p", -1)
    pool = FramePool(port, "p", 3)
    with pytest.raises(PoolError, match=r"pool 'p': size must be ≥ 0 frames, got -2"):
        pool.resize(-2)
    with pytest.raises(PoolError, match=r"pool 'p': a request for 4 frames can never fit in 3"):
        pool.wait(4, "a", lambda f: None)
    pool.bind("vbd1")
    pool.bind("vbd0")
    with pytest.raises(PoolError, match=r"pool 'p': EBUSY, still bound to vbd0, vbd1"):
        pool.destroy()
    pool.unbind("vbd0")
    pool.unbind("vbd1")
    pool.unbind("never")  # unbinding twice is harmless
    held = pool.take(1, "a")
    with pytest.raises(PoolError, match=r"pool 'p': EBUSY, 1 frames still in use"):
        pool.destroy()
    pool.give(held, "a")
    pool.destroy()
    assert pool.frames == 0 and pool.destroyed
    for op in (lambda: pool.take(1), lambda: pool.resize(2), lambda: pool.bind("x")):
        with pytest.raises(PoolError, match=r"pool 'p': destroyed"):
            op()


def test_figures_percentiles_share_and_peaks_by_value(port):
    pool = FramePool(port, "p", 3)
    empty = pool.figures()
    assert empty["wait_ns"] == {"p50": 0, "p90": 0, "p99": 0, "max": 0} and empty["share"] == {}
    pool.stats.wait_ns = [10 * (i + 1) for i in reversed(range(10))]  # 100, 90, ... 10
    assert pool.figures()["wait_ns"] == {"p50": 60, "p90": 100, "p99": 100, "max": 100}
    pool.stats.wait_ns = list(range(200))
    assert pool.figures()["wait_ns"] == {"p50": 100, "p90": 180, "p99": 198, "max": 199}
    a = pool.take(3, "a")
    pool.give(a[:1], "a")
    pool.give(a[1:], "a")
    b = pool.take(1, "b")
    pool.give(b, "b")
    fig = pool.figures()
    assert fig["share"] == {"a": 0.75, "b": 0.25} and fig["peak_by_vbd"] == {"a": 3, "b": 1}
    assert (fig["name"], fig["frames"], fig["frames_peak"], fig["frames_in_use"]) == ("p", 3, 3, 0)
    assert (fig["abandoned_frames"], fig["refills"], fig["waits"], fig["wakeups"]) == (0, 0, 0, 0)
    pool.bind("z")
    pool.bind("y")
    assert pool.figures()["bound"] == ["y", "z"]


def test_shrink_then_grow_cancels_the_pending_release(port):
    pool = FramePool(port, "p", 4)
    held = pool.take(4, "a")
    before = port.free_pages
    pool.resize(1)  # 3 frames to release as they come back
    pool.resize(3)  # 2 of those releases cancelled, no new allocation
    assert port.free_pages == before and pool.frames == 3
    pool.give(held, "a")  # one frame released, three kept
    assert pool.available == 3 and port.free_pages == before + 1
    assert pool.refill() == 0


class Holder:
    """Idle frames another backend holds and gives back on request (persistent grants)."""

    def __init__(self, pool: FramePool, owner: str, n: int) -> None:
        self.pool, self.owner = pool, owner
        self.frames = pool.take(n, owner) or []
        self.asked: list[int] = []

    def reclaim(self, n: int) -> int:
        self.asked.append(n)
        back, self.frames = self.frames[:n], self.frames[n:]
        self.pool.give(back, self.owner)
        return len(back)

    def idle(self) -> int:
        return len(self.frames)


@pytest.mark.parametrize(
    "frames,idle,busy,need,asked,served",
    [
        (4, 3, 1, 2, [2], True),  # 0 free + 1 in flight < 2: ask for the 2 missing
        (4, 1, 2, 2, [], False),  # 1 free + 2 in flight will do: nobody is asked
        (4, 1, 1, 4, [2], False),  # 2 free + 1 in flight < 4: ask for 4 - 2 (only 1 comes)
        (3, 1, 1, 2, [], False),  # 1 free + 1 in flight = 2: enough
    ],
)
def test_a_stalled_waiter_takes_only_the_missing_frames_from_idle_holders(
    port, frames, idle, busy, need, asked, served
):
    pool = FramePool(port, "p", frames)
    x = Holder(pool, "x", idle)
    pool.add_reclaimer("x", x.reclaim, x.idle)
    pool.take(busy, "y")
    got: list[object] = []
    pool.wait(need, "z", got.append)
    assert x.asked == asked
    assert len(got) == served
    pool.remove_reclaimer(x.reclaim)
    assert pool._reclaimers == []


def test_the_waiters_own_idle_frames_are_not_reclaimed_for_it(port):
    pool = FramePool(port, "p", 2)
    x = Holder(pool, "x", 2)
    pool.add_reclaimer("x", x.reclaim, x.idle)
    assert pool.wait(1, "x", lambda f: None) is not None  # its own backend reclaims, not the pool
    assert x.asked == []
