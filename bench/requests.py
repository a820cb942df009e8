"""Emulated 4 KiB requests per wall-clock second through the whole stack, with timing (Lab).

    python bench/requests.py [--ios N] [--paths map,copy,...] [--guests G] [--iodepth D]
                             [--storage raw|ram] [--profile PATH] [--top K]

For each data path, one ``Lab(...).run(job)`` of a 4 KiB randrw job: guests with blkfront, dom0's
backend loop, the emulated hypervisor, the event engine, the cost model, storage. The figures are
completed I/Os (fio's total_ios, summed over jobs) per CPU second of this process (``--clock wall``:
per wall second; on a shared machine CPU time is the figure that does not depend on the other
load): of the whole run (host
construction and teardown audit included), and the marginal rate once that fixed cost is taken
out (the difference to a 64-I/O run); the same again with verification off (no tagging of
written sectors, no checking of reads). "vs skeleton" divides the marginal rate (verification on)
by the requests/s of bench/skeleton.py — a byte-less SimPy model of the same pipeline (same I/Os,
guests and depth), measured in the same run; the numbers printed are whatever this machine
does — nothing is adjusted.

``--profile PATH`` runs that path once more under cProfile (verification on) and prints the
functions with the most own time and the most cumulative time. ``--calls`` prints instead the
Python and C calls per request of each path (cProfile's call counts of an ``--ios`` run minus a
256-I/O run, divided by the I/Os between them): a figure that does not depend on the machine's
load. Not a pytest test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

sys.path.insert(0, str(Path(__file__).resolve().parent))

import skeleton  # noqa: E402
from blkswap.lab import Lab  # noqa: E402

PATHS = ("null", "map", "copy", "blktap2", "swap", "persistent", "transfer")


def job_text(ios: int, iodepth: int) -> str:
    return f"[bench]\nrw=randrw\nbs=4k\niodepth={iodepth}\nsize={ios * 4}k\nrandrepeat=1\n"


def lab_for(path: str, args: argparse.Namespace, verify: bool) -> Lab:
    name, extra = (path, {})
    if path == "blktap2":
        name, extra = "copy", {"copy_flavour": "blktap2"}
    disk = max(16 << 20, args.ios * 4096 * 2)
    return Lab(
        guests=args.guests,
        datapath=name,
        storage=args.storage,
        disk_size=disk,
        verify=verify,
        seed=args.seed,
        pcpus=args.pcpus,
        **extra,
    )


def measure(path: str, args: argparse.Namespace, verify: bool) -> tuple[int, float, int]:
    """(completed I/Os, wall seconds, verify errors) of one run; CPU seconds go to args.cpu."""
    lab = lab_for(path, args, verify)
    t0, c0 = time.perf_counter(), time.process_time()
    res = lab.run(job_text(args.ios, args.iodepth))
    wall = time.perf_counter() - t0
    args.cpu = time.process_time() - c0
    if args.clock == "cpu":  # rates per CPU second of this process (robust to other load)
        wall = args.cpu
    ios = sum(j.total_ios for j in res.run.jobs)
    errors = sum(res.job(guest=g + 1).blkswap.get("verify_errors", 0) for g in range(args.guests))
    if res.run.blkswap.get("audit"):
        raise SystemExit(f"{path}: audit failed: {res.run.blkswap['audit'][:3]}")
    return ios, wall, errors


def rates(path: str, args: argparse.Namespace, verify: bool) -> tuple[int, float, float, int]:
    """(I/Os, wall s, whole-run req/s, marginal req/s, verify errors): the marginal rate
    subtracts a 64-I/O run of the same configuration (host build, connect and teardown)."""
    ios, wall, errors = measure(path, args, verify)
    cpu = args.cpu
    small = argparse.Namespace(**{**vars(args), "ios": 64})
    ios0, wall0, _ = measure(path, small, verify)
    marginal = (ios - ios0) / (wall - wall0) if wall > wall0 and ios > ios0 else float("nan")
    args.cpu = cpu
    return ios, wall, ios / wall, marginal, errors


def table(args: argparse.Namespace) -> None:
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    n, wall, per = skeleton.rate(args.ios, args.guests, args.iodepth, clock=clock)
    sk = n / wall
    print(f"SimPy skeleton (bench/skeleton.py, {per:.1f} events/request): {sk:,.0f} requests/s"
          f" per {args.clock} second")  # fmt: skip
    print(f"rates below are per {args.clock} second of this process ('wall s' column: the same)")
    print(
        f"4 KiB randrw, {args.guests} guest(s) × {args.ios} I/Os, iodepth {args.iodepth}, "
        f"storage {args.storage}"
    )
    print("run = whole run (build + I/O + teardown); I/O = marginal rate without the fixed cost")
    head = (
        f"{'path':<11}{'I/Os':>8}{'wall s':>8}{'cpu s':>7}{'run/s':>9}{'I/O/s':>9}"
        f"{'run/s noverify':>16}{'I/O/s noverify':>16}{'vs skeleton':>13}"
    )
    print(head)
    print("-" * len(head))
    for path in args.paths:
        ios, wall, rate, marg, errors = rates(path, args, verify=True)
        cpu = args.cpu
        _, _, rate2, marg2, _ = rates(path, args, verify=False)
        note = f"{marg / sk:>12.3f}x"
        bad = f"  ({errors} verify errors!)" if errors else ""
        print(
            f"{path:<11}{ios:>8}{wall:>8.2f}{cpu:>7.2f}{rate:>9,.0f}{marg:>9,.0f}"
            f"{rate2:>16,.0f}{marg2:>16,.0f}{note:>13}{bad}"
        )
    print("vs skeleton: I/O/s (verification on) / the skeleton's requests/s, same I/Os and depth")
    print("cpu s < wall s means this process did not have the core to itself (other load)")


def profile(path: str, args: argparse.Namespace) -> None:
    prof = cProfile.Profile()
    prof.enable()
    ios, wall, _ = measure(path, args, verify=True)
    prof.disable()
    print(f"\nprofile of {path}: {ios} I/Os in {wall:.2f} s under cProfile")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key)
        stats.print_stats(args.top)
        lines = out.getvalue().splitlines()
        start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
        print(f"\ntop {args.top} by {key}:")
        print("\n".join(lines[start:]).rstrip())


def calls_per_request(path: str, args: argparse.Namespace, verify: bool) -> float:
    """cProfile's call count (Python and C functions) per marginal request of ``path``."""
    counts = []
    for ios in (256, args.ios):
        prof = cProfile.Profile()
        prof.enable()
        done, _, _ = measure(path, argparse.Namespace(**{**vars(args), "ios": ios}), verify)
        prof.disable()
        calls = sum(st[1] for st in pstats.Stats(prof).stats.values())  # type: ignore[attr-defined]
        counts.append((done, calls))
    (n0, c0), (n1, c1) = counts
    return (c1 - c0) / (n1 - n0)


