"""One point of a sweep, run wherever a worker is: :func:`run_point` takes plain data and returns
plain data (a process pool or a dask worker pickles both), and never raises for a failed run —
the failure is its record."""

from __future__ import annotations

import os
import socket
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["MEASURES", "measures_of", "run_point"]

#: measure name → what it is (the columns of the table, the y axes of the plots)
MEASURES = {
    "iops": "I/Os per simulated second, all jobs",
    "bw_MiBps": "MiB per simulated second, all jobs",
    "clat_p50_us": "completion latency, median (µs)",
    "clat_p99_us": "completion latency, 99th percentile (µs)",
    "hypercalls_per_req": "hypercalls per request",
    "tlb_flushes_per_req": "TLB flushes per request",
    "bytes_copied_per_req": "bytes copied by Xen per request",
    "grant_ops_per_req": "grant operations per request",
    "dom0_us_per_req": "dom0 CPU µs per request",
    "guest_us_per_req": "guest CPU µs per request",
    "xen_us_per_req": "µs in Xen per request",
    "dom0_frames_peak": "dom0 frames, peak",
    "verify_errors": "sectors that failed verification",
    "leaked_bytes": "bytes of another domain or poison seen",
    "requests": "requests of all VBDs",
    "wall_s": "wall seconds of the run",
}


def measures_of(result: Any) -> dict[str, float | None]:
    """The sweep's measures of one lab Result (report.figures.run_metrics, per request)."""
    from blkswap.report.figures import run_metrics

    m = run_metrics(result.run)

    def per_req(name: str, scale: float = 1.0) -> float | None:
        value = m.per_request(name)
        return None if value is None else value * scale

    return {
        "iops": m.iops,
        "bw_MiBps": m.bw_bytes / (1 << 20),
        "clat_p50_us": m.clat_ns[50.0] / 1000 if 50.0 in m.clat_ns else None,
        "clat_p99_us": m.clat_ns[99.0] / 1000 if 99.0 in m.clat_ns else None,
        "hypercalls_per_req": per_req("hypercalls"),
        "tlb_flushes_per_req": per_req("tlb_flushes"),
        "bytes_copied_per_req": per_req("bytes_copied"),
        "grant_ops_per_req": per_req("grant_ops"),
        "dom0_us_per_req": per_req("dom0_cpu_ns", 1e-3),
        "guest_us_per_req": per_req("guest_cpu_ns", 1e-3),
        "xen_us_per_req": per_req("xen_ns", 1e-3),
        "dom0_frames_peak": m.dom0_frames_peak,
        "verify_errors": m.verify_errors,
        "leaked_bytes": m.leaked_bytes,
        "requests": float(m.requests),
        "wall_s": result.wall_s,
    }


def run_point(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one point: ``{"key", "status": "ok", "measures", "audit", …}`` or, when the run
    raised, ``{"key", "status": "failed", "error": "Type: message", "traceback"}``."""
    from blkswap.lab import Lab
    from blkswap.sweep.grid import lab_config
    from blkswap.workload.parser import parse_jobtext

    record: dict[str, Any] = {
        "key": spec["key"],
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    t0 = time.perf_counter()
    try:
        jobfile = parse_jobtext(
            spec["job_text"], spec["job_name"], base_dir=Path(spec["base_dir"]), quiet=True
        )
        result = Lab(lab_config(spec["lab"])).run(jobfile)
        record.update(status="ok", measures=measures_of(result), audit=list(result.audit))
    except Exception as err:  # noqa: BLE001 - a failed point is a record, not a crash
        record.update(
            status="failed",
            error=f"{type(err).__name__}: {' '.join(str(err).split())}",
            traceback=traceback.format_exc(limit=8),
        )
    record["elapsed_s"] = time.perf_counter() - t0
    return record
