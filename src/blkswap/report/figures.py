"""Headline figures of a run, shared by the comparison table, the CSV and the plots.

``run_metrics`` reduces one ``RunStats`` to the numbers a data-path comparison needs: IOPS and
bandwidth summed over jobs, completion-latency percentiles from the merged fio histograms, and
the lab counters (hypercalls, TLB flushes, grant ops, bytes copied …) totalled over jobs and
divided by the number of requests. A counter absent from every job is ``None`` (shown as "-"),
never 0, so "not measured" and "zero" stay distinct.

Host-wide figures (``run.blkswap``: CPU time of dom0 and of the guests, time in Xen) are divided
by the requests of all VBDs with each guest counted once: jobs on one guest share its VBD, so
their ``requests`` repeat the same figure (``lab/figures.py`` ``job_figures``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .groups import dir_figures
from .histogram import LatencyHistogram, percentile_key
from .model import DIRECTIONS, RunStats

__all__ = ["RunMetrics", "counter_total", "flatten", "run_metrics"]

_PLIST = (50.0, 90.0, 99.0, 99.9)


def counter_total(value: Any) -> int | float:
    """Total of a counter that may be a number or a nested dict/list of numbers
    (e.g. ``hypercalls`` as ``{"grant_table_op": 10, "multicall": 2}``). Booleans and strings
    count as 0."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return sum(counter_total(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(counter_total(v) for v in value)
    return 0


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> {"a.b.c": scalar}; lists are kept whole (the caller decides)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class RunMetrics:
    """One run's headline numbers (per-request figures are None when not measured)."""

    iops: float
    bw_bytes: int
    clat_ns: dict[float, int]  # percentile -> ns, for 50, 90, 99, 99.9 (empty without samples)
    requests: int  # requests of all VBDs, each guest counted once (total I/Os when not recorded)
    hypercalls: float | None
    tlb_flushes: float | None
    bytes_copied: float | None
    grant_ops: float | None
    verify_errors: float | None
    leaked_bytes: float | None
    dom0_frames_peak: float | None
    dom0_cpu_ns: float | None = None  # cpu_ns_by_domain["dom0"]
    guest_cpu_ns: float | None = None  # sum of cpu_ns_by_domain["guest…"]
    xen_ns: float | None = None  # time in the hypervisor, part of the two above

    def per_request(self, name: str) -> float | None:
        """``name`` (e.g. "hypercalls") divided by the number of requests."""
        value = getattr(self, name)
        if value is None or not self.requests:
            return None
        return value / self.requests


def _job_sum(run: RunStats, key: str) -> float | None:
    present = [counter_total(j.blkswap[key]) for j in run.jobs if key in j.blkswap]
    return sum(present) if present else None


def _vbd_sum(run: RunStats, key: str) -> float | None:
    """A per-VBD figure (requests, hypercalls, flushes, bytes copied, grant ops) summed with each
    guest (``domid``) counted once: jobs on one guest share its VBD and repeat its figures.
    Jobs without a domid count as guests of their own."""
    seen: set[Any] = set()
    total, found = 0.0, False
    for index, job in enumerate(run.jobs):
        b = job.blkswap
        if key not in b:
            continue
        guest = b.get("domid", ("job", index))
        if guest not in seen:
            seen.add(guest)
            total += counter_total(b[key])
            found = True
    return total if found else None


def _vbd_requests(run: RunStats) -> int:
    """Requests over all VBDs, each guest (``domid``) counted once; jobs without a domid count
    as guests of their own. Total I/Os of all jobs when no job recorded ``requests``."""
    seen: set[Any] = set()
    total = 0.0
    for index, job in enumerate(run.jobs):
        b = job.blkswap
        if "requests" not in b:
            continue
        guest = b.get("domid", ("job", index))
        if guest not in seen:
            seen.add(guest)
            total += counter_total(b["requests"])
    return int(total) if seen else sum(j.total_ios for j in run.jobs)


def _cpu_ns(run: RunStats) -> tuple[float | None, float | None, float | None]:
    """(dom0, guests, Xen) busy ns from the run's host figures; None where not recorded."""
    by_domain = run.blkswap.get("cpu_ns_by_domain")
    dom0 = guests = None
    if isinstance(by_domain, Mapping):
        if "dom0" in by_domain:
            dom0 = counter_total(by_domain["dom0"])
        guest_keys = [k for k in by_domain if str(k).startswith("guest")]
        if guest_keys:
            guests = sum(counter_total(by_domain[k]) for k in guest_keys)
    xen = counter_total(run.blkswap["xen_ns"]) if "xen_ns" in run.blkswap else None
    return dom0, guests, xen


def _frames_peak(run: RunStats) -> float | None:
    mem = run.blkswap.get("dom0_memory")
    if isinstance(mem, Mapping) and "frames_peak" in mem:
        return counter_total(mem["frames_peak"])
    peaks = [
        counter_total(j.blkswap["dom0_frames_peak"])
        for j in run.jobs
        if "dom0_frames_peak" in j.blkswap
    ]
    return max(peaks) if peaks else None


def run_metrics(run: RunStats) -> RunMetrics:
    """Reduce ``run`` to its headline figures (jobs reported individually, as with
    group_reporting off: the sums are the same either way)."""
    iops = 0.0
    bw_bytes = 0
    clat = LatencyHistogram()
    for job in run.jobs:
        for name in DIRECTIONS:
            fig = dir_figures(job, name)
            iops += fig.iops
            bw_bytes += fig.bw_bytes
            clat.merge(job.direction(name).clat)
    pct = clat.percentiles(_PLIST)
    requests = _vbd_requests(run)
    dom0_cpu, guest_cpu, xen = _cpu_ns(run)
    return RunMetrics(
        iops=iops,
        bw_bytes=bw_bytes,
        clat_ns={p: pct[percentile_key(p)] for p in _PLIST if percentile_key(p) in pct},
        requests=int(requests),
        hypercalls=_vbd_sum(run, "hypercalls"),
        tlb_flushes=_vbd_sum(run, "tlb_flushes"),
        bytes_copied=_vbd_sum(run, "bytes_copied"),
        grant_ops=_vbd_sum(run, "grant_ops"),
        verify_errors=_job_sum(run, "verify_errors"),
        leaked_bytes=_job_sum(run, "leaked_bytes"),
        dom0_frames_peak=_frames_peak(run),
        dom0_cpu_ns=dom0_cpu,
        guest_cpu_ns=guest_cpu,
        xen_ns=xen,
    )
