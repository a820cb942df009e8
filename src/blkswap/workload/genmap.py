"""Expected write generation per 512-byte sector of one disk: :class:`GenerationMap`.

Each write gets the next generation number (fio's ``numberio``: the write sequence number), which
the writer stamps into the sector tags (:func:`blkswap.workload.tags.fill`) and the reader passes to
:func:`blkswap.workload.tags.check`. 0 means "never written (reads must return zeros)".

Storage is chunked and lazy (chunks of 2**18 sectors = 128 MiB of disk, 2 MiB of uint64 each,
allocated on first write), so a 2 TiB sparse disk costs nothing until it is written.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from blkswap.workload.tags import SECTOR, UNKNOWN

__all__ = ["GenerationMap"]

_CHUNK = 1 << 18


class GenerationMap:
    """Expected generation of every sector of a ``disk_size``-byte disk."""

    def __init__(self, disk_size: int) -> None:
        if disk_size <= 0 or disk_size % SECTOR:
            raise ValueError(f"disk_size {disk_size} must be a positive multiple of {SECTOR}")
        self.disk_size = disk_size
        self.sectors = disk_size // SECTOR
        self.generation = 0
        """The last generation handed out by :meth:`bump`."""
        self._chunks: dict[int, np.ndarray] = {}

    def _range(self, offset: int, length: int) -> tuple[int, int]:
        if offset < 0 or length <= 0 or offset % SECTOR or length % SECTOR:
            raise ValueError(
                f"range offset={offset} length={length} must be positive and {SECTOR}-byte aligned"
            )
        if offset + length > self.disk_size:
            raise ValueError(
                f"range offset={offset} length={length} ends beyond the disk ({self.disk_size} bytes)"
            )
        return offset // SECTOR, (offset + length) // SECTOR

    def _spans(self, first: int, end: int) -> Iterator[tuple[int, int, int, int]]:
        """(chunk index, start within chunk, stop within chunk, position in the output)."""
        pos = first
        while pos < end:
            c, lo = divmod(pos, _CHUNK)
            hi = min(_CHUNK, lo + end - pos)
            yield c, lo, hi, pos - first
            pos += hi - lo

    def _assign(self, offset: int, length: int, value: int) -> None:
        first, end = self._range(offset, length)
        for c, lo, hi, _ in self._spans(first, end):
            chunk = self._chunks.get(c)
            if chunk is None:
                if value == 0:
                    continue
                chunk = self._chunks[c] = np.zeros(_CHUNK, dtype=np.uint64)
            chunk[lo:hi] = value

    def bump(self, offset: int, length: int) -> int:
        """Record a write of ``[offset, offset+length)``; returns its new generation (1, 2, …)."""
        self._range(offset, length)
        self.generation += 1
        self._assign(offset, length, self.generation)
        return self.generation

    def expected(self, offset: int, length: int) -> np.ndarray:
        """Expected generation per sector of ``[offset, offset+length)`` (a new uint64 array)."""
        first, end = self._range(offset, length)
        c, lo = divmod(first, _CHUNK)
        if lo + end - first <= _CHUNK:  # within one chunk: one copy (or zeros), no loop
            chunk = self._chunks.get(c)
            if chunk is None:
                return np.zeros(end - first, dtype=np.uint64)
            return chunk[lo : lo + end - first].copy()
        out = np.zeros(end - first, dtype=np.uint64)
        for c, lo, hi, at in self._spans(first, end):
            chunk = self._chunks.get(c)
            if chunk is not None:
                out[at : at + hi - lo] = chunk[lo:hi]
        return out

    def trim(self, offset: int, length: int, *, zeroes: bool = True) -> None:
        """Record a discard: reads must return zeros (``zeroes``) or anything we wrote (UNKNOWN)."""
        self._assign(offset, length, 0 if zeroes else UNKNOWN)

    def written_sectors(self) -> int:
        """Sectors currently expected to hold data (generation ≠ 0)."""
        return int(sum(np.count_nonzero(c) for c in self._chunks.values()))
