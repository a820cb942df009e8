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
        self.bounce_ns = 0.0  #: extra hold time from cache-line bouncing (host model only)
        self.last_extra = 0.0  #: the bouncing added to the last reservation

    def reserve(self, at: float, hold: float, bounce_ns: float = 0.0, handovers: int = 1) -> float:
        """Reserve ``hold`` ns of the lock starting no earlier than ``at``; returns the wait.

        ``bounce_ns`` (host model): at a hand-over the lock's cache line is fought over by every
        vCPU spinning on it — Xen's spinlocks were byte locks whose waiters spin with an atomic
        operation until ticket locks replaced them (Xen commit 45fcc4568c, Xen 4.6), and even a
        ticket lock's waiters all re-read the line (Boyd-Wickizer et al., "Non-scalable locks are
        dangerous", Linux Symposium 2012). So each window this one queued behind (between ``at``
        and its turn: the waiters, one per spinning vCPU) adds ``bounce_ns`` to this hold
        (:attr:`last_extra`), once per hand-over the window stands for (``handovers``: an
        activity's ``k`` flushes or ``n`` grant elements took the lock ``k`` or ``n`` times). A
        contended lock is held longer the more waiters it has."""
        self.last_extra = 0.0
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
        if bounce_ns and start > at:
            # the waiters this one queued behind: windows between its ask and its turn
            queued = sum(1 for a, b in self.windows if b > at and a < start)
            self.last_extra = bounce_ns * queued * handovers
            hold += self.last_extra
            self.bounce_ns += self.last_extra
        bisect.insort(self.windows, (start, start + hold))
        wait = start - at
        self.acquisitions += 1
        self.held_ns += hold
        self.waited_ns += wait
        return wait


#: the grant table's lock is the same calendar (one per domain in the 2012 era: XG 4.2
#: grant_table.c takes the mapping domain's ``lgt->lock`` for its maptrack on every map/unmap)
SpinLock = FlushLock
