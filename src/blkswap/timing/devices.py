"""Storage devices as queues of service slots and a data channel (:class:`DeviceQueue`)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from blkswap.abi.blkif import BLKIF_OP_DISCARD
from blkswap.sim import Environment, Resource

if TYPE_CHECKING:
    from blkswap.timing.meter import Clock


#: device models whose data moves by CPU memcpy in the submitting context (a RAM disk)
CPU_COPY_DEVICES = ("ram",)


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
        self.slots = Resource(env, capacity=max(1, model.service_slots))
        shared = Resource(env, capacity=1)
        # one channel for both directions (one head, one flash array), or one each (full duplex)
        self.channels = (
            {"read": shared, "write": shared}
            if model.bandwidth_shared
            else {"read": shared, "write": Resource(env, capacity=1)}
        )
        self.ios = 0
        self.bytes = 0
        self.busy_ns = 0.0
        self.last_end: dict[int, int] = {}  # per store: end offset of the last I/O (sequential)

    def submit(self, req: Any, store: Any, done: Callable[[Any], None]) -> None:
        """StorageIo protocol: start after the submitter's elapsed time, complete later."""
        if self.model.name in CPU_COPY_DEVICES and req.segments and req.op != BLKIF_OP_DISCARD:
            # a RAM disk has no DMA engine: brd copies the data in the submitter's context
            # (Linux drivers/block/brd.c brd_make_request → copy_to_brd / copy_from_brd), so the
            # backend's vCPU pays a memcpy of the payload before the I/O can complete
            self.clock.charge("memcpy", req.nbytes)
        delay = self.clock.offset()
        self.env.process(self._io(req, store, done, delay))

    def _io(
        self, req: Any, store: Any, done: Callable[[Any], None], delay: float
    ) -> Generator[Any, Any, None]:
        timeout = self.env.timeout
        if delay:
            yield timeout(delay)
        model = self.model
        offset, nbytes = req.sector_number * 512, req.nbytes
        key = id(store)
        last_end = self.last_end
        sequential = last_end.get(key) == offset
        last_end[key] = offset + nbytes
        op = self._op(req)
        with self.slots.request() as slot:
            yield slot
            latency = model.latency_ns(op, sequential, offset, nbytes)
            yield timeout(latency)
            transfer = model.transfer_ns(op, nbytes)
            if transfer:
                # the device's data channel: bandwidth is a ceiling across service slots
                with self.channels[op].request() as ch:
                    yield ch
                    yield timeout(transfer)
            self.busy_ns += latency + transfer
            self.ios += 1
            self.bytes += nbytes if op in ("read", "write") else 0
            req.status = self.perform(req, store)  # the bytes move now, through the real image
        done(req)

    @staticmethod
    def _op(req: Any) -> str:
        if req.op == 5:  # BLKIF_OP_DISCARD
            return "discard"
        if not req.segments:
            return "flush"  # FLUSH_DISKCACHE / WRITE_BARRIER without data
        return "write" if req.is_write else "read"
