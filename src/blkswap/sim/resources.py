"""Shared resources: :class:`Resource` (capacity-limited usage slots) and :class:`Store`
(FIFO item buffer), with their request events.

Semantics follow SimPy 4.1 (``simpy/resources/{base,resource,store}.py``) step for step,
because the hand-over timing is visible in traces:

- A request (put) joins the tail of its queue and the *head* of the queue is tried once, at
  once. A release (get) is done at once and is itself an event; only when that event is
  processed is the head of the other queue tried again. So a freed slot reaches the next waiter
  two heap hops after ``release()``, at the same simulated time.
- A request that has not been granted stays queued until granted or cancelled (``cancel()``,
  or leaving a ``with`` block). An interrupted waiter does not cancel its request by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from blkswap.sim.events import PENDING, Event

if TYPE_CHECKING:
    from types import TracebackType

    from blkswap.sim.core import Environment


class _Ask(Event):
    """A put/get request; a context manager that cancels itself if still pending on exit."""

    __slots__ = ("_queue",)

    _queue: list[Any]

    def __enter__(self) -> _Ask:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Withdraw the request if it has not been granted yet."""
        if self._value is PENDING:
            self._queue.remove(self)


class Request(_Ask):
    """Asks *resource* for a usage slot; succeeds when the slot is granted.

    ``with resource.request() as req:`` releases the slot on exit, or withdraws the request if it
    was never granted (both, as SimPy: a release event is issued in either case).
    """

    __slots__ = ("resource", "usage_since")

    def __init__(self, resource: Resource) -> None:
        self.env = resource._env
        self.callbacks = []
        self._value = PENDING
        self.resource = resource
        self.usage_since: float | None = None
        """Time the slot was granted."""
        self._queue = queue = resource.queue
        if not queue and len(resource.users) < resource._capacity:
            # Granted at once; the same as joining the empty queue and granting its head.
            resource.users.append(self)
            self.usage_since = self.env._now
            self._ok = True
            self._value = None
            self.env._normal.append(self)  # = env.schedule(self), inlined (hot path)
        else:
            queue.append(self)
            resource._grant_head(None)

    def _exit(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._value is PENDING:  # never granted: withdraw it (= self.cancel())
            self._queue.remove(self)
        if exc_type is not GeneratorExit:
            # = Release(self.resource, self), inlined (hot path). Nobody can reach this Release
            # event, so it shares one callbacks list per resource (the loop never mutates it).
            resource = self.resource
            try:
                resource.users.remove(self)
            except ValueError:
                pass
            release = Release.__new__(Release)
            release.env = env = self.env
            release.callbacks = resource._grant_callbacks
            release.resource = resource
            release.request = self
            release._ok = True
            release._value = None
            env._normal.append(release)

    # ``with`` calls ``__exit__``; the compiled build types ``_exit``'s locals (resources.pxd),
    # which it cannot do for a special method, so the two names are one function.
    __exit__ = _exit


class Release(Event):
    """Gives the slot of *request* back (done at once); the event is processed at the current
    time and then lets the head of the queue in."""

    __slots__ = ("resource", "request")

    def __init__(self, resource: Resource, request: Request) -> None:
        self.env = resource._env
        self.callbacks = [resource._grant_head]
        self.resource = resource
        self.request = request
        """The request whose slot is released."""
        try:
            resource.users.remove(request)
        except ValueError:
            pass  # never granted (or already released): SimPy ignores it too
        self._ok = True
        self._value = None
        self.env._normal.append(self)  # = env.schedule(self), inlined (hot path)


class Resource:
    """*capacity* usage slots shared by processes, granted in request order (FIFO)."""

    def __init__(self, env: Environment, capacity: int = 1) -> None:
        if capacity <= 0:
            raise ValueError(f"Resource capacity must be > 0, got {capacity!r}")
        self._env = env
        self._capacity = capacity
        self.users: list[Request] = []
        """Granted requests, in grant order."""
        self.queue: list[Request] = []
        """Requests waiting for a slot, oldest first."""
        self._grant_callbacks = [self._grant_head]
        """Callbacks of the Release events issued by ``with`` blocks (see Request.__exit__)."""

    @property
    def capacity(self) -> int:
        """Number of slots."""
        return self._capacity

    @property
    def count(self) -> int:
        """Number of slots in use."""
        return len(self.users)

    def request(self) -> Request:
        """Ask for a slot; yield the returned event to wait for it.

        = ``Request(self)`` without the constructor call (hot path); keep the two in step.
        """
        env = self._env
        request = Request.__new__(Request)
        request.env = env
        request.callbacks = []
        request.resource = self
        request._queue = queue = self.queue
        if not queue and len(self.users) < self._capacity:
            self.users.append(request)
            request.usage_since = env._now
            request._ok = True
            request._value = None
            env._normal.append(request)
        else:
            request._value = PENDING
            request.usage_since = None
            queue.append(request)
            self._grant_head(None)
        return request

    def release(self, request: Request) -> Release:
        """Give back the slot of *request* (a no-op on the slot if it was never granted)."""
        return Release(self, request)

    def _grant_head(self, _event: Event | None) -> None:
        """Grant the oldest waiting request if a slot is free (one try, as SimPy)."""
        queue = self.queue
        if queue and len(self.users) < self._capacity:
            request = queue.pop(0)
            self.users.append(request)
            request.usage_since = self._env._now
            request._ok = True
            request._value = None
            self._env._normal.append(request)  # = request.succeed(), inlined (hot path)


class StorePut(_Ask):
    """Puts *item* into *store*; succeeds once there is room."""

    __slots__ = ("item",)

    def __init__(self, store: Store, item: Any) -> None:
        self.env = store._env
        self.callbacks = [store._get_head]
        self._value = PENDING
        self.item = item
        """The item to store."""
        self._queue = store.put_queue
        self._queue.append(self)
        store._put_head(None)


class StoreGet(_Ask):
    """Takes the oldest item out of *store*; succeeds with it once there is one."""

    __slots__ = ()

    def __init__(self, store: Store) -> None:
        self.env = store._env
        self.callbacks = [store._put_head]
        self._value = PENDING
        self._queue = store.get_queue
        self._queue.append(self)
        store._get_head(None)


class Store:
    """A FIFO buffer of up to *capacity* items; ``put`` waits for room, ``get`` for an item."""

    def __init__(self, env: Environment, capacity: float = float("inf")) -> None:
        if capacity <= 0:
            raise ValueError(f"Store capacity must be > 0, got {capacity!r}")
        self._env = env
        self._capacity = capacity
        self.items: list[Any] = []
        """Stored items, oldest first."""
        self.put_queue: list[StorePut] = []
        """Puts waiting for room."""
        self.get_queue: list[StoreGet] = []
        """Gets waiting for an item."""

    @property
    def capacity(self) -> float:
        """Maximum number of items."""
        return self._capacity

    def put(self, item: Any) -> StorePut:
        """Put *item* in; yield the returned event to wait for room."""
        return StorePut(self, item)

    def get(self) -> StoreGet:
        """Take the oldest item; yield the returned event to wait for it."""
        return StoreGet(self)

    def _put_head(self, _event: Event | None) -> None:
        queue = self.put_queue
        if queue and len(self.items) < self._capacity:
            put = queue.pop(0)
            self.items.append(put.item)
            put.succeed()

    def _get_head(self, _event: Event | None) -> None:
        queue = self.get_queue
        if queue and self.items:
            queue.pop(0).succeed(self.items.pop(0))
