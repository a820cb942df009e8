"""xen/domain.py: memory access across page boundaries, the errors that name the page, and the
M2P kept in step with the P2M (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

import pytest
from xen_helpers import granted_page, host, map_one, unmap_one, va

from blkswap.xen.errors import NeuteredPageError, OutOfMemoryError, PageAccessError


def test_reads_and_writes_through_the_domains_mappings_cross_page_boundaries():
    """read_va/write_va split a span at each 4 KiB boundary (own memory is mapped at
    va = gfn << 12): 300 bytes from offset 4000 of gfn land as 96 + 204, and a 4098-byte span
    from offset 4095 touches three pages (1 + 4096 + 1)."""
    xen, d0, _ = host()
    gfn = d0.alloc_page()
    assert d0.alloc_page() == gfn + 1 and d0.alloc_page() == gfn + 2
    data = bytes(range(256)) + bytes(range(44))
    d0.write_va((gfn << 12) + 4000, data)
    assert d0.read(gfn, 4000, 96) == data[:96] and d0.read(gfn + 1, 0, 204) == data[96:]
    assert d0.read_va((gfn << 12) + 4000, 300) == data
    big = bytes((i * 7) & 0xFF for i in range(4098))
    d0.write_va((gfn << 12) + 4095, big)
    assert d0.read(gfn, 4095, 1) == big[:1]
    assert d0.read(gfn + 1, 0, 4096) == big[1:4097]
    assert d0.read(gfn + 2, 0, 1) == big[4097:]
    assert d0.read_va((gfn << 12) + 4095, 4098) == big


def test_access_errors_name_the_virtual_address():
    """A write through a read-only grant mapping and a read of an empty va both raise
    PageAccessError naming the page's va; nothing is written."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"ro", readonly=True)
    h = map_one(d0, d1, ref, slot=2, flags=2 | 4)  # GNTMAP_host_map | GNTMAP_readonly
    assert h["status"] == 0
    at = va(d0, 2)
    with pytest.raises(PageAccessError, match=f"va {at:#x} is mapped read-only"):
        d0.write_va(at + 8, b"x")
    assert d0.read_va(at, 2) == b"ro"
    empty = va(d0, 7)
    with pytest.raises(PageAccessError, match=f"nothing mapped at va {empty:#x}"):
        d0.read_va(empty + 5, 1)
    assert unmap_one(d0, h["handle"], slot=2)["status"] == 0


def test_the_m2p_follows_the_p2m_when_a_gfn_is_emptied_and_filled_again():
    """depopulate: the frame's M2P entry goes back to -1 (INVALID_M2P_ENTRY) as Xen's
    guest_remove_page does; populate: the new frame's M2P names the gfn."""
    xen, d0, _ = host()
    gfn = d0.alloc_page()
    mfn = d0.gfn_to_mfn(gfn)
    assert xen.arena.m2p[mfn] == gfn
    d0.depopulate(gfn)
    assert xen.arena.m2p[mfn] == -1 and d0.p2m[gfn] == -1
    new = d0.populate(gfn)
    assert xen.arena.m2p[new] == gfn and d0.p2m[gfn] == new
    assert xen.audit() == []


def test_a_span_across_two_mappings_of_frames_far_apart_lands_in_each_frame():
    """Two grants mapped at adjacent vas whose frames are not adjacent in the machine: a write
    and a read across the boundary split at it (the bytes past the first page go to the second
    frame, not to the frame after the first), and the frame between them is untouched."""
    xen, d0, (d1,) = host()
    a, b, c = (granted_page(d1, d0, bytes(4096)) for _ in range(3))
    assert d1.gfn_to_mfn(c[0]) - d1.gfn_to_mfn(a[0]) == 2
    ha, hc = map_one(d0, d1, a[1], slot=0), map_one(d0, d1, c[1], slot=1)
    data = bytes(range(200))
    d0.write_va(va(d0, 0) + 4000, data)
    assert d1.read(a[0], 4000, 96) == data[:96] and d1.read(c[0], 0, 104) == data[96:]
    assert d1.read(b[0], 0, 4096) == bytes(4096)
    assert d0.read_va(va(d0, 0) + 4000, 200) == data
    for h, slot in ((ha, 0), (hc, 1)):
        assert unmap_one(d0, h["handle"], slot=slot)["status"] == 0


