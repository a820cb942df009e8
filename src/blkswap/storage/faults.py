"""Fault injection from a seedable plan: :class:`FaultPlan`, :class:`FaultyStore`, :class:`FaultyDevice`.

A plan is a TOML file (``blkswap run JOB --faults PLAN.toml``) or a :class:`FaultPlan` built in
code. Each ``[[fault]]`` rule picks I/Os and does one thing to them, modelled on the Linux
device-mapper targets xfstests uses (``dm-error``, ``dm-flakey``, ``dm-dust``, ``dm-delay``)::

    seed = 7                 # the same seed replays the same faults on the same I/O sequence
    [[fault]]
    kind = "eio"             # eio | short | torn | latency | hang
    op = "read"              # read | write | flush | discard | any
    probability = 0.01       # chance per matching I/O (default 1)
    every = 0                # or: only every Nth matching I/O (1 = each)
    after = 0                # skip the first N matching I/Os
    count = 0                # at most N injections (0 = no limit)
    offset = 0               # only I/Os overlapping [offset, offset + length) bytes
    length = 0               # 0 = to the end of the disk
    fraction = 0.5           # short / torn: share of the I/O's sectors done (rounded down)
    delay_ms = 0.0           # latency: extra service time; hang: how long the device stalls

What each kind does (functional part in :class:`FaultyStore`, timing part in :class:`FaultyDevice`):

* ``eio`` -- the I/O fails with :class:`StorageError` (EIO); nothing is transferred.
* ``short`` -- a read or write moves only the first ``fraction`` of its sectors and returns that
  byte count (a short ``preadv``/``pwritev``); the rest of a read buffer is left as it was.
* ``torn`` -- a write lands for its first ``fraction`` of sectors, then fails with EIO (power or
  path loss mid-write; each 512-byte sector is old or new, never mixed -- lab assumption).
* ``latency`` -- the I/O takes ``delay_ms`` more (``dm-delay``).
* ``hang`` -- the device stops for ``delay_ms`` at that I/O, then recovers: the I/O completes
  late and, holding a service slot, delays those queued behind it (lab simplification: no
  timeout or reset is modelled).

Decisions depend only on the seed and the order of I/Os of each kind, so a run replays exactly.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from blkswap.storage.base import StorageError, as_bytes_views

KINDS = ("eio", "short", "torn", "latency", "hang")
OPS = ("read", "write", "flush", "discard", "any")
SECTOR = 512


class FaultPlanError(ValueError):
    """A fault plan is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Durability:
    """``[durability]``: each disk gets a volatile write cache (storage/durability.py); at the end
    of the run the power is cut and ``lost acknowledged writes`` is reported."""

    survive: float = 0.5  #: chance an unflushed cached sector reached the media before the cut


@dataclass(frozen=True)
class FaultRule:
    kind: str
    op: str = "any"
    probability: float = 1.0
    every: int = 0
    after: int = 0
    count: int = 0
    offset: int = 0
    length: int = 0
    fraction: float = 0.5
    delay_ms: float = 0.0

    def check(self, where: str) -> FaultRule:
        def bad(key: str, why: str) -> FaultPlanError:
            return FaultPlanError(f"{where}.{key}: {why}, got {getattr(self, key)!r}")

        if self.kind not in KINDS:
            raise bad("kind", f"one of {', '.join(KINDS)}")
        if self.op not in OPS:
            raise bad("op", f"one of {', '.join(OPS)}")
        if self.kind in ("short", "torn") and self.op not in ("read", "write", "any"):
            raise bad("op", f"{self.kind} applies to read or write")
        if self.kind == "torn" and self.op == "read":
            raise bad("op", "a torn I/O is a write")
        if not 0.0 <= self.probability <= 1.0:  # false for nan
            raise bad("probability", "a number in [0, 1]")
        if not 0.0 <= self.fraction < 1.0:
            raise bad("fraction", "a number in [0, 1)")
        if not 0.0 <= self.delay_ms <= 3_600_000.0:
            raise bad("delay_ms", "milliseconds in [0, 3600000]")
        for key in ("every", "after", "count", "offset", "length"):
            if getattr(self, key) < 0:
                raise bad(key, "an integer ≥ 0")
        return self

    def overlaps(self, offset: int | None, nbytes: int) -> bool:
        if offset is None or (not self.offset and not self.length):
            return True
        end = self.offset + self.length if self.length else math.inf
        return offset < end and offset + max(nbytes, 1) > self.offset


