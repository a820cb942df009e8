"""CSV export: one row per (data path, job, direction that did I/O).

Fixed columns carry the fio figures (bytes, IOs, runtime, IOPS, bandwidth, latency means and
clat percentiles, CPU); then every key of the job's "blkswap" object, flattened with dots
(``grant_ops.map``), in sorted order over all rows so every row has the same columns. The
blkswap counters are per job, so they repeat on each direction row of that job. Lists
(e.g. a timeline) are written as JSON text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .figures import flatten
from .groups import dir_figures
from .histogram import percentile_key
from .model import DIRECTIONS, RunStats

__all__ = ["CSV_COLUMNS", "csv_rows", "write_csv"]

CSV_COLUMNS = (
    "datapath",
    "jobname",
    "groupid",
    "direction",
    "io_bytes",
    "total_ios",
    "runtime_ms",
    "iops",
    "bw_bytes",
    "slat_mean_ns",
    "clat_mean_ns",
    "clat_stddev_ns",
    "clat_min_ns",
    "clat_p50_ns",
    "clat_p90_ns",
    "clat_p99_ns",
    "clat_p99.9_ns",
    "clat_max_ns",
    "lat_mean_ns",
    "usr_cpu",
    "sys_cpu",
    "error",
)
_PCTS = (
    (50.0, "clat_p50_ns"),
    (90.0, "clat_p90_ns"),
    (99.0, "clat_p99_ns"),
    (99.9, "clat_p99.9_ns"),
)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


def csv_rows(results: Mapping[str, RunStats]) -> list[dict[str, Any]]:
    """The rows ``write_csv`` writes, as dicts keyed by column name."""
    rows = []
    for datapath, run in results.items():
        for job in run.jobs:
            extra = {f"blkswap.{k}": _cell(v) for k, v in flatten(job.blkswap).items()}
            for name in DIRECTIONS:
                d = job.direction(name)
                if not d.total_ios:
                    continue
                fig = dir_figures(job, name)
                pct = d.clat.percentiles([p for p, _ in _PCTS])
                row: dict[str, Any] = {
                    "datapath": datapath,
                    "jobname": job.jobname,
                    "groupid": job.groupid,
                    "direction": name,
                    "io_bytes": d.io_bytes,
                    "total_ios": d.total_ios,
                    "runtime_ms": fig.runtime_ms,
                    "iops": f"{fig.iops:.6f}",
                    "bw_bytes": fig.bw_bytes,
                    "slat_mean_ns": f"{d.slat.mean:.3f}",
                    "clat_mean_ns": f"{d.clat.mean:.3f}",
                    "clat_stddev_ns": f"{d.clat.stddev:.3f}",
                    "clat_min_ns": d.clat.min,
                    "clat_max_ns": d.clat.max,
                    "lat_mean_ns": f"{d.lat.mean:.3f}",
                    "usr_cpu": f"{job.usr_cpu:.6f}",
                    "sys_cpu": f"{job.sys_cpu:.6f}",
                    "error": job.error,
                }
                for p, col in _PCTS:
                    row[col] = pct.get(percentile_key(p), "")
                row.update(extra)
                rows.append(row)
    return rows


def write_csv(results: Mapping[str, RunStats], path: str | Path) -> Path:
    """Write the CSV to ``path`` (parent directories created) and return the path."""
    rows = csv_rows(results)
    extra = sorted({k for row in rows for k in row if k not in CSV_COLUMNS})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*CSV_COLUMNS, *extra], restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
