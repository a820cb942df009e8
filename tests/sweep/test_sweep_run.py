"""Sweeps on local processes with the real lab: records, table, plots, resume, failures, and a
worker process killed in the middle of a sweep."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import pyarrow.parquet as pq
from sweep_rig import write_grid

from blkswap.sweep import Store, load_grid, run_sweep

PNG = b"\x89PNG\r\n\x1a\n"


def _records(out):
    return {p.stem: json.loads(p.read_text()) for p in (out / "points").glob("*.json")}


def test_cli_sweep_writes_points_table_and_plots_then_resume_skips(tmp_path):
    path = write_grid(tmp_path, 'datapath = ["map", "copy"]\n"job.iodepth" = [1, 4]')
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "blkswap", "sweep", str(path), "--out", str(out),
           "--workers", "2"]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "sweep: 4/4 done, ETA" in p.stderr and "4 run, 0 already done, 0 failed" in p.stderr
    grid = load_grid(path)
    records = _records(out)
    assert set(records) == {pt.key for pt in grid.points}
    for pt in grid.points:
        rec = records[pt.key]
        assert rec["status"] == "ok" and rec["axes"] == pt.axes and rec["seed"] == 5
        assert rec["measures"]["requests"] == 32 and rec["measures"]["verify_errors"] == 0
    copied = {pt.axes["datapath"]: records[pt.key]["measures"]["bytes_copied_per_req"]
              for pt in grid.points}  # fmt: skip
    assert copied["map"] == 0 and copied["copy"] > 0
    with (out / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["key"] for r in rows] == [pt.key for pt in grid.points]
    assert {(r["datapath"], r["job.iodepth"], r["status"]) for r in rows} == {
        (d, q, "ok") for d in ("map", "copy") for q in ("1", "4")
    }
    table = pq.read_table(out / "results.parquet").to_pylist()
    assert [r["key"] for r in table] == [r["key"] for r in rows]
    assert [r["iops"] for r in table] == [float(r["iops"]) for r in rows]
    pngs = sorted((out / "plots").glob("*.png"))
    assert (out / "plots" / "iops__job_iodepth.png") in pngs
    assert all(png.read_bytes()[:8] == PNG for png in pngs)
    # resume: nothing runs again, the point files are untouched
    stamps = {k: (out / "points" / f"{k}.json").stat().st_mtime_ns for k in records}
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "0 run, 4 already done, 0 failed" in p.stderr
    assert stamps == {k: (out / "points" / f"{k}.json").stat().st_mtime_ns for k in records}


def test_failing_point_is_recorded_and_the_others_finish(tmp_path):
    # an offset beyond the 1 MiB disk: that point's run raises, the others do not
    path = write_grid(tmp_path, '"job.offset" = [0, "2m", "512k"]\ndatapath = ["map", "copy"]')
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "blkswap", "sweep", str(path), "--out", str(out), "--workers",
         "2", "--no-plots"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert p.returncode == 1, p.stderr
    grid = load_grid(path)
    records = _records(out)
    bad = {pt.key for pt in grid.points if pt.axes["job.offset"] == "2m"}
    assert {k for k, r in records.items() if r["status"] == "failed"} == bad
    assert all(records[k]["status"] == "ok" for k in records if k not in bad)
    assert all("disk" in records[k]["error"] for k in bad)
    assert "4 run, 0 already done, 2 failed" in p.stderr
    assert sum(f"point {k} failed:" in p.stderr for k in bad) == 2
    # a resume runs the failed points again (and only them)
    outcome = run_sweep(grid, out, workers=2, plots=False)
    assert (outcome.skipped, outcome.done, set(outcome.failed)) == (4, 0, bad)


def test_worker_process_killed_mid_sweep_loses_no_point(tmp_path):
    path = write_grid(tmp_path, '"job.iodepth" = [1, 2, 3, 4, 5, 6, 7, 8]\nguests = [1, 2]')
    grid = load_grid(path)
    out = tmp_path / "out"
    result = {}
    sweep = threading.Thread(target=lambda: result.update(
        outcome=run_sweep(grid, out, workers=2, plots=False)))  # fmt: skip
    sweep.start()
    deadline = time.monotonic() + 120
    while not list((out / "points").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    children = multiprocessing.active_children()
    assert children, "the sweep had no worker process"
    os.kill(children[0].pid, signal.SIGKILL)
    killed_at = len(list((out / "points").glob("*.json")))
    sweep.join(300)
    assert killed_at < len(grid.points), "every point was done before the kill"
    outcome = result["outcome"]
    assert outcome.done == len(grid.points) and not outcome.failed
    records = _records(out)
    assert {r["status"] for r in records.values()} == {"ok"} and len(records) == 16
    # the broken pool was replaced: points ran on more processes than the first pool had
    assert len({r["pid"] for r in records.values()}) > 2
    assert Store(out).rows(grid)[0]["status"] == "ok"
