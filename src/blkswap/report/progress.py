"""fio's one-line progress display, with the lab's simulated clock appended.

Format (fio eta.c display_thread_status; fio-conventions.md §5)::

    Jobs: 1 (f=1): [m(2)][45.0%][r=123MiB/s,w=1MiB/s][r=31.5k,w=1k IOPS][eta 00m:11s][sim 1.234s]

The line ends with ``\\r`` and is padded with spaces to overwrite a longer previous line. It
is shown only on a TTY by default (fio ``--eta=auto``), at most about once per wall second,
and only once a run has taken 2 s of wall time. Lab differences: rates are measured in
*simulated* time (what the modelled host achieves), the eta is extrapolated from wall time
and percent done, and ``[sim …]`` after ``[eta …]`` shows the simulated clock.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from .units import N2S, eta_to_str, num2str

__all__ = ["Progress", "format_progress_line", "run_string"]

_DIRS = (("read", "r"), ("write", "w"), ("trim", "t"))
_NOT_RUNNING = set("E_XKPCI")  # exited, reaped, error, signalled, not started yet (fio eta.c)


def run_string(state: str) -> str:
    """fio's run-length encoded job states: ``"RRw"`` -> ``"R(2),w(1)"``."""
    if not state:
        return ""
    parts = []
    prev, count = state[0], 0
    for ch in state:
        if ch == prev:
            count += 1
            continue
        parts.append(f"{prev}({count})")
        prev, count = ch, 1
    parts.append(f"{prev}({count})")
    return ",".join(parts)


def format_progress_line(
    state: str,
    pct: float | None,
    rate_kib: Mapping[str, int],
    iops: Mapping[str, int],
    eta_sec: int | None,
    sim_ns: int,
) -> str:
    """One progress line (without ``\\r`` or padding). ``rate_kib`` and ``iops`` are per
    direction ("read"/"write"/"trim"); only non-zero directions are listed, as fio does."""
    running = sum(1 for ch in state if ch not in _NOT_RUNNING)
    pct_str = "-.-%" if pct is None else f"{pct:3.1f}%"
    line = f"Jobs: {running} (f={running}): [{run_string(state)}][{pct_str}]"
    rates = [
        f"{c}={num2str(rate_kib[d], 4, 1024, True, N2S.BYTEPERSEC)}"
        for d, c in _DIRS
        if rate_kib.get(d)
    ]
    ops = [f"{c}={num2str(iops[d], 4, 1, False)}" for d, c in _DIRS if iops.get(d)]
    if rates or ops:
        line += f"[{','.join(rates)}][{','.join(ops)} IOPS]"
    return line + f"[eta {eta_to_str(eta_sec)}][sim {sim_ns / 1e9:.3f}s]"


class Progress:
    """Progress display on ``stream``; ``enabled=None`` means "only if stream is a TTY"."""

    def __init__(
        self,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        min_wall_s: float = 2.0,
        interval_s: float = 1.0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self.min_wall_s = min_wall_s  # no line until the run has taken this long
        self.interval_s = interval_s  # at most one line per this many wall seconds
        self._last_wall: float | None = None
        self._last_sim_ns = 0
        self._last_bytes: dict[str, int] = {}
        self._last_ios: dict[str, int] = {}
        self._last_len = 0
        self.lines_written = 0

    def _split_ios(
        self, ios_done: int | Mapping[str, int], delta_bytes: Mapping[str, int]
    ) -> dict[str, int]:
        if isinstance(ios_done, Mapping):
            return {d: int(ios_done.get(d, 0)) for d, _ in _DIRS}
        # Only a total was given: attribute it to directions in proportion to bytes moved.
        total_bytes = sum(delta_bytes.values())
        prev_total = sum(self._last_ios.values())
        new = int(ios_done) - prev_total
        out = dict(self._last_ios) or {d: 0 for d, _ in _DIRS}
        for d, _ in _DIRS:
            share = delta_bytes.get(d, 0) / total_bytes if total_bytes else 0.0
            out[d] = out.get(d, 0) + round(new * share)
        return out

    def update(
        self,
        sim_ns: int,
        wall_s: float,
        ios_done: int | Mapping[str, int],
        bytes_by_dir: Mapping[str, int],
        pct: float | None,
        state: str,
    ) -> bool:
        """Maybe redraw the line. ``ios_done`` and ``bytes_by_dir`` are cumulative counts
        (``ios_done`` per direction or a total); ``pct`` is percent done or None; ``state`` has
        one fio state character per job. Returns True if a line was written."""
        if not self.enabled or wall_s < self.min_wall_s:
            return False
        if self._last_wall is not None and wall_s - self._last_wall < self.interval_s:
            return False
        delta_bytes = {
            d: int(bytes_by_dir.get(d, 0)) - self._last_bytes.get(d, 0) for d, _ in _DIRS
        }
        ios = self._split_ios(ios_done, delta_bytes)
        dt = (sim_ns - self._last_sim_ns) / 1e9
        rate = {d: int(delta_bytes[d] / dt / 1024) if dt > 0 else 0 for d, _ in _DIRS}
        iops = {d: int((ios[d] - self._last_ios.get(d, 0)) / dt) if dt > 0 else 0 for d, _ in _DIRS}
        eta = None
        if pct is not None and 0.0 < pct <= 100.0:
            eta = int(wall_s * (100.0 - pct) / pct)
        line = format_progress_line(state, pct, rate, iops, eta, sim_ns)
        pad = " " * max(0, self._last_len - len(line))
        self.stream.write(line + pad + "\r")
        self.stream.flush()
        self._last_len = len(line)
        self._last_wall = wall_s
        self._last_sim_ns = sim_ns
        self._last_bytes = {d: int(bytes_by_dir.get(d, 0)) for d, _ in _DIRS}
        self._last_ios = ios
        self.lines_written += 1
        return True

    def close(self) -> None:
        """End the progress line (a newline) if one was drawn."""
        if self.enabled and self.lines_written:
            self.stream.write("\n")
            self.stream.flush()
        self.lines_written = 0
        self._last_len = 0
