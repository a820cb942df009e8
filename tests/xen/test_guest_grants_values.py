"""The guest kernel's grant helpers at their edges (guest_grants.py mutation survivors): table
growth one frame at a time and its failure, the gfn range of a transfer hole (gfn 0, the last
gfn, max_pages), the ref range of grant_entry, revoking a read-only mapped entry, and the
entry flags left behind by end_access / end_transfer."""

from __future__ import annotations

import pytest
from xen_helpers import map_one, op, statuses, unmap_one, va

from blkswap.abi import gnttab as g
from blkswap.xen import Xen
from blkswap.xen.errors import GrantError, PageAccessError


def test_the_table_grows_by_one_frame_each_time_it_runs_out():
    xen = Xen(frames=256)
    d = xen.create_domain(pages=4)
    refs = [d.grant_access(0, 0, True) for _ in range(512 - 8)]
    assert refs == list(range(8, 512)) and len(d.gt.frames) == 1
    assert d.grant_access(0, 0, True) == 512 and len(d.gt.frames) == 2
    for _ in range(511):
        d.grant_access(0, 0, True)
    assert len(d.gt.frames) == 2 and d.counters.grant_op_calls["setup_table"] == 1
    assert d.grant_access(0, 0, True) == 1024
    assert len(d.gt.frames) == 3 and d.gt.nr_entries == 1536
    assert d.counters.grant_op_calls["setup_table"] == 2


def test_a_table_that_cannot_grow_refuses_the_grant():
    xen = Xen(frames=8)
    d = xen.create_domain(pages=6)  # 6 pages + 1 table frame: the arena is full
    assert xen.arena.free_frames == 0
    for _ in range(512 - 8):
        d.grant_access(0, 0, True)
    with pytest.raises(GrantError, match=r"grant table full \(1 frames, 512 entries\)"):
        d.grant_access(0, 0, True)
    assert len(d.gt.frames) == 1 and d.gt.nr_entries == 512


def test_transfer_holes_span_gfn_0_to_max_pages_minus_1():
    xen = Xen(frames=256)
    d = xen.create_domain(pages=4, max_pages=6)  # holes 4, 5
    assert d.alloc_page() == 0
    d.depopulate(0)
    r0 = d.grant_transfer(0, gfn=0)
    assert d.grant_entry(r0) == (g.GTF_accept_transfer, 0, 0)
    r5 = d.grant_transfer(0, gfn=5)
    assert d.grant_entry(r5)[2] == 5
    for bad in (-1, 6, 9):  # -1 would be the last gfn (a hole) read from the end
        with pytest.raises(PageAccessError, match=f"gfn {bad} is not a free hole"):
            d.grant_transfer(0, gfn=bad)
    r4 = d.grant_transfer(0)  # the lowest hole not promised yet
    assert d.grant_entry(r4)[2] == 4
    assert [d.end_transfer(r) for r in (r0, r4, r5)] == [None, None, None]


def test_grant_entry_accepts_exactly_the_table_refs():
    xen = Xen(frames=256)
    d = xen.create_domain(pages=4)
    assert d.grant_entry(0) == (0, 0, 0) and d.grant_entry(511) == (0, 0, 0)
    for bad in (-1, 512, 1100):
        with pytest.raises(GrantError, match=f"grant ref {bad} out of range"):
            d.grant_entry(bad)


def test_a_read_only_mapped_entry_cannot_be_revoked_and_end_access_clears_it():
    xen = Xen(frames=256)
    d0 = xen.create_domain(pages=8)
    d1 = xen.create_domain(pages=8)
    gfn = d1.alloc_page()
    ref = d1.grant_access(gfn, d0.domid, True)
    h = map_one(d0, d1, ref, flags=g.GNTMAP_host_map | g.GNTMAP_readonly)["handle"]
    ro_reading = g.GTF_permit_access | g.GTF_readonly | g.GTF_reading
    assert d1.grant_entry(ref)[0] == ro_reading
    assert d1.end_access(ref) is False and d1.grant_entry(ref)[0] == ro_reading
    unmap_one(d0, h)
    assert d1.end_access(ref) is True
    assert d1.grant_entry(ref)[0] == 0
    rc, out = op(
        d0,
        g.GNTTABOP_map_grant_ref,
        [dict(host_addr=va(d0), flags=g.GNTMAP_host_map, ref=ref, dom=d1.domid)],
    )
    assert statuses(out) == [g.GNTST_general_error]


def test_end_transfer_leaves_an_invalid_entry_whether_completed_or_not():
    xen = Xen(frames=256)
    d0 = xen.create_domain(pages=8)
    d1 = xen.create_domain(pages=8)
    open_ref = d1.grant_transfer(d0.domid)
    done_ref = d1.grant_transfer(d0.domid)
    src = d0.alloc_page()
    d0.write(src, 0, bytes(4096))
    mfn = d0.gfn_to_mfn(src)
    rc, out = op(d0, g.GNTTABOP_transfer, [dict(mfn=mfn, domid=d1.domid, ref=done_ref)])
    assert statuses(out) == [g.GNTST_okay]
    assert d1.end_transfer(done_ref) == mfn and d1.grant_entry(done_ref)[0] == 0
    assert d1.end_transfer(open_ref) is None and d1.grant_entry(open_ref)[0] == 0
