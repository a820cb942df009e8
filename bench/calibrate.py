"""The lab's scaling curve beside the published one it is calibrated against (docs/costs.md).

    python bench/calibrate.py [--guests 1,3,5,8,10,15] [--paths map,persistent] [--ms 20]
                              [--costs x86-2010] [--scenario examples/persistent-2012.toml]

The testbed is anchor #1 of docs/costs.md "Calibration": the 2012 measurement behind Linux commit
0a8704a51f38 (a 24-pCPU host, a 24-vCPU dom0, guests doing 4 KiB random reads at depth 32 on a
RAM disk), here ``examples/persistent-2012.toml`` with x86-2010 costs. For each data path and
guest count it runs the lab and prints aggregate IOPS, the published figure where there is one,
and the ratio; then the shape checks of issue 12 (map peak position, decline to 10 guests,
persistent/map at 15 guests). Nothing is fitted here: the script only measures and prints.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blkswap.lab import Lab, load_scenario  # noqa: E402

#: published aggregate IOPS by (data path, guests), docs/costs.md "Calibration" (anchor #1)
PUBLISHED = {
    ("map", 5): 650_000,
    ("map", 10): 400_000,
    ("persistent", 15): 1_102_019,
}


def job(ms: int) -> str:
    return (
        "[global]\nioengine=xen-blkfront\nrw=randread\nbs=4k\niodepth=32\nrandrepeat=1\n"
        f"time_based=1\nruntime={ms}ms\nramp_time=2ms\nsize=64m\n[guest]\n"
    )


def iops(result: object) -> float:
    run = result.run  # type: ignore[attr-defined]
    ios = sum(j.total_ios for j in run.jobs)
    return ios / max(1e-9, (run.end_ns - run.start_ns) / 1e9)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guests", default="1,3,5,8,10,15")
    ap.add_argument("--paths", default="map,persistent")
    ap.add_argument("--ms", type=int, default=20, help="simulated run time per point, ms")
    ap.add_argument("--costs", default="x86-2010")
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "persistent-2012.toml"))
    ap.add_argument("--set", action="append", default=[], metavar="FIGURE=NS",
                    help="override a cost figure (to see what moves the curve; fits go in the profile)")  # fmt: skip
    args = ap.parse_args()
    overrides = {k: float(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    base = load_scenario(args.scenario).with_(
        costs=args.costs, verify=False, cost_overrides=overrides
    )
    guests = [int(g) for g in args.guests.split(",")]
    print(
        f"testbed: {args.scenario} ({base.pcpus} pCPUs, sched {base.sched}, dom0 "
        f"{base.dom0_vcpus} vCPUs, {base.guest_vcpus} per guest), costs {args.costs}, "
        f"{args.ms} ms per point"
    )
    print(f"{'path':<11}{'guests':>7}{'lab IOPS':>12}{'published':>12}{'lab/pub':>9}"
          f"{'dom0 steal %':>14}{'wall s':>8}")  # fmt: skip
    curve: dict[tuple[str, int], float] = {}
    for path in args.paths.split(","):
        for g in guests:
            t0 = time.perf_counter()
            res = Lab(base.with_(datapath=path, guests=g)).run(job(args.ms))
            curve[path, g] = v = iops(res)
            pub = PUBLISHED.get((path, g))
            steal = res.run.blkswap.get("host", {}).get("steal_pct_by_domain", {}).get("dom0", 0)
            print(f"{path:<11}{g:>7}{v:>12,.0f}{(f'{pub:,}' if pub else '-'):>12}"
                  f"{(f'{v / pub:.2f}' if pub else '-'):>9}{steal:>14.1f}"
                  f"{time.perf_counter() - t0:>8.1f}", flush=True)  # fmt: skip
    shape(curve, guests)
    return 0


def shape(curve: dict[tuple[str, int], float], guests: list[int]) -> None:
    """The issue's shape targets, measured on this curve."""
    maps = {g: curve[("map", g)] for g in guests if ("map", g) in curve}
    if maps:
        peak = max(maps, key=lambda g: maps[g])
        print(
            f"map peak: {maps[peak]:,.0f} IOPS at {peak} guests (published: ~650k at 5; target 4–6)"
        )
        if 10 in maps:
            print(f"map 10 guests / peak: {maps[10] / maps[peak]:.2f} (published 400k/650k = 0.62)")
    last = max(guests)
    if ("map", last) in curve and ("persistent", last) in curve:
        r = curve[("persistent", last)] / curve[("map", last)]
        print(f"persistent/map at {last} guests: {r:.2f} (target 2–3.5)")


if __name__ == "__main__":
    raise SystemExit(main())
