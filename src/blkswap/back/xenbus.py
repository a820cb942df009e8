"""Backend side of the vbd xenbus handshake (LB xenbus.c; xen-abi.md §4.3).

:class:`BlkBack` is the backend driver in dom0. ``attach`` is the probe (advertise features, go to
InitWait, watch the frontend); the frontend's state changes drive the rest: on Initialised /
Connected read the ring keys, map the ring pages, bind the event channels and publish the disk
(one transaction) → Connected; on Closing/Closed disconnect; a frontend back at Initialising
after Closed makes the backend return to InitWait so it can reconnect.

Key notes (values / default / notes, as blkif.h documents them):

* ``protocol`` — "x86_64-abi" | "x86_32-abi"; absent → x86_32-abi, as Linux blkback on x86
  (BLKIF_PROTOCOL_DEFAULT) although the header says "native". Unknown → the device fails.
* ``ring-page-order`` — 0..max-ring-page-order (4); absent → one page with ``ring-ref``.
* ``multi-queue-num-queues`` — 1..multi-queue-max-queues; absent → 1; 0 or too many → fails.
* ``feature-swap`` / ``feature-transfer`` — the lab's keys; the path is used only when both sides
  wrote 1, else the backend falls back (persistent → map, swap → copy, transfer → copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blkswap.abi import ABIS, by_protocol
from blkswap.abi.errors import AbiError
from blkswap.abi.ring import BackRing, SharedRing
from blkswap.abi.xenbus import XenbusState
from blkswap.back import datapaths
from blkswap.back.datapaths.base import BackendContext, DataPathOptions, Meter, NullMeter
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import map_grants, unmap_grants
from blkswap.back.loop import BackendLoop
from blkswap.back.pool import CLASSIC_FRAMES, FramePool, PoolError
from blkswap.back.request import VbdLimits
from blkswap.back.vbd import BackendRing, Vbd, VbdConfig
from blkswap.xen.port import DomainPort, PortError

DEFAULT_PROTOCOL = ABIS["x86_32"].protocol  # LB common.h BLKIF_PROTOCOL_DEFAULT on x86


class NegotiationError(Exception):
    """The frontend's keys cannot be used (Linux: xenbus_dev_fatal, device goes to Closing)."""


@dataclass
class _Device:
    config: VbdConfig
    be: str  # backend dir
    fe: str  # frontend dir
    index: int
    vbd: Vbd | None = None
    state: XenbusState = XenbusState.Initialising
    errors: list[str] = field(default_factory=list)
    closing_to: XenbusState | None = None  #: state to publish once in-flight requests drain


