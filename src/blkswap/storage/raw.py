"""Raw image files: :class:`RawImage`, a sparse file the size of the disk.

I/O goes straight between the file and the caller's memoryviews with ``os.preadv``/``os.pwritev``
(no intermediate copy), so a backend can read a disk block directly into an arena frame — the
"map" data path's zero-copy property (docs/design.md §3 storage/, §4).

* Creation: ``ftruncate`` to the disk size, so a new image occupies (almost) no blocks.
* Reopening an existing file keeps its content; a smaller file is extended (sparse), a larger one
  is left as is and only its first ``size`` bytes are the disk.
* ``direct=True`` opens with ``O_DIRECT`` (page-cache bypass, like tapdisk / blkback on a raw
  device). Filesystems such as tmpfs refuse it with EINVAL; then :class:`StorageError` says so and
  suggests ``direct=False``. ``direct="auto"`` falls back to buffered I/O instead and records why
  in ``direct_refused``. Under O_DIRECT buffers, offsets and lengths must be aligned to the
  filesystem's logical block size (512 B or 4 KiB); arena frames are page-aligned.
* ``discard`` punches a hole with ``fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)`` through
  libc (``ctypes``; Python's ``os.posix_fallocate`` cannot punch). If libc or the filesystem lacks
  it (EOPNOTSUPP/ENOSYS), the range is overwritten with zeros instead — same read-back result,
  but the blocks stay allocated. ``discard_method`` tells which one is in use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap
import os
from collections.abc import Callable, Sequence
from typing import Literal

from blkswap.storage.base import StorageError, as_bytes_views, check_range

__all__ = ["RawImage"]

FALLOC_FL_KEEP_SIZE = 0x01  # linux/falloc.h
FALLOC_FL_PUNCH_HOLE = 0x02
_ZERO_CHUNK = 1 << 20  # bytes written per pwrite by the zero-fill fallback
_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024


def _libc_fallocate() -> Callable[[int, int, int, int], int] | None:
    """libc ``fallocate`` (64-bit offsets) or None where unavailable."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = getattr(libc, "fallocate64", None) or libc.fallocate
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fn.restype = ctypes.c_int
    return fn


def _advance(views: list[memoryview], n: int) -> list[memoryview]:
    """Drop the first ``n`` bytes from a list of byte views (after a short transfer)."""
    out = []
    for v in views:
        if n >= v.nbytes:
            n -= v.nbytes
            continue
        out.append(v[n:] if n else v)
        n = 0
    return out


