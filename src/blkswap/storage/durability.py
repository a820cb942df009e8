"""A disk with a volatile write cache and a power cut: :class:`CachedDisk`.

Writes complete into the cache (like a drive with its write cache on); ``flush()`` writes the
cache to the media and only then returns (``FLUSH CACHE`` / NVMe Flush). :meth:`power_cut`
drops what the cache still holds, except that a seeded random subset of those sectors may
already have reached the media (a drive destages in its own order). This is the model of the
xfstests ``dm-log-writes`` replay and fio's ``verify_policy=fsynced``: a write whose completion
was followed by a *completed* flush must survive; nothing is promised for the others.

blkif has no FUA bit: Linux blkback turns FLUSH_DISKCACHE (and BARRIER) into a REQ_PREFLUSH write
(LB dispatch_rw_block_io), so the durability point is the completion of a flush request, and a
flush request's own data is not durable until the next one (lab: ``perform`` flushes, then writes).

``honest=False`` models a device, or a backend, that acknowledges a flush before it is done: the
flush returns at once and the cache is written "later" (never, before the cut). The ledger then
shows acknowledged writes lost, which is what :func:`lost_acknowledged_writes` counts.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blkswap.storage.base import as_bytes_views, check_range

SECTOR = 512


@dataclass(frozen=True)
class LoggedWrite:
    seq: int
    offset: int
    data: bytes


class CachedDisk:
    """Wraps a BlockStore (the media) with a volatile write cache and a write ledger."""

    def __init__(self, media: Any, *, honest: bool = True, seed: int = 0) -> None:
        self.media = media
        self.size = media.size
        self.honest = honest
        self._rng = random.Random(seed)
        self._cache: dict[int, bytes] = {}  # sector -> 512 bytes not yet on the media
        self.ledger: list[LoggedWrite] = []  # every completed write, in completion order
        #: writes with seq <= this were followed by a completed (acknowledged) flush
        self.durable_seq = 0
        self.flushes = 0
        self.cut = False

    # -- BlockStore ---------------------------------------------------------------------------
    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int:
        views = as_bytes_views(bufs)
        total = self.media.readv(offset, views)
        if self._cache:
            pos = offset
            for v in views:
                for i in range(0, v.nbytes, SECTOR):
                    hit = self._cache.get((pos + i) // SECTOR)
                    if hit is not None:
                        v[i : i + SECTOR] = hit[: min(SECTOR, v.nbytes - i)]
                pos += v.nbytes
        return total

    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int:
        data = b"".join(bytes(v) for v in as_bytes_views(bufs))
        check_range("cached disk", self.size, offset, len(data), "write")
        if offset % SECTOR or len(data) % SECTOR:
            raise ValueError("cached disk: writes are whole 512-byte sectors")
        for i in range(0, len(data), SECTOR):
            self._cache[(offset + i) // SECTOR] = data[i : i + SECTOR]
        self.ledger.append(LoggedWrite(len(self.ledger) + 1, offset, data))
        return len(data)

    def flush(self) -> None:
        self.flushes += 1
        mark = len(self.ledger)
        if self.honest:  # else: acknowledged before anything reached the media
            self._destage(sorted(self._cache))
        self.durable_seq = mark  # what the host is told once this returns

    def discard(self, offset: int, length: int) -> None:
        for s in range(offset // SECTOR, (offset + length) // SECTOR):
            self._cache.pop(s, None)
        self.media.discard(offset, length)

    def close(self) -> None:
        self.media.close()

    # -- the cut --------------------------------------------------------------------------------
    def power_cut(self, survive: float = 0.5) -> int:
        """Lose the cache; each cached sector reached the media first with chance ``survive``
        (seeded). Returns the sectors lost."""
        sectors = sorted(self._cache)
        kept = [s for s in sectors if self._rng.random() < survive]
        self._destage(kept)
        lost = len(self._cache)
        self._cache.clear()
        self.cut = True
        return lost

    def _destage(self, sectors: list[int]) -> None:
        for s in sectors:
            self.media.writev(s * SECTOR, [memoryview(self._cache.pop(s))])


def lost_acknowledged_writes(disk: CachedDisk) -> int:
    """Writes acknowledged and then covered by a completed flush whose bytes are not on the media,
    sector by sector: each sector must hold the last durable write's bytes or a later write's."""
    last_durable: dict[int, int] = {}  # sector -> seq of the last durable write to it
    later: dict[int, set[bytes]] = {}  # sector -> contents written after that
    for w in disk.ledger:
        for i in range(0, len(w.data), SECTOR):
            s = (w.offset + i) // SECTOR
            if w.seq <= disk.durable_seq:
                last_durable[s] = w.seq
                later.pop(s, None)
            else:
                later.setdefault(s, set()).add(w.data[i : i + SECTOR])
    by_seq = {w.seq: w for w in disk.ledger}
    lost: set[int] = set()
    buf = bytearray(SECTOR)
    for s, seq in last_durable.items():
        w = by_seq[seq]
        want = w.data[s * SECTOR - w.offset : s * SECTOR - w.offset + SECTOR]
        disk.media.readv(s * SECTOR, [memoryview(buf)])
        if bytes(buf) != want and bytes(buf) not in later.get(s, set()):
            lost.add(seq)
    return len(lost)


def durability_line(disk: CachedDisk) -> str:
    """The report line: ``lost acknowledged writes: N`` (after a power cut)."""
    return f"lost acknowledged writes: {lost_acknowledged_writes(disk)}"
