"""Backend-side state of one VBD and its rings (Linux's ``xen_blkif`` and ``xen_blkif_ring``).

A :class:`BackendRing` owns the mapped shared ring, the bound event channel, the ABI codec chosen
at connect time (one object, no ``if abi ==`` elsewhere — docs/design.md), the data-path instance and the
per-ring statistics that reports read (LB common.h ``st_rd_req`` …).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from blkswap.abi import Abi, blkif
from blkswap.back.negotiate import Negotiated
from blkswap.back.request import VbdLimits
from blkswap.back.rings import MappedRing
from blkswap.storage.base import BlockStore
from blkswap.xen.port import Counters

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
    #: the xenstore backend directory kind: "vbd" (blkback's) or "qdisk" (QEMU's, which no dom0
    #: kernel driver claims); the lab always uses vbd
    backend_kind: str = "vbd"

    @property
    def label(self) -> str:
        """The VBD's name in reports and pool accounting."""
        return self.name or f"vbd{self.frontend_domid}.{self.devid}"


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
        #: a WRITE_BARRIER waiting for earlier requests to drain, or in flight: the ring is not
        #: read meanwhile (back/loop.py)
        self.barrier: object = None
        #: torn down with requests in flight (kill, detach, guest destroyed): their storage I/O
        #: must not land any more (back/io.py perform)
        self.fenced = False
        self.broken_reason = ""
        self.last_error = ""  #: why the last request got an error response
        #: the backend port's cumulative hypervisor counters (set at connect); mark()/settle()
        #: diff them into ``work``, the hypervisor work done for this ring
        self.source: Counters | None = None
        self.work = Counters()
        self.stats: Counter[str] = Counter()

    @property
    def name(self) -> str:
        return f"{self.vbd.name}/q{self.index}"

    def mark(self) -> list[int] | None:
        """Start counting hypervisor work for this ring: ``m = ring.mark()``, the work, then
        ``ring.settle(m)`` in a ``finally`` (two calls, not a context manager: the backend
        loop's hot path)."""
        source = self.source
        return None if source is None else source.mark()

    def settle(self, mark: list[int] | None) -> None:
        """Count the work done since ``mark`` (from :meth:`mark`) for this ring."""
        if mark is not None and self.source is not None:
            self.work.add_since(self.source, mark)

    @property
    def counters(self) -> dict[str, int | dict[str, int]]:
        """Hypervisor work done for this ring (a plain dict; empty before it is connected)."""
        return self.work.as_dict() if self.source is not None else {}


@dataclass(slots=True)
class Vbd:
    """A connected virtual block device: its configuration, negotiated features and rings."""

    config: VbdConfig
    limits: VbdLimits
    negotiated: Negotiated
    rings: list[BackendRing] = field(default_factory=list)
    #: the storage answered a flush or barrier with EOPNOTSUPP: xenbus withdraws the feature key
    on_withdraw: Callable[[str], None] | None = None

    def withdraw(self, op: int) -> None:
        """LBB __end_block_io_op on BLK_STS_NOTSUPP: stop accepting the op (later ones are
        refused with EOPNOTSUPP at validation) and withdraw ``feature-flush-cache`` or
        ``feature-barrier`` (xen_blkbk_flush_diskcache / xen_blkbk_barrier with 0)."""
        if op == blkif.BLKIF_OP_WRITE_BARRIER:
            self.limits = replace(self.limits, feature_barrier=False)
            key = "feature-barrier"
        else:
            self.limits = replace(self.limits, feature_flush=False, feature_barrier=False)
            key = "feature-flush-cache"
        if self.on_withdraw is not None:
            self.on_withdraw(key)

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


def ring_totals(
    rings: Iterable[BackendRing],
) -> tuple[dict[str, int], dict[str, int | dict[str, int]]]:
    """The statistics and hypervisor counters of ``rings`` summed (a VBD's, for reports)."""
    stats: dict[str, int] = {}
    counters: dict[str, int | dict[str, int]] = {}
    for ring in rings:
        for k, n in ring.stats.items():
            stats[k] = stats.get(k, 0) + n
        for k, value in ring.counters.items():
            if isinstance(value, dict):
                sub = counters.setdefault(k, {})
                assert isinstance(sub, dict)
                for kk, vv in value.items():
                    sub[kk] = sub.get(kk, 0) + vv
            else:
                old = counters.get(k, 0)
                assert isinstance(old, int)
                counters[k] = old + value
    return stats, counters


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
