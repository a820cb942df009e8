"""back/datapaths/transfer.py by value (found by mutation testing, tools/mutation.py): a frame
GNTTABOP_transfer refuses with GNTST_bad_page stays dom0's and goes back to the pool, every other
frame is lost to dom0 and refilled (xen-abi.md §1.9, §6); the failure counter counts requests."""

from __future__ import annotations

from lab_rig import HoldIo, Rig, get_segments, pattern

from blkswap.abi import blkif

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ = blkif.BLKIF_OP_READ


def test_a_read_transfers_every_frame_and_counts_no_failure():
    rig = Rig("transfer")
    g = rig.guest()
    data = pattern(8192, 5)
    assert rig.write(g, 16, data).status == OK
    path = rig.ring().datapath
    rig.pool.refill()
    assert rig.pool.available == 64
    before = rig.xen.counters.snapshot()
    bio, got = rig.read(g, 16, 8192)
    d = rig.xen.counters.snapshot() - before
    assert (bio.status, got) == (OK, data)
    assert d.grant_ops["transfer"] == 2 and d.grant_op_calls["transfer"] == 1
    assert (path.transfer_failures, path.frames_given) == (0, 2)
    assert rig.pool.in_use == 0 and rig.pool.available == 62  # both frames left dom0
    assert rig.pool.refill() == 2 and rig.pool.available == 64


def test_a_frame_transfer_refuses_with_bad_page_stays_in_the_pool():
    """An extra reference on the second pool frame (the network stack still holds it) makes
    GNTTABOP_transfer answer GNTST_bad_page for it: that frame is dom0's still and returns to
    the pool; the first is the guest's now and is replaced by a refill; the read fails."""
    io = HoldIo()
    rig = Rig("transfer", io=io)
    g = rig.guest()
    path = rig.ring().datapath
    bio = rig.bio(g, READ, 0, [(0, 7), (0, 7)])
    rig.submit(g, bio)
    (req, _store, _done) = io.held[0]
    gone, stays = req.pool_frames
    held_mfn = rig.port0.gfn_to_mfn(stays)
    rig.xen.get_page(held_mfn)
    rig.pool.refill()
    assert rig.pool.available == 62
    io.release()
    rig.pump()
    assert bio.status == ERR
    assert (path.transfer_failures, path.frames_given) == (1, 1)
    assert rig.port0.gfn_to_mfn(stays) == held_mfn  # still dom0's frame
    assert rig.pool.in_use == 0 and rig.pool.available == 63  # it came back to the pool
    assert rig.pool.refill() == 1  # only the transferred one is replaced
    rig.xen.put_page(held_mfn)
    # the ring goes on (the storage answers at once now)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, 0, [(0, 7)], pattern(4096, 1))
    r = rig.bio(g, READ, 0, [(0, 7)])
    for b in (w, r):
        rig.submit(g, b)
        assert io.release() == 1
        rig.pump()
    assert (w.status, r.status, path.transfer_failures) == (OK, OK, 1)
    assert get_segments(g.port, r.segments) == pattern(4096, 1)
