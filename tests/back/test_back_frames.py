"""VaSpace: page-aligned addresses for the backend's grant mappings (blkswap.back.frames).

(FrameReserve, which this file also covered, was replaced by ``blkswap.back.pool.FramePool``.)
"""

from __future__ import annotations

from blkswap.back.frames import MAPPING_BASE_VA, VaSpace
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort


def test_vaspace_hands_out_distinct_aligned_addresses_and_reuses_fifo() -> None:
    va = VaSpace()
    a = va.take(3)
    assert a == [MAPPING_BASE_VA + i * 4096 for i in range(3)]
    assert (va.in_use, va.peak) == (3, 3)
    va.give(a[1:])
    assert (va.in_use, va.peak) == (1, 3)
    b = va.take(3)
    assert b[:2] == a[1:] and b[2] == MAPPING_BASE_VA + 3 * 4096  # FIFO reuse, then fresh
    assert (va.in_use, va.peak) == (4, 4)
    assert all(x % 4096 == 0 for x in a + b)
    assert va.take(0) == []


def test_vaspace_custom_base() -> None:
    assert VaSpace(base=0x10000).take(2) == [0x10000, 0x11000]


def test_vaspace_addresses_lie_above_domain_memory() -> None:
    xen = Xen(frames=128, deliver=None)
    xen.create_domain(pages=64, vcpus=1)
    port = EmulatedPort(xen, 0)
    assert VaSpace().take(1)[0] >= port.dom.grant_va_base


def test_vaspace_starts_at_one_tib_and_tracks_its_peak() -> None:
    """The default base is 1 << 40 (far above any domain's own memory, va = gfn << 12); peak is
    the most addresses out at once, 0 before any take."""
    from blkswap.back.frames import MAPPING_BASE_VA, VaSpace

    vs = VaSpace()
    assert MAPPING_BASE_VA == 1 << 40 and vs.peak == 0
    first = vs.take(3)
    assert first == [(1 << 40) + i * 4096 for i in range(3)] and vs.peak == 3
    vs.give(first[:2])
    assert vs.take(1) == [first[0]] and (vs.in_use, vs.peak) == (2, 3)
