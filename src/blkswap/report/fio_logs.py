"""fio's log files for ``write_bw_log``, ``write_iops_log`` and ``write_lat_log``, so fio2gnuplot
and fio-plot read the lab's runs as they read fio's.

Format (fio 3.33 ``iolog.c`` flush_samples, ``init.c`` gen_log_name, ``stat.c``):

* one file per job thread (every ``numjobs`` clone in every guest is one thread here, numbered
  from 1 in run order): ``PREFIX_bw.N.log``, ``PREFIX_iops.N.log``, ``PREFIX_lat.N.log``,
  ``PREFIX_slat.N.log``, ``PREFIX_clat.N.log``; ``per_job_logs=0`` drops the ``.N``
  (``PREFIX_bw.log``, all threads in one file). PREFIX is the option's value, or the job's name
  when the option is given bare.
* each line ``time, value, ddir, bs, prio``: time in ms since the job started (simulated
  time here), ddir 0 read / 1 write / 2 trim, prio 0 (the lab has no I/O priorities).
* ``log_avg_msec=0`` (fio's default): one line per I/O. lat/slat/clat: the latency in ns; bw:
  the I/O's bytes × 10⁶ / its latency in ns (fio's ``add_bw_sample``); iops: 1.
* ``log_avg_msec=M``: one line per direction every M ms that saw I/O: the mean latency (ns),
  KiB/s, or I/Os per second of the window; bs is the job's block size when it has one, else 0.

Lab limit: ``log_offset=1`` is refused with these logs (the lab's statistics keep no offsets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import NS_PER_MS, JobStats, RunStats

__all__ = ["log_settings", "write_fio_logs"]

_DIRS = (("read", 0), ("write", 1), ("trim", 2))


def log_settings(job: Any) -> dict[str, Any] | None:
    """What a :class:`~blkswap.workload.JobSpec` asks to log (None: no logs), for JobStats."""
    wanted = {
        kind: (getattr(job, f"write_{kind}_log") or job.name)
        for kind in ("bw", "iops", "lat")
        if getattr(job, f"write_{kind}_log") is not None
    }
    if not wanted:
        return None
    sizes = {b for d in job.block_sizes for b in d}
    return {
        "prefixes": wanted,
        "avg_msec": job.log_avg_msec,
        "per_job": job.per_job_logs,
        "bs": sizes.pop() if len(sizes) == 1 else 0,
    }


def _unit_lines(job: JobStats, kind: str) -> list[tuple[int, int, int, int]]:
    rows = []
    for name, ddir in _DIRS:
        for done_ns, slat, clat, nbytes in job.direction(name).io_log or ():
            t = done_ns // NS_PER_MS
            if kind == "bw":
                rows.append((t, nbytes * 1_000_000 // max(1, slat + clat), ddir, nbytes))
            elif kind == "iops":
                rows.append((t, 1, ddir, nbytes))
            else:
                value = {"lat": slat + clat, "slat": slat, "clat": clat}[kind]
                rows.append((t, value, ddir, nbytes))
    return sorted(rows)


def _avg_lines(job: JobStats, kind: str, msec: int, bs: int) -> list[tuple[int, int, int, int]]:
    rows = []
    win_ns = msec * NS_PER_MS
    for name, ddir in _DIRS:
        windows: dict[int, list[int]] = {}
        for done_ns, slat, clat, nbytes in job.direction(name).io_log or ():
            w = windows.setdefault(done_ns // win_ns, [0, 0, 0, 0, 0])
            w[0] += 1
            w[1] += nbytes
            w[2] += slat + clat
            w[3] += slat
            w[4] += clat
        for i, (n, nbytes, lat, slat, clat) in sorted(windows.items()):
            value = {
                "bw": nbytes * 1000 // msec // 1024,
                "iops": n * 1000 // msec,
                "lat": lat // n,
                "slat": slat // n,
                "clat": clat // n,
            }[kind]
            rows.append(((i + 1) * msec, value, ddir, bs))
    return sorted(rows)


def write_fio_logs(run: RunStats, folder: Path, prefix: str = "") -> list[Path]:
    """Write the fio log files of every job of ``run`` that asked for them; return the paths.
    ``prefix`` goes in front of each file name (``compare`` writes one set per data path)."""
    folder = Path(folder)
    files: dict[Path, list[str]] = {}
    for number, job in enumerate(run.jobs, start=1):
        if not job.logs:
            continue
        cfg = job.logs
        for kind, stem in cfg["prefixes"].items():
            for sub in ("lat", "slat", "clat") if kind == "lat" else (kind,):
                num = f".{number}" if cfg["per_job"] else ""
                path = folder / f"{prefix}{stem}_{sub}{num}.log"
                if cfg["avg_msec"]:
                    rows = _avg_lines(job, sub, cfg["avg_msec"], cfg["bs"])
                else:
                    rows = _unit_lines(job, sub)
                files.setdefault(path, []).extend(f"{t}, {v}, {d}, {b}, 0\n" for t, v, d, b in rows)
    for path, lines in files.items():
        path.write_text("".join(lines), encoding="ascii")
    return list(files)
