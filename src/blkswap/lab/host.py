"""The emulated host of one run: Xen, dom0 with its backend, guests with blkfront, disks.

:class:`Host` is built from a :class:`LabConfig` with the same two halves the test rig uses
(:func:`~blkswap.lab.assemble.build_backend`, :func:`~blkswap.lab.assemble.plug_guest`) and adds
time: the hypervisor's event delivery goes through the timing layer's clock; each backend loop
runs on a dom0 vCPU (:class:`~blkswap.lab.assemble.TimedScheduler`) and each frontend ring's
upcall on a guest vCPU; storage I/O goes through a :class:`DeviceQueue`. After :meth:`connect`
every frontend has completed the xenbus handshake.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blkswap.back.datapaths.base import DataPathOptions
from blkswap.back.io import perform
from blkswap.back.pool import default_frames
from blkswap.back.xenbus import BlkBack
from blkswap.front.blkfront import FrontQueue
from blkswap.front.xenbus import BlkFront, FrontConfig
from blkswap.lab.assemble import (
    DEVID,
    BackendPlan,
    GuestPlan,
    TimedScheduler,
    build_backend,
    plug_guest,
)
from blkswap.lab.config import LabConfig
from blkswap.lab.net import NetStack
from blkswap.sim import Environment
from blkswap.sim.costs import load_profile
from blkswap.storage import device_model, open_store
from blkswap.storage.durability import CachedDisk
from blkswap.storage.faults import KINDS, FaultyDevice, FaultyStore, load_plan
from blkswap.timing import Clock, Cpus, DeviceQueue, Worker
from blkswap.timing.scheduler import Pcpus
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

__all__ = ["DEVID", "Guest", "Host", "HostError"]


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
        #: the --faults plan (storage/faults.py), or None; its stores and devices, for figures
        self.faults = load_plan(cfg.faults) if cfg.faults else None
        self.faulty_stores: list[FaultyStore] = []
        self.cached_disks: list[CachedDisk] = []
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
        spec = cfg.host
        #: the physical host's pCPUs and scheduler (None: every vCPU runs when it has work)
        # A pCPU for every vCPU (or sched null: each vCPU keeps its own) is the lab without a
        # host: nothing shares a pCPU, so nothing waits, spins on a pCPU others need, or bounces
        # (docs/costs.md "Host"); results are those of pcpus = 0, bit for bit.
        vcpus = cfg.dom0_vcpus + cfg.guests * cfg.guest_vcpus
        shared = spec.enabled and spec.sched != "null" and spec.pcpus < vcpus
        self.pcpus = Pcpus(self.env, spec) if shared else None
        if self.pcpus is not None:
            self.pcpus.add(self.dom0_cpus, spec.dom0_weight, spec.dom0_pin)
        self._tmp = None
        self.image_dir = self._image_dir()
        self.guests: list[Guest] = []
        try:
            self._populate(pool, guest_pages)
        except BaseException:  # an interrupt or error mid-build leaves no images behind
            self.close()
            raise

    def _populate(self, pool: int, guest_pages: int) -> None:
        """The network stack, dom0's backend and the guests (the half of a host that creates
        disk images)."""
        cfg = self.config
        self.net = (
            NetStack(self.xen, self.clock, cfg.net_loss, int(cfg.net_rto_ms * 1e6), seed=cfg.seed)
            if cfg.device == "net"
            else None
        )
        self.backend = self._make_backend(pool)
        self.devices: dict[int, DeviceQueue] = {}
        #: [[t_ns, dom0 pool frames in use], …] sampled while jobs run (lab.run)
        self.memory_timeline: list[list[int]] = []
        self.guests.extend(self._make_guest(i, guest_pages) for i in range(cfg.guests))
        #: frontend domid → guest index (routes storage I/O to the guest's device)
        self.guest_index = {g.domid: g.index for g in self.guests}

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
        plan = BackendPlan(
            loops=cfg.backend_threads or cfg.dom0_vcpus,
            options=DataPathOptions(
                scrub=cfg.scrub, swap_copyback=cfg.swap_copyback, copy_flavour=cfg.copy_flavour
            ),
            pool_frames=pool,
            pools=tuple((name, frames) for name, frames, _g in cfg.pools),
            hazard_policy=cfg.hazard_policy,
        )
        scheduler = TimedScheduler(self.clock, self.dom0_cpus)
        # storage: each request goes to the device queue of its guest's disk (_IoRouter)
        io = _IoRouter(self)
        return build_backend(self.port0, plan, scheduler, io, meter=self.clock, holders=self.net)

    def device_for(self, index: int) -> DeviceQueue:
        key = 0 if self.config.shared_device else index
        if key not in self.devices:
            model = device_model(self.config.device)
            if self.faults is not None:  # latency spikes and hangs, replayed from the plan's seed
                model = FaultyDevice(model, self.faults.only(KINDS, salt=1000 + key))
            self.devices[key] = DeviceQueue(self.env, self.clock, model, perform)
        return self.devices[key]

    def _faulty(self, store: Any, i: int) -> Any:
        """Guest ``i``'s disk under the fault plan: a volatile cache, then the storage faults."""
        plan = self.faults
        if plan is None:
            return store
        if plan.durability is not None:
            store = CachedDisk(store, seed=plan.seed + i)
            self.cached_disks.append(store)
        store = FaultyStore(store, plan.only(KINDS, salt=i))
        self.faulty_stores.append(store)
        return store

    def _make_guest(self, i: int, pages: int) -> Guest:
        cfg = self.config
        name = f"guest{i + 1}"
        image = self.image_dir / f"{name}-xvda.img" if self.image_dir else None
        store = self._faulty(
            open_store(cfg.storage, cfg.disk_size, path=image, direct=cfg.direct_io)
            if image
            else open_store(cfg.storage, cfg.disk_size),
            i,
        )
        front = FrontConfig(
            protocol=cfg.guest_protocol(i),
            ring_page_order=cfg.ring_page_order,
            queues=cfg.queues,
            max_indirect_segments=cfg.max_indirect_segments,
        )
        plan = GuestPlan(
            pages=pages,
            vcpus=cfg.guest_vcpus,
            store=store,
            front=front,
            datapath=cfg.datapath,
            pool=cfg.pool_of(i + 1),
            params=str(image or cfg.storage),
        )
        irqs: list[_GuestIrqs] = []

        def interrupts(port: EmulatedPort) -> Callable[[FrontQueue], None]:
            irqs.append(
                _GuestIrqs(self.clock, Cpus(self.env, name, port.dom, cfg.guest_vcpus), name)
            )
            return irqs[0]

        port, front_dev = plug_guest(
            self.xen, self.backend, plan, meter=self.clock, interrupts=interrupts
        )
        if self.pcpus is not None:
            self.pcpus.add(irqs[0].cpus, cfg.guest_weight)
        return Guest(i, port.domid, port, irqs[0].cpus, front_dev, store, image, irqs[0].workers)

    def connect(self, timeout_ns: float = 1e9) -> None:
        """Run the handshakes until every frontend is Connected."""
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
        tmp, self._tmp = self._tmp, None
        try:
            for g in self.guests:
                g.store.close()
            if tmp is not None:
                tmp.cleanup()
        finally:  # Ctrl-C cut the above short: cleanup() had already disarmed its finalizer
            if tmp is not None:
                shutil.rmtree(tmp.name, ignore_errors=True)


class _GuestIrqs:
    """A guest's upcall handler: each ring's responses are handled on a guest vCPU, one
    :class:`~blkswap.timing.Worker` per ring."""

    def __init__(self, clock: Clock, cpus: Cpus, name: str) -> None:
        self.clock = clock
        self.cpus = cpus
        self.name = name
        self.workers: list[Worker] = []
        self._by_queue: dict[int, Worker] = {}

    def __call__(self, q: FrontQueue) -> None:
        w = self._by_queue.get(q.index)
        if w is None:
            w = Worker(
                self.clock, self.cpus, q.handle_responses, f"{self.name}-q{q.index}", irq=True
            )
            self._by_queue[q.index] = w
            self.workers.append(w)
        w.fn = q.handle_responses  # a reconnect makes new queues with the same index
        w.wake()


class _IoRouter:
    """StorageIo for backend loops: each request goes to the device queue of its guest's disk."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def submit(self, req: Any, store: Any, done: Any) -> None:
        host = self.host
        device = host.device_for(host.guest_index[req.ring.vbd.frontend_domid])
        if host.net is not None:
            host.net.submit(req, store, done, device)
        else:
            device.submit(req, store, done)
