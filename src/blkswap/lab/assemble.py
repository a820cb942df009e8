"""One way to build a host: Xen, dom0 with its backend, guests with blkfront and a disk each.

:func:`assemble` builds the timed host of a run from a :class:`~blkswap.lab.config.LabConfig`;
:func:`build_backend` and :func:`plug_guest` are its two halves, also used by the timing-less
test rig (tests/lab/lab_rig.py) so that tests and runs assemble hosts the same way. Every
collaborator is a constructor argument: nothing is wired after construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from blkswap.abi.xenbus import vdev_encode
from blkswap.back.datapaths.base import DataPathOptions, Meter
from blkswap.back.hazard import Hazard, PageHolders
from blkswap.back.io import StorageIo
from blkswap.back.loop import BackendLoop
from blkswap.back.sched import Runnable, Scheduler
from blkswap.back.vbd import VbdConfig
from blkswap.back.xenbus import BlkBack
from blkswap.front.blkfront import FrontQueue
from blkswap.front.xenbus import BlkFront, FrontConfig
from blkswap.lab.toolstack import add_vbd
from blkswap.storage.base import BlockStore
from blkswap.timing import Clock, Cpus, Worker
from blkswap.xen.emulated import EmulatedPort
from blkswap.xen.hypervisor import Xen

DEVID = vdev_encode("xvda")  # 51712: every guest sees its disk as xvda


class TimedScheduler:
    """The lab's :class:`~blkswap.back.sched.Scheduler`: a woken backend loop runs on one of
    dom0's vCPUs as a :class:`~blkswap.timing.Worker` (one per loop, never on two vCPUs)."""

    def __init__(self, clock: Clock, cpus: Cpus) -> None:
        self.clock = clock
        self.cpus = cpus
        self._workers: dict[int, Worker] = {}

    def now(self) -> int:
        return self.clock.now()

    def after(self, delay_ns: float, fn: Callable[[], None]) -> None:
        self.clock.later(delay_ns, fn)

    def wake(self, loop: Runnable) -> None:
        worker = self._workers.get(id(loop))
        if worker is None:
            worker = Worker(self.clock, self.cpus, loop.run_once, loop.name, irq=True)
            self._workers[id(loop)] = worker
        worker.wake()


@dataclass(frozen=True, slots=True)
class BackendPlan:
    """How dom0's backend is built (from LabConfig, or a test's own choices)."""

    loops: int = 1
    options: DataPathOptions = field(default_factory=DataPathOptions)
    pool_frames: int = 704
    pools: tuple[tuple[str, int], ...] = ()  #: extra pools (name, frames)
    hazard_policy: str = "none"


def build_backend(
    port0: EmulatedPort,
    plan: BackendPlan,
    scheduler: Scheduler,
    io: StorageIo,
    *,
    meter: Meter | None = None,
    holders: PageHolders | None = None,
) -> BlkBack:
    """dom0's BlkBack with ``plan.loops`` single-threaded loops, all driven by ``scheduler``."""
    loops = [
        BackendLoop(
            port0,
            io=io,
            meter=meter,
            scheduler=scheduler,
            hazard=Hazard(
                plan.hazard_policy, port0, holders, later=scheduler.after, clock=scheduler.now
            ),
            name=f"tapdisk{i}",
        )
        for i in range(plan.loops)
    ]
    back = BlkBack(
        port0,
        loops,
        options=plan.options,
        pool_frames=plan.pool_frames,
        meter=meter,
        clock=scheduler.now,
    )
    for name, frames in plan.pools:
        back.create_pool(name, frames)
    return back


@dataclass(frozen=True, slots=True)
class GuestPlan:
    """One guest: its memory, vCPUs, disk and blkfront settings."""

    pages: int
    vcpus: int
    store: BlockStore
    front: FrontConfig
    datapath: str = "map"
    pool: str = "default"
    params: str = ""  #: the toolstack's ``params`` key (the image path)
    vbd_name: str = ""  #: default ``xvda.<domid>``


def plug_guest(
    xen: Xen,
    backend: BlkBack,
    plan: GuestPlan,
    *,
    meter: Meter | None = None,
    interrupts: Callable[[EmulatedPort], Callable[[FrontQueue], None]] | None = None,
    vbd: dict[str, object] | None = None,
) -> tuple[EmulatedPort, BlkFront]:
    """Create a guest domain, let the toolstack add its vbd, attach it to ``backend`` and start
    its blkfront (the handshake then runs as the hypervisor delivers watches). ``interrupts``
    makes the guest's upcall handler once its domain exists (default: handle at once). The VBD is
    named ``xvda.<domid>`` unless ``plan.vbd_name`` says otherwise."""
    dom = xen.create_domain(pages=plan.pages, vcpus=plan.vcpus)
    xen.store.introduce_domain(dom.domid)  # the toolstack's job (xenstored home dir)
    port = EmulatedPort(xen, dom.domid)
    add_vbd(
        backend.port.store,
        backend.port.domid,
        dom.domid,
        DEVID,
        params=plan.params,
        protocol=plan.front.protocol,
    )
    backend.attach(
        VbdConfig(
            frontend_domid=dom.domid,
            devid=DEVID,
            store=plan.store,
            datapath=plan.datapath,
            name=plan.vbd_name or f"xvda.{dom.domid}",
            pool=plan.pool,
            **(vbd or {}),  # type: ignore[arg-type]
        )
    )
    on_interrupt = interrupts(port) if interrupts is not None else None
    front = BlkFront(port, DEVID, plan.front, meter=meter, on_interrupt=on_interrupt)
    front.start()
    return port, front
