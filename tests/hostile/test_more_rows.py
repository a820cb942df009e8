"""Catalog rows A14 (hostile backend responses), A15 (segments over non-contiguous frames),
E8 (discard then read) and E10 (network storage retransmits) on every data path they concern."""

from __future__ import annotations

import pytest
from lab_rig import Rig, get_segments, pattern, store_bytes
from test_lab_bad_back import fake_response, in_flight_read

from blkswap.abi import blkif
from blkswap.abi.blkif import Response
from blkswap.front.bio import Bio
from blkswap.lab import Lab

PATHS = ["map", "copy", "swap", "persistent", "transfer"]


@pytest.mark.row("A14")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent"])
@pytest.mark.parametrize(
    ("rsp", "why"),
    [(Response(31, 0, 0), "not in flight"), (Response(0, 1, 0), "response op"),
     (None, "exceeds the ring size")],
)  # fmt: skip
def test_a_hostile_backend_response_breaks_only_that_queue(path, rsp, why):
    """An id not in flight, the wrong op, rsp_prod beyond the ring: the queue is declared
    broken, the request in flight fails once (EIO), later bios fail at once, nothing hangs."""
    rig = Rig(path, ("x86_64-abi", "x86_64-abi"))
    g, bio, io = in_flight_read(rig)
    fake_response(rig, rsp, rsp_prod=33 if rsp is None else None)
    q = g.front.queues[0]
    assert q.broken is not None and why in q.broken
    assert g.done.count(bio) == 1 and bio.status == blkif.BLKIF_RSP_ERROR
    io.release()
    rig.pump()
    assert g.done.count(bio) == 1


@pytest.mark.row("A15")
@pytest.mark.parametrize("path", PATHS)
def test_a_buffer_over_non_adjacent_frames_is_split_per_frame(path):
    """A 16 KiB bio over four guest pages that are not neighbours: each blkif segment lies in
    one granted frame and the bytes are exact both ways."""
    rig = Rig(path)
    g = rig.guest()
    pages = [g.port.alloc_page() for _ in range(8)][::2]  # every other page: never adjacent
    assert all(
        abs(g.port.gfn_to_mfn(a) - g.port.gfn_to_mfn(b)) != 1
        for a, b in zip(pages, pages[1:], strict=False)
    )
    data = pattern(4 * 4096, 5)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, 16, [(0, 7)] * 4, data, gfns=pages)
    rig.submit(g, w)
    assert w.status == 0 and store_bytes(g.store, 16 * 512, len(data)) == data
    if path != "transfer":
        r = rig.bio(
            g, blkif.BLKIF_OP_READ, 16, [(0, 7)] * 4, gfns=[g.port.alloc_page() for _ in range(4)]
        )
        rig.submit(g, r)
        assert r.status == 0 and get_segments(g.port, r.segments) == data


@pytest.mark.row("E8")
@pytest.mark.parametrize("path", PATHS)
def test_discard_then_read_gives_zeros(path):
    """A RAM disk advertises discard and reads discarded sectors back as zeros (brd)."""
    rig = Rig(path)
    g = rig.guest()
    rig.write(g, 0, pattern(16384, 1))
    d = Bio(blkif.BLKIF_OP_DISCARD, 8, [], nr_sectors=16, done=g.done)
    rig.submit(g, d)
    assert d.status == 0
    got = store_bytes(g.store, 0, 16384)
    assert got[4096:12288] == bytes(8192) and got[:4096] == pattern(16384, 1)[:4096]
    if path != "transfer":
        assert rig.read(g, 8, 8192)[1] == bytes(8192)


@pytest.mark.row("E10")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent"])
def test_network_storage_retransmits_carry_only_the_intended_bytes(path):
    """Lost packets and ACKs with the Linux policy (wait for the last reference): every
    (re)transmitted payload is the guest's own data, no foreign byte, no verify error."""
    r = Lab(datapath=path, hazard_policy="wait", guests=2, device="net", net_loss=0.05,
            disk_size=8 << 20, storage="ram").run("[j]\nrw=randwrite\nbs=4k\niodepth=8\nsize=512k\n")  # fmt: skip
    h = r.run.blkswap["hazard"]
    assert h["retransmits"] > 0 and h["retransmits_wrong_data"] == 0 and h["leaked_bytes"] == 0
    assert r.total("verify_errors") == 0 and r.audit == []
