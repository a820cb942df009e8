"""Pricing flat counter deltas: the meter's hot path (``CostProfile.hypervisor_ns`` on marks).

The hypervisor's counters are one flat list of ints (:mod:`blkswap.xen.counters`); a meter keeps a
mark and prices what was counted since. These functions add the same integer terms in the same
order as :meth:`blkswap.sim.costs.CostProfile.hypervisor_ns`, so the floats are bit-identical
(tests/test_timing.py checks it with hypothesis).
"""

from __future__ import annotations

from blkswap.sim.costs import GRANT_OP_COST, CostProfile
from blkswap.xen import counters as cn

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
