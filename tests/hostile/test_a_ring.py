"""Catalog A: a hostile frontend writes what it likes into the shared ring (Linux blkback's
checks, xen-abi.md §2.2): each malformed request is answered, with the documented status, on
every data path; nothing is mapped or stored for it; the ring and the other guests go on."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, Rig, pattern, store_bytes
from test_lab_bad_front import RawFront, rw

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Response, Segment

ERR, NOTSUPP, OK = blkif.BLKIF_RSP_ERROR, blkif.BLKIF_RSP_EOPNOTSUPP, blkif.BLKIF_RSP_OKAY
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
PATHS = ["map", "copy", "swap", "persistent", "transfer"]
TWO = ("x86_64-abi", "x86_64-abi")


def bystander_works(rig: Rig, i: int = 1) -> None:
    """Guest ``i`` writes and reads back 8 KiB exactly: the hostile one took nobody down."""
    g = rig.guest(i)
    data = pattern(8192, 40 + i)
    w = rig.write(g, 64, data)
    bio, got = rig.read(g, 64, 8192)
    assert (w.status, bio.status, got) == (OK, OK, data)


def indirect_page(f: RawFront, segs: list[Segment]) -> int:
    """A page of segment descriptors granted read-only to the backend (never neutered)."""
    port = f.g.port
    gfn = port.alloc_page()
    port.page_view(gfn << 12)[: 8 * len(segs)] = blkif.encode_segments(segs)
    return port.grant_access(gfn, 0, True)


def limits(rig: Rig, i: int = 0):
    return rig.back.vbd(rig.guest(i).domid, DEVID).limits


def indirect_status(rig: Rig) -> int:
    """What a bad indirect request gets: ERROR, or EOPNOTSUPP where the path offers none."""
    return ERR if limits(rig).max_indirect_segments else NOTSUPP


def discard_status(rig: Rig) -> int:
    return ERR if limits(rig).feature_discard else NOTSUPP


def untouched(rig: Rig, i: int = 0) -> None:
    assert store_bytes(rig.guest(i).store, 0, 1 << 16) == bytes(1 << 16)


@pytest.mark.row("A2")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("how", ["ahead", "backwards"])
def test_impossible_req_prod_halts_only_that_ring(path, how):
    """req_prod > rsp_prod + RING_SIZE or behind req_cons: the ring stops (no response, no
    crash); the other guest keeps working."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    sring = f.q.ring.sring
    jump = 33 if how == "ahead" else -1
    sring.req_prod = (sring.rsp_prod + jump) & 0xFFFFFFFF
    f.g.port.evtchn_send(f.q.evtchn)
    rig.pump()
    ring = rig.ring()
    assert ring.broken and sring.rsp_prod == 0 and ring.stats["responses"] == 0
    bystander_works(rig)


@pytest.mark.row("A3")
@pytest.mark.parametrize("path", PATHS)
def test_segment_counts(path):
    """nseg 0 for READ/WRITE and 12 direct → BLKIF_RSP_ERROR, nothing mapped or stored; an empty
    FLUSH is legal."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    _, ref = f.page(9)
    before = rig.xen.counters.snapshot()
    rsps = f.push(
        rw(READ, 1, 0, [], nseg=0),
        rw(WRITE, 2, 0, [], nseg=0),
        rw(WRITE, 3, 0, [ref] * 11, nseg=12),
        Request(blkif.BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 4, 0),
    )
    assert [(r.id, r.status) for r in rsps] == [(1, ERR), (2, ERR), (3, ERR), (4, OK)]
    d = rig.xen.counters.snapshot() - before
    assert d.grant_ops["map"] == d.grant_ops["copy"] == d.grant_ops["swap"] == 0
    untouched(rig)
    bystander_works(rig)


@pytest.mark.row("A4")
@pytest.mark.parametrize("path", PATHS)
def test_indirect_descriptor_abuse(path):
    """nseg > 256, a non-R/W indirect op, an unmappable indirect gref, more indirect pages than
    needed: BLKIF_RSP_ERROR; the indirect pages are unmapped again."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    _, ref = f.page(1)
    ind = indirect_page(f, [Segment(ref, 0, 7)] * 2)
    maps = rig.port0.dom.maptrack.in_use
    ind_op = blkif.BLKIF_OP_INDIRECT
    rsps = f.push(
        IndirectRequest(ind_op, READ, 257, 1, 0, 0, (ind,)),
        IndirectRequest(ind_op, blkif.BLKIF_OP_FLUSH_DISKCACHE, 2, 2, 0, 0, (ind,)),
        IndirectRequest(ind_op, blkif.BLKIF_OP_DISCARD, 2, 3, 0, 0, (ind,)),
        IndirectRequest(ind_op, 99, 2, 4, 0, 0, (ind,)),
        IndirectRequest(ind_op, WRITE, 2, 5, 0, 0, (60000,)),
    )
    assert [(r.id, r.status) for r in rsps] == [(i, indirect_status(rig)) for i in range(1, 6)]
    assert rig.port0.dom.maptrack.in_use == maps
    untouched(rig)
    bystander_works(rig)


