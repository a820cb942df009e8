"""Sweeps on dask with the real lab: a LocalCluster, and an external ``dask scheduler`` with two
``dask worker`` processes on 127.0.0.1 (started and stopped here), one of them killed mid-sweep."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sweep_rig import write_grid

from blkswap.sweep import load_grid, run_sweep

DASK = str(Path(sys.executable).with_name("dask"))


def _measures(out):
    recs = [json.loads(p.read_text()) for p in (out / "points").glob("*.json")]
    return {r["key"]: {k: v for k, v in r["measures"].items() if k != "wall_s"} for r in recs}


def test_local_cluster_gives_the_results_of_local_processes(tmp_path):
    path = write_grid(tmp_path, 'datapath = ["map", "swap"]\nguests = [1, 2]')
    grid = load_grid(path)
    on_dask = run_sweep(grid, tmp_path / "dask", workers=2, cluster="local", plots=False)
    assert on_dask.done == 4 and not on_dask.failed
    on_procs = run_sweep(grid, tmp_path / "procs", workers=2, plots=False)
    assert on_procs.done == 4
    dask_measures = _measures(tmp_path / "dask")
    assert set(dask_measures) == {p.key for p in grid.points}
    assert dask_measures == _measures(tmp_path / "procs")  # same seeds, same answers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` + two ``dask worker`` processes (no nanny: one process each)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = (tmp_path / "dask.log").open("w")
    common = {"stdout": log, "stderr": subprocess.STDOUT, "cwd": tmp_path}
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], **common)]  # fmt: skip
    for _ in range(2):
        procs.append(subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
             "--host", "127.0.0.1"], **common))  # fmt: skip
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs[1:]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_external_scheduler_worker_killed_mid_sweep_loses_no_point(tmp_path, dask_cluster):
    address, workers = dask_cluster
    path = write_grid(tmp_path, '"job.iodepth" = [1, 2, 3, 4, 5, 6, 7, 8]\nguests = [1, 2]')
    grid = load_grid(path)
    out = tmp_path / "out"
    result = {}
    sweep = threading.Thread(target=lambda: result.update(
        outcome=run_sweep(grid, out, workers=2, scheduler=address, plots=False)))  # fmt: skip
    sweep.start()
    deadline = time.monotonic() + 120
    while not list((out / "points").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = workers[1]
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = len(list((out / "points").glob("*.json")))
    sweep.join(300)
    assert not sweep.is_alive()
    assert killed_at < len(grid.points), "every point was done before the kill"
    outcome = result["outcome"]
    assert outcome.done == len(grid.points) and not outcome.failed
    recs = [json.loads(p.read_text()) for p in (out / "points").glob("*.json")]
    assert len(recs) == 16 and {r["status"] for r in recs} == {"ok"}
    pids = {r["pid"] for r in recs}
    assert workers[0].pid in pids  # the survivor ran the rest
    assert pids <= {workers[0].pid, victim.pid}
    # resume on the same cluster: nothing to do
    again = run_sweep(grid, out, workers=2, scheduler=address, plots=False)
    assert (again.skipped, again.done) == (16, 0)
