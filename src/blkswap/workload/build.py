"""Turning a job's ``[global]`` + section assignments into a resolved :class:`JobSpec`.

Assignments are applied in file order onto fio's defaults, the way fio applies options to one
``thread_data``: a per-direction value only overwrites the directions it names, and of
``rwmixread``/``rwmixwrite`` the one given last wins. Within one section ``kb_base`` is applied
first (fio sorts options by priority and ``kb_base`` has the highest), so it governs every size in
that section and in the jobs below a ``[global]`` that sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from blkswap.workload.distparse import parse_zoned
from blkswap.workload.errors import JobFileError, ValueProblem
from blkswap.workload.ini import Assignment, Section
from blkswap.workload.jobspec import RANDOM_MODES, JobSpec
from blkswap.workload.optcheck import engine_option, ignored, job_engine, unsupported
from blkswap.workload.options import (
    HOST_ONLY,
    LAB_PREFIX,
    OPTIONS,
    RW_MODES,
    VERIFY_MODES,
    Opt,
    canonical,
)
from blkswap.workload.units import (
    parse_bool,
    parse_float_list,
    parse_int,
    parse_size,
    parse_size_or_pct,
    parse_time,
    split_ddir,
    split_range,
)

__all__ = ["build_job", "Warner"]

Warner = Callable[[str, str], None]  # (dedupe key, message)

_FIELD = {
    "runtime": "runtime_us",
    "ramp_time": "ramp_time_us",
    "thinktime": "thinktime_us",
    "thinktime_spin": "thinktime_spin_us",
    "startdelay": "startdelay_us",
    "blocksize_unaligned": "bs_unaligned",
}
_DEFAULTS = {f.name: f.default for f in fields(JobSpec) if not callable(f.default_factory)}


class _Ctx:
    """Mutable build state of one job: the JobSpec field values plus per-direction scratch."""

    def __init__(self, warn: Warner) -> None:
        self.v: dict[str, Any] = dict(_DEFAULTS)
        self.bsrange: list[tuple[int, int] | None] = [None, None, None]
        self.bssplit: list[tuple[tuple[int, int], ...] | None] = [None, None, None]
        self.warn = warn
        self.a: Assignment | None = None
        self.engine = "psync"

    @property
    def kb(self) -> int:
        return int(self.v["kb_base"])

    def note(self, msg: str) -> None:
        a = self.a
        if a is not None:
            self.warn(f"{a.path}:{a.line}:{msg}", f"{a.path}:{a.line}: {a.key}: {msg}")


def _check_bounds(opt: Opt, val: int) -> int:
    if opt.lo is not None and val < opt.lo or opt.hi is not None and val > opt.hi:
        hi = "" if opt.hi is None else f"..{opt.hi}"
        raise ValueProblem(f"value {val} out of range ({opt.lo}{hi})")
    return val


def _int(c: _Ctx, opt: Opt, val: str) -> None:
    c.v[opt.name] = _check_bounds(opt, parse_int(val, kb_base=c.kb))
    if opt.name == "randseed":
        c.v["randseed_set"] = True


def _flag(c: _Ctx, opt: Opt, val: str | None) -> None:
    c.v[_FIELD.get(opt.name, opt.name)] = True if val is None else parse_bool(val)


def _str(c: _Ctx, opt: Opt, val: str | None) -> None:
    c.v[opt.name if opt.name != "name" else "_name"] = "" if val is None else val


def _choice(c: _Ctx, opt: Opt, val: str) -> None:
    allowed = opt.kind.split(":", 1)[1].split(",")
    if val not in allowed:
        raise ValueProblem(f"invalid value '{val}' (one of {', '.join(allowed)})")
    c.v[opt.name] = int(val) if opt.name in ("kb_base", "unit_base") else val


def _rw(c: _Ctx, opt: Opt, val: str) -> None:
    mode, sep, post = val.partition(":")
    mode = mode.strip().lower()
    mode = "rw" if mode == "readwrite" else mode
    if mode not in RW_MODES:
        raise ValueProblem(f"invalid value '{val}' (one of {', '.join(RW_MODES)}, readwrite)")
    c.v.update(rw=mode, rw_seq_nr=1, rw_seq_add=0)  # options.c str_rw_cb resets both
    if not sep:
        return
    if mode in RANDOM_MODES:
        nr = parse_int(post, kb_base=c.kb)
        if nr <= 0:
            raise ValueProblem(f"invalid ':<nr>' suffix in '{val}' (must be > 0)")
        c.v["rw_seq_nr"] = nr
    else:
        c.v["rw_seq_add"] = parse_size_or_pct(post, kb_base=c.kb, allow_negative=True)[0]


def _rwmix(c: _Ctx, opt: Opt, val: str) -> None:
    pct = _check_bounds(opt, parse_int(val, kb_base=c.kb))
    c.v["rwmixread"] = pct if opt.name == "rwmixread" else 100 - pct  # last one given wins


def _positive_size(text: str, c: _Ctx) -> int:
    val = parse_size(text, kb_base=c.kb, warn=c.note)
    if val <= 0:
        raise ValueProblem(f"invalid size '{text}' (must be > 0)")
    return val


def _ddir_size(c: _Ctx, opt: Opt, val: str) -> None:
    cur = list(c.v[opt.name])  # bs, or ba (blockalign: 0 = each direction's minimum bs)
    for d, part in enumerate(split_ddir(val)):
        if part is not None:
            cur[d] = _positive_size(part, c)
    c.v[opt.name] = tuple(cur)


def _ddir_range(c: _Ctx, opt: Opt, val: str) -> None:
    for d, part in enumerate(split_ddir(val, also="/")):
        if part is not None:
            lo_s, hi_s = split_range(part)
            lo, hi = _positive_size(lo_s, c), _positive_size(hi_s, c)
            c.bsrange[d] = (min(lo, hi), max(lo, hi))  # parse.c check_range_bytes swaps


def _bssplit_one(text: str, c: _Ctx) -> tuple[tuple[int, int], ...]:
    """# options.c bssplit_ddir: ``bs/pct`` entries; a blank (or 0) pct shares the remainder."""
    entries: list[tuple[int, int | None]] = []
    for item in text.split(":"):
        if not item.strip():
            break
        bs_s, _, pct_s = item.partition("/")
        pct: int | None = None
        if pct_s.strip():
            try:
                pct = int(pct_s)
            except ValueError:
                raise ValueProblem(f"invalid percentage '{pct_s}' in '{item}'") from None
            pct = None if pct == 0 else min(pct, 100)
        entries.append((_positive_size(bs_s, c), pct))
    if len(entries) > 64:
        raise ValueProblem(f"too many entries ({len(entries)} > 64)")
    given = sum(p for _, p in entries if p is not None)
    missing = sum(1 for _, p in entries if p is None)
    if given > 100:
        raise ValueProblem(f"percentages add up to {given} (> 100) in '{text}'")
    share = (100 - given) // missing if missing else 0
    return tuple((b, share if p is None else p) for b, p in entries)


