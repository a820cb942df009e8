"""Xen's credit scheduler, where it matters for I/O: vCPU activities on a few pCPUs.

An activity (one priced slice of functional code, :class:`~blkswap.timing.vcpus.Cpus`) takes sim
time only while it holds a pCPU. :meth:`Pcpus.acquire` gives it a free pCPU its affinity allows or
queues it; :meth:`Pcpus.release` hands the pCPU to the best waiter. Waiting is the domain's
*steal* time (``xl top``'s notion). Modelled on XG xen/common/sched_credit.c:

* priorities BOOST > UNDER > OVER: a vCPU waking from blocked with credit left gets BOOST
  (csched_vcpu_wake), otherwise UNDER while its domain has credit, OVER once it is spent;
  FIFO within a priority (csched_runq_insert);
* credits: every 30 ms accounting period (CSCHED_TICKS_PER_ACCT × 10 ms tick) the pCPUs' time of
  that period is shared among the domains that ran, by weight (csched_acct); running debits it;
  a domain's credit is capped at one period's share;
* work conserving with stealing: an idle pCPU takes any waiter its affinity allows
  (csched_load_balance). Lab simplification: one queue for the host instead of per-pCPU queues
  that steal from each other — the same choice when stealing always succeeds;
* no preemption: an activity runs to its end. It lasts µs, well under the 1 ms ratelimit
  (sched_ratelimit_us, below which Xen does not preempt a running vCPU) and the 30 ms timeslice;
* ``credit2`` (lab): the same without BOOST (credit2 orders by credit, sched_credit2.c);
  ``null`` never gets here (each vCPU has its own pCPU: no contention, host.py refuses fewer).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from blkswap.sim import Environment
from blkswap.timing.host import HostSpec

if TYPE_CHECKING:
    from blkswap.timing.vcpus import Cpus

BOOST, UNDER, OVER = 0, 1, 2
ACCT_NS = 30_000_000  #: credit accounting period (XG sched_credit.c: 3 ticks of 10 ms)


class Pcpus:
    """The host's pCPUs and the scheduler deciding who runs on them."""

    def __init__(self, env: Environment, spec: HostSpec) -> None:
        self.env = env
        self.spec = spec
        self.n = spec.pcpus
        self.boost = spec.sched == "credit"
        self.free: list[int] = list(range(self.n))  # idle pCPUs, lowest first
        self.waiting: list[tuple[int, int, Cpus, Any, bool]] = []  # (seq, t0, cpus, event, wake)
        self.started: dict[int, tuple[float, Cpus]] = {}  # pCPU → (since, domain running)
        self.last: dict[int, Cpus] = {}  # pCPU → the domain whose vCPU ran there last
        self.domains: list[Cpus] = []
        self.busy_ns = 0.0
        self.switches = 0
        self._seq = 0
        self._next_acct = float(ACCT_NS)

    def add(self, cpus: Cpus, weight: int, pinned: int = 0) -> None:
        """Put a domain's vCPUs on this host (``pinned``: only pCPUs 0..pinned-1)."""
        cpus.host = self
        cpus.weight = weight
        cpus.affinity = pinned
        self.domains.append(cpus)
        total = sum(c.weight for c in self.domains)
        for c in self.domains:  # until the first accounting: one period's share each
            c.credit = ACCT_NS * self.n * c.weight / total

    # -- the scheduler --------------------------------------------------------------------------
    def acquire(self, cpus: Cpus, wake: bool) -> Generator[Any, Any, int]:
        """Process body: a pCPU for one activity of ``cpus``; the wait is its steal time."""
        if self.env.now >= self._next_acct:
            self._account()
        pcpu = self._free_for(cpus)
        if pcpu is not None:
            self.started[pcpu] = (self.env.now, cpus)
            cpus.running += 1
            return pcpu
        ev = self.env.event()
        self._seq += 1
        t0 = self.env.now
        self.waiting.append((self._seq, t0, cpus, ev, wake))
        pcpu = yield ev
        cpus.steal_ns += self.env.now - t0
        return pcpu

    def switched(self, pcpu: int, cpus: Cpus) -> bool:
        """Whether ``cpus`` comes to ``pcpu`` from another domain (a full context switch: new
        page tables, so a cold TLB; XG domain.c context_switch → __context_switch)."""
        if self.last.get(pcpu) is cpus:
            return False
        self.last[pcpu] = cpus
        self.switches += 1
        return True

    def release(self, pcpu: int) -> None:
        """The activity on ``pcpu`` ended: debit its domain, run the best waiter there."""
        now = self.env.now
        since, cpus = self.started.pop(pcpu)
        ran = now - since
        cpus.credit -= ran
        cpus.ran_ns += ran
        cpus.running -= 1
        self.busy_ns += ran
        if now >= self._next_acct:
            self._account()
        best = self._best_waiter(pcpu)
        if best is None:
            self.free.append(pcpu)
            self.free.sort()
            return
        entry = self.waiting.pop(best)
        self.started[pcpu] = (now, entry[2])
        entry[2].running += 1
        entry[3].succeed(pcpu)

    def _free_for(self, cpus: Cpus) -> int | None:
        for i, pcpu in enumerate(self.free):
            if not cpus.affinity or pcpu < cpus.affinity:
                return self.free.pop(i)
        return None

    def _best_waiter(self, pcpu: int) -> int | None:
        best, key = None, (OVER + 1, 0)
        for i, (seq, _t0, cpus, _ev, wake) in enumerate(self.waiting):
            if cpus.affinity and pcpu >= cpus.affinity:
                continue
            k = (self._priority(cpus, wake), seq)
            if k < key:
                best, key = i, k
        return best

    def _priority(self, cpus: Cpus, wake: bool) -> int:
        if cpus.credit < 0:
            return OVER
        return BOOST if wake and self.boost else UNDER

    def _account(self) -> None:
        """csched_acct: share the period's pCPU time among domains that ran, by weight."""
        while self._next_acct <= self.env.now:
            self._next_acct += ACCT_NS
        active = [c for c in self.domains if c.ran_ns != c.ran_at_acct]
        total_weight = sum(c.weight for c in active) or 1
        for c in active:
            share = ACCT_NS * self.n * c.weight / total_weight
            c.credit = min(c.credit + share, share)
            c.ran_at_acct = c.ran_ns
