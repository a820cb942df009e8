"""RamStore (sparse pages, zeros when unwritten, discard) and NullStore (writes dropped)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from blkswap.storage import BlockStore, NullStore, RamStore, RawImage, StorageError

PAGE = 4096
GiB = 1 << 30


def buf(data: bytes) -> memoryview:
    return memoryview(bytearray(data))


def test_ram_store_is_sparse() -> None:
    st = RamStore(64 * GiB)  # would be impossible if allocated eagerly
    assert st.resident_pages == 0
    st.writev(10 * GiB + 100, [buf(b"x" * 10)])
    assert st.resident_pages == 1
    st.writev(PAGE - 2, [buf(b"abcd")])  # straddles two pages
    assert st.resident_pages == 3
    out = buf(bytes(8))
    st.readv(PAGE - 4, [out])
    assert bytes(out) == b"\0\0abcd\0\0"


def test_ram_unwritten_reads_zero_and_overwrites_buffer() -> None:
    st = RamStore(1 << 20)
    out = buf(b"\xff" * PAGE)
    assert st.readv(0, [out]) == PAGE
    assert bytes(out) == bytes(PAGE)


def test_ram_discard_frees_whole_pages_and_zeroes_edges() -> None:
    st = RamStore(1 << 20)
    st.writev(0, [buf(b"\x11" * 4 * PAGE)])
    st.discard(PAGE - 100, 2 * PAGE + 200)
    assert st.resident_pages == 2  # pages 1 and 2 fully covered and freed; 0 and 3 trimmed
    out = buf(bytes(4 * PAGE))
    st.readv(0, [out])
    expect = b"\x11" * (PAGE - 100) + bytes(2 * PAGE + 200) + b"\x11" * (PAGE - 100)
    assert bytes(out) == expect


def test_null_store_drops_writes_and_reads_zero() -> None:
    st = NullStore(1 << 20)
    assert st.writev(0, [buf(b"data" * 1024)]) == PAGE
    out = [buf(b"\xff" * PAGE), buf(b"\xff" * 512)]
    assert st.readv(0, out) == PAGE + 512
    assert all(bytes(b) == bytes(b.nbytes) for b in out)
    st.flush()
    st.discard(0, PAGE)


@pytest.mark.parametrize("cls", [RamStore, NullStore])
def test_bounds_and_close(cls: type[RamStore] | type[NullStore]) -> None:
    st = cls(8 * PAGE)
    with pytest.raises(StorageError, match="outside the image"):
        st.writev(7 * PAGE + 1, [buf(bytes(PAGE))])
    with pytest.raises(StorageError):
        st.readv(-512, [buf(bytes(512))])
    with pytest.raises(StorageError):
        st.discard(0, 9 * PAGE)
    st.close()
    with pytest.raises(StorageError, match="closed"):
        st.readv(0, [buf(bytes(512))])
    with pytest.raises(StorageError, match="positive"):
        cls(0)


def test_stores_satisfy_protocol(tmp_path: object) -> None:
    assert isinstance(RamStore(PAGE), BlockStore)
    assert isinstance(NullStore(PAGE), BlockStore)


SIZE = 16 * PAGE
ops_strategy = hs.lists(
    hs.tuples(
        hs.sampled_from(["w", "d"]),
        hs.integers(0, SIZE - 1),
        hs.integers(0, 3 * PAGE),
        hs.integers(0, 255),
    ),
    max_size=15,
)


@settings(max_examples=40, deadline=None)
@given(ops=ops_strategy)
def test_ram_and_raw_agree_with_a_bytearray_model(tmp_path_factory, ops) -> None:  # type: ignore[no-untyped-def]
    """Differential: RamStore and RawImage behave like one flat bytearray."""
    model = bytearray(SIZE)
    path = tmp_path_factory.mktemp("diff") / "img"
    stores: list[BlockStore] = [RamStore(SIZE), RawImage(path, SIZE)]
    try:
        for op, off, n, val in ops:
            n = min(n, SIZE - off)
            if op == "w":
                data = bytes([val]) * n
                model[off : off + n] = data
                for st in stores:
                    st.writev(off, [buf(data[: n // 2]), buf(data[n // 2 :])])
            else:
                model[off : off + n] = bytes(n)
                for st in stores:
                    st.discard(off, n)
        for st in stores:
            out = buf(bytes(SIZE))
            st.readv(0, [out])
            assert bytes(out) == bytes(model)
    finally:
        for st in stores:
            st.close()
