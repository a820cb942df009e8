"""back/datapaths/grant_copy.py by value (found by mutation testing, tools/mutation.py): both
flavours (tapdisk3/QEMU GNTTABOP_copy, XCP blktap2 map + memcpy + unmap) move exactly the segment's
bytes, count a failed request once, release the pool frames, and blktap2 maps read-only exactly
for writes."""

from __future__ import annotations

import pytest
from back_fakes import Meter
from lab_rig import Rig, pattern, store_bytes
from test_lab_bad_front import RawFront

from blkswap.abi import blkif
from blkswap.abi.blkif import Request, Segment
from blkswap.back.datapaths.base import BackendContext, DataPathOptions
from blkswap.back.datapaths.grant_copy import FLAVOURS, CopyPath
from blkswap.back.frames import VaSpace
from blkswap.back.request import BlkRequest, PendingReq, RequestError

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE


def rig_for(flavour: str) -> Rig:
    return Rig("copy", options=DataPathOptions(copy_flavour=flavour))


def test_an_unknown_flavour_is_refused_by_name():
    assert FLAVOURS == ("gntcopy", "blktap2")
    ctx = BackendContext(None, 1, None, VaSpace(), DataPathOptions(copy_flavour="memcpy"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="copy flavour 'memcpy': choose one of gntcopy, blktap2"):
        CopyPath(ctx)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_partial_segments_move_only_their_sectors(flavour: str):
    """A segment of sectors 2..5 writes 2 KiB from page offset 1024 to the disk, and a read of it
    fills only that part of the guest's page; the memcpy (blktap2) is charged per segment."""
    rig = rig_for(flavour)
    g = rig.guest()
    path = rig.ring().datapath
    meter = path.ctx.meter = Meter()
    data = pattern(4096 + 2048, 3)
    w = rig.bio(g, WRITE, 16, [(0, 7), (2, 5)], data)
    rig.submit(g, w)
    assert w.status == OK and store_bytes(g.store, 16 * 512, 6144) == data
    gfns = rig.pages(g, 2)
    for gfn in gfns:
        g.port.page_view(gfn << 12)[:] = b"\x55" * 4096
    r = rig.bio(g, READ, 16, [(0, 7), (2, 5)], gfns=gfns)
    rig.submit(g, r)
    assert r.status == OK
    assert bytes(g.port.page_view(gfns[0] << 12)) == data[:4096]
    second = bytes(g.port.page_view(gfns[1] << 12))
    assert second == b"\x55" * 1024 + data[4096:] + b"\x55" * 1024
    memcpy = [a for cause, a in meter.charged if cause == "memcpy"]
    assert memcpy == ([4096, 2048, 4096, 2048] if flavour == "blktap2" else [])
    assert path.copy_failures == 0 and rig.pool.in_use == 0


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("op", [READ, WRITE])
def test_a_gref_never_granted_fails_the_request_once(flavour: str, op: int):
    rig = rig_for(flavour)
    f = RawFront(rig)
    _, good = f.page(1)
    path = rig.ring().datapath
    ring_vas = path.ctx.va.in_use  # the ring page's mapping
    req = Request(op, 2, 0, 4, 0, (Segment(good, 0, 7), Segment(200, 0, 7)))
    (rsp,) = f.push(req)
    assert (rsp.id, rsp.status) == (4, ERR)
    assert path.copy_failures == 1 and rig.pool.in_use == 0
    assert path.ctx.va.in_use == ring_vas
    # a WRITE fails in prepare (counted by the loop), a READ after its I/O, in finish
    assert rig.ring().stats["errors"] == (1 if op == WRITE else 0)
    (rsp,) = f.push(Request(op, 1, 0, 5, 0, (Segment(good, 0, 7),)))
    assert rsp.status == OK and path.copy_failures == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_read_only_grant_serves_writes_and_refuses_reads(flavour: str):
    """The backend only reads guest memory for a WRITE (blktap2 maps it GNTMAP_readonly,
    GNTTABOP_copy reads the gref); a READ must write the page: refused for a read-only grant."""
    rig = rig_for(flavour)
    f = RawFront(rig)
    _, ref = f.page(0x61, readonly=True)
    path = rig.ring().datapath
    ring_vas = path.ctx.va.in_use
    (w,) = f.push(Request(WRITE, 1, 0, 1, 24, (Segment(ref, 0, 7),)))
    assert w.status == OK and store_bytes(rig.guest().store, 24 * 512, 4096) == b"\x61" * 4096
    (r,) = f.push(Request(READ, 1, 0, 2, 24, (Segment(ref, 0, 7),)))
    assert r.status == ERR and path.copy_failures == 1
    assert rig.pool.in_use == 0 and path.ctx.va.in_use == ring_vas


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_write_whose_copy_fails_in_prepare_gives_its_frames_back_itself(flavour: str):
    """The path returns the pool frames of a WRITE it could not copy before raising (a caller
    other than the loop finds nothing left to release); a READ failing in finish is answered
    ERROR and releases once."""
    rig = rig_for(flavour)
    path = rig.ring().datapath
    segs = (Segment(200, 0, 7),)  # never granted
    req = PendingReq(rig.ring(), BlkRequest(1, WRITE, WRITE, 0, 8, segs))
    req.pool_frames = rig.pool.take(1)
    with pytest.raises(RequestError):
        path.prepare(req)
    assert req.pool_frames == [] and req.token is None and rig.pool.in_use == 0
    read = PendingReq(rig.ring(), BlkRequest(2, READ, READ, 0, 8, segs))
    read.pool_frames = rig.pool.take(1)
    path.prepare(read)
    path.finish(read)
    assert read.status == ERR and read.pool_frames == [] and rig.pool.in_use == 0
    assert path.copy_failures == 2


def test_the_flavour_is_compared_by_value():
    """A flavour name built at run time (a config file's string) selects the same path."""
    flavour = "".join(["gnt", "copy"])
    rig = Rig("copy", options=DataPathOptions(copy_flavour=flavour))
    g = rig.guest()
    before = rig.xen.counters.snapshot()
    assert rig.write(g, 0, pattern(4096, 2)).status == OK
    d = rig.xen.counters.snapshot() - before
    assert (d.grant_ops["copy"], d.grant_ops["map"]) == (1, 0)