@dataclass
class FaultPlan:
    """Rules plus the seeded state that decides each I/O; :meth:`injected` counts what fired."""

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0
    durability: Durability | None = None
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _seen: list[int] = field(init=False, repr=False, compare=False)
    _fired: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._seen = [0] * len(self.rules)
        self._fired = [0] * len(self.rules)

    def decide(self, op: str, offset: int | None, nbytes: int) -> list[FaultRule]:
        """The rules that fire for this I/O (in plan order); advances the plan's state."""
        out = []
        for i, r in enumerate(self.rules):
            if r.op not in ("any", op) or not r.overlaps(offset, nbytes):
                continue
            if r.kind in ("short", "torn") and op not in ("read", "write"):
                continue
            self._seen[i] += 1
            n = self._seen[i]
            if n <= r.after or (r.count and self._fired[i] >= r.count):
                continue
            if r.every and (n - r.after) % r.every:
                continue
            if r.probability < 1.0 and self._rng.random() >= r.probability:
                continue
            self._fired[i] += 1
            out.append(r)
        return out

    def only(self, kinds: tuple[str, ...], salt: int = 0) -> FaultPlan:
        """A fresh plan with the rules of ``kinds`` (seed + ``salt``): the storage side and the
        timing side each replay their own decisions."""
        return FaultPlan(tuple(r for r in self.rules if r.kind in kinds), self.seed + salt,
                         self.durability)  # fmt: skip

    def injected(self) -> dict[str, int]:
        """Injections so far by kind."""
        out = dict.fromkeys(KINDS, 0)
        for r, n in zip(self.rules, self._fired, strict=True):
            out[r.kind] += n
        return out


