"""The ``blkswap`` argument parser: help texts and examples, one sub-parser per command, the job
and output options; errors are one ``blkswap: error: …`` line with exit status 2."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from blkswap import __version__

from .common import COMMAND_TABLE, COMPARED, DATAPATH_HELP, EXIT_USAGE, MAIN_REPORT_DIR
from .options import _add_lab_options, _datapath, _formats, _names

DATAPATH_TEXT = "data paths:\n" + "".join(f"  {k:<11} {v}\n" for k, v in DATAPATH_HELP.items())
OUTPUT_TEXT = """\
output: stdout holds only the --output-format documents (with json, only the JSON document);
progress, status lines and warnings go to stderr. Exit status: 0 ok, 1 the run found data errors
(verify errors, leaked bytes, I/O errors, audit), 2 bad input, 70 internal error, 130 interrupted.
"""
RUN_EPILOG = f"""{DATAPATH_TEXT}
examples:
  blkswap run                  the main job: built-in mixed random job, 4 guests, all five
                               data paths; table on stdout, report in ./{MAIN_REPORT_DIR}/
  blkswap run examples/seq-write.fio --datapath copy
  blkswap run examples/mixed-randrw.fio --datapath swap --no-swap-scrub --guests 2
                               swap without scrubbing: guests read each other's data (exit 1)
  blkswap run job.fio --guests 8 --output-format json+ --output out.json --report rep/

{OUTPUT_TEXT}"""
COMPARE_EPILOG = f"""{DATAPATH_TEXT}
examples:
  blkswap compare                              the built-in job through the five paths
  blkswap compare examples/seq-write.fio --datapaths map,copy
  blkswap compare job.fio --datapaths map,persistent --guests 8 --report cmp/
  blkswap compare job.fio --output-format json > cmp.json     {{"map": {{fio JSON}}, …}}

{OUTPUT_TEXT}"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``blkswap: error: <what> (see 'blkswap run --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"blkswap: error: {message} (see '{self.prog} --help')\n")


def _add_job_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", nargs="?", metavar="JOB.fio",
                   help="fio job file [default: the built-in mixed random job]")  # fmt: skip
    p.add_argument("--section", action="append", metavar="NAME",
                   help="run only this job section (repeatable; as fio --section)")  # fmt: skip
    p.add_argument("--dry-run", action="store_true",
                   help="print the expanded jobs and the wall-time estimate; run nothing")  # fmt: skip


def _add_output_options(p: argparse.ArgumentParser, main_report: bool) -> None:
    g = p.add_argument_group("output (as fio)")
    g.add_argument("--output-format", type=_formats, default=["normal"], metavar="FMT[,FMT]",
                   help="normal, json, json+ or a comma list such as json,normal [default normal]")  # fmt: skip
    g.add_argument("--output", metavar="FILE",
                   help="write the output documents to FILE instead of stdout")  # fmt: skip
    rep = f" [default: ./{MAIN_REPORT_DIR}/ for the main job]" if main_report else ""
    g.add_argument("--report", metavar="DIR", help=f"write JSON, CSV and PNG plots to DIR{rep}")
    if main_report:
        g.add_argument("--no-report", action="store_true",
                       help="the main job without its report folder")  # fmt: skip
    g.add_argument("--eta", choices=("auto", "always", "never"), default="auto",
                   help="progress line on stderr: auto = only on a terminal [default auto]")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The whole ``blkswap`` argument parser."""
    p = _Parser(
        prog="blkswap",
        formatter_class=_FMT,
        description="A byte-exact laboratory for the Xen PV block data path: runs fio job files "
        "in emulated guests and\nreports fio-style results plus what the hypervisor did, per "
        "data path.",
        epilog=f"{DATAPATH_TEXT}\nWithout a command, blkswap runs the main job (`blkswap run`); "
        "`blkswap JOB.fio …` means `blkswap run JOB.fio …`.\nRun `blkswap COMMAND --help` for "
        "a command's options and examples.",
    )
    p.add_argument("--version", action="version", version=f"blkswap {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for adder, _handler in COMMAND_TABLE.values():
        resolve(adder)(sub)
    return p


def resolve(ref: str) -> Any:
    """``"module:function"`` of :data:`~blkswap.cli.common.COMMAND_TABLE` → the function."""
    import importlib

    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"blkswap.cli.{module}"), name)


_FMT = argparse.RawDescriptionHelpFormatter


def _add_run(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run a fio job file through the emulated host (no job: the main comparison)",
        description="Run a fio job file in every guest through one data path and print fio's "
        "summary (or JSON)\nplus a `xen` line. Without JOB.fio and --datapath: the main job, "
        "all five data paths compared.",
        epilog=RUN_EPILOG,
        formatter_class=_FMT,
    )
    _add_job_options(run)
    run.add_argument("--datapath", type=_datapath, metavar="NAME",
                     help="map, copy, swap, persistent, transfer, null, or all "
                     "[default map; main job all]")  # fmt: skip
    _add_lab_options(run)
    _add_output_options(run, main_report=True)


def _add_compare(sub: Any) -> None:
    cmp_ = sub.add_parser(
        "compare",
        help="one job through several data paths, side by side",
        description="Run the same job once per data path and print a comparison table "
        "(IOPS, p99 latency;\nper request: hypercalls, TLB flushes, bytes copied, CPU µs of "
        "dom0, guests and Xen;\ndom0 frames, verify errors, leaks).",
        epilog=COMPARE_EPILOG,
        formatter_class=_FMT,
    )
    _add_job_options(cmp_)
    cmp_.add_argument("--datapaths", type=lambda t: _names(t, list(DATAPATH_HELP), "data path"),
                      default=list(COMPARED), metavar="A,B,…",
                      help=f"comma list of data paths [default {','.join(COMPARED)}]")  # fmt: skip
    _add_lab_options(cmp_)
    _add_output_options(cmp_, main_report=False)


def _add_abi(sub: Any) -> None:
    abi = sub.add_parser(
        "abi",
        help="struct sizes and field offsets per guest ABI",
        description="Sizes and field offsets of the grant-table, ring and blkif structs for the "
        "x86_64 and x86_32\nguest ABIs, as the lab encodes them (checked against gcc in tests).",
        epilog="examples:\n  blkswap abi blkif_request\n  blkswap abi --abi x86_32 "
        "blkif_request blkif_response\n  blkswap abi --json | jq '.x86_32.blkif_request.size'",
        formatter_class=_FMT,
    )
    abi.add_argument("structs", nargs="*", metavar="STRUCT", help="only these structs")
    abi.add_argument("--abi", choices=("x86_64", "x86_32"), help="only this ABI [default both]")
    abi.add_argument("--json", action="store_true",
                     help='{"x86_64": {"blkif_request": {"size": 112, "fields": {…}}}, …}')  # fmt: skip


def _add_costs(sub: Any) -> None:
    costs = sub.add_parser(
        "costs",
        help="show cost profiles: what each counted action costs the modelled host",
        description="Show the figures of one or more cost profiles (ns per action, GB/s for "
        "bandwidths); for a\nsingle profile, also the basis each figure is given in its TOML file.",
        epilog="examples:\n  blkswap costs\n  blkswap costs x86-2010 x86-modern\n"
        "  blkswap costs my-host.toml --json",
        formatter_class=_FMT,
    )
    costs.add_argument("profiles", nargs="*", metavar="PROFILE",
                       help="x86-2010, x86-modern or a TOML file [default x86-modern]")  # fmt: skip
    costs.add_argument("--json", action="store_true", help="{profile: {figure: value}} (B/s)")