def test_gfn_and_span_bounds_are_checked_before_any_access():
    """gfn_to_mfn refuses -1, max_pages and beyond, and a hole; a span must have offset >= 0,
    length >= 0 (0 is an empty read) and stay inside the page."""
    xen, d0, _ = host()
    hole = d0.alloc_page()
    d0.depopulate(hole)
    for bad in (-1, d0.max_pages, d0.max_pages + 3, hole):
        with pytest.raises(PageAccessError, match=f"gfn {bad} is not populated"):
            d0.gfn_to_mfn(bad)
    gfn = d0.alloc_page()
    assert d0.read(gfn, 0, 0) == b"" and d0.read(gfn, 4095, 1) == bytes(1)
    for offset, length in ((-1, 1), (0, -1), (4000, 97), (-1, -1)):
        with pytest.raises(PageAccessError, match="leaves the 4096-byte page"):
            d0.read(gfn, offset, length)


def test_page_view_of_own_memory_and_its_refusals():
    """page_view(gfn << 12) is the domain's own frame (writable); a neutered gfn, an unaligned
    va (even by one byte) and an empty va past max_pages are refused."""
    xen, d0, _ = host()
    gfn = d0.alloc_page()
    d0.write(gfn, 100, b"own page")
    view = d0.page_view(gfn << 12)
    assert len(view) == 4096 and bytes(view[100:108]) == b"own page" and not view.readonly
    view[0:2] = b"ok"
    assert d0.read(gfn, 0, 2) == b"ok"
    with pytest.raises(PageAccessError, match="page-aligned"):
        d0.page_view((gfn << 12) + 1)
    d0.neuter(gfn)
    with pytest.raises(NeuteredPageError):
        d0.page_view(gfn << 12)
    d0.restore(gfn)
    with pytest.raises(PageAccessError, match="nothing mapped"):
        d0.page_view(d0.max_pages << 12)


def test_populate_stops_at_max_pages_and_counts_its_p2m_update_on_the_domain():
    """populate charges one p2m and one m2p update to the domain itself; at max_pages it
    raises OutOfMemoryError; decrease_reservation checks every gfn before freeing any."""
    xen, d0, _ = host()
    gfn = d0.alloc_page()
    d0.depopulate(gfn)
    before = (d0.counters.p2m_updates, d0.counters.m2p_updates)
    d0.populate(gfn)
    assert (d0.counters.p2m_updates, d0.counters.m2p_updates) == (before[0] + 1, before[1] + 1)
    assert d0.tot_pages == d0.max_pages
    hole = d0.alloc_page()
    d0.depopulate(hole)
    d0.populate(hole)
    with pytest.raises(OutOfMemoryError, match="max_pages"):
        d0.populate(hole)
    good = d0.alloc_page()
    d0.depopulate(hole)
    with pytest.raises(PageAccessError):
        d0.decrease_reservation([good, hole])
    assert d0.p2m[good] >= 0


def test_clear_va_removes_only_a_local_alias():
    """clear_va refuses a grant mapping and an empty va (only unmap_and_replace's LOCAL alias
    may be dropped this way)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, bytes(4096))
    h = map_one(d0, d1, ref, slot=0)
    with pytest.raises(PageAccessError, match="no local alias"):
        d0.clear_va(va(d0, 0))
    with pytest.raises(PageAccessError, match="no local alias"):
        d0.clear_va(va(d0, 5))
    assert unmap_one(d0, h["handle"], slot=0)["status"] == 0
