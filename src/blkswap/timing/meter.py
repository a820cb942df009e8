"""The meter of one running activity (:class:`Meter`) and the lab's clock (:class:`Clock`)."""

from __future__ import annotations

from collections.abc import Callable
from operator import sub
from typing import Any

from blkswap.sim import Environment
from blkswap.sim.costs import CostProfile
from blkswap.timing.locks import FlushLock
from blkswap.timing.pricing import Prices, hypervisor_ns_by_cause, hypervisor_ns_since, prices_of
from blkswap.timing.vcpus import Cpus
from blkswap.xen.counters import OP_INDEX, TLB_FLUSH_IPIS, TLB_FLUSHES, Counters

_MAP, _UNMAP, _UNMAP_REPLACE = OP_INDEX["map"], OP_INDEX["unmap"], OP_INDEX["unmap_and_replace"]


class Meter:
    """Prices one activity while it runs (see module docstring)."""

    __slots__ = (
        "costs",
        "prices",
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
        "bounce",
        "hosted",
        "gnt_lock",
        "gnt_seen",
        "priced_v",
        "priced_ns",
    )

    def __init__(
        self,
        costs: CostProfile,
        cpus: Cpus,
        lock: FlushLock | None = None,
        prices: Prices | None = None,
    ) -> None:
        self.costs = costs
        self.prices = prices if prices is not None else prices_of(costs)
        self.cpus = cpus
        self.lock = lock
        self.env = cpus.env
        # the domain's cumulative hypervisor counters, and their values when the activity began
        self.counters: Counters = cpus.domain.counters
        self.mark = self.counters.v.copy()  # = Counters.mark(), without the call
        self.explicit = 0.0
        self.by_cause: dict[str, float] = {}
        self.lock_wait = 0.0  # spinning for the host-wide flush lock
        self.flushes_seen = self.mark[TLB_FLUSHES]  # counter values already priced
        self.ipis_seen = self.mark[TLB_FLUSH_IPIS]
        self.own_ipi = 0.0  # this activity's share of the domain's IPI clock (not paid by itself)
        self.total = 0.0  # the final price, set by close()
        # the host model's contention costs (none without a host: the lab's old behaviour)
        self.hosted = hosted = cpus.host is not None
        self.bounce = costs.lock_bounce_ns if hosted else 0.0
        self.gnt_lock = cpus.gnttab_lock if hosted and costs.gnttab_lock_hold_ns else None
        v = self.mark
        self.gnt_seen = v[_MAP] + v[_UNMAP] + v[_UNMAP_REPLACE]
        # the counters at the last pricing and their price since the mark (nothing counted yet)
        self.priced_v = v
        self.priced_ns = 0.0

    def charge(self, cause: str, amount: int) -> None:
        ns = self.prices.charge_ns(cause, amount)
        self.explicit += ns
        self.by_cause[cause] = self.by_cause.get(cause, 0.0) + ns

    def elapsed(self) -> float:
        """How far into its slice the activity is now, ns (flush-lock waits included)."""
        v = self.counters.v
        if v == self.priced_v:
            # nothing counted since the last look (about half the looks): the same price, and
            # no new flush or grant-lock hold to reserve
            return self.explicit + self.priced_ns + self.lock_wait
        self.priced_v = v.copy()
        self.priced_ns = hyp = hypervisor_ns_since(self.prices, v, self.mark)
        base = self.explicit + hyp
        if v[TLB_FLUSHES] != self.flushes_seen:
            self._flushed(base)
        if self.gnt_lock is not None and v[_MAP] + v[_UNMAP] + v[_UNMAP_REPLACE] != self.gnt_seen:
            self._grant_locked(base, v)
        return base + self.lock_wait

    def _grant_locked(self, base: float, v: list[int]) -> None:
        """New map/unmap elements: each held the domain's grant-table lock (2012 era), spinning
        while another vCPU of the domain held it (the waiter's pCPU burns: it stays busy)."""
        n = v[_MAP] + v[_UNMAP] + v[_UNMAP_REPLACE]
        elements = n - self.gnt_seen
        hold = elements * self.costs.gnttab_lock_hold_ns
        self.gnt_seen = n
        lock = self.gnt_lock
        assert lock is not None
        # one hand-over per window: the elements of a batch are taken back to back by the
        # vCPU that already owns the lock's cache line (Xen ≤ 4.5's byte lock is unfair to it)
        at = self.env.now + base + self.lock_wait - hold
        wait = lock.reserve(at, hold, self.bounce)
        self._spun("gnttab_lock", wait, lock.last_extra)

    def _spun(self, cause: str, wait: float, extra: float) -> None:
        if wait > 0:
            self.lock_wait += wait
            self.by_cause[cause] = self.by_cause.get(cause, 0.0) + wait
        if extra > 0:
            self.lock_wait += extra
            self.by_cause["lock_bounce"] = self.by_cause.get("lock_bounce", 0.0) + extra

    def _flushed(self, base: float) -> None:
        """New flushes since the last look: wait for the flush lock, IPI the other vCPUs."""
        c, costs = self.counters.v, self.costs
        k = c[TLB_FLUSHES] - self.flushes_seen
        v = c[TLB_FLUSH_IPIS] - self.ipis_seen
        self.flushes_seen, self.ipis_seen = c[TLB_FLUSHES], c[TLB_FLUSH_IPIS]
        hold = costs.flush_hold_ns(k, v)
        if self.hosted:
            # Xen IPIs the pCPUs in the domain's dirty cpumask (XG smp.c flush_area_mask on
            # d->domain_dirty_cpumask): a pCPU switched to another domain's vCPU left it (its
            # TLB was flushed then, context_switch); an idle pCPU lazily keeps the domain's page
            # tables and stays in it. Lab: targets are capped at the pCPUs not running another
            # domain, but the initiator's — with enough pCPUs, every other vCPU, as without a host.
            host = self.cpus.host
            assert host is not None
            others = host.n - len(host.free) - self.cpus.running
            cap = k * max(0, host.n - others - 1)
            if v > cap:
                dirty = costs.flush_hold_ns(k, cap)
                self.explicit += dirty - hold
                self.by_cause["tlb_flush"] = self.by_cause.get("tlb_flush", 0.0) + dirty - hold
                hold, v = dirty, cap
        if hold > 0 and self.lock is not None:
            # the hold is the last thing priced so far: the flush started `hold` ago
            at = self.env.now + base + self.lock_wait - hold
            handovers = int(costs.remote_flush_targets(k, v)[0])
            wait = self.lock.reserve(at, hold, self.bounce, handovers)
            self._spun("tlb_lock", wait, self.lock.last_extra)
        _, remote = costs.remote_flush_targets(k, v)
        total, share = self.cpus.receive_ipis(remote, costs.tlb_ipi_handler_ns)
        if total:
            self.own_ipi += share
            self.by_cause["tlb_ipi"] = self.by_cause.get("tlb_ipi", 0.0) + total

    def close(self) -> float:
        """Final price of the activity (its own vCPU's time); accounts every cause on the domain
        (the IPI handler time of the other vCPUs included, as ``tlb_ipi``)."""
        if self.counters.v[TLB_FLUSHES] != self.flushes_seen or self.gnt_lock is not None:
            self.elapsed()  # flushes/lock holds since the last look (else elapsed() only reads)
        delta = list(map(sub, self.counters.v, self.mark))  # = Counters.since(mark)
        hyp = hypervisor_ns_by_cause(self.prices, delta, self.by_cause)
        self.total = self.explicit + hyp + self.lock_wait
        self.cpus.account(self.by_cause)
        return self.total


