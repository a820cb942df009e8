"""Wall-clock scheduling for ``blkswap serve``: the backend's :class:`~blkswap.back.sched.Scheduler`
on real time. A woken loop runs at once (as :class:`~blkswap.back.sched.InlineScheduler`);
timers (persistent grants' LRU pass, hazard retries) fire from the serve loop when due."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable

from blkswap.back.sched import Runnable


class WallScheduler:
    """``now()`` is ``time.monotonic_ns()``; :meth:`fire_due` runs the timers that are due."""

    def __init__(self) -> None:
        self._running: set[int] = set()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> int:
        return time.monotonic_ns()

    def after(self, delay_ns: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.now() + delay_ns, next(self._seq), fn))

    def wake(self, loop: Runnable) -> None:
        key = id(loop)
        if key in self._running:
            return  # the running loop drains all work before it returns
        self._running.add(key)
        try:
            loop.run_once()
        finally:
            self._running.discard(key)

    def next_due(self) -> float | None:
        """Seconds until the next timer (None: no timer)."""
        if not self._timers:
            return None
        return max(0.0, (self._timers[0][0] - self.now()) / 1e9)

    def fire_due(self) -> int:
        fired = 0
        while self._timers and self._timers[0][0] <= self.now():
            _due, _, fn = heapq.heappop(self._timers)
            fn()
            fired += 1
        return fired
