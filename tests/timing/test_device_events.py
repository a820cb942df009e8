"""DeviceQueue's event callbacks schedule what the process they replaced scheduled.

The reference below is DeviceQueue's I/O as it was before (a generator process holding
``sim.Resource`` requests in ``with`` blocks). Both run the same submissions, on a device with
few slots and integer times, so that hand-overs, ties and zero-time hops happen; other activity
at the same instants records when it runs. The two logs (completions, what the bytes saw, the
other activity) must be identical, and so must the device's figures.
"""

from __future__ import annotations

from collections.abc import Generator
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.sim import Environment, Resource
from blkswap.sim.costs import load_profile
from blkswap.storage import device_model
from blkswap.timing import Clock, DeviceQueue

COSTS = load_profile("x86-modern")


class ProcessDevice:
    """DeviceQueue's I/O as a process (the implementation before the event callbacks)."""

    def __init__(self, env: Environment, model: Any, perform: Any) -> None:
        self.env, self.model, self.perform = env, model, perform
        self.slots = Resource(env, capacity=max(1, model.service_slots))
        shared = Resource(env, capacity=1)
        self.channels = (
            {"read": shared, "write": shared}
            if model.bandwidth_shared
            else {"read": shared, "write": Resource(env, capacity=1)}
        )
        self.ios, self.bytes, self.busy_ns = 0, 0, 0.0
        self.last_end: dict[int, int] = {}

    def submit(self, req: Any, store: Any, done: Any) -> None:
        self.env.process(self._io(req, store, done))

    def _io(self, req: Any, store: Any, done: Any) -> Generator[Any, Any, None]:
        offset, nbytes = req.sector_number * 512, req.nbytes
        key = id(store)
        sequential = self.last_end.get(key) == offset
        self.last_end[key] = offset + nbytes
        op = "write" if req.is_write else "read"
        with self.slots.request() as slot:
            yield slot
            latency = self.model.latency_ns(op, sequential, offset, nbytes)
            yield self.env.timeout(latency)
            transfer = self.model.transfer_ns(op, nbytes)
            if transfer:
                with self.channels[op].request() as ch:
                    yield ch
                    yield self.env.timeout(transfer)
            self.busy_ns += latency + transfer
            self.ios += 1
            self.bytes += nbytes
            req.status = self.perform(req, store)
        done(req)


#: one submission: (instant, sector, write?, pages), and the other activity's instants
SUBMISSIONS = st.lists(
    st.tuples(
        st.sampled_from([0, 100, 200, 300]),
        st.sampled_from([0, 8, 16, 1000]),
        st.booleans(),
        st.integers(1, 2),
    ),
    min_size=1,
    max_size=12,
)
#: other activity: at an instant, a zero-time hop, then a look at the device after a delay
NOISE = st.lists(
    st.tuples(st.sampled_from([0, 100, 200, 300]), st.sampled_from([0, 100, 200])), max_size=6
)


def run(
    new: bool, slots: int, shared: bool, subs: Any, noise: Any, overhead: int = 100
) -> tuple[list[Any], tuple]:
    env = Environment()
    # integer times that collide: latency 0 or 100 (+100 for a seek), transfer 100 ns per page
    model = device_model(
        "null",
        queue_depth=4,
        service_slots=slots,
        per_op_overhead_ns=overhead,
        seek_ns=100,
        bandwidth_Bps=40_960_000_000,
        bandwidth_shared=shared,
    )
    log: list[Any] = []

    def perform(req: Any, store: Any) -> int:
        log.append(("perform", req.tag, env.now))
        return 0

    dq: Any = DeviceQueue(env, Clock(env, COSTS), model, perform) if new else None
    dq = dq or ProcessDevice(env, model, perform)
    for tag, (at, sector, write, pages) in enumerate(subs):
        req = SimpleNamespace(
            tag=tag,
            sector_number=sector,
            nbytes=4096 * pages,
            op=1 if write else 0,
            segments=[(0, 0, 7)] * pages,
            is_write=write,
        )

        def submit(_ev: Any, req: Any = req) -> None:
            dq.submit(req, "store", lambda r: log.append(("done", r.tag, env.now)))

        env.timeout(at).callbacks.append(submit)
    channel = dq.channels["read"]

    def look(i: int) -> None:
        log.append(("look", i, env.now, dq.slots.count, channel.count))

    def hop(i: int, delay: int) -> None:
        env.timeout(delay).callbacks.append(lambda _ev: look(i))

    for i, (at, delay) in enumerate(noise):  # events queued at the instants the I/Os act
        env.timeout(at).callbacks.append(
            lambda _ev, i=i, delay=delay: env.timeout(0).callbacks.append(lambda _e: hop(i, delay))
        )
    env.run()
    return log, (dq.ios, dq.bytes, dq.busy_ns, dq.last_end)


@settings(max_examples=300, deadline=None)
@given(
    subs=SUBMISSIONS,
    noise=NOISE,
    slots=st.integers(1, 3),
    shared=st.booleans(),
    overhead=st.sampled_from([0, 100]),
)
def test_device_events_replay_the_process_exactly(
    subs: Any, noise: Any, slots: int, shared: bool, overhead: int
) -> None:
    new = run(True, slots, shared, subs, noise, overhead)
    assert new == run(False, slots, shared, subs, noise, overhead)


def test_the_reference_sees_contention() -> None:
    """The comparison means something: with one slot, four I/Os at one instant queue and
    complete one after the other (latency 200 with a seek, 100 without, + 100 transfer)."""
    log, figures = run(True, 1, True, [(0, 1000 + 8 * i, False, 1) for i in range(4)], [])
    assert [e for e in log if e[0] == "done"] == [
        ("done", 0, 300),
        ("done", 1, 500),
        ("done", 2, 700),
        ("done", 3, 900),
    ]
    assert figures[:2] == (4, 4 * 4096)
