"""Conditions of the blkswap simulation kernel: Condition (fires when its ``evaluate`` says so),
AllOf, AnyOf and ConditionValue, the value of a condition.

Semantics follow SimPy 4.1 (``simpy/events.py``: ``Condition``, ``AllOf``, ``AnyOf``,
``ConditionValue``): a condition fails at the first failed event; its value lists the events
processed when it fired, nested conditions flattened. ``Event.__and__``/``__or__`` in ``events``
build conditions without calling the constructor (see ``Condition._setup``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from blkswap.sim import events as _events
from blkswap.sim.events import PENDING, Event

if TYPE_CHECKING:
    from blkswap.sim.core import Environment

_new_value = list.__new__


class ConditionValue(list):  # type: ignore[type-arg]
    """The value of a condition: the events that had been processed when it fired, in the
    order they were given (nested conditions flattened), usable like a dict event → value.

    A list of those events underneath, so ``event in value`` is the list's own (C) membership
    test — the hot use, ``if req in (yield req | timeout)`` — rather than a Python method call.
    Always true, like SimPy's (which has no ``__len__``), even when empty.
    """

    __slots__ = ()

    def __init__(self, events: list[Event] | None = None) -> None:
        super().__init__(() if events is None else events)

    @property
    def events(self) -> list[Event]:
        """The processed events (this list itself)."""
        return self

    def __getitem__(self, key: Event) -> Any:  # type: ignore[override]
        if not list.__contains__(self, key):
            raise KeyError(str(key))
        return key._value

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConditionValue):
            return list.__eq__(self, other)
        if isinstance(other, dict):
            return self.todict() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ConditionValue {self.todict()}>"

    def __iter__(self) -> Iterator[Event]:
        return iter(list(list.__iter__(self)))

    def keys(self) -> Iterator[Event]:
        return iter(list(list.__iter__(self)))

    def values(self) -> Iterator[Any]:
        return (event._value for event in list.__iter__(self))

    def items(self) -> Iterator[tuple[Event, Any]]:
        return ((event, event._value) for event in list.__iter__(self))

    def todict(self) -> dict[Event, Any]:
        return {event: event._value for event in list.__iter__(self)}


class Condition(Event):
    """Fires when ``evaluate(events, processed_count)`` becomes true; fails as soon as one of
    the events fails (with that event's exception). Its value is a :class:`ConditionValue`."""

    __slots__ = ("_evaluate", "_events", "_count", "_check_cb", "_nested")

    _is_condition = True

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
        """The constructor's body (``_pair`` writes out the two-event case of ``a | b`` and
        ``a & b``: a class call with ``__init__`` costs more than the whole set-up)."""
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
            if event._is_condition:
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
    processed = _new_value(ConditionValue)  # = ConditionValue(), without __init__
    if condition._nested:
        condition._detach(processed)
    else:  # = condition._detach(processed) for a flat condition, inlined (hot path)
        check = condition._check_cb
        for event in condition._events:
            callbacks = event.callbacks
            if callbacks is None:
                processed.append(event)
            else:
                try:
                    callbacks.remove(check)
                except ValueError:
                    pass
    condition._check_cb = None  # breaks the condition -> bound method -> condition cycle
    if condition._ok:
        condition._value = processed


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


def _pair(a: Event, b: Event, evaluate: Callable[[tuple[Event, ...], int], bool]) -> Condition:
    """``Condition(env, evaluate, (a, b))`` with the set-up of a two-event condition written out
    (``a | b`` is the hot path of many models: ``yield request | timeout``). ``a | b`` comes here
    through one more call; inlining it here once more was measured 4 % faster on bench/engine.py
    and not kept (the same 23 lines twice)."""
    env = a.env
    if b.env is not env:
        raise ValueError("a condition cannot mix events from different environments")
    condition = Condition.__new__(Condition)
    condition.env = env
    condition._value = PENDING
    condition._evaluate = evaluate
    condition._events = (a, b)
    condition._count = 0
    condition._nested = a._is_condition or b._is_condition
    condition.callbacks = [_build_value]
    condition._check_cb = check = condition._check
    callbacks = a.callbacks
    if callbacks is None:
        check(a)
    else:
        callbacks.append(check)
    callbacks = b.callbacks
    if callbacks is None:
        check(b)
    else:
        callbacks.append(check)
    return condition


def _event_and(a: Event, b: Event) -> Condition:
    """``a & b``."""
    return _pair(a, b, _all_events)


def _event_or(a: Event, b: Event) -> Condition:
    """``a | b``."""
    return _pair(a, b, _any_events)


_all_events = Condition.all_events
_events._and = _event_and
_events._or = _event_or
