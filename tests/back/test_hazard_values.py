"""back/hazard.py by value (found by mutation testing, tools/mutation.py): which pages each policy
defers, the retry delays of "wait" (LG grant-table.c gnttab_unmap_refs_async: 5 ms × attempt),
the copies of "replace" and the frames "abandon" gives away, and the statistics reports read."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import pytest
from back_fakes import Meter

from blkswap.abi import blkif
from blkswap.abi.blkif import Segment
from blkswap.back.caps import Caps, HazardKind
from blkswap.back.hazard import POLICIES, RETRY_NS, Hazard
from blkswap.back.request import BlkRequest, PendingReq

WRITE, READ = blkif.BLKIF_OP_WRITE, blkif.BLKIF_OP_READ


class Port:
    """Frames with extra references (``refs``), pages by va, and page allocation."""

    def __init__(self) -> None:
        self.refs: dict[int, int] = {}
        self.pages: dict[int, bytearray] = {}
        self.next_gfn = 500
        self.freed: list[int] = []

    def page_refcount(self, mfn: int) -> int:
        return self.refs.get(mfn, 0)

    def alloc_page(self) -> int:
        self.next_gfn += 1
        self.pages[self.next_gfn << 12] = bytearray(4096)
        return self.next_gfn

    def gfn_to_mfn(self, gfn: int) -> int:
        return gfn + 10_000

    def page_view(self, va: int) -> memoryview:
        return memoryview(self.pages[va])

    def free_page(self, gfn: int) -> None:
        self.freed.append(gfn)


class Holders:
    def __init__(self) -> None:
        self.repointed: list[tuple[int, int]] = []
        self.callbacks: dict[int, object] = {}

    def repoint(self, old_mfn: int, new_mfn: int) -> None:
        self.repointed.append((old_mfn, new_mfn))

    def on_release(self, mfn: int, callback) -> None:
        self.callbacks[mfn] = callback


class Pool:
    def __init__(self) -> None:
        self.lost: list[tuple[list[int], str, bool]] = []

    def lose(self, gfns: list[int], owner: str = "", *, abandoned: bool = False) -> None:
        self.lost.append((list(gfns), owner, abandoned))


class Path:
    def __init__(self, kind: HazardKind) -> None:
        self.caps = Caps(hazard=kind)
        self.ctx = SimpleNamespace(meter=Meter(), pool=Pool(), owner="vbd1.51712")
        self.replaced: list[tuple[int, int]] = []

    def replace_mapping(self, req: PendingReq, i: int, gfn: int) -> None:
        self.replaced.append((i, gfn))


def request(port: Port, kind: HazardKind, op: int = WRITE, n: int = 3) -> PendingReq:
    """A request over ``n`` pages at va 0x100000 + i pages (mfn 2000 + i, pool gfn 300 + i)."""
    segs = tuple(Segment(i, 0, 7) for i in range(n))
    ring = SimpleNamespace(datapath=Path(kind))
    req = PendingReq(ring, BlkRequest(1, op, op, 0, 8 * n, segs))  # type: ignore[arg-type]
    req.frames = [2000 + i for i in range(n)]
    req.page_vas = [(0x100 + i) << 12 for i in range(n)]
    req.pool_frames = [300 + i for i in range(n)]
    for i, va in enumerate(req.page_vas):
        port.pages[va] = bytearray([0x41 + i]) * 4096
    return req


def test_policies_are_checked_and_wait_needs_a_timer():
    assert POLICIES == ("none", "wait", "replace", "abandon")
    with pytest.raises(
        ValueError, match="hazard policy 'drop': choose one of none, wait, replace, abandon"
    ):
        Hazard("drop", Port())
    with pytest.raises(ValueError, match="hazard policy 'wait' needs a timer"):
        Hazard("wait", Port())
    assert Hazard("wait", Port(), later=lambda d, f: None).policy == "wait"


def test_busy_lists_the_pages_still_referenced():
    port = Port()
    req = request(port, HazardKind.POOL_FRAME)
    h = Hazard("replace", port)
    assert h.busy(req) == []
    port.refs[2001] = 2
    port.refs[2002] = 1
    assert h.busy(req) == [1, 2]


@pytest.mark.parametrize("policy", POLICIES)
def test_reads_unreferenced_pages_and_policy_none_release_at_once(policy: str):
    port = Port()
    later = []
    h = Hazard(policy, port, later=lambda d, f: later.append(d))
    port.refs[2000] = 1
    read = request(port, HazardKind.POOL_FRAME, op=READ)
    assert h.release(read, lambda r: None) is True
    write = request(port, HazardKind.POOL_FRAME)
    write.frames = []  # nothing was handed to storage
    assert h.release(write, lambda r: None) is True
    assert h.stats.deferred == 0 and later == [] and read.hazard_since is None
    busy = request(port, HazardKind.POOL_FRAME)
    assert h.release(busy, lambda r: None) is (policy != "wait")
    assert h.stats.deferred == (0 if policy == "none" else 1)


def test_wait_retries_after_5ms_times_the_attempt_then_records_the_extra_latency():
    port = Port()
    now = [1_000]
    timers: list[tuple[float, object]] = []
    h = Hazard("wait", port, later=lambda d, f: timers.append((d, f)), clock=lambda: now[0])
    req = request(port, HazardKind.POOL_FRAME)
    port.refs[2001] = 1
    retried: list[PendingReq] = []
    for attempt in (1, 2, 3):
        assert h.release(req, retried.append) is False
        assert timers[-1][0] == RETRY_NS * attempt == 5_000_000 * attempt
        now[0] += 7
    assert (h.stats.deferred, h.stats.unmap_retries, req.hazard_attempts) == (1, 3, 3)
    assert req.hazard_since == 1_000
    timers[0][1]()  # the timer calls retry(req)
    assert retried == [req]
    port.refs[2001] = 0
    assert h.release(req, retried.append) is True
    assert h.stats.extra_latency_ns == [21]  # three 7 ns steps since the first deferral
    assert len(timers) == 3


def test_an_unreferenced_write_records_no_latency():
    port = Port()
    h = Hazard("wait", port, later=lambda d, f: None, clock=lambda: 99)
    assert h.release(request(port, HazardKind.POOL_FRAME), lambda r: None) is True
    assert h.stats.extra_latency_ns == [] and h.stats.deferred == 0


@pytest.mark.parametrize("kind", [HazardKind.GUEST_MAPPING, HazardKind.POOL_FRAME])
def test_replace_copies_each_busy_page_and_repoints_the_holder(kind: HazardKind):
    port, holders = Port(), Holders()
    h = Hazard("replace", port, holders=holders, clock=lambda: 5)
    req = request(port, kind)
    port.refs[2000] = 1
    port.refs[2002] = 3
    assert h.release(req, lambda r: None) is True
    dp = req.ring.datapath
    assert port.pages[501 << 12] == bytearray(b"A" * 4096)  # copy of page 0
    assert port.pages[502 << 12] == bytearray(b"C" * 4096)  # copy of page 2
    assert holders.repointed == [(2000, 10_501), (2002, 10_502)]
    assert dp.ctx.meter.charged == [("memcpy", 4096), ("memcpy", 4096)]
    assert dp.replaced == ([(0, 501), (2, 502)] if kind is HazardKind.GUEST_MAPPING else [])
    assert (h.stats.replaced_frames, h.stats.deferred, h.stats.abandoned_frames) == (2, 1, 0)
    assert req.hazard_since == 5 and req.pool_frames == [300, 301, 302]
    holders.callbacks[10_502]()
    assert port.freed == [502]  # the copy is freed when the stack lets go


def test_replace_without_holders_still_copies():
    port = Port()
    h = Hazard("replace", port)
    req = request(port, HazardKind.POOL_FRAME)
    port.refs[2001] = 1
    assert h.release(req, lambda r: None) is True
    assert port.pages[501 << 12] == bytearray(b"B" * 4096) and h.stats.replaced_frames == 1


def test_abandon_gives_busy_pool_frames_away_and_keeps_the_rest():
    port, holders = Port(), Holders()
    h = Hazard("abandon", port, holders=holders)
    req = request(port, HazardKind.POOL_FRAME)
    port.refs[2000] = 1
    port.refs[2002] = 1
    assert h.release(req, lambda r: None) is True
    dp = req.ring.datapath
    assert dp.ctx.pool.lost == [([300, 302], "vbd1.51712", True)]
    assert req.pool_frames == [301]
    assert sorted(holders.callbacks) == [2000, 2002]
    holders.callbacks[2002]()
    assert port.freed == [302]
    assert (h.stats.abandoned_frames, h.stats.replaced_frames) == (2, 0)
    assert dp.ctx.meter.charged == []


@pytest.mark.parametrize("kind", [HazardKind.GUEST_MAPPING, HazardKind.KEPT_MAPPING])
def test_abandon_of_a_mapping_acts_as_replace(kind: HazardKind):
    port = Port()
    h = Hazard("abandon", port, holders=Holders())
    req = request(port, kind)
    port.refs[2001] = 1
    assert h.release(req, lambda r: None) is True
    assert (h.stats.abandoned_frames, h.stats.replaced_frames) == (0, 1)
    assert req.ring.datapath.ctx.pool.lost == [] and req.pool_frames == [300, 301, 302]


def test_abandon_without_holders_loses_the_frames():
    port = Port()
    h = Hazard("abandon", port)
    req = request(port, HazardKind.POOL_FRAME)
    port.refs[2001] = 1
    assert h.release(req, lambda r: None) is True
    assert req.ring.datapath.ctx.pool.lost == [([301], "vbd1.51712", True)]
    assert port.freed == []


def test_the_retry_callback_is_bound_to_the_request():
    port = Port()
    timers = []
    h = Hazard("wait", port, later=lambda d, f: timers.append(f))
    req = request(port, HazardKind.POOL_FRAME)
    port.refs[2000] = 1
    h.release(req, lambda r: None)
    assert isinstance(timers[0], partial) and timers[0].args == (req,)
