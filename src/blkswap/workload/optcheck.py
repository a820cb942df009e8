"""Options blkswap does not implement, at build time: fio's ioengine options, ignored options
(one ``ignored in the lab: why`` warning), unsupported ones (refused unless a no-op value),
non-block engines (refused) and names fio 3.33 does not have (unknown). Tables:
:mod:`blkswap.workload.compat`."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from blkswap.workload.compat import (
    ENGINE_OPTIONS,
    IGNORED,
    NO_OP_VALUES,
    REFUSED_ENGINE_OPTIONS,
    engine_verdict,
)
from blkswap.workload.errors import JobFileError, ValueProblem
from blkswap.workload.ini import Assignment, Section
from blkswap.workload.options import ALIASES, OPTIONS, Opt, canonical
from blkswap.workload.units import parse_bool, parse_int

__all__ = ["engine_option", "ignored", "job_engine", "unknown", "unsupported"]


def _host_check(c: Any, opt: Opt, val: str | None) -> None:
    if opt.kind == "bool" and val is not None:
        parse_bool(val)
    elif opt.kind == "int" and val is not None:
        parse_int(val, kb_base=c.kb)
    elif opt.kind == "flag" and val is not None:
        parse_bool(val)


def unknown(a: Assignment) -> JobFileError:
    near = difflib.get_close_matches(a.key, [*OPTIONS, *ALIASES], n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return JobFileError(a.path, a.line, a.key, f"unknown option (not an fio 3.33 option{hint})")


def engine_option(c: Any, a: Assignment, eff: dict[str, dict[str, str]]) -> None:
    """An option of an ioengine (fio parses these against the job's engine only)."""
    owners = sorted(e for e, opts in ENGINE_OPTIONS.items() if a.key in opts)
    if not owners and a.key in REFUSED_ENGINE_OPTIONS:
        owners = sorted(REFUSED_ENGINE_OPTIONS[a.key])
        raise JobFileError(
            a.path, a.line, a.key,
            f"an option of ioengine {'/'.join(owners)} (not of ioengine={c.engine}); "
            f"unsupported by blkswap: {engine_verdict(owners[0])}",
        )  # fmt: skip
    if not owners:
        raise unknown(a)
    if c.engine not in owners:
        raise JobFileError(
            a.path, a.line, a.key,
            f"option of ioengine {'/'.join(owners)}, not of ioengine={c.engine} (fio: Bad option)",
        )  # fmt: skip
    eff["host"][a.key] = "" if a.value is None else a.value
    c.warn(
        f"host:{a.key}",
        f"{a.path}:{a.line}: {a.key}: ignored in the lab: a tuning of ioengine={c.engine}, "
        "and the lab's engine is the emulated blkfront",
    )


def ignored(c: Any, opt: Opt, a: Assignment) -> None:
    _host_check(c, opt, a.value)
    if opt.name == "ioengine":
        engine = (a.value or "").strip()
        if engine == "xen-blkfront":
            return
        why = IGNORED["ioengine"]
        if engine in ("null", "cpp_null"):
            why += "; it moves data, unlike fio's null engine (use --datapath null for that)"
        c.warn(
            f"host:ioengine={engine}",
            f"{a.path}:{a.line}: {a.key}={engine}: ignored in the lab: {why}",
        )
        return
    c.warn(
        f"host:{opt.name}", f"{a.path}:{a.line}: {a.key}: ignored in the lab: {IGNORED[opt.name]}"
    )


def unsupported(opt: Opt, a: Assignment) -> None:
    value = "1" if a.value is None else a.value.strip()
    if value in NO_OP_VALUES.get(opt.name, ()):
        return
    raise ValueProblem(f"unsupported by blkswap: {opt.help}")


def job_engine(sections: Sequence[Section]) -> str:
    """The job's ioengine (the last one set; fio's default on Linux is psync). A non-block
    engine is refused at its line: fio would do something that is not block I/O."""
    engine, where = "psync", None
    for sec in sections:
        for a in sec.assignments:
            if canonical(a.key) == "ioengine" and a.value is not None:
                engine, where = a.value.strip(), a
    why = engine_verdict(engine)
    if why is not None and where is not None:
        raise JobFileError(where.path, where.line, where.key, f"unsupported by blkswap: {why}")
    return engine