class Clock:
    """The lab's notion of "now" for functional code, and the meter of the running activity."""

    def __init__(self, env: Environment, costs: CostProfile) -> None:
        self.env = env
        self.costs = costs
        self.prices = prices = prices_of(costs)
        self._per_byte, self._per_count = prices.per_byte, prices.per_count
        self.current: Meter | None = None
        self.flush_lock = FlushLock(env)  # one per host (Xen's flush_lock is host-wide)

    def now(self) -> int:
        """Current time inside the running activity (sim time + elapsed so far), ns."""
        current = self.current
        if current is None:
            return int(self.env.now + 0)
        if current.counters.v == current.priced_v:  # Meter.elapsed's first case, inlined
            return int(self.env.now + (current.explicit + current.priced_ns + current.lock_wait))
        return int(self.env.now + current.elapsed())

    def offset(self) -> float:
        current = self.current
        if current is None:
            return 0.0
        if current.counters.v == current.priced_v:  # Meter.elapsed's first case, inlined
            return current.explicit + current.priced_ns + current.lock_wait
        return current.elapsed()

    def later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` at now + elapsed-so-far + ``delay``."""
        ev = self.env.timeout(self.offset() + delay)
        ev.callbacks.append(lambda _ev: fn())

    def charge(self, cause: str, amount: int) -> None:
        """Meter protocol for functional code: charge the running activity (if any).
        = ``self.current.charge(cause, amount)``, inlined: functional code charges about three
        times per request."""
        current = self.current
        if current is None:
            return
        bps = self._per_byte.get(cause)
        if bps is not None:
            ns = amount * 1e9 / bps  # CostProfile.charge_ns's expressions, so the same floats
        else:
            per = self._per_count.get(cause)
            if per is None:
                current.charge(cause, amount)  # an unknown cause: the profile's error
                return
            ns = amount * per
        current.explicit += ns
        by_cause = current.by_cause
        by_cause[cause] = by_cause.get(cause, 0.0) + ns

    def meter_run(self, cpus: Cpus, fn: Callable[[], Any]) -> tuple[Any, Meter]:
        """Run ``fn`` as an activity on ``cpus`` (the caller holds a vCPU); returns the result
        and the closed meter (``meter.total`` ns, ``meter.own_ipi``)."""
        outer = self.current
        meter = Meter(self.costs, cpus, self.flush_lock, self.prices)
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
