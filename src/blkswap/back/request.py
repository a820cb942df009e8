"""A request the backend has taken off a ring, and the pure checks Linux blkback applies to it.

Nothing here touches the hypervisor or the clock: :func:`validate` takes a decoded request and the
VBD's parameters and returns what :class:`BlkRequest` needs or the reason it must be answered with
``BLKIF_RSP_ERROR`` / ``BLKIF_RSP_EOPNOTSUPP`` (docs/design.md lesson 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Segment

if TYPE_CHECKING:
    from blkswap.back.vbd import BackendRing

SECTORS_PER_PAGE = (
    8  # 4096 / 512: first_sect/last_sect are 512-byte units within one page (xen-abi.md §3.4)
)

#: Operations the backend serves through the read/write path (LB blkback.c __do_block_io_op).
RW_OPS = (
    blkif.BLKIF_OP_READ,
    blkif.BLKIF_OP_WRITE,
    blkif.BLKIF_OP_WRITE_BARRIER,
    blkif.BLKIF_OP_FLUSH_DISKCACHE,
)


@dataclass(frozen=True, slots=True)
class VbdLimits:
    """What a request is checked against (LB blkback.c dispatch_rw_block_io / xen_vbd_translate)."""

    sectors: int  #: disk size in 512-byte sectors
    readonly: bool = False
    max_indirect_segments: int = 0  #: 0 = indirect not offered
    feature_flush: bool = True
    feature_barrier: bool = True
    feature_discard: bool = True
    logical_sectors: int = 1  #: logical block size / 512 (alignment rule, xen-abi.md §3.4)


class BlkRequest(NamedTuple):
    """A request as the backend read it from its private copy of the slot and validated it, once
    (LB blkback.c: the ``blkif_request`` copied by RING_COPY_REQUEST, then checked; docs/design.md
    lesson 9). ``segments`` are resolved from indirect pages; nothing here changes afterwards.
    (A NamedTuple: immutable and the cheapest record to build, once per request.)"""

    id: int
    operation: int  #: what the front asked for (echoed in the response)
    op: int  #: effective data operation (READ/WRITE/FLUSH/BARRIER/DISCARD)
    sector_number: int
    nr_sectors: int
    segments: tuple[Segment, ...] = ()
    discard_secure: bool = False  #: unused: discard-secure=0, so LB does a plain discard
    indirect_grefs: tuple[int, ...] = ()

    @property
    def nbytes(self) -> int:
        """Payload bytes (segments only; a discard moves none)."""
        return sum((s.last_sect - s.first_sect + 1) * 512 for s in self.segments)

    @property
    def is_write(self) -> bool:
        return self.op in blkif.WRITE_OPS


@dataclass(slots=True)
class PendingReq:
    """One request in flight in the backend (Linux's ``pending_req``): the validated request,
    its I/O buffers, the data path's token from ``prepare`` to ``finish``, and the answer.

    The request's fields read through (``req.op``, ``req.segments`` …) for the storage and
    device code."""

    ring: BackendRing  #: the backend ring it came from (answers go back there)
    request: BlkRequest
    #: per-segment storage buffers set by the data path's ``prepare`` (memoryviews of 4 KiB
    #: frames sliced to [first_sect, last_sect]); storage I/O reads/writes them in order.
    bufs: list[memoryview] = field(default_factory=list)
    #: what the data path needs from ``prepare`` to ``finish`` (its mappings, frames …); opaque
    #: to everyone else
    token: object = None
    status: int = blkif.BLKIF_RSP_OKAY
    #: extra bytes written after the response in the ring slot (swap: new frames)
    rsp_extra: bytes = b""
    #: dom0 frames (gfns) the loop took from the VBD's pool for this request (admission)
    pool_frames: list[int] = field(default_factory=list)
    #: machine frames backing ``bufs`` while storage I/O runs (what a network stack would hold)
    frames: list[int] = field(default_factory=list)
    #: dom0 virtual address of each data page (its mapping or the pool frame's kernel address)
    page_vas: list[int] = field(default_factory=list)
    #: retransmit hazard bookkeeping (back/hazard.py): when the release was first deferred, retries
    hazard_since: int | None = None
    hazard_attempts: int = 0
    replaced: list[int] = field(default_factory=list)  #: dom0 copy pages swapped into mappings

    # the request's fields, copied once (storage, device models and data paths read them
    # several times a request: plain slots, not properties)
    id: int = field(init=False, repr=False, compare=False)
    operation: int = field(init=False, repr=False, compare=False)
    op: int = field(init=False, repr=False, compare=False)
    sector_number: int = field(init=False, repr=False, compare=False)
    nr_sectors: int = field(init=False, repr=False, compare=False)
    segments: tuple[Segment, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        r = self.request
        self.id, self.operation, self.op, self.sector_number, self.nr_sectors, self.segments = r[:6]

    @property
    def nbytes(self) -> int:
        return self.request.nbytes

    @property
    def is_write(self) -> bool:
        return self.request.op in blkif.WRITE_OPS


class RequestError(Exception):
    """The guest sent a request that gets an error response (not a backend bug)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_segments(segments: tuple[Segment, ...], logical_sectors: int = 1) -> int:
    """Validate first/last_sect of every segment; return the total sector count.

    LB blkback.c xen_blkbk_parse_indirect / dispatch_rw_block_io: ``last_sect >= 8`` or
    ``last_sect < first_sect`` → error; and every segment's sector count must be a multiple of
    the logical block size / 512 (xen-abi.md §3.4).
    """
    total = 0
    for seg in segments:
        if seg.last_sect >= SECTORS_PER_PAGE or seg.last_sect < seg.first_sect:
            raise RequestError(
                blkif.BLKIF_RSP_ERROR,
                f"bad segment gref={seg.gref} first_sect={seg.first_sect} last_sect={seg.last_sect}",
            )
        n = seg.last_sect - seg.first_sect + 1
        if n % logical_sectors:
            raise RequestError(
                blkif.BLKIF_RSP_ERROR,
                f"segment gref={seg.gref} of {n} sectors not aligned to {logical_sectors * 512} bytes",
            )
        total += n
    return total


def validate(req: Request | DiscardRequest | IndirectRequest, limits: VbdLimits) -> tuple[int, int]:
    """Check the parts of a request that do not need its segments resolved.

    Returns ``(effective_op, nr_segments)``. Raises :class:`RequestError` with the status the
    response must carry. Order of checks follows LB blkback.c ``__do_block_io_op`` and
    ``dispatch_rw_block_io``.
    """
    op = req.operation
    if isinstance(req, DiscardRequest):
        if not limits.feature_discard:
            raise RequestError(blkif.BLKIF_RSP_EOPNOTSUPP, "discard not offered")
        if limits.readonly:
            raise RequestError(blkif.BLKIF_RSP_ERROR, "discard on a read-only VBD")
        end = req.sector_number + req.nr_sectors
        if req.nr_sectors == 0 or end > limits.sectors or end < req.sector_number:
            raise RequestError(
                blkif.BLKIF_RSP_ERROR,
                f"discard beyond the device: {req.sector_number}+{req.nr_sectors}",
            )
        return blkif.BLKIF_OP_DISCARD, 0
    if isinstance(req, IndirectRequest):
        if limits.max_indirect_segments == 0:
            raise RequestError(blkif.BLKIF_RSP_EOPNOTSUPP, "indirect requests not offered")
        if req.indirect_op not in (blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE):
            raise RequestError(
                blkif.BLKIF_RSP_ERROR, f"indirect_op {req.indirect_op} is not READ or WRITE"
            )
        nseg = req.nr_segments
        if nseg == 0 or nseg > limits.max_indirect_segments:
            raise RequestError(blkif.BLKIF_RSP_ERROR, f"indirect nr_segments {nseg} out of range")
        op = req.indirect_op
    elif op not in RW_OPS:
        raise RequestError(blkif.BLKIF_RSP_EOPNOTSUPP, f"unknown operation {op}")
    else:
        nseg = req.nr_segments
        if op == blkif.BLKIF_OP_FLUSH_DISKCACHE and not limits.feature_flush:
            raise RequestError(blkif.BLKIF_RSP_EOPNOTSUPP, "flush not offered")
        if op == blkif.BLKIF_OP_WRITE_BARRIER and not limits.feature_barrier:
            raise RequestError(blkif.BLKIF_RSP_EOPNOTSUPP, "barrier not offered")
        flushlike = op in (blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER)
        if (nseg == 0 and not flushlike) or nseg > blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST:
            raise RequestError(blkif.BLKIF_RSP_ERROR, f"nr_segments {nseg} out of range")
    if op != blkif.BLKIF_OP_READ and limits.readonly:
        raise RequestError(blkif.BLKIF_RSP_ERROR, "write to a read-only VBD")
    return op, nseg


def check_range(sector_number: int, nr_sectors: int, limits: VbdLimits) -> None:
    """Sector range inside the device and aligned to the logical block size (LB xen_vbd_translate)."""
    if nr_sectors == 0:  # LB xen_vbd_translate checks the range only "if (likely(req->nr_sects))":
        return  # an empty flush carries whatever sector the front's request had
    end = sector_number + nr_sectors
    if end > limits.sectors or end < sector_number:
        raise RequestError(
            blkif.BLKIF_RSP_ERROR,
            f"access beyond the device: sectors {sector_number}+{nr_sectors} > {limits.sectors}",
        )
    ls = limits.logical_sectors
    if ls > 1 and (sector_number % ls or nr_sectors % ls):
        raise RequestError(
            blkif.BLKIF_RSP_ERROR,
            f"sector {sector_number}+{nr_sectors} not aligned to {ls * 512} bytes",
        )