def _bssplit(c: _Ctx, opt: Opt, val: str) -> None:
    for d, part in enumerate(split_ddir(val)):
        if part is not None:
            c.bssplit[d] = _bssplit_one(part, c)


def _size_pct(c: _Ctx, opt: Opt, val: str) -> None:
    num, pct = parse_size_or_pct(val, kb_base=c.kb, allow_pct=True, warn=c.note)
    c.v[opt.name], c.v[f"{opt.name}_pct"] = (num if opt.name == "size" else num or 0), pct
    if opt.name == "offset" and pct is not None:
        c.v["offset"] = 0


def _size(c: _Ctx, opt: Opt, val: str) -> None:
    c.v[opt.name] = parse_size(val, kb_base=c.kb, warn=c.note)
    if opt.name == "verify_interval" and c.v[opt.name] <= 0:
        raise ValueProblem(f"invalid size '{val}' (must be > 0)")


def _time(c: _Ctx, opt: Opt, val: str) -> None:
    c.v[_FIELD[opt.name]] = parse_time(val, is_seconds=opt.kind == "time_s", warn=c.note)


def _irange_time(c: _Ctx, opt: Opt, val: str) -> None:
    lo_s, hi_s = split_range(val)
    lo, hi = (parse_time(t, is_seconds=True, warn=c.note) for t in (lo_s, hi_s))
    c.v[_FIELD[opt.name]] = (min(lo, hi), max(lo, hi))


