"""Progress callback for long runs: fio's progress line (``--eta``), with an honest percentage.

:class:`RunProgress` is what the CLI passes to ``Lab.run(progress=…)``. ``lab.run.execute`` calls
it every 50 ms of simulated time with the host and the job runners created so far; it draws fio's
line through :class:`blkswap.report.Progress` (format: fio eta.c ``display_thread_status``;
fio-conventions.md §5)::

    Jobs: 2 (f=2): [m(2)][45.0%][r=1234MiB/s,w=530MiB/s][r=98.1k,w=42.0k IOPS][eta 00m:03s][sim 4.500s]

How the percentage is estimated (:func:`runner_fraction`, :func:`estimate_pct`):

* a size-limited clone is ``issued bytes / (io_size × loops)`` (or issued I/Os / ``number_ios``);
  the count is of bytes *issued*, so it runs ahead of completions by at most ``iodepth`` I/Os.
  (fio's eta.c also counts a job's bytes against its total; lab simplification: no verify phase.)
* a runtime-limited clone is ``elapsed simulated time / (ramp_time + runtime)``; when both limits
  are set the job ends at whichever comes first, so the larger fraction is used.
* a finished clone is 1, a clone not yet started (startdelay, a later stonewall group) is 0; the
  run's figure is the mean over every clone the job file will create (``expected_runners``).
* with ``time_based`` and no ``runtime`` nothing bounds the job: the percentage is unknown
  (``-.-%``) and so is the eta, as in fio.

The eta is extrapolated from *wall* time (``wall × (100 − pct) / pct``, in ``report.Progress``);
the rates in the line are per *simulated* second, and ``[sim …]`` is the simulated time since the
first clone started its I/O (the host's clock minus the xenbus connect phase), so the first
line's rates are not diluted by the connect phase.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from blkswap.report import Progress

__all__ = ["RunProgress", "estimate_pct", "make_progress", "runner_fraction", "runner_state"]

_DIRS = ("read", "write", "trim")

# fio eta.c check_str_update(): R/r sequential/random read, W/w write, M/m mixed read+write,
# D/d trim. A trim+write job (trimwrite) is not "td_rw" in fio, so it shows as a writer [M: from
# reading eta.c, not from a run].
_RUN_CHAR = {
    "read": "R",
    "randread": "r",
    "write": "W",
    "randwrite": "w",
    "rw": "M",
    "randrw": "m",
    "trim": "D",
    "randtrim": "d",
    "trimwrite": "W",
    "randtrimwrite": "w",
}


def _finished(runner: Any) -> bool:
    return int(getattr(runner.stats, "end_ns", 0)) > 0


def runner_fraction(runner: Any, now_ns: float) -> float | None:
    """How far one job clone is, in [0, 1]; ``None`` when nothing bounds it (time_based, no
    runtime). ``runner`` is a ``lab.jobrun.JobRunner`` (``.gen``, ``.job``, ``.stats``, ``.t0``)."""
    if _finished(runner):
        return 1.0
    t0 = getattr(runner, "t0", None)
    if t0 is None:
        return 0.0  # still in its startdelay
    job, gen = runner.job, runner.gen
    parts: list[float] = []
    if gen.limit_bytes:
        parts.append(sum(gen.issued_bytes.values()) / gen.limit_bytes)
    if gen.limit_ios:
        parts.append(gen.issued_ios / gen.limit_ios)
    span_ns = (job.ramp_time_us + job.runtime_us) * 1000
    if job.runtime_us and span_ns > 0:
        parts.append((now_ns - t0) / span_ns)
    if not parts:
        return None
    return min(1.0, max(0.0, max(parts)))


def estimate_pct(
    runners: Sequence[Any], now_ns: float, expected_runners: int | None = None
) -> float | None:
    """Percent done of the whole run: the mean of :func:`runner_fraction` over every clone the
    run will create (runners of later stonewall groups, not created yet, count as 0)."""
    total = max(len(runners), expected_runners or 0)
    if total == 0:
        return None
    done = 0.0
    for r in runners:
        f = runner_fraction(r, now_ns)
        if f is None:
            return None
        done += f
    return 100.0 * done / total


def runner_state(runner: Any, now_ns: float) -> str:
    """fio's one-character job state: ``_`` finished, ``P`` not started, ``/`` ramping, else the
    rw mode character (:data:`_RUN_CHAR`)."""
    if _finished(runner):
        return "_"
    t0 = getattr(runner, "t0", None)
    if t0 is None:
        return "P"
    if now_ns < t0 + runner.job.ramp_time_us * 1000:
        return "/"
    return _RUN_CHAR.get(runner.job.rw, "M")


class RunProgress:
    """The ``progress`` callback of one run. ``enabled=None``: only if ``stream`` is a TTY.

    ``expected_runners`` is the number of clones the job file creates in total (jobs × numjobs ×
    guests); without it the percentage only covers the clones created so far. ``clock`` returns
    wall seconds (injectable for tests).
    """

    def __init__(
        self,
        enabled: bool | None,
        *,
        expected_runners: int | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
        min_wall_s: float = 2.0,
        interval_s: float = 1.0,
    ) -> None:
        self.line = Progress(
            stream=stream if stream is not None else sys.stderr,
            enabled=enabled,
            min_wall_s=min_wall_s,
            interval_s=interval_s,
        )
        self.expected_runners = expected_runners
        self.clock = clock
        self.t0 = clock()
        self._next_wall = min_wall_s  # skip the estimate between redraws (large runs, 1 ms steps)

    @property
    def enabled(self) -> bool:
        return self.line.enabled

    def __call__(self, host: Any, runners: Sequence[Any]) -> None:
        if not self.line.enabled:
            return
        wall = self.clock() - self.t0
        if wall < self._next_wall:
            return
        now = host.env.now
        started = [r.t0 for r in runners if getattr(r, "t0", None) is not None]
        if not started:
            return
        by_dir = {d: sum(getattr(r.stats, d).io_bytes for r in runners) for d in _DIRS}
        ios = {d: sum(getattr(r.stats, d).total_ios for r in runners) for d in _DIRS}
        drawn = self.line.update(
            sim_ns=int(now - min(started)),
            wall_s=wall,
            ios_done=ios,
            bytes_by_dir=by_dir,
            pct=estimate_pct(runners, now, self.expected_runners),
            state="".join(runner_state(r, now) for r in runners),
        )
        if drawn:
            self._next_wall = wall + self.line.interval_s

    def close(self) -> None:
        """End the line (newline) if one was drawn."""
        self.line.close()


def make_progress(
    eta: str, expected_runners: int | None = None, stream: TextIO | None = None
) -> RunProgress | None:
    """``--eta never`` → None; ``always`` → on; ``auto`` → on when ``stream`` (stderr) is a TTY."""
    if eta not in ("auto", "always", "never"):
        raise ValueError(f"--eta: {eta!r} is not one of auto, always, never")
    if eta == "never":
        return None
    enabled = True if eta == "always" else None
    return RunProgress(enabled, expected_runners=expected_runners, stream=stream)
