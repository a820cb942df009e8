"""Engine benchmark: one Resource-heavy queueing network run on SimPy and on blkswap.sim.

    python bench/engine.py [--scale N] [--seed S] [--repeat R]

Customers arrive (Poisson), pass three desks (Resources of capacity 3, 2, 4) and at each desk
wait at most an exponential patience (``req | timeout``) before reneging. Both engines run the
same model function; their trace digests and statistics must be identical, then wall times,
events/s and the speed ratio are printed. Not a pytest test.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import simpy  # noqa: E402

import blkswap.sim  # noqa: E402

CUSTOMERS_PER_SCALE = 13_000
CAPACITIES = (3, 2, 4)
SERVICE_MEAN = (2.8, 1.9, 3.7)
PATIENCE_MEAN = 6.0
ARRIVAL_MEAN = 1.0


def queueing_network(sim: ModuleType, seed: int, customers: int) -> dict[str, Any]:
    """Run the network on engine *sim*; return statistics and a digest of every hand-over."""
    rng = random.Random(seed)
    env = sim.Environment()
    desks = [sim.Resource(env, capacity=c) for c in CAPACITIES]
    digest = hashlib.sha256()
    stats = {"served": 0, "reneged": 0, "wait": 0.0, "sojourn": 0.0}

    def customer(ident: int):
        arrived = env.now
        for stage, desk in enumerate(desks):
            with desk.request() as req:
                queued = env.now
                outcome = yield req | env.timeout(rng.expovariate(1 / PATIENCE_MEAN))
                if req not in outcome:
                    stats["reneged"] += 1
                    digest.update(f"R{ident}.{stage}@{env.now!r};".encode())
                    return
                stats["wait"] += env.now - queued
                yield env.timeout(rng.expovariate(1 / SERVICE_MEAN[stage]))
        stats["served"] += 1
        stats["sojourn"] += env.now - arrived
        digest.update(f"D{ident}@{env.now!r};".encode())

    def source():
        for ident in range(customers):
            env.process(customer(ident))
            yield env.timeout(rng.expovariate(1 / ARRIVAL_MEAN))

    env.process(source())
    env.run()
    if hasattr(env, "_eid"):  # SimPy numbers every scheduled event (all are processed here)
        stats["events"] = next(env._eid)
    stats["end"] = env.now
    stats["digest"] = digest.hexdigest()
    return stats


def timed(sim: ModuleType, seed: int, customers: int, repeat: int) -> tuple[float, dict]:
    """Best wall time of *repeat* runs, and the result of the last one."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = queueing_network(sim, seed, customers)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="x 13,000 customers (~200k events)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine (best is kept)")
    args = parser.parse_args(argv)
    customers = max(1, int(CUSTOMERS_PER_SCALE * args.scale))

    t_simpy, r_simpy = timed(simpy, args.seed, customers, args.repeat)
    t_ours, r_ours = timed(blkswap.sim, args.seed, customers, args.repeat)
    events = r_simpy.pop("events")
    if r_simpy != r_ours:
        print(f"MISMATCH\n  simpy:       {r_simpy}\n  blkswap.sim: {r_ours}")
        return 1
    print(f"customers {customers}  events {events}  end time {r_ours['end']:.3f}")
    print(f"served {r_ours['served']}  reneged {r_ours['reneged']}  digest {r_ours['digest'][:16]}")
    print("identical results on both engines")
    for name, wall in (("simpy", t_simpy), ("blkswap.sim", t_ours)):
        print(f"{name:12s} {wall:8.3f} s  {events / wall:12,.0f} events/s")
    print(f"speed ratio  {t_simpy / t_ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