def _ddir_limit(c: _Ctx, opt: Opt, val: str) -> None:
    cur = list(c.v[opt.name])
    for d, part in enumerate(split_ddir(val)):
        if part is not None:
            if opt.kind == "ddir_rate":
                n = parse_size(part, kb_base=c.kb, warn=c.note)
            else:
                n = parse_int(part, kb_base=c.kb)
            cur[d] = n or None  # 0 = no limit
    c.v[opt.name] = tuple(cur)


def _rand_dist(c: _Ctx, opt: Opt, val: str) -> None:
    kind, _, rest = val.strip().partition(":")
    kind = kind.lower()
    if kind == "random" and not rest:
        c.v["random_distribution"] = ("random",)
        return
    if kind in ("zoned", "zoned_abs"):
        c.v["random_distribution"] = parse_zoned(
            kind, rest, c.kb, lambda text: _positive_size(text, c)
        )
        return
    if kind not in ("zipf", "pareto", "normal"):
        raise ValueProblem(
            f"unsupported distribution '{val}' (random, zipf, pareto, normal, zoned, zoned_abs)"
        )
    parts = rest.split(":")
    if not rest or len(parts) > 2:
        raise ValueProblem(f"invalid distribution '{val}' (expected {kind}:<value>[:<center>])")
    try:
        x = float(parts[0])
        center = float(parts[1]) if len(parts) == 2 else None
    except ValueError:
        raise ValueProblem(f"invalid distribution '{val}'") from None
    ok = {"zipf": x > 0 and x != 1.0, "pareto": 0 < x < 1, "normal": 0 < x <= 100}[kind]
    if not ok:
        need = {"zipf": "theta > 0 and != 1", "pareto": "0 < h < 1", "normal": "0 < sigma% <= 100"}
        raise ValueProblem(f"invalid distribution '{val}' ({need[kind]})")
    if center is not None and not 0.0 <= center <= 1.0:
        raise ValueProblem(f"invalid distribution '{val}' (center must be in [0, 1])")
    c.v["random_distribution"] = (kind, x, center)


def _verify(c: _Ctx, opt: Opt, val: str) -> None:
    if val not in VERIFY_MODES:
        raise ValueProblem(f"invalid value '{val}' (one of {', '.join(VERIFY_MODES)})")
    c.v["verify"] = val


def _float_list(c: _Ctx, opt: Opt, val: str) -> None:
    vals = parse_float_list(val, max_entries=20)  # stat.h FIO_IO_U_LIST_MAX_LEN
    bad = [v for v in vals if not 0.0 < v <= 100.0]
    if bad:
        raise ValueProblem(f"percentile {bad[0]} out of range (0, 100]")
    c.v["percentile_list"] = vals


def _bool(c: _Ctx, opt: Opt, val: str) -> None:
    c.v[opt.name] = parse_bool(val)


_CONVERT: dict[str, Callable[[_Ctx, Opt, Any], None]] = {
    "str": _str,
    "choice": _choice,
    "int": _int,
    "bool": _bool,
    "flag": _flag,
    "rw": _rw,
    "rwmix": _rwmix,
    "ddir_size": _ddir_size,
    "ddir_range": _ddir_range,
    "bssplit": _bssplit,
    "size_pct": _size_pct,
    "size": _size,
    "time_s": _time,
    "time_us": _time,
    "irange_time_s": _irange_time,
    "ddir_rate": _ddir_limit,
    "ddir_iops": _ddir_limit,
    "rand_dist": _rand_dist,
    "verify": _verify,
    "float_list": _float_list,
}


