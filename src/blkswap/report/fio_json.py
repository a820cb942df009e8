"""fio-compatible JSON and json+ output: the document (``to_fio_json``) and fio's printer
(``dumps_fio``).

Keys, order and units follow fio 3.x stat.c (show_thread_status_json, add_ddir_status_json,
add_ddir_lat_json, json_array_add_disk_util) as summarised in fio-conventions.md §2: read,
write and trim are always present (zero-filled), every "job options"/"global options" value is
a string, percentile keys are ``"%f"``, json+ adds ``bins`` next to each ``percentile``. Lab
additions live only in a ``"blkswap"`` object per job and one at the top level, plus a
top-level ``"blkswap version"`` key; no fio key is renamed or extended.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import __version__
from .groups import GroupRun, bw_agg_percent, dir_figures, group_runs, reported_jobs
from .histogram import LatencyHistogram
from .model import DIRECTIONS, JobStats, RunStats, SampleStat
from .units import (
    DEPTH_KEYS,
    LAT_MS_KEYS,
    LAT_NS_KEYS,
    LAT_US_KEYS,
    SUBMIT_KEYS,
    batch_distribution,
    depth_distribution,
)

__all__ = ["FIO_VERSION", "dumps_fio", "format_fio_json", "lat_bucket_percents", "to_fio_json"]

FIO_VERSION = f"fio-3.42-compat (blkswap {__version__})"  # starts with "fio-3." for sniffers
_REQUIRED_OPTS = (("rw", "read"), ("bs", "4096"), ("iodepth", "1"), ("numjobs", "1"))
_DISK_KEYS = (
    "name", "read_ios", "write_ios", "read_sectors", "write_sectors", "read_merges",
    "write_merges", "read_ticks", "write_ticks", "in_queue", "util",
)  # fmt: skip


def _lat_json(hist: LatencyHistogram, job: JobStats, percentiles: bool, plus: bool) -> dict:
    """fio add_ddir_lat_json: min/max/mean/stddev/N, then percentile and json+ bins if samples."""
    obj: dict[str, Any] = {
        "min": hist.min,
        "max": hist.max,
        "mean": float(hist.mean),
        "stddev": float(hist.stddev),
        "N": hist.n,
    }
    if percentiles and hist.n:
        obj["percentile"] = hist.percentiles(job.percentile_list)
        if plus:
            obj["bins"] = hist.bins()
    return obj


def _dir_json(job: JobStats, name: str, bw: SampleStat | None, rs: GroupRun, plus: bool) -> dict:
    d = job.direction(name)
    fig = dir_figures(job, name, bw)
    ddir = DIRECTIONS.index(name)
    p_of_agg = bw_agg_percent(rs, ddir, fig.bw.mean) if fig.bw.samples else 0.0
    return {
        "io_bytes": d.io_bytes,
        "io_kbytes": d.io_bytes >> 10,
        "bw_bytes": fig.bw_bytes,
        "bw": fig.bw_kib,
        "iops": fig.iops,
        "runtime": fig.runtime_ms,
        "total_ios": d.total_ios,
        "short_ios": d.short_ios,
        "drop_ios": d.drop_ios,
        "slat_ns": _lat_json(d.slat, job, job.slat_percentiles, plus),
        "clat_ns": _lat_json(d.clat, job, job.clat_percentiles, plus),
        "lat_ns": _lat_json(d.lat, job, job.lat_percentiles, plus),
        "bw_min": fig.bw.min,
        "bw_max": fig.bw.max,
        "bw_agg": p_of_agg,
        "bw_mean": fig.bw.mean,
        "bw_dev": fig.bw.dev,
        "bw_samples": fig.bw.samples,
        "iops_min": fig.iops_stat.min,
        "iops_max": fig.iops_stat.max,
        "iops_mean": fig.iops_stat.mean,
        "iops_stddev": fig.iops_stat.dev,
        "iops_samples": fig.iops_stat.samples,
    }


def lat_bucket_percents(job: JobStats) -> list[float]:
    """fio stat_calc_lat over all 32 clat buckets (10 ns, 10 us, 12 ms): % of the job's I/Os,
    a non-zero bucket showing at least 0.01%."""
    total = job.total_ios
    counts = [sum(c) for c in zip(*(job.direction(n).lat_buckets for n in DIRECTIONS), strict=True)]
    if not total:
        return [0.0] * len(counts)
    return [(0.01 if (c and c * 100.0 / total < 0.01) else c * 100.0 / total) for c in counts]


def job_options_json(run: RunStats, job: JobStats) -> dict[str, str]:
    """ "job options": name first, the user's options as strings, and the keys fio-plot needs
    (rw, bs, iodepth, numjobs) filled from [global] or fio's defaults when not set."""
    opts: dict[str, str] = {"name": job.jobname}
    for key, value in job.job_options.items():
        if key != "name":
            opts[str(key)] = str(value)
    for key, default in _REQUIRED_OPTS:
        if key not in opts:
            opts[key] = str(run.global_options.get(key, default))
    return opts


def _iodepth(job: JobStats) -> dict[str, Any]:
    total = job.total_ios
    submit = job.submit_batches or ({1: total} if total else {})  # lab: one I/O per call
    complete = job.complete_batches or ({1: total} if total else {})
    return {
        "iodepth_level": dict(
            zip(DEPTH_KEYS, depth_distribution(job.iodepth_counts, total), strict=True)
        ),
        "iodepth_submit": dict(zip(SUBMIT_KEYS, batch_distribution(submit), strict=True)),
        "iodepth_complete": dict(zip(SUBMIT_KEYS, batch_distribution(complete), strict=True)),
    }


