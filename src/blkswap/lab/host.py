"""Build the emulated host for one run: Xen, dom0 with its backend, guests with blkfront, disks.

:class:`Host` wires the layers together and nothing else: the hypervisor's event delivery goes
through the timing layer's clock; each backend loop and each frontend ring gets a :class:`Worker`
on its domain's vCPUs; storage I/O goes through a :class:`DeviceQueue`. After :meth:`connect` every
frontend has completed the xenbus handshake.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blkswap.abi.xenbus import vdev_encode
from blkswap.back.datapaths.base import DataPathOptions
from blkswap.back.hazard import Hazard
from blkswap.back.io import perform
from blkswap.back.loop import BackendLoop
from blkswap.back.pool import default_frames
from blkswap.back.vbd import VbdConfig
from blkswap.back.xenbus import BlkBack
from blkswap.front.xenbus import BlkFront, FrontConfig
from blkswap.lab.config import LabConfig
from blkswap.lab.net import NetStack
from blkswap.lab.toolstack import add_vbd
from blkswap.sim import Environment
from blkswap.sim.costs import load_profile
from blkswap.storage import device_model, open_store
from blkswap.timing import Clock, Cpus, DeviceQueue, Worker
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

DEVID = vdev_encode("xvda")  # 51712: every guest sees its disk as xvda


class HostError(RuntimeError):
    """The host could not be built or connected (the message says which part)."""


@dataclass
class Guest:
    index: int
    domid: int
    port: Any
    cpus: Cpus
    front: BlkFront
    store: Any
    image: Path | None
    workers: list[Worker] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"guest{self.index + 1}"


class Host:
    """One emulated machine, built from a :class:`LabConfig`."""

    def __init__(self, config: LabConfig, guest_pages: int) -> None:
        cfg = config.validated()
        self.config = cfg
        self.env = Environment()
        costs = load_profile(cfg.costs)
        if cfg.cost_overrides:
            costs = costs.with_overrides(**cfg.cost_overrides)
        self.costs = costs
        self.clock = Clock(self.env, costs)
        self.device_model = device_model(cfg.device)
        # the device's effective queue depth: the commands it works on at once
        pool = cfg.pool_frames or default_frames(self.device_model.service_slots)
        pooled = pool + sum(f for _n, f, _g in cfg.pools)
        dom0_pages = pooled + 64 * cfg.guests + 8192
        frames = 2 * dom0_pages + cfg.guests * (guest_pages + 64) + 4096
        self.xen = Xen(frames=frames, deliver=lambda fn: self.clock.later(0, fn))
        # dom0 may balloon up to twice its start (pool growth, refills after transfer/abandon)
        self.dom0 = self.xen.create_domain(
            pages=dom0_pages, vcpus=cfg.dom0_vcpus, max_pages=2 * dom0_pages
        )
        self.xen.store.introduce_domain(0)
        self.port0 = EmulatedPort(self.xen, 0)
        self.dom0_cpus = Cpus(self.env, "dom0", self.dom0, cfg.dom0_vcpus)
        self._tmp = None
        self.image_dir = self._image_dir()
        self.net = (
            NetStack(self.xen, self.clock, cfg.net_loss, int(cfg.net_rto_ms * 1e6), seed=cfg.seed)
            if cfg.device == "net"
            else None
        )
        self.backend = self._make_backend(pool)
        self.devices: dict[int, DeviceQueue] = {}
        #: [[t_ns, dom0 pool frames in use], …] sampled while jobs run (lab.run)
        self.memory_timeline: list[list[int]] = []
        self.guests = [self._make_guest(i, guest_pages) for i in range(cfg.guests)]

    # -- construction --------------------------------------------------------------------------
    def _image_dir(self) -> Path | None:
        if self.config.storage != "raw":
            return None
        if self.config.image_dir:
            path = Path(self.config.image_dir)
            path.mkdir(parents=True, exist_ok=True)
            return path
        self._tmp = tempfile.TemporaryDirectory(prefix="blkswap-images-")
        return Path(self._tmp.name)

    def _make_backend(self, pool: int) -> BlkBack:
        cfg = self.config
        options = DataPathOptions(
            scrub=cfg.scrub, swap_copyback=cfg.swap_copyback, copy_flavour=cfg.copy_flavour
        )
        nloops = cfg.backend_threads or cfg.dom0_vcpus
        loops = [
            BackendLoop(self.port0, meter=self.clock, name=f"tapdisk{i}") for i in range(nloops)
        ]
        back = BlkBack(
            self.port0,
            loops,
            options=options,
            pool_frames=pool,
            meter=self.clock,
            clock=self.clock.now,
        )
        for name, frames, _guests in cfg.pools:
            back.create_pool(name, frames)
        for loop in loops:
            loop.hazard = Hazard(
                cfg.hazard_policy,
                self.port0,
                holders=self.net,
                later=self.clock.later,
                clock=self.clock.now,
            )
            # the single-threaded loop runs on one dom0 vCPU at a time when woken
            loop.wake = Worker(self.clock, self.dom0_cpus, loop.run_once, loop.name, irq=True).wake
        return back

    def device_for(self, index: int) -> DeviceQueue:
        key = 0 if self.config.shared_device else index
        if key not in self.devices:
            self.devices[key] = DeviceQueue(
                self.env, self.clock, device_model(self.config.device), perform
            )
        return self.devices[key]

    def _make_guest(self, i: int, pages: int) -> Guest:
        cfg = self.config
        dom = self.xen.create_domain(pages=pages, vcpus=cfg.guest_vcpus)
        self.xen.store.introduce_domain(dom.domid)  # the toolstack's job (xenstored home dir)
        port = EmulatedPort(self.xen, dom.domid)
        image = self.image_dir / f"guest{i + 1}-xvda.img" if self.image_dir else None
        store = (
            open_store(cfg.storage, cfg.disk_size, path=image, direct=cfg.direct_io)
            if image
            else open_store(cfg.storage, cfg.disk_size)
        )
        protocol = cfg.guest_protocol(i)
        add_vbd(
            self.port0.store,
            0,
            dom.domid,
            DEVID,
            params=str(image or cfg.storage),
            protocol=protocol,
        )
        vbd = VbdConfig(
            frontend_domid=dom.domid,
            devid=DEVID,
            store=store,
            datapath=cfg.datapath,
            name=f"xvda.{dom.domid}",
            pool=cfg.pool_of(i + 1),
        )
        self.backend.attach(vbd)
        # each loop submits to the device model of the disk it serves (a per-VBD submitter)
        cpus = Cpus(self.env, f"guest{i + 1}", dom, cfg.guest_vcpus)
        fcfg = FrontConfig(
            protocol=protocol,
            ring_page_order=cfg.ring_page_order,
            queues=cfg.queues,
            max_indirect_segments=cfg.max_indirect_segments,
        )
        front = BlkFront(port, DEVID, fcfg, meter=self.clock)
        guest = Guest(i, dom.domid, port, cpus, front, store, image)
        workers: dict[int, Worker] = {}

        def interrupt(q, guest=guest, workers=workers):
            w = workers.get(q.index)
            if w is None:
                w = workers[q.index] = Worker(
                    self.clock, cpus, q.handle_responses, f"{guest.name}-q{q.index}", irq=True
                )
                guest.workers.append(w)
            w.fn = q.handle_responses
            w.wake()

        front.on_interrupt = interrupt
        front.start()
        return guest

    def connect(self, timeout_ns: float = 1e9) -> None:
        """Run the handshakes until every frontend is Connected."""
        # storage submitters: one DeviceQueue per VBD (or shared), routed by ring → vbd → guest
        by_domid = {g.domid: g for g in self.guests}
        router = _IoRouter(self, by_domid)
        for loop in self.backend.loops:
            loop.io = router
        env, deadline = self.env, self.env.now + timeout_ns
        while not all(g.front.connected for g in self.guests) and env.peek() <= deadline:
            env.step()  # the handshake's watches and upcalls, until every front is Connected
        missing = [g.name for g in self.guests if not g.front.connected]
        if missing:
            errors = {k: d.errors for k, d in self.backend.devices.items() if d.errors}
            raise HostError(
                f"xenbus handshake did not complete for {', '.join(missing)}; backend errors: {errors}"
            )

    def close(self) -> None:
        for g in self.guests:
            g.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()


class _IoRouter:
    """StorageIo for backend loops: each request goes to the device queue of its guest's disk."""

    def __init__(self, host: Host, by_domid: dict[int, Guest]) -> None:
        self.host = host
        self.by_domid = by_domid

    def submit(self, req: Any, store: Any, done: Any) -> None:
        guest = self.by_domid[req.ring.vbd.frontend_domid]
        device = self.host.device_for(guest.index)
        if self.host.net is not None:
            self.host.net.submit(req, store, done, device)
        else:
            device.submit(req, store, done)
