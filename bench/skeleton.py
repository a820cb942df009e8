"""A byte-less SimPy skeleton of the lab's request pipeline: the yardstick of bench/requests.py.

    python bench/skeleton.py [--ios N] [--guests G] [--iodepth D]

The same stages a request passes through in the lab, with their timing and none of their
bytes, grants, ring encoding, hypervisor bookkeeping or verification: each job clone keeps
``iodepth`` requests in flight; blkfront submits on a guest vCPU (a Resource) and puts the
request on the VBD's ring (a Store) with a notify; the backend loop of the VBD takes requests
off the ring, works on a dom0 vCPU (another Resource), hands them to the device (a service
time), answers on the ring and interrupts the guest, whose handler completes the requests on a
guest vCPU and records their latency. The costs are the x86-modern
profile's per-request figures, as fixed numbers (what they are does not matter for wall time).

What the lab adds on top of this per request is what bench/requests.py's ratio measures.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

import simpy

FRONT_NS, BACK_NS, COMPLETION_NS, IRQ_NS = 1500.0, 2000.0, 800.0, 600.0
HYPERCALL_NS, GRANT_NS = 300.0, 250.0
DEVICE_NS = 20_000.0
DISK = 256 << 20


def pipeline(ios: int, guests: int, iodepth: int, seed: int = 0) -> dict[str, Any]:
    """Run *guests* × one job clone of *ios* 4 KiB random I/Os; return counts.

    Batched like the lab: a backend wake-up takes every request on the ring and a completion
    interrupt every response (one dom0 or vCPU hold per batch); the device is one timeout per
    request. About five events per request: a lean yardstick.
    """
    env = simpy.Environment()
    rng = random.Random(seed)
    dom0 = simpy.Resource(env, capacity=4)
    latencies: list[float] = []
    for _ in range(guests):
        _guest(env, rng, dom0, latencies, ios, iodepth)
    env.run()
    return {"requests": len(latencies), "sim_ns": env.now, "events": next(env._eid)}


def _guest(env: Any, rng: random.Random, dom0: Any, latencies: list, ios: int, depth: int) -> None:
    vcpus = simpy.Resource(env, capacity=2)
    ring: list[list[float]] = []
    responses: list[list[float]] = []
    wake = {"back": env.event(), "irq": env.event(), "slot": env.event()}
    state = {"inflight": 0, "left": ios}

    def notify(name: str) -> None:
        if not wake[name].triggered:
            wake[name].succeed()

    def submitter() -> Any:
        for _ in range(ios):
            while state["inflight"] >= depth:
                yield wake["slot"]
                wake["slot"] = env.event()
            state["inflight"] += 1
            offset = rng.randrange(DISK // 4096) * 4096
            with vcpus.request() as cpu:  # blkfront: grant, ring slot, notify hypercall
                yield cpu
                yield env.timeout(FRONT_NS + HYPERCALL_NS)
            ring.append([offset, env.now])
            notify("back")

    def device_done(request: list[float]) -> None:
        responses.append(request)
        notify("irq")

    def backend() -> Any:
        while state["left"]:
            yield wake["back"]
            wake["back"] = env.event()
            batch, ring[:] = ring[:], []
            with dom0.request() as cpu:  # map, bios, later unmap + responses
                yield cpu
                yield env.timeout(IRQ_NS + len(batch) * (BACK_NS + 2 * (HYPERCALL_NS + GRANT_NS)))
            for request in batch:
                env.timeout(DEVICE_NS).callbacks.append(lambda _e, r=request: device_done(r))

    def interrupts() -> Any:
        while state["left"]:
            yield wake["irq"]
            wake["irq"] = env.event()
            batch, responses[:] = responses[:], []
            with vcpus.request() as cpu:
                yield cpu
                yield env.timeout(IRQ_NS + len(batch) * COMPLETION_NS)
            for request in batch:
                latencies.append(env.now - request[1])
            state["inflight"] -= len(batch)
            state["left"] -= len(batch)
            notify("slot")
        notify("back")  # let the backend see that nothing is left

    for body in (submitter(), backend(), interrupts()):
        env.process(body)


def rate(
    ios: int, guests: int, iodepth: int, repeat: int = 3, clock: Any = time.perf_counter
) -> tuple[int, float, float]:
    """(requests, best *clock* seconds of *repeat* runs, events per request) of the skeleton."""
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        out = pipeline(ios, guests, iodepth)
        best = min(best, clock() - t0)
    return out["requests"], best, out["events"] / max(1, out["requests"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ios", type=int, default=8192, help="I/Os per guest")
    ap.add_argument("--guests", type=int, default=1)
    ap.add_argument("--iodepth", type=int, default=32)
    args = ap.parse_args(argv)
    n, wall, per = rate(args.ios, args.guests, args.iodepth)
    print(
        f"skeleton: {n} requests in {wall:.3f} s = {n / wall:,.0f} requests/s "
        f"({per:.1f} events per request)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
