"""The figures a run reports beside fio's: per job (its VBD as the hypervisor and backend saw
it, and its own verification) and host-wide (CPU by domain and cause, pools, fairness, hazard,
dom0 memory). Every figure comes from a counter a layer keeps, never from a re-derivation."""

from __future__ import annotations

from typing import Any

from blkswap.back.datapaths import COMPARED
from blkswap.back.vbd import ring_totals
from blkswap.lab.host import DEVID, Host
from blkswap.lab.jobrun import JobRunner

HYPERVISOR_CAUSES = (
    "hypercall",
    "grant_map",
    "grant_unmap",
    "grant_unmap_and_replace",
    "grant_copy",
    "grant_transfer",
    "grant_swap",
    "grant_setup_table",
    "grant_query_size",
    "tlb_flush",
    "tlb_ipi",
    "tlb_lock",
    "multicall",
    "p2m",
    "pte",
    "evtchn",
    "scrub",
)


def job_figures(host: Host, r: JobRunner) -> dict[str, Any]:
    """The per-job ``"blkswap"`` object: the job's VBD as the hypervisor and backend saw it."""
    g = r.guest
    vbd = host.backend.vbd(g.domid, DEVID)
    front_stats = {
        k: sum(q.stats[k] for q in g.front.queues)
        for k in ("requests", "segments", "notifies", "indirect", "ring_full")
    }
    ring_stats, counters_ = ring_totals(vbd.rings if vbd is not None else ())
    counters: dict[str, Any] = counters_
    f = r.findings  # this job's own verification (the VBD figures above are per guest)
    grant_ops = {k: v for k, v in counters.get("grant_ops", {}).items() if v}
    return {
        "guest": g.index + 1,
        "domid": g.domid,
        "vbd": "xvda",
        "protocol": g.front.codec.protocol,
        "datapath": vbd.datapath if vbd is not None else host.config.datapath,
        "datapath_requested": host.config.datapath,
        "front_mode": g.front.mode,
        "rings": _rings(g.front.negotiated),
        "requests": front_stats["requests"],
        "segments": front_stats["segments"],
        "indirect_requests": front_stats["indirect"],
        "notifies": front_stats["notifies"],
        "ring_full": front_stats["ring_full"],
        "hypercalls": counters.get("hypercalls", 0),
        "guest_hypercalls": g.port.counters.hypercalls,
        "grant_ops": grant_ops,
        "tlb_flushes": counters.get("tlb_flushes", 0),
        "tlb_flush_vcpus": counters.get("tlb_flush_vcpus", 0),
        "tlb_flush_ipis": counters.get("tlb_flush_ipis", 0),
        "bytes_copied": counters.get("bytes_copied", 0),
        "verified_sectors": f.verified_sectors,
        "verify_errors": f.verify_errors,
        "unverifiable_reads": f.unverifiable_reads,
        "leaked_bytes": f.leaked_bytes,
        "leaked_by_domain": {str(k): v for k, v in f.leaked_by_domain.items()},
        "poison_bytes": f.poison_bytes,
        "first_error": f.first_error,
        "backend": dict(sorted(ring_stats.items())),
        "pool": vbd.config.pool if vbd is not None else "default",
        "dom0_frames_peak": host.backend.pools[
            host.config.pool_of(g.index + 1)
        ].stats.peak_by_owner.get(f"xvda.{g.domid}", 0),
        "cpu_ns": {"guest": round(g.cpus.total_ns)},
    }


def host_figures(host: Host, runners: list[JobRunner]) -> dict[str, Any]:
    cpus = [host.dom0_cpus] + [g.cpus for g in host.guests]
    by_domain = {c.name: round(c.total_ns) for c in cpus}
    by_cause: dict[str, float] = {}
    for c in cpus:
        for k, v in c.busy_ns.items():
            by_cause[k] = by_cause.get(k, 0.0) + v
    out = _host_figures(host, runners, cpus, by_domain, by_cause)
    if host.config.pcpus:  # a physical host was given ([host] pcpus)
        out["host"] = pcpu_figures(host, cpus)
    return out


