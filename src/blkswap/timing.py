"""The timing layer: runs the functional front/back code on simulated vCPUs and devices.

The functional code (``front``, ``back``, ``xen``) is synchronous and knows nothing about time.
This module gives it time (DESIGN.md §7; ``docs/costs.md`` is the long form):

* :class:`Meter` — while one piece of functional code runs on a vCPU, the meter prices what it
  did: the hypervisor counters of the running domain (delta since the activity began, priced by
  the cost profile) plus explicit charges (memcpy, per-request work). ``elapsed()`` at any moment
  is how far into its time slice the code has got — outbound effects (event-channel upcalls,
  storage submissions) are scheduled at ``now + elapsed()``, so they happen in the right order.
  A remote TLB flush the code caused waits for Xen's host-wide flush lock (:class:`FlushLock`)
  and costs every other vCPU of the domain its IPI handler time.
* :class:`Cpus` — a domain's vCPUs as a Resource; busy time is accounted per cause. IPI time
  other vCPUs inflicted is paid by the activity that was running when it arrived, at the end of
  its slice (the vCPU stays held), so flush IPIs slow down *other* work, not just the flusher.
* :class:`Worker` — a wakeable activity (a backend loop, a frontend interrupt handler) that runs on
  one vCPU when woken and holds it for the priced time. It is event driven (no busy polling): a
  wake while it runs makes it go round once more on the same vCPU; each activation is one
  interrupt/upcall (``irq``).
* :class:`DeviceQueue` — a storage device as a queue of ``service_slots`` slots; each I/O holds a
  slot for the device model's latency, then the data channel for its transfer time; the bytes move
  (preadv/pwritev through the real image) at completion.

No Xen import beyond :mod:`blkswap.xen.counters`; the domain objects passed in only need their
cumulative ``counters`` (a :class:`~blkswap.xen.counters.Counters`, which the hypervisor keeps per
calling domain): a meter marks them when its activity begins and prices what was counted since.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator
from typing import Any

from blkswap.sim import Environment, Resource
from blkswap.sim.costs import GRANT_OP_COST, CostProfile
from blkswap.xen import counters as cn
from blkswap.xen.counters import TLB_FLUSH_IPIS, TLB_FLUSHES, Counters

# flat-list layout of the hypervisor's counters (hypervisor_ns_since)
_HC, _MC, _BYTES = cn.HYPERCALLS, cn.MULTICALLS, cn.BYTES_COPIED
_FL, _IPIS, _PTE = cn.TLB_FLUSHES, cn.TLB_FLUSH_IPIS, cn.PTE_UPDATES
_P2M, _M2P, _EVT, _SCRUB = cn.P2M_UPDATES, cn.M2P_UPDATES, cn.EVTCHN_SENDS, cn.FRAMES_SCRUBBED
#: (index of a grant op's element count, profile field, cause) in GRANT_OPS order, as
#: CostProfile.hypervisor_ns iterates ``grant_ops``
_OP_PRICE = tuple(
    (cn.OP_INDEX[op], GRANT_OP_COST.get(op, "grant_other_ns"), f"grant_{op}") for op in cn.GRANT_OPS
)


def hypervisor_ns_since(costs: CostProfile, v: list[int], mark: list[int]) -> float:
    """``costs.hypervisor_ns(Counters(v) - Counters(mark))`` for flat counter lists (layout
    :data:`blkswap.xen.counters.INDEX`) without building the delta: the same integer terms added
    in the same order as CostProfile.hypervisor_ns, so the float is bit-identical. The meter
    calls it whenever functional code asks the time."""
    total = 0.0
    n = v[_HC] - mark[_HC]
    if n:
        total += n * costs.hypercall_ns
    n = v[_MC] - mark[_MC]
    if n:
        total += n * costs.multicall_entry_ns
    n = v[_BYTES] - mark[_BYTES]
    if n:
        total += n * 1e9 / costs.memcpy_Bps
    n = v[_FL] - mark[_FL]
    if n:
        total += n * costs.tlb_flush_local_ns + costs.flush_hold_ns(n, v[_IPIS] - mark[_IPIS])
    n, m = v[_P2M] - mark[_P2M], v[_M2P] - mark[_M2P]
    if n or m:
        total += (n + m) * costs.p2m_update_ns
    n = v[_PTE] - mark[_PTE]
    if n:
        total += n * costs.pte_update_ns
    n = v[_EVT] - mark[_EVT]
    if n:
        total += n * costs.evtchn_send_ns
    n = v[_SCRUB] - mark[_SCRUB]
    if n:
        total += n * 4096 * 1e9 / costs.scrub_Bps
    for i, field, _ in _OP_PRICE:
        n = v[i] - mark[i]
        if n:
            total += n * getattr(costs, field)
    return total


def hypervisor_ns_by_cause(costs: CostProfile, d: list[int], out: dict[str, float]) -> float:
    """``costs.hypervisor_ns(Counters(d), out)`` for a flat delta list ``d``: the same parts in
    the same order (CostProfile._hypervisor_ns_by_cause), so bit-identical, without the
    attribute views. Called once per metered activity, when it closes."""
    parts = [
        ("hypercall", d[_HC] * costs.hypercall_ns),
        ("multicall", d[_MC] * costs.multicall_entry_ns),
        ("grant_copy", d[_BYTES] * 1e9 / costs.memcpy_Bps),
        (
            "tlb_flush",
            d[_FL] * costs.tlb_flush_local_ns + costs.flush_hold_ns(d[_FL], d[_IPIS]),
        ),
        ("p2m", (d[_P2M] + d[_M2P]) * costs.p2m_update_ns),
        ("pte", d[_PTE] * costs.pte_update_ns),
        ("evtchn", d[_EVT] * costs.evtchn_send_ns),
        ("scrub", d[_SCRUB] * 4096 * 1e9 / costs.scrub_Bps),
    ]
    for i, field, cause in _OP_PRICE:
        n = d[i]
        if n:
            parts.append((cause, n * getattr(costs, field)))
    total = 0.0
    for cause, ns in parts:
        if ns:
            total += ns
            out[cause] = out.get(cause, 0.0) + ns
    return total


#: IPI debt below this many ns is forgiven (float dust from shares of shares)
_DEBT_EPSILON_NS = 0.5


class FlushLock:
    """Xen's host-wide TLB-shootdown lock, as a calendar of reserved windows.

    XG xen/arch/x86/smp.c flush_area_mask: after the local flush the initiator takes the global
    ``flush_lock``, sends the IPIs and spins until every target acked, then unlocks — so remote
    flushes of the whole host are serialised, whatever domain does them. A functional activity
    runs in zero sim time and learns its cost afterwards, so the lock cannot be a Resource held
    across a ``yield``; instead each flush reserves the earliest free window of its hold time at
    or after the moment it happens, and the wait becomes part of the activity's time (spinning:
    the vCPU stays busy). Lab simplification: windows are granted in the order activities are
    priced, a lock-holder is never preempted.
    """

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.windows: list[tuple[float, float]] = []  # reserved [start, end), sorted, disjoint
        self.acquisitions = 0
        self.held_ns = 0.0
        self.waited_ns = 0.0

    def reserve(self, at: float, hold: float) -> float:
        """Reserve ``hold`` ns of the lock starting no earlier than ``at``; returns the wait."""
        if hold <= 0:
            return 0.0
        now = self.env.now
        while self.windows and self.windows[0][1] <= now:
            self.windows.pop(0)
        start = max(at, now)
        for a, b in self.windows:
            if b <= start:
                continue
            if a >= start + hold:
                break
            start = b
        bisect.insort(self.windows, (start, start + hold))
        wait = start - at
        self.acquisitions += 1
        self.held_ns += hold
        self.waited_ns += wait
        return wait


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

    def slice(self, clock: Clock, fn: Callable[[], Any]) -> Generator[Any, Any, tuple[Any, float]]:
        """One time slice on a vCPU the caller holds: run ``fn`` metered, wait out its price,
        then the IPI handling that hit this vCPU meanwhile. Returns ``(result, price)``."""
        mark = self.ipi_ns_per_vcpu
        result, meter = clock.meter_run(self, fn)
        yield self.env.timeout(meter.total)
        mark += meter.own_ipi
        if self.ipi_ns_per_vcpu - mark > _DEBT_EPSILON_NS:  # pay_ipis's own test: no debt,
            yield from self.pay_ipis(mark)  # no generator (the usual case)
        return result, meter.total


class Meter:
    """Prices one activity while it runs (see module docstring)."""

    __slots__ = (
        "costs",
        "cpus",
        "lock",
        "env",
        "counters",
        "mark",
        "explicit",
        "by_cause",
        "lock_wait",
        "flushes_seen",
        "ipis_seen",
        "own_ipi",
        "total",
    )

    def __init__(self, costs: CostProfile, cpus: Cpus, lock: FlushLock | None = None) -> None:
        self.costs = costs
        self.cpus = cpus
        self.lock = lock
        self.env = cpus.env
        # the domain's cumulative hypervisor counters, and their values when the activity began
        self.counters: Counters = cpus.domain.counters
        self.mark = self.counters.mark()
        self.explicit = 0.0
        self.by_cause: dict[str, float] = {}
        self.lock_wait = 0.0  # spinning for the host-wide flush lock
        self.flushes_seen = self.mark[TLB_FLUSHES]  # counter values already priced
        self.ipis_seen = self.mark[TLB_FLUSH_IPIS]
        self.own_ipi = 0.0  # this activity's share of the domain's IPI clock (not paid by itself)
        self.total = 0.0  # the final price, set by close()

    def charge(self, cause: str, amount: int) -> None:
        ns = self.costs.charge_ns(cause, amount)
        self.explicit += ns
        self.by_cause[cause] = self.by_cause.get(cause, 0.0) + ns

    def elapsed(self) -> float:
        """How far into its slice the activity is now, ns (flush-lock waits included)."""
        v = self.counters.v
        base = self.explicit + hypervisor_ns_since(self.costs, v, self.mark)
        if v[TLB_FLUSHES] != self.flushes_seen:
            self._flushed(base)
        return base + self.lock_wait

    def _flushed(self, base: float) -> None:
        """New flushes since the last look: wait for the flush lock, IPI the other vCPUs."""
        c, costs = self.counters.v, self.costs
        k = c[TLB_FLUSHES] - self.flushes_seen
        v = c[TLB_FLUSH_IPIS] - self.ipis_seen
        self.flushes_seen, self.ipis_seen = c[TLB_FLUSHES], c[TLB_FLUSH_IPIS]
        hold = costs.flush_hold_ns(k, v)
        if hold > 0 and self.lock is not None:
            # the hold is the last thing priced so far: the flush started `hold` ago
            wait = self.lock.reserve(self.env.now + base + self.lock_wait - hold, hold)
            if wait > 0:
                self.lock_wait += wait
                self.by_cause["tlb_lock"] = self.by_cause.get("tlb_lock", 0.0) + wait
        _, remote = costs.remote_flush_targets(k, v)
        total, share = self.cpus.receive_ipis(remote, costs.tlb_ipi_handler_ns)
        if total:
            self.own_ipi += share
            self.by_cause["tlb_ipi"] = self.by_cause.get("tlb_ipi", 0.0) + total

    def close(self) -> float:
        """Final price of the activity (its own vCPU's time); accounts every cause on the domain
        (the IPI handler time of the other vCPUs included, as ``tlb_ipi``)."""
        if self.counters.v[TLB_FLUSHES] != self.flushes_seen:
            self.elapsed()  # flushes since the last look (without any, elapsed() only reads)
        delta = Counters(self.counters.since(self.mark))
        self.total = self.explicit + self.costs.hypervisor_ns(delta, self.by_cause) + self.lock_wait
        self.cpus.account(self.by_cause)
        return self.total


class Clock:
    """The lab's notion of "now" for functional code, and the meter of the running activity."""

    def __init__(self, env: Environment, costs: CostProfile) -> None:
        self.env = env
        self.costs = costs
        self.current: Meter | None = None
        self.flush_lock = FlushLock(env)  # one per host (Xen's flush_lock is host-wide)

    def now(self) -> int:
        """Current time inside the running activity (sim time + elapsed so far), ns."""
        current = self.current
        return int(self.env.now + (current.elapsed() if current is not None else 0))

    def offset(self) -> float:
        current = self.current
        return current.elapsed() if current is not None else 0.0

    def later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` at now + elapsed-so-far + ``delay``."""
        ev = self.env.timeout(self.offset() + delay)
        ev.callbacks.append(lambda _ev: fn())

    def charge(self, cause: str, amount: int) -> None:
        """Meter protocol for functional code: charge the running activity (if any)."""
        if self.current is not None:
            self.current.charge(cause, amount)

    def meter_run(self, cpus: Cpus, fn: Callable[[], Any]) -> tuple[Any, Meter]:
        """Run ``fn`` as an activity on ``cpus`` (the caller holds a vCPU); returns the result
        and the closed meter (``meter.total`` ns, ``meter.own_ipi``)."""
        outer = self.current
        meter = Meter(self.costs, cpus, self.flush_lock)
        self.current = meter
        try:
            result = fn()
        finally:
            self.current = outer
        meter.close()
        return result, meter

    def run_metered(self, cpus: Cpus, fn: Callable[[], Any]) -> tuple[Any, float]:
        """Run ``fn`` as an activity on ``cpus`` (the caller holds a vCPU); returns (result, ns).
        Prefer ``yield from cpus.run(clock, fn)``, which also pays IPIs that hit the vCPU."""
        result, meter = self.meter_run(cpus, fn)
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
        try:
            while True:
                self.scheduled = False
                self.running, self.again = True, False
                self.activations += 1
                yield from cpus.slice(self.clock, self._body)
                if not self.again:
                    break
        finally:
            self.running = False
            cpus.res.release(req)


class DeviceQueue:
    """A storage device: ``service_slots`` commands in service, a shared (or per-direction) data
    channel for the bandwidth ceiling, service time from a device model (storage/devices.py)."""

    def __init__(
        self, env: Environment, clock: Clock, model: Any, perform: Callable[[Any, Any], int]
    ) -> None:
        self.env = env
        self.clock = clock
        self.model = model
        self.perform = perform
        self.slots = Resource(env, capacity=max(1, model.service_slots))
        shared = Resource(env, capacity=1)
        # one channel for both directions (one head, one flash array), or one each (full duplex)
        self.channels = (
            {"read": shared, "write": shared}
            if model.bandwidth_shared
            else {"read": shared, "write": Resource(env, capacity=1)}
        )
        self.ios = 0
        self.bytes = 0
        self.busy_ns = 0.0
        self.last_end: dict[int, int] = {}  # per store: end offset of the last I/O (sequential)

    def submit(self, req: Any, store: Any, done: Callable[[Any], None]) -> None:
        """StorageIo protocol: start after the submitter's elapsed time, complete later."""
        delay = self.clock.offset()
        self.env.process(self._io(req, store, done, delay))

    def _io(
        self, req: Any, store: Any, done: Callable[[Any], None], delay: float
    ) -> Generator[Any, Any, None]:
        timeout = self.env.timeout
        if delay:
            yield timeout(delay)
        model = self.model
        offset, nbytes = req.sector_number * 512, req.nbytes
        key = id(store)
        last_end = self.last_end
        sequential = last_end.get(key) == offset
        last_end[key] = offset + nbytes
        op = self._op(req)
        with self.slots.request() as slot:
            yield slot
            latency = model.latency_ns(op, sequential)
            yield timeout(latency)
            transfer = model.transfer_ns(op, nbytes)
            if transfer:
                # the device's data channel: bandwidth is a ceiling across service slots
                with self.channels[op].request() as ch:
                    yield ch
                    yield timeout(transfer)
            self.busy_ns += latency + transfer
            self.ios += 1
            self.bytes += nbytes if op in ("read", "write") else 0
            req.status = self.perform(req, store)  # the bytes move now, through the real image
        done(req)

    @staticmethod
    def _op(req: Any) -> str:
        if req.op == 5:  # BLKIF_OP_DISCARD
            return "discard"
        if not req.segments:
            return "flush"  # FLUSH_DISKCACHE / WRITE_BARRIER without data
        return "write" if req.is_write else "read"
