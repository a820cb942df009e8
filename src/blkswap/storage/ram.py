"""In-memory image: :class:`RamStore`, a sparse dict of 4 KiB pages (like the brd ramdisk).

Only pages that were written hold memory (``resident_pages``); unwritten pages and discarded pages
read as zeros. Nothing survives the object.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from blkswap.storage.base import StorageError, as_bytes_views, check_range

__all__ = ["PAGE_SIZE", "RamStore"]

PAGE_SIZE = 4096


def _spans(offset: int, length: int) -> Iterator[tuple[int, int, int]]:
    """(page number, offset in page, bytes) pieces covering ``[offset, offset+length)``."""
    while length > 0:
        page, in_page = divmod(offset, PAGE_SIZE)
        n = min(length, PAGE_SIZE - in_page)
        yield page, in_page, n
        offset += n
        length -= n


def _walk(offset: int, views: Sequence[memoryview]) -> Iterator[tuple[memoryview, int, int]]:
    """``(piece of a buffer, page, offset in page)`` for buffers laid end to end from ``offset``."""
    pos = offset
    for v in views:
        done = 0
        for page, in_page, n in _spans(pos, v.nbytes):
            yield v[done : done + n], page, in_page
            done += n
        pos += v.nbytes


class RamStore:
    """A ``size``-byte disk in memory, allocated lazily one 4 KiB page at a time."""

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or size <= 0:
            raise StorageError(f"ram store: size must be a positive int, got {size!r}")
        self.size = size
        self._pages: dict[int, bytearray] = {}
        self._closed = False

    @property
    def resident_pages(self) -> int:
        """Pages currently holding data."""
        return len(self._pages)

    def _check(self, op: str, offset: int, length: int) -> None:
        if self._closed:
            raise StorageError(f"ram store: {op} on a closed store")
        check_range("ram store", self.size, offset, length, op)

    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Fill ``bufs`` from ``offset``; unwritten bytes are zeros."""
        views = as_bytes_views(bufs)
        total = sum(v.nbytes for v in views)
        self._check("read", offset, total)
        for chunk, page, in_page in _walk(offset, views):
            data = self._pages.get(page)
            chunk[:] = bytes(len(chunk)) if data is None else data[in_page : in_page + len(chunk)]
        return total

    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int:
        """Copy ``bufs`` in at ``offset``, allocating pages as they are first touched."""
        views = as_bytes_views(bufs)
        total = sum(v.nbytes for v in views)
        self._check("write", offset, total)
        for chunk, page, in_page in _walk(offset, views):
            data = self._pages.get(page)
            if data is None:
                data = self._pages[page] = bytearray(PAGE_SIZE)
            data[in_page : in_page + len(chunk)] = chunk
        return total

    def flush(self) -> None:
        """Nothing to do: memory is the medium."""
        self._check("flush", 0, 0)

    def discard(self, offset: int, length: int) -> None:
        """Free whole pages in the range and zero the partial ones at its edges."""
        self._check("discard", offset, length)
        for page, in_page, n in _spans(offset, length):
            if n == PAGE_SIZE:
                self._pages.pop(page, None)
            elif page in self._pages:
                self._pages[page][in_page : in_page + n] = bytes(n)

    def close(self) -> None:
        """Drop the content (idempotent)."""
        self._closed = True
        self._pages.clear()

    def __enter__(self) -> RamStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RamStore(size={self.size}, resident_pages={self.resident_pages})"
