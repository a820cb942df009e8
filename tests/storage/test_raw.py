"""RawImage: preadv/pwritev into page-aligned (mmap) buffers, sparse creation, reopen, bounds,
discard, O_DIRECT (accepted or refused with a clear error — never skipped)."""

from __future__ import annotations

import errno
import mmap
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from blkswap.storage import RawImage, StorageError, open_store

PAGE = 4096
MiB = 1 << 20


@pytest.fixture
def arena() -> Iterator[memoryview]:
    """Eight page-aligned frames, as the lab's frame arena hands them out."""
    m = mmap.mmap(-1, 8 * PAGE)
    view = memoryview(m)
    yield view
    view.release()
    m.close()


def frames(arena: memoryview, *idx: int) -> list[memoryview]:
    return [arena[i * PAGE : (i + 1) * PAGE] for i in idx]


def pattern(n: int, seed: int) -> bytes:
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def test_roundtrip_scatter_gather(tmp_path: Path, arena: memoryview) -> None:
    with RawImage(tmp_path / "d.img", 16 * MiB) as img:
        src = frames(arena, 0, 1, 2)
        for i, f in enumerate(src):
            f[:] = pattern(PAGE, i)
        assert img.writev(3 * PAGE, src) == 3 * PAGE
        dst = frames(arena, 5, 6, 7)
        for f in dst:
            f[:] = b"\xee" * PAGE
        assert img.readv(3 * PAGE, dst) == 3 * PAGE
        assert [bytes(f) for f in dst] == [pattern(PAGE, i) for i in range(3)]
        # a read straddling the frames at a sector offset
        part = [arena[5 * PAGE + 512 : 6 * PAGE]]
        assert img.readv(3 * PAGE + 512, part) == PAGE - 512
        assert bytes(part[0]) == pattern(PAGE, 0)[512:]
    raw = (tmp_path / "d.img").read_bytes()
    assert raw[3 * PAGE : 6 * PAGE] == b"".join(pattern(PAGE, i) for i in range(3))


def test_new_image_is_sparse(tmp_path: Path) -> None:
    path = tmp_path / "sparse.img"
    with RawImage(path, 256 * MiB):
        pass
    st = os.stat(path)
    assert st.st_size == 256 * MiB
    assert st.st_blocks * 512 < MiB


def test_unwritten_reads_zero(tmp_path: Path, arena: memoryview) -> None:
    with RawImage(tmp_path / "z.img", MiB) as img:
        f = frames(arena, 0)
        f[0][:] = b"\x55" * PAGE
        img.readv(PAGE * 10, f)
        assert bytes(f[0]) == bytes(PAGE)


def test_reopen_keeps_content_and_grows_sparse(tmp_path: Path, arena: memoryview) -> None:
    path = tmp_path / "r.img"
    f = frames(arena, 0)
    f[0][:] = pattern(PAGE, 9)
    with RawImage(path, MiB) as img:
        img.writev(PAGE, f)
    with RawImage(path, 4 * MiB, create=False) as img:
        assert img.size == 4 * MiB
        g = frames(arena, 1)
        img.readv(PAGE, g)
        assert bytes(g[0]) == pattern(PAGE, 9)
    assert os.stat(path).st_size == 4 * MiB
    with RawImage(path, create=False) as img:  # size taken from the file
        assert img.size == 4 * MiB


