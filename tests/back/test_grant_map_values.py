"""back/datapaths/grant_map.py by value (found by mutation testing, tools/mutation.py): which gref
a failed map names, the failure counter, and GNTTABOP_unmap_and_replace of a mapping in flight
(the hazard policy "replace", XenLinux gnttab_copy_grant_page; xen-abi.md §5.6)."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig, pattern
from test_lab_bad_front import RawFront, rw

from blkswap.abi import blkif
from blkswap.abi.blkif import Segment
from blkswap.back.datapaths.grant_map import REPLACED
from blkswap.back.request import BlkRequest, PendingReq, RequestError
from blkswap.xen.errors import XenError

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
WRITE = blkif.BLKIF_OP_WRITE


def test_a_failed_map_names_the_bad_gref_counts_once_and_releases_everything():
    """The first segment maps, the second names a gref never granted: the request is answered
    ERROR naming the second gref and its GNTST status, the good mapping is unmapped again."""
    rig = Rig("map")
    f = RawFront(rig)
    _, good = f.page(1)
    path = rig.ring().datapath
    assert path.map_failures == 0
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(WRITE, 7, 0, [good, 200]))
    d = rig.xen.counters.snapshot() - before
    assert (rsp.id, rsp.status) == (7, ERR)
    assert path.map_failures == 1
    assert (d.grant_ops["map"], d.grant_ops["unmap"]) == (2, 1)  # the good one only
    assert rig.pool.in_use == 0
    (rsp,) = f.push(rw(WRITE, 8, 0, [good]))
    assert (rsp.status, path.map_failures) == (OK, 1)  # a success counts nothing


def test_the_error_of_a_failed_map_names_the_first_bad_gref_and_its_status():
    rig = Rig("map")
    f = RawFront(rig)
    _, good = f.page(1)
    path = rig.ring().datapath
    segs = (Segment(good, 0, 7), Segment(200, 0, 7), Segment(201, 0, 7))
    req = PendingReq(rig.ring(), BlkRequest(1, WRITE, WRITE, 0, 24, segs))
    with pytest.raises(RequestError) as err:
        path.prepare(req)
    assert err.value.status == ERR
    # an unused entry inside the table: GNTST_general_error (Xen "Bad flags in grant entry")
    assert err.value.reason == "map of gref 200 failed: GNTST -1"
    assert req.token is None and path.map_failures == 1


def held_write(rig: Rig, io: HoldIo, nseg: int = 2):
    """A WRITE of ``nseg`` full pages held in flight by the storage (its PendingReq)."""
    g = rig.guest()
    data = pattern(nseg * 4096, 3)
    bio = rig.bio(g, WRITE, 0, [(0, 7)] * nseg, data)
    rig.submit(g, bio)
    (req, _store, _done) = io.held[0]
    return bio, req, data


def test_replace_mapping_moves_the_copy_into_the_slot_and_finish_drops_it():
    io = HoldIo()
    rig = Rig("map", io=io)
    bio, req, data = held_write(rig, io)
    port0, path = rig.port0, rig.ring().datapath
    copy = port0.alloc_page()
    port0.page_view(copy << 12)[:] = b"C" * 4096
    va0 = req.token[0].va
    before = rig.xen.counters.snapshot()
    path.replace_mapping(req, 0, copy)
    d = rig.xen.counters.snapshot() - before
    assert d.grant_ops["unmap_and_replace"] == 1
    assert req.replaced == [copy]
    assert [m.status for m in req.token] == [REPLACED, 0]
    assert bytes(port0.page_view(va0)) == b"C" * 4096  # the slot now shows dom0's copy
    with pytest.raises(XenError):
        port0.page_view(copy << 12)  # its own kernel mapping moved away
    before = rig.xen.counters.snapshot()
    assert io.release() == 1
    rig.pump()
    d = rig.xen.counters.snapshot() - before
    assert bio.status == OK
    assert d.grant_ops["unmap"] == 1  # the replaced one is not unmapped again
    assert bytes(port0.page_view(copy << 12)) == b"C" * 4096  # restored
    with pytest.raises(XenError):
        port0.page_view(va0)  # the alias is gone
    assert req.token is None and rig.pool.in_use == 0
    port0.free_page(copy)


def test_a_failed_replace_leaves_the_mapping_as_it_was():
    """unmap_and_replace onto a frame dom0 does not have fails (GNTST_general_error): the
    mapping stays, nothing is recorded as replaced, finish unmaps both segments."""
    io = HoldIo()
    rig = Rig("map", io=io)
    bio, req, data = held_write(rig, io)
    path = rig.ring().datapath
    before = rig.xen.counters.snapshot()
    path.replace_mapping(req, 1, 0x7FFFF)  # no such gfn in dom0
    assert (rig.xen.counters.snapshot() - before).grant_ops["unmap_and_replace"] == 1
    assert req.replaced == [] and [m.status for m in req.token] == [0, 0]
    assert bytes(rig.port0.page_view(req.token[1].va)) == data[4096:]
    before = rig.xen.counters.snapshot()
    io.release()
    rig.pump()
    assert bio.status == OK
    assert (rig.xen.counters.snapshot() - before).grant_ops["unmap"] == 2
