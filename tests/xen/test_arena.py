"""Machine memory: arena layout, allocation order, poison, page references."""

from __future__ import annotations

import pytest
from xen_helpers import host

from blkswap.xen import POISON, FrameError, OutOfMemoryError, Xen
from blkswap.xen.arena import Arena


def test_arena_is_page_aligned_and_frame_view_is_4k_writable():
    a = Arena(16)
    assert a.np.ctypes.data % 4096 == 0 and a.np.size == 16 * 4096
    v = a.frame_view(3)
    assert v.nbytes == 4096 and not v.readonly
    v[0:4] = b"abcd"
    assert bytes(a.np[3 * 4096 : 3 * 4096 + 4]) == b"abcd"
    with pytest.raises(FrameError):
        a.frame_view(16)


def test_allocation_is_deterministic_and_skips_frame_zero():
    a = Arena(8)
    assert [a.alloc(0) for _ in range(3)] == [1, 2, 3]
    a.release(2)
    assert [a.alloc(1) for _ in range(5)] == [4, 5, 6, 7, 2]  # FIFO over freed frames
    with pytest.raises(OutOfMemoryError):
        a.alloc(1)


def test_freed_frames_are_poisoned():
    xen, d0, _ = host(guests=0)
    gfn = d0.alloc_page()
    d0.write(gfn, 0, b"secret" * 100)
    mfn = d0.gfn_to_mfn(gfn)
    d0.decrease_reservation([gfn])
    assert bytes(xen.frame_view(mfn)) == POISON * 512
    assert xen.frame_owner(mfn) is None
    assert xen.counters.frames_freed == 1 and xen.counters.frames_scrubbed == 1
    assert d0.counters.frames_freed == 1


def test_release_with_extra_reference_defers_the_free():
    xen, d0, _ = host(guests=0)
    gfn = d0.alloc_page()
    d0.write(gfn, 0, b"in flight")
    mfn = d0.gfn_to_mfn(gfn)
    xen.get_page(mfn)
    xen.get_page(mfn)
    assert xen.page_refcount(mfn) == 2
    free_before = xen.arena.free_frames
    d0.decrease_reservation([gfn])
    assert xen.frame_owner(mfn) == 0 and xen.arena.free_frames == free_before  # kept, DYING
    assert bytes(xen.frame_view(mfn)[:9]) == b"in flight"  # the I/O still sees its data
    xen.put_page(mfn)
    assert xen.arena.free_frames == free_before
    xen.put_page(mfn)
    assert xen.arena.free_frames == free_before + 1 and xen.arena.is_poisoned(mfn)
    assert xen.frame_owner(mfn) is None
    with pytest.raises(FrameError):
        xen.put_page(mfn)
    with pytest.raises(FrameError):
        xen.get_page(mfn)  # free frame


def test_xen_rejects_tiny_arena_and_exhaustion_is_clear():
    with pytest.raises(FrameError):
        Xen(frames=1)
    xen = Xen(frames=64)
    with pytest.raises(OutOfMemoryError):
        xen.create_domain(pages=100)
