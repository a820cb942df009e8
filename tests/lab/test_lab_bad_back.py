"""A misbehaving backend against blkfront (LF blkif_interrupt/blkif_completion; xen-abi.md §5.2):
a response with an id not in flight, the wrong operation, or an impossible rsp_prod makes the
frontend declare the queue broken — no exception escapes, nothing else completes wrongly."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig

from blkswap.abi import blkif
from blkswap.abi.blkif import Response
from blkswap.storage import StorageError


def fake_response(rig: Rig, rsp: Response | None, rsp_prod: int | None = None) -> None:
    """Write ``rsp`` into the ring as the backend would (or just move rsp_prod), then notify."""
    ring = rig.ring()
    if rsp is not None:
        ring.sring.put_response(ring.codec.encode_response(rsp))
        ring.sring.push_responses()
    if rsp_prod is not None:
        ring.sring.sring.rsp_prod = rsp_prod
    rig.port0.evtchn_send(ring.evtchn)
    rig.pump()


def in_flight_read(rig: Rig):
    g = rig.guest()
    io = HoldIo()
    rig.back.loops[0].io = io
    bio = rig.bio(g, blkif.BLKIF_OP_READ, 0, [(0, 7)])
    rig.submit(g, bio)
    assert len(io.held) == 1
    return g, bio, io


@pytest.mark.parametrize("proto", ["x86_64-abi", "x86_32-abi"])
@pytest.mark.parametrize(
    "rsp,why",
    [
        (Response(31, blkif.BLKIF_OP_READ, 0), "response id 31 is not in flight"),
        (Response(2**40, blkif.BLKIF_OP_READ, 0), "is not in flight"),
        (Response(0, blkif.BLKIF_OP_WRITE, 0), "response op 1 for a request with op 0"),
    ],
)
def test_bad_response_breaks_the_queue(proto: str, rsp: Response, why: str) -> None:
    rig = Rig("map", (proto,))
    g, bio, io = in_flight_read(rig)
    seen = []
    g.front.on_broken = lambda front, reason: seen.append(reason)
    fake_response(rig, rsp)
    q = g.front.queues[0]
    assert q.broken is not None and why in q.broken
    assert seen == [q.broken]
    # never a hang: the request in flight is failed, once
    assert g.done.count(bio) == 1 and bio.status == blkif.BLKIF_RSP_ERROR and q.in_flight == 0
    # a broken queue sends nothing more: new bios fail at once
    later = rig.bio(g, blkif.BLKIF_OP_READ, 8, [(0, 7)])
    rig.submit(g, later)
    assert (
        g.done.count(later) == 1
        and later.status == blkif.BLKIF_RSP_ERROR
        and q.stats["requests"] == 1
    )
    # the real answer arrives afterwards: ignored, no exception, no second completion
    io.release()
    rig.pump()
    assert g.done.count(bio) == 1


def test_rsp_prod_beyond_ring_size_breaks_the_queue() -> None:
    rig = Rig("copy")
    g, bio, _io = in_flight_read(rig)
    fake_response(rig, None, rsp_prod=33)
    q = g.front.queues[0]
    assert q.broken == "rsp_prod - rsp_cons exceeds the ring size"
    assert g.done.count(bio) == 1 and bio.status == blkif.BLKIF_RSP_ERROR


def test_duplicate_response_breaks_the_queue_after_first_completes() -> None:
    rig = Rig("map")
    g, bio, io = in_flight_read(rig)
    io.release()
    rig.pump()
    assert g.done.count(bio) == 1
    fake_response(rig, Response(0, blkif.BLKIF_OP_READ, 0))  # the same id again
    q = g.front.queues[0]
    assert q.broken is not None and "not in flight" in q.broken
    assert g.done.count(bio) == 1


class FailingStore:
    """A disk whose every read and write fails (EIO)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def readv(self, offset, bufs):
        raise StorageError("EIO")

    writev = readv

    def flush(self) -> None:
        raise StorageError("EIO")

    def discard(self, offset, length) -> None:
        raise StorageError("EIO")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent", "transfer"])
def test_storage_error_reaches_the_bio_without_breaking_anything(path: str) -> None:
    rig = Rig(path, stores=[FailingStore(4 << 20)])
    g = rig.guest()
    w = rig.write(g, 0, bytes(4096))
    bio, _ = rig.read(g, 0, 4096)
    assert (w.status, bio.status) == (blkif.BLKIF_RSP_ERROR, blkif.BLKIF_RSP_ERROR)
    assert g.done.count(w) == g.done.count(bio) == 1
    kept = len(getattr(rig.ring().datapath, "grants", ()))  # persistent grants hold a frame
    assert g.front.queues[0].broken is None and rig.pool.in_use == kept
    assert g.port.dom.neutered == set()
    ok = rig.bio(g, blkif.BLKIF_OP_FLUSH_DISKCACHE, 0, [])
    rig.submit(g, ok)
    assert ok.status == blkif.BLKIF_RSP_ERROR
