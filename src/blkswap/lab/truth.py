"""What each guest disk should hold: write generations, writes in flight, and leak accounting.

Every 512-byte sector a workload writes carries a provenance tag (``blkswap.workload.tags``).
:class:`DiskTruth` remembers the generation last written to each sector so reads can be verified,
and which sectors have writes in flight (a read overlapping one cannot be verified, and two
overlapping writes leave the sector's final generation to the device's ordering — those sectors
are marked unknown until the next clean write).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from blkswap.workload.genmap import GenerationMap


@dataclass
class Findings:
    """What verification found for one disk (reported per job in ``"blkswap"``)."""

    verified_sectors: int = 0
    verify_errors: int = 0  #: sectors whose content is not what was last written
    unverifiable_reads: int = 0  #: reads that overlapped writes in flight (not checked)
    leaked_bytes: int = 0  #: bytes carrying another domain's tag or freed-frame poison
    leaked_by_domain: dict[int, int] = field(default_factory=dict)
    poison_bytes: int = 0
    first_error: str = ""


class DiskTruth:
    def __init__(self, disk_size: int) -> None:
        self.sectors = disk_size // 512
        self.gens = GenerationMap(disk_size)
        self.inflight = np.zeros(self.sectors, dtype=np.int32)
        self.unknown = np.zeros(self.sectors, dtype=bool)

    def begin_write(self, offset: int, length: int) -> int:
        lo, hi = offset // 512, (offset + length) // 512
        if self.inflight[lo:hi].any():
            self.unknown[lo:hi] = True
        else:
            self.unknown[lo:hi] = False
        self.inflight[lo:hi] += 1
        return self.gens.bump(offset, length)

    def end_write(self, offset: int, length: int, ok: bool = True) -> None:
        lo, hi = offset // 512, (offset + length) // 512
        self.inflight[lo:hi] -= 1
        if (
            not ok
        ):  # a failed write leaves the sectors undefined (old or new data): stop verifying them
            self.unknown[lo:hi] = True

    def begin_trim(self, offset: int, length: int) -> None:
        """A discard in flight: reads overlapping it cannot be verified until it completes."""
        self.inflight[offset // 512 : (offset + length) // 512] += 1

    def end_trim(self, offset: int, length: int, ok: bool = True) -> None:
        lo, hi = offset // 512, (offset + length) // 512
        self.inflight[lo:hi] -= 1
        if ok:
            self.gens.trim(offset, length)  # discarded sectors read back as zeros
        else:
            self.unknown[lo:hi] = True

    def snapshot(self, offset: int, length: int) -> np.ndarray | None:
        """Expected generations for a read, or None when the range cannot be verified now."""
        lo, hi = offset // 512, (offset + length) // 512
        if self.inflight[lo:hi].any() or self.unknown[lo:hi].any():
            return None
        return self.gens.expected(offset, length).copy()

    def still_valid(self, offset: int, length: int, expected: np.ndarray) -> bool:
        lo, hi = offset // 512, (offset + length) // 512
        return not (self.inflight[lo:hi].any() or self.unknown[lo:hi].any()) and np.array_equal(
            self.gens.expected(offset, length), expected
        )
