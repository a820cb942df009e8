"""Pricing flat counter deltas: the meter's hot path (``CostProfile.hypervisor_ns`` on marks).

The hypervisor's counters are one flat list of ints (:mod:`blkswap.xen.counters`); a meter keeps a
mark and prices what was counted since. These functions add the same integer terms in the same
order as :meth:`blkswap.sim.costs.CostProfile.hypervisor_ns`, so the floats are bit-identical
(tests/test_timing.py checks it with hypothesis). :class:`Prices` holds a profile's figures as
plain attributes, read once per profile instead of once per term.
"""

from __future__ import annotations

from itertools import compress
from operator import ne

from blkswap.sim.costs import CHARGE_BYTES, CHARGE_COUNT, GRANT_OP_COST, CostProfile
from blkswap.xen import counters as cn

# flat-list layout of the hypervisor's counters (hypervisor_ns_since)
_HC, _MC, _BYTES = cn.HYPERCALLS, cn.MULTICALLS, cn.BYTES_COPIED
_FL, _IPIS, _PTE = cn.TLB_FLUSHES, cn.TLB_FLUSH_IPIS, cn.PTE_UPDATES
_P2M, _M2P, _EVT, _SCRUB = cn.P2M_UPDATES, cn.M2P_UPDATES, cn.EVTCHN_SENDS, cn.FRAMES_SCRUBBED
#: the grant ops' element counts: v[_OPS_AT:_OPS_END], in GRANT_OPS order
_OPS_AT, _OPS_END = cn.OPS_AT, cn.OPS_AT + len(cn.GRANT_OPS)
_OP_OFFSETS = range(len(cn.GRANT_OPS))
#: the cause of each grant op's elements, in GRANT_OPS order (as CostProfile.hypervisor_ns)
_OP_CAUSES = tuple(f"grant_{op}" for op in cn.GRANT_OPS)


class Prices:
    """One cost profile's figures as plain attributes, for the meter's hot path: the grant ops'
    element prices by offset, the explicit charges by cause (:meth:`CostProfile.charge_ns`)."""

    __slots__ = (
        "costs",
        "hypercall",
        "multicall",
        "memcpy_Bps",
        "flush_local",
        "flush_first",
        "flush_further",
        "clustered",
        "p2m",
        "pte",
        "evtchn",
        "scrub_Bps",
        "ops",
        "per_byte",
        "per_count",
    )

    def __init__(self, costs: CostProfile) -> None:
        self.costs = costs
        self.hypercall = costs.hypercall_ns
        self.multicall = costs.multicall_entry_ns
        self.memcpy_Bps = costs.memcpy_Bps
        self.flush_local = costs.tlb_flush_local_ns
        self.flush_first = costs.tlb_flush_ns
        self.flush_further = costs.tlb_ipi_per_vcpu_ns
        self.clustered = costs.tlb_ipi_cluster > 1
        self.p2m = costs.p2m_update_ns
        self.pte = costs.pte_update_ns
        self.evtchn = costs.evtchn_send_ns
        self.scrub_Bps = costs.scrub_Bps
        self.ops = tuple(
            getattr(costs, GRANT_OP_COST.get(op, "grant_other_ns")) for op in cn.GRANT_OPS
        )
        #: cause → bandwidth (bytes/s) or fixed cost (ns): CostProfile.charge_ns's two kinds
        self.per_byte = {cause: getattr(costs, f) for cause, f in CHARGE_BYTES.items()}
        self.per_count = {cause: getattr(costs, f) for cause, f in CHARGE_COUNT.items()}

    def charge_ns(self, cause: str, amount: int) -> float:
        """``costs.charge_ns(cause, amount)``: the same expression, so the same float."""
        bps = self.per_byte.get(cause)
        if bps is not None:
            return amount * 1e9 / bps
        ns = self.per_count.get(cause)
        if ns is not None:
            return amount * ns
        return self.costs.charge_ns(cause, amount)  # raises the error naming the cause

    def flush_hold_ns(self, flushes: int, ipis: int) -> float:
        """``costs.flush_hold_ns(flushes, ipis)``. Without x2APIC cluster mode it is computed
        here with the profile's expression (remote_flush_targets, then the IPI round trip to
        the first target plus each further one), so the float is the same; cluster mode asks
        the profile."""
        if self.clustered:
            return self.costs.flush_hold_ns(flushes, ipis)
        remote = ipis if ipis > 0 else 0
        with_remote = flushes if flushes < remote else remote
        return with_remote * self.flush_first + (remote - with_remote) * self.flush_further


#: Prices of the profiles seen so far, by identity (the profile is kept alive with them)
_PRICES: dict[int, Prices] = {}


