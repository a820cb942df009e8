"""``blkswap sweep GRID.toml``: many runs over a grid of settings (the work is in blkswap.sweep,
imported when the command runs)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .common import EXIT_FINDINGS, EXIT_OK, CliError, _status

SWEEP_EPILOG = """\
GRID.toml: [base] (job, scenario, seed, lab = {…}, job_options = {…}, costs = {…}),
[grid] product axes and [zip] paired axes; an axis is a scenario key (guests, datapath …),
job.OPTION (an fio option) or costs.FIGURE. See docs/sweep.md.

output: OUT/points/<key>.json per point (resumable: points done are skipped), OUT/results.csv
and results.parquet (one row per point), OUT/plots/ (each measure against each axis per data
path). Exit status: 0 every point ok, 1 some point failed (listed on stderr), 2 bad input.

examples:
  blkswap sweep grid.toml --dry-run
  blkswap sweep grid.toml --out sweep-out --workers 2 --repeat 3
  blkswap sweep grid.toml --cluster local
  blkswap sweep grid.toml --scheduler tcp://127.0.0.1:8786
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def add_sweep_parser(sub: Any) -> None:
    """Register ``sweep`` on the command's sub-parsers."""
    p = sub.add_parser(
        "sweep",
        help="run a grid of settings (processes or a dask cluster), table and plots",
        description="Run every point of GRID.toml's grid, store one JSON per point, then a "
        "table (CSV, Parquet)\nand plots. Points already done in --out are skipped.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("grid", metavar="GRID.toml", help="the grid file")
    p.add_argument("--out", default="sweep-out", metavar="DIR",
                   help="output folder [default ./sweep-out]")  # fmt: skip
    p.add_argument("--repeat", type=_positive, default=1, metavar="N",
                   help="runs per combination, with derived seeds [default 1]")  # fmt: skip
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="local worker processes [default: the cores]")  # fmt: skip
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cluster", choices=("local",),
                       help="run on a dask LocalCluster of --workers processes")  # fmt: skip
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing dask cluster")  # fmt: skip
    p.add_argument("--dry-run", action="store_true",
                   help="list the points and estimate the time; run nothing")  # fmt: skip
    p.add_argument("--no-plots", action="store_true", help="table only")
    p.add_argument("--progress", choices=("auto", "always", "never"), default="always",
                   help="progress on stderr [default always]")  # fmt: skip


def cmd_sweep(args: argparse.Namespace) -> int:
    """``blkswap sweep``."""
    from blkswap.sweep import (
        Store,
        SweepError,
        SweepProgress,
        estimate_seconds,
        load_grid,
        run_sweep,
    )

    try:
        grid = load_grid(args.grid, repeat=args.repeat)
    except SweepError as err:
        raise CliError(str(err)) from None
    workers = args.workers or os.cpu_count() or 1
    store = Store(args.out)
    if args.dry_run:
        _dry_run(grid, store, workers, estimate_seconds)
        return EXIT_OK
    todo = sum(1 for p in {q.key: q for q in grid.points}.values() if not store.done(p.key))
    enabled = args.progress == "always" or (args.progress == "auto" and os.isatty(2))
    where = args.scheduler or ("dask LocalCluster" if args.cluster else "processes")
    _status(f"sweep: {len(grid.points)} points, {todo} to run on {workers} worker(s) ({where})")
    outcome = run_sweep(
        grid,
        args.out,
        workers=workers,
        cluster=args.cluster,
        scheduler=args.scheduler,
        progress=SweepProgress(todo, enabled=enabled),
        plots=not args.no_plots,
    )
    _status(f"sweep: {outcome.done} run, {outcome.skipped} already done, "
            f"{len(outcome.failed)} failed; table and plots in {args.out}/")  # fmt: skip
    for key, error in outcome.failed.items():
        _status(f"sweep: point {key} failed: {error}")
    return EXIT_FINDINGS if outcome.failed else EXIT_OK


def _dry_run(grid: Any, store: Any, workers: int, estimate: Any) -> None:
    print(f"{len(grid.points)} points ({', '.join(grid.axes) or 'no axes'})")
    for p in grid.points:
        state = "done" if store.done(p.key) else "to run"
        axes = " ".join(f"{k}={v}" for k, v in p.axes.items())
        print(f"  {p.key}  repeat {p.repeat} seed {p.seed}  {axes}  [{state}]")
    seconds, basis = estimate(grid, store, workers)
    print(f"estimate: {seconds:.0f} s on {workers} worker(s) ({basis})")
