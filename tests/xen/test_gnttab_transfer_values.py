"""GNTTABOP_transfer statuses at the edges (ops_transfer.py mutation survivors): frame numbers at
the arena's end, frames the donor owns outside its P2M, refs past the table, a full target, and
accept entries a hostile target wrote itself (flags, domid, frame); domids and MFNs above 256 so
that identity (``is``) is not equality."""

from __future__ import annotations

import pytest
from xen_helpers import op, statuses

from blkswap.abi import gnttab as g
from blkswap.xen import POISON, Xen

XFER = g.GNTTABOP_transfer


def burnt_domids(n: int = 257, frames: int = 4096) -> Xen:
    """A host whose next domid is ``n`` (domains 0..n-1 created and destroyed)."""
    xen = Xen(frames=frames)
    for i in range(n):
        xen.create_domain(pages=1)
        xen.destroy_domain(i)
    return xen


def lost(xen: Xen, mfn: int) -> bool:
    """The frame went back to Xen, poisoned (a transfer that failed after the steal)."""
    return xen.frame_owner(mfn) is None and bytes(xen.frame_view(mfn)[:8]) == POISON


def test_transfer_between_domids_and_mfns_above_256():
    xen = burnt_domids()
    ld = xen.create_domain(pages=8)
    rd = xen.create_domain(pages=8)
    assert (ld.domid, rd.domid) == (257, 258)
    ref = rd.grant_transfer(ld.domid)
    hole = rd.grant_entry(ref)[2]
    src = ld.alloc_page()
    mfn = ld.gfn_to_mfn(src)
    assert mfn > 256
    ld.write(src, 0, b"big ids".ljust(4096, b"\0"))  # no canary crosses
    rc, out = op(ld, XFER, [dict(mfn=mfn, domid=rd.domid, ref=ref)])
    assert rc == 0 and statuses(out) == [g.GNTST_okay]
    assert rd.gfn_to_mfn(hole) == mfn and xen.frame_owner(mfn) == 258 and ld.p2m[src] == -1
    assert rd.read(hole, 0, 7) == b"big ids" and rd.end_transfer(ref) == mfn


def test_mfn_at_the_arena_end_is_a_bad_page_and_nothing_moves():
    xen = Xen(frames=256)
    ld = xen.create_domain(pages=8)
    rd = xen.create_domain(pages=8)
    ref = rd.grant_transfer(ld.domid)
    tot = ld.tot_pages
    rows = [dict(mfn=xen.arena.frames, domid=rd.domid, ref=ref)]
    rc, out = op(ld, XFER, rows)
    assert rc == 0 and statuses(out) == [g.GNTST_bad_page]
    assert ld.tot_pages == tot and ld.counters.tlb_flushes == 0
    assert rd.grant_entry(ref)[0] == g.GTF_accept_transfer


def test_a_frame_the_donor_owns_outside_its_p2m_is_a_bad_page():
    xen = Xen(frames=256)
    ld = xen.create_domain(pages=8)
    rd = xen.create_domain(pages=8)
    ref = rd.grant_transfer(ld.domid)
    hole = rd.grant_entry(ref)[2]
    mfn = xen.alloc_frame(ld)  # ld's frame, in no P2M (as a backend's reserved frames)
    assert xen.arena.m2p[mfn] == -1
    rc, out = op(ld, XFER, [dict(mfn=mfn, domid=rd.domid, ref=ref)])
    assert statuses(out) == [g.GNTST_bad_page]
    assert xen.frame_owner(mfn) == ld.domid and rd.p2m[hole] == -1
    assert ld.counters.tlb_flushes == 0 and rd.end_transfer(ref) is None
    xen.free_frame(mfn, ld)  # an owned frame in no P2M is an audit finding


def test_a_ref_far_past_the_table_is_a_bad_gntref_and_the_page_is_lost():
    xen = Xen(frames=256)
    ld = xen.create_domain(pages=8)
    rd = xen.create_domain(pages=8, max_pages=12)  # room for the page
    src = ld.alloc_page()
    mfn = ld.gfn_to_mfn(src)
    rows = [dict(mfn=mfn, domid=rd.domid, ref=rd.gt.nr_entries + 700)]
    rc, out = op(ld, XFER, rows)
    assert statuses(out) == [g.GNTST_bad_gntref]
    assert lost(xen, mfn) and ld.p2m[src] == -1 and ld.counters.tlb_flushes == 1


