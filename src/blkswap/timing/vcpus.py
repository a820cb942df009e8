"""A domain's vCPUs (:class:`Cpus`) and wakeable activities on them (:class:`Worker`)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from blkswap.sim import Environment, Resource
from blkswap.timing.locks import SpinLock

if TYPE_CHECKING:
    from blkswap.timing.meter import Clock
    from blkswap.timing.scheduler import Pcpus

#: IPI debt below this many ns is forgiven (float dust from shares of shares)
_DEBT_EPSILON_NS = 0.5


class Cpus:
    """One domain's vCPUs and the time spent on them, by cause."""

    def __init__(self, env: Environment, name: str, domain: Any, vcpus: int) -> None:
        if vcpus < 1:
            raise ValueError(f"{name}: a domain needs at least one vCPU, got {vcpus}")
        self.env = env
        self.name = name
        self.domain = domain  # the emulated Domain (its counters are priced)
        self.vcpus = vcpus
        self.res = Resource(env, capacity=vcpus)
        self.busy_ns: dict[str, float] = {}
        #: cumulative ns each vCPU of this domain has lost to flush IPIs sent by its other vCPUs
        #: (every remote flush hits every vCPU but the initiator: docs/xen.md "Flush targets")
        self.ipi_ns_per_vcpu = 0.0
        self.ipi_paid_ns = 0.0  # the part of it that delayed running activities
        # the physical host (set by Pcpus.add; None: every vCPU runs when it has work)
        self.host: Pcpus | None = None
        self.weight = 0  #: credit weight
        self.affinity = 0  #: runs only on pCPUs below this (0: anywhere)
        self.credit = 0.0  #: credit scheduler's balance, ns of pCPU time
        self.steal_ns = 0.0  #: runnable but waiting for a pCPU
        self.running = 0  #: vCPUs on a pCPU now (the domain's dirty cpumask, for flushes)
        self.ran_ns = 0.0  #: pCPU time used
        self.ran_at_acct = 0.0  #: ran_ns at the last credit accounting
        #: the domain's grant-table lock (used by the meter on a host whose profile's era has one)
        self.gnttab_lock = SpinLock(env)

    def account(self, by_cause: dict[str, float]) -> None:
        for k, v in by_cause.items():
            self.busy_ns[k] = self.busy_ns.get(k, 0.0) + v

    @property
    def total_ns(self) -> float:
        return sum(self.busy_ns.values())

    def receive_ipis(self, remote_targets: float, handler_ns: float) -> tuple[float, float]:
        """Flush IPIs to ``remote_targets`` vCPUs: returns ``(handler time in total, share per
        other vCPU of this domain)``. Lab simplification: targets in another domain (swap flushes
        the guest too, charged to the caller in the counters) are spread over this domain's other
        vCPUs."""
        total = remote_targets * handler_ns
        if total <= 0 or self.vcpus == 1:
            return total, 0.0
        share = total / (self.vcpus - 1)
        self.ipi_ns_per_vcpu += share
        return total, share

    def pay_ipis(self, mark: float) -> Generator[Any, Any, None]:
        """Hold on to the vCPU for the IPI handler time that arrived since ``mark`` (a value of
        :attr:`ipi_ns_per_vcpu`, plus the activity's own flushes which do not hit itself)."""
        debt = self.ipi_ns_per_vcpu - mark
        while debt > _DEBT_EPSILON_NS:
            mark = self.ipi_ns_per_vcpu
            self.ipi_paid_ns += debt
            yield self.env.timeout(debt)
            debt = self.ipi_ns_per_vcpu - mark

    def run(self, clock: Clock, fn: Callable[[], Any]) -> Generator[Any, Any, tuple[Any, float]]:
        """Process body: take a vCPU, run ``fn`` metered, hold the vCPU for its time (plus IPIs
        that hit it meanwhile), release. ``result, ns = yield from cpus.run(clock, fn)``."""
        req = self.res.request()
        yield req
        try:
            return (yield from self.slice(clock, fn))
        finally:
            self.res.release(req)

    def slice(
        self, clock: Clock, fn: Callable[[], Any], wake: bool = True
    ) -> Generator[Any, Any, tuple[Any, float]]:
        """One time slice on a vCPU the caller holds: (on a host: get a pCPU,) run ``fn``
        metered, wait out its price, then the IPI handling that hit this vCPU meanwhile.
        ``wake``: the vCPU was blocked before (the credit scheduler may BOOST it). Returns
        ``(result, price)``."""
        host = self.host
        if host is not None:
            pcpu = yield from host.acquire(self, wake)
            if host.switched(pcpu, self) and clock.costs.vcpu_switch_ns:
                # Xen switches to this domain's vCPU on that pCPU: the pCPU works for it
                switch = clock.costs.vcpu_switch_ns
                self.busy_ns["vcpu_switch"] = self.busy_ns.get("vcpu_switch", 0.0) + switch
                yield self.env.timeout(switch)
        mark = self.ipi_ns_per_vcpu
        result, meter = clock.meter_run(self, fn)
        yield self.env.timeout(meter.total)
        mark += meter.own_ipi
        if meter.lock_wait and meter.total > 0:
            # IPIs that arrived while this vCPU spun on a lock cost it nothing: it spins with
            # interrupts enabled (XG smp.c flush_area_mask asserts local_irq_is_enabled before
            # spin_lock(&flush_lock)), so their handlers ran inside the wait. Lab: the slice's
            # IPIs are taken as spread evenly over it, the spun share of them is absorbed.
            mark += (self.ipi_ns_per_vcpu - mark) * min(1.0, meter.lock_wait / meter.total)
        if self.ipi_ns_per_vcpu - mark > _DEBT_EPSILON_NS:  # pay_ipis's own test: no debt,
            yield from self.pay_ipis(mark)  # no generator (the usual case)
        if host is not None:
            host.release(pcpu)
        return result, meter.total


class Worker:
    """A wakeable activity run on one of a domain's vCPUs (backend loop, interrupt handler).

    States: idle → (wake) scheduled, waiting for a vCPU → running: the function runs, then the
    vCPU is held for its price and any IPI time that hit it → idle, or round again if woken
    meanwhile. A single-threaded loop therefore never runs on two vCPUs at once.
    """

    def __init__(
        self, clock: Clock, cpus: Cpus, fn: Callable[[], Any], name: str, irq: bool = False
    ) -> None:
        self.clock = clock
        self.env = clock.env
        self.cpus = cpus
        self.fn = fn
        self.name = name
        self.irq = irq  # charge interrupt entry each activation
        self.scheduled = False
        self.running = False
        self.again = False
        self.activations = 0

    def wake(self) -> None:
        if self.running:
            self.again = True
        elif not self.scheduled:
            self.scheduled = True
            self.env.process(self._run())

    def _body(self) -> Any:
        if self.irq:
            self.clock.charge("irq", 1)
        return self.fn()

    def _run(self) -> Generator[Any, Any, None]:
        cpus = self.cpus
        req = cpus.res.request()
        yield req
        rounds = 0
        try:
            while True:
                self.scheduled = False
                self.running, self.again = True, False
                self.activations += 1
                first = not rounds
                rounds += 1
                yield from cpus.slice(self.clock, self._body, first)
                if not self.again:
                    break
        finally:
            self.running = False
            cpus.res.release(req)
