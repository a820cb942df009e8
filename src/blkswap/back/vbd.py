"""Backend-side state of one VBD and its rings (Linux's ``xen_blkif`` and ``xen_blkif_ring``).

A :class:`BackendRing` owns the mapped shared ring, the bound event channel, the ABI codec chosen
at connect time (one object, no ``if abi ==`` elsewhere — STYLE.md), the data-path instance and the
per-ring statistics that reports read (LB common.h ``st_rd_req`` …).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from blkswap.abi import Abi, blkif
from blkswap.back.negotiate import Negotiated
from blkswap.back.request import VbdLimits
from blkswap.back.rings import MappedRing
from blkswap.storage.base import BlockStore

if TYPE_CHECKING:
    from blkswap.back.datapaths.base import DataPath
    from blkswap.back.loop import BackendLoop

#: pending_req slots per ring page (LB common.h XEN_BLKIF_REQS_PER_PAGE = 32)
REQS_PER_PAGE = 32


@dataclass(slots=True)
class VbdConfig:
    """What the toolstack tells the backend about one disk."""

    frontend_domid: int
    devid: int
    store: BlockStore
    datapath: str = "map"
    readonly: bool = False
    sector_size: int = 512
    #: advertised ``feature-max-indirect-segments``; None = the backend's (LB
    #: MAX_INDIRECT_SEGMENTS); a data path whose caps forbid indirect advertises none
    max_indirect_segments: int | None = None
    name: str = ""
    pool: str = "default"  #: the frame pool this VBD draws dom0 frames from

    @property
    def label(self) -> str:
        """The VBD's name in reports and pool accounting."""
        return self.name or f"vbd{self.frontend_domid}.{self.devid}"


class _Attribution:
    """The context manager of :meth:`BackendRing.attributing`: pushes the ring's tally on the
    port's tally stack on entry and pops it on exit (strictly nested, LIFO)."""

    __slots__ = ("ring",)

    def __init__(self, ring: BackendRing) -> None:
        self.ring = ring

    def __enter__(self) -> None:
        ring = self.ring
        if ring._tallies is not None:
            ring._tallies.append(ring.tally)

    def __exit__(self, *exc: object) -> None:
        ring = self.ring
        if ring._tallies is not None:
            # Counters compare by value, so pop and check identity rather than remove()
            if ring._tallies.pop() is not ring.tally:
                raise RuntimeError(f"{ring.name}: tally stack out of order")


class BackendRing:
    """One shared ring of a VBD, as the backend sees it."""

    def __init__(
        self,
        vbd: Vbd,
        index: int,
        mapped: MappedRing,
        codec: Abi,
        nr_pages: int,
        datapath: DataPath,
        loop: BackendLoop,
    ) -> None:
        self.vbd = vbd
        self.index = index
        self.sring = mapped.sring
        self.codec = codec
        self.evtchn = mapped.evtchn
        self.nr_pages = nr_pages
        self.datapath = datapath
        self.ring_maps = mapped.maps  # grant mappings of the ring pages (unmapped at disconnect)
        self.loop = loop  #: the BackendLoop serving this ring
        self.max_pending = REQS_PER_PAGE * nr_pages
        self.in_flight = 0
        self.parked = 0  #: requests waiting for pool frames (the ring is not read meanwhile)
        self.closing = False  #: frontend is closing: answer in-flight requests, read nothing new
        #: called when a closing ring's last request is answered
        self.on_idle: Callable[[], None] | None = None
        self.broken = False
        self.broken_reason = ""
        self.last_error = ""  #: why the last request got an error response
        self.tally: Any = (
            None  #: hypervisor work done for this ring (a Counters, when the port offers tallies)
        )
        self._tallies: list[Any] | None = None
        self._attribution = _Attribution(self)
        self.stats: Counter[str] = Counter()

    @property
    def name(self) -> str:
        return f"{self.vbd.name}/q{self.index}"

    def attributing(self) -> _Attribution:
        """``with ring.attributing():`` counts the hypervisor work done inside the block for
        this ring (when the port can). A context manager built once per ring, not a generator
        one per use: the backend enters it twice per request."""
        return self._attribution

    @property
    def counters(self) -> dict[str, Any]:
        """Hypervisor work done for this ring (counters as a plain dict; empty without a tally)."""
        return self.tally.as_dict() if self.tally is not None else {}


@dataclass(slots=True)
class Vbd:
    """A connected virtual block device: its configuration, negotiated features and rings."""

    config: VbdConfig
    limits: VbdLimits
    negotiated: Negotiated
    rings: list[BackendRing] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.label

    @property
    def protocol(self) -> str:
        return self.negotiated.protocol

    @property
    def datapath(self) -> str:
        """The path in use, after falling back for missing frontend features."""
        return self.negotiated.datapath

    @property
    def frontend_domid(self) -> int:
        return self.config.frontend_domid


#: per-op statistic names, as Linux's sysfs counters (st_rd_req, st_wr_req, …)
_STAT_KEYS = {
    blkif.BLKIF_OP_READ: "rd_req",
    blkif.BLKIF_OP_WRITE: "wr_req",
    blkif.BLKIF_OP_FLUSH_DISKCACHE: "f_req",
    blkif.BLKIF_OP_WRITE_BARRIER: "f_req",
    blkif.BLKIF_OP_DISCARD: "ds_req",
}


def stat_key(op: int) -> str:
    """Per-op statistic name (``oo_req`` for anything else, as Linux's "out of order")."""
    return _STAT_KEYS.get(op, "oo_req")
