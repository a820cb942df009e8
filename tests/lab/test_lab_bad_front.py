"""A misbehaving frontend gets what Linux blkback gives it (docs/design.md §6; xen-abi.md §2.2, §5.1):
garbage written straight into the shared ring is answered with BLKIF_RSP_ERROR / EOPNOTSUPP,
an impossible producer index breaks the ring, and the backend only ever looks at its private copy
of a slot. Nothing escapes the backend loop, nothing hangs (Rig.pump fails on a livelock)."""

from __future__ import annotations

import pytest
from lab_rig import Rig, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Response, Segment
from blkswap.back.datapaths.base import DataPathOptions
from blkswap.back.io import perform

ERR, NOTSUPP, OK = blkif.BLKIF_RSP_ERROR, blkif.BLKIF_RSP_EOPNOTSUPP, blkif.BLKIF_RSP_OKAY
ABIS = ("x86_64-abi", "x86_32-abi")


class RawFront:
    """Writes whatever it likes into a connected frontend's ring and reads the answers itself."""

    def __init__(self, rig: Rig, i: int = 0) -> None:
        self.rig = rig
        self.g = rig.guest(i)
        self.q = self.g.front.queues[0]
        self.g.front.on_interrupt = lambda q: None  # blkfront must not see these responses
        self.codec = self.g.front.codec

    def push(self, *reqs: object) -> list[Response]:
        for r in reqs:
            raw = r if isinstance(r, bytes | bytearray) else self.codec.encode_request(r)
            self.q.ring.put_request(bytes(raw))
        self.q.ring.push_requests()
        self.g.port.evtchn_send(self.q.evtchn)
        self.rig.pump()
        return self.responses()

    def responses(self) -> list[Response]:
        out = []
        ring = self.q.ring
        while ring.unconsumed_responses():
            slot = ring.get_response()
            out.append(self.codec.decode_response(slot[: self.codec.response_size]))
        return out

    def page(self, fill: int, readonly: bool = False, to: int = 0) -> tuple[int, int]:
        """A granted page; for a swap backend neutered first, as a correct swap front does."""
        port = self.g.port
        gfn = port.alloc_page()
        port.page_view(gfn << 12)[:] = bytes([fill]) * 4096
        if self.rig.ring().datapath.name == "swap":
            port.neuter(gfn)
        return gfn, port.grant_access(gfn, to, readonly)

    def contents(self, gfn: int) -> bytes:
        port = self.g.port
        if gfn in port.dom.neutered:
            port.restore(gfn)
        return bytes(port.page_view(gfn << 12))


def rw(op: int, rid: int, sector: int, refs: list[int], nseg: int | None = None) -> Request:
    segs = tuple(Segment(r, 0, 7) for r in refs)
    return Request(op, len(segs) if nseg is None else nseg, 0, rid, sector, segs)


@pytest.mark.parametrize("proto", ABIS)
@pytest.mark.parametrize("op", [blkif.BLKIF_OP_RESERVED_1, 7, 200, 255])
def test_unknown_operation_gets_eopnotsupp(proto: str, op: int) -> None:
    rig = Rig("map", (proto,))
    f = RawFront(rig)
    _, ref = f.page(1)
    (rsp,) = f.push(rw(op, 0xDEADBEEF, 0, [ref]))
    assert rsp == Response(0xDEADBEEF, op, NOTSUPP)
    assert rig.ring().stats["errors"] == 1


@pytest.mark.parametrize("proto", ABIS)
def test_id_is_echoed_verbatim(proto: str) -> None:
    rig = Rig("copy", (proto,))
    f = RawFront(rig)
    _, ref = f.page(1)
    big = 2**64 - 2  # ids are opaque u64 (id @8 on x86_64, @4 on x86_32)
    (rsp,) = f.push(rw(blkif.BLKIF_OP_READ, big, 0, [ref]))
    assert rsp == Response(big, blkif.BLKIF_OP_READ, OK)


@pytest.mark.parametrize("nseg", [0, 12, 200, 255])
def test_bad_segment_count_is_an_error(nseg: int) -> None:
    rig = Rig("map")
    f = RawFront(rig)
    _, ref = f.page(1)
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(blkif.BLKIF_OP_READ, 5, 0, [ref] * min(nseg, 11), nseg=nseg))
    assert (rsp.id, rsp.status) == (5, ERR)
    assert (rig.xen.counters.snapshot() - before).grant_ops["map"] == 0  # refused before mapping