def test_open_missing_without_create(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        RawImage(tmp_path / "missing.img", MiB, create=False)


@pytest.mark.parametrize(("offset", "npages"), [(-1, 1), (MiB - PAGE + 1, 1), (MiB, 1), (0, 300)])
def test_out_of_range_raises_and_transfers_nothing(
    tmp_path: Path, offset: int, npages: int
) -> None:
    path = tmp_path / "b.img"
    with RawImage(path, MiB) as img:
        buf = memoryview(bytearray(b"\xaa" * npages * PAGE))
        with pytest.raises(StorageError) as exc:
            img.writev(offset, [buf])
        assert str(path) in str(exc.value) and str(offset) in str(exc.value)
        with pytest.raises(StorageError):
            img.readv(offset, [buf])
    assert os.stat(path).st_size == MiB
    assert (path.read_bytes()).count(b"\xaa") == 0


def test_closed_image_raises(tmp_path: Path) -> None:
    img = RawImage(tmp_path / "c.img", MiB)
    img.close()
    img.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        img.readv(0, [memoryview(bytearray(PAGE))])


@pytest.mark.parametrize("mode", ["auto", "zero"])
def test_discard_reads_back_zeros(tmp_path: Path, arena: memoryview, mode: str) -> None:
    path = tmp_path / f"dis-{mode}.img"
    with RawImage(path, 4 * MiB, discard_mode=mode) as img:  # type: ignore[arg-type]
        data = memoryview(bytearray(pattern(MiB, 3)))
        img.writev(0, [data])
        img.flush()
        img.discard(PAGE + 512, 2 * PAGE)
        out = memoryview(bytearray(4 * PAGE))
        img.readv(0, [out])
        expect = bytearray(pattern(MiB, 3)[: 4 * PAGE])
        expect[PAGE + 512 : 3 * PAGE + 512] = bytes(2 * PAGE)
        assert bytes(out) == bytes(expect)
        if mode == "zero":
            assert img.discard_method == "write_zeros"
        else:
            assert img.discard_method in ("punch_hole", "write_zeros")
        with pytest.raises(StorageError):
            img.discard(4 * MiB - PAGE, 2 * PAGE)


def test_punch_hole_frees_blocks_when_supported(tmp_path: Path) -> None:
    path = tmp_path / "hole.img"
    with RawImage(path, 8 * MiB) as img:
        img.writev(0, [memoryview(bytearray(b"\x01" * 4 * MiB))])
        img.flush()
        before = os.stat(path).st_blocks
        img.discard(0, 4 * MiB)
        after = os.stat(path).st_blocks
        if img.discard_method == "punch_hole":
            assert after < before
        else:  # zero-fill fallback keeps the blocks allocated
            assert after >= before


def _aligned_roundtrip(img: RawImage, arena: memoryview) -> None:
    src = frames(arena, 0, 1)
    src[0][:] = pattern(PAGE, 1)
    src[1][:] = pattern(PAGE, 2)
    assert img.writev(8 * PAGE, src) == 2 * PAGE
    dst = frames(arena, 4, 5)
    assert img.readv(8 * PAGE, dst) == 2 * PAGE
    assert bytes(dst[0]) + bytes(dst[1]) == pattern(PAGE, 1) + pattern(PAGE, 2)


def test_o_direct_on_tmp_path(tmp_path: Path, arena: memoryview) -> None:
    """Either the filesystem takes O_DIRECT and aligned I/O works, or we get the clear error."""
    path = tmp_path / "direct.img"
    try:
        img = RawImage(path, 4 * MiB, direct=True)
    except StorageError as exc:
        msg = str(exc)
        assert "O_DIRECT" in msg and "direct=False" in msg and str(path) in msg
        return
    with img:
        assert img.direct is True
        _aligned_roundtrip(img, arena)
        # A file offset that is not block-aligned: ext4/xfs refuse (EINVAL → our hint); a
        # filesystem that silently falls back to buffered I/O (btrfs) must still store the data.
        src = frames(arena, 2)
        src[0][:] = pattern(PAGE, 5)
        try:
            img.writev(PAGE + 1, src)
        except StorageError as exc:
            assert "aligned" in str(exc) and "direct=False" in str(exc)
        else:
            with RawImage(path, create=False) as buffered:
                out = memoryview(bytearray(PAGE))
                buffered.readv(PAGE + 1, [out])
                assert bytes(out) == pattern(PAGE, 5)


def test_o_direct_refused_error_and_auto_fallback(
    tmp_path: Path, arena: memoryview, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate tmpfs: open with O_DIRECT fails with EINVAL."""
    real_open = os.open

    def tmpfs_open(path: str, flags: int, mode: int = 0o777) -> int:
        if flags & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", tmpfs_open)
    with pytest.raises(StorageError) as exc:
        RawImage(tmp_path / "t.img", MiB, direct=True)
    assert "refused O_DIRECT" in str(exc.value) and "direct=False" in str(exc.value)
    with RawImage(tmp_path / "t.img", MiB, direct="auto") as img:
        assert img.direct is False and img.direct_refused is not None
        _aligned_roundtrip(img, arena)


def test_open_store_kinds(tmp_path: Path) -> None:
    assert open_store("raw", MiB, path=tmp_path / "o.img").size == MiB
    assert open_store("ram", MiB).size == MiB
    assert open_store("null", MiB).size == MiB
    with pytest.raises(ValueError, match="raw, ram, null"):
        open_store("tape", MiB)
    with pytest.raises(ValueError, match="path"):
        open_store("raw", MiB)
