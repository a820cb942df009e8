"""Progress callback for long runs: fio's progress line on a terminal (``--eta``)."""

from __future__ import annotations

import sys
import time
from typing import Any

from blkswap.report import Progress


class RunProgress:
    def __init__(self, enabled: bool | None) -> None:
        self.line = Progress(stream=sys.stderr, enabled=enabled)
        self.t0 = time.perf_counter()

    def __call__(self, host: Any, runners: list[Any]) -> None:
        wall = time.perf_counter() - self.t0
        if wall < 2.0:
            return
        ios = sum(r.done_ios for r in runners)
        by_dir = {d: sum(getattr(r.stats, d).io_bytes for r in runners) for d in ("read", "write")}
        self.line.update(
            sim_ns=int(host.env.now),
            wall_s=wall,
            ios_done=ios,
            bytes_by_dir=by_dir,
            pct=None,
            state="m" * max(1, len(runners)),
        )

    def close(self) -> None:
        self.line.close()


def make_progress(eta: str) -> RunProgress | None:
    if eta == "never":
        return None
    return RunProgress(True if eta == "always" else None)
