"""xen/arena.py: frame bounds, release/reap results and exactly which bytes poison, zero and
is_poisoned touch (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

import pytest

from blkswap.xen.arena import DYING, FREE, POISON, RESERVED, SHARED, Arena
from blkswap.xen.errors import FrameError


def test_the_frame_flags_are_distinct_bits_and_free_is_minus_one():
    """RESERVED 1, SHARED 2, DYING 4 (one byte of flags per frame); FREE = -1 (no domid)."""
    assert (RESERVED, SHARED, DYING, FREE) == (1, 2, 4, -1)
    a = Arena(3)
    assert a.flags[0] == RESERVED and a.owner == [FREE] * 3 and a.free_frames == 2


def test_arena_size_and_frame_number_bounds():
    """At least 2 frames (mfn 0 is reserved); check accepts 0..frames-1 only."""
    with pytest.raises(FrameError, match="at least 2 frames, got 1"):
        Arena(1)
    a = Arena(2)
    assert a.free_frames == 1 and a.alloc(7) == 1 and a.flags[1] == 0
    for good in (0, 1):
        a.check(good)
    for bad in (-1, 2, 3):
        with pytest.raises(FrameError, match=f"mfn {bad} out of range"):
            a.check(bad)


def test_release_and_reap_report_whether_the_frame_was_freed():
    """release: True and poisoned now when nothing references the frame, False and DYING when
    a pin holds it; reap then frees it (True) only once the pin is gone."""
    a = Arena(4)
    m = a.alloc(1, flags=SHARED)
    assert a.release(m) is True and a.owner[m] == FREE and a.flags[m] == 0
    assert a.is_poisoned(m) and a.counters.frames_freed == 1
    m = a.alloc(1)
    a.pins[m] = 1
    assert a.release(m) is False and a.flags[m] == DYING and a.owner[m] == 1
    assert a.reap(m) is False
    with pytest.raises(FrameError, match="released twice"):
        a.release(m)
    a.pins[m] = 0
    assert a.reap(m) is True and a.owner[m] == FREE and a.flags[m] == 0
    assert a.reap(m) is False
    with pytest.raises(FrameError, match="not allocated"):
        a.release(m)
    shared = a.alloc(1, flags=SHARED)
    assert a.reap(shared) is False and a.owner[shared] == 1  # not dying: nothing to reap


def test_poison_zero_and_is_poisoned_cover_exactly_one_frame():
    """Each fills or inspects the 4096 bytes of its frame and nothing around it."""
    a = Arena(8)
    for m in range(8):
        a.frame_view(m)[:] = bytes([m]) * 4096
    a.poison(3)
    a.zero(5)
    assert bytes(a.frame_view(3)) == POISON * (4096 // len(POISON))
    assert bytes(a.frame_view(5)) == bytes(4096)
    for m in (2, 4, 6):
        assert bytes(a.frame_view(m)) == bytes([m]) * 4096, m
    assert a.is_poisoned(3) and not a.is_poisoned(2) and not a.is_poisoned(4)
    a.frame_view(3)[4095] ^= 1  # one byte of the last word
    assert not a.is_poisoned(3)
    a.poison(3)
    a.frame_view(3)[0] ^= 1  # one byte of the first word
    assert not a.is_poisoned(3)
