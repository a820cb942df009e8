"""The smallest stand-in for :class:`blkswap.xen.Xen` that event channels and xenstore may use:
``counters``, ``domains`` and ``deliver`` (a FIFO the tests drain themselves)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace


class FakeXen:
    def __init__(self, domids: tuple[int, ...] = (0, 1, 2)) -> None:
        self.counters = SimpleNamespace(hypercalls=0, evtchn_sends=0)
        self.domains = {d: object() for d in domids}
        self.queue: list[Callable[[], None]] = []

    def deliver(self, fn: Callable[[], None]) -> None:
        self.queue.append(fn)

    def drain(self) -> int:
        """Run queued deliveries (and those they queue) in order; returns how many ran."""
        n = 0
        while self.queue:
            self.queue.pop(0)()
            n += 1
        return n
