"""The data-path interface: how a backend touches the guest's pages for one request.

A data path is a strategy object with four hooks (docs/design.md lesson 2; fio ``ioengine_ops``):

========================  ========  =============================================================
hook                      required  called by the backend loop
========================  ========  =============================================================
``prepare(req)``          yes       after validation, before storage I/O. Must set ``req.bufs``
                                    (one memoryview per segment, sliced to first..last_sect) or
                                    raise :class:`RequestError`. Writes: the data must be in
                                    ``req.bufs`` when it returns.
``finish(req)``           yes       after storage I/O, before the response. Reads: the data must be
                                    in the guest's pages when it returns. May set ``req.status``
                                    and ``req.rsp_extra``.
``frames_needed(req)``    yes       how many dom0 frames the loop must take from the VBD's pool
                                    before ``prepare`` (they arrive in ``req.pool_frames``; the
                                    path returns them with ``ctx.give_frames`` or keeps them)
``teardown()``            no        on disconnect: release every mapping and frame
========================  ========  =============================================================

``caps`` (a frozen :class:`~blkswap.back.caps.Caps`) declares what a path does: negotiation, pool
admission and the hazard code read it instead of the path's name. Two hooks exist only where the
caps say so: ``reclaim(frames)`` (``caps.reclaims``: give pool frames back under pressure) and
``replace_mapping(req, i, gfn)`` (``caps.hazard`` is GUEST_MAPPING: GNTTABOP_unmap_and_replace
the i-th mapping with a dom0 copy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from blkswap.abi.blkif import Segment
from blkswap.back.caps import Caps
from blkswap.back.frames import VaSpace
from blkswap.back.pool import FramePool
from blkswap.back.request import PendingReq
from blkswap.xen.port import DomainPort

API_VERSION = 1


class Meter(Protocol):
    """Where a data path reports CPU work that is not a hypercall (the timing layer charges it)."""

    def charge(self, cause: str, amount: int) -> None: ...


class NullMeter:
    """Default meter: records nothing."""

    def charge(self, cause: str, amount: int) -> None:
        pass


@dataclass(slots=True)
class DataPathOptions:
    """Tunables shared by the data paths. Each is a documented knob, never a silent mode."""

    #: swap/transfer: zero every frame before it crosses to another domain (default on; the
    #: ``--no-swap-scrub`` flag turns it off to show the leak, docs/design.md §4).
    scrub: bool = True
    #: swap: copy the write data back into the guest's new frame during the async window (seed,
    #: Andres's point 7), so the guest keeps its buffer contents. Off by default.
    swap_copyback: bool = False
    #: copy: "gntcopy" (tapdisk3/QEMU: GNTTABOP_copy) or "blktap2" (XCP: map + memcpy + unmap).
    copy_flavour: str = "gntcopy"
    #: persistent: grants kept mapped per ring (LB blkback.c max_persistent_grants = 1056).
    max_persistent_grants: int = 1056
    #: persistent: purge grants idle for this long (LB persistent_grant_unused_seconds = 60 s).
    persistent_unused_ns: int = 60_000_000_000
    #: persistent: LRU pass interval (LB LRU_INTERVAL = 100 ms) and extra purge share (LRU_PERCENT_CLEAN = 5 %).
    lru_interval_ns: int = 100_000_000
    lru_percent_clean: int = 5


@dataclass(slots=True)
class BackendContext:
    """Everything a data path instance may use; one instance per ring."""

    port: DomainPort  #: dom0's DomainPort
    frontend_domid: int
    pool: FramePool  #: the VBD's frame pool (the loop takes ``frames_needed`` before ``prepare``)
    va: VaSpace
    options: DataPathOptions = field(default_factory=DataPathOptions)
    meter: Meter = field(default_factory=NullMeter)
    clock: Callable[[], int] | None = None  #: ns, for time-based policies (persistent LRU)
    owner: str = ""  #: the VBD's name (pool accounting)

    def now(self) -> int:
        return self.clock() if self.clock is not None else 0

    def give_frames(self, req: PendingReq) -> None:
        """Return the request's pool frames (the common end of ``finish``)."""
        if req.pool_frames:
            self.pool.give(req.pool_frames, self.owner)
            req.pool_frames = []


class DataPath(Protocol):
    """What every data path module provides (see the table in the module docstring)."""

    name: ClassVar[str]
    caps: ClassVar[Caps]
    api_version: ClassVar[int]
    ctx: BackendContext

    def __init__(self, ctx: BackendContext) -> None: ...
    def prepare(self, req: PendingReq) -> None: ...
    def finish(self, req: PendingReq) -> None: ...
    def frames_needed(self, req: PendingReq) -> int: ...
    def teardown(self) -> None: ...


class Reclaims(Protocol):
    """A path with ``caps.reclaims``: frees pool frames it holds (persistent grants)."""

    def reclaim(self, frames: int) -> int: ...
    def idle_frames(self) -> int: ...


class ReplacesMappings(Protocol):
    """A path whose ``caps.hazard`` is GUEST_MAPPING (map, persistent)."""

    def replace_mapping(self, req: PendingReq, i: int, gfn: int) -> None: ...


ZERO_PAGE = bytes(4096)


def use_pool_frames(ctx: BackendContext, req: PendingReq) -> None:
    """Storage I/O on the request's pool frames: ``req.bufs`` sliced per segment, plus the machine
    frames and dom0 addresses behind them (the retransmit hazard needs those)."""
    port, gfns = ctx.port, req.pool_frames
    req.bufs = [
        segment_slice(port.page_view(gfn << 12), s.first_sect, s.last_sect)
        for gfn, s in zip(gfns, req.segments, strict=True)
    ]
    req.frames = [port.gfn_to_mfn(gfn) for gfn in gfns]
    req.page_vas = [gfn << 12 for gfn in gfns]


def scrub(ctx: BackendContext, gfns: list[int], segments: tuple[Segment, ...] | None = None) -> int:
    """Zero dom0 frames before they cross to another domain: all of them, or (with
    ``segments``) only those whose segment does not cover the whole page — the rest of the page
    would otherwise carry stale bytes. Returns the bytes zeroed (charged at scrub speed)."""
    zeroed = 0
    for i, gfn in enumerate(gfns):
        if segments is None or segments[i].first_sect != 0 or segments[i].last_sect != 7:
            ctx.port.page_view(gfn << 12)[:] = ZERO_PAGE
            zeroed += 4096
    if zeroed:
        ctx.meter.charge("scrub", zeroed)
    return zeroed


def segment_slice(page: memoryview, first_sect: int, last_sect: int) -> memoryview:
    """The bytes of one segment within its 4 KiB page (xen-abi.md §3.4)."""
    return page[first_sect * 512 : (last_sect + 1) * 512]
