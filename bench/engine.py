"""Engine benchmark: one Resource-heavy queueing network run on SimPy and on blkswap.sim.

    python bench/engine.py [--scale N] [--seed S] [--repeat R] [--profile ENGINE]

Customers arrive (Poisson), pass three desks (Resources of capacity 3, 2, 4) and at each desk
wait at most an exponential patience (``req | timeout``) before reneging. Both engines run the
same model function; their trace digests and statistics must be identical, then wall times,
events/s and the speed ratio are printed. The engines take turns (SimPy, ours, SimPy, ...) so
that a noisy machine slows both alike, and the best run of each is kept. ``--profile simpy``
or ``--profile blkswap.sim`` prints a cProfile of one run instead. Not a pytest test.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
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


def timed(
    engines: list[ModuleType], seed: int, customers: int, repeat: int
) -> tuple[list[float], list[float]]:
    """Best wall and best CPU time of *repeat* runs of each engine, taking turns; every run of
    every engine must give the same result (checked here, so a nondeterministic engine cannot
    pass). CPU time (this process only) is what the ratio uses: on a shared machine, wall time
    also counts the other processes' turns."""
    best = [float("inf")] * len(engines)
    best_cpu = [float("inf")] * len(engines)
    first: list[dict[str, Any]] = []
    for _ in range(repeat):
        for i, sim in enumerate(engines):
            start, cpu = time.perf_counter(), time.process_time()
            result = queueing_network(sim, seed, customers)
            best[i] = min(best[i], time.perf_counter() - start)
            best_cpu[i] = min(best_cpu[i], time.process_time() - cpu)
            result.pop("events", None)
            if len(first) <= i:
                first.append(result)
            elif result != first[i]:
                raise SystemExit(f"{sim.__name__} is not deterministic: {result} != {first[i]}")
    return best, best_cpu


def profile(sim: ModuleType, seed: int, customers: int) -> None:
    """Print where one run of *sim* spends its time (cProfile, sorted by own time)."""
    profiler = cProfile.Profile()
    profiler.runcall(queueing_network, sim, seed, customers)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="x 13,000 customers (~200k events)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="runs per engine (best is kept)")
    parser.add_argument("--profile", choices=["simpy", "blkswap.sim"], help="profile one run")
    args = parser.parse_args(argv)
    customers = max(1, int(CUSTOMERS_PER_SCALE * args.scale))
    if args.profile:
        profile(simpy if args.profile == "simpy" else blkswap.sim, args.seed, customers)
        return 0

    r_simpy = queueing_network(simpy, args.seed, customers)  # also warms both up
    r_ours = queueing_network(blkswap.sim, args.seed, customers)
    events = r_simpy.pop("events")
    if r_simpy != r_ours:
        print(f"MISMATCH\n  simpy:       {r_simpy}\n  blkswap.sim: {r_ours}")
        return 1
    (t_simpy, t_ours), (c_simpy, c_ours) = timed(
        [simpy, blkswap.sim], args.seed, customers, args.repeat
    )
    build = "compiled (Cython)" if blkswap.sim.COMPILED else "pure Python"
    print(f"blkswap.sim build: {build}  (BLKSWAP_PURE_PYTHON=1 selects pure Python)")
    print(f"customers {customers}  events {events}  end time {r_ours['end']:.3f}")
    print(f"served {r_ours['served']}  reneged {r_ours['reneged']}  digest {r_ours['digest'][:16]}")
    print("identical results on both engines")
    for name, wall, cpu in (("simpy", t_simpy, c_simpy), ("blkswap.sim", t_ours, c_ours)):
        print(f"{name:12s} {wall:8.3f} s wall {cpu:8.3f} s cpu  {events / cpu:12,.0f} events/s")
    print(f"wall ratio   {t_simpy / t_ours:.2f}x")
    print(f"speed ratio  {c_simpy / c_ours:.2f}x  (CPU time, best of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
