"""blkfront's device: the xenbus handshake and the rings (LF xen-blkfront.c; xen-abi.md §4.3).

:class:`BlkFront` drives the frontend half of the vbd state machine from watches on the backend's
``state``: at InitWait it sets up its rings (grants the ring pages, allocates event channels) and
writes all ring keys in ONE transaction → Initialised; at Connected it reads the disk's geometry
and features → Connected and starts sending. Closing/Closed on the backend tear the rings down;
:meth:`reconnect` goes through Closing → Closed → Initialising and re-sends the requests that were
in flight, as LF ``blkif_recover`` does.

Key notes: ``ring-page-order`` = min(own wish (Linux default 0), backend max); queues = min(own
wish, ``multi-queue-max-queues``); ``feature-persistent``/``feature-swap``/``feature-transfer`` are
written as 1 when this frontend supports them; the mode used is the one both sides offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from blkswap.abi import by_protocol
from blkswap.abi.blkif import (
    BLKIF_OP_FLUSH_DISKCACHE,
    BLKIF_OP_WRITE,
    BLKIF_OP_WRITE_BARRIER,
    BLKIF_RSP_ERROR,
)
from blkswap.abi.ring import FrontRing, SharedRing
from blkswap.abi.xenbus import XenbusState
from blkswap.front.bio import Bio
from blkswap.front.blkfront import FrontQueue
from blkswap.front.grants import STRATEGIES, GrantStrategy, Meter
from blkswap.xen.port import DomainPort, StoreError

U64_MAX = (1 << 64) - 1


_RING_KEYS = ("ring-page-order", "multi-queue-num-queues", "ring-ref",
              *(f"ring-ref{i}" for i in range(16)), *(f"queue-{q}" for q in range(16)))  # fmt: skip


_FLUSHLIKE = (BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER)


def _stale_keys(keys: dict[str, str]) -> list[str]:
    """Ring keys (or queue directories) a connection's ``keys`` do not use."""
    return [k for k in _RING_KEYS if k not in keys and not any(n.startswith(k + "/") for n in keys)]


def _disk_number(text: str, key: str, low: int, high: int) -> int:
    """A decimal number in ``low..high`` as blkfront's ``%Lu`` / ``%lu`` reads would accept."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or not low <= int(digits) <= high:
        raise ValueError(f"{key} = {text[:32]!r} is not a number in {low}..{high}")
    return int(digits)


@dataclass(slots=True)
class FrontConfig:
    """What this guest's blkfront supports and asks for (LF module parameters)."""

    protocol: str = "x86_64-abi"
    ring_page_order: int = 0  #: LF max_ring_page_order default 0
    #: LF module parameter ``max_queues`` (default 4; the lab asks for 1 unless told): the rings
    #: this blkfront wants, capped by its vCPUs (LF xlblk_init: at most nr_cpu_ids) and by the
    #: backend's ``multi-queue-max-queues``
    queues: int = 1
    persistent: bool = True  #: LF feature_persistent default 1
    swap: bool = True  #: the lab's feature-swap
    transfer: bool = True  #: the lab's feature-transfer
    max_indirect_segments: int = 32  #: LF xen_blkif_max_segments default 32
    trusted: bool = True  #: LF module parameter ``trusted`` (XSA-403); see BlkFront._trusted


class NullMeter:
    def charge(self, cause: str, amount: int) -> None:
        pass


def _handle_now(q: FrontQueue) -> None:
    q.handle_responses()


