"""From parsed arguments to what a run needs: the lab configuration (defaults < scenario file <
flags, each error naming its flag or scenario key), the parsed job file checked against the
disk, and output places checked before a long run starts."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import Any

from .common import DEVICES, CliError


def _lab_config(args: argparse.Namespace, defaults: dict[str, Any]) -> Any:
    from blkswap.lab.config import ConfigError, LabConfig, load_scenario

    base = LabConfig(**defaults)
    if args.scenario:
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
    from blkswap.sim.costs import CostProfileError, load_profile

    profile = load_profile(config.costs)  # a bad --costs fails now, not after the first run
    try:
        profile.with_overrides(**config.cost_overrides)
    except CostProfileError as err:
        raise CliError(f"scenario {args.scenario}: cost_overrides: {err}") from None
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
    if report:
        nearest = next(p for p in (Path(report), *Path(report).parents) if p.exists())
        if nearest == Path(report) and not nearest.is_dir():
            raise CliError(f"--report {report}: exists and is not a folder")
        if not nearest.is_dir():
            raise CliError(f"--report {report}: {nearest} is not a folder")
