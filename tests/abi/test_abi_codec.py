"""Struct codecs: hypothesis round trips for every struct on both ABIs, field access, errors."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.abi import ABIS, X86_32, X86_64, AbiError, Struct
from blkswap.abi.codec import Decl, Field, build_struct

ALL = [(a.name, n) for a in ABIS.values() for n in a.structs]


def values_for(s: Struct) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {n: st.integers(s.field_type(n).lo, s.field_type(n).hi) for n in s.names}
    )


@pytest.mark.parametrize(("abi", "name"), ALL, ids=[f"{a}-{n}" for a, n in ALL])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_struct_round_trips(abi: str, name: str, data: st.DataObject) -> None:
    s = ABIS[abi].struct(name)
    vals = data.draw(values_for(s))
    raw = s.pack(vals)
    assert len(raw) == s.size
    assert s.unpack(raw) == vals
    buf = bytearray(b"\xee" * (s.size + 13))
    s.pack_into(buf, 13, vals)
    assert buf[:13] == b"\xee" * 13 and bytes(buf[13:]) == raw
    assert s.unpack_from(buf, 13) == vals
    assert s.st.unpack_from(buf, 13) == tuple(vals[n] for n in s.names)
    for n in s.names:  # each field sits at its declared offset with its declared width
        sc = s.field_type(n)
        assert struct.unpack_from("<" + sc.fmt, raw, s.fields[n])[0] == vals[n]
        assert s.read_field(buf, 13, n) == vals[n]


def test_padding_is_zero_and_missing_fields_default_to_zero() -> None:
    s = X86_64.struct("blkif_response")
    raw = s.pack(id=0xFFFFFFFFFFFFFFFF, operation=255, status=-1)
    assert raw == b"\xff" * 8 + b"\xff\x00" + b"\xff\xff" + b"\x00" * 4
    assert s.pack() == bytes(16)
    assert s.unpack(s.pack(status=-2)) == {"id": 0, "operation": 0, "status": -2}


def test_nested_and_array_names() -> None:
    cp = X86_64.struct("gnttab_copy")
    assert (cp.fields["source.u"], cp.fields["dest.u"], cp.fields["dest.domid"]) == (0, 16, 24)
    raw = cp.pack({"source.u": 7, "dest.domid": 3, "len": 512})
    assert struct.unpack_from("<Q", raw, 0)[0] == 7 and raw[24:26] == b"\x03\x00"
    mc = X86_32.struct("multicall_entry")
    assert [mc.fields[f"args[{i}]"] for i in range(6)] == [8, 12, 16, 20, 24, 28]
    rq = X86_32.struct("blkif_request")
    assert rq.fields["seg[10].last_sect"] == 20 + 10 * 8 + 5
    v2 = X86_64.struct("grant_entry_v2_sub_page")
    assert v2.names == ("hdr.flags", "hdr.domid", "page_off", "length", "frame")


def test_write_field_in_place() -> None:
    s = X86_64.struct("grant_entry_v1")
    page = bytearray(4096)
    s.pack_into(page, 8 * 9, flags=1, domid=0, frame=0x1234)
    s.write_field(page, 8 * 9, "domid", 5)
    assert s.unpack_from(page, 72) == {"flags": 1, "domid": 5, "frame": 0x1234}
    assert page[:72] == bytes(72) and page[80:] == bytes(4096 - 80)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nr_segments": 300}, "blkif_request.nr_segments: 300 does not fit u8"),
        ({"id": -1}, "blkif_request.id: -1 does not fit u64"),
        ({"seg[3].first_sect": 256}, r"blkif_request.seg\[3\].first_sect: 256 does not fit u8"),
        ({"handle": "x"}, "blkif_request.handle: 'x' is not an integer"),
        ({"bogus": 1}, "blkif_request: unknown field 'bogus'"),
    ],
)
def test_pack_errors_name_struct_and_field(kwargs: dict, message: str) -> None:
    s = X86_64.struct("blkif_request")
    with pytest.raises(AbiError, match=message):
        s.pack(kwargs)
    with pytest.raises(AbiError, match=message):
        s.pack_into(bytearray(112), 0, kwargs)


def test_signed_status_range() -> None:
    s = X86_64.struct("gnttab_map_grant_ref")
    assert s.unpack(s.pack(status=-13))["status"] == -13
    with pytest.raises(AbiError, match="gnttab_map_grant_ref.status: 40000 does not fit i16"):
        s.pack(status=40000)
    with pytest.raises(AbiError, match="gnttab_map_grant_ref.status: -40000 does not fit i16"):
        s.write_field(bytearray(32), 0, "status", -40000)


def test_buffer_size_errors() -> None:
    s = X86_32.struct("blkif_response")
    with pytest.raises(AbiError, match="blkif_response: short buffer, 11 bytes"):
        s.unpack(bytes(11))
    with pytest.raises(AbiError, match="blkif_response: oversized buffer, 13 bytes"):
        s.unpack(bytes(13))
    with pytest.raises(AbiError, match="blkif_response: short buffer"):
        s.unpack_from(bytes(20), 10)
    with pytest.raises(AbiError, match="blkif_response: short buffer"):
        s.read_field(bytes(8), 0, "status")
    with pytest.raises(AbiError, match="blkif_response: unknown field 'nope'"):
        s.read_field(bytes(12), 0, "nope")
    with pytest.raises(AbiError, match="x86_64: no struct named 'blkif_nope'"):
        X86_64.struct("blkif_nope")
    assert s.unpack(memoryview(bytes(12))) == {"id": 0, "operation": 0, "status": 0}


def test_unknown_abi_rejected() -> None:
    with pytest.raises(AbiError, match="unknown ABI 'arm'"):
        build_struct(Decl("x", (Field("a", "uint8_t"),)), "arm")


def test_i386_only_field() -> None:
    assert "pad" in X86_32.struct("blkif_request_indirect").names
    assert "pad" not in X86_64.struct("blkif_request_indirect").fields
