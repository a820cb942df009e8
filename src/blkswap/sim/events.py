"""Events of the blkswap simulation kernel: Event, Timeout, Process, Condition (AllOf/AnyOf),
ConditionValue and the Interrupt exception.

The semantics follow SimPy 4.1 (``simpy/events.py``) so that SimPy models run unchanged; the
differential tests in ``tests/sim`` hold us to it. An event moves through three states:

    pending ──succeed()/fail()/trigger()──▶ triggered (scheduled) ──Environment.step()──▶ processed

``_value`` is the ``PENDING`` sentinel until the event is triggered; ``callbacks`` becomes ``None``
once the event has been processed. A failed event that no callback defuses crashes the run.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from heapq import heappush
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blkswap.sim.core import Environment

_new = object.__new__

PENDING: Any = object()
"""Value of an event that has not been triggered yet."""

URGENT = 0
"""Heap priority of process start-up, interrupts and ``run(until=<number>)`` stops."""
NORMAL = 1
"""Heap priority of every other event (timeouts, succeed/fail, resources)."""


class Interrupt(Exception):
    """Thrown into a process by :meth:`Process.interrupt`; ``cause`` says why."""

    def __init__(self, cause: Any = None) -> None:
        super().__init__(cause)

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.cause!r})"

    @property
    def cause(self) -> Any:
        """The object given to :meth:`Process.interrupt` (``None`` if none was given)."""
        return self.args[0]


def _rethrown(exc: BaseException) -> BaseException:
    """A fresh copy of *exc* to throw into a waiter, chained to the original (as SimPy does)."""
    copy = type(exc)(*exc.args)
    copy.__cause__ = exc
    return copy


class Event:
    """Something that may happen at a point in simulated time.

    A process waits for an event by yielding it; the event's ``callbacks`` are called with the
    event when the environment processes it. ``a & b`` waits for both, ``a | b`` for either.
    """

    __slots__ = ("env", "callbacks", "_value", "_ok", "_defused", "__weakref__")

    def __init__(self, env: Environment) -> None:
        self.env = env
        """The environment the event lives in."""
        self.callbacks: list[Callable[[Event], None]] | None = []
        """Called with the event when it is processed; ``None`` afterwards."""
        self._value: Any = PENDING

    def __repr__(self) -> str:
        return f"<{self._desc()} object at {id(self):#x}>"

    def _desc(self) -> str:
        return f"{type(self).__name__}()"

    @property
    def triggered(self) -> bool:
        """True once the event has been scheduled with a value (it may not be processed yet)."""
        return self._value is not PENDING

    @property
    def processed(self) -> bool:
        """True once the environment has called the event's callbacks."""
        return self.callbacks is None

    @property
    def ok(self) -> bool:
        """True if the event succeeded; AttributeError before it is triggered."""
        return self._ok

    @property
    def defused(self) -> bool:
        """True if a callback handled this failed event, so it will not crash the run."""
        return hasattr(self, "_defused")

    @defused.setter
    def defused(self, value: bool) -> None:
        self._defused = True

    @property
    def value(self) -> Any:
        """The value (or exception) of the event; AttributeError while pending."""
        if self._value is PENDING:
            raise AttributeError(f"value of {self} is not yet available")
        return self._value

    def trigger(self, event: Event) -> None:
        """Trigger with the outcome of *event* (usable directly as a callback)."""
        self._ok = event._ok
        self._value = event._value
        self.env.schedule(self)

    def succeed(self, value: Any = None) -> Event:
        """Mark the event successful with *value* and schedule it now."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = True
        self._value = value
        self.env._normal.append(self)  # = env.schedule(self), inlined (hot path)
        return self

    def fail(self, exception: BaseException) -> Event:
        """Mark the event failed with *exception* and schedule it now."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        if not isinstance(exception, BaseException):
            raise TypeError(f"{exception!r} is not an exception")
        self._ok = False
        self._value = exception
        self.env.schedule(self)
        return self

    def __and__(self, other: Event) -> Condition:
        condition = _new(Condition)  # = Condition(self.env, Condition.all_events, ...)
        condition._setup(self.env, Condition.all_events, (self, other))
        return condition

    def __or__(self, other: Event) -> Condition:
        condition = _new(Condition)  # = Condition(self.env, Condition.any_events, ...)
        condition._setup(self.env, _any_events, (self, other))
        return condition