class RawImage:
    """A raw disk image file of ``size`` bytes (see module docstring). A context manager."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: int | None = None,
        *,
        direct: bool | Literal["auto"] = False,
        create: bool = True,
        discard_mode: Literal["auto", "punch", "zero"] = "auto",
    ) -> None:
        self.path = os.fspath(path)
        self.direct_refused: str | None = None
        if discard_mode not in ("auto", "punch", "zero"):
            raise ValueError(f"discard_mode must be auto, punch or zero, not {discard_mode!r}")
        if direct not in (True, False, "auto"):
            raise ValueError(f"direct must be True, False or 'auto', not {direct!r}")
        if size is not None and (not isinstance(size, int) or size <= 0):
            raise StorageError(f"{self.path}: image size must be a positive int, got {size!r}")
        self._fd = self._open(create, direct)
        self.direct = direct is True or (direct == "auto" and self.direct_refused is None)
        try:
            self.size = self._size_up(size)
        except BaseException:
            os.close(self._fd)
            raise
        self._fallocate = _libc_fallocate() if discard_mode != "zero" else None
        self.discard_method = "punch_hole" if self._fallocate else "write_zeros"
        self._closed = False

    # -- opening ----------------------------------------------------------------------------
    def _open(self, create: bool, direct: bool | str) -> int:
        flags = os.O_RDWR | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if create else 0)
        if not create and not os.path.exists(self.path):
            raise StorageError(f"{self.path}: image does not exist (pass create=True to make it)")
        if direct:
            o_direct = getattr(os, "O_DIRECT", None)
            if o_direct is None:
                reason = "this platform has no O_DIRECT"
            else:
                try:
                    return os.open(self.path, flags | o_direct, 0o644)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise StorageError(f"{self.path}: cannot open image: {exc}") from exc
                    reason = "the filesystem refused O_DIRECT (EINVAL; tmpfs does this)"
            if direct is True:
                raise StorageError(
                    f"{self.path}: {reason}. Use direct=False for buffered I/O, direct='auto' "
                    "to fall back automatically, or put the image on a filesystem that supports "
                    "O_DIRECT (ext4, xfs)."
                )
            self.direct_refused = reason
        try:
            return os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot open image: {exc}") from exc

    def _size_up(self, size: int | None) -> int:
        current = os.fstat(self._fd).st_size
        if size is None:
            if current == 0:
                raise StorageError(f"{self.path}: empty or new image needs an explicit size")
            return current
        if current < size:
            os.ftruncate(self._fd, size)  # sparse: no data blocks allocated
        return size

    # -- I/O --------------------------------------------------------------------------------
    def _check_open(self, op: str) -> None:
        if self._closed:
            raise StorageError(f"{self.path}: {op} on a closed image")

    def _vectored(
        self, fn: Callable[..., int], op: str, offset: int, bufs: Sequence[memoryview]
    ) -> int:
        self._check_open(op)
        views = [v for v in as_bytes_views(bufs) if v.nbytes]
        total = sum(v.nbytes for v in views)
        check_range(self.path, self.size, offset, total, op)
        done = 0
        while views:
            try:
                n = fn(self._fd, views[:_IOV_MAX], offset + done)
            except OSError as exc:
                raise self._io_error(op, offset + done, total - done, exc) from exc
            if n <= 0:
                raise StorageError(
                    f"{self.path}: short {op}: {done} of {total} B at offset {offset} "
                    f"(the file ended at {os.fstat(self._fd).st_size} B)"
                )
            done += n
            views = _advance(views, n)
        return done

    def _io_error(self, op: str, offset: int, length: int, exc: OSError) -> StorageError:
        hint = ""
        if exc.errno == errno.EINVAL and self.direct:
            hint = (
                " — under O_DIRECT the buffers, offset and length must be aligned to the "
                "logical block size (512 B or 4 KiB); use direct=False for unaligned I/O"
            )
        return StorageError(
            f"{self.path}: {op} of {length} B at offset {offset} failed: {exc}{hint}"
        )

    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Fill ``bufs`` in order from byte ``offset`` (holes read as zeros)."""
        return self._vectored(os.preadv, "read", offset, bufs)

    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Write ``bufs`` in order at byte ``offset``."""
        return self._vectored(os.pwritev, "write", offset, bufs)

    def flush(self) -> None:
        """Make completed writes durable (``fdatasync``)."""
        self._check_open("flush")
        os.fdatasync(self._fd)

    def discard(self, offset: int, length: int) -> None:
        """Zero ``[offset, offset+length)``: punch a hole, or write zeros where that is missing."""
        self._check_open("discard")
        check_range(self.path, self.size, offset, length, "discard")
        if length == 0:
            return
        if self._fallocate is not None:
            mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
            if self._fallocate(self._fd, mode, offset, length) == 0:
                return
            err = ctypes.get_errno()
            if err not in (errno.EOPNOTSUPP, errno.ENOSYS):
                raise StorageError(
                    f"{self.path}: discard of {length} B at offset {offset} failed: "
                    f"{os.strerror(err)}"
                )
            self._fallocate, self.discard_method = None, "write_zeros"
        self._write_zeros(offset, length)

    def _write_zeros(self, offset: int, length: int) -> None:
        with mmap.mmap(-1, min(length, _ZERO_CHUNK)) as zeros:  # page-aligned, O_DIRECT-safe
            view = memoryview(zeros)
            try:
                done = 0
                while done < length:
                    n = min(length - done, len(zeros))
                    self.writev(offset + done, [view[:n]])
                    done += n
            finally:
                view.release()

    def close(self) -> None:
        """Close the file (idempotent)."""
        if not self._closed:
            self._closed = True
            os.close(self._fd)

    def __enter__(self) -> RawImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("O_DIRECT" if self.direct else "buffered")
        return f"RawImage({self.path!r}, size={self.size}, {state})"
