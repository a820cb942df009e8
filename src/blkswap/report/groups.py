"""Reporting groups: fio's ``group_reporting`` merge and per-group run figures.

fio reports each job on its own unless ``group_reporting`` is set, in which case each group
(``groupid``) becomes one entry named after its first job, with its statistics summed
(stat.c ``sum_thread_stats``). The "Run status group" figures (stat.c ``show_run_stats``:
``iobytes``, ``agg``, ``min_bw``/``max_bw``, ``min_run``/``max_run``) are computed over the
entries that are reported. This module also derives the values every output shares
(bw/iops of one direction, the kb_base in use).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import DIRECTIONS, DirStats, JobStats, RunStats, SampleStat

__all__ = [
    "DirFigures",
    "bw_agg_percent",
    "GroupRun",
    "dir_figures",
    "group_runs",
    "kb_base",
    "merge_counters",
    "reported_jobs",
]


@dataclass(frozen=True)
class DirFigures:
    """The headline numbers of one direction, computed as fio stat.c add_ddir_status_json."""

    runtime_ms: int
    bw_bytes: int  # B/s = 1000 * io_bytes / runtime_ms (integer division)
    bw_kib: int  # KiB/s = bw_bytes / 1024
    iops: float  # 1000.0 * total_ios / runtime_ms
    bw: SampleStat
    iops_stat: SampleStat


def dir_figures(job: JobStats, name: str, bw: SampleStat | None = None) -> DirFigures:
    """Headline figures for direction ``name`` of ``job``; ``bw`` overrides the bw samples."""
    d = job.direction(name)
    runt = d.runtime_ms(job.start_ns, job.end_ns)
    horizon = max(0, job.end_ns - job.start_ns)
    bw_stat = bw if bw is not None else d.bw_stat(horizon)
    iops_stat = d.iops_stat(horizon)
    if not runt:
        return DirFigures(0, 0, 0, 0.0, bw_stat, iops_stat)
    bw_bytes = 1000 * d.io_bytes // runt
    return DirFigures(
        runt, bw_bytes, bw_bytes // 1024, 1000.0 * d.total_ios / runt, bw_stat, iops_stat
    )


def kb_base(run: RunStats, job: JobStats | None = None) -> int:
    """The kb_base in effect (1024 unless the job or [global] says 1000)."""
    raw = (job.job_options.get("kb_base") if job else None) or run.global_options.get("kb_base")
    if raw is None:
        return 1024
    if str(raw).strip() not in ("1000", "1024"):
        raise ValueError(f"kb_base must be 1000 or 1024, got {raw!r}")
    return int(str(raw).strip())


#: per-job "blkswap" keys that name a thing rather than count one: the first job's value stands
IDENTITY_KEYS = frozenset(
    {
        "guest",
        "domid",
        "vbd",
        "protocol",
        "datapath",
        "datapath_requested",
        "front_mode",
        "pool",
        "first_error",
    }
)


def _merge_value(key: str, a: Any, b: Any) -> Any:
    if isinstance(a, bool) or isinstance(b, bool) or key in IDENTITY_KEYS:
        return a
    if isinstance(a, int | float) and isinstance(b, int | float):
        return max(a, b) if "peak" in key or key.endswith("_max") else a + b
    if isinstance(a, dict) and isinstance(b, dict):
        return merge_counters(a, b)
    return a  # strings, lists: the first job's value stands for the group


def merge_counters(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Merge two per-job "blkswap" dicts: numbers add up (keys naming a peak or ending in
    ``_max`` take the maximum), nested dicts merge recursively, anything else keeps ``a``'s."""
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge_value(key, out[key], value) if key in out else value
    return out


@dataclass
class _GroupAcc:
    first: JobStats
    members: list[JobStats] = field(default_factory=list)


