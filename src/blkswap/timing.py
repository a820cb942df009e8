"""The timing layer: runs the functional front/back code on simulated vCPUs and devices.

The functional code (``front``, ``back``, ``xen``) is synchronous and knows nothing about time.
This module gives it time:

* :class:`Meter` — while one piece of functional code runs on a vCPU, the meter prices what it
  did: the hypervisor counters of the running domain (delta since the activity began, priced by
  the cost profile) plus explicit charges (memcpy, per-request work). ``elapsed()`` at any moment
  is how far into its time slice the code has got — outbound effects (event-channel upcalls,
  storage submissions) are scheduled at ``now + elapsed()``, so they happen in the right order.
* :class:`Domain CPUs <Cpus>` — a domain's vCPUs as a Resource; busy time is accounted per cause.
  TLB-flush IPIs steal time from the flushed domain's vCPUs: the next activities there pay it.
* :class:`Worker` — a wakeable activity (a backend loop, a frontend interrupt handler) that runs on
  one vCPU when woken and holds it for the priced time.
* :class:`DeviceQueue` — a storage device as a queue of ``queue_depth`` slots; each I/O holds a
  slot for the device model's service time; the bytes move (preadv/pwritev) at completion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blkswap.sim import Environment, Resource
from blkswap.sim.costs import CostProfile
from blkswap.xen.counters import Counters


class Cpus:
    """One domain's vCPUs and the time spent on them, by cause."""

    def __init__(self, env: Environment, name: str, domain: Any, vcpus: int) -> None:
        self.env = env
        self.name = name
        self.domain = domain  # the emulated Domain (its counters are priced)
        self.vcpus = vcpus
        self.res = Resource(env, capacity=vcpus)
        self.busy_ns: dict[str, float] = {}
        self.stolen_debt_ns = 0.0  # IPI handling owed by this domain's vCPUs

    def account(self, by_cause: dict[str, float]) -> None:
        for k, v in by_cause.items():
            self.busy_ns[k] = self.busy_ns.get(k, 0.0) + v

    @property
    def total_ns(self) -> float:
        return sum(self.busy_ns.values())


class Meter:
    """Prices one activity while it runs (see module docstring)."""

    __slots__ = ("costs", "cpus", "tally", "explicit", "by_cause")

    def __init__(self, costs: CostProfile, cpus: Cpus) -> None:
        self.costs = costs
        self.cpus = cpus
        # every count the hypervisor charges to this domain while the activity runs lands here too
        self.tally = Counters()
        cpus.domain.tallies.append(self.tally)
        self.explicit = 0.0
        self.by_cause: dict[str, float] = {}

    def charge(self, cause: str, amount: int) -> None:
        ns = self.costs.charge_ns(cause, amount)
        self.explicit += ns
        self.by_cause[cause] = self.by_cause.get(cause, 0.0) + ns

    def elapsed(self) -> float:
        return self.explicit + self.costs.hypervisor_ns(self.tally)

    def close(self) -> float:
        """Final price of the activity; accounts it on the domain (and IPI time on targets)."""
        popped = self.cpus.domain.tallies.pop()  # meters nest strictly (LIFO)
        if popped is not self.tally:
            raise RuntimeError("meter tally stack out of order")
        delta = self.tally
        total = self.explicit + self.costs.hypervisor_ns(delta, self.by_cause)
        if delta.tlb_flush_vcpus:
            self.cpus.stolen_debt_ns += delta.tlb_flush_vcpus * self.costs.tlb_ipi_handler_ns
        if self.cpus.stolen_debt_ns:
            # This vCPU's share of the IPI handling its domain owes (lab approximation: spread
            # evenly over the domain's vCPUs, paid by whichever activity runs next).
            share = self.cpus.stolen_debt_ns / self.cpus.vcpus
            self.cpus.stolen_debt_ns -= share
            self.by_cause["tlb_ipi"] = self.by_cause.get("tlb_ipi", 0.0) + share
            total += share
        self.cpus.account(self.by_cause)
        return total


