"""Per-sector provenance tags: layout against zlib/struct, round trips, leak classification."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.workload import tags
from blkswap.workload.tags import SECTOR, TAG_MAGIC, UNKNOWN, check, classify, fill

POISON = bytes.fromhex("deadbeefdeadbeef")


def tagged(n: int, *, thread: int = 3, vbd: int = 51712, offset: int = 0, numberio=7) -> bytearray:  # type: ignore[no-untyped-def]
    buf = bytearray(n * SECTOR)
    fill(buf, thread=thread, vbd=vbd, offset=offset, numberio=numberio)
    return buf


def test_header_layout_matches_struct_and_zlib() -> None:
    buf = tagged(4, thread=0x1234, vbd=0xCAFE, offset=1 << 33, numberio=np.array([1, 2, 3, 2**40]))
    for i in range(4):
        s = bytes(buf[i * SECTOR : (i + 1) * SECTOR])
        magic, ver, vtype, thread, vbd, off, gen, crc, hcrc = struct.unpack_from("<HBBHHQQII", s)
        assert (magic, ver, vtype) == (TAG_MAGIC, tags.TAG_VERSION, tags.VERIFY_CRC32)
        assert (thread, vbd, off) == (0x1234, 0xCAFE, (1 << 33) + SECTOR * i)
        assert gen == [1, 2, 3, 2**40][i]
        assert crc == zlib.crc32(s[32:]) and hcrc == zlib.crc32(s[:28])
        words = np.frombuffer(s[32:], dtype="<u8")
        assert len(set(words.tolist())) == 60  # no repeated word: shifted data is detectable


def test_round_trip_and_vectorised_1024_sectors() -> None:
    gens = np.arange(1, 1025, dtype=np.uint64)
    buf = np.zeros(1024 * SECTOR, dtype=np.uint8)
    fill(buf, thread=5, vbd=1, offset=4096, numberio=gens)
    v = check(buf, thread=5, vbd=1, offset=4096, expected=gens)
    assert (v.ok, v.total, v.first_bad) == (1024, 1024, None)
    wrong = gens.copy()
    wrong[100] += 1
    v = check(buf, thread=5, vbd=1, offset=4096, expected=wrong)
    assert (v.ok, v.mismatched, v.first_bad) == (1023, 1, 100)
    assert check(buf, thread=5, vbd=1, offset=0, expected=gens).mismatched == 1024  # wrong LBA
    assert check(buf, thread=5, vbd=2, offset=4096, expected=gens).mismatched == 1024  # wrong VBD


@pytest.mark.parametrize("where", [0, 3, 24, 28, 31, 32, 200, 511])
def test_flipped_byte_is_caught(where: int) -> None:
    buf = tagged(8)
    buf[SECTOR * 2 + where] ^= 0x40
    v = check(buf, thread=3, vbd=51712, offset=0, expected=7)
    assert v.ok == 7 and v.first_bad == 2
    # bytes 0..31 break the header (→ garbage), data bytes break our tag (→ mismatched)
    assert (v.mismatched, v.garbage) == ((0, 1) if where < 32 else (1, 0))


def test_foreign_tags_counted_by_domid() -> None:
    buf = tagged(8, thread=3) + tagged(3, thread=9, offset=8 * SECTOR) + tagged(2, thread=12)
    v = check(buf, thread=3, vbd=51712, offset=0, expected=7)
    assert v.foreign == {9: 3, 12: 2} and v.ok == 8 and v.leaked == 5 and v.first_bad == 8
    c = classify(buf, thread=9)
    assert c.foreign == {3: 8, 12: 2} and c.ok == 3 and c.first_bad == 0


def test_poison_zero_and_garbage() -> None:
    buf = (
        bytearray(tagged(2))
        + bytearray(POISON * 64)
        + bytearray(SECTOR)
        + bytearray(b"\x01" * SECTOR)
    )
    v = check(
        buf,
        thread=3,
        vbd=51712,
        offset=0,
        expected=np.array([7, 7, 7, 7, 7], dtype=np.uint64),
        poison=POISON,
    )
    assert (v.ok, v.poison, v.zero, v.garbage, v.leaked) == (2, 1, 1, 1, 1)
    v = check(buf, thread=3, vbd=51712, offset=0, expected=7)  # no poison given: it is garbage
    assert (v.poison, v.garbage) == (0, 2)
    c = classify(buf, thread=3, poison=POISON)
    assert (c.ok, c.poison, c.zero, c.garbage, c.first_bad) == (2, 1, 1, 1, 2)


def test_never_written_must_be_zero_and_unknown() -> None:
    buf = bytearray(SECTOR * 2) + tagged(2, offset=2 * SECTOR)
    exp = np.array([0, 0, 0, 7], dtype=np.uint64)
    v = check(buf, thread=3, vbd=51712, offset=0, expected=exp)
    assert (v.ok, v.mismatched, v.zero) == (3, 1, 0)  # a tag where zeros were expected
    v = check(buf, thread=3, vbd=51712, offset=0, expected=np.array([7, 7, 7, 7], dtype=np.uint64))
    assert (v.ok, v.zero) == (2, 2)  # lost writes read back as zeros
    v = check(buf, thread=3, vbd=51712, offset=0, expected=UNKNOWN)
    assert v.ok == 4


def test_buffer_validation() -> None:
    with pytest.raises(ValueError, match="multiple of 512"):
        fill(bytearray(100), thread=1, vbd=1, offset=0, numberio=1)
    with pytest.raises(ValueError, match="read-only"):
        fill(bytes(512), thread=1, vbd=1, offset=0, numberio=1)
    with pytest.raises(ValueError, match="16 bits"):
        fill(bytearray(512), thread=70000, vbd=1, offset=0, numberio=1)
    with pytest.raises(ValueError, match="multiple of 512"):
        fill(bytearray(512), thread=1, vbd=1, offset=100, numberio=1)
    frame = np.zeros((2, 4096), dtype=np.uint8)
    fill(frame[1], thread=1, vbd=1, offset=0, numberio=1)  # a row of an arena is fine
    assert classify(frame, thread=1).ok == 8 and classify(frame, thread=1).zero == 8
    fill(memoryview(frame.reshape(-1))[:4096], thread=2, vbd=1, offset=0, numberio=1)
    assert classify(frame, thread=1).foreign == {2: 8}


def test_verdict_add() -> None:
    a = classify(tagged(2, thread=4), thread=1)
    b = classify(tagged(1, thread=4) + tagged(1, thread=1), thread=1)
    s = a + b
    assert (s.foreign, s.ok, s.total, s.first_bad) == ({4: 3}, 1, 4, 0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**16 - 1),
    st.integers(0, 2**16 - 1),
    st.integers(0, 2**40).map(lambda x: x * SECTOR),
    st.lists(st.integers(1, 2**64 - 2), min_size=1, max_size=64),
    st.data(),
)
def test_round_trip_property(
    thread: int, vbd: int, offset: int, gens: list[int], data: st.DataObject
) -> None:
    exp = np.array(gens, dtype=np.uint64)
    buf = bytearray(len(gens) * SECTOR)
    fill(buf, thread=thread, vbd=vbd, offset=offset, numberio=exp)
    v = check(buf, thread=thread, vbd=vbd, offset=offset, expected=exp)
    assert v.ok == len(gens) and v.total == len(gens)
    i = data.draw(st.integers(0, len(buf) - 1))
    buf[i] ^= data.draw(st.integers(1, 255))
    v = check(buf, thread=thread, vbd=vbd, offset=offset, expected=exp)
    assert v.ok == len(gens) - 1 and v.first_bad == i // SECTOR
    other = (thread + 1) % 2**16
    assert classify(bytes(SECTOR) + buf[:SECTOR], thread=other).zero == 1


@pytest.mark.parametrize("n", [1, 8, 9])
@pytest.mark.parametrize("poison", [None, POISON])
def test_classify_of_zeros_takes_the_short_cut_with_the_scans_verdict(n, poison) -> None:
    from blkswap.workload.tags import Verdict, _scan, _verdict

    buf = bytes(SECTOR * n)
    sectors, arr, zero, pois, own, foreign, data_ok = _scan(buf, 1, poison)
    slow = _verdict(
        sectors, arr, own & data_ok, own & ~data_ok, zero, pois, foreign, foreign | pois
    )
    assert classify(buf, thread=1, poison=poison) == slow == Verdict(zero=n)
    one = bytearray(buf)
    one[-1] = 1  # one nonzero byte: the full scan runs and finds one garbage sector
    assert classify(bytes(one), thread=1, poison=poison).garbage == 1
