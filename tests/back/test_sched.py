"""back/sched.py: the InlineScheduler's clock, timers and re-entrancy guard (found by mutation
testing, tools/mutation.py: no targeted test drove its timers)."""

from __future__ import annotations

from blkswap.back.datapaths.null import NullPath
from blkswap.back.sched import InlineScheduler


class _Loop:
    def __init__(self, sched: InlineScheduler) -> None:
        self.name = "loop"
        self.sched = sched
        self.runs = 0

    def run_once(self) -> int:
        self.runs += 1
        self.sched.wake(self)  # a wake while running is absorbed, not recursed into
        return 0


def test_time_stands_still_until_advance_and_timers_fire_in_due_order():
    """now() starts at 0; after(d) fires at now + d, in due order (ties in call order), only
    once advance() reaches it; advance returns how many fired and leaves now at the end."""
    s = InlineScheduler()
    fired: list[tuple[str, int]] = []
    assert s.now() == 0
    s.after(300, lambda: fired.append(("c", s.now())))
    s.after(100, lambda: fired.append(("a", s.now())))
    s.after(100, lambda: fired.append(("b", s.now())))
    assert s.pending_timers == 3 and s.advance(99) == 0 and s.now() == 99
    assert s.advance(1) == 2 and fired == [("a", 100), ("b", 100)] and s.now() == 100
    s.after(50, lambda: fired.append(("d", s.now())))  # due at 150, before c
    assert s.advance(1000) == 2 and fired[2:] == [("d", 150), ("c", 300)]
    assert s.now() == 1100 and s.pending_timers == 0


def test_a_wake_runs_the_loop_at_once_but_never_inside_itself():
    s = InlineScheduler()
    loop = _Loop(s)
    s.wake(loop)
    s.wake(loop)
    assert loop.runs == 2


def test_the_null_path_needs_no_pool_frames():
    """null moves no data (LB has no such path; the lab's calibration baseline)."""
    assert NullPath.frames_needed(None, None) == 0  # type: ignore[arg-type]
