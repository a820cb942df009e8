"""GRID.toml → the list of points of a sweep.

::

    [base]                      # what every point shares
    job = "job.fio"             # fio job file (relative to GRID.toml) [default: the built-in job]
    scenario = "lab.toml"       # scenario TOML (its [lab] keys) [default: none]
    seed = 1                    # run seed of repeat 0; repeat r > 0 gets a seed derived from it
    lab = { guests = 2, storage = "ram" }      # scenario keys (LabConfig fields)
    job_options = { iodepth = 8 }              # fio options set in every job section
    costs = { grant_map_ns = 120 }             # cost figure overrides

    [grid]                      # product axes: every combination of the values
    datapath = ["map", "copy"]
    "job.iodepth" = [1, 8, 32]

    [zip]                       # paired axes: the i-th values go together (equal lengths)
    "job.bs" = ["4k", "64k"]
    "costs.memcpy_Bps" = [5e9, 10e9]

An axis name is a scenario key (``guests``, ``datapath`` …), ``job.OPTION`` (an fio option) or
``costs.FIGURE`` (a cost figure). Points = grid product × zip rows × repeats. Every point has a
content key: a hash of what the run depends on (its lab settings, job text and seed), so a point
done once is found again whatever the grid file around it looks like.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["Grid", "Point", "SweepError", "derive_seed", "load_grid", "with_job_options"]

BASE_KEYS = {"job", "scenario", "seed", "lab", "job_options", "costs"}


class SweepError(ValueError):
    """Bad grid file or option: one line naming the file and key."""


@dataclass(frozen=True)
class Point:
    """One run of the sweep: its axis values, repeat number and everything the run needs."""

    index: int
    axes: dict[str, Any]
    repeat: int
    seed: int
    lab: dict[str, Any]  #: LabConfig fields (validated), cost_overrides included
    job_text: str
    job_name: str
    base_dir: str

    @property
    def key(self) -> str:
        """Content key: sha256 of the lab settings, job text and seed (first 16 hex digits)."""
        doc = {"lab": self.lab, "job": self.job_text, "seed": self.seed}
        text = json.dumps(doc, sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def spec(self) -> dict[str, Any]:
        """What a worker needs (plain data, picklable, no paths that only exist here... except
        ``base_dir`` for ``include`` lines of the job file)."""
        return {
            "key": self.key,
            "lab": self.lab,
            "job_text": self.job_text,
            "job_name": self.job_name,
            "base_dir": self.base_dir,
        }


@dataclass
class Grid:
    """A parsed grid file: its axes (grid and zip) and the points they make."""

    path: Path
    grid_axes: dict[str, list[Any]]
    zip_axes: dict[str, list[Any]]
    points: list[Point]

    @property
    def axes(self) -> list[str]:
        return [*self.grid_axes, *self.zip_axes]


def derive_seed(base: int, repeat: int) -> int:
    """Seed of repeat *repeat*: the base seed for repeat 0, else a hash of both (31 bits)."""
    if repeat == 0:
        return base
    digest = hashlib.sha256(f"blkswap-sweep:{base}:{repeat}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def with_job_options(text: str, options: dict[str, Any]) -> str:
    """*text* with ``key=value`` lines appended to every job section (after its own options,
    so they win, as a later line does in fio); ``[global]`` is left as it is."""
    if not options:
        return text
    extra = [f"{k}={_fio_value(v)}" for k, v in options.items()]
    out: list[str] = []
    in_job = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if in_job:
                out += extra
            in_job = stripped.lower() != "[global]"
        out.append(line)
    if in_job:
        out += extra
    return "\n".join(out) + "\n"


def _fio_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _table(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SweepError(f"{where}: [{name}] must be a table")
    return value


def _axes(data: dict[str, Any], name: str, where: str) -> dict[str, list[Any]]:
    axes = {}
    for key, values in _table(data, name, where).items():
        if not isinstance(values, list) or not values:
            raise SweepError(f"{where}: [{name}] {key}: expected a non-empty list of values")
        axes[key] = values
    return axes


def load_grid(path: str | Path, repeat: int = 1) -> Grid:
    """Parse *path* and expand it into points (``repeat`` runs of each combination)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise SweepError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SweepError(f"{p}: cannot read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise SweepError(f"{p}: {err}") from None
    where = str(p)
    unknown = set(data) - {"base", "grid", "zip"}
    if unknown:
        raise SweepError(f"{where}: unknown table(s) {', '.join(sorted(unknown))}")
    base = _table(data, "base", where)
    bad = set(base) - BASE_KEYS
    if bad:
        raise SweepError(f"{where}: [base] unknown key(s) {', '.join(sorted(bad))}; known: "
                         f"{', '.join(sorted(BASE_KEYS))}")  # fmt: skip
    grid_axes, zip_axes = _axes(data, "grid", where), _axes(data, "zip", where)
    both = set(grid_axes) & set(zip_axes)
    if both:
        raise SweepError(f"{where}: axis {sorted(both)[0]} is in both [grid] and [zip]")
    lengths = {len(v) for v in zip_axes.values()}
    if len(lengths) > 1:
        raise SweepError(f"{where}: [zip] lists must have equal lengths, got "
                         + ", ".join(f"{k}={len(v)}" for k, v in zip_axes.items()))  # fmt: skip
    if repeat < 1:
        raise SweepError(f"--repeat {repeat}: must be ≥ 1")
    return Grid(p, grid_axes, zip_axes, _points(p, base, grid_axes, zip_axes, repeat))


def _combinations(grid: dict[str, list[Any]], zipped: dict[str, list[Any]]) -> list[dict]:
    rows = [dict(zip(zipped, vals, strict=True)) for vals in zip(*zipped.values(), strict=True)]
    out = []
    for combo in itertools.product(*grid.values()):
        for row in rows or [{}]:
            out.append({**dict(zip(grid, combo, strict=True)), **row})
    return out


def _points(
    p: Path,
    base: dict[str, Any],
    grid: dict[str, list[Any]],
    zipped: dict[str, list[Any]],
    repeat: int,
) -> list[Point]:
    from blkswap.lab.config import ConfigError, LabConfig

    base_lab = _base_lab(p, base)
    job_text, job_name = _base_job(p, base)
    seed = base.get("seed", base_lab.seed)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SweepError(f"{p}: [base] seed = {seed!r}: expected an integer")
    known = {f.name for f in fields(LabConfig)} - {"cost_overrides", "pools"}
    points = []
    for combo in _combinations(grid, zipped):
        lab: dict[str, Any] = {}
        costs = dict(base_lab.cost_overrides)
        job_options = dict(base.get("job_options", {}))
        for axis, value in combo.items():
            kind, _, name = axis.partition(".")
            if kind == "job" and name:
                job_options[name] = value
            elif kind == "costs" and name:
                costs[name] = value
            elif axis in known:
                lab[axis] = value
            else:
                raise SweepError(f"{p}: axis {axis!r}: not a scenario key, job.OPTION or "
                                 "costs.FIGURE")  # fmt: skip
        _check_costs(p, costs)
        text = with_job_options(job_text, job_options)
        for r in range(repeat):
            try:
                config = base_lab.with_(
                    **lab, cost_overrides=costs, seed=derive_seed(seed, r)
                ).validated()
            except (ConfigError, TypeError) as err:
                raise SweepError(f"{p}: point {combo}: {err}") from None
            points.append(
                Point(
                    len(points),
                    combo,
                    r,
                    config.seed,
                    _lab_dict(config),
                    text,
                    job_name,
                    str(p.parent.resolve()),
                )  # fmt: skip
            )
    return points


def _lab_dict(config: Any) -> dict[str, Any]:
    doc = asdict(config)
    doc["pools"] = [list(pool[:2]) + [list(pool[2])] for pool in config.pools]
    return doc


def lab_config(doc: dict[str, Any]) -> Any:
    """The LabConfig of a point's ``lab`` dict (:meth:`Point.spec`)."""
    from blkswap.lab.config import LabConfig

    fixed = dict(doc)
    fixed["pools"] = tuple((str(n), int(f), tuple(g)) for n, f, g in doc.get("pools", ()))
    return LabConfig(**fixed)


def _base_lab(p: Path, base: dict[str, Any]) -> Any:
    from blkswap.lab.config import ConfigError, LabConfig, load_scenario

    config = LabConfig()
    if "scenario" in base:
        try:
            config = load_scenario(p.parent / str(base["scenario"]))
        except ConfigError as err:
            raise SweepError(f"{p}: [base] scenario: {err}") from None
    lab = base.get("lab", {})
    if not isinstance(lab, dict):
        raise SweepError(f"{p}: [base] lab must be a table")
    known = {f.name for f in fields(LabConfig)}
    for key in lab:
        if key not in known:
            raise SweepError(f"{p}: [base] lab.{key}: not a scenario key")
    costs = base.get("costs", {})
    if not isinstance(costs, dict):
        raise SweepError(f"{p}: [base] costs must be a table")
    overrides = {**config.cost_overrides, **costs}
    try:
        return config.with_(**lab, cost_overrides=overrides).validated()
    except (ConfigError, TypeError) as err:
        raise SweepError(f"{p}: [base] lab: {err}") from None


def _check_costs(p: Path, costs: dict[str, Any]) -> None:
    from blkswap.sim.costs import CostProfileError, load_profile

    try:
        load_profile().with_overrides(**costs)
    except CostProfileError as err:
        raise SweepError(f"{p}: costs: {err}") from None


def _base_job(p: Path, base: dict[str, Any]) -> tuple[str, str]:
    from blkswap.workload.defaults import DEFAULT_JOB, DEFAULT_JOB_NAME

    if "job" not in base:
        return DEFAULT_JOB, f"<built-in {DEFAULT_JOB_NAME}>"
    job = p.parent / str(base["job"])
    try:
        return job.read_text(), str(job)
    except (OSError, UnicodeDecodeError) as err:
        raise SweepError(f"{p}: [base] job = {base['job']!r}: cannot read {job}: {err}") from None
