"""Sweep speed-up: the same 16-point grid on 1 and 2 workers, local processes and dask.

    python bench/sweep.py [--ios N] [--workers 1,2]

The grid is 2 data paths × 8 iodepths of a 4 KiB randrw job (``--ios`` I/Os, RAM disk), run
into fresh output folders with ``blkswap.sweep.run_sweep`` (plots off: the point runs are what is
measured). For each executor the wall time with 1 worker, with 2 workers, the speed-up, and the
CPU time of each (this process and its worker processes) are printed, measured in this run; every run must give the same measures (checked). On a machine
shared with other work the speed-up is what the cores it got allowed. Not a pytest test.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from blkswap.sweep import load_grid, run_sweep  # noqa: E402


def write_grid(folder: Path, ios: int) -> Path:
    (folder / "job.fio").write_text(f"[b]\nrw=randrw\nbs=4k\nsize={ios * 4}k\niodepth=4\n")
    disk = max(1 << 20, ios * 4096 * 2)
    (folder / "grid.toml").write_text(
        f'[base]\njob = "job.fio"\nlab = {{ storage = "ram", device = "ram", '
        f"disk_size = {disk} }}\n\n[grid]\n"
        'datapath = ["map", "copy"]\n"job.iodepth" = [1, 2, 4, 8, 12, 16, 24, 32]\n'
    )
    return folder / "grid.toml"


def measures(out: Path) -> dict[str, dict]:
    docs = [json.loads(p.read_text()) for p in (out / "points").glob("*.json")]
    return {d["key"]: {k: v for k, v in d["measures"].items() if k != "wall_s"} for d in docs}


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have been waited for (the pool's
    worker processes, once the pool is shut down; the LocalCluster's, once it is closed)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(grid, folder: Path, name: str, **kw) -> tuple[float, float, dict]:
    out = folder / name
    t0, c0 = time.perf_counter(), cpu_seconds()
    outcome = run_sweep(grid, out, plots=False, **kw)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if outcome.failed or outcome.done != len(grid.points):
        raise SystemExit(f"{name}: {outcome.failed or outcome.done}")
    return wall, cpu, measures(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ios", type=int, default=1024, help="I/Os per point (default 1024)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grid = load_grid(write_grid(folder, args.ios))
        print(f"{len(grid.points)} points, {args.ios} I/Os each")
        reference = None
        for label, kw in (("processes", {}), ("dask LocalCluster", {"cluster": "local"})):
            walls, cpus = [], []
            for workers in (1, 2):
                wall, cpu, got = timed(grid, folder, f"{label}-{workers}", workers=workers, **kw)
                reference = reference or got
                if got != reference:
                    raise SystemExit(f"{label} with {workers} worker(s) gave other measures")
                walls.append(wall)
                cpus.append(cpu)
            print(f"{label:18s} 1 worker {walls[0]:7.2f} s   2 workers {walls[1]:7.2f} s   "
                  f"speed-up {walls[0] / walls[1]:.2f}x   CPU {cpus[0]:6.2f} s / {cpus[1]:6.2f} s")  # fmt: skip
        print("CPU: this process and its waited-for children, 1 worker / 2 workers; when the"
              " two are close, a second worker adds no work, and the speed-up is what the"
              " second core allows")  # fmt: skip
        print("same measures on every executor and worker count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
