"""The ``blkswap`` command.

    blkswap run [JOB.fio] [options]      run fio job files through the emulated Xen host
    blkswap compare [JOB.fio] [options]  the same job through several data paths, side by side
    blkswap abi [--json]                 struct sizes and field offsets per ABI
    blkswap costs [NAME|FILE]            the figures of a cost profile

``blkswap run`` with no job file is the main job: a built-in mixed random workload on several
guests with raw images in a temporary folder, through all five data paths, with a comparison table
and a report folder (./blkswap-report/).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from blkswap import __version__

OUTPUT_FORMATS = ("normal", "json", "json+")
EPILOG_RUN = """\
examples:
  blkswap run                                   the built-in comparison (all five data paths)
  blkswap run examples/rand-read-4k.fio --datapath persistent --guests 8
  blkswap run job.fio --datapath swap --no-swap-scrub --output-format json --output out.json
  blkswap run job.fio --scenario examples/big-dom0.toml --report my-report/

data paths: map (Linux blkback: map/unmap per request), copy (tapdisk3/QEMU: GNTTABOP_copy),
swap (the 2010 GNTTABOP_swap proposal), persistent (Linux 3.8+ persistent grants), transfer
(page flipping), null (no data; calibration). `--datapath all` runs the five compared paths.
"""


class CliError(Exception):
    """A user error: printed as `blkswap: error: …`, exit status 2."""


def _add_lab_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("host (same names as scenario-file keys)")
    g.add_argument(
        "--scenario",
        metavar="FILE.toml",
        help="lab settings from a scenario file; flags override it",
    )
    g.add_argument(
        "--guests", type=int, help="guest domains, one disk (xvda) each [default 1; main job 4]"
    )
    g.add_argument(
        "--dom0-vcpus", type=int, help="dom0 vCPUs; TLB-flush IPIs reach all of them [default 4]"
    )
    g.add_argument("--guest-vcpus", type=int, help="vCPUs per guest [default 2]")
    g.add_argument(
        "--backend-threads",
        type=int,
        help="backend event loops (0 = one per dom0 vCPU) [default 0]",
    )
    g.add_argument("--device", help="device model: null, ram, nvme, ssd, hdd, net [default nvme]")
    g.add_argument(
        "--costs", help="cost profile: x86-2010, x86-modern, or a TOML file [default x86-modern]"
    )
    g.add_argument(
        "--storage",
        choices=("raw", "ram", "null"),
        help="disk images: raw files, RAM, or null [default raw]",
    )
    g.add_argument(
        "--image-dir", metavar="DIR", help="where raw images go [default: a temporary folder]"
    )
    g.add_argument(
        "--direct",
        dest="direct_io",
        action="store_true",
        default=None,
        help="open raw images with O_DIRECT",
    )
    g.add_argument(
        "--disk-size", type=_size, help="bytes per disk, fio suffixes allowed [default 256m]"
    )
    g.add_argument(
        "--guest-abi", choices=("x86_64", "x86_32", "mixed"), help="guest ABI [default x86_64]"
    )
    g.add_argument(
        "--ring-page-order", type=int, help="frontend ring-page-order wish, 0-4 [default 0]"
    )
    g.add_argument("--queues", type=int, help="rings per disk the frontend asks for [default 1]")
    g.add_argument(
        "--max-indirect-segments",
        type=int,
        help="frontend indirect cap (≤11 disables) [default 32]",
    )
    g.add_argument(
        "--no-swap-scrub",
        dest="scrub",
        action="store_false",
        default=None,
        help="swap/transfer: do NOT zero frames before they cross domains (shows the leak)",
    )
    g.add_argument(
        "--swap-copyback",
        action="store_true",
        default=None,
        help="swap: copy write data back into the guest's new frame",
    )
    g.add_argument(
        "--copy-flavour", choices=("gntcopy", "blktap2"), help="copy path flavour [default gntcopy]"
    )
    g.add_argument(
        "--pool-frames",
        type=int,
        help="dom0 frames for foreign I/O [default 704, 'two rings worth']",
    )
    g.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        default=None,
        help="do not tag and verify data",
    )
    g.add_argument("--seed", type=int, help="run seed [default 0]")


def _add_output_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output (as fio)")
    g.add_argument(
        "--output-format",
        default="normal",
        help="normal, json, json+ or a comma list [default normal]",
    )
    g.add_argument("--output", metavar="FILE", help="write the output there instead of stdout")
    g.add_argument("--report", metavar="DIR", help="write JSON, CSV and PNG plots to DIR")
    g.add_argument(
        "--eta",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress line [default auto: on a terminal]",
    )


def _size(text: str) -> int:
    from blkswap.workload.units import parse_size

    try:
        return int(parse_size(text))
    except Exception as err:  # noqa: BLE001 - any parse failure is a usage error
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: {err}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="blkswap",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `blkswap COMMAND --help` for a command's options.",
    )
    p.add_argument("--version", action="version", version=f"blkswap {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run fio job files through the emulated host",
        description="Run fio job files in every guest and report fio-style results plus what "
        "the hypervisor did. Without JOB: the built-in comparison of all five data paths.",
        epilog=EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "job", nargs="?", metavar="JOB.fio", help="fio job file [default: the built-in demo job]"
    )
    run.add_argument(
        "--datapath",
        help="map, copy, swap, persistent, transfer, null, or all [default map; main job all]",
    )
    _add_lab_options(run)
    _add_output_options(run)

    cmp_ = sub.add_parser(
        "compare",
        help="one job through several data paths, side by side",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG_RUN,
    )
    cmp_.add_argument(
        "job", nargs="?", metavar="JOB.fio", help="fio job file [default: the built-in demo job]"
    )
    cmp_.add_argument(
        "--datapaths",
        default="map,copy,swap,persistent,transfer",
        help="comma list of data paths [default: the five compared paths]",
    )
    _add_lab_options(cmp_)
    _add_output_options(cmp_)

    abi = sub.add_parser(
        "abi", help="struct sizes and field offsets per ABI (checked against gcc in the tests)"
    )
    abi.add_argument("--json", action="store_true", help="machine-readable output")

    costs = sub.add_parser("costs", help="show a cost profile's figures")
    costs.add_argument(
        "profile", nargs="?", default="x86-modern", help="x86-2010, x86-modern or a TOML file"
    )
    return p


def _lab_config(args: argparse.Namespace, defaults: dict[str, Any]) -> Any:
    from blkswap.lab import LabConfig, load_scenario

    base = LabConfig(**defaults)
    if args.scenario:
        base = load_scenario(args.scenario, base)
    names = {f.name for f in fields(LabConfig)}
    overrides = {k: v for k, v in vars(args).items() if k in names and v is not None}
    return base.with_(**overrides).validated()


def _formats(text: str) -> list[str]:
    out = [f.strip() for f in text.split(",") if f.strip()]
    bad = [f for f in out if f not in OUTPUT_FORMATS]
    if bad or not out:
        raise CliError(
            f"--output-format: {', '.join(bad) or text!r} not one of {', '.join(OUTPUT_FORMATS)}"
        )
    return out


def cmd_run(args: argparse.Namespace) -> int:
    main_job = args.job is None and args.datapath is None
    datapath = args.datapath or ("all" if main_job else "map")
    if datapath == "all" or main_job:
        args.datapaths = "map,copy,swap,persistent,transfer"
        return cmd_compare(args, main_job=main_job)
    from blkswap.lab import Lab

    formats = _formats(args.output_format)
    config = _lab_config(args, {"datapath": datapath})
    progress = _progress(args)
    result = Lab(config).run(args.job, progress=progress)
    progress.close() if progress else None
    _emit(args, formats, result)
    if args.report:
        from blkswap.report import write_report

        paths = write_report({config.datapath: result.run}, Path(args.report))
        print(f"report: {len(paths)} files in {args.report}", file=sys.stderr)
    return 0


def cmd_compare(args: argparse.Namespace, main_job: bool = False) -> int:
    from blkswap.back.datapaths import DATAPATHS
    from blkswap.lab import Lab
    from blkswap.lab.crossover import crossover_grid
    from blkswap.report import format_comparison, write_report

    names = [n.strip() for n in args.datapaths.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATAPATHS]
    if unknown or not names:
        raise CliError(
            f"--datapaths: {', '.join(unknown) or args.datapaths!r}: choose from {', '.join(DATAPATHS)}"
        )
    formats = _formats(args.output_format)
    defaults = {"guests": 4} if main_job else {}
    config = _lab_config(args, defaults)
    lab = Lab(config)
    results = {}
    for name in names:
        print(f"blkswap: running {name} …", file=sys.stderr, flush=True)
        progress = _progress(args)
        results[name] = Lab(config.with_(datapath=name)).run(args.job, progress=progress)
        progress.close() if progress else None
    del lab
    table = format_comparison({n: r.run for n, r in results.items()})
    json_to_stdout = any(f.startswith("json") for f in formats) and not args.output
    if any(f.startswith("json") for f in formats):
        doc = {n: r.to_fio_json(plus="json+" in formats) for n, r in results.items()}
        _write_out(args, json.dumps(doc, indent=2))
    print(table, file=sys.stderr if json_to_stdout else sys.stdout)
    report = args.report or ("blkswap-report" if main_job else None)
    if report:
        crossover = None
        if "swap" in results and "copy" in results:
            from blkswap.sim.costs import load_profile

            costs = load_profile(config.costs).with_overrides(**config.cost_overrides)
            crossover = crossover_grid(results["swap"], results["copy"], costs)
        paths = write_report(
            {n: r.run for n, r in results.items()}, Path(report), crossover=crossover
        )
        print(
            f"report: {len(paths)} files in {report}/",
            file=sys.stderr if json_to_stdout else sys.stdout,
        )
    return 0


def _emit(args: argparse.Namespace, formats: list[str], result: Any) -> None:
    parts = []
    if "json" in formats or "json+" in formats:
        parts.append(result.fio_json_text(plus="json+" in formats))
    if "normal" in formats:
        text = result.summary()
        if parts and not args.output:
            print(text, file=sys.stderr)  # stdout stays pure JSON
        else:
            parts.append(text)
    _write_out(args, "\n".join(parts))


def _write_out(args: argparse.Namespace, text: str) -> None:
    if args.output:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _progress(args: argparse.Namespace) -> Any:
    from blkswap.lab.progress import make_progress

    return make_progress(args.eta)


def cmd_abi(args: argparse.Namespace) -> int:
    from blkswap.abi import describe, format_table

    d = describe()
    print(json.dumps(d, indent=2) if args.json else format_table(d))
    return 0


def cmd_costs(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from blkswap.sim.costs import load_profile

    prof = load_profile(args.profile)
    for k, v in asdict(prof).items():
        print(f"{k:24} {v}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    handlers = {"run": cmd_run, "compare": cmd_compare, "abi": cmd_abi, "costs": cmd_costs}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("blkswap: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # user errors: no traceback
        if not _is_user_error(err):
            raise
        print(f"blkswap: error: {err}", file=sys.stderr)
        return 2


def _is_user_error(err: Exception) -> bool:
    from blkswap.lab.config import ConfigError
    from blkswap.sim.costs import CostProfileError
    from blkswap.storage import StorageError
    from blkswap.workload.errors import JobFileError

    return isinstance(
        err,
        CliError
        | ConfigError
        | CostProfileError
        | JobFileError
        | StorageError
        | FileNotFoundError
        | IsADirectoryError
        | PermissionError,
    )
