"""Storage devices as queues of service slots and a data channel (:class:`DeviceQueue`).

An I/O is a chain of event callbacks (:class:`_DeviceIo`), not a process: it starts at the
submitter's elapsed time, takes a service slot, waits the model's latency, takes the data channel
for the transfer time, then the bytes move and the I/O completes. The chain schedules the same
events at the same times and in the same order as the process it replaces (a generator holding
``Resource`` requests in ``with`` blocks, SimPy semantics): hand-overs of a slot go through the
same zero-time hops (:class:`_Slots`), so runs stay bit-identical. Only what cannot be observed is
left out: the process object, its end event, and a hop that would be the very next event anyway.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blkswap.abi.blkif import BLKIF_OP_DISCARD
from blkswap.sim import URGENT, Environment, Event
from blkswap.storage.devices import DeviceModel

if TYPE_CHECKING:
    from blkswap.timing.meter import Clock


#: device models whose data moves by CPU memcpy in the submitting context (a RAM disk)
CPU_COPY_DEVICES = ("ram",)

Callback = Callable[[Any], None]


class _Slots:
    """``capacity`` usage slots granted in request order, as ``sim.Resource`` grants them: a
    request joins the tail and the head is tried at once; a release frees the slot at once and
    tries the head again from a zero-time event (the Release); a grant reaches its waiter
    through a zero-time event. Waiters are callbacks, called with that event."""

    __slots__ = ("env", "capacity", "busy", "waiting", "_release_cbs")

    def __init__(self, env: Environment, capacity: int) -> None:
        self.env = env
        self.capacity = capacity
        self.busy = 0  #: slots in use
        self.waiting: deque[Callback] = deque()
        self._release_cbs = [self._grant_head]

    @property
    def count(self) -> int:
        """Slots in use (``Resource.count``)."""
        return self.busy

    def take(self, then: Callback) -> bool:
        """Ask for a slot. True: granted now (the caller continues, after the grant's hop:
        :func:`_after_hop`); False: ``then`` is called when it is granted."""
        if not self.waiting and self.busy < self.capacity:
            self.busy += 1
            return True
        self.waiting.append(then)
        self._grant_head(None)
        return False

    def give(self, release_event: bool = True) -> None:
        """Release a slot. ``release_event=False`` leaves out the Release's zero-time event,
        for a caller that knows it cannot grant anything when it is processed."""
        self.busy -= 1
        if release_event:
            ev = self.env.timeout(0)
            ev.callbacks = self._release_cbs  # never mutated by the engine: shareable

    def _grant_head(self, _ev: Any) -> None:
        if self.waiting and self.busy < self.capacity:
            self.busy += 1
            self.env.timeout(0).callbacks.append(self.waiting.popleft())  # type: ignore[union-attr]


def _after_hop(env: Environment, then: Callback) -> None:
    """Call ``then`` where a zero-time event scheduled now would call it: at once if that event
    would be the very next one the engine processes (nothing else due now), else after the hop."""
    if env.peek() > env.now:
        then(None)
    else:
        env.timeout(0).callbacks.append(then)  # type: ignore[union-attr]


class DeviceQueue:
    """A storage device: ``service_slots`` commands in service, a shared (or per-direction) data
    channel for the bandwidth ceiling, service time from a device model (storage/devices.py)."""

    def __init__(
        self, env: Environment, clock: Clock, model: Any, perform: Callable[[Any, Any], int]
    ) -> None:
        self.env = env
        self.clock = clock
        self.model = model
        self.perform = perform
        self.slots = _Slots(env, max(1, model.service_slots))
        shared = _Slots(env, 1)
        # one channel for both directions (one head, one flash array), or one each (full duplex)
        self.channels = (
            {"read": shared, "write": shared}
            if model.bandwidth_shared
            else {"read": shared, "write": _Slots(env, 1)}
        )
        self.cpu_copy = model.name in CPU_COPY_DEVICES
        # a plain DeviceModel is frozen and its times depend on (op, sequential) and (op, nbytes)
        # only: they are computed once per key (a fault plan's model is asked every time)
        plain = type(model) is DeviceModel
        self.latencies: dict[tuple[str, bool], int] | None = {} if plain else None
        self.transfers: dict[tuple[str, int], int] | None = {} if plain else None
        self.ios = 0
        self.bytes = 0
        self.busy_ns = 0.0
        self.last_end: dict[int, int] = {}  # per store: end offset of the last I/O (sequential)

    def submit(self, req: Any, store: Any, done: Callable[[Any], None]) -> None:
        """StorageIo protocol: start after the submitter's elapsed time, complete later."""
        nbytes = req.nbytes  # a sum over the segments: read once per I/O
        if self.cpu_copy and req.segments and req.op != BLKIF_OP_DISCARD:
            # a RAM disk has no DMA engine: brd copies the data in the submitter's context
            # (Linux drivers/block/brd.c brd_make_request → copy_to_brd / copy_from_brd), so the
            # backend's vCPU pays a memcpy of the payload before the I/O can complete
            self.clock.charge("memcpy", nbytes)
        io = _DeviceIo(self, req, nbytes, store, done, self.clock.offset())
        # the I/O starts where a new process would: an URGENT event due now (what
        # Environment.process schedules), processed once the submitting activity has yielded
        start = self.env.event()
        start._ok = True  # triggered, as Environment.run builds its until-event
        start._value = None
        start.callbacks.append(io.start)  # type: ignore[union-attr]
        self.env.schedule(start, URGENT)

    @staticmethod
    def _op(req: Any) -> str:
        if req.op == BLKIF_OP_DISCARD:
            return "discard"
        if not req.segments:
            return "flush"  # FLUSH_DISKCACHE / WRITE_BARRIER without data
        return "write" if req.is_write else "read"


