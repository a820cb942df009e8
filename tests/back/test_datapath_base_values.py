"""back/datapaths/base.py by value (found by mutation testing, tools/mutation.py): the option
defaults (LB blkback.c max_persistent_grants 1056, persistent_grant_unused_seconds 60, LRU_INTERVAL
100 ms, LRU_PERCENT_CLEAN 5), which frames ``scrub`` zeroes, segment slices (xen-abi.md §3.4) and
the context helpers."""

from __future__ import annotations

import pytest
from back_fakes import Meter

from blkswap.abi import blkif
from blkswap.abi.blkif import Segment
from blkswap.back.datapaths.base import (
    API_VERSION,
    ZERO_PAGE,
    BackendContext,
    DataPathOptions,
    NullMeter,
    scrub,
    segment_slice,
    use_pool_frames,
)
from blkswap.back.frames import VaSpace
from blkswap.back.request import BlkRequest, PendingReq


class Port:
    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}

    def page_view(self, va: int) -> memoryview:
        return memoryview(self.pages.setdefault(va, bytearray(b"\xee" * 4096)))

    def gfn_to_mfn(self, gfn: int) -> int:
        return gfn * 3


class Pool:
    def __init__(self) -> None:
        self.given: list[tuple[list[int], str]] = []

    def give(self, frames: list[int], owner: str = "") -> None:
        self.given.append((list(frames), owner))


def ctx(**kw) -> BackendContext:
    return BackendContext(Port(), 3, Pool(), VaSpace(), meter=Meter(), **kw)  # type: ignore[arg-type]


def test_option_defaults_are_linuxs():
    o = DataPathOptions()
    assert (o.scrub, o.swap_copyback, o.copy_flavour) == (True, False, "gntcopy")
    assert o.max_persistent_grants == 1056
    assert o.persistent_unused_ns == 60 * 10**9
    assert (o.lru_interval_ns, o.lru_percent_clean) == (100 * 10**6, 5)
    assert API_VERSION == 1 and ZERO_PAGE == bytes(4096)
    with pytest.raises(AttributeError):
        o.other = 1  # type: ignore[attr-defined]


def test_context_clock_owner_and_meter_defaults():
    c = BackendContext(Port(), 3, Pool(), VaSpace())  # type: ignore[arg-type]
    assert c.now() == 0 and c.owner == "" and isinstance(c.meter, NullMeter)
    assert c.meter.charge("scrub", 4096) is None
    assert ctx(clock=lambda: 1234).now() == 1234
    assert isinstance(c.options, DataPathOptions)
    assert c.options is not BackendContext(Port(), 3, Pool(), VaSpace()).options  # type: ignore[arg-type]


def test_give_frames_returns_them_once_under_the_owner():
    c = ctx(owner="vbd3.1")
    req = PendingReq(None, BlkRequest(1, 0, 0, 0, 8))  # type: ignore[arg-type]
    c.give_frames(req)
    assert c.pool.given == []
    req.pool_frames = [7, 8]
    c.give_frames(req)
    c.give_frames(req)
    assert c.pool.given == [([7, 8], "vbd3.1")] and req.pool_frames == []


@pytest.mark.parametrize(
    "first,last,lo,hi", [(0, 7, 0, 4096), (2, 5, 1024, 3072), (7, 7, 3584, 4096), (0, 0, 0, 512)]
)
def test_segment_slice(first: int, last: int, lo: int, hi: int):
    page = memoryview(bytearray(range(256)) * 16)
    view = segment_slice(page, first, last)
    assert view.nbytes == hi - lo and bytes(view) == bytes(page[lo:hi])


def test_scrub_all_frames_or_only_partial_segments():
    c = ctx()
    assert scrub(c, [1, 2]) == 8192
    assert c.port.pages[1 << 12] == bytearray(4096) and c.port.pages[2 << 12] == bytearray(4096)
    assert c.meter.charged == [("scrub", 8192)]
    segs = (Segment(1, 0, 7), Segment(2, 1, 7), Segment(3, 0, 6), Segment(4, 0, 7))
    assert scrub(c, [10, 11, 12, 13], segs) == 8192
    assert c.port.pages[11 << 12] == bytearray(4096) and c.port.pages[12 << 12] == bytearray(4096)
    assert 10 << 12 not in c.port.pages and 13 << 12 not in c.port.pages  # never touched
    assert c.meter.charged[-1] == ("scrub", 8192)
    assert scrub(c, [20], (Segment(1, 0, 7),)) == 0
    assert len(c.meter.charged) == 2  # nothing zeroed: nothing charged


def test_use_pool_frames_slices_each_frame_and_names_its_machine_frame_and_address():
    c = ctx()
    segs = (Segment(5, 0, 7), Segment(6, 2, 3))
    req = PendingReq(None, BlkRequest(1, blkif.BLKIF_OP_READ, 0, 0, 10, segs))  # type: ignore[arg-type]
    req.pool_frames = [40, 41]
    use_pool_frames(c, req)
    assert [b.nbytes for b in req.bufs] == [4096, 1024]
    assert req.frames == [120, 123] and req.page_vas == [40 << 12, 41 << 12]
    req.bufs[1][:] = b"x" * 1024
    assert c.port.pages[41 << 12][1024:2048] == bytearray(b"x" * 1024)


def test_context_has_fixed_fields_and_pool_frames_must_match_the_segments():
    c = ctx()
    with pytest.raises(AttributeError):
        c.pool_name = "x"  # type: ignore[attr-defined]
    req = PendingReq(None, BlkRequest(1, 0, 0, 0, 16, (Segment(5, 0, 7), Segment(6, 0, 7))))  # type: ignore[arg-type]
    req.pool_frames = [40]  # one frame for two segments: a caller's bug, refused
    with pytest.raises(ValueError):
        use_pool_frames(c, req)