def test_bad_first_last_sect_is_an_error() -> None:
    rig = Rig("map")
    f = RawFront(rig)
    _, ref = f.page(1)
    bad = Request(blkif.BLKIF_OP_WRITE, 2, 0, 9, 0, (Segment(ref, 0, 7), Segment(ref, 5, 2)))
    worse = Request(blkif.BLKIF_OP_WRITE, 1, 0, 10, 0, (Segment(ref, 0, 8),))
    assert [(r.id, r.status) for r in f.push(bad, worse)] == [(9, ERR), (10, ERR)]
    assert store_bytes(rig.guest().store, 0, 4096) == bytes(4096)


@pytest.mark.parametrize("path", ["map", "copy", "persistent", "swap"])
def test_gref_never_granted_is_an_error(path: str) -> None:
    rig = Rig(path)
    f = RawFront(rig)
    free_ref = 200  # inside the table, never handed out
    (a, b) = f.push(
        rw(blkif.BLKIF_OP_WRITE, 1, 0, [free_ref]), rw(blkif.BLKIF_OP_READ, 2, 0, [60000])
    )
    assert [(a.id, a.status), (b.id, b.status)] == [(1, ERR), (2, ERR)]
    assert rig.pool.in_use == 0
    # the ring still serves well-formed requests afterwards
    _, ref = f.page(7)
    (ok,) = f.push(rw(blkif.BLKIF_OP_WRITE, 3, 0, [ref]))
    assert (ok.id, ok.status) == (3, OK)
    assert store_bytes(rig.guest().store, 0, 4096) == b"\x07" * 4096


@pytest.mark.parametrize("path", ["map", "copy", "persistent", "swap"])
def test_gref_granted_to_another_domain_is_an_error(path: str) -> None:
    rig = Rig(path, ("x86_64-abi", "x86_64-abi"))
    f = RawFront(rig, 0)
    other = rig.guest(1).domid
    _, ref = f.page(3, to=other)  # granted to the other guest, not to dom0
    (rsp,) = f.push(rw(blkif.BLKIF_OP_WRITE, 4, 0, [ref]))
    assert (rsp.id, rsp.status) == (4, ERR)
    assert store_bytes(rig.guest(0).store, 0, 4096) == bytes(4096)


@pytest.mark.parametrize("path", ["map", "copy", "blktap2", "persistent", "swap", "transfer"])
def test_read_into_read_only_grant_fails_and_page_is_untouched(path: str) -> None:
    name = "copy" if path == "blktap2" else path
    opts = DataPathOptions(copy_flavour="blktap2") if path == "blktap2" else None
    rig = Rig(name, options=opts)
    g = rig.guest()
    rig.write(g, 0, pattern(4096, 1))  # something to read
    f = RawFront(rig)
    gfn, ref = f.page(0x55, readonly=True)
    in_use = rig.pool.in_use  # (a persistent grant of the write above keeps its frame)
    (rsp,) = f.push(rw(blkif.BLKIF_OP_READ, 6, 0, [ref]))
    assert (rsp.id, rsp.status) == (6, ERR)
    assert g.port.gfn_to_mfn(gfn) == g.port.grant_entry(ref)[2]  # the frame did not move
    assert f.contents(gfn) == b"\x55" * 4096
    assert rig.pool.in_use == in_use


@pytest.mark.parametrize("sector", [8192, 8190, 2**64 - 4])
def test_sector_beyond_the_disk_is_an_error(sector: int) -> None:
    rig = Rig("map", disk_bytes=4 << 20)  # 8192 sectors
    f = RawFront(rig)
    _, ref = f.page(1)
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(blkif.BLKIF_OP_WRITE, 8, sector, [ref]))
    assert (rsp.id, rsp.status) == (8, ERR)
    assert (rig.xen.counters.snapshot() - before).grant_ops["map"] == 0


