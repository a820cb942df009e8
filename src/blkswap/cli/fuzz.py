"""``blkswap fuzz``: the hostile-frontend fuzzer (blkswap.lab.fuzz) from the command line.

    blkswap fuzz [--seconds N] [--seed S] [--datapath P|all] [--sessions K]

Prints, per data path, the cases tried by class, crashes, hangs, wrong answers, leaked bytes
and the first failing seed with the command that replays it. Exit status 0 when nothing was
found, 1 when something was (as a run with data errors), 2 for bad options.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import EXIT_FINDINGS, EXIT_OK
from .options import _datapath, _finite_in, _int_at_least

FUZZED = ("map", "copy", "swap", "persistent", "transfer")


def add_fuzz_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fuzz",
        help="attack the backend with a hostile frontend from a seed",
        description="Run a hostile frontend (malformed requests, bad grants, xenstore junk, "
        "ring-index attacks)\nagainst the backend with a bystander guest beside it; report "
        "crashes, hangs, wrong answers and\nleaked bytes.",
        epilog="examples:\n  blkswap fuzz --seconds 60\n  blkswap fuzz --datapath swap "
        "--seconds 600 --seed 7\n  blkswap fuzz --datapath map --seed 1234 --sessions 1   "
        "# replay one session",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seconds", type=_finite_in(0.0, 86400.0), default=10.0, metavar="N",
                   help="time budget per data path [default 10]")  # fmt: skip
    p.add_argument("--seed", type=_int_at_least(0), default=0, metavar="S",
                   help="first session seed; session i uses S + i [default 0]")  # fmt: skip
    p.add_argument("--datapath", type=_datapath, default="all", metavar="P",
                   help=f"{', '.join(FUZZED)} or all [default all]")  # fmt: skip
    p.add_argument("--sessions", type=_int_at_least(1), metavar="K",
                   help="run exactly K sessions instead of a time budget (replay)")  # fmt: skip


def cmd_fuzz(args: argparse.Namespace) -> int:
    from blkswap.lab.fuzz import fuzz

    paths = FUZZED if args.datapath == "all" else (args.datapath,)
    if "null" in paths:
        paths = FUZZED
    found = False
    for path in paths:
        report = fuzz(path, args.seed, args.seconds, args.sessions)
        print("\n".join(report.lines()), flush=True)
        found = found or report.failed
    return EXIT_FINDINGS if found else EXIT_OK
