"""The ``blkswap`` command: argument parsing, help texts, the four commands and output routing.

    blkswap run [JOB.fio] [options]      fio job files through the emulated Xen host
    blkswap compare [JOB.fio] [options]  the same job through several data paths, side by side
    blkswap abi [STRUCT ...] [--json]    struct sizes and field offsets per guest ABI
    blkswap costs [PROFILE ...] [--json] the figures of cost profiles, with their basis

Contracts (docs/cli.md): stdout carries only the requested output (``--output-format``); with a
JSON format on stdout it is exactly one JSON document and everything else (progress line, status,
warnings, the normal summary of a ``json,normal`` list) goes to stderr. Exit status: 0 done,
1 the run found data errors (verify errors, leaked bytes, I/O errors, teardown audit), 2 bad
input (one ``blkswap: error: …`` line, no traceback), 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from dataclasses import fields
from pathlib import Path
from typing import Any, NoReturn, TextIO

from blkswap import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130
OUTPUT_FORMATS = ("normal", "json", "json+")
COMMANDS = ("run", "compare", "abi", "costs")
MAIN_REPORT_DIR = "blkswap-report"
#: data path → one-line meaning (a test keeps the keys equal to back.datapaths.DATAPATHS)
DATAPATH_HELP = {
    "map": "Linux blkback: map each grant, I/O on the guest page, unmap + TLB flush",
    "copy": "tapdisk3 / QEMU qdisk: GNTTABOP_copy between guest grants and dom0 buffers",
    "swap": "the GNTTABOP_swap proposal: trade guest frames for dom0 reserve frames",
    "persistent": "Linux 3.8+: guest copies into grants the backend maps once and keeps",
    "transfer": "page flipping: reads handed over by GNTTABOP_transfer, writes copied",
    "null": "answers every request, moves no data (calibration, like fio's null engine)",
}
COMPARED = ("map", "copy", "swap", "persistent", "transfer")
#: device model names (a test keeps them equal to storage.DEVICE_MODELS)
DEVICES = ("null", "ram", "nvme", "ssd", "hdd", "net")
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


class CliError(Exception):
    """A user error: printed as ``blkswap: error: <message>``, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``blkswap: error: <what> (see 'blkswap run --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"blkswap: error: {message} (see '{self.prog} --help')\n")


# -- argument types -----------------------------------------------------------------------------
def _int_at_least(low: int):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be ≥ {low}, got {value}")
        return value

    return parse


def _size(text: str) -> int:
    from blkswap.workload.units import parse_size

    try:
        return int(parse_size(text))
    except Exception:  # noqa: BLE001 - any parse failure is a usage error
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: bytes with an optional fio suffix (512k, 256m, 1g)"
        ) from None


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(map(repr, bad)) or repr(text)}; choose from {', '.join(known)}"
        )
    return names


def _formats(text: str) -> list[str]:
    return _names(text, OUTPUT_FORMATS, "output format")


def _one_name(text: str, known: list[str] | tuple[str, ...], what: str) -> str:
    if "," in text:
        raise argparse.ArgumentTypeError(f"{text!r}: one {what}, not a list")
    return _names(text, known, what)[0]