def _apply(
    c: _Ctx, a: Assignment, job: dict[str, dict[str, str]] | None, eff: dict[str, dict[str, str]]
) -> None:
    """Apply one assignment; ``job`` is the job-section record (``None`` for [global])."""
    c.a = a
    typed = "" if a.value is None else a.value
    if a.key.startswith(LAB_PREFIX):
        for rec in (eff, job) if job is not None else (eff,):
            rec["options"][a.key] = typed
            rec["lab"][a.key] = typed
        return
    name = canonical(a.key)
    if name is None:
        engine_option(c, a, eff)
        return
    opt = OPTIONS[name]
    if a.value is None and not opt.bare_ok:
        extra = " (a bool needs =0 or =1)" if opt.kind == "bool" else ""
        raise JobFileError(a.path, a.line, a.key, f"option requires an argument{extra}")
    try:
        if opt.kind == "unsupported":
            unsupported(opt, a)
        elif opt.name in HOST_ONLY:
            ignored(c, opt, a)
            eff["host"][name] = typed
        else:
            _CONVERT[opt.kind.split(":", 1)[0]](c, opt, a.value)
            _check_sectors(c, name)
    except ValueProblem as exc:
        raise JobFileError(a.path, a.line, a.key, str(exc)) from None
    eff["options"][name] = typed
    if job is not None:
        job["options"][name] = typed


def _check_sectors(c: _Ctx, name: str) -> None:
    """Block sizes must be whole 512-byte sectors: blkif moves sectors (xen-abi.md §3.4). fio
    itself allows odd sizes for buffered files; the lab's devices are block devices."""
    sizes: list[int] = []
    if name in ("bs", "ba"):
        sizes = [b for b in c.v[name] if b]
    elif name == "bsrange":
        sizes = [b for r in c.bsrange if r is not None for b in r]
    elif name == "bssplit":
        sizes = [b for d in c.bssplit if d for b, _pct in d]
    bad = [b for b in sizes if b % 512 or b <= 0]
    if bad:
        raise ValueProblem(f"block size {bad[0]} is not a whole number of 512-byte sectors")


def _ordered(assignments: Sequence[Assignment]) -> list[Assignment]:
    """kb_base first within a section (fio sorts options by priority; kb_base has prio 1)."""
    first = [a for a in assignments if canonical(a.key) == "kb_base"]
    return first + [a for a in assignments if canonical(a.key) != "kb_base"]


def build_job(section: Section, globals_above: Sequence[Section], warn: Warner) -> JobSpec:
    """Resolve one job section with every ``[global]`` section above it."""
    c = _Ctx(warn)
    c.engine = job_engine([*globals_above, section])
    eff: dict[str, dict[str, str]] = {"options": {}, "lab": {}, "host": {}}
    job: dict[str, dict[str, str]] = {"options": {}, "lab": {}}
    for g in globals_above:
        for a in _ordered(g.assignments):
            _apply(c, a, None, eff)
    for a in _ordered(section.assignments):
        _apply(c, a, job, eff)
    v = c.v
    if v["log_offset"] and any(v[f"write_{k}_log"] is not None for k in ("bw", "iops", "lat")):
        raise JobFileError(
            section.path, section.line, "log_offset",
            "unsupported by blkswap: log_offset=1 with write_*_log (the lab keeps no offsets)",
        )  # fmt: skip
    if v["time_based"] and not v["runtime_us"]:  # fio init.c fixup_options: fio's own rule
        warn(
            f"{section.path}:time_based",
            f"{section.path}:{section.line}: time_based: ignored in job '{section.name}': it "
            "requires a runtime, as fio says (the job ends when its I/O is done)",
        )
        v["time_based"] = False
    name = v.pop("_name", None) if "name" in job["options"] else None
    v.pop("_name", None)
    if any(r is not None for r in c.bsrange):
        v["bsrange"] = tuple(
            r if r is not None else (b, b) for r, b in zip(c.bsrange, v["bs"], strict=True)
        )
    if any(s is not None for s in c.bssplit):
        v["bssplit"] = tuple(s if s is not None else () for s in c.bssplit)
    return JobSpec(
        **{**v, "name": name or section.name},
        options=job["options"],
        effective=eff["options"],
        host_only=eff["host"],
        lab_options=eff["lab"],
    )
