"""One run, start to finish: size and build the host, connect, run the job groups, account, tear
down and audit. Every figure reported comes from counters the layers keep (STYLE.md lesson 10)."""

from __future__ import annotations

import math
import time
from typing import Any

from blkswap.back.datapaths import COMPARED
from blkswap.lab.config import LabConfig
from blkswap.lab.host import DEVID, Host, HostError
from blkswap.lab.jobrun import JobRunner
from blkswap.lab.result import Result
from blkswap.lab.truth import DiskTruth
from blkswap.report import JobStats, RunStats
from blkswap.workload.jobspec import JobFile
from blkswap.xen import POISON

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
SAMPLE_NS = 1_000_000  # dom0 memory timeline sampling period (1 ms simulated)
STEP_NS = 1_000_000  # progress / stall checks every 1 ms of simulated time
STALL_NS = 10_000_000_000  # no progress for 10 s of simulated time: the run is stuck


def guest_pages_for(config: LabConfig, jobfile: JobFile) -> int:
    """Pages each guest needs: I/O buffers of every job clone, persistent bounce pages, rings."""
    if config.guest_pages:
        return config.guest_pages
    buffers = 0
    for job in jobfile.jobs:
        sizes = (
            list(job.bs)
            + [hi for _, hi in job.bsrange or ()]
            + [b for d in job.bssplit or () for b, _ in d]
        )
        buffers += job.numjobs * job.iodepth * max(1, math.ceil(max(sizes) / 4096))
    ring_entries = 32 << config.ring_page_order
    bounce = config.queues * ring_entries * (max(11, config.max_indirect_segments) + 1)
    return buffers + bounce + 256


def split_groups(jobfile: JobFile) -> list[list[Any]]:
    """fio's reporting groups: a job with stonewall/new_group starts a new one."""
    groups: list[list[Any]] = []
    for job in jobfile.jobs:
        if not groups or job.stonewall or job.new_group:
            groups.append([])
        groups[-1].append(job)
    return groups


def execute(config: LabConfig, jobfile: JobFile, progress: Any = None) -> Result:
    host = Host(config, guest_pages_for(config, jobfile))
    try:
        host.connect()
        env = host.env
        truths = [DiskTruth(config.disk_size) for _ in host.guests]
        verify = config.verify and config.datapath != "null"
        runners: list[JobRunner] = []
        sampler = env.process(_sample_memory(host))
        started = time.time()
        for gi, group in enumerate(split_groups(jobfile)):
            procs = []
            for job in group:
                for clone in range(job.numjobs):
                    for guest in host.guests[: config.guests - config.idle_guests]:
                        stats = JobStats(
                            jobname=job.name,
                            groupid=gi,
                            job_options=dict(job.options),
                            description=job.description,
                            percentile_list=tuple(job.percentile_list),
                            job_start_ms=int(started * 1000),
                        )
                        r = JobRunner(
                            host,
                            guest,
                            truths[guest.index],
                            job,
                            clone,
                            stats,
                            POISON,
                            verify,
                            config.seed,
                        )
                        runners.append(r)
                        procs.append(env.process(r.run()))
            done = env.all_of(procs)
            idle_since, seen = env.now, -1
            while not done.processed:
                env.run(until=min(env.now + STEP_NS, env.peek() + STEP_NS))
                if progress is not None:
                    progress(host, runners)
                moved = sum(r.done_ios + r.inflight for r in runners) + host.xen.counters.hypercalls
                if moved != seen:
                    idle_since, seen = env.now, moved
                elif env.now - idle_since > STALL_NS:
                    raise HostError(stall_report(host, runners))
        sampler.interrupt("done") if sampler.is_alive else None
        host.runners = runners
        run = RunStats(
            jobs=[r.stats for r in runners],
            global_options=dict(jobfile.global_options),
            timestamp=time.time(),
            group_reporting=any(j.group_reporting for j in jobfile.jobs),
        )
        for r in runners:
            r.stats.blkswap = job_figures(host, r)
        run.blkswap = host_figures(host)
        run.disk_util = disk_util(host)
        audit = teardown(host)
        run.blkswap["audit"] = audit
        return Result(config, run, audit)
    finally:
        host.close()


def _sample_memory(host: Host):
    pools = list(host.backend.pools.values())
    timeline = host.memory_timeline = []
    try:
        while True:
            timeline.append([int(host.env.now), sum(p.in_use for p in pools)])
            yield host.env.timeout(SAMPLE_NS)
    except Exception:  # Interrupt at the end of the run
        return


def job_figures(host: Host, r: JobRunner) -> dict[str, Any]:
    """The per-job ``"blkswap"`` object: the job's VBD as the hypervisor and backend saw it."""
    g = r.guest
    vbd = host.backend.vbd(g.domid, DEVID)
    front_stats = {
        k: sum(q.stats[k] for q in g.front.queues)
        for k in ("requests", "segments", "notifies", "indirect", "ring_full")
    }
    ring_stats: dict[str, int] = {}
    counters: dict[str, Any] = {}
    if vbd is not None:
        for ring in vbd.rings:
            for k, v in ring.stats.items():
                ring_stats[k] = ring_stats.get(k, 0) + v
            for k, v in ring.counters.items():
                if isinstance(v, dict):
                    d = counters.setdefault(k, {})
                    for kk, vv in v.items():
                        d[kk] = d.get(kk, 0) + vv
                else:
                    counters[k] = counters.get(k, 0) + v
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


def host_figures(host: Host) -> dict[str, Any]:
    cpus = [host.dom0_cpus] + [g.cpus for g in host.guests]
    by_domain = {c.name: round(c.total_ns) for c in cpus}
    by_cause: dict[str, float] = {}
    for c in cpus:
        for k, v in c.busy_ns.items():
            by_cause[k] = by_cause.get(k, 0.0) + v
    pools = host.backend.pools
    timeline = getattr(host, "memory_timeline", [])
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
        "fairness": fairness(host),
        "hazard": hazard_figures(host),
        "flush_lock": {
            "acquisitions": host.clock.flush_lock.acquisitions,
            "held_ns": round(host.clock.flush_lock.held_ns),
            "waited_ns": round(host.clock.flush_lock.waited_ns),
        },
        "counters": host.xen.counters.as_dict(),
        "device_ios": sum(d.ios for d in host.devices.values()),
    }


def stall_report(host: Host, runners: list[JobRunner]) -> str:
    """Why a run made no progress (never a silent hang): in-flight I/O and pool state."""
    pools = ", ".join(
        f"{n}: {p.in_use}/{p.frames} in use, {p.waiting} waiting"
        for n, p in host.backend.pools.items()
    )
    inflight = sum(r.inflight for r in runners)
    return (
        f"the run made no progress for {STALL_NS / 1e9:.0f} s of simulated time at t={host.env.now / 1e9:.3f} s "
        f"with {inflight} I/Os in flight; pools: {pools}"
    )


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


def fairness(host: Host) -> dict[str, Any]:
    """Jain's fairness index over per-guest throughput (1 = perfectly fair, 1/n = one guest gets all)."""
    per_guest: dict[int, float] = {}
    for r in getattr(host, "runners", []):
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


def teardown(host: Host) -> list[str]:
    """Close every frontend, let the backends disconnect, then audit the hypervisor."""
    for g in host.guests:
        g.front.close()
    # let the network stack's last retransmissions finish before auditing page references
    settle = 10_000_000 + (3 * int(host.config.net_rto_ms * 1e6) if host.net is not None else 0)
    host.env.run(until=host.env.now + settle)
    return host.xen.audit()
