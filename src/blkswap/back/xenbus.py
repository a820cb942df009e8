"""Backend side of the vbd xenbus handshake (LB xenbus.c; xen-abi.md §4.3).

:class:`BlkBack` is the backend driver in dom0. ``attach`` is the probe (advertise features, go to
InitWait, watch the frontend); the frontend's state changes drive the rest: on Initialised /
Connected, :func:`~blkswap.back.negotiate.negotiate` reads and checks the frontend's keys, the
rings are mapped and their event channels bound (:mod:`blkswap.back.rings`), the disk is published
in one transaction → Connected. On Closing/Closed it disconnects once in-flight requests are
answered; a frontend back at Initialising after Closed makes the backend return to InitWait.

A device whose keys cannot be used fails alone, as Linux's ``xenbus_dev_fatal``: an ``error``
node with the reason, whatever was mapped or bound released, state Closing (Closed once the
frontend closes) — and the backend keeps serving its other devices. A frontend whose device directory vanishes while
connected is disconnected the same way (LB frontend_changed on XenbusStateUnknown).

What a data path needs from the frontend, and what the backend advertises for it, comes from the
path's :class:`~blkswap.back.caps.Caps` — nothing here asks a path's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import cast

from blkswap.abi import by_protocol
from blkswap.abi.xenbus import XenbusState
from blkswap.back import datapaths
from blkswap.back.datapaths.base import (
    BackendContext,
    DataPathOptions,
    Meter,
    NullMeter,
    Reclaims,
)
from blkswap.back.frames import VaSpace
from blkswap.back.io import flush_supported
from blkswap.back.loop import BackendLoop
from blkswap.back.negotiate import BackendLimits, Negotiated, NegotiationError, negotiate
from blkswap.back.pool import CLASSIC_FRAMES, FramePool, PoolError
from blkswap.back.request import VbdLimits
from blkswap.back.rings import map_ring, unmap_ring
from blkswap.back.vbd import BackendRing, Vbd, VbdConfig
from blkswap.xen.port import DomainPort, StoreError


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
        loops: list[BackendLoop],
        *,
        options: DataPathOptions | None = None,
        pool_frames: int = CLASSIC_FRAMES,
        meter: Meter | None = None,
        clock: Callable[[], int] | None = None,
        limits: BackendLimits | None = None,
    ) -> None:
        self.port = port
        self.loops = loops
        self.options = options or DataPathOptions()
        self.clock = clock
        #: LB module parameters; max_queues defaults to dom0's vCPUs (num_online_cpus())
        self.limits = limits or BackendLimits(max_queues=port.vcpus)
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
        caps = datapaths.caps_of(config.datapath)  # ValueError for an unknown path
        kind, front, devid = config.backend_kind, config.frontend_domid, config.devid
        be = f"/local/domain/{self.port.domid}/backend/{kind}/{front}/{devid}"
        st = self.port.store
        fe = st.read(f"{be}/frontend")
        self._pool(config.pool).bind(config.label)
        dev = _Device(config, be, fe, len(self.devices))
        self.devices[(config.frontend_domid, config.devid)] = dev
        if caps.max_indirect_segments != 0:
            st.write(f"{be}/feature-max-indirect-segments", str(self._max_indirect(config)))
        st.write(f"{be}/multi-queue-max-queues", str(self.limits.max_queues))
        st.write(f"{be}/max-ring-page-order", str(self.limits.max_ring_page_order))
        for feature in datapaths.advertised_features("probe"):
            on = caps.frontend_feature == feature
            st.write(f"{be}/feature-{feature}", "1" if on else "0")
        self._set_state(dev, XenbusState.InitWait)
        st.watch(
            f"{fe}/state",
            f"be:{config.frontend_domid}:{config.devid}",
            partial(self._watch_fired, dev),
        )

    def _max_indirect(self, config: VbdConfig) -> int:
        cfg = config.max_indirect_segments
        return self.limits.max_indirect_segments if cfg is None else cfg

    def _set_state(self, dev: _Device, state: XenbusState) -> None:
        dev.state = state
        try:
            self.port.store.write(f"{dev.be}/state", str(int(state)))
        except StoreError as err:  # our own directory is gone (toolstack removed the device)
            dev.errors.append(f"writing state {state.name}: {err}")

    # -- state machine (LB xenbus.c frontend_changed) -------------------------------------------
    def _watch_fired(self, dev: _Device, _path: str, _token: str) -> None:
        self._frontend_changed(dev)

    def _frontend_changed(self, dev: _Device) -> None:
        if self.devices.get((dev.config.frontend_domid, dev.config.devid)) is not dev:
            return  # detached meanwhile
        try:
            fstate = self.port.store.read_int(f"{dev.fe}/state", default=XenbusState.Unknown)
        except StoreError:
            fstate = XenbusState.Unknown  # unreadable: as good as gone
        if fstate in (XenbusState.Initialised, XenbusState.Connected):
            if dev.state != XenbusState.Connected:
                self._try_connect(dev)
        elif fstate in (XenbusState.Closing, XenbusState.Closed):
            self._close(dev, XenbusState(fstate))
        elif fstate == XenbusState.Unknown and dev.state != XenbusState.Closed:
            self._close(dev, XenbusState.Closed)  # the frontend's directory vanished
        elif fstate == XenbusState.Initialising and dev.state == XenbusState.Closed:
            self._set_state(dev, XenbusState.InitWait)  # frontend reconnecting

    def _try_connect(self, dev: _Device) -> None:
        try:
            self._connect_rings(dev)
            self._connect(dev)
        except NegotiationError as err:
            self._fatal(dev, str(err))

    def _fatal(self, dev: _Device, why: str) -> None:
        """LB xenbus_dev_fatal: an ``error`` node, release everything, Closing; the frontend's
        Closed then takes the device to Closed (``_close``)."""
        dev.errors.append(why)
        try:
            self.port.store.write(f"{dev.be}/error", why)
        except StoreError:
            pass  # nowhere to report it: the device is being removed anyway
        self._disconnect(dev)
        self._set_state(dev, XenbusState.Closing)

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
        if vbd is not None and not any(r.in_flight for r in vbd.rings) and dev.closing_to:
            state, dev.closing_to = dev.closing_to, None
            self._disconnect(dev)
            self._set_state(dev, state)

    def _lookup(self, dev: _Device) -> Callable[[str], str | None]:
        st = self.port.store

        def read(key: str) -> str | None:
            path = f"{dev.fe}/{key}"
            try:
                return st.read(path) if st.exists(path) else None
            except StoreError:
                return None

        return read

    def _connect_rings(self, dev: _Device) -> None:
        """Negotiate, then map every ring and bind its port (LB connect_ring, xen_blkif_map)."""
        cfg = dev.config
        got = negotiate(
            self._lookup(dev),
            self.limits,
            cfg.datapath,
            datapaths.CAPS,
            vbd_max_indirect=self._max_indirect(cfg),
        )
        flush = flush_supported(cfg.store)
        limits = VbdLimits(
            sectors=cfg.store.size // 512,
            readonly=cfg.readonly,
            max_indirect_segments=got.max_indirect_segments,
            feature_flush=flush,
            feature_barrier=flush,
            logical_sectors=cfg.sector_size // 512,
        )
        vbd = Vbd(cfg, limits, got)
        vbd.on_withdraw = partial(self._withdraw, dev.be)
        # rings join the VBD as they are mapped: if a later queue's keys are bad, _disconnect
        # releases the earlier ones (mappings, VA slots, event channels)
        dev.vbd = vbd
        for q in range(len(got.queues)):
            vbd.rings.append(self._map_ring(dev, vbd, got, q))
        for ring in vbd.rings:
            ring.loop.add_ring(ring)

    def _map_ring(self, dev: _Device, vbd: Vbd, got: Negotiated, q: int) -> BackendRing:
        codec = by_protocol(got.protocol)
        mapped = map_ring(self.port, self.va, vbd.frontend_domid, got.queues[q], codec)
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
        # One loop per ring, spread like blkback's per-ring kthreads: device d's queue q runs on
        # loop (d + q) mod n, so more rings can use more dom0 vCPUs.
        loop = self.loops[(dev.index + q) % len(self.loops)]
        ring = BackendRing(
            vbd, q, mapped, codec, got.nr_pages, datapaths.create(got.datapath, ctx), loop
        )
        ring.source = self.port.counters  # per-ring accounting of hypervisor work
        if ring.datapath.caps.reclaims:  # its idle frames can serve other backends' waits
            dp = cast(Reclaims, ring.datapath)
            ctx.pool.add_reclaimer(ctx.owner, dp.reclaim, dp.idle_frames)
        return ring

    def _withdraw(self, be: str, key: str) -> None:
        try:
            self.port.store.write(f"{be}/{key}", "0")
        except StoreError:
            pass  # the device is going away anyway

    def _connect(self, dev: _Device) -> None:
        """Publish the disk in one transaction, then Connected (LB xenbus.c connect)."""
        vbd = dev.vbd
        assert vbd is not None
        info = 0x4 if vbd.config.readonly else 0  # VDISK_READONLY
        size = str(vbd.config.sector_size)
        keys = {
            "feature-flush-cache": "1" if vbd.limits.feature_flush else "0",
            "feature-barrier": "1" if vbd.limits.feature_barrier else "0",
            "feature-discard": "1",
            "discard-granularity": size,
            "discard-alignment": "0",
            "discard-secure": "0",
        }
        caps = datapaths.caps_of(vbd.datapath)
        for feature in datapaths.advertised_features("connect"):
            keys[f"feature-{feature}"] = "1" if caps.frontend_feature == feature else "0"
        keys |= {
            "sectors": str(vbd.limits.sectors),
            "info": str(info),
            "sector-size": size,
            "physical-sector-size": size,
        }
        self.port.store.write_all(dev.be, keys)  # one transaction, retried on EAGAIN
        self._set_state(dev, XenbusState.Connected)

    def _disconnect(self, dev: _Device) -> None:
        """Tear down rings (LB xen_blkif_disconnect). In-flight requests are dropped with the ring."""
        vbd = dev.vbd
        if vbd is None:
            return
        for ring in vbd.rings:
            ring.fenced = ring.in_flight > 0  # their late storage I/O is cancelled (io.perform)
            ring.loop.remove_ring(ring)
            if ring.datapath.caps.reclaims:
                ring.datapath.ctx.pool.remove_reclaimer(cast(Reclaims, ring.datapath).reclaim)
            ring.datapath.teardown()
            ring.sring.sring.release()  # no view of the ring pages may outlive their mapping
            unmap_ring(self.port, self.va, ring.ring_maps, ring.evtchn)
        dev.vbd = None

    def kill(self) -> None:
        """The backend process dies (lab D7): it stops watching and answering; what it had
        mapped or bound is released as a dying process's grant and event-channel devices are
        closed; requests in flight finish their storage I/O without an answer. The xenstore
        nodes stay: a new :class:`BlkBack` attaching the same devices probes them again."""
        for (domid, devid), dev in list(self.devices.items()):
            try:
                self.port.store.unwatch(f"{dev.fe}/state", f"be:{domid}:{devid}")
            except StoreError:
                pass
            self._disconnect(dev)
        self.devices.clear()

    def detach(self, frontend_domid: int, devid: int) -> None:
        """Remove a device (toolstack hot-unplug): disconnect and unbind it from its pool."""
        dev = self.devices.pop((frontend_domid, devid))
        self._disconnect(dev)
        self._pool(dev.config.pool).unbind(dev.config.label)

    def resize(self, frontend_domid: int, devid: int) -> int:
        """The device's store changed size (LBB xen_vbd_resize, polled in xen_blkif_schedule):
        check requests against the new size from now on, publish ``sectors`` and rewrite
        ``state`` so the frontend's watch fires and it reads the new capacity. Requests already
        past validation that now lie beyond the end fail in the storage (ERROR). Returns the
        new size in sectors."""
        dev = self.devices[(frontend_domid, devid)]
        sectors = dev.config.store.size // 512
        if dev.vbd is not None:
            dev.vbd.limits = replace(dev.vbd.limits, sectors=sectors)
            try:
                self.port.store.write(f"{dev.be}/sectors", str(sectors))
            except StoreError as err:
                dev.errors.append(f"resize: {err}")
            self._set_state(dev, dev.state)
        return sectors

    def vbd(self, frontend_domid: int, devid: int) -> Vbd | None:
        dev = self.devices.get((frontend_domid, devid))
        return dev.vbd if dev else None
