"""Catalog row F1 (XSA-403): a frontend told its backend is untrusted (``trusted=0``) shares the
bytes of each I/O and zeros, never the rest of the page the I/O's buffer sits in."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig, get_segments, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.front.xenbus import FrontConfig

OK = blkif.BLKIF_RSP_OKAY
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
PATHS = ["map", "copy", "swap", "persistent", "transfer"]
SECRET = b"\xa5" * 4096


def _shared_frames_during(rig: Rig, g, bio) -> list[bytes]:
    """Submit ``bio`` with its storage I/O held; the frames of the grants it is using, as the
    backend can read them while the I/O is in flight. Then let it finish."""
    io = HoldIo()
    rig.back.loops[0].io = io
    rig.submit(g, bio)
    assert len(io.held) == 1
    (sh,) = [sh for sh in g.front.queues[0].shadow if sh is not None and sh.bio is bio]
    gt = rig.xen.domain(g.domid).gt
    frames = [bytes(rig.xen.frame_view(gt.read_entry(r)[2])) for r in sh.granted.grefs]
    io.release()
    rig.pump()
    return frames


@pytest.mark.row("F1")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("op", [WRITE, READ])
def test_an_untrusted_backend_sees_the_io_bytes_and_zeros(path, op):
    """A 512-byte I/O at sector 3 of a page full of secrets, trusted=0: every frame granted
    for it holds those 512 bytes (write) or nothing yet (read) and zeros elsewhere (persistent:
    its reused pages may hold earlier I/O to the same backend, never the secrets); the data
    is exact both ways and the rest of the guest's page keeps its secrets. swap and transfer
    are not offered to an untrusted backend (they hand whole frames over): it falls back."""
    rig = Rig(path, front_config=FrontConfig(trusted=False))
    g = rig.guest()
    assert g.front.mode in ("bounce", "persistent")
    assert rig.back.vbd(g.domid, g.front.devid).datapath == {
        "swap": "copy",
        "transfer": "copy",
    }.get(path, path)
    gfn = g.port.alloc_page()
    g.port.page_view(gfn << 12)[:] = SECRET
    data = pattern(512, 7)
    if op == WRITE:
        g.port.page_view(gfn << 12)[1536:2048] = data
    else:
        rig.write(g, 40, data)
    bio = rig.bio(g, op, 40, [(3, 3)], gfns=[gfn])
    frames = _shared_frames_during(rig, g, bio)
    assert bio.status == OK and frames
    for frame in frames:
        seen = data if op == WRITE else bytes(512)
        if path == "persistent":  # a reused bounce page: zeros or earlier I/O to this backend
            assert frame[1536:2048] == seen and SECRET[:16] not in frame
        else:
            assert frame == bytes(1536) + seen + bytes(2048), "backend saw more than the I/O"
    page = bytes(g.port.page_view(gfn << 12))
    assert page[:1536] == SECRET[:1536] and page[2048:] == SECRET[2048:]
    assert get_segments(g.port, bio.segments) == data
    if op == WRITE:
        assert store_bytes(g.store, 40 * 512, 512) == data


@pytest.mark.row("F1")
@pytest.mark.parametrize("path", ["map", "copy"])
def test_the_toolstack_trusted_node_turns_bouncing_on(path):
    """The default frontend shares the whole page (the check can fail); after the toolstack
    writes ``trusted = 0`` in the frontend's directory and the device reconnects, it bounces."""
    rig = Rig(path, front_config=FrontConfig(persistent=False))
    g = rig.guest()
    gfn = g.port.alloc_page()
    g.port.page_view(gfn << 12)[:] = SECRET
    frames = _shared_frames_during(rig, g, rig.bio(g, WRITE, 8, [(3, 3)], gfns=[gfn]))
    assert frames == [SECRET]  # trusted: the backend reaches the whole page
    rig.port0.store.write(f"{g.front.fe}/trusted", "0")
    g.front.reconnect()
    rig.pump()
    assert g.front.mode == "bounce"
    frames = _shared_frames_during(rig, g, rig.bio(g, WRITE, 8, [(3, 3)], gfns=[gfn]))
    assert frames == [bytes(1536) + SECRET[:512] + bytes(2048)]
