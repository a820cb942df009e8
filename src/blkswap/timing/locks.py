"""Host-wide and per-domain spinlocks as calendars of reserved windows (see :class:`FlushLock`)."""

from __future__ import annotations

import bisect

from blkswap.sim import Environment


class FlushLock:
    """Xen's host-wide TLB-shootdown lock, as a calendar of reserved windows.

    XG xen/arch/x86/smp.c flush_area_mask: after the local flush the initiator takes the global
    ``flush_lock``, sends the IPIs and spins until every target acked, then unlocks — so remote
    flushes of the whole host are serialised, whatever domain does them. A functional activity
    runs in zero sim time and learns its cost afterwards, so the lock cannot be a Resource held
    across a ``yield``; instead each flush reserves the earliest free window of its hold time at
    or after the moment it happens, and the wait becomes part of the activity's time (spinning:
    the vCPU stays busy). Lab simplification: windows are granted in the order activities are
    priced, a lock-holder is never preempted.
    """

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.windows: list[tuple[float, float]] = []  # reserved [start, end), sorted, disjoint
        self.acquisitions = 0
        self.held_ns = 0.0
        self.waited_ns = 0.0

    def reserve(self, at: float, hold: float) -> float:
        """Reserve ``hold`` ns of the lock starting no earlier than ``at``; returns the wait."""
        if hold <= 0:
            return 0.0
        now = self.env.now
        while self.windows and self.windows[0][1] <= now:
            self.windows.pop(0)
        start = max(at, now)
        for a, b in self.windows:
            if b <= start:
                continue
            if a >= start + hold:
                break
            start = b
        bisect.insort(self.windows, (start, start + hold))
        wait = start - at
        self.acquisitions += 1
        self.held_ns += hold
        self.waited_ns += wait
        return wait