def test_bad_discard_and_bad_indirect() -> None:
    rig = Rig("map")
    f = RawFront(rig)
    _, ref = f.page(1)
    gfn, ind = f.page(0)
    g = rig.guest()
    g.port.page_view(gfn << 12)[:16] = blkif.encode_segments([Segment(ref, 0, 7)] * 2)
    reqs = [
        DiscardRequest(blkif.BLKIF_OP_DISCARD, 0, 0, 1, 8190, 16),  # past the end
        IndirectRequest(
            blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_FLUSH_DISKCACHE, 2, 2, 0, 0, (ind,)
        ),
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_READ, 257, 3, 0, 0, (ind,)),
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_READ, 2, 4, 0, 0, (60000,)),
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_READ, 2, 5, 0, 0, (ind,)),
    ]
    rsps = f.push(*reqs)
    assert [(r.id, r.operation, r.status) for r in rsps] == [
        (1, blkif.BLKIF_OP_DISCARD, ERR),
        (2, blkif.BLKIF_OP_INDIRECT, ERR),
        (3, blkif.BLKIF_OP_INDIRECT, ERR),
        (4, blkif.BLKIF_OP_INDIRECT, ERR),  # indirect page cannot be mapped
        (5, blkif.BLKIF_OP_INDIRECT, OK),
    ]


def test_bad_segment_inside_indirect_page_is_an_error() -> None:
    rig = Rig("map")
    f = RawFront(rig)
    _, ref = f.page(1)
    gfn, ind = f.page(0)
    rig.guest().port.page_view(gfn << 12)[:16] = blkif.encode_segments(
        [Segment(ref, 0, 7), Segment(ref, 6, 9)]
    )
    (rsp,) = f.push(IndirectRequest(blkif.BLKIF_OP_INDIRECT, 0, 2, 11, 0, 0, (ind,)))
    assert (rsp.id, rsp.status) == (11, ERR)


@pytest.mark.parametrize("jump", [33, 1000, 2**31])
def test_req_prod_jump_breaks_the_ring(jump: int) -> None:
    rig = Rig("map")
    f = RawFront(rig)
    ring = rig.ring()
    sring = f.q.ring.sring
    sring.req_prod = (sring.rsp_prod + jump) & 0xFFFFFFFF
    f.g.port.evtchn_send(f.q.evtchn)
    rig.pump()
    assert ring.broken and ring.stats["broken"] == 1 and ring.broken_reason
    assert sring.rsp_prod == 0 and ring.stats["responses"] == 0
    # no more processing, even of a request that would be valid
    _, ref = f.page(1)
    f.g.port.evtchn_send(f.q.evtchn)
    rig.pump()
    assert sring.rsp_prod == 0 and ring.stats["wr_req"] == ring.stats["rd_req"] == 0


class MeddlingIo:
    """While the backend works on a request, the frontend rewrites the slot it came from."""

    def __init__(self, sring, codec) -> None:
        self.sring, self.codec = sring, codec
        self.rewrites = 0

    def submit(self, req, store, done) -> None:
        evil = Request(blkif.BLKIF_OP_WRITE, 1, 0, 999, 0, (Segment(7, 0, 7),))
        idx = req.ring.sring.req_cons - 1
        self.sring.write_slot(idx, self.codec.encode_request(evil))
        self.rewrites += 1
        req.status = perform(req, store)
        done(req)


@pytest.mark.parametrize("path", ["map", "copy", "swap"])
def test_slot_rewritten_after_push_is_not_read_again(path: str) -> None:
    rig = Rig(path)
    f = RawFront(rig)
    io = MeddlingIo(f.q.ring.sring, f.codec)
    rig.back.loops[0].io = io
    _, ref = f.page(0x42)
    (rsp,) = f.push(rw(blkif.BLKIF_OP_WRITE, 77, 64, [ref]))
    assert io.rewrites == 1
    assert rsp == Response(77, blkif.BLKIF_OP_WRITE, OK)
    store = rig.guest().store
    assert store_bytes(store, 64 * 512, 4096) == b"\x42" * 4096
    assert store_bytes(store, 0, 4096) == bytes(4096)
    assert rig.ring().stats["wr_req"] == 1 and rig.ring().stats["responses"] == 1


def test_many_bad_requests_fill_the_ring_and_each_is_answered_once() -> None:
    rig = Rig("map")
    f = RawFront(rig)
    reqs = [
        rw(255, i, 0, []) if i % 2 else rw(blkif.BLKIF_OP_READ, i, 0, [], nseg=0) for i in range(32)
    ]
    rsps = f.push(*reqs)
    assert [r.id for r in rsps] == list(range(32))
    assert [r.status for r in rsps] == [NOTSUPP if i % 2 else ERR for i in range(32)]
    assert rig.ring().in_flight == 0 and rig.ring().stats["errors"] == 32
    # and again, across the index wrap of the 32-slot ring
    rsps = f.push(*reqs[:5])
    assert [r.id for r in rsps] == list(range(5))