class Timeout(Event):
    """An event that succeeds with *value* after *delay* units of simulated time.

    ``Environment.timeout`` builds it without calling this constructor (see there).
    """

    __slots__ = ("_delay",)

    def __init__(self, env: Environment, delay: float, value: Any = None) -> None:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._delay = delay
        self._ok = True
        self._value = value
        at = env._now + delay  # env.schedule(self, NORMAL, delay), inlined (hot path)
        if at == env._now:
            env._normal.append(self)
        else:
            heappush(env._queue, (at, NORMAL, next(env._seq), self))

    def _desc(self) -> str:
        value = "" if self._value is None else f", value={self._value}"
        return f"{type(self).__name__}({self._delay}{value})"


class _Initialize(Event):
    """Starts a process: an URGENT event scheduled when the process is created (built by
    ``Process.__init__`` without a constructor call)."""

    __slots__ = ()


class _Interruption(Event):
    """Throws ``Interrupt(cause)`` into a process at the current time (URGENT).

    If the process ends before the interruption is processed, nothing happens.
    """

    __slots__ = ("process",)

    def __init__(self, process: Process, cause: Any) -> None:
        if process._value is not PENDING:
            raise RuntimeError(f"{process} has terminated and cannot be interrupted")
        if process is process.env.active_process:
            raise RuntimeError(f"{process} is not allowed to interrupt itself")
        self.env = process.env
        self.callbacks = [self._interrupt]
        self._ok = False
        self._defused = True
        self._value = Interrupt(cause)
        self.process = process
        self.env.schedule(self, URGENT)

    def _interrupt(self, event: Event) -> None:
        process = self.process
        if process._value is not PENDING:
            return
        # The process stops waiting for its target; a resource request it made stays queued.
        process._target.callbacks.remove(process._resume_cb)
        process._resume(self)


ProcessGenerator = Generator[Event, Any, Any]


class Process(Event):
    """Runs a generator that yields events; is itself an event that succeeds with the
    generator's return value (or fails with the exception it raised).

    While alive, ``target`` is the event the generator waits for; the process resumes when
    that event is processed (a failed event's exception is thrown into the generator).
    """

    __slots__ = ("_generator", "_target", "_resume_cb")

    def __init__(self, env: Environment, generator: ProcessGenerator) -> None:
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator!r} is not a generator")
        self.env = env
        self.callbacks = []
        self._value = PENDING
        self._generator = generator
        # One bound method for every wait (not one per yield); dropped when the process ends,
        # which breaks the process -> bound method -> process cycle.
        self._resume_cb = resume = self._resume
        init = _new(_Initialize)  # = _Initialize + env.schedule(init, URGENT), inlined
        init.env = env
        init.callbacks = [resume]
        init._ok = True
        init._value = None
        env._urgent.append(init)
        self._target: Event | None = init

    def _desc(self) -> str:
        return f"{type(self).__name__}({self.name})"

    @property
    def target(self) -> Event | None:
        """The event the process waits for (``None`` once it has ended)."""
        return self._target

    @property
    def name(self) -> str:
        """Name of the generator function."""
        return self._generator.__name__

    @property
    def is_alive(self) -> bool:
        """True until the generator has returned or raised."""
        return self._value is PENDING

    def interrupt(self, cause: Any = None) -> None:
        """Throw ``Interrupt(cause)`` into the process at the current time."""
        _Interruption(self, cause)

    def _resume(self, event: Event) -> None:
        """Feed *event*'s outcome into the generator until it yields a pending event or ends.

        An event that is already processed when yielded is fed back at once (no queue hop),
        as SimPy does.
        """
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    event = generator.throw(_rethrown(event._value))
            except StopIteration as stop:
                self._ok = True
                self._value = stop.value
                break
            except BaseException as exc:
                self._ok = False
                self._value = exc
                break
            try:
                callbacks = event.callbacks
            except AttributeError:
                env._active_proc = None
                raise RuntimeError(
                    f"process {self.name!r} yielded {event!r}, which is not an event"
                ) from None
            if callbacks is not None:
                callbacks.append(self._resume_cb)
                self._target = event
                env._active_proc = None
                return
        env._normal.append(self)  # = env.schedule(self), inlined (hot path)
        self._resume_cb = None
        self._target = None
        env._active_proc = None


class ConditionValue:
    """The value of a condition: the events that had been processed when it fired, in the
    order they were given (nested conditions flattened), usable like a dict event → value."""

    __slots__ = ("events",)

    def __init__(self, events: list[Event] | None = None) -> None:
        self.events: list[Event] = [] if events is None else events

    def __getitem__(self, key: Event) -> Any:
        if key not in self.events:
            raise KeyError(str(key))
        return key._value

    def __contains__(self, key: object) -> bool:
        return key in self.events

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConditionValue):
            return self.events == other.events
        if isinstance(other, dict):
            return self.todict() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ConditionValue {self.todict()}>"

    def __iter__(self) -> Iterator[Event]:
        return iter(list(self.events))

    def keys(self) -> Iterator[Event]:
        return iter(list(self.events))

    def values(self) -> Iterator[Any]:
        return (event._value for event in self.events)

    def items(self) -> Iterator[tuple[Event, Any]]:
        return ((event, event._value) for event in self.events)

    def todict(self) -> dict[Event, Any]:
        return {event: event._value for event in self.events}


