"""The guest block layer's unit of I/O as blkfront receives it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from blkswap.abi import blkif


@dataclass(slots=True)
class Bio:
    """One block request from the guest's block layer.

    ``segments`` are the guest's buffer pages: ``(gfn, first_sect, last_sect)``, 512-byte sectors
    within each 4 KiB page, logically contiguous on disk from ``sector`` (xen-abi.md §3.4).
    ``done(bio)`` is called once with ``status`` set (a BLKIF_RSP_* value).
    """

    op: int
    sector: int
    segments: list[tuple[int, int, int]] = field(default_factory=list)
    nr_sectors: int = 0  #: discard length (sectors); ignored otherwise
    done: Callable[[Bio], None] | None = None
    status: int = blkif.BLKIF_RSP_OKAY
    tag: object = None  #: the submitter's own data (the workload keeps its I/O record here)
    queue: int = 0  #: which ring (blk-mq hardware queue) to use

    @property
    def nbytes(self) -> int:
        return sum((last - first + 1) * 512 for _, first, last in self.segments)

    @property
    def is_write(self) -> bool:
        return self.op in blkif.WRITE_OPS
