"""xen/domain.py: memory access across page boundaries, the errors that name the page, and the
M2P kept in step with the P2M (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

import pytest
from xen_helpers import granted_page, host, map_one, unmap_one, va

from blkswap.xen.errors import PageAccessError


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