def calls(args: argparse.Namespace) -> None:
    print(f"calls per request (cProfile, {args.ios}-I/O run minus 256-I/O run, storage "
          f"{args.storage}, {args.guests} guest(s), iodepth {args.iodepth})")  # fmt: skip
    print(f"{'path':<11}{'verification on':>17}{'off':>8}")
    for path in args.paths:
        on, off = calls_per_request(path, args, True), calls_per_request(path, args, False)
        print(f"{path:<11}{on:>17.1f}{off:>8.1f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ios", type=int, default=8192, help="I/Os per guest (default 8192)")
    ap.add_argument("--guests", type=int, default=1)
    ap.add_argument("--iodepth", type=int, default=32)
    ap.add_argument("--storage", choices=("raw", "ram"), default="raw")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pcpus", type=int, default=0,
                    help="physical CPUs under the vCPUs (0: no host model; docs/costs.md Host)")  # fmt: skip
    ap.add_argument("--paths", default=",".join(PATHS), help="comma-separated data paths")
    ap.add_argument("--profile", metavar="PATH", choices=PATHS, help="cProfile one data path")
    ap.add_argument("--calls", action="store_true",
                    help="print calls per request of each path (cProfile) instead of rates")  # fmt: skip
    ap.add_argument("--top", type=int, default=25, help="functions shown per profile table")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="rates per CPU second of this process (default) or per wall second")  # fmt: skip
    args = ap.parse_args(argv)
    args.cpu = 0.0
    args.paths = [p for p in args.paths.split(",") if p]
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        ap.error(
            f"unknown data path(s) {', '.join(sorted(unknown))}; choose from {', '.join(PATHS)}"
        )
    if args.calls:
        calls(args)
        return
    table(args)
    if args.profile:
        profile(args.profile, args)


if __name__ == "__main__":
    main()