def test_a_full_target_is_a_general_error_before_the_ref_is_looked_at():
    xen = Xen(frames=1024)
    ld = xen.create_domain(pages=8)
    rd = xen.create_domain(pages=300)  # at max_pages; counts above 256
    assert rd.tot_pages == rd.max_pages == 300
    mfns = [ld.gfn_to_mfn(ld.alloc_page()) for _ in range(2)]
    rows = [
        dict(mfn=mfns[0], domid=rd.domid, ref=rd.gt.nr_entries),  # bad ref too
        dict(mfn=mfns[1], domid=rd.domid, ref=0),
    ]
    rc, out = op(ld, XFER, rows)
    assert statuses(out) == [g.GNTST_general_error, g.GNTST_general_error]
    assert all(lost(xen, m) for m in mfns) and rd.tot_pages == 300


def hostile_entries(xen: Xen, ld_domid: int, rd, rows: list[tuple[int, int, int]]) -> list[int]:
    """Entries ``rd`` writes straight into its shared table: (flags, domid, frame) -> refs."""
    refs = []
    for i, (flags, domid, frame) in enumerate(rows):
        ref = 10 + i
        rd.gt.write_entry(ref, flags, domid, frame)
        refs.append(ref)
    return refs


def test_accept_entries_with_wrong_flags_domid_or_frame_are_general_errors():
    xen = Xen(frames=512)
    d0 = xen.create_domain(pages=8)
    ld = xen.create_domain(pages=16)
    rd = xen.create_domain(pages=8, max_pages=12)  # holes: gfns 8..11
    assert (d0.domid, ld.domid, rd.domid) == (0, 1, 2)
    acc = g.GTF_accept_transfer
    cases = [
        (g.GTF_permit_access, ld.domid, 8),  # flags below accept_transfer
        (acc | g.GTF_PWT, ld.domid, 8),  # accept_transfer plus another bit
        (acc, d0.domid, 8),  # offered to a lower domid than the donor
        (acc, ld.domid, 12),  # frame = max_pages
        (acc, ld.domid, 40),  # frame far past max_pages
        (acc, ld.domid, 3),  # a populated gfn
    ]
    refs = hostile_entries(xen, ld.domid, rd, cases)
    pages = [ld.alloc_page() for _ in cases]
    mfns = [ld.gfn_to_mfn(p) for p in pages]
    p2m, tot = list(rd.p2m), rd.tot_pages
    rows = [dict(mfn=m, domid=rd.domid, ref=r) for m, r in zip(mfns, refs, strict=True)]
    rc, out = op(ld, XFER, rows)
    assert rc == 0 and statuses(out) == [g.GNTST_general_error] * len(cases)
    assert all(lost(xen, m) for m in mfns) and [ld.p2m[p] for p in pages] == [-1] * len(cases)
    assert rd.p2m == p2m and rd.tot_pages == tot
    assert [rd.gt.read_entry(r) for r in refs] == cases  # never committed
    assert ld.counters.tlb_flushes == len(cases)


@pytest.mark.parametrize("hole", [8, 11])
def test_a_hostile_but_well_formed_accept_entry_is_honoured(hole):
    xen = Xen(frames=512)
    ld = xen.create_domain(pages=16)
    rd = xen.create_domain(pages=8, max_pages=12)
    (ref,) = hostile_entries(xen, ld.domid, rd, [(g.GTF_accept_transfer, ld.domid, hole)])
    src = ld.alloc_page()
    ld.write(src, 0, bytes(4096))  # no canary crosses
    mfn = ld.gfn_to_mfn(src)
    rc, out = op(ld, XFER, [dict(mfn=mfn, domid=rd.domid, ref=ref)])
    assert statuses(out) == [g.GNTST_okay] and rd.p2m[hole] == mfn
    done = g.GTF_accept_transfer | g.GTF_transfer_committed | g.GTF_transfer_completed
    assert rd.gt.read_entry(ref) == (done, ld.domid, mfn) and rd.tot_pages == 9
