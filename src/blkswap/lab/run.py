"""One run, start to finish: size and build the host, connect, run the job groups, account, tear
down and audit. Every figure reported comes from counters the layers keep (docs/design.md lesson 10)."""

from __future__ import annotations

import math
import time
from typing import Any

from blkswap.lab.config import LabConfig
from blkswap.lab.figures import (
    device_figures,
    disk_util,
    fault_figures,
    host_figures,
    job_figures,
)
from blkswap.lab.host import Host, HostError
from blkswap.lab.jobrun import JobRunner
from blkswap.lab.result import Result
from blkswap.lab.truth import DiskTruth
from blkswap.report import JobStats, RunStats
from blkswap.report.fio_logs import log_settings
from blkswap.sim import Interrupt
from blkswap.workload.jobspec import JobFile
from blkswap.xen import POISON

SAMPLE_NS = 1_000_000  # dom0 memory timeline sampling period (1 ms simulated)
STEP_NS = 1_000_000  # progress / stall checks every 1 ms of simulated time
STALL_NS = 10_000_000_000  # no progress for 10 s of simulated time: the run is stuck


def guest_pages_for(config: LabConfig, jobfile: JobFile) -> int:
    """Pages each guest needs: I/O buffers of every job clone, persistent bounce pages, rings."""
    if config.guest_pages:
        return config.guest_pages
    buffers = 0
    for job in jobfile.jobs:
        buffers += job.numjobs * job.iodepth * math.ceil(job.max_bs / 4096)
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


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM while the jobs ran. ``partial`` is the Result of what ran until then, as
    fio prints the statistics of an interrupted run: the jobs' figures up to that simulated time,
    no teardown audit (``run.blkswap["interrupted_at_ns"]`` says when); None if it could not be
    gathered."""

    def __init__(self, partial: Result | None = None) -> None:  # unpickling calls it bare
        super().__init__()
        self.partial = partial


def execute(config: LabConfig, jobfile: JobFile, progress: Any = None) -> Result:
    """Build the host, run every reporting group in turn, gather figures, tear down, audit."""
    host = Host(config, guest_pages_for(config, jobfile))
    try:
        host.connect()
        truths = DiskTruth.for_disks(config.disk_size, len(host.guests))
        sampler = host.env.process(_sample_memory(host))
        started_ms = int(time.time() * 1000)
        runners: list[JobRunner] = []
        try:
            for gi, group in enumerate(split_groups(jobfile)):
                group_runners = _runners(host, truths, group, gi, started_ms)
                runners += group_runners
                _drive(host, group_runners, runners, progress)
        except KeyboardInterrupt as stop:
            raise RunInterrupted(_interrupted(config, jobfile, host, runners)) from stop
        if sampler.is_alive:
            sampler.interrupt("done")
        run = _gather(jobfile, host, runners)
        run.blkswap["audit"] = audit = teardown(host)
        if host.faults is not None:
            run.blkswap["faults"] = fault_figures(host)
        return Result(config, run, audit)
    finally:
        host.close()


def _gather(jobfile: JobFile, host: Host, runners: list[JobRunner]) -> RunStats:
    """The run's statistics: every job's, and the figures of the host and its devices."""
    run = RunStats(
        jobs=[r.stats for r in runners],
        global_options=dict(jobfile.global_options),
        timestamp=time.time(),
        group_reporting=any(j.group_reporting for j in jobfile.jobs),
    )
    for r in runners:
        r.stats.blkswap = job_figures(host, r)
    run.blkswap = host_figures(host, runners)
    run.disk_util = disk_util(host)
    run.devices = device_figures(host)
    return run


def _interrupted(
    config: LabConfig, jobfile: JobFile, host: Host, runners: list[JobRunner]
) -> Result | None:
    """The partial Result of a run stopped at ``host.env.now``: jobs still running end there."""
    now = int(host.env.now)
    try:
        for r in runners:
            if not r.stats.end_ns:
                r.stats.end_ns = max(now, r.stats.start_ns)
        run = _gather(jobfile, host, runners)
    except Exception:  # noqa: BLE001 - stopped mid-update: no partial figures rather than wrong ones
        return None
    run.blkswap["interrupted_at_ns"] = now
    return Result(config, run)


def _runners(
    host: Host, truths: list[DiskTruth], group: list[Any], gi: int, started_ms: int
) -> list[JobRunner]:
    """One runner per job × clone × (active) guest, as fio clones a job ``numjobs`` times."""
    config = host.config
    verify = config.verify and config.datapath != "null"
    out = []
    for job in group:
        for clone in range(job.numjobs):
            for guest in host.guests[: config.guests - config.idle_guests]:
                stats = JobStats(
                    jobname=job.name,
                    groupid=gi,
                    job_options=dict(job.options),
                    description=job.description,
                    percentile_list=tuple(job.percentile_list),
                    job_start_ms=started_ms,
                    logs=log_settings(job),  # write_bw/iops/lat_log: keep per-I/O samples
                )
                out.append(
                    JobRunner(
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
                )
    return out


def _drive(host: Host, group: list[JobRunner], everyone: list[JobRunner], progress: Any) -> None:
    """Run the simulation until the group's runners finish; report progress; never hang: no
    progress for STALL_NS of simulated time is an error naming what is stuck."""
    env = host.env
    done = env.all_of([env.process(r.run()) for r in group])
    idle_since, seen = env.now, -1
    while not done.processed:
        env.run(until=min(env.now + STEP_NS, env.peek() + STEP_NS))
        if progress is not None:
            progress(host, everyone)
        moved = sum(r.done_ios + r.inflight for r in group) + host.xen.counters.hypercalls
        if moved != seen:
            idle_since, seen = env.now, moved
        elif env.now - idle_since > STALL_NS:
            raise HostError(stall_report(host, everyone))


def _sample_memory(host: Host):
    """The dom0 memory timeline: frames in use in all pools, every SAMPLE_NS."""
    pools = list(host.backend.pools.values())
    timeline = host.memory_timeline
    try:
        while True:
            timeline.append([int(host.env.now), sum(p.in_use for p in pools)])
            yield host.env.timeout(SAMPLE_NS)
    except Interrupt:  # the run is over
        return


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


def teardown(host: Host) -> list[str]:
    """Close every frontend, let the backends disconnect, then audit the hypervisor."""
    for g in host.guests:
        g.front.close()
    # let the network stack's last retransmissions finish before auditing page references
    settle = 10_000_000 + (3 * int(host.config.net_rto_ms * 1e6) if host.net is not None else 0)
    host.env.run(until=host.env.now + settle)
    return host.xen.audit()