def load_plan(path: str | Path) -> FaultPlan:
    """Read a plan file; every error is one FaultPlanError naming the file and the key."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise FaultPlanError(f"fault plan {p}: no such file") from None
    except OSError as err:
        raise FaultPlanError(f"fault plan {p}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise FaultPlanError(f"fault plan {p}: not UTF-8 text (byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise FaultPlanError(f"fault plan {p}: {err}") from None
    return plan_from_dict(data, f"fault plan {p}")


def plan_from_dict(data: dict[str, Any], where: str = "fault plan") -> FaultPlan:
    unknown = set(data) - {"seed", "fault", "durability"}
    if unknown:
        raise FaultPlanError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise FaultPlanError(f"{where}: seed = {seed!r} must be an integer")
    tables = data.get("fault", [])
    if not isinstance(tables, list) or any(not isinstance(t, dict) for t in tables):
        raise FaultPlanError(f"{where}: [[fault]] must be an array of tables")
    rules = tuple(_rule(t, f"{where}: fault[{i}]") for i, t in enumerate(tables))
    return FaultPlan(rules, seed, _durability(data.get("durability"), where))


def _durability(t: Any, where: str) -> Durability | None:
    if t is None:
        return None
    if not isinstance(t, dict) or set(t) - {"survive"}:
        raise FaultPlanError(f"{where}: [durability] takes only survive = 0..1")
    survive = t.get("survive", 0.5)
    ok = isinstance(survive, int | float) and not isinstance(survive, bool)
    if not ok or not 0.0 <= survive <= 1.0:
        raise FaultPlanError(
            f"{where}: durability.survive = {survive!r} must be a number in [0, 1]"
        )
    return Durability(float(survive))


def _rule(t: dict[str, Any], where: str) -> FaultRule:
    types = {f.name: f.type for f in fields(FaultRule)}
    unknown = set(t) - set(types)
    if unknown:
        raise FaultPlanError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "kind" not in t:
        raise FaultPlanError(f"{where}: needs 'kind'")
    defaults = FaultRule("eio")
    for key, value in t.items():
        want = type(getattr(defaults, key))
        if want is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        else:
            ok = isinstance(value, want) and not isinstance(value, bool)
        if not ok:
            name = "a finite number" if want is float else want.__name__
            raise FaultPlanError(f"{where}.{key} = {value!r} must be {name}")
    return FaultRule(**t).check(where)


# -- the functional side --------------------------------------------------------------------------
def _prefix(bufs: Sequence[memoryview], nbytes: int) -> list[memoryview]:
    out, left = [], nbytes
    for v in bufs:
        if left <= 0:
            break
        out.append(v[: min(left, v.nbytes)])
        left -= v.nbytes
    return out


class FaultyStore:
    """A :class:`~blkswap.storage.base.BlockStore` that applies the eio, short and torn rules of
    ``plan`` to every I/O of ``store`` (latency and hang are :class:`FaultyDevice`'s)."""

    def __init__(self, store: Any, plan: FaultPlan) -> None:
        self.store = store
        self.plan = plan.only(("eio", "short", "torn"))
        self.size = store.size

    def _faults(self, op: str, offset: int, nbytes: int) -> list[FaultRule]:
        fired = self.plan.decide(op, offset, nbytes)
        for r in fired:
            if r.kind == "eio":
                raise StorageError(f"injected EIO: {op} of {nbytes} bytes at {offset}")
        return fired

    def readv(self, offset: int, bufs: Sequence[memoryview]) -> int:
        views = as_bytes_views(bufs)
        total = sum(v.nbytes for v in views)
        cut = self._faults("read", offset, total)
        if not cut:
            return self.store.readv(offset, views)
        done = int(total // SECTOR * cut[0].fraction) * SECTOR
        return self.store.readv(offset, _prefix(views, done)) if done else 0

    def writev(self, offset: int, bufs: Sequence[memoryview]) -> int:
        views = as_bytes_views(bufs)
        total = sum(v.nbytes for v in views)
        cut = self._faults("write", offset, total)
        if not cut:
            return self.store.writev(offset, views)
        done = int(total // SECTOR * cut[0].fraction) * SECTOR
        wrote = self.store.writev(offset, _prefix(views, done)) if done else 0
        if cut[0].kind == "torn":
            raise StorageError(f"injected torn write: {wrote} of {total} bytes at {offset}")
        return wrote

    def flush(self) -> None:
        self._faults("flush", 0, 0)
        self.store.flush()

    def discard(self, offset: int, length: int) -> None:
        self._faults("discard", offset, length)
        self.store.discard(offset, length)

    def close(self) -> None:
        self.store.close()

    def __getattr__(self, name: str) -> Any:  # resident_pages, path, ... of the wrapped store
        return getattr(self.store, name)


class FaultyDevice:
    """A device timing model that applies the latency and hang rules of ``plan``.

    Every attribute is the wrapped :class:`~blkswap.storage.devices.DeviceModel`'s; the
    size-independent part of each I/O (:meth:`latency_ns`, once per I/O as the timing layer
    asks, with the I/O's byte offset and length) gains ``delay_ms`` when a rule fires. A rule's
    ``offset``/``length`` select I/Os exactly as for eio and short: only I/Os overlapping the
    range (a flush covers the whole device: every rule of its op matches it)."""

    def __init__(self, model: Any, plan: FaultPlan) -> None:
        self.model = model
        self.plan = plan.only(("latency", "hang"), salt=1)

    def latency_ns(
        self, op: str, sequential: bool = False, offset: int | None = None, nbytes: int = 0
    ) -> int:
        at = None if op == "flush" else offset  # a flush covers the whole device
        fired = self.plan.decide(op, at, nbytes)
        extra = sum(round(r.delay_ms * 1_000_000) for r in fired)
        return self.model.latency_ns(op, sequential) + extra

    def service_ns(
        self, op: str, nbytes: int, sequential: bool = False, offset: int | None = None
    ) -> int:
        return self.latency_ns(op, sequential, offset, nbytes) + self.model.transfer_ns(op, nbytes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)