def pcpu_figures(host: Host, cpus: list[Any]) -> dict[str, Any]:
    """The physical host: pCPUs, scheduler, how busy, and steal per domain (as xentop)."""
    p, spec = host.pcpus, host.config.host
    sim = max(1.0, host.env.now)
    busy = p.busy_ns if p is not None else sum(c.total_ns for c in cpus)
    return {
        "pcpus": spec.pcpus,
        "sockets": spec.sockets,
        "smt": spec.smt,
        "sched": spec.sched,
        "dom0_pin": spec.dom0_pin,
        "shared": p is not None,  # False: a pCPU per vCPU, nothing modelled (no host)
        "pcpu_busy_ns": round(busy),
        "utilisation": round(busy / (sim * spec.pcpus), 4),
        "switches": p.switches if p is not None else 0,
        "steal_ns_by_domain": {c.name: round(c.steal_ns) for c in cpus},
        "steal_pct_by_domain": {c.name: round(100 * c.steal_ns / (sim * c.vcpus), 2) for c in cpus},
    }


def _host_figures(
    host: Host,
    runners: list[JobRunner],
    cpus: list[Any],
    by_domain: dict[str, int],
    by_cause: dict[str, float],
) -> dict[str, Any]:
    pools = host.backend.pools
    timeline = host.memory_timeline
    return {
        "datapath": host.config.datapath,
        "compared": list(COMPARED),
        "guests": host.config.guests,
        "dom0_vcpus": host.config.dom0_vcpus,
        "guest_vcpus": host.config.guest_vcpus,
        "device": host.config.device,
        "costs": host.costs.name,
        "sim_ns": int(host.env.now),
        "cpu_ns_by_domain": by_domain,
        "cpu_ns_by_cause": {k: round(v) for k, v in sorted(by_cause.items())},
        "xen_ns": round(sum(v for k, v in by_cause.items() if k in HYPERVISOR_CAUSES)),
        "dom0_memory": {
            "pool_frames": sum(p.frames for p in pools.values()),
            "frames_peak": sum(p.peak for p in pools.values()),
            "mapping_slots_peak": host.backend.va.peak,
            "timeline": timeline,
        },
        "pool": pools["default"].figures(),
        "pools": {n: p.figures() for n, p in pools.items()},
        "fairness": fairness(runners),
        "hazard": hazard_figures(host),
        "flush_lock": {
            "acquisitions": host.clock.flush_lock.acquisitions,
            "held_ns": round(host.clock.flush_lock.held_ns),
            "waited_ns": round(host.clock.flush_lock.waited_ns),
        },
        "counters": host.xen.counters.as_dict(),
        "device_ios": sum(d.ios for d in host.devices.values()),
        "negotiated": negotiation_notes(host),
    }


def _rings(n: dict[str, int]) -> str:
    """What the handshake settled, as text (a string: group reporting does not add it up)."""
    if not n:
        return "not connected"
    return f"{n['queues']} × {1 << n['ring_page_order']} page(s)"


def negotiation_notes(host: Host) -> list[str]:
    """One line per guest whose handshake settled on less than it asked for (rings capped by
    its vCPUs or the backend's multi-queue-max-queues, ring order capped by the backend's
    max-ring-page-order, a data path that fell back for want of a frontend feature)."""
    notes = []
    for g in host.guests:
        n = g.front.negotiated
        if not n:
            continue
        vbd = host.backend.vbd(g.domid, DEVID)
        why = []
        if n["queues"] < n["queues_asked"]:
            caps = {"its vCPUs": n["vcpus"], "backend max": n["backend_max_queues"]}
            limit = ", ".join(f"{k} {v}" for k, v in caps.items() if v == n["queues"])
            why.append(f"{n['queues']} ring(s) of {n['queues_asked']} asked ({limit})")
        if n["ring_page_order"] < n["ring_page_order_asked"]:
            why.append(
                f"ring-page-order {n['ring_page_order']} of {n['ring_page_order_asked']} asked"
                f" (backend max {n['backend_max_ring_page_order']})"
            )
        if vbd is not None and vbd.negotiated.fell_back:
            why.append(
                f"data path {vbd.datapath} instead of {vbd.negotiated.asked_datapath}"
                " (the frontend did not offer the feature)"
            )
        if why:
            notes.append(f"{g.name}: " + "; ".join(why))
    return notes


