"""The null device: :class:`NullStore` — writes are dropped, reads return zeros (Linux null_blk
with ``memory_backed=0``; fio's ``null`` engine). Useful to time the data path without storage."""

from __future__ import annotations

from collections.abc import Sequence

from blkswap.storage.base import StorageError, as_bytes_views, check_range

__all__ = ["NullStore"]


class NullStore:
    """A ``size``-byte disk that stores nothing. Range checks still apply (null_blk has a size)."""

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or size <= 0:
            raise StorageError(f"null store: size must be a positive int, got {size!r}")
        self.size = size
        self._zeros = b""
        self._closed = False

    def _check(self, op: str, offset: int, length: int) -> None:
        if self._closed:
            raise StorageError(f"null store: {op} on a closed store")
        check_range("null store", self.size, offset, length, op)

    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Zero-fill ``bufs``."""
        views = as_bytes_views(bufs)
        total = sum(v.nbytes for v in views)
        self._check("read", offset, total)
        for v in views:
            if len(self._zeros) < v.nbytes:
                self._zeros = bytes(v.nbytes)
            v[:] = self._zeros[: v.nbytes]
        return total

    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Accept and drop the data."""
        total = sum(v.nbytes for v in as_bytes_views(bufs))
        self._check("write", offset, total)
        return total

    def flush(self) -> None:
        self._check("flush", 0, 0)

    def discard(self, offset: int, length: int) -> None:
        self._check("discard", offset, length)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> NullStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NullStore(size={self.size})"
