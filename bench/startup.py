"""Start-up and wall-time benchmark (not a test): how fast the CLI answers, how long the main job
takes, and whether the wall-time estimate (``blkswap.workload.estimate``) still fits.

Prints, measured in this run on this machine:

* ``blkswap --version`` and ``blkswap run --help``: wall time of a fresh process (median of N);
  the CLI imports no numpy and no lab code for these (target: well under 0.5 s);
* the estimate's constants re-measured: host set-up, seconds per request, seconds per 4 KiB page
  (three jobs through the ``copy`` path: empty, 4 KiB and 64 KiB requests), and the ratio of
  measured to estimated wall time for each;
* with ``--demo``: the main job (``blkswap`` with no arguments: 4 guests, five data paths) wall
  and CPU time, and how much slower than the simulated time it reports the emulation ran.

    python bench/startup.py [--repeat 5] [--demo]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLKSWAP = [sys.executable, "-m", "blkswap"]


def timed(cmd: list[str], cwd: str | None = None) -> tuple[float, float, str]:
    """Wall seconds, child CPU seconds and stdout of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=cwd).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def startup(repeat: int) -> None:
    for args in (["--version"], ["run", "--help"]):
        walls = [timed([*BLKSWAP, *args])[0] for _ in range(repeat)]
        print(f"blkswap {' '.join(args):<12} median {statistics.median(walls):.3f} s "
              f"(min {min(walls):.3f}, max {max(walls):.3f}, n={repeat})")  # fmt: skip


def calibrate(tmp: Path) -> None:
    from blkswap.workload import parse_jobfile
    from blkswap.workload.estimate import S_PER_PAGE, S_PER_REQUEST, SETUP_S, estimate

    jobs = {
        "setup": "[j]\nrw=read\nbs=4k\nnumber_ios=1\nsize=1m\n",
        "4k": "[j]\nrw=randrw\nbs=4k\niodepth=16\nio_size=16m\nsize=64m\n",
        "64k": "[j]\nrw=randrw\nbs=64k\niodepth=16\nio_size=64m\nsize=64m\n",
    }
    walls = {}
    for name, text in jobs.items():
        path = tmp / f"{name}.fio"
        path.write_text(text)
        cmd = [*BLKSWAP, "run", str(path), "--datapath", "copy", "--guests", "2", "--no-report",
               "--output-format", "json"]  # fmt: skip
        wall, _, _ = timed(cmd)
        est = estimate(parse_jobfile(path, quiet=True), guests=2, disk_size=256 << 20)
        walls[name] = (wall, est)
        print(f"job {name:<5} {est.requests:>6} requests {est.pages:>6} pages: wall {wall:6.1f} s, "
              f"estimate {est.wall_s:6.1f} s, measured/estimate {wall / est.wall_s:.2f}")  # fmt: skip
    setup = walls["setup"][0]
    (w4, e4), (w64, e64) = walls["4k"], walls["64k"]
    # two equations: w - setup = r * (S_REQ + p * S_PAGE), with p pages per request
    r4, p4 = e4.requests, e4.pages / e4.requests
    r64, p64 = e64.requests, e64.pages / e64.requests
    per4, per64 = (w4 - setup) / r4, (w64 - setup) / r64
    s_page = (per64 - per4) / (p64 - p4)
    s_req = per4 - p4 * s_page
    print(f"measured: set-up {setup:.2f} s (constant {SETUP_S}), per request {s_req * 1e3:.3f} ms "
          f"(constant {S_PER_REQUEST * 1e3:.3f}), per page {s_page * 1e3:.3f} ms "
          f"(constant {S_PER_PAGE * 1e3:.3f})")  # fmt: skip


def demo() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, out = timed([*BLKSWAP, "--output-format", "json", "--no-report"], cwd=tmp)
    doc = json.loads(out)
    sim_ms = max(j["job_runtime"] for r in doc.values() for j in r["jobs"])
    print(f"main job (4 guests, 5 data paths): wall {wall:.1f} s, CPU {cpu:.1f} s; simulated "
          f"time per data path up to {sim_ms} ms, so the emulation runs about "
          f"{wall / len(doc) / (sim_ms / 1000):.0f}x slower than the time fio reports")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--demo", action="store_true", help="also time the main job (about a minute)")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    startup(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        calibrate(Path(tmp))
    if args.demo:
        demo()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