class Clock:
    """The lab's notion of "now" for functional code, and the meter of the running activity."""

    def __init__(self, env: Environment, costs: CostProfile) -> None:
        self.env = env
        self.costs = costs
        self.current: Meter | None = None

    def now(self) -> int:
        """Current time inside the running activity (sim time + elapsed so far), ns."""
        return int(self.env.now + (self.current.elapsed() if self.current else 0))

    def offset(self) -> float:
        return self.current.elapsed() if self.current else 0.0

    def later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` at now + elapsed-so-far + ``delay``."""
        ev = self.env.timeout(self.offset() + delay)
        ev.callbacks.append(lambda _ev: fn())

    def charge(self, cause: str, amount: int) -> None:
        """Meter protocol for functional code: charge the running activity (if any)."""
        if self.current is not None:
            self.current.charge(cause, amount)

    def run_metered(self, cpus: Cpus, fn: Callable[[], Any]) -> tuple[Any, float]:
        """Run ``fn`` as an activity on ``cpus`` (the caller holds a vCPU); returns (result, ns)."""
        outer = self.current
        meter = Meter(self.costs, cpus)
        self.current = meter
        try:
            result = fn()
        finally:
            self.current = outer
        return result, meter.close()


class Worker:
    """A wakeable activity run on one of a domain's vCPUs (backend loop, interrupt handler)."""

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

    def _run(self):
        req = self.cpus.res.request()
        yield req
        try:
            while True:
                self.scheduled = False
                self.running, self.again = True, False
                self.activations += 1
                _, cost = self.clock.run_metered(self.cpus, self._body)
                self.running = False
                yield self.env.timeout(cost)
                if not self.again:
                    break
        finally:
            self.cpus.res.release(req)


class DeviceQueue:
    """A storage device: ``queue_depth`` slots, service time from a device model."""

    def __init__(
        self, env: Environment, clock: Clock, model: Any, perform: Callable[[Any, Any], int]
    ) -> None:
        self.env = env
        self.clock = clock
        self.model = model
        self.perform = perform
        self.slots = Resource(env, capacity=max(1, model.service_slots))
        self.channel = Resource(env, capacity=1 if model.bandwidth_shared else 2)
        self.ios = 0
        self.busy_ns = 0.0
        self.last_end: dict[
            int, int
        ] = {}  # per store: end offset of the last I/O (sequential detection)

    def submit(self, req: Any, store: Any, done: Callable[[Any], None]) -> None:
        """StorageIo protocol: start after the submitter's elapsed time, complete later."""
        delay = self.clock.offset()
        self.env.process(self._io(req, store, done, delay))

    def _io(self, req: Any, store: Any, done: Callable[[Any], None], delay: float):
        if delay:
            yield self.env.timeout(delay)
        model = self.model
        offset, nbytes = req.sector_number * 512, req.nbytes
        key = id(store)
        sequential = self.last_end.get(key) == offset
        self.last_end[key] = offset + nbytes
        op = self._op(req)
        with self.slots.request() as slot:
            yield slot
            latency = model.latency_ns(op, sequential)
            yield self.env.timeout(latency)
            transfer = model.transfer_ns(op, nbytes)
            if transfer:
                # the device's data channel: bandwidth is a shared ceiling across service slots
                with self.channel.request() as ch:
                    yield ch
                    yield self.env.timeout(transfer)
            self.busy_ns += latency + transfer
            self.ios += 1
            req.status = self.perform(req, store)
        done(req)

    @staticmethod
    def _op(req: Any) -> str:
        if req.op == 5:  # BLKIF_OP_DISCARD
            return "discard"
        if not req.segments:
            return "flush"  # FLUSH_DISKCACHE / WRITE_BARRIER without data
        return "write" if req.is_write else "read"
