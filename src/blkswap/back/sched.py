"""When the backend loop runs: the small interface between the backend and whatever drives it.

The backend is synchronous code. Something decides *when* a loop runs (after an upcall, a storage
completion, frames coming back), what time it is (persistent-grant LRU, hazard retries) and when
a delayed action fires (the retransmit hazard's ``wait`` policy). That something is a
:class:`Scheduler`, given to the loop at construction:

* the lab's timing layer (``blkswap.lab``): a loop runs on a dom0 vCPU, priced;
* :class:`InlineScheduler`: run at once (re-entrancy guarded), timers fired by :meth:`advance`
  — for tests and anything without a clock;
* ``blkswap serve`` on a real dom0: an fd-readiness loop (evtchn + xenstore) with real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol


class Runnable(Protocol):
    """Something a scheduler can run: a backend loop."""

    name: str

    def run_once(self) -> int: ...


class Scheduler(Protocol):
    def now(self) -> int:
        """Current time, ns."""
        ...

    def after(self, delay_ns: float, fn: Callable[[], None]) -> None:
        """Call ``fn`` once, ``delay_ns`` from now."""
        ...

    def wake(self, loop: Runnable) -> None:
        """``loop.run_once()`` soon (now, or when a CPU is free); never twice at once."""
        ...


class InlineScheduler:
    """Runs a woken loop immediately (a wake while it runs is absorbed: the loop drains all
    work before returning); time stands still until :meth:`advance` moves it."""

    def __init__(self) -> None:
        self._now = 0
        self._running: set[int] = set()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> int:
        return self._now

    def after(self, delay_ns: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self._now + delay_ns, next(self._seq), fn))

    def wake(self, loop: Runnable) -> None:
        key = id(loop)
        if key in self._running:
            return
        self._running.add(key)
        try:
            loop.run_once()
        finally:
            self._running.discard(key)

    def advance(self, ns: float) -> int:
        """Move time forward by ``ns``, firing due timers in order; returns how many fired."""
        end, fired = self._now + ns, 0
        while self._timers and self._timers[0][0] <= end:
            due, _, fn = heapq.heappop(self._timers)
            self._now = int(due)
            fn()
            fired += 1
        self._now = int(end)
        return fired

    @property
    def pending_timers(self) -> int:
        return len(self._timers)