@pytest.mark.row("A5")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("first", "last"), [(5, 2), (0, 8), (0, 255), (255, 255)])
def test_sector_bounds_inside_a_frame(path, first, last):
    """first > last or last ≥ 8, direct or inside an indirect page: BLKIF_RSP_ERROR, the disk
    and the guest page untouched."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    gfn, ref = f.page(0x33)
    bad = Segment(ref, first, last)
    ind = indirect_page(f, [Segment(ref, 0, 7), bad])
    rsps = f.push(
        Request(WRITE, 1, 0, 1, 0, (bad,)),
        Request(READ, 2, 0, 2, 0, (Segment(ref, 0, 7), bad)),
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, WRITE, 2, 3, 0, 0, (ind,)),
    )
    assert [(r.id, r.status) for r in rsps] == [(1, ERR), (2, ERR), (3, indirect_status(rig))]
    assert f.contents(gfn) == b"\x33" * 4096
    untouched(rig)
    bystander_works(rig)


@pytest.mark.row("A6")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("sector", [2**64 - 1, 2**55, 2**64 - 8, 8192 - 7])
def test_range_overflow(path, sector):
    """sector 2^64−1, 2^55 (× 512 wraps a u64), the last sector + 1 past the end: ERROR, no I/O
    at a wrapped offset (disk of 8192 sectors)."""
    rig = Rig(path, TWO, disk_bytes=4 << 20)
    f = RawFront(rig)
    _, ref = f.page(7)
    (rsp,) = f.push(rw(WRITE, 5, sector, [ref]))
    assert (rsp.id, rsp.status) == (5, ERR)
    untouched(rig)
    assert store_bytes(rig.guest().store, (4 << 20) - 4096, 4096) == bytes(4096)
    bystander_works(rig)


@pytest.mark.row("A7")
@pytest.mark.parametrize("path", PATHS)
def test_write_to_a_read_only_disk(path):
    """WRITE, indirect WRITE and DISCARD on a read-only VBD: BLKIF_RSP_ERROR; the image stays
    byte-identical; READ still works."""
    rig = Rig(path, TWO, vbd_kwargs={"readonly": True})
    f = RawFront(rig)
    _, ref = f.page(7)
    ind = indirect_page(f, [Segment(ref, 0, 7)])
    rsps = f.push(
        rw(WRITE, 1, 0, [ref]),
        IndirectRequest(blkif.BLKIF_OP_INDIRECT, WRITE, 1, 2, 0, 0, (ind,)),
        DiscardRequest(blkif.BLKIF_OP_DISCARD, 0, 0, 3, 0, 8),
    )
    want = [(1, ERR), (2, indirect_status(rig)), (3, discard_status(rig))]
    assert [(r.id, r.status) for r in rsps] == want
    untouched(rig)
    if path != "transfer":  # a transfer READ needs an accept-transfer grant (RawFront has none)
        _, rref = f.page(1)
        (rsp,) = f.push(rw(READ, 4, 0, [rref]))
        assert (rsp.id, rsp.status) == (4, OK)


@pytest.mark.row("A8")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("opcode", [blkif.BLKIF_OP_RESERVED_1, 7, 255])
def test_unknown_opcode_is_eopnotsupp_with_the_id_echoed(path, opcode):
    rig = Rig(path, TWO)
    f = RawFront(rig)
    _, ref = f.page(1)
    rsps = f.push(rw(opcode, 0xFEEDFACECAFEBEEF, 0, [ref]), rw(WRITE, 9, 0, [ref]))
    assert rsps == [Response(0xFEEDFACECAFEBEEF, opcode, NOTSUPP), Response(9, WRITE, OK)]


@pytest.mark.row("A9")
@pytest.mark.parametrize("path", PATHS)
def test_misaligned_request_on_a_4k_sector_disk(path):
    """Logical block 4096: sector 1, first_sect 1, a 3-sector segment → BLKIF_RSP_ERROR."""
    rig = Rig(path, TWO, vbd_kwargs={"sector_size": 4096})
    f = RawFront(rig)
    _, ref = f.page(1)
    rsps = f.push(
        rw(WRITE, 1, 1, [ref]),
        Request(WRITE, 1, 0, 2, 0, (Segment(ref, 1, 7),)),
        Request(WRITE, 1, 0, 3, 0, (Segment(ref, 0, 2),)),
        rw(WRITE, 4, 8, [ref]),
    )
    assert [(r.id, r.status) for r in rsps] == [(1, ERR), (2, ERR), (3, ERR), (4, OK)]


@pytest.mark.row("A10")
@pytest.mark.parametrize("path", PATHS)
def test_discard_abuse(path):
    """Discard past the end or wrapping: ERROR; a secure discard the backend did not advertise
    is served as a plain one (the flag ignored); the disk is unchanged outside the range."""
    rig = Rig(path, TWO, disk_bytes=4 << 20)
    g = rig.guest()
    rig.write(g, 0, pattern(8192, 3))
    f = RawFront(rig)
    rsps = f.push(
        DiscardRequest(blkif.BLKIF_OP_DISCARD, 0, 0, 1, 8190, 16),
        DiscardRequest(blkif.BLKIF_OP_DISCARD, 0, 0, 2, 2**64 - 8, 16),
        DiscardRequest(blkif.BLKIF_OP_DISCARD, blkif.BLKIF_DISCARD_SECURE, 0, 3, 0, 8),
    )
    ok = OK if limits(rig).feature_discard else NOTSUPP
    assert [(r.id, r.status) for r in rsps] == [
        (1, discard_status(rig)),
        (2, discard_status(rig)),
        (3, ok),
    ]
    assert store_bytes(g.store, 4096, 4096) == pattern(8192, 3)[4096:]


@pytest.mark.row("A11", "F2")
@pytest.mark.parametrize("path", PATHS)
def test_response_padding_carries_no_backend_memory(path):
    """Every response slot's 5 pad bytes (x86_64 layout: id u64, op u8, pad, status i16, pad)
    are zero or the frontend's own bytes from the request that was in the slot."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    _, ref = f.page(1)
    reqs = [rw(WRITE, 1, 0, [ref]), rw(READ, 2, 0, [ref]), rw(77, 3, 0, [ref]),
            rw(READ, 4, 2**60, [ref]), rw(READ, 5, 0, [], nseg=0)]  # fmt: skip
    raw = [f.codec.encode_request(r) for r in reqs]
    f.push(*reqs)
    sring = f.q.ring.sring
    for i, req_bytes in enumerate(raw):
        slot = sring.read_slot(i)[: f.codec.response_size]
        pads = [(9, slot[9]), (12, slot[12]), (13, slot[13]), (14, slot[14]), (15, slot[15])]
        for off, b in pads:
            assert b in (0, req_bytes[off]), (i, off, b)


@pytest.mark.row("A12")
def test_same_gref_twice_in_one_request_and_in_two_on_persistent():
    """Persistent: the same gref in 2 segments of a request and in back-to-back requests is
    served (mapped once), and purging never unmaps a grant in use."""
    rig = Rig("persistent", TWO)
    f = RawFront(rig)
    _, ref = f.page(0x61)
    rsps = f.push(
        Request(WRITE, 2, 0, 1, 0, (Segment(ref, 0, 7), Segment(ref, 0, 7))),
        rw(WRITE, 2, 16, [ref]),
        rw(READ, 3, 0, [ref, ref]),
    )
    assert [(r.id, r.status) for r in rsps] == [(1, OK), (2, OK), (3, OK)]
    assert store_bytes(rig.guest().store, 0, 8192) == b"\x61" * 8192
    path = rig.ring().datapath
    assert len(path.grants) == 1 and path.purge(now=10**15) == 1  # idle now: purgeable
    bystander_works(rig)
