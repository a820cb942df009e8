"""What every image backend offers: the :class:`BlockStore` protocol, :class:`StorageError`, and
the range/scatter-gather helpers the backends share.

A store is a flat array of ``size`` bytes. I/O is vectored: ``readv``/``writev`` take a sequence of
memoryviews (in the lab, views of page-aligned arena frames, i.e. the guest's or dom0's pages) and
fill or drain them in order starting at a byte offset, like ``preadv(2)``/``pwritev(2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

__all__ = ["BlockStore", "StorageError", "check_range", "total_length"]


class StorageError(Exception):
    """An image-level failure: out-of-range I/O, short I/O, O_DIRECT refused, closed store.

    Messages name the image (path or kind), the offset and the length involved.
    """


@runtime_checkable
class BlockStore(Protocol):
    """A disk image: ``size`` bytes addressed by byte offset.

    * ``readv(offset, bufs)`` fills ``bufs`` in order from ``offset``; returns the bytes read.
    * ``writev(offset, bufs)`` writes ``bufs`` in order at ``offset``; returns the bytes written.
    * ``flush()`` makes completed writes durable (BLKIF_OP_FLUSH_DISKCACHE).
    * ``discard(offset, length)``: later reads of the range return zeros (BLKIF_OP_DISCARD).
    * ``close()``: release the image; further I/O raises :class:`StorageError`.

    Out-of-range requests raise :class:`StorageError`; nothing is transferred then.
    """

    size: int

    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int: ...
    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int: ...
    def flush(self) -> None: ...
    def discard(self, offset: int, length: int) -> None: ...
    def close(self) -> None: ...


def total_length(bufs: Sequence[memoryview]) -> int:
    """Sum of ``nbytes`` over the buffers."""
    return sum(memoryview(b).nbytes for b in bufs)


def check_range(name: str, size: int, offset: int, length: int, op: str) -> None:
    """Raise :class:`StorageError` unless ``[offset, offset+length)`` lies inside ``[0, size)``."""
    if not isinstance(offset, int) or not isinstance(length, int):
        raise StorageError(f"{name}: {op} offset/length must be int, got {offset!r}/{length!r}")
    if offset < 0 or length < 0 or offset + length > size:
        raise StorageError(
            f"{name}: {op} of {length} B at offset {offset} is outside the image "
            f"(size {size} B, last valid byte {size - 1})"
        )


def as_bytes_views(bufs: Sequence[memoryview]) -> list[memoryview]:
    """The buffers as flat unsigned-byte views (so slicing counts bytes)."""
    out = []
    for b in bufs:
        mv = memoryview(b)
        out.append(mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B"))
    return out
