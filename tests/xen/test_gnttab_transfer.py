"""GNTTABOP_transfer (page flipping; xen-abi.md §1.9 "transfer")."""

from __future__ import annotations

from xen_helpers import granted_page, host, op, statuses

from blkswap.abi import gnttab as g
from blkswap.xen import POISON

XFER = g.GNTTABOP_transfer


def test_transfer_moves_frame_into_the_promised_hole():
    xen, d0, (d1,) = host(dom0_vcpus=4)
    ref = d1.grant_transfer(0)  # balloons out one free page to make a hole
    flags, domid, hole = d1.grant_entry(ref)
    assert (flags, domid) == (g.GTF_accept_transfer, 0) and d1.p2m[hole] == -1
    src = d0.alloc_page()
    d0.write(src, 0, b"flipped page")
    mfn = d0.gfn_to_mfn(src)
    tot0, tot1 = d0.tot_pages, d1.tot_pages
    rc, out = op(d0, XFER, [dict(mfn=mfn, domid=1, ref=ref)])
    assert rc == 0 and statuses(out) == [g.GNTST_okay]
    assert d1.grant_entry(ref) == (
        g.GTF_accept_transfer | g.GTF_transfer_committed | g.GTF_transfer_completed,
        0,
        mfn,
    )
    assert xen.frame_owner(mfn) == 1 and d1.gfn_to_mfn(hole) == mfn
    assert d0.p2m[src] == -1 and (d0.tot_pages, d1.tot_pages) == (tot0 - 1, tot1 + 1)
    assert d1.read(hole, 0, 12) == b"flipped page"
    assert d1.end_transfer(ref) == mfn
    assert d0.counters.tlb_flushes == 1 and d0.counters.tlb_flush_vcpus == 4


def test_transfer_into_a_non_accept_entry_loses_the_page():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"permit, not accept")
    src = d0.alloc_page()
    mfn = d0.gfn_to_mfn(src)
    freed = xen.counters.frames_freed
    rc, out = op(d0, XFER, [dict(mfn=mfn, domid=1, ref=ref)])
    assert statuses(out) == [g.GNTST_general_error]
    assert xen.frame_owner(mfn) is None and d0.p2m[src] == -1
    assert bytes(xen.frame_view(mfn)[:8]) == POISON
    assert xen.counters.frames_freed == freed + 1
    assert d1.end_access(ref)


def test_transfer_failures():
    xen, d0, (d1, d2) = host(guests=2)
    ref = d1.grant_transfer(0)
    ref_d2 = d1.grant_transfer(2)  # accept entry for another domain
    pages = [d0.alloc_page() for _ in range(4)]
    mfns = [d0.gfn_to_mfn(p) for p in pages]
    busy = mfns[3]
    xen.get_page(busy)
    rows = [
        dict(
            mfn=d1.gfn_to_mfn(d1.alloc_page()), domid=1, ref=ref
        ),  # not the caller's frame: kept by its owner
        dict(mfn=busy, domid=1, ref=ref),  # extra reference: cannot be stolen, stays
        dict(mfn=mfns[0], domid=55, ref=ref),  # no such domain: page lost
        dict(mfn=mfns[1], domid=1, ref=d1.gt.nr_entries),  # bad ref: page lost
        dict(mfn=mfns[2], domid=1, ref=ref_d2),  # entry for d2: page lost
    ]
    rc, out = op(d0, XFER, rows)
    assert statuses(out) == [
        g.GNTST_bad_page,
        g.GNTST_bad_page,
        g.GNTST_bad_domain,
        g.GNTST_bad_gntref,
        g.GNTST_general_error,
    ]
    assert d0.gfn_to_mfn(pages[3]) == busy  # kept
    assert [d0.p2m[p] for p in pages[:3]] == [-1, -1, -1]  # lost
    assert [xen.frame_owner(m) for m in mfns[:3]] == [None, None, None]
    xen.put_page(busy)
    assert d1.end_transfer(ref) is None and d1.end_transfer(ref_d2) is None


def test_transfer_to_a_domain_at_max_pages_is_general_error():
    xen, d0, (d1,) = host()
    ref = d1.grant_transfer(0)
    limit = d1.max_pages
    d1.max_pages = d1.tot_pages  # the guest is at its reservation limit
    rc, out = op(d0, XFER, [dict(mfn=d0.gfn_to_mfn(d0.alloc_page()), domid=1, ref=ref)])
    d1.max_pages = limit
    assert statuses(out) == [g.GNTST_general_error]
    assert d1.grant_entry(ref)[0] == g.GTF_accept_transfer  # not committed
    assert d1.end_transfer(ref) is None


def test_grant_transfer_picks_existing_holes_and_validates_gfn():
    import pytest

    from blkswap.xen import PageAccessError

    xen, d0, (d1,) = host()
    d1.decrease_reservation([5])
    assert d1.grant_entry(d1.grant_transfer(0))[2] == 5  # lowest free hole, no new balloon
    with pytest.raises(PageAccessError):
        d1.grant_transfer(0, gfn=5)  # already promised
    with pytest.raises(PageAccessError):
        d1.grant_transfer(0, gfn=6)  # populated
