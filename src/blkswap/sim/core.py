"""The scheduling core: :class:`Environment` (event heap, clock, ``step``/``run``) and the two
control-flow exceptions :class:`EmptySchedule` and :class:`StopSimulation`.

Ordering guarantee (the one byte-exact reruns depend on): the heap holds
``(time, priority, seq, event)`` where ``seq`` comes from one ``itertools.count()`` per
environment. Events due at the same time run URGENT (0) before NORMAL (1), and in the order
they were scheduled within a priority (FIFO). This is SimPy 4.1's rule (``simpy/core.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from itertools import count
from operator import attrgetter
from typing import Any

from blkswap.sim.conditions import AllOf, AnyOf
from blkswap.sim.events import (
    NORMAL,
    PENDING,
    URGENT,
    Event,
    Process,
    ProcessGenerator,
    Timeout,
    _Initialize,
)
from blkswap.sim.heap import heappop, heappush

Infinity = float("inf")


class EmptySchedule(Exception):
    """Raised by :meth:`Environment.step` when no event is scheduled."""


class StopSimulation(Exception):
    """Raised inside :meth:`Environment.run` when its *until* event is processed."""

    @classmethod
    def callback(cls, event: Event) -> None:
        """Callback attached to the *until* event of :meth:`Environment.run`."""
        if event._ok:
            raise cls(event._value)
        raise event._value


def _crash(event: Event) -> BaseException:
    """The exception a failed, undefused event raises out of ``run``: a copy chained to it."""
    exc = type(event._value)(*event._value.args)
    exc.__cause__ = event._value
    return exc


class Environment:
    """Simulated clock plus the heap of scheduled events.

    ``now`` only moves forward, to the time of the event being processed. Nothing is global:
    two environments never share state.
    """

    def __init__(self, initial_time: float = 0) -> None:
        self._now = initial_time
        self._queue: list[tuple[float, int, int, Event]] = []
        """Heap of events due later (or with an unusual priority): (time, priority, seq, event)."""
        self._seq = count()
        self._urgent: deque[Event] = deque()
        """URGENT events due now, in scheduling order."""
        self._normal: deque[Event] = deque()
        """NORMAL events due now, in scheduling order."""
        self._active_proc: Process | None = None

    # Read-only properties whose getter is C code (``attrgetter``): ``env.now`` is read many
    # times per event by models, and a Python getter costs a frame per read.
    active_process: Process | None = property(  # type: ignore[assignment]
        attrgetter("_active_proc"), doc="The process whose generator is running right now, if any."
    )
    now: float = property(  # type: ignore[assignment]
        attrgetter("_now"), doc="The current simulated time."
    )

    def process(self, generator: ProcessGenerator) -> Process:
        """Start *generator* as a process (its first step runs at the current time).

        = ``Process(self, generator)`` without the constructor call (models start a process per
        customer or request); keep the two in step.
        """
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator!r} is not a generator")
        process = Process.__new__(Process)
        process.env = self
        process.callbacks = []
        process._value = PENDING
        process._generator = generator
        process._resume_cb = resume = process._resume
        init = _Initialize.__new__(_Initialize)
        init.env = self
        init.callbacks = [resume]
        init._ok = True
        init._value = None
        self._urgent.append(init)
        process._target = init
        return process

    def timeout(self, delay: float = 0, value: Any = None) -> Timeout:
        """An event that succeeds with *value* after *delay*.

        The hot path of most models: builds the Timeout without its constructor and schedules
        it with one heappush (or one append when it is due now), not through ``schedule``.
        """
        if not delay >= 0:  # (also refuses NaN, which no heap can order)
            raise ValueError(
                f"negative delay {delay}" if delay < 0 else f"delay {delay} is not a time"
            )
        event = Timeout.__new__(Timeout)
        event.env = self
        event.callbacks = []
        event._delay = delay
        event._ok = True
        event._value = value
        now = self._now
        at = now + delay
        if at == now:
            self._normal.append(event)
        else:
            heappush(self._queue, (at, NORMAL, next(self._seq), event))
        return event

    def event(self) -> Event:
        """A bare event, triggered by ``succeed``/``fail`` (= ``Event(self)``, without the call)."""
        event = Event.__new__(Event)
        event.env = self
        event.callbacks = []
        event._value = PENDING
        return event

    def all_of(self, events: Iterable[Event]) -> AllOf:
        """An event that succeeds when all *events* have."""
        return AllOf(self, events)

    def any_of(self, events: Iterable[Event]) -> AnyOf:
        """An event that succeeds when any of *events* has."""
        return AnyOf(self, events)

    def schedule(self, event: Event, priority: int = NORMAL, delay: float = 0) -> None:
        """Schedule *event* at ``now + delay`` with *priority* (lower runs first at a tie).

        Events due now with priority URGENT or NORMAL skip the heap: each goes to the tail of
        its FIFO, which is where its (time, priority, seq) key would put it (see ``_pop``).
        """
        if not delay >= 0:
            raise ValueError(f"cannot schedule {event} in the past or at NaN (delay {delay})")
        at = self._now + delay
        if at == self._now and priority == NORMAL:
            self._normal.append(event)
        elif at == self._now and priority == URGENT:
            self._urgent.append(event)
        else:
            heappush(self._queue, (at, priority, next(self._seq), event))

    def peek(self) -> float:
        """Time of the next scheduled event, or infinity if there is none."""
        if self._urgent or self._normal:
            return self._now
        return self._queue[0][0] if self._queue else Infinity

    def _pop(self) -> Event:
        """Remove the event with the smallest (time, priority, seq) key; advance the clock.

        A heap entry due now was scheduled before any event in the FIFOs of its priority (it
        was scheduled at an earlier time), so it goes first within its priority.
        """
        queue = self._queue
        if self._urgent:
            if queue and queue[0][0] == self._now and queue[0][1] <= URGENT:
                return heappop(queue)[3]
            return self._urgent.popleft()
        if self._normal:
            if queue and queue[0][0] == self._now and queue[0][1] <= NORMAL:
                return heappop(queue)[3]
            return self._normal.popleft()
        if not queue:
            raise EmptySchedule
        self._now, _, _, event = heappop(queue)
        return event

    def step(self) -> None:
        """Process the next event: advance the clock and call its callbacks.

        A failed event that no callback defused is re-raised here (as a copy chained to the
        original), which ends ``run()``.
        """
        event = self._pop()
        callbacks, event.callbacks = event.callbacks, None
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # Keep the callbacks not yet run; they run first when the simulation resumes.
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, -1)
            raise
        if not event._ok and not getattr(event, "_defused", False):
            raise _crash(event)

    def _loop(self) -> None:
        """``while True: step()`` with ``_pop`` and the step inlined: the kernel's hot path.

        The clock is kept in a local between heap pops (only this loop moves it), and the
        deques' ``popleft`` are bound once.
        """
        queue, urgent, normal = self._queue, self._urgent, self._normal
        next_urgent, next_normal = urgent.popleft, normal.popleft
        now = self._now
        while True:
            if urgent:
                if queue and queue[0][0] == now and queue[0][1] <= URGENT:
                    event = heappop(queue)[3]
                else:
                    event = next_urgent()
            elif normal:
                if queue and queue[0][0] == now and queue[0][1] <= NORMAL:
                    event = heappop(queue)[3]
                else:
                    event = next_normal()
            elif queue:
                now, _, _, event = heappop(queue)
                self._now = now
            else:
                raise EmptySchedule
            callbacks = event.callbacks
            event.callbacks = None
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                self.schedule(event, -1)
                raise
            if not event._ok and not getattr(event, "_defused", False):
                raise _crash(event)

    def run(self, until: float | Event | None = None) -> Any:
        """Step until *until*: ``None`` = no events left; a number = that time (events due then
        are not processed); an event = until it is processed, returning its value."""
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(f"until ({at}) must be greater than the current time")
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self._now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        try:
            self._loop()
        except StopSimulation as stop:
            return stop.args[0]
        except EmptySchedule:
            if until is not None:
                raise RuntimeError(
                    f"no scheduled events left but the until event {until} was not triggered"
                ) from None
        return None