class BlkBack:
    """The backend driver: one per backend domain; devices are spread over its loops."""

    def __init__(
        self,
        port: DomainPort,
        loops: list[BackendLoop] | None = None,
        *,
        options: DataPathOptions | None = None,
        pool_frames: int = CLASSIC_FRAMES,
        meter: Meter | None = None,
        clock: Any = None,
    ) -> None:
        self.port = port
        self.loops = loops or [BackendLoop(port, meter=meter)]
        self.options = options or DataPathOptions()
        self.clock = clock
        #: frame pools by name; VBDs bind to ``VbdConfig.pool`` ("default" unless the toolstack
        #: created others). The default holds "two rings worth" unless told otherwise.
        self.pools: dict[str, FramePool] = {}
        self.create_pool("default", pool_frames)
        self.va = VaSpace()
        self.meter = meter or NullMeter()
        self.devices: dict[tuple[int, int], _Device] = {}

    # -- frame pools: the toolstack's control operations ------------------------------------------
    def create_pool(self, name: str, frames: int) -> FramePool:
        if name in self.pools:
            raise PoolError(f"pool {name!r}: EEXIST")
        pool = self.pools[name] = FramePool(self.port, name, frames, clock=self.clock)
        return pool

    def resize_pool(self, name: str, frames: int) -> None:
        self._pool(name).resize(frames)

    def destroy_pool(self, name: str) -> None:
        self._pool(name).destroy()  # refused while bound
        del self.pools[name]

    def _pool(self, name: str) -> FramePool:
        try:
            return self.pools[name]
        except KeyError:
            raise PoolError(f"pool {name!r}: ENOENT (pools: {', '.join(self.pools)})") from None

    # -- probe ---------------------------------------------------------------------------------
    def attach(self, config: VbdConfig) -> None:
        """Probe a device whose toolstack keys exist (LB xen_blkbk_probe)."""
        be = (
            f"/local/domain/{self.port.domid}/backend/{config.backend_kind}/"
            f"{config.frontend_domid}/{config.devid}"
        )
        st = self.port.store
        fe = st.read(f"{be}/frontend")
        self._pool(config.pool).bind(config.name or f"vbd{config.frontend_domid}.{config.devid}")
        dev = _Device(config, be, fe, len(self.devices))
        self.devices[(config.frontend_domid, config.devid)] = dev
        dp = config.datapath
        if dp not in datapaths.DATAPATHS:
            raise ValueError(
                f"unknown data path {dp!r}; choose one of {', '.join(datapaths.DATAPATHS)}"
            )
        if dp not in ("swap",):  # swap carries new frames in the slot: ≤ 11 segments (abi.swap_ext)
            st.write(f"{be}/feature-max-indirect-segments", str(config.max_indirect_segments))
        st.write(f"{be}/multi-queue-max-queues", str(config.max_queues))
        st.write(f"{be}/max-ring-page-order", str(config.max_ring_page_order))
        st.write(f"{be}/feature-swap", "1" if dp == "swap" else "0")
        st.write(f"{be}/feature-transfer", "1" if dp == "transfer" else "0")
        self._set_state(dev, XenbusState.InitWait)
        st.watch(
            f"{fe}/state",
            f"be:{config.frontend_domid}:{config.devid}",
            lambda _path, _token, d=dev: self._frontend_changed(d),
        )

    def _set_state(self, dev: _Device, state: XenbusState) -> None:
        dev.state = state
        self.port.store.write(f"{dev.be}/state", str(int(state)))

    # -- state machine (LB xenbus.c frontend_changed) -------------------------------------------
    def _frontend_changed(self, dev: _Device) -> None:
        fstate = self.port.store.read_int(f"{dev.fe}/state", default=XenbusState.Unknown)
        if fstate in (XenbusState.Initialised, XenbusState.Connected):
            if dev.state == XenbusState.Connected:
                return
            try:
                self._connect_rings(dev)
                self._connect(dev)
            except NegotiationError as err:
                dev.errors.append(str(err))
                self.port.store.write(f"{dev.be}/error", str(err))
                self._disconnect(dev)
                self._set_state(dev, XenbusState.Closing)
        elif fstate in (XenbusState.Closing, XenbusState.Closed):
            self._close(dev, XenbusState(fstate))
        elif fstate == XenbusState.Initialising and dev.state == XenbusState.Closed:
            self._set_state(dev, XenbusState.InitWait)  # frontend reconnecting

    def _close(self, dev: _Device, state: XenbusState) -> None:
        """Disconnect and follow the frontend to ``state`` — but not while requests are in
        flight: like LB xen_blkif_disconnect (-EBUSY while ring->inflight), stop reading the
        rings, let the requests finish and answer, then tear down and publish the state."""
        vbd = dev.vbd
        if vbd is not None and any(r.in_flight for r in vbd.rings):
            dev.closing_to = state
            for ring in vbd.rings:
                ring.closing = True
                ring.on_idle = lambda d=dev: self._idle(d)
            return
        self._disconnect(dev)
        self._set_state(dev, state)

    def _idle(self, dev: _Device) -> None:
        vbd = dev.vbd
        if (
            vbd is not None
            and not any(r.in_flight for r in vbd.rings)
            and dev.closing_to is not None
        ):
            state, dev.closing_to = dev.closing_to, None
            self._disconnect(dev)
            self._set_state(dev, state)

    def _read_front(self, dev: _Device, key: str, default: int | None = None) -> int | None:
        path = f"{dev.fe}/{key}"
        st = self.port.store
        if not st.exists(path):
            return default
        text = st.read(path)
        try:
            return int(text.strip(), 10)
        except ValueError:
            raise NegotiationError(f"{path}: {text[:32]!r} is not a number") from None

    def _connect_rings(self, dev: _Device) -> None:
        """Read the frontend's ring keys, map the rings, bind the event channels (LB connect_ring)."""
        st, cfg = self.port.store, dev.config
        protocol = (
            st.read(f"{dev.fe}/protocol") if st.exists(f"{dev.fe}/protocol") else DEFAULT_PROTOCOL
        )
        try:
            codec = by_protocol(protocol)
        except AbiError:
            raise NegotiationError(f"unknown protocol {protocol!r}") from None
        feats = {
            f: self._read_front(dev, f"feature-{f}", 0) == 1
            for f in ("persistent", "swap", "transfer")
        }
        name = cfg.datapath
        need = datapaths.NEEDS_FEATURE.get(name)
        if need and not feats[need]:
            name = datapaths.FALLBACK[name]
        queues = self._read_front(dev, "multi-queue-num-queues", 1)
        if not 1 <= queues <= cfg.max_queues:
            raise NegotiationError(f"multi-queue-num-queues {queues} not in 1..{cfg.max_queues}")
        order = self._read_front(dev, "ring-page-order", None)
        if order is not None and not 0 <= order <= cfg.max_ring_page_order:
            raise NegotiationError(
                f"ring-page-order {order} > max-ring-page-order {cfg.max_ring_page_order}"
            )
        sectors = cfg.store.size // 512
        limits = VbdLimits(
            sectors=sectors,
            readonly=cfg.readonly,
            max_indirect_segments=0 if name == "swap" else cfg.max_indirect_segments,
            logical_sectors=cfg.sector_size // 512,
        )
        vbd = Vbd(cfg, limits, protocol=protocol, datapath=name)
        # rings join the VBD as they are mapped: if a later queue's keys are bad, _disconnect
        # releases the earlier ones (mappings, VA slots, event channels)
        dev.vbd = vbd
        for q in range(queues):
            qdir = dev.fe if queues == 1 else f"{dev.fe}/queue-{q}"
            vbd.rings.append(self._map_ring(dev, vbd, q, qdir, order, codec))
        for ring in vbd.rings:
            ring.loop.add_ring(ring)

    def _map_ring(
        self, dev: _Device, vbd: Vbd, q: int, qdir: str, order: int | None, codec: Any
    ) -> BackendRing:
        nr_pages = 1 if order is None else 1 << order
        keys = ["ring-ref"] if order is None else [f"ring-ref{i}" for i in range(nr_pages)]
        prefix = "" if qdir == dev.fe else qdir[len(dev.fe) + 1 :] + "/"
        refs = []
        for k in keys:
            ref = self._read_front(dev, prefix + k, None)
            if ref is None:
                raise NegotiationError(f"{qdir}/{k} missing")
            if not 0 <= ref <= 0xFFFFFFFF:  # grant_ref_t is a u32 (XH grant_table.h)
                raise NegotiationError(f"{qdir}/{k} {ref} is not a grant reference (u32)")
            refs.append(ref)
        evtchn = self._read_front(dev, prefix + "event-channel", None)
        if evtchn is None:
            raise NegotiationError(f"{qdir}/event-channel missing")
        vas = self.va.take(nr_pages)
        maps = map_grants(self.port, vbd.frontend_domid, refs, vas, readonly=False)
        if any(m.status != 0 for m in maps):
            unmap_grants(self.port, maps)
            self.va.give(vas)
            raise NegotiationError(f"mapping ring grants {refs} failed: {[m.status for m in maps]}")
        sring = SharedRing([self.port.page_view(va) for va in vas], codec.ring_entry_size)
        back = BackRing(sring)
        if back.request_prod_overflow():
            sring.release()
            unmap_grants(self.port, maps)
            self.va.give(vas)
            raise NegotiationError("req_prod - rsp_prod exceeds the ring size")
        try:  # LB xen_blkif_map: a failed bind unmaps the ring again
            local = self.port.evtchn_bind_interdomain(vbd.frontend_domid, evtchn)
        except PortError as err:
            sring.release()  # no view of the ring pages may outlive their mapping
            unmap_grants(self.port, maps)
            self.va.give(vas)
            raise NegotiationError(f"binding event channel {evtchn}: {err}") from None
        ctx = BackendContext(
            self.port,
            vbd.frontend_domid,
            self._pool(vbd.config.pool),
            self.va,
            self.options,
            self.meter,
            self.clock,
            owner=vbd.name,
        )
        ring = BackendRing(
            vbd, q, back, codec, local, nr_pages, datapaths.create(vbd.datapath, ctx), maps
        )
        if hasattr(self.port, "new_tally"):  # per-ring accounting of hypervisor work (lab)
            ring.tally, ring._tallies = self.port.new_tally(), self.port.tallies
        # One loop per ring, spread like blkback's per-ring kthreads: device d's queue q runs on
        # loop (d + q) mod n, so more rings can use more dom0 vCPUs.
        ring.loop = self.loops[(dev.index + q) % len(self.loops)]
        return ring

    def _connect(self, dev: _Device) -> None:
        """Publish the disk in one transaction, then Connected (LB xenbus.c connect)."""
        st, vbd = self.port.store, dev.vbd
        assert vbd is not None
        info = 0x4 if vbd.config.readonly else 0  # VDISK_READONLY
        keys = {
            "feature-flush-cache": "1",
            "feature-barrier": "1",
            "feature-discard": "1",
            "discard-granularity": str(vbd.config.sector_size),
            "discard-alignment": "0",
            "discard-secure": "0",
            "feature-persistent": "1" if vbd.datapath == "persistent" else "0",
            "sectors": str(vbd.limits.sectors),
            "info": str(info),
            "sector-size": str(vbd.config.sector_size),
            "physical-sector-size": str(vbd.config.sector_size),
        }
        st.write_all(dev.be, keys)  # one transaction, retried on EAGAIN
        self._set_state(dev, XenbusState.Connected)

    def _disconnect(self, dev: _Device) -> None:
        """Tear down rings (LB xen_blkif_disconnect). In-flight requests are dropped with the ring."""
        vbd = dev.vbd
        if vbd is None:
            return
        for ring in vbd.rings:
            ring.loop.remove_ring(ring)
            ring.datapath.teardown()
            ring.sring.sring.release()  # drop the views of the ring pages before unmapping them
            unmap_grants(self.port, ring.ring_maps)
            self.va.give([m.va for m in ring.ring_maps])
            self.port.evtchn_close(ring.evtchn)
        dev.vbd = None

    def detach(self, frontend_domid: int, devid: int) -> None:
        """Remove a device (toolstack hot-unplug): disconnect and unbind it from its pool."""
        dev = self.devices.pop((frontend_domid, devid))
        self._disconnect(dev)
        self._pool(dev.config.pool).unbind(dev.config.name or f"vbd{frontend_domid}.{devid}")

    def vbd(self, frontend_domid: int, devid: int) -> Vbd | None:
        dev = self.devices.get((frontend_domid, devid))
        return dev.vbd if dev else None
