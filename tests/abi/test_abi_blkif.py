"""blkif request/response codecs on both ABIs (xen-abi.md §3), incl. Linux blkback's clamping."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.abi import X86_32, X86_64, AbiError, by_protocol
from blkswap.abi.abis import Abi
from blkswap.abi.blkif import (
    BLKIF_OP_DISCARD,
    BLKIF_OP_INDIRECT,
    BLKIF_OP_READ,
    BLKIF_OP_WRITE,
    BLKIF_RSP_EOPNOTSUPP,
    DiscardRequest,
    IndirectRequest,
    Request,
    Response,
    Segment,
    decode_segments,
    encode_segments,
    indirect_pages_needed,
)

ABIS = pytest.mark.parametrize("abi", [X86_64, X86_32], ids=lambda a: a.name)
u8, u16, u32, u64 = (st.integers(0, 2**b - 1) for b in (8, 16, 32, 64))
segments = st.builds(Segment, u32, u8, u8)
rw_ops = st.integers(0, 255).filter(lambda op: op not in (BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT))


@st.composite
def rw_requests(draw: st.DrawFn) -> Request:
    segs = tuple(draw(st.lists(segments, max_size=11)))
    return Request(draw(rw_ops), len(segs), draw(u16), draw(u64), draw(u64), segs)


@st.composite
def indirect_requests(draw: st.DrawFn) -> IndirectRequest:
    nseg = draw(u16)
    n = min(indirect_pages_needed(nseg), 8)
    grefs = tuple(draw(st.lists(u32, min_size=n, max_size=n)))
    return IndirectRequest(
        BLKIF_OP_INDIRECT, draw(u8), nseg, draw(u64), draw(u64), draw(u16), grefs
    )


discards = st.builds(DiscardRequest, st.just(BLKIF_OP_DISCARD), u8, u16, u64, u64, u64)
any_request = st.one_of(rw_requests(), indirect_requests(), discards)


@ABIS
@settings(max_examples=150, deadline=None)
@given(req=any_request)
def test_request_round_trip(abi: Abi, req) -> None:
    raw = abi.encode_request(req)
    assert len(raw) == abi.ring_entry_size
    assert abi.decode_request(raw) == req


@ABIS
@settings(max_examples=100, deadline=None)
@given(rsp=st.builds(Response, u64, u8, st.integers(-(2**15), 2**15 - 1)))
def test_response_round_trip(abi: Abi, rsp: Response) -> None:
    raw = abi.encode_response(rsp)
    assert len(raw) == abi.response_size
    assert abi.decode_response(raw) == rsp
    assert abi.decode_response(raw + b"\xaa" * 96) == rsp  # a slot copy is longer


@ABIS
@settings(max_examples=50, deadline=None)
@given(req=rw_requests())
def test_request_bytes_at_reference_offsets(abi: Abi, req: Request) -> None:
    # xen-abi.md §3.2 / §3.3: id @8/@4, sector @16/@12, seg @24/@20 (x86_64/x86_32)
    raw = abi.encode_request(req)
    id_off, sec_off, seg_off = (8, 16, 24) if abi is X86_64 else (4, 12, 20)
    assert raw[0] == req.operation and raw[1] == req.nr_segments
    assert struct.unpack_from("<H", raw, 2)[0] == req.handle
    assert struct.unpack_from("<Q", raw, id_off)[0] == req.id
    assert struct.unpack_from("<Q", raw, sec_off)[0] == req.sector_number
    for i, s in enumerate(req.segments):
        assert struct.unpack_from("<IBB", raw, seg_off + 8 * i) == (
            s.gref,
            s.first_sect,
            s.last_sect,
        )
    assert raw[seg_off + 8 * len(req.segments) :] == bytes(
        abi.ring_entry_size - seg_off - 8 * len(req.segments)
    )


@ABIS
def test_response_offsets(abi: Abi) -> None:
    raw = abi.encode_response(Response(0x0102030405060708, 1, BLKIF_RSP_EOPNOTSUPP))
    assert raw[:8] == bytes.fromhex("0807060504030201") and raw[8] == 1 and raw[9] == 0
    assert raw[10:12] == b"\xfe\xff" and raw[12:] == bytes(abi.response_size - 12)


@ABIS
def test_decode_clamps_segments_like_blkback(abi: Abi) -> None:
    segs = tuple(Segment(100 + i, 0, 7) for i in range(11))
    raw = bytearray(abi.encode_request(Request(BLKIF_OP_READ, 11, 1, 2, 3, segs)))
    raw[1] = 200  # a hostile nr_segments: only 11 descriptors are read, the raw value is kept
    req = abi.decode_request(bytes(raw))
    assert isinstance(req, Request) and req.nr_segments == 200 and req.segments == segs
    raw[1] = 2
    assert abi.decode_request(bytes(raw)).segments == segs[:2]


@ABIS
def test_decode_clamps_indirect_grefs(abi: Abi) -> None:
    req = IndirectRequest(BLKIF_OP_INDIRECT, BLKIF_OP_WRITE, 513, 1, 2, 3, (11, 12))
    dec = abi.decode_request(abi.encode_request(req))
    assert dec == req
    big = IndirectRequest(BLKIF_OP_INDIRECT, BLKIF_OP_READ, 65535, 1, 2, 3, tuple(range(1, 9)))
    assert abi.decode_request(abi.encode_request(big)).indirect_grefs == tuple(range(1, 9))
    zero = IndirectRequest(BLKIF_OP_INDIRECT, BLKIF_OP_READ, 0, 1, 2, 3, (5,))
    assert abi.decode_request(abi.encode_request(zero)).indirect_grefs == ()


@ABIS
def test_unknown_operation_decodes_as_request(abi: Abi) -> None:
    raw = abi.encode_request(Request(4, 1, 7, 99, 5, (Segment(9, 0, 7),)))
    req = abi.decode_request(raw)
    assert type(req) is Request and req.operation == 4 and req.id == 99


@ABIS
def test_encode_errors(abi: Abi) -> None:
    with pytest.raises(AbiError, match="blkif_request.nr_segments: 300 does not fit u8"):
        abi.encode_request(Request(BLKIF_OP_READ, 300, 0, 0, 0))
    with pytest.raises(AbiError, match=r"blkif_request.seg\[1\].last_sect: 8000 does not fit u8"):
        abi.encode_request(Request(0, 2, 0, 0, 0, (Segment(1, 0, 7), Segment(1, 0, 8000))))
    with pytest.raises(AbiError, match="blkif_request.seg: 12 segments, at most 11"):
        abi.encode_request(Request(0, 12, 0, 0, 0, (Segment(1, 0, 7),) * 12))
    with pytest.raises(AbiError, match="indirect_grefs: 9 grefs, at most 8"):
        abi.encode_request(IndirectRequest(6, 0, 4096, 0, 0, 0, tuple(range(9))))
    with pytest.raises(AbiError, match="blkif_request_discard.nr_sectors: -1 does not fit u64"):
        abi.encode_request(DiscardRequest(5, 0, 0, 0, 0, -1))
    with pytest.raises(AbiError, match="blkif_response.status: 40000 does not fit i16"):
        abi.encode_response(Response(1, 0, 40000))
    with pytest.raises(AbiError, match="cannot encode Response"):
        abi.encode_request(Response(1, 0, 0))  # type: ignore[arg-type]
    with pytest.raises(AbiError, match="short buffer"):
        abi.decode_request(bytes(abi.ring_entry_size - 1))
    with pytest.raises(AbiError, match="short buffer"):
        abi.decode_response(bytes(abi.response_size - 1))


def test_abi_selection() -> None:
    assert by_protocol("x86_64-abi") is X86_64 and by_protocol("x86_32-abi") is X86_32
    assert (X86_64.ring_entry_size, X86_64.response_size) == (112, 16)
    assert (X86_32.ring_entry_size, X86_32.response_size) == (108, 12)
    for bad in ("arm-abi", "native", "", None):
        with pytest.raises(AbiError, match="unknown blkif protocol"):
            by_protocol(bad)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(segs=st.lists(segments, max_size=512))
def test_indirect_page_segments_round_trip(segs: list[Segment]) -> None:
    raw = encode_segments(segs)
    assert len(raw) == 8 * len(segs)
    page = bytearray(4096)
    page[: len(raw)] = raw
    assert decode_segments(page, len(segs)) == tuple(segs)
    assert decode_segments(memoryview(page), len(segs)) == tuple(segs)


def test_segment_codec_errors() -> None:
    with pytest.raises(
        AbiError, match=r"blkif_request_segment\[1\].first_sect: 256 does not fit u8"
    ):
        encode_segments([Segment(1, 0, 7), Segment(1, 256, 7)])
    with pytest.raises(AbiError, match="cannot decode 513 segments from a 4096-byte buffer"):
        decode_segments(bytes(4096), 513)
    assert indirect_pages_needed(512) == 1 and indirect_pages_needed(513) == 2
    assert indirect_pages_needed(0) == 0


def test_dataclasses_are_frozen_and_slotted() -> None:
    r = Response(1, 0, 0)
    with pytest.raises(AttributeError):
        r.id = 2  # type: ignore[misc]
    assert not hasattr(r, "__dict__") and not hasattr(Segment(1, 0, 7), "__dict__")
