"""The seed question on a host: where does swap beat copy, as memcpy speed and hypercall cost vary?

    python bench/crossover.py [--guests 8] [--ms 3] [--costs x86-2010]

Runs the swap and copy paths on the 2012 testbed (``examples/persistent-2012.toml``: 24 pCPUs,
a 24-vCPU dom0, 2-vCPU guests, RAM device) and, for comparison, on the lab's small default
host (4-vCPU dom0, no host model), then prints for each hypercall cost of the grid the memcpy
speed from which swap is cheaper per request than copy (blkswap.lab.crossover: each path's own
work re-priced, plus the IPI/lock/switch time it costs other vCPUs as measured). Measures and
prints; nothing is asserted here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blkswap.lab import Lab, LabConfig, load_scenario  # noqa: E402
from blkswap.lab.crossover import MEMCPY_GBPS, crossover_grid  # noqa: E402
from blkswap.sim.costs import load_profile  # noqa: E402


def job(ms: int) -> str:
    return (
        "[global]\nioengine=xen-blkfront\nrw=randread\nbs=4k\niodepth=32\nrandrepeat=1\n"
        f"time_based=1\nruntime={ms}ms\nramp_time=1ms\nsize=64m\n[guest]\n"
    )


def crossing(row: list[float]) -> str:
    """The slowest memcpy (GB/s) from which swap stays cheaper than copy, on one grid row."""
    cheaper = [g for g, d in zip(MEMCPY_GBPS, row, strict=True) if d < 0]
    if not cheaper:
        return "never"
    first = min(cheaper)
    if all(d < 0 for g, d in zip(MEMCPY_GBPS, row, strict=True) if g >= first):
        return f">= {first:g} GB/s"
    return "mixed"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guests", type=int, default=8)
    ap.add_argument("--ms", type=int, default=3)
    ap.add_argument("--costs", default="x86-2010")
    args = ap.parse_args()
    testbed = load_scenario(str(ROOT / "examples" / "persistent-2012.toml"))
    hosts = {
        "2012 testbed": testbed.with_(guests=args.guests),
        "small, no host": LabConfig(guests=4, dom0_vcpus=4, storage="ram", device="ram"),
    }
    costs = load_profile(args.costs)
    for name, cfg in hosts.items():
        cfg = cfg.with_(costs=args.costs, verify=False)
        res = {p: Lab(cfg.with_(datapath=p)).run(job(args.ms)) for p in ("swap", "copy")}
        grid = crossover_grid(res["swap"], res["copy"], costs)
        a = grid["assumed"]
        print(f"{name}: {a['guests']} guests × {a['guest_vcpus']} vCPUs, dom0 {a['dom0_vcpus']} "
              f"vCPUs, pCPUs {a['pcpus'] or 'one per vCPU'}, costs {a['costs']}; contention "
              f"ns/request swap {grid['contention_ns_per_request']['swap']:,.0f}, copy "
              f"{grid['contention_ns_per_request']['copy']:,.0f}")  # fmt: skip
        for hc, row in zip(grid["hypercall_ns"], grid["swap_minus_copy_ns"], strict=True):
            mark = " <- profile" if hc == costs.hypercall_ns else ""
            print(f"  hypercall {hc:>5} ns: swap cheaper {crossing(row)}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
