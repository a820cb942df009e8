"""Catalog A1 (XSA-155): the backend reads each byte of a request -- its ring slot and its
indirect descriptors -- exactly once, and acts on that private copy."""

from __future__ import annotations

import pytest
from fetch_tracer import DoubleFetchTracer
from lab_rig import Rig, pattern, store_bytes
from test_lab_bad_front import MeddlingIo, RawFront, rw

from blkswap.abi import blkif
from blkswap.abi.blkif import IndirectRequest, Response, Segment

OK = blkif.BLKIF_RSP_OKAY
PATHS = ["map", "copy", "swap", "persistent", "transfer"]


def traced(path: str, monkeypatch) -> tuple[Rig, DoubleFetchTracer]:
    rig = Rig(path, guest_pages=1024)
    tracer = DoubleFetchTracer()
    tracer.trace_ring("ring0", rig.ring().sring.sring)
    tracer.install_indirect(monkeypatch)
    return rig, tracer


@pytest.mark.row("A1")
@pytest.mark.parametrize("path", PATHS)
def test_every_request_byte_is_read_once(path, monkeypatch):
    """Direct and indirect writes and reads, twice round the 32-slot ring: no byte read twice,
    and the backend read exactly one slot per request."""
    rig, tracer = traced(path, monkeypatch)
    g = rig.guest()
    n = 0
    for i in range(34):
        nbytes = 4096 * (1 + i % 3) if path == "swap" else 4096 * (1 + (i * 7) % 13)
        data = pattern(nbytes, i)
        assert rig.write(g, i * 160, data).status == OK
        n += 1
        if path != "transfer":
            bio, got = rig.read(g, i * 160, nbytes)
            assert bio.status == OK and got == data
            n += 1
    assert tracer.doubles == []
    assert tracer.ring_bytes == n * g.front.codec.ring_entry_size
    assert tracer.indirect_bytes > 0 or path == "swap"  # swap offers no indirect requests


@pytest.mark.row("A1")
@pytest.mark.parametrize("path", ["map", "copy", "swap"])
def test_a_slot_rewritten_while_the_backend_works_changes_nothing(path, monkeypatch):
    """The frontend rewrites the slot after the backend copied it: the backend never looks
    again (served per its snapshot), and the tracer saw one read."""
    rig, tracer = traced(path, monkeypatch)
    f = RawFront(rig)
    io = MeddlingIo(f.q.ring.sring, f.codec)
    rig.back.loops[0].io = io
    _, ref = f.page(0x42)
    (rsp,) = f.push(rw(blkif.BLKIF_OP_WRITE, 77, 64, [ref]))
    assert io.rewrites == 1 and rsp == Response(77, blkif.BLKIF_OP_WRITE, OK)
    assert store_bytes(rig.guest().store, 64 * 512, 4096) == b"\x42" * 4096
    assert tracer.doubles == [] and tracer.ring_bytes == f.codec.ring_entry_size


@pytest.mark.row("A1")
def test_indirect_descriptors_changed_after_the_copy_are_not_seen(monkeypatch):
    """The indirect page is copied once; rewriting it afterwards does not change the I/O."""
    rig, tracer = traced("map", monkeypatch)
    f = RawFront(rig)
    _, ref = f.page(0x5A)
    port = f.g.port
    igfn = port.alloc_page()
    port.page_view(igfn << 12)[:8] = blkif.encode_segments([Segment(ref, 0, 7)])
    ind = port.grant_access(igfn, 0, True)

    class Flip:
        def submit(self, req, store, done):
            port.page_view(igfn << 12)[:8] = blkif.encode_segments([Segment(ref, 0, 0)])
            from blkswap.back.io import perform

            req.status = perform(req, store)
            done(req)

    rig.back.loops[0].io = Flip()
    (rsp,) = f.push(
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_WRITE, 1, 9, 0, 0, (ind,))
    )
    assert rsp.status == OK
    assert store_bytes(rig.guest().store, 0, 4096) == b"\x5a" * 4096  # 8 sectors, not 1
    assert tracer.doubles == [] and tracer.indirect_bytes == 8


@pytest.mark.row("A1")
def test_the_tracer_catches_a_backend_that_reads_a_slot_twice(monkeypatch):
    """The check can fail: a BackRing that fetches the slot twice is reported."""
    from blkswap.abi.ring import BackRing

    original = BackRing.get_request

    def twice(self):
        self.sring.read_slot(self.req_cons)  # the validating read ...
        return original(self)  # ... and the using read

    monkeypatch.setattr(BackRing, "get_request", twice)
    rig, tracer = traced("copy", monkeypatch)
    rig.write(rig.guest(), 0, pattern(4096, 1))
    assert tracer.doubles and "read twice" in tracer.doubles[0]
