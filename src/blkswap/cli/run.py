"""``blkswap run`` and ``blkswap compare``: run the lab once per data path, write the requested
output documents (stdout, stderr or ``--output``), the report folder, and the exit status for
data errors found."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import COMPARED, EXIT_FINDINGS, EXIT_OK, MAIN_REPORT_DIR, CliError, _status
from .config import _check_destinations, _lab_config, _load_job


def cmd_run(args: argparse.Namespace) -> int:
    """``blkswap run``: one data path (``--datapath all``: compare; no job, no path: main job)."""
    main_job = args.job is None and args.datapath is None
    if main_job or args.datapath == "all":
        args.datapaths, args.datapath = list(COMPARED), None  # "all" is not a lab setting
        return cmd_compare(args, main_job=main_job)
    config = _lab_config(args, {"datapath": args.datapath or "map"})
    jobfile = _load_job(args, config)
    if _before_run(args, config, jobfile, runs=1):
        return EXIT_OK
    _check_destinations(args, args.report)
    result = _run_one(args, config, jobfile)
    _emit_run(args, result)
    _write_logs({config.datapath: result}, single=True)
    if args.report:
        _report(args.report, {config.datapath: result.run}, conditions=_conditions(args, config))
    return _findings({config.datapath: result})


def cmd_compare(args: argparse.Namespace, main_job: bool = False) -> int:
    """``blkswap compare``: the same job through ``--datapaths``, one table."""
    from blkswap.report import dumps_fio, format_comparison

    config = _lab_config(args, {"guests": 4} if main_job else {})
    jobfile = _load_job(args, config)
    if _before_run(args, config, jobfile, runs=len(args.datapaths)):
        return EXIT_OK
    report = args.report or (MAIN_REPORT_DIR if main_job and not args.no_report else None)
    _check_destinations(args, report)
    partial: dict[str, Any] = {}
    args.partial_results = partial  # filled as paths finish; printed if interrupted
    done = _run_paths(args, config, jobfile, list(args.datapaths), partial=partial)
    results = {n: done[n] for n in args.datapaths if n in done}  # the order the user gave
    runs = {n: r.run for n, r in results.items()}
    _write_logs(results, single=False)
    docs = []
    for fmt in _doc_formats(args.output_format):
        if fmt == "normal":
            docs.append(("normal", format_comparison(runs)))
        else:
            doc = {n: r.to_fio_json(plus=fmt == "json+") for n, r in results.items()}
            docs.append(("json", dumps_fio(doc)))
    _write_docs(args, docs)
    if report:
        _report(
            report, runs, crossover=_crossover(config, results),
            conditions=_conditions(args, config),
        )  # fmt: skip
    return _findings(results)


def _report(folder: str, runs: dict[str, Any], **figures: Any) -> None:
    """Write the report folder; a folder that cannot be written is named with its option."""
    from blkswap.report import write_report

    try:
        paths = write_report(runs, Path(folder), **figures)
    except OSError as err:
        raise CliError(f"--report {folder}: {err.strerror or err}") from None
    _status(f"report: {len(paths)} files in {Path(folder)}/")


def _before_run(args: argparse.Namespace, config: Any, jobfile: Any, runs: int) -> bool:
    """Say once when a job's size runs past the disk; estimate the wall time and warn when it
    is long; with ``--dry-run`` print the expanded jobs and the estimate. True: do not run."""
    from blkswap.workload.estimate import LONG_S, describe, estimate, size_notes

    for note in size_notes(jobfile, config.disk_size):
        _status(f"warning: {note}")
    est = estimate(
        jobfile, guests=config.guests, disk_size=config.disk_size, runs=runs, device=config.device
    )
    if getattr(args, "dry_run", False):
        sys.stdout.write(format_dry_run(jobfile, config, est, runs))
        return True
    if est.wall_s > LONG_S:
        _status(
            f"warning: this run will take long: {describe(est)} (the lab emulates every "
            "request; simulated time is not wall time). Cut it with runtime= or size= in the "
            "job, fewer --guests, or see it first with --dry-run"
        )
    return False


def format_dry_run(jobfile: Any, config: Any, est: Any, runs: int) -> str:
    """The expanded jobs (every option resolved), one block each, then the estimate."""
    from blkswap.workload.generator import IoGenerator

    out = [f"{jobfile.path}: {len(jobfile.jobs)} job(s), {config.guests} guest(s), "
           f"{runs} data path run(s), disk {config.disk_size} bytes"]  # fmt: skip
    for job in jobfile.jobs:
        regions = []
        for clone in range(job.numjobs):
            gen = IoGenerator(job, config.disk_size, clone=clone)
            regions.append(f"{gen.start}+{gen.region}")
        out.append(f"[{job.name}] rw={job.rw} bs={'/'.join(map(str, job.bs))} "
                   f"iodepth={job.iodepth} numjobs={job.numjobs} runtime_us={job.runtime_us} "
                   f"time_based={int(job.time_based)} ends by {est.bound_by.get(job.name, '?')}")  # fmt: skip
        out.append(f"  regions (offset+bytes per clone): {', '.join(regions)}")
        opts = " ".join(f"{k}={v}" if v != "" else k for k, v in job.effective.items())
        out.append(f"  options: {opts or '(fio defaults)'}")
    from blkswap.workload.estimate import describe

    out.append(f"estimate: {describe(est)}")
    return "\n".join(out) + "\n"


def _write_logs(results: dict[str, Any], single: bool) -> None:
    """fio's write_*_log files in the current folder, as fio writes them; ``compare`` puts the
    data path in front of each name (``map_job_bw.1.log``)."""
    from blkswap.report.fio_logs import write_fio_logs

    paths = []
    for name, r in results.items():
        paths += write_fio_logs(r.run, Path.cwd(), prefix="" if single else f"{name}_")
    if paths:
        _status(f"fio logs: {len(paths)} files ({', '.join(p.name for p in paths[:3])}"
                f"{', …' if len(paths) > 3 else ''})")  # fmt: skip


def _conditions(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    """What the report's figures state besides the run's own figures: job file and seed."""
    from blkswap.workload.defaults import DEFAULT_JOB_NAME

    job = Path(args.job).name if args.job else f"{DEFAULT_JOB_NAME} (built-in)"
    host = f"{config.pcpus} pCPUs, {config.sched}" if config.pcpus else "none (a pCPU per vCPU)"
    return {"job": job, "seed": config.seed, "host": host}


def _crossover(config: Any, results: dict[str, Any]) -> Any:
    if "swap" not in results or "copy" not in results:
        return None
    from blkswap.lab.crossover import crossover_grid
    from blkswap.sim.costs import load_profile

    costs = load_profile(config.costs).with_overrides(**config.cost_overrides)
    return crossover_grid(results["swap"], results["copy"], costs)


def _run_paths(
    args: argparse.Namespace,
    config: Any,
    jobfile: Any,
    names: list[str],
    partial: dict[str, Any] | None = None,
) -> Any:
    """The data paths side by side, one worker process each (lab.parallel; $BLKSWAP_WORKERS);
    each result lands in ``partial`` as it finishes (what an interrupt prints)."""
    from blkswap.lab.parallel import default_workers, run_configs

    try:
        workers = default_workers(len(names))
    except ValueError as err:
        raise CliError(str(err)) from None
    done = run_configs(
        [config.with_(datapath=name) for name in names],
        jobfile,
        workers=workers,
        eta=args.eta,
        on_start=lambda i: _status(f"[{i + 1}/{len(names)}] {names[i]} …"),
        on_done=(lambda i, r: partial.__setitem__(names[i], r)) if partial is not None else None,
    )
    return dict(zip(names, done, strict=True))


def _run_one(args: argparse.Namespace, config: Any, jobfile: Any) -> Any:
    from blkswap.lab import Lab
    from blkswap.lab.progress import make_progress
    from blkswap.lab.run import RunInterrupted

    expected = sum(j.numjobs for j in jobfile.jobs) * config.guests
    progress = make_progress(args.eta, expected_runners=expected)
    try:
        return Lab(config).run(jobfile, progress=progress)
    except RunInterrupted as stop:
        if stop.partial is not None:  # printed by emit_partial, as fio prints a stopped run
            args.interrupted_run = stop.partial
        raise
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


def _findings(results: dict[str, Any]) -> int:
    """Exit status 1 and one stderr line per data path whose run found data errors; first, what
    a handshake capped (rings, ring order, a data path that fell back)."""
    status = EXIT_OK
    for name, r in results.items():
        for note in r.run.blkswap.get("negotiated", []):
            _status(f"{name}: negotiated less than asked: {note}")
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


def emit_partial(args: Any) -> None:
    """After Ctrl-C or SIGTERM (fio prints the statistics of the jobs that ran): ``run``, its
    statistics up to the interruption; ``compare``, the comparison of the data paths that
    completed; or a line saying there is nothing to print."""
    stopped = getattr(args, "interrupted_run", None)
    if stopped is not None:  # `blkswap run`: the one run, up to where it was stopped
        at_ms = stopped.run.blkswap["interrupted_at_ns"] / 1e6
        _status(f"partial results: the run was stopped at {at_ms:.3f} ms of simulated time")
        _emit_run(args, stopped)
        return
    results = getattr(args, "partial_results", None) or {}
    planned = getattr(args, "datapaths", None) or []
    if not results:
        if getattr(args, "command", None) in ("run", "compare"):
            _status("interrupted before any data path finished: no results to print")
        return
    from blkswap.report import format_comparison

    _status(f"partial results: {len(results)} of {len(planned)} data paths finished")
    sys.stdout.write(_nl(format_comparison({n: r.run for n, r in results.items()})))
    sys.stdout.flush()
