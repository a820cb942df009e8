"""Domain creation and destruction values (blkswap.xen.lifecycle): argument bounds, the memory
check (pages + one grant-table frame), domid exhaustion, the kernel allocator's initial order,
and what a destroyed domain's object says afterwards (lifecycle.py mutation survivors)."""

from __future__ import annotations

import pytest

from blkswap.abi import gnttab as g
from blkswap.xen import OutOfMemoryError, Xen, XenError


def test_a_new_domain_has_one_grant_frame_and_no_setup_table_call():
    xen = Xen(frames=256)
    free = xen.arena.free_frames
    d = xen.create_domain(pages=8)
    assert len(d.gt.frames) == 1  # INITIAL_NR_GRANT_FRAMES on x86
    assert xen.arena.free_frames == free - 9  # 8 pages + the grant frame
    assert xen.frame_owner(d.gt.frames[0]) == d.domid
    # the toolstack sets the table up, not the guest: no hypercall charged to anyone
    assert d.counters.hypercalls == 0 and xen.counters.hypercalls == 0
    assert d.counters.grant_op_calls["setup_table"] == 0
    assert d.counters.frames_allocated == 9 and d.tot_pages == 8


def test_memory_check_counts_pages_plus_the_grant_frame_and_leaks_nothing():
    xen = Xen(frames=64)
    free = xen.arena.free_frames
    with pytest.raises(OutOfMemoryError, match=f"{free} pages requested, {free} frames free"):
        xen.create_domain(pages=free)  # one frame short: the grant table does not fit
    assert xen.arena.free_frames == free and xen.domains == {}
    d = xen.create_domain(pages=free - 1)  # exactly fits
    assert d.domid == 0  # the refused creation used no domid
    assert xen.arena.free_frames == 0 and d.tot_pages == free - 1


@pytest.mark.parametrize("pages", [1, 2, 6])
def test_smallest_domains_are_accepted(pages):
    xen = Xen(frames=64)
    d = xen.create_domain(pages=pages)
    assert d.tot_pages == pages and d.max_pages == pages and d.free_pages == pages
    assert [d.alloc_page() for _ in range(pages)] == list(range(pages))
    with pytest.raises(OutOfMemoryError):
        d.alloc_page()


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        (dict(pages=0), "pages must be a positive int, got 0"),
        (dict(pages=2.0), "pages must be a positive int, got 2.0"),
        (dict(vcpus=0), "vcpus must be a positive int, got 0"),
        (dict(vcpus=1.5), "vcpus must be a positive int, got 1.5"),
        (dict(vcpus=-1), "vcpus must be a positive int, got -1"),
        (dict(pages=4, max_pages=3), "max_pages 3 < pages 4"),
    ],
)
def test_bad_arguments_are_refused_with_their_value(kw, msg):
    xen = Xen(frames=64)
    args = dict(pages=4) | kw
    with pytest.raises(XenError, match=f"^create_domain: {msg}$"):
        xen.create_domain(**args)
    assert xen.domains == {} and xen.arena.free_frames == 63


@pytest.mark.parametrize("max_pages", [4, 5, 300])
def test_max_pages_at_or_above_pages_is_accepted(max_pages):
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4, vcpus=3, max_pages=max_pages)
    assert d.max_pages == max_pages and d.vcpus == 3 and d.tot_pages == 4
    assert d.p2m[4:] == [-1] * (max_pages - 4)  # holes above the reservation
    assert d.grant_va_base == max_pages << 12


def test_kernel_allocator_hands_out_every_populated_gfn_lowest_first():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=5, max_pages=9)
    assert d.free_pages == 5
    assert [d.alloc_page() for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(OutOfMemoryError):
        d.alloc_page()  # never a hole (gfn 5..8)


def test_domids_run_out_at_the_first_reserved_one():
    xen = Xen(frames=64)
    xen._next_domid = g.DOMID_FIRST_RESERVED - 1  # 32751 creations later
    d = xen.create_domain(pages=1)
    assert d.domid == g.DOMID_FIRST_RESERVED - 1 == 0x7FEF
    free = xen.arena.free_frames
    with pytest.raises(XenError, match="^create_domain: out of domids$"):
        xen.create_domain(pages=1)
    assert xen.arena.free_frames == free and list(xen.domains) == [0x7FEF]


def test_destroy_with_holes_frees_exactly_the_populated_frames():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=6, max_pages=10)
    d.depopulate(2)  # a hole inside the reservation too
    mfns = [d.p2m[gfn] for gfn in (0, 1, 3, 4, 5)]
    free = xen.arena.free_frames
    xen.destroy_domain(d.domid)
    assert d.p2m == [-1] * 10
    assert d.tot_pages == 0 and d.alive is False and d.vmap == {}
    assert xen.arena.free_frames == free + 6  # 5 pages + the grant frame
    assert all(xen.frame_owner(m) is None and xen.arena.m2p[m] == -1 for m in mfns)
    assert xen.domains == {} and xen.audit() == [] and xen.violations == []