def _probability(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= p < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: a probability in [0, 1)")
    return p


def _datapath(text: str) -> str:
    return _one_name(text, [*DATAPATH_HELP, "all"], "data path")


def _device(text: str) -> str:
    return _one_name(text, DEVICES, "device model")


# -- parser -------------------------------------------------------------------------------------
def _default(name: str) -> Any:
    from blkswap.lab.config import LabConfig

    return getattr(LabConfig(), name)


def _add_lab_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("host (flags override --scenario; same names as scenario keys)")
    a = g.add_argument
    a("--scenario", metavar="FILE.toml", help="lab settings from a scenario TOML file")
    a("--guests", type=_int_at_least(1), metavar="N",
      help=f"guest domains, one disk (xvda) each [default {_default('guests')}; main job 4]")  # fmt: skip
    a("--dom0-vcpus", type=_int_at_least(1), metavar="N",
      help=f"dom0 vCPUs; TLB-flush IPIs reach all of them [default {_default('dom0_vcpus')}]")  # fmt: skip
    a("--guest-vcpus", type=_int_at_least(1), metavar="N",
      help=f"vCPUs per guest [default {_default('guest_vcpus')}]")  # fmt: skip
    a("--backend-threads", type=_int_at_least(0), metavar="N",
      help="backend event loops, 0 = one per dom0 vCPU [default 0]")  # fmt: skip
    a("--device", type=_device, metavar="MODEL",
      help=f"device timing model: {', '.join(DEVICES)} [default {_default('device')}]")  # fmt: skip
    a("--costs", metavar="PROFILE",
      help=f"cost profile: x86-2010, x86-modern or a TOML file [default {_default('costs')}]")  # fmt: skip
    a("--storage", choices=("raw", "ram", "null"),
      help="disk images: raw files, RAM, or null (no data) [default raw]")  # fmt: skip
    a("--image-dir", metavar="DIR", help="where raw images go [default: a temporary folder]")
    a("--direct", dest="direct_io", action="store_true", default=None,
      help="open raw images with O_DIRECT")  # fmt: skip
    a("--disk-size", type=_size, metavar="SIZE",
      help="bytes per disk, fio suffixes (256m, 1g) [default 256m]")  # fmt: skip
    a("--guest-abi", choices=("x86_64", "x86_32", "mixed"), help="guest ABI [default x86_64]")
    a("--ring-page-order", type=int, choices=range(5), metavar="0-4",
      help="frontend ring-page-order wish (ring pages = 2^order) [default 0]")  # fmt: skip
    a("--queues", type=_int_at_least(1), metavar="N",
      help="rings per disk the frontend asks for [default 1]")  # fmt: skip
    a("--max-indirect-segments", type=_int_at_least(0), metavar="N",
      help="frontend indirect-segment cap; ≤ 11 disables indirect [default 32]")  # fmt: skip
    a("--no-swap-scrub", dest="scrub", action="store_false", default=None,
      help="swap/transfer: do NOT zero frames crossing domains (shows the leak)")  # fmt: skip
    a("--swap-copyback", action="store_true", default=None,
      help="swap: copy write data back into the guest's new frame")  # fmt: skip
    a("--copy-flavour", choices=("gntcopy", "blktap2"),
      help="copy path: GNTTABOP_copy, or blktap2's map + memcpy [default gntcopy]")  # fmt: skip
    a("--pool-frames", type=_int_at_least(0), metavar="N",
      help="frames of dom0's default pool for foreign I/O, 0 = sized from the device "
      "queue depth (≥ 704); more pools: [[pool]] in a scenario [default 0]")  # fmt: skip
    a("--net-loss", type=_probability, metavar="P",
      help="device net: probability a page's data or its TCP ACK is lost [default 0]")  # fmt: skip
    a("--net-rto-ms", type=float, metavar="MS",
      help="device net: TCP retransmission timeout, ms [default 200 = Linux TCP_RTO_MIN]")  # fmt: skip
    a("--hazard-policy", choices=("none", "wait", "replace", "abandon"),
      help="pages still referenced after a write completes (TCP retransmits): none (release "
      "anyway: shows the bug), wait (Linux: retry every 5 ms × attempt), replace (copy + "
      "unmap_and_replace), abandon (give the frame away, refill the pool) [default none]")  # fmt: skip
    a("--no-verify", dest="verify", action="store_false", default=None,
      help="do not tag written sectors nor verify reads")  # fmt: skip
    a("--seed", type=int, help="run seed, mixed into job seeds when randrepeat=0 [default 0]")


def _add_job_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", nargs="?", metavar="JOB.fio",
                   help="fio job file [default: the built-in mixed random job]")  # fmt: skip
    p.add_argument("--section", action="append", metavar="NAME",
                   help="run only this job section (repeatable; as fio --section)")  # fmt: skip


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
    _add_run(sub)
    _add_compare(sub)
    _add_abi(sub)
    _add_costs(sub)
    return p


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
        "(IOPS, latency, hypercalls,\nTLB flushes, bytes copied and grant ops per request, "
        "dom0 frames, verify errors, leaks).",
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
        "bandwidths) with the\nbasis each figure is given in its TOML file.",
        epilog="examples:\n  blkswap costs\n  blkswap costs x86-2010 x86-modern\n"
        "  blkswap costs my-host.toml --json",
        formatter_class=_FMT,
    )
    costs.add_argument("profiles", nargs="*", metavar="PROFILE",
                       help="x86-2010, x86-modern or a TOML file [default x86-modern]")  # fmt: skip
    costs.add_argument("--json", action="store_true", help="{profile: {figure: value}} (B/s)")


