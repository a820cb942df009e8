"""Events of the blkswap simulation kernel: Event, Timeout, Process and the Interrupt exception
(conditions — Condition, AllOf, AnyOf, ConditionValue — live in ``conditions``).

The semantics follow SimPy 4.1 (``simpy/events.py``) so that SimPy models run unchanged; the
differential tests in ``tests/sim`` hold us to it. An event moves through three states:

    pending ──succeed()/fail()/trigger()──▶ triggered (scheduled) ──Environment.step()──▶ processed

``_value`` is the ``PENDING`` sentinel until the event is triggered; ``callbacks`` becomes ``None``
once the event has been processed. A failed event that no callback defuses crashes the run.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from blkswap.sim.heap import heappush

if TYPE_CHECKING:
    from blkswap.sim.conditions import Condition
    from blkswap.sim.core import Environment

PENDING: Any = object()
"""Value of an event that has not been triggered yet."""


def _conditions_not_imported(a: Event, b: Event) -> Condition:
    raise RuntimeError("blkswap.sim.conditions builds a & b and a | b; import blkswap.sim")


# ``a & b`` and ``a | b`` build a Condition of two events: ``conditions`` (which subclasses
# Event, so it cannot be imported here) installs the two builders when it is imported.
_and: Callable[[Event, Event], Condition] = _conditions_not_imported
_or: Callable[[Event, Event], Condition] = _conditions_not_imported

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

    _is_condition = False
    """True on conditions (a class attribute: cheaper than ``isinstance`` on the hot path)."""

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
        if self._value is PENDING:  # (the compiled build has no unset attributes to raise)
            raise AttributeError(f"{self} has not been triggered yet")
        return self._ok

    @property
    def defused(self) -> bool:
        """True if a callback handled this failed event, so it will not crash the run."""
        return getattr(self, "_defused", False)

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
        """A condition that succeeds when both events have."""
        return _and(self, other)

    def __or__(self, other: Event) -> Condition:
        """A condition that succeeds when either event has (the hot ``req | timeout``)."""
        return _or(self, other)


class Timeout(Event):
    """An event that succeeds with *value* after *delay* units of simulated time.

    ``Environment.timeout`` builds it without calling this constructor (see there).
    """

    __slots__ = ("_delay",)

    def __init__(self, env: Environment, delay: float, value: Any = None) -> None:
        if not delay >= 0:  # (also refuses NaN, which no heap can order)
            raise ValueError(
                f"negative delay {delay}" if delay < 0 else f"delay {delay} is not a time"
            )
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
        # = _Initialize(...) + env.schedule(init, URGENT), inlined
        init = _Initialize.__new__(_Initialize)
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
                    yielded = generator.send(event._value)
                else:
                    event._defused = True
                    yielded = generator.throw(_rethrown(event._value))
            except StopIteration as stop:
                self._ok = True
                self._value = stop.value
                break
            except BaseException as exc:
                self._ok = False
                self._value = exc
                break
            try:
                callbacks = yielded.callbacks
            except AttributeError:
                env._active_proc = None
                raise RuntimeError(
                    f"process {self.name!r} yielded {yielded!r}, which is not an event"
                ) from None
            if callbacks is not None:
                callbacks.append(self._resume_cb)
                self._target = yielded
                env._active_proc = None
                return
            event = yielded
        env._normal.append(self)  # = env.schedule(self), inlined (hot path)
        self._resume_cb = None
        self._target = None
        env._active_proc = None