def _merge_group(jobs: list[JobStats]) -> JobStats:
    first = jobs[0]
    merged = JobStats(
        jobname=first.jobname,
        groupid=first.groupid,
        job_options=dict(first.job_options),
        description=first.description,
        start_ns=min(j.start_ns for j in jobs),
        end_ns=max(j.end_ns for j in jobs),
        job_start_ms=min(j.job_start_ms for j in jobs),
        error=next((j.error for j in jobs if j.error), 0),
        percentile_list=first.percentile_list,
        clat_percentiles=first.clat_percentiles,
        lat_percentiles=first.lat_percentiles,
        slat_percentiles=first.slat_percentiles,
        pid=first.pid,
        members=sum(j.members for j in jobs),
    )
    total_runtime = sum(j.runtime_ms for j in jobs)
    for j in jobs:
        for name in (*DIRECTIONS, "sync"):
            merged.direction(name).merge(j.direction(name))
        for src, dst in (
            (j.iodepth_counts, merged.iodepth_counts),
            (j.submit_batches, merged.submit_batches),
            (j.complete_batches, merged.complete_batches),
        ):
            for k, v in src.items():
                dst[k] = dst.get(k, 0) + v
        merged.ctx += j.ctx
        merged.majf += j.majf
        merged.minf += j.minf
        merged.blkswap = merge_counters(merged.blkswap, j.blkswap)
        if total_runtime:  # fio sums usr/sys time and runtime: a runtime-weighted mean
            merged.usr_cpu += j.usr_cpu * j.runtime_ms / total_runtime
            merged.sys_cpu += j.sys_cpu * j.runtime_ms / total_runtime
    for name in DIRECTIONS:  # fio sum_thread_stats: runtime[ddir] is the max over members
        merged.direction(name).runtime_override_ms = max(j.dir_runtime_ms(name) for j in jobs)
    return merged


def reported_jobs(run: RunStats) -> list[tuple[JobStats, dict[str, SampleStat]]]:
    """The entries fio would print, each with its bw sample stats per direction.

    Without group_reporting: every job as is. With it: one merged entry per groupid, in
    order of first appearance, whose bw/iops samples are fio's pure sum of the members'.
    """
    if not run.group_reporting:
        return [(j, {}) for j in run.jobs]
    groups: dict[int, _GroupAcc] = {}
    for job in run.jobs:
        groups.setdefault(job.groupid, _GroupAcc(job)).members.append(job)
    out = []
    for acc in groups.values():
        merged = _merge_group(acc.members)
        bw: dict[str, SampleStat] = {}
        for name in DIRECTIONS:
            total = SampleStat()
            for j in acc.members:
                total = total.pure_sum(dir_figures(j, name).bw)
            bw[name] = total
        out.append((merged, bw))
    return out


@dataclass
class GroupRun:
    """fio ``struct group_run_stats`` for one group, per direction index 0..2."""

    groupid: int
    kb_base: int = 1024
    iobytes: list[int] = field(default_factory=lambda: [0, 0, 0])
    agg: list[int] = field(default_factory=lambda: [0, 0, 0])  # B/s
    min_bw: list[int] = field(default_factory=lambda: [0, 0, 0])
    max_bw: list[int] = field(default_factory=lambda: [0, 0, 0])
    min_run: list[int] = field(default_factory=lambda: [0, 0, 0])
    max_run: list[int] = field(default_factory=lambda: [0, 0, 0])


def group_runs(run: RunStats, entries: Iterable[JobStats]) -> dict[int, GroupRun]:
    """Per-group totals over the reported entries (fio stat.c show_run_stats)."""
    out: dict[int, GroupRun] = {}
    for job in entries:
        rs = out.setdefault(job.groupid, GroupRun(job.groupid, kb_base(run, job)))
        for i, name in enumerate(DIRECTIONS):
            d: DirStats = job.direction(name)
            runt = d.runtime_ms(job.start_ns, job.end_ns)
            if not runt:
                continue
            bw = d.io_bytes * 1000 // runt
            rs.iobytes[i] += d.io_bytes
            rs.max_run[i] = max(rs.max_run[i], runt)
            rs.min_run[i] = runt if not rs.min_run[i] else min(rs.min_run[i], runt)
            rs.max_bw[i] = max(rs.max_bw[i], bw)
            rs.min_bw[i] = bw if not rs.min_bw[i] else min(rs.min_bw[i], bw)
    for rs in out.values():
        for i in range(3):
            if rs.max_run[i]:
                rs.agg[i] = rs.iobytes[i] * 1000 // rs.max_run[i]
    return out


def bw_agg_percent(rs: GroupRun | None, ddir: int, mean: float) -> float:
    """fio stat.c ``convert_agg_kbytes_percent``: the job's mean bw as % of the group's
    aggregate. fio passes the mean as an int (truncating it) and caps the result at 100."""
    if rs is None or rs.agg[ddir] <= 1024:
        return 100.0
    pct = int(mean) * 100.0 / (rs.agg[ddir] / 1024.0)
    return min(pct, 100.0)