# -- configuration and job ----------------------------------------------------------------------
def _check_scenario_types(path: str) -> None:
    """Name the key and the expected type of a mistyped scenario setting (``guests = "4"``)."""
    import tomllib

    from blkswap.lab.config import LabConfig

    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # load_scenario reports these
    table = data.get("lab", {k: v for k, v in data.items() if not isinstance(v, dict | list)})
    defaults = LabConfig()
    for key, value in table.items() if isinstance(table, dict) else ():
        want = type(getattr(defaults, key, None))
        want = str if key == "image_dir" else want
        if want in (bool, int, str, dict) and (
            not isinstance(value, want) or (want is int and isinstance(value, bool))
        ):
            raise CliError(f"scenario {path}: {key} = {value!r}: expected {want.__name__}")


def _lab_config(args: argparse.Namespace, defaults: dict[str, Any]) -> Any:
    from blkswap.lab.config import ConfigError, LabConfig, load_scenario

    base = LabConfig(**defaults)
    if args.scenario:
        _check_scenario_types(args.scenario)
        try:
            base = load_scenario(args.scenario, base)
        except ConfigError as err:
            text = str(err)
            raise CliError(
                text if text.startswith("scenario") else f"scenario {args.scenario}: {text}"
            ) from None
    names = {f.name for f in fields(LabConfig)}
    flags = {k: v for k, v in vars(args).items() if k in names and v is not None}
    try:
        config = base.with_(**flags).validated()
    except ConfigError as err:
        name, _, why = str(err).partition(": ")
        raise CliError(
            f"--{name.replace('_', '-')}: {why}" if name in flags else str(err)
        ) from None
    if config.device not in DEVICES:  # a scenario's device; the flag is checked by argparse
        raise CliError(
            f"scenario {args.scenario}: device: {config.device!r} is not one of {', '.join(DEVICES)}"
        )
    from blkswap.sim.costs import load_profile

    load_profile(config.costs)  # a bad --costs fails now, not after the first run
    return config


def _load_job(args: argparse.Namespace, config: Any) -> Any:
    """Parse the job file (or the built-in job), then check every clone fits the disk."""
    from blkswap.workload.defaults import DEFAULT_JOB, DEFAULT_JOB_NAME
    from blkswap.workload.generator import IoGenerator
    from blkswap.workload.parser import parse_jobfile, parse_jobtext

    if args.job is None:
        jobfile = parse_jobtext(
            DEFAULT_JOB, f"<built-in {DEFAULT_JOB_NAME}>", sections=args.section
        )
    else:
        jobfile = parse_jobfile(args.job, sections=args.section)
    if not jobfile.jobs:
        raise CliError(f"{jobfile.path}: no job to run (no [section] besides [global]"
                       f"{' matches --section' if args.section else ''})")  # fmt: skip
    for job in jobfile.jobs:
        for clone in range(job.numjobs):
            try:
                IoGenerator(job, config.disk_size, clone=clone, seed=config.seed)
            except ValueError as err:
                hint = f" (see --disk-size, now {config.disk_size})" if "disk" in str(err) else ""
                raise CliError(f"{jobfile.path}: {err}{hint}") from None
    return jobfile


def _check_destinations(args: argparse.Namespace, report: str | None) -> None:
    """Fail before a long run, not after it, when an output place cannot be written."""
    if args.output:
        out = Path(args.output)
        if out.is_dir():
            raise CliError(f"--output {out}: is a directory")
        if not out.parent.is_dir():
            raise CliError(f"--output {out}: folder {out.parent} does not exist")
    if report and Path(report).exists() and not Path(report).is_dir():
        raise CliError(f"--report {report}: exists and is not a folder")