def prices_of(costs: CostProfile) -> Prices:
    """The (cached) :class:`Prices` of ``costs``."""
    prices = _PRICES.get(id(costs))
    if prices is None or prices.costs is not costs:
        prices = _PRICES[id(costs)] = Prices(costs)
    return prices


def hypervisor_ns_since(costs: CostProfile | Prices, v: list[int], mark: list[int]) -> float:
    """``costs.hypervisor_ns(Counters(v) - Counters(mark))`` for flat counter lists (layout
    :data:`blkswap.xen.counters.INDEX`) without building the delta: the same integer terms added
    in the same order as CostProfile.hypervisor_ns, so the float is bit-identical. The meter
    calls it whenever functional code asks the time."""
    p = costs if type(costs) is Prices else prices_of(costs)  # type: ignore[arg-type]
    total = 0.0
    n = v[_HC] - mark[_HC]
    if n:
        total += n * p.hypercall
    n = v[_MC] - mark[_MC]
    if n:
        total += n * p.multicall
    n = v[_BYTES] - mark[_BYTES]
    if n:
        total += n * 1e9 / p.memcpy_Bps
    n = v[_FL] - mark[_FL]
    if n:
        total += n * p.flush_local + p.flush_hold_ns(n, v[_IPIS] - mark[_IPIS])
    n, m = v[_P2M] - mark[_P2M], v[_M2P] - mark[_M2P]
    if n or m:
        total += (n + m) * p.p2m
    n = v[_PTE] - mark[_PTE]
    if n:
        total += n * p.pte
    n = v[_EVT] - mark[_EVT]
    if n:
        total += n * p.evtchn
    n = v[_SCRUB] - mark[_SCRUB]
    if n:
        total += n * 4096 * 1e9 / p.scrub_Bps
    # only the grant ops whose count moved (one or two of the fourteen), found in C
    changed = compress(_OP_OFFSETS, map(ne, v[_OPS_AT:_OPS_END], mark[_OPS_AT:_OPS_END]))
    for i in changed:
        total += (v[_OPS_AT + i] - mark[_OPS_AT + i]) * p.ops[i]
    return total


def hypervisor_ns_by_cause(
    costs: CostProfile | Prices, d: list[int], out: dict[str, float]
) -> float:
    """``costs.hypervisor_ns(Counters(d), out)`` for a flat delta list ``d``: the same parts in
    the same order (CostProfile._hypervisor_ns_by_cause), so bit-identical, without the
    attribute views. A part that is zero is skipped there, and here before it is computed.
    Called once per metered activity, when it closes."""
    p = costs if type(costs) is Prices else prices_of(costs)  # type: ignore[arg-type]
    total = 0.0
    get = out.get
    for n, price, cause in ((d[_HC], p.hypercall, "hypercall"), (d[_MC], p.multicall, "multicall")):
        if n:
            ns = n * price
            if ns:
                total += ns
                out[cause] = get(cause, 0.0) + ns
    n = d[_BYTES]
    if n:
        ns = n * 1e9 / p.memcpy_Bps
        total += ns
        out["grant_copy"] = get("grant_copy", 0.0) + ns
    n, m = d[_FL], d[_IPIS]
    if n or m > 0:  # flush_hold_ns(0, m ≤ 0) is 0
        ns = n * p.flush_local + p.flush_hold_ns(n, m)
        if ns:
            total += ns
            out["tlb_flush"] = get("tlb_flush", 0.0) + ns
    total = _by_cause_rest(p, d, out, total)
    return total


def _by_cause_rest(p: Prices, d: list[int], out: dict[str, float], total: float) -> float:
    """The parts of :func:`hypervisor_ns_by_cause` after the flushes, in the same order."""
    get = out.get
    n = d[_P2M] + d[_M2P]
    if n:
        ns = n * p.p2m
        if ns:
            total += ns
            out["p2m"] = get("p2m", 0.0) + ns
    for n, price, cause in ((d[_PTE], p.pte, "pte"), (d[_EVT], p.evtchn, "evtchn")):
        if n:
            ns = n * price
            if ns:
                total += ns
                out[cause] = get(cause, 0.0) + ns
    n = d[_SCRUB]
    if n:
        ns = n * 4096 * 1e9 / p.scrub_Bps
        total += ns
        out["scrub"] = get("scrub", 0.0) + ns
    for i in compress(_OP_OFFSETS, d[_OPS_AT:_OPS_END]):
        ns = d[_OPS_AT + i] * p.ops[i]
        if ns:
            total += ns
            cause = _OP_CAUSES[i]
            out[cause] = get(cause, 0.0) + ns
    return total
