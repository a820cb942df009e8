"""back/datapaths/grant_swap.py by value (found by mutation testing, tools/mutation.py): how many
bytes each option combination scrubs (docs/design.md §4: frames crossing domains are zeroed
first, with ``swap_copyback`` too, since a refused copy-back would leave the frame as it was),
and a swap that Xen refuses fails the request and counts once."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig, get_segments, pattern, store_bytes

from blkswap.abi import X86_64, blkif, gnttab
from blkswap.back.datapaths.base import DataPathOptions

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
FULL_AND_PARTIAL = [(0, 7), (2, 5)]  # one whole page, one part of a page
NBYTES = (8 + 4) * 512


@pytest.mark.parametrize(
    "scrub,copyback,written,read",
    [
        (True, False, 8192, 4096),  # writes: every reserve frame; reads: the partial page
        (True, True, 8192, 4096),  # copy-back too: a refused copy must find the frames clean
        (False, False, 0, 0),  # --no-swap-scrub: nothing zeroed
        (False, True, 0, 0),
    ],
)
def test_bytes_scrubbed_per_option(scrub: bool, copyback: bool, written: int, read: int):
    rig = Rig("swap", options=DataPathOptions(scrub=scrub, swap_copyback=copyback))
    g = rig.guest()
    path = rig.ring().datapath
    assert path.scrubbed_bytes == 0
    data = pattern(NBYTES, 9)
    w = rig.bio(g, WRITE, 8, FULL_AND_PARTIAL, data)
    rig.submit(g, w)
    assert w.status == OK and path.scrubbed_bytes == written
    r = rig.bio(g, READ, 8, FULL_AND_PARTIAL)
    rig.submit(g, r)
    assert r.status == OK and path.scrubbed_bytes == written + read
    assert get_segments(g.port, r.segments) == data
    assert path.swap_failures == 0


def test_a_swap_xen_refuses_fails_the_read_and_counts_once():
    """GNTTABOP_swap refuses a reserve frame something still references (docs/xen.md): the READ
    is answered ERROR and ``swap_failures`` counts the request once."""
    io = HoldIo()
    rig = Rig("swap", io=io)
    g = rig.guest()
    path = rig.ring().datapath
    bio = rig.bio(g, READ, 0, [(0, 7), (0, 7)])
    rig.submit(g, bio)
    (req, _store, _done) = io.held[0]
    mfn = rig.port0.gfn_to_mfn(req.pool_frames[1])
    rig.xen.get_page(mfn)
    io.release()
    rig.pump()
    assert bio.status == ERR and path.swap_failures == 1
    assert rig.pool.in_use == 0
    rig.xen.put_page(mfn)
    w = rig.bio(g, WRITE, 0, [(0, 7)], pattern(4096, 2))
    rig.submit(g, w)
    io.release()
    rig.pump()
    assert w.status == OK and path.swap_failures == 1


class FailingCopies:
    """dom0's port, except that every GNTTABOP_copy element fails (GNTST_general_error) and
    copies nothing: a copy-back that Xen refuses after the swap went through."""

    def __init__(self, port) -> None:
        self._port = port

    def __getattr__(self, name: str):
        return getattr(self._port, name)

    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        if cmd != gnttab.GNTTABOP_copy:
            return self._port.grant_table_op(cmd, args, count)
        st = X86_64.struct("gnttab_copy").st
        for i in range(count):
            vals = list(st.unpack_from(args, i * st.size))
            vals[-1] = gnttab.GNTST_general_error  # status, the last field
            st.pack_into(args, i * st.size, *vals)
        return 0


def test_a_failed_copy_back_fails_the_write():
    """With ``swap_copyback`` and the copy refused, the WRITE is answered ERROR (the swap itself
    succeeded: ``swap_failures`` stays 0)."""
    rig = Rig("swap", options=DataPathOptions(swap_copyback=True))
    g = rig.guest()
    path = rig.ring().datapath
    path.ctx.port = FailingCopies(path.ctx.port)
    w = rig.bio(g, WRITE, 0, [(0, 7)], pattern(4096, 4))
    rig.submit(g, w)
    assert w.status == ERR and path.swap_failures == 0
    assert store_bytes(g.store, 0, 4096) == bytes(4096)  # nothing written


@pytest.mark.parametrize("scrub", [True, False])
def test_a_refused_copy_back_hands_the_guest_a_recycled_frame_only_without_scrub(scrub: bool):
    """The reserve frames hold another domain's bytes (recycled), the copy-back is refused after
    the swap: with ``scrub`` the guest's buffer page now maps a zeroed frame; with
    ``--no-swap-scrub`` it maps the stale frame, the leak that option exists to show. (Before the
    lab scrubbed under copy-back too, the guest got the stale bytes with ``scrub`` on.)"""
    rig = Rig("swap", options=DataPathOptions(scrub=scrub, swap_copyback=True))
    g = rig.guest()
    path = rig.ring().datapath
    path.ctx.port = FailingCopies(path.ctx.port)
    stale = pattern(4096, 77)  # another domain's data, left in every reserve frame
    frames = rig.pool.take(rig.pool.available)
    for gfn in frames:
        rig.port0.page_view(gfn << 12)[:] = stale
    rig.pool.give(frames)
    w = rig.bio(g, WRITE, 0, [(0, 7)], pattern(4096, 4))
    rig.submit(g, w)
    assert w.status == ERR
    assert get_segments(g.port, w.segments) == (bytes(4096) if scrub else stale)