# -- commands -----------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    """``blkswap run``: one data path (``--datapath all``: compare; no job, no path: main job)."""
    main_job = args.job is None and args.datapath is None
    if main_job or args.datapath == "all":
        args.datapaths = list(COMPARED)
        return cmd_compare(args, main_job=main_job)
    config = _lab_config(args, {"datapath": args.datapath or "map"})
    jobfile = _load_job(args, config)
    _check_destinations(args, args.report)
    result = _run_one(args, config, jobfile)
    _emit_run(args, result)
    if args.report:
        from blkswap.report import write_report

        paths = write_report({config.datapath: result.run}, Path(args.report))
        _status(f"report: {len(paths)} files in {Path(args.report)}/")
    return _findings({config.datapath: result})


def cmd_compare(args: argparse.Namespace, main_job: bool = False) -> int:
    """``blkswap compare``: the same job through ``--datapaths``, one table."""
    from blkswap.report import dumps_fio, format_comparison, write_report

    config = _lab_config(args, {"guests": 4} if main_job else {})
    jobfile = _load_job(args, config)
    report = args.report or (MAIN_REPORT_DIR if main_job and not args.no_report else None)
    _check_destinations(args, report)
    results = {}
    for i, name in enumerate(args.datapaths, 1):
        _status(f"[{i}/{len(args.datapaths)}] {name} …")
        results[name] = _run_one(args, config.with_(datapath=name), jobfile)
    runs = {n: r.run for n, r in results.items()}
    docs = []
    for fmt in _doc_formats(args.output_format):
        if fmt == "normal":
            docs.append(("normal", format_comparison(runs)))
        else:
            doc = {n: r.to_fio_json(plus=fmt == "json+") for n, r in results.items()}
            docs.append(("json", dumps_fio(doc)))
    _write_docs(args, docs)
    if report:
        paths = write_report(runs, Path(report), crossover=_crossover(config, results))
        _status(f"report: {len(paths)} files in {Path(report)}/")
    return _findings(results)


def _crossover(config: Any, results: dict[str, Any]) -> Any:
    if "swap" not in results or "copy" not in results:
        return None
    from blkswap.lab.crossover import crossover_grid
    from blkswap.sim.costs import load_profile

    costs = load_profile(config.costs).with_overrides(**config.cost_overrides)
    return crossover_grid(results["swap"], results["copy"], costs)


def _run_one(args: argparse.Namespace, config: Any, jobfile: Any) -> Any:
    from blkswap.lab import Lab
    from blkswap.lab.progress import make_progress

    expected = sum(j.numjobs for j in jobfile.jobs) * config.guests
    progress = make_progress(args.eta, expected_runners=expected)
    try:
        return Lab(config).run(jobfile, progress=progress)
    finally:
        if progress is not None:
            progress.close()


def _doc_formats(formats: list[str]) -> list[str]:
    """Formats in the order given, once each; json and json+ together mean one json+ document."""
    out: list[str] = []
    for f in formats:
        f = "json+" if f.startswith("json") and "json+" in formats else f
        if f not in out:
            out.append(f)
    return out


def _emit_run(args: argparse.Namespace, result: Any) -> None:
    from blkswap.report import format_banner

    docs = []
    for fmt in _doc_formats(args.output_format):
        if fmt == "normal":
            docs.append(("normal", format_banner(result.run) + result.summary()))
        else:
            docs.append(("json", result.fio_json_text(plus=fmt == "json+")))
    _write_docs(args, docs)


def _write_docs(args: argparse.Namespace, docs: list[tuple[str, str]]) -> None:
    """--output FILE: every document, in order. stdout: the JSON alone when there is one (the
    normal text then goes to stderr), else the normal text."""
    if args.output:
        Path(args.output).write_text("".join(_nl(text) for _, text in docs))
        return
    json_out = any(kind == "json" for kind, _ in docs)
    for kind, text in docs:
        stream = sys.stderr if json_out and kind != "json" else sys.stdout
        stream.write(_nl(text))
        stream.flush()


