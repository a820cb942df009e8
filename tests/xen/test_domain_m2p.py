"""The M2P when a hole is populated (domain.py:85 mutation survivor): a hole's old P2M value -1
must not be used as an MFN -- m2p[-1] is the arena's last frame, here in another domain's P2M at
the very gfn being populated."""

from __future__ import annotations

from blkswap.xen import Xen


def test_populating_a_hole_leaves_the_last_frames_m2p_alone():
    xen = Xen(frames=24)
    b = xen.create_domain(pages=10, max_pages=12)  # mfns 1..10, table frame 11; holes 10, 11
    a = xen.create_domain(pages=10, max_pages=11)  # mfns 12..21, table frame 22
    assert a.increase_reservation(1) == [10]
    last = xen.arena.frames - 1
    assert a.gfn_to_mfn(10) == last and xen.arena.m2p[last] == 10
    a.decrease_reservation([0])  # one free frame for b
    assert b.increase_reservation(1) == [10]  # b's gfn 10: the same number as a's last frame
    assert xen.arena.m2p[last] == 10 and xen.arena.m2p[b.gfn_to_mfn(10)] == 10
    assert xen.audit() == []
