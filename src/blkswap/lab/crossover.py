"""Where swap beats copy: re-price the measured per-request work of both paths on a grid of
memcpy bandwidths and hypercall costs (the seed's question: "weren't all these hypercalls
ultimately more expensive than memcpy?").

The work per request (hypercalls, grant ops, bytes copied, flushes, P2M/M2P updates) is what the
emulator counted in the two runs; only the prices change across the grid. What a request costs
*other* vCPUs and the host — flush IPIs handled by dom0's other vCPUs, spinning on the flush and
grant-table locks, their cache-line bouncing, context switches on shared pCPUs — is taken per
request as measured in each run and held fixed across the grid (lab simplification: it depends on
the dom0 size, the load and the host, not on memcpy or hypercall prices). So the figure answers
the question for the host it was measured on, which ``assumed`` names (docs/costs.md).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from blkswap.sim.costs import CostProfile

MEMCPY_GBPS = [1, 2, 3, 5, 7, 10, 14, 20, 28, 40]
HYPERCALL_NS = [100, 200, 300, 500, 700, 1000, 1500, 2000, 3000]
SCALARS = (
    "hypercalls",
    "bytes_copied",
    "tlb_flushes",
    "tlb_flush_vcpus",
    "tlb_flush_ipis",
    "p2m_updates",
    "m2p_updates",
    "pte_updates",
    "evtchn_sends",
    "frames_scrubbed",
)


def _vbd_figures(result: Any) -> list[dict[str, Any]]:
    """Each guest's VBD figures once (the jobs on the same guest share them)."""
    by_guest: dict[int, dict[str, Any]] = {}
    for j in result.run.jobs:
        by_guest.setdefault(j.blkswap["domid"], j.blkswap)
    return list(by_guest.values())


def per_request_work(result: Any) -> SimpleNamespace:
    """Average hypervisor work per backend request in a run (dom0 side, all VBDs)."""
    total: dict[str, float] = dict.fromkeys(SCALARS, 0.0)
    ops: dict[str, float] = {}
    requests = 0
    for b in _vbd_figures(result):
        requests += b["requests"]
        total["hypercalls"] += b["hypercalls"]
        total["bytes_copied"] += b["bytes_copied"]
        total["tlb_flushes"] += b["tlb_flushes"]
        total["tlb_flush_vcpus"] += b["tlb_flush_vcpus"]
        total["tlb_flush_ipis"] += b["tlb_flush_ipis"]
        for k, v in b["grant_ops"].items():
            ops[k] = ops.get(k, 0) + v
    n = max(1, requests)
    work = SimpleNamespace(**{k: v / n for k, v in total.items()})
    work.grant_ops = {k: v / n for k, v in ops.items()}
    # swap and transfer update P2M+M2P of both domains per frame (docs/xen.md)
    work.p2m_updates = 2 * (work.grant_ops.get("swap", 0) + work.grant_ops.get("transfer", 0))
    work.m2p_updates = work.p2m_updates
    return work


#: CPU causes a request costs beyond its own priced work: other vCPUs' IPI handling, lock waits,
#: bouncing and context switches (docs/costs.md "Host"); measured per run, fixed across the grid
CONTENTION = ("tlb_ipi", "tlb_lock", "gnttab_lock", "lock_bounce", "vcpu_switch")


def contention_per_request(result: Any) -> float:
    """ns of :data:`CONTENTION` causes per backend request in a run (all domains)."""
    requests = sum(b["requests"] for b in _vbd_figures(result))
    by_cause = result.run.blkswap.get("cpu_ns_by_cause", {})
    return sum(by_cause.get(c, 0.0) for c in CONTENTION) / max(1, requests)


def assumed_host(result: Any) -> dict[str, Any]:
    """The host a run was measured on: guests, vCPUs, pCPUs and scheduler, cost profile."""
    b = result.run.blkswap
    host = b.get("host")
    return {
        "guests": b.get("guests"),
        "dom0_vcpus": b.get("dom0_vcpus"),
        "guest_vcpus": b.get("guest_vcpus"),
        "pcpus": host["pcpus"] if host else None,  # None: a pCPU per vCPU (no host model)
        "sched": host["sched"] if host else None,
        "costs": b.get("costs"),
    }


def crossover_grid(swap: Any, copy: Any, costs: CostProfile) -> dict[str, Any]:
    """``swap_minus_copy_ns[y][x]``: per-request cost difference (negative: swap is cheaper),
    each path's re-priced own work plus its measured contention per request."""
    ws, wc = per_request_work(swap), per_request_work(copy)
    cs, cc = contention_per_request(swap), contention_per_request(copy)
    grid = []
    for hc in HYPERCALL_NS:
        row = []
        for gbps in MEMCPY_GBPS:
            p = costs.with_overrides(memcpy_Bps=gbps * 1e9, hypercall_ns=hc)
            row.append(round(p.hypervisor_ns(ws, {}) + cs - p.hypervisor_ns(wc, {}) - cc, 1))
        grid.append(row)
    return {
        "memcpy_GBps": MEMCPY_GBPS,
        "hypercall_ns": HYPERCALL_NS,
        "swap_minus_copy_ns": grid,
        "work_per_request": {"swap": vars(ws), "copy": vars(wc)},
        "contention_ns_per_request": {"swap": round(cs, 1), "copy": round(cc, 1)},
        "assumed": assumed_host(swap),
    }