def _nl(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _status(message: str, stream: TextIO | None = None) -> None:
    print(f"blkswap: {message}", file=stream or sys.stderr, flush=True)


def _findings(results: dict[str, Any]) -> int:
    """Exit status 1 and one stderr line per data path whose run found data errors."""
    status = EXIT_OK
    for name, r in results.items():
        problems = [
            f"{n} {what}"
            for n, what in (
                (r.total("verify_errors"), "verify errors"),
                (r.total("leaked_bytes"), "leaked bytes"),
                (sum(1 for j in r.run.jobs if j.error), "jobs with an error"),
                (len(r.audit), "teardown audit findings"),
            )
            if n
        ]
        if problems:
            status = EXIT_FINDINGS
            _status(f'{name}: {", ".join(problems)} (per job: "blkswap" in the JSON output)')
    return status


def cmd_abi(args: argparse.Namespace) -> int:
    """``blkswap abi``: the ABI tables, optionally filtered by ABI and struct."""
    from blkswap.abi import describe, format_table

    d = describe()
    known = sorted({s for structs in d.values() for s in structs})
    unknown = [s for s in args.structs if s not in known]
    if unknown:
        raise CliError(f"abi: unknown struct {', '.join(unknown)}; known: {', '.join(known)}")
    d = {
        abi: {s: v for s, v in structs.items() if not args.structs or s in args.structs}
        for abi, structs in d.items()
        if args.abi in (None, abi)
    }
    sys.stdout.write(json.dumps(d, indent=2) + "\n" if args.json else format_table(d))
    return EXIT_OK


def cmd_costs(args: argparse.Namespace) -> int:
    """``blkswap costs``: one column per profile, unit and (for one profile) the stated basis."""
    from dataclasses import asdict

    from blkswap.sim.costs import load_profile

    names = args.profiles or [_default("costs")]
    profiles = {n: asdict(load_profile(n)) for n in names}
    if args.json:
        sys.stdout.write(json.dumps(profiles, indent=2) + "\n")
        return EXIT_OK
    notes = _profile_notes(names[0]) if len(names) == 1 else {}
    figures = [k for k in profiles[names[0]] if k != "name"]
    head = f"{'figure':<22} {'unit':<4} " + "".join(f" {p['name']:>12}" for p in profiles.values())
    lines = [head, "-" * len(head)]
    for k in figures:
        unit, scale = ("GB/s", 1e9) if k.endswith("_Bps") else ("ns", 1)
        vals = "".join(f" {p[k] / scale:>12g}" for p in profiles.values())
        note = f"  {notes[k]}" if notes.get(k) else ""
        lines.append(f"{k:<22} {unit:<5}{vals}{note}")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _profile_notes(name: str) -> dict[str, str]:
    """The trailing ``# basis`` comment of each figure in a profile's TOML text."""
    from importlib import resources

    from blkswap.sim.costs import PROFILES

    if name in PROFILES:
        text = (resources.files("blkswap.sim") / "profiles" / f"{name}.toml").read_text()
    else:
        text = Path(name).read_text()
    notes = {}
    for line in text.splitlines():
        key, eq, rest = line.partition("=")
        if eq and "#" in rest and not line.lstrip().startswith("#"):
            notes[key.strip()] = rest.split("#", 1)[1].strip()
    return notes


# -- entry point --------------------------------------------------------------------------------
def _with_default_command(argv: list[str]) -> list[str]:
    """No command → ``run``: bare ``blkswap``, ``blkswap --guests 2``, ``blkswap job.fio`` (an
    existing file or a ``.fio`` name); any other first word must be a command."""
    if not argv:
        return ["run"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first.startswith("-") or first.endswith(".fio") or Path(first).is_file():
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    """The console script. Returns the exit status (see the module docstring)."""
    argv = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    handlers = {"run": cmd_run, "compare": cmd_compare, "abi": cmd_abi, "costs": cmd_costs}
    try:
        status = handlers[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return status
    except KeyboardInterrupt:
        print("\nblkswap: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `blkswap abi | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - classify: user error (one line) or a bug
        if _is_user_error(err):
            print(f"blkswap: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        print(f"blkswap: internal error (a bug; please report it): {err!r}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(err: Exception) -> str:
    text = " ".join(str(err).split())
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or text}"
    return text


def _is_user_error(err: Exception) -> bool:
    from blkswap.lab.config import ConfigError
    from blkswap.lab.host import HostError
    from blkswap.sim.costs import CostProfileError
    from blkswap.storage import StorageError
    from blkswap.workload.errors import JobFileError

    user = (CliError, ConfigError, CostProfileError, JobFileError, StorageError, HostError)
    return isinstance(err, (*user, OSError))
