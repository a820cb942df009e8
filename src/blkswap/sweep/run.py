"""Run a sweep: skip the points already done, hand the rest to an executor, store each record as
it arrives, show progress (done / failed / ETA), then write the table and the plots."""

from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from blkswap.sweep.grid import Grid, Point
from blkswap.sweep.store import Store

__all__ = ["SweepOutcome", "SweepProgress", "estimate_seconds", "run_sweep"]

REQUESTS_PER_S = 3000.0
"""Rough full-stack rate of one worker (4 KiB, verification on; docs/performance.md): only for
``--dry-run`` estimates before any point of the grid has run."""
FIXED_S = 0.3  #: rough cost of building, connecting and tearing down one host (per guest 0.02 s)


@dataclass
class SweepOutcome:
    """What a sweep did: points run now, found done, failed (with their errors)."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)


class SweepProgress:
    """``sweep: 7/16 done, 1 failed, ETA 0m12s`` on *stream*: redrawn in place on a terminal,
    one line per finished point otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()

    def line(self) -> str:
        finished = self.done + self.failed
        eta = "--"
        if finished:
            left = (time.perf_counter() - self.t0) / finished * (self.total - finished)
            eta = f"{int(left // 60)}m{int(left % 60):02d}s"
        failed = f", {self.failed} failed" if self.failed else ""
        return f"sweep: {finished}/{self.total} done{failed}, ETA {eta}"

    def update(self, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.enabled:
            end = "" if self.tty and self.done + self.failed < self.total else "\n"
            print(("\r" if self.tty else "") + self.line(), end=end, file=self.stream, flush=True)


def estimate_seconds(grid: Grid, store: Store, workers: int) -> tuple[float, str]:
    """(seconds, basis) to run the points of *grid* not done yet with *workers* workers: the
    median time of the points already done in *store*, else a rough rate (REQUESTS_PER_S)."""
    todo = [p for p in grid.points if not store.done(p.key)]
    seen = [r["elapsed_s"] for p in grid.points if (r := store.load(p.key)) and "elapsed_s" in r]
    if seen:
        per = statistics.median(seen)
        basis = f"median of {len(seen)} point(s) already run"
        return per * math.ceil(len(todo) / max(1, workers)), basis
    total = sum(_rough_point_s(p) for p in todo)
    basis = f"rough: {REQUESTS_PER_S:.0f} requests/s per worker, {FIXED_S} s per host"
    return total / max(1, min(workers, len(todo) or 1)), basis


def _rough_point_s(point: Point) -> float:
    from blkswap.workload.parser import parse_jobtext

    try:
        jobfile = parse_jobtext(point.job_text, point.job_name, quiet=True)
    except Exception:  # noqa: BLE001 - the run will report it; estimate the fixed cost only
        return FIXED_S
    guests = point.lab["guests"] - point.lab["idle_guests"]
    ios = 0.0
    for job in jobfile.jobs:
        size = job.io_size or job.size or point.lab["disk_size"]
        ios += job.numjobs * job.loops * size / max(1, job.bs[0])
    return FIXED_S + 0.02 * point.lab["guests"] + guests * ios / REQUESTS_PER_S


def run_sweep(
    grid: Grid,
    out: str | Path,
    *,
    workers: int,
    cluster: str | None = None,
    scheduler: str | None = None,
    progress: SweepProgress | None = None,
    plots: bool = True,
) -> SweepOutcome:
    """Run every point of *grid* not done in *out*; ``cluster="local"``: a dask LocalCluster,
    ``scheduler``: an existing dask scheduler's address; neither: local processes."""
    from blkswap.sweep.executors import run_dask, run_processes

    store = Store(out)
    outcome = SweepOutcome(total=len(grid.points))
    by_key: dict[str, Point] = {}
    for point in grid.points:
        if store.done(point.key):
            outcome.skipped += 1
        else:
            by_key.setdefault(point.key, point)  # equal settings: one run serves both
    progress = progress or SweepProgress(len(by_key), enabled=False)

    def on_record(record: dict[str, Any]) -> None:
        store.write(by_key[record["key"]], record)
        ok = record.get("status") == "ok"
        if ok:
            outcome.done += 1
        else:
            outcome.failed[record["key"]] = record.get("error", "?")
        progress.update(ok)

    specs = [p.spec() for p in by_key.values()]
    if specs and (cluster or scheduler):
        run_dask(specs, on_record, address=scheduler, workers=workers)
    elif specs:
        run_processes(specs, workers, on_record)
    outcome.outputs = store.write_tables(grid)
    if plots:
        from blkswap.sweep.plots import write_plots

        outcome.outputs += write_plots(store.rows(grid), grid.axes, store.folder / "plots")
    return outcome