def hazard_figures(host: Host) -> dict[str, Any]:
    """``"blkswap" → "hazard"``: what retransmissions carried and what each policy cost."""
    stats = [loop.hazard.stats for loop in host.backend.loops]
    extra = [ns for s in stats for ns in s.extra_latency_ns]
    pools = host.backend.pools.values()
    out: dict[str, Any] = {"policy": host.config.hazard_policy}
    out.update(
        host.net.figures()
        if host.net is not None
        else {"retransmits": 0, "retransmits_wrong_data": 0, "leaked_bytes": 0}
    )
    out.update(
        {
            "deferred_releases": sum(s.deferred for s in stats),
            "unmap_retries": sum(s.unmap_retries for s in stats),
            "replaced_frames": sum(s.replaced_frames for s in stats),
            "abandoned_frames": sum(p.stats.abandoned for p in pools),
            "refills": sum(p.stats.refills for p in pools),
            "extra_latency_ns": {
                "count": len(extra),
                "mean": round(sum(extra) / len(extra)) if extra else 0,
                "max": max(extra, default=0),
            },
        }
    )
    return out


def fairness(runners: list[JobRunner]) -> dict[str, Any]:
    """Jain's fairness index over per-guest throughput (1 = perfectly fair, 1/n = one guest gets all)."""
    per_guest: dict[int, float] = {}
    for r in runners:
        span = max(1, r.stats.end_ns - r.stats.start_ns)
        moved = r.stats.read.io_bytes + r.stats.write.io_bytes
        per_guest[r.guest.index] = per_guest.get(r.guest.index, 0.0) + moved * 1e9 / span
    xs = list(per_guest.values())
    jain = (sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))) if xs and any(xs) else 1.0
    return {
        "jain_index": round(jain, 4),
        "guests": len(xs),
        "min_Bps": round(min(xs, default=0)),
        "max_Bps": round(max(xs, default=0)),
    }


def disk_util(host: Host) -> list[dict[str, Any]]:
    out = []
    for g in host.guests:
        vbd = host.backend.vbd(g.domid, DEVID)
        st: dict[str, int] = {}
        for ring in vbd.rings if vbd else ():
            for k, v in ring.stats.items():
                st[k] = st.get(k, 0) + v
        out.append(
            {
                "name": f"xvda.{g.domid}",
                "read_ios": st.get("rd_req", 0),
                "write_ios": st.get("wr_req", 0),
                "read_sectors": st.get("rd_sect", 0),
                "write_sectors": st.get("wr_sect", 0),
                "read_merges": 0,
                "write_merges": 0,
                "read_ticks": 0,
                "write_ticks": 0,
                "in_queue": 0,
                "util": 0.0,
            }
        )
    return out


def device_figures(host: Host) -> list[dict[str, Any]]:
    """Each emulated storage device: requests, bytes, busy time and utilisation over the run's
    simulated time — the busier of its service slots (latency + transfer per request) and its
    data channel (bytes at the device bandwidth, timing.DeviceQueue). ≥ 0.9 is the bottleneck."""
    sim_ns = max(1, int(host.env.now))
    out = []
    for key, d in sorted(host.devices.items()):
        model = d.model
        slots = d.busy_ns / (max(1, model.service_slots) * sim_ns)
        channels = 1 if model.bandwidth_shared else 2
        moved = d.bytes * 1e9 / model.bandwidth_Bps if model.bandwidth_Bps else 0.0
        out.append(
            {
                "device": model.name,
                "shared": bool(host.config.shared_device),
                "index": key,
                "ios": d.ios,
                "bytes": d.bytes,
                "busy_ns": round(d.busy_ns),
                "util": round(min(1.0, max(slots, moved / (channels * sim_ns))), 4),
            }
        )
    return out


def fault_figures(host: Host) -> dict[str, Any]:
    """``--faults``: injections by kind (storage and device), and with ``[durability]`` the power
    cut after the run: cached sectors dropped and acknowledged writes lost (storage/durability.py)."""
    plan = host.faults
    assert plan is not None
    injected: dict[str, int] = {}
    planned = [s.plan for s in host.faulty_stores]
    planned += [d.model.plan for d in host.devices.values() if hasattr(d.model, "plan")]
    for p in planned:
        for kind, n in p.injected().items():
            injected[kind] = injected.get(kind, 0) + n
    out: dict[str, Any] = {"seed": plan.seed, "injected": injected}
    if plan.durability is not None:
        from blkswap.storage.durability import lost_acknowledged_writes

        survive = plan.durability.survive
        out["cut_sectors"] = sum(d.power_cut(survive) for d in host.cached_disks)
        out["lost_acknowledged_writes"] = sum(
            lost_acknowledged_writes(d) for d in host.cached_disks
        )
    return out