class Condition(Event):
    """Fires when ``evaluate(events, processed_count)`` becomes true; fails as soon as one of
    the events fails (with that event's exception). Its value is a :class:`ConditionValue`."""

    __slots__ = ("_evaluate", "_events", "_count", "_check_cb", "_nested")

    def __init__(
        self,
        env: Environment,
        evaluate: Callable[[tuple[Event, ...], int], bool],
        events: Iterable[Event],
    ) -> None:
        self._setup(env, evaluate, tuple(events))

    def _setup(
        self,
        env: Environment,
        evaluate: Callable[[tuple[Event, ...], int], bool],
        events: tuple[Event, ...],
    ) -> None:
        """The constructor's body; ``a | b`` and ``a & b`` call it on ``object.__new__`` (a
        class call with ``__init__`` costs more than the whole setup of a small condition)."""
        self.env = env
        self._value = PENDING
        self._evaluate = evaluate
        self._events = events
        self._count = 0
        self._nested = False
        self._check_cb = None
        if not events:
            self.callbacks = []
            self.succeed(ConditionValue())
            return
        for event in events:
            if event.env is not env:
                raise ValueError("a condition cannot mix events from different environments")
            if isinstance(event, Condition):
                self._nested = True
        self.callbacks = [_build_value]
        # One bound method registered on every event, so _detach can find it by identity.
        self._check_cb = check = self._check
        for event in events:
            callbacks = event.callbacks
            if callbacks is None:
                check(event)
            else:
                callbacks.append(check)

    def _desc(self) -> str:
        return f"{type(self).__name__}({self._evaluate.__name__}, {self._events})"

    def _check(self, event: Event) -> None:
        """Callback on each event: count it, and trigger this condition when it is met."""
        if self._value is not PENDING:
            return
        self._count += 1
        if not event._ok:
            event._defused = True
            self.fail(event._value)
        elif self._evaluate is _any_events or self._evaluate(self._events, self._count):
            self._ok = True  # = self.succeed(), inlined (hot path)
            self._value = None
            self.env._normal.append(self)

    def _detach(self, processed: list[Event]) -> None:
        """Remove our checks from events still pending (so they do not keep this condition
        alive) and append the processed events to *processed*, descending into nested
        conditions (which are flattened, not listed themselves)."""
        check = self._check_cb
        for event in self._events:
            callbacks = event.callbacks
            if callbacks and check in callbacks:
                callbacks.remove(check)
            if isinstance(event, Condition):
                event._detach(processed)
            elif callbacks is None:
                processed.append(event)

    @staticmethod
    def all_events(events: tuple[Event, ...], count: int) -> bool:
        """True when every event has been processed."""
        return len(events) == count

    @staticmethod
    def any_events(events: tuple[Event, ...], count: int) -> bool:
        """True when at least one event has been processed."""
        return count > 0 or len(events) == 0


def _build_value(condition: Condition) -> None:
    """First callback of every non-empty condition (a function, not a bound method, so no
    method object per condition): detach, then collect the processed events as its value."""
    processed: list[Event] = []
    if condition._nested:
        condition._detach(processed)
    else:  # = condition._detach(processed) for a flat condition, inlined (hot path)
        check = condition._check_cb
        for event in condition._events:
            callbacks = event.callbacks
            if callbacks is None:
                processed.append(event)
            elif check in callbacks:
                callbacks.remove(check)
    condition._check_cb = None  # breaks the condition -> bound method -> condition cycle
    if condition._ok:
        value = _new(ConditionValue)  # = ConditionValue(processed), inlined
        value.events = processed
        condition._value = value


_any_events = Condition.any_events


class AllOf(Condition):
    """Succeeds when all *events* succeeded; fails at the first failure."""

    __slots__ = ()

    def __init__(self, env: Environment, events: Iterable[Event]) -> None:
        super().__init__(env, Condition.all_events, events)


class AnyOf(Condition):
    """Succeeds when any of *events* succeeded; fails at the first failure."""

    __slots__ = ()

    def __init__(self, env: Environment, events: Iterable[Event]) -> None:
        super().__init__(env, Condition.any_events, events)