class _DeviceIo:
    """One I/O on a :class:`DeviceQueue`, as event callbacks: start → (the submitter's elapsed
    time) → arrive, take a service slot → serve: the model's latency → transfer: the data
    channel for the transfer time (bandwidth is a ceiling across service slots) → complete."""

    __slots__ = (
        "dq",
        "req",
        "nbytes",
        "store",
        "done",
        "delay",
        "op",
        "offset",
        "sequential",
        "latency",
        "transfer",
    )

    def __init__(
        self,
        dq: DeviceQueue,
        req: Any,
        nbytes: int,
        store: Any,
        done: Callable[[Any], None],
        delay: float,
    ) -> None:
        self.dq = dq
        self.req = req
        self.nbytes = nbytes
        self.store = store
        self.done = done
        self.delay = delay
        self.op = ""
        self.offset = 0
        self.sequential = False
        self.latency = 0
        self.transfer = 0

    def start(self, _ev: Event) -> None:
        if self.delay:
            self.dq.env.timeout(self.delay).callbacks.append(self.arrive)  # type: ignore[union-attr]
        else:
            self.arrive(None)

    def arrive(self, _ev: Any) -> None:
        dq, req = self.dq, self.req
        self.offset = offset = req.sector_number * 512
        key = id(self.store)
        last_end = dq.last_end
        self.sequential = last_end.get(key) == offset
        last_end[key] = offset + self.nbytes
        self.op = dq._op(req)
        if dq.slots.take(self.serve):
            _after_hop(dq.env, self.serve)

    def serve(self, _ev: Any) -> None:
        dq = self.dq
        cache = dq.latencies
        if cache is None:
            latency = dq.model.latency_ns(self.op, self.sequential, self.offset, self.nbytes)
        else:
            key = (self.op, self.sequential)
            latency = cache.get(key)
            if latency is None:
                latency = cache[key] = dq.model.latency_ns(*key)
        self.latency = latency
        dq.env.timeout(latency).callbacks.append(self.transfer_start)  # type: ignore[union-attr]

    def transfer_start(self, _ev: Any) -> None:
        dq = self.dq
        cache = dq.transfers
        if cache is None:
            self.transfer = dq.model.transfer_ns(self.op, self.nbytes)
        else:
            key = (self.op, self.nbytes)
            transfer = cache.get(key)
            if transfer is None:
                transfer = cache[key] = dq.model.transfer_ns(*key)
            self.transfer = transfer
        if not self.transfer:
            self.complete(None)
        elif dq.channels[self.op].take(self.transfer_go):
            _after_hop(dq.env, self.transfer_go)

    def transfer_go(self, _ev: Any) -> None:
        self.dq.env.timeout(self.transfer).callbacks.append(self.transfer_end)  # type: ignore[union-attr]

    def transfer_end(self, _ev: Any) -> None:
        channel = self.dq.channels[self.op]
        # the channel's Release event can grant only a waiter already queued: one that came
        # later found the channel taken by whoever had it first, for a transfer time > 0
        channel.give(release_event=bool(channel.waiting))
        self.complete(None)

    def complete(self, _ev: Any) -> None:
        dq, req, op = self.dq, self.req, self.op
        dq.busy_ns += self.latency + self.transfer
        dq.ios += 1
        dq.bytes += self.nbytes if op in ("read", "write") else 0
        req.status = dq.perform(req, self.store)  # the bytes move now, through the real image
        dq.slots.give()
        self.done(req)
