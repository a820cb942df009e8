"""Hypothesis: random process trees (timeouts with many ties, resources with patience, stores,
conditions, interrupts, failing events) give the same trace on SimPy and on blkswap.sim.

The tree's shape is drawn at run time from a seeded RNG, consumed in event order, so any
divergence in event order also changes the rest of the run and shows up in the trace.
"""

from __future__ import annotations

import random
from types import ModuleType

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

import blkswap.sim

ACTIONS = (
    *("sleep", "use", "patient", "spawn_wait", "spawn_bg", "all", "any", "fail", "put", "get") * 2,
    "interrupt",
)


def random_tree(sim: ModuleType, seed: int, capacities: list[int], roots: int, depth: int):
    rng, env, log = random.Random(seed), sim.Environment(), []
    resources = [sim.Resource(env, capacity=c) for c in capacities]
    store = sim.Store(env, capacity=rng.choice([1, 2, float("inf")]))
    procs: list = []

    def delay() -> int:
        return rng.choice([0, 0, 1, 1, 2, 3])

    def spawn(level: int, label: str):
        proc = env.process(node(level, label))
        procs.append(proc)
        return proc

    def failer(ev):
        yield env.timeout(delay())
        if ev.callbacks and rng.random() < 0.97:
            ev.fail(ValueError(f"fail@{env.now}"))
        else:  # nobody waits any more (the waiter was interrupted): an unhandled failure
            ev.fail(KeyError(f"unhandled@{env.now}"))

    def act(action: str, level: int, label: str, step: int):
        if action == "sleep":
            value = yield env.timeout(delay(), value=step)
            log.append((env.now, label, "slept", value))
        elif action in ("use", "patient"):
            res = rng.choice(resources)
            with res.request() as req:
                if action == "use":
                    yield req
                else:
                    got = yield req | env.timeout(delay())
                    if req not in got:
                        log.append((env.now, label, "reneged", len(res.queue)))
                        return
                log.append((env.now, label, "granted", res.count, len(res.queue)))
                yield env.timeout(delay())
        elif action == "spawn_wait" and level > 0:
            value = yield spawn(level - 1, f"{label}.{step}")
            log.append((env.now, label, "child", value))
        elif action == "spawn_bg" and level > 0:
            spawn(level - 1, f"{label}.{step}")
        elif action in ("all", "any"):
            events = [env.timeout(delay(), value=i) for i in range(rng.randint(0, 3))]
            if level > 0 and rng.random() < 0.5:
                events.append(spawn(level - 1, f"{label}.{step}c"))
            cond = env.all_of(events) if action == "all" else env.any_of(events)
            value = yield cond
            log.append((env.now, label, action, list(value.values()), len(value.todict())))
        elif action == "interrupt":
            victims = [p for p in procs if p.is_alive and p is not env.active_process]
            if victims:
                rng.choice(victims).interrupt(f"{label}/{step}")
        elif action == "fail":
            ev = env.event()
            env.process(failer(ev))
            try:
                yield ev
            except ValueError as exc:
                log.append((env.now, label, "caught", str(exc)))
        elif action == "put":
            yield store.put(f"{label}/{step}")
            log.append((env.now, label, "put", len(store.items)))
        elif action == "get":
            get = store.get()
            item = yield get | env.timeout(delay())
            if get in item:
                log.append((env.now, label, "got", item[get]))
            else:
                get.cancel()

    def node(level: int, label: str):
        for step in range(rng.randint(1, 8)):
            try:
                yield from act(rng.choice(ACTIONS), level, label, step)
            except sim.Interrupt as irq:
                log.append((env.now, label, "interrupted", irq.cause))
        return label

    for r in range(roots):
        spawn(depth, f"r{r}")
    try:
        env.run(until=200)
    except (KeyError, ValueError) as exc:  # an unhandled failure crashes run() on both engines
        log.append(("crash", env.now, repr(exc), repr(exc.__cause__)))
    log.append(("end", env.now, [p.is_alive for p in procs], store.items))
    return log


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    capacities=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    roots=st.integers(1, 8),
    depth=st.integers(0, 3),
)
def test_random_tree_same_trace_as_simpy(seed, capacities, roots, depth):
    expected = random_tree(simpy, seed, capacities, roots, depth)
    assert random_tree(blkswap.sim, seed, capacities, roots, depth) == expected


def test_random_tree_is_not_trivial():
    """The generator does produce interrupts, reneging and contention at all."""
    kinds = set()
    for seed in range(30):
        trace = random_tree(blkswap.sim, seed, [1, 2], 4, 3)
        kinds.update(entry[0] if entry[0] == "crash" else entry[2] for entry in trace[:-1])
    wanted = {"crash", "interrupted", "reneged", "granted", "caught", "child", "got", "all", "any"}
    assert wanted <= kinds