def iodepth_option(run: RunStats, job: JobStats) -> int:
    raw = job.job_options.get("iodepth", run.global_options.get("iodepth", "1"))
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"job {job.jobname!r}: iodepth must be an integer, got {raw!r}") from None


def _job_json(
    run: RunStats, job: JobStats, bw: Mapping[str, SampleStat], rs: GroupRun, plus: bool
) -> dict:
    elapsed_ns = max(0, run.end_ns - run.start_ns)
    obj: dict[str, Any] = {
        "jobname": job.jobname,
        "groupid": job.groupid,
        "job_start": job.job_start_ms,
        "error": job.error,
        "eta": 0,
        "elapsed": -(-elapsed_ns // 1_000_000_000),  # whole seconds, rounded up
        "job options": job_options_json(run, job),
    }
    for name in DIRECTIONS:
        obj[name] = _dir_json(job, name, bw.get(name), rs, plus)
    obj["sync"] = {
        "total_ios": job.sync.total_ios,
        "lat_ns": _lat_json(job.sync.lat, job, job.clat_percentiles or job.lat_percentiles, plus),
    }
    obj.update(
        job_runtime=job.runtime_ms,
        usr_cpu=float(job.usr_cpu),
        sys_cpu=float(job.sys_cpu),
        ctx=job.ctx,
        majf=job.majf,
        minf=job.minf,
    )
    obj.update(_iodepth(job))
    pct = lat_bucket_percents(job)
    obj["latency_ns"] = dict(zip(LAT_NS_KEYS, pct[0:10], strict=True))
    obj["latency_us"] = dict(zip(LAT_US_KEYS, pct[10:20], strict=True))
    obj["latency_ms"] = dict(zip(LAT_MS_KEYS, pct[20:32], strict=True))
    # fio 3.42 prints the latency-target block whenever latency_depth (= iodepth) is set.
    obj.update(
        latency_depth=iodepth_option(run, job),
        latency_target=0,
        latency_target_ns=0,
        latency_percentile=100.0,
        latency_window=0,
        latency_window_us=0,
    )
    if job.description:
        obj["desc"] = job.description
    obj["blkswap"] = dict(job.blkswap)
    return obj


def _disk_json(entry: Mapping[str, Any]) -> dict[str, Any]:
    if "name" not in entry:
        raise ValueError(f"disk_util entry has no 'name': {dict(entry)!r}")
    out: dict[str, Any] = {}
    for key in _DISK_KEYS:
        value = entry.get(key, 0.0 if key == "util" else 0)
        out[key] = float(value) if key == "util" else value
    out.update({k: v for k, v in entry.items() if k not in out})
    return out


def to_fio_json(run: RunStats, plus: bool = False) -> dict[str, Any]:
    """The fio JSON document (``plus`` = json+, adding ``bins``) for ``run``, in fio's key order."""
    entries = reported_jobs(run)
    groups = group_runs(run, [job for job, _ in entries])
    doc: dict[str, Any] = {
        "fio version": FIO_VERSION,
        "blkswap version": __version__,
        "timestamp": int(run.timestamp),
        "timestamp_ms": int(run.timestamp * 1000),
        "time": time.ctime(run.timestamp),
    }
    if run.global_options:
        doc["global options"] = {str(k): str(v) for k, v in run.global_options.items()}
    doc["jobs"] = [_job_json(run, job, bw, groups[job.groupid], plus) for job, bw in entries]
    doc["disk_util"] = [_disk_json(e) for e in run.disk_util]
    doc["blkswap"] = dict(run.blkswap)
    return doc


def _escape(text: str) -> str:
    # fio json.c escapes only '"' and '\\'; we also escape control characters so the document
    # always parses (fio would emit them raw).
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    if any(ord(c) < 0x20 for c in out):
        out = "".join(c if ord(c) >= 0x20 else f"\\u{ord(c):04x}" for c in out)
    return out


def _scalar(value: Any, path: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise ValueError(f"cannot write non-finite float {value!r} at {path} in fio JSON")
        return f"{float(value):f}"
    if isinstance(value, str):
        return f'"{_escape(value)}"'
    raise TypeError(f"cannot write {type(value).__name__} at {path} in fio JSON")


def _write(value: Any, level: int, out: list[str], path: str) -> None:
    pad = "  "
    if isinstance(value, Mapping):
        out.append("{\n")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",\n")
            out.append(f'{pad * (level + 1)}"{_escape(str(key))}" : ')
            _write(item, level + 1, out, f"{path}.{key}")
        out.append("\n" + pad * level + "}")
    elif isinstance(value, list | tuple | np.ndarray):
        out.append("[\n")
        for i, item in enumerate(value):
            if i:
                out.append(",\n")
            out.append(pad * (level + 1))
            _write(item, level + 1, out, f"{path}[{i}]")
        out.append("\n" + pad * level + "]")
    else:
        out.append(_scalar(value, path))


def dumps_fio(obj: Any) -> str:
    """Serialise like fio json.c: ``"key" : value``, two-space indent per level, ints as
    ``%lld``, floats as ``%f``, one pair per line. No trailing newline (fio adds one after the
    top-level object; see ``format_fio_json``)."""
    out: list[str] = []
    _write(obj, 0, out, "$")
    return "".join(out)


def format_fio_json(run: RunStats, plus: bool = False) -> str:
    """The full ``--output-format=json`` / ``json+`` text for ``run``, newline-terminated."""
    return dumps_fio(to_fio_json(run, plus)) + "\n"