class BlkFront:
    """One virtual block device as the guest sees it."""

    def __init__(
        self,
        port: DomainPort,
        devid: int,
        config: FrontConfig | None = None,
        meter: Meter | None = None,
        on_interrupt: Callable[[FrontQueue], None] | None = None,
    ) -> None:
        self.port = port
        self.devid = devid
        self.config = config or FrontConfig()
        self.codec = by_protocol(self.config.protocol)
        self.meter = meter or NullMeter()
        self.fe = f"/local/domain/{port.domid}/device/vbd/{devid}"
        st = port.store
        self.be = st.read(f"{self.fe}/backend")
        self.backend_id = int(st.read(f"{self.fe}/backend-id"))
        self.state = XenbusState.Initialising
        self.queues: list[FrontQueue] = []
        self.grants: GrantStrategy | None = None
        self.mode = "fresh"
        self.sectors = 0
        self.sector_size = 512
        self.features: dict[str, int] = {}
        #: what the handshake settled (queues and ring order, asked and capped), for reports
        self.negotiated: dict[str, int] = {}
        self._ring_grants: list[tuple[int, int]] = []  # (gref, gfn) of ring pages
        self._pending_rings: list[tuple[list[int], int, SharedRing]] = []  # set up, per queue
        self._recovered: list[Bio] = []
        self.errors: list[str] = []  #: why the device failed (xenbus_dev_fatal), newest last
        self.dead = False  #: failed for good (blk_mark_disk_dead): every bio errors at once
        self._reconnecting = False
        #: called by an event-channel upcall (the timing layer runs the handler on a guest vCPU);
        #: default: handle now
        self.on_interrupt: Callable[[FrontQueue], None] = on_interrupt or _handle_now
        self.on_connected: Callable[[BlkFront], None] | None = None
        self.on_broken: Callable[[BlkFront, str], None] | None = None

    # -- handshake ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.port.store.watch(
            f"{self.be}/state", f"fe:{self.devid}", lambda _p, _t: self._backend_changed()
        )

    def _set_state(self, state: XenbusState) -> None:
        self.state = state
        self.port.store.write(f"{self.fe}/state", str(int(state)))

    def _backend_changed(self) -> None:
        bstate = self.port.store.read_int(f"{self.be}/state", default=XenbusState.Unknown)
        if bstate == XenbusState.InitWait and self.state == XenbusState.Initialising:
            self._talk_to_backend()
        elif bstate == XenbusState.InitWait and self.state in (
            XenbusState.Initialised,
            XenbusState.Connected,
        ):
            # a new backend probed the device under us: the old one died (lab D7). Recover as
            # LF blkfront_resume/blkif_recover does: new rings, in-flight requests re-sent.
            self._teardown()
            self._set_state(XenbusState.Initialising)
            self._talk_to_backend()
        elif bstate == XenbusState.Connected and self.state == XenbusState.Initialised:
            self._connect()
        elif bstate == XenbusState.Connected and self.state == XenbusState.Connected:
            self._resized()
        elif bstate in (XenbusState.Closing, XenbusState.Closed) and self.state not in (
            XenbusState.Closed,
            XenbusState.Initialising,
        ):
            self._teardown()
            self._set_state(XenbusState.Closed)
        if bstate == XenbusState.Closed and self.state == XenbusState.Closed and self._reconnecting:
            self._reconnecting = False
            self._set_state(XenbusState.Initialising)

    def _read_be(self, key: str, default: int) -> int:
        return self.port.store.read_int(f"{self.be}/{key}", default=default)

    def _talk_to_backend(self) -> None:
        """Set up rings and publish their keys in one transaction (LF talk_to_blkback)."""
        cfg, st = self.config, self.port.store
        again = bool(self.negotiated)  # a reconnect: keys of the last connection may be there
        # xenbus_read_unsigned: anything but an unsigned number is the default (C11: a hostile
        # backend's huge values are clamped by the min() below, negative ones count as absent)
        be_order = max(0, self._read_be("max-ring-page-order", 0))
        be_queues = max(1, self._read_be("multi-queue-max-queues", 1))
        order = min(cfg.ring_page_order, be_order)
        # LF negotiate_mq: min(backend max, own max_queues capped at nr_cpu_ids), at least 1
        nqueues = max(1, min(cfg.queues, self.port.vcpus, be_queues))
        self.negotiated = {
            "queues": nqueues,
            "queues_asked": cfg.queues,
            "backend_max_queues": be_queues,
            "vcpus": self.port.vcpus,
            "ring_page_order": order,
            "ring_page_order_asked": cfg.ring_page_order,
            "backend_max_ring_page_order": be_order,
        }
        rings = [self._setup_ring(order) for _ in range(nqueues)]
        keys: dict[str, str] = {}
        for q, (refs, evtchn, _sring) in enumerate(rings):
            prefix = "" if nqueues == 1 else f"queue-{q}/"
            if order == 0:
                keys[prefix + "ring-ref"] = str(refs[0])
            else:
                keys.update({f"{prefix}ring-ref{i}": str(r) for i, r in enumerate(refs)})
            keys[prefix + "event-channel"] = str(evtchn)
        if order:
            keys["ring-page-order"] = str(order)
        if nqueues > 1:
            keys["multi-queue-num-queues"] = str(nqueues)
        keys["protocol"] = self.codec.protocol
        keys["feature-persistent"] = "1" if cfg.persistent else "0"
        # an untrusted backend gets no whole frame: no swap or transfer (they hand it over)
        keys["feature-swap"] = "1" if cfg.swap and self._trusted() else "0"
        keys["feature-transfer"] = "1" if cfg.transfer and self._trusted() else "0"
        if again:  # keys of the last connection this one does not rewrite describe dead rings
            for stale in _stale_keys(keys):
                if st.exists(f"{self.fe}/{stale}"):
                    st.rm(f"{self.fe}/{stale}")
        st.write_all(self.fe, keys)  # one transaction, retried on EAGAIN
        self._pending_rings = rings
        self._set_state(XenbusState.Initialised)

    def _setup_ring(self, order: int) -> tuple[list[int], int, SharedRing]:
        port = self.port
        gfns = [port.alloc_page() for _ in range(1 << order)]
        sring = SharedRing([port.page_view(g << 12) for g in gfns], self.codec.ring_entry_size)
        sring.init()
        refs = [port.grant_access(g, self.backend_id, False) for g in gfns]
        self._ring_grants.extend(zip(refs, gfns, strict=True))
        evtchn = port.evtchn_alloc_unbound(self.backend_id)
        return refs, evtchn, sring

    def _connect(self) -> None:
        """Read the disk and negotiated features; start sending (LF blkfront_connect)."""
        st = self.port.store
        try:
            sectors = _disk_number(st.read(f"{self.be}/sectors"), "sectors", 1, U64_MAX)
            size = _disk_number(st.read(f"{self.be}/sector-size"), "sector-size", 512, 4096)
        except (ValueError, StoreError) as err:
            self._fatal(f"reading backend fields at {self.be}: {err}")
            return
        if size & (size - 1):  # the block layer takes only a power of two (blk_validate_limits)
            self._fatal(
                f"reading backend fields at {self.be}: sector-size {size} is not a power of two"
            )
            return
        self.sectors, self.sector_size = sectors, size
        for key in (
            "feature-persistent",
            "feature-swap",
            "feature-transfer",
            "feature-flush-cache",
            "feature-barrier",
            "feature-discard",
            "feature-max-indirect-segments",
        ):
            self.features[key] = self._read_be(key, 0)
        cfg = self.config
        untrusted = not self._trusted()
        if cfg.swap and self.features["feature-swap"] and not untrusted:
            self.mode = "swap"
        elif cfg.transfer and self.features["feature-transfer"] and not untrusted:
            self.mode = "transfer"
        elif cfg.persistent and self.features["feature-persistent"]:
            self.mode = "persistent"  # bounce pages already: the backend sees only copies
        else:
            self.mode = "bounce" if untrusted else "fresh"
        if self.grants is None or self.grants.name != self.mode:
            self.grants = STRATEGIES[self.mode](self.port, self.backend_id, self.meter)
        max_ind = min(self.features["feature-max-indirect-segments"], cfg.max_indirect_segments)
        max_ind = max_ind if max_ind > 11 else 0
        self.queues = []
        for q, (_refs, evtchn, sring) in enumerate(self._pending_rings):
            fq = FrontQueue(
                self.port, q, FrontRing(sring), self.codec, evtchn, self.grants, max_ind, self.meter
            )
            self.port.evtchn_bind_handler(evtchn, self._upcall_for(fq))
            self.queues.append(fq)
        self._set_state(XenbusState.Connected)
        recovered, self._recovered = self._recovered, []
        for bio in recovered:
            self.submit(bio)
        if self.on_connected is not None:
            self.on_connected(self)

    def _trusted(self) -> bool:
        """LF (XSA-403): ``trusted`` (module parameter, and the toolstack's ``trusted`` node in
        the frontend's directory, default 1). An untrusted backend sees only the bytes of each
        I/O: data goes through zeroed bounce pages (grants.BounceGrants)."""
        if not self.config.trusted:
            return False
        return self.port.store.read_int(f"{self.fe}/trusted", default=1) != 0

    def _resized(self) -> None:
        """LF blkfront_connect on an already connected device: the backend rewrote its state
        after changing ``sectors`` (LBB xen_vbd_resize): take the new capacity."""
        try:
            text = self.port.store.read(f"{self.be}/sectors")
            self.sectors = _disk_number(text, "sectors", 1, U64_MAX)
        except (ValueError, StoreError) as err:
            self.errors.append(f"resize: {err}")  # keep the old capacity (LF: no change)

    def _upcall_for(self, q: FrontQueue) -> Callable[[int], None]:
        return lambda _port: self._interrupt(q)

    def _interrupt(self, q: FrontQueue) -> None:
        self.on_interrupt(q)
        if q.broken and self.on_broken is not None:
            self.on_broken(self, q.broken)

    @property
    def connected(self) -> bool:
        return self.state == XenbusState.Connected

    @property
    def max_segments(self) -> int:
        return max((q.max_indirect for q in self.queues), default=0) or 11

    # -- I/O ---------------------------------------------------------------------------------------
    def submit(self, bio: Bio) -> None:
        """Queue ``bio``; it goes on the ring as soon as there is room (and we are connected)."""
        if self.dead:  # the device failed (xenbus_dev_fatal): I/O fails, it never hangs
            self._fail(bio)
            return
        if not self.queues:
            self._recovered.append(bio)
            return
        if bio.op in _FLUSHLIKE and not self._flush_offered(bio.op):
            # LF: without feature-flush-cache (or after an EOPNOTSUPP) the block layer does not
            # send flushes: an empty one completes at once, one with data is a plain write
            if not bio.segments:
                bio.status = 0
                if bio.done is not None:
                    bio.done(bio)
                return
            bio.op = BLKIF_OP_WRITE
        q = self.queues[bio.queue % len(self.queues)]
        q.queue(bio)
        q.kick()

    def _flush_offered(self, op: int) -> bool:
        key = "feature-barrier" if op == BLKIF_OP_WRITE_BARRIER else "feature-flush-cache"
        return bool(self.features.get(key)) and not any(q.flush_unsupported for q in self.queues)

    @property
    def in_flight(self) -> int:
        return sum(q.in_flight for q in self.queues)

    # -- teardown / reconnect ----------------------------------------------------------------------
    def _teardown(self) -> None:
        for q in self.queues:
            self._recovered.extend(q.take_in_flight())
        # every event channel set up, also when the backend closed before we were Connected
        for _refs, evtchn, _sring in self._pending_rings:
            self.port.evtchn_close(evtchn)
        self.queues, self._pending_rings = [], []
        for ref, gfn in self._ring_grants:
            if self.port.end_access(ref):
                self.port.free_page(gfn)
            elif self.grants is not None:  # the backend still maps it: keep it, retry later
                self.grants.deferred.append(ref)
        self._ring_grants = []

    def _fatal(self, why: str) -> None:
        """LF xenbus_dev_fatal: an ``error`` node, the rings released, state Closing; nothing
        of the backend's is used (C11: a hostile backend's disk description)."""
        self.errors.append(why)
        try:
            self.port.store.write(f"{self.fe}/error", why)
        except StoreError:
            pass
        self._teardown()
        self._reconnecting = False
        self.dead = True
        self._set_state(XenbusState.Closing)
        recovered, self._recovered = self._recovered, []
        for bio in recovered:
            self._fail(bio)

    @staticmethod
    def _fail(bio: Bio) -> None:
        bio.status = BLKIF_RSP_ERROR
        if bio.done is not None:
            bio.done(bio)

    def reconnect(self) -> None:
        """Close the device and connect again; in-flight requests are re-sent (LF blkif_recover)."""
        self._reconnecting = True
        self._set_state(XenbusState.Closing)

    def close(self) -> None:
        self._reconnecting = False
        self._set_state(XenbusState.Closing)
