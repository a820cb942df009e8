"""Tests of the kernel's fast paths (docs/sim.md, "Speed"): each one skips a generic step that
SimPy takes, so each gets an edge case where skipping it wrongly would show — differentially
against SimPy where SimPy can run the case, directly where the property is ours alone."""

from __future__ import annotations

import gc
import weakref
from types import ModuleType

import pytest
import simpy

import blkswap.sim as sim

ENGINES = [simpy, sim]


def absorbed_delays(engine: ModuleType) -> list:
    """``env.timeout`` schedules a due-now timeout on the FIFO, not the heap: at a huge clock a
    small delay is absorbed (now + delay == now) and must still run after everything already
    due now, in scheduling order, as SimPy's (time, priority, seq) key orders it."""
    env, log = engine.Environment(initial_time=1e20), []

    def proc(name: str, delay: float):
        yield env.timeout(delay)
        log.append((name, env.now))
        ev = env.event()
        ev.callbacks.append(lambda e: log.append((name, "succeeded", e.value)))
        ev.succeed(name)
        yield env.timeout(1.0)  # absorbed too: 1e20 + 1 == 1e20
        log.append((name, "absorbed", env.now))

    for i, delay in enumerate((0, 1.0, 0, 1e-9)):
        env.process(proc(f"p{i}", delay))
    env.run()
    return log


def releases_at_one_instant(engine: ModuleType) -> list:
    """Releases from ``with`` blocks share one callbacks list per resource (they are
    unreachable); explicit ``release()`` events get their own. Four holders release at the
    same instant, one of them explicitly with an extra callback, while three requests wait."""
    env, log = engine.Environment(), []
    res = engine.Resource(env, capacity=2)

    def holder(name: str, hold: int, explicit: bool):
        if explicit:
            req = res.request()
            yield req
            yield env.timeout(hold)
            rel = res.release(req)
            rel.callbacks.append(lambda e: log.append((env.now, name, "explicit-release-cb")))
            log.append((env.now, name, "released", len(rel.callbacks)))
        else:
            with res.request() as req:
                yield req
                log.append((env.now, name, "granted", res.count, len(res.queue)))
                yield env.timeout(hold)
            log.append((env.now, name, "released", res.count, len(res.queue)))

    for i in range(7):
        env.process(holder(f"h{i}", 2 + (i >= 2), explicit=(i == 1)))
    env.run()
    log.append(("end", env.now, res.count))
    return log


def condition_detach(engine: ModuleType) -> list:
    """``req | timeout`` registers one check on each event and removes it from the loser when it
    fires; nested conditions are detached too. The callbacks left behind are visible."""
    env, log = engine.Environment(), []
    res = engine.Resource(env, capacity=1)

    def proc():
        req = res.request()
        patience = env.timeout(5)
        got = yield req | patience
        log.append((env.now, req in got, patience in got, len(patience.callbacks)))
        a, b, c = env.timeout(1, "a"), env.timeout(3, "b"), env.timeout(2, "c")
        got = yield (a & b) | c
        log.append((env.now, sorted(got.values()), len(b.callbacks), a.processed))
        res.release(req)
        done = env.timeout(0, "done")
        yield env.timeout(0)
        got = yield done | env.timeout(4)  # one event already processed when built
        log.append((env.now, list(got.values())))

    env.process(proc())
    env.run()
    return log


@pytest.mark.parametrize("model", [absorbed_delays, releases_at_one_instant, condition_detach])
def test_fast_path_matches_simpy(model):
    expected = model(simpy)
    assert len(expected) >= 3
    assert model(sim) == expected


def test_resource_request_and_request_constructor_agree():
    """``Resource.request`` builds the Request inline; ``Request(res)`` must behave the same."""
    traces = []
    for make in (lambda res: res.request(), sim.Request):
        env = sim.Environment()
        res = sim.Resource(env, capacity=1)
        first, second = make(res), make(res)
        traces.append((first.triggered, second.triggered, res.users == [first], res.queue))
        traces[-1] = traces[-1][:3] + (res.queue == [second],)
        res.release(first)
        env.run()
        traces.append((second.triggered, second.usage_since, res.users == [second]))
    assert traces[0] == traces[2] == (True, False, True, True)
    assert traces[1] == traces[3] == (True, 0, True)


def test_condition_rejects_mixed_envs_before_registering_anything():
    env, other = sim.Environment(), sim.Environment()
    mine, theirs = env.timeout(1), other.timeout(1)
    with pytest.raises(ValueError, match="different environments"):
        mine | theirs  # noqa: B018 (the operator builds the condition)
    assert mine.callbacks == [] and theirs.callbacks == []


def test_finished_processes_and_conditions_are_freed_without_the_cycle_collector():
    """The cached resume callback and the condition check are dropped when they are done, so
    nothing the kernel made keeps a reference cycle alive (and events support weakrefs)."""
    env = sim.Environment()
    res = sim.Resource(env)
    refs = []

    def proc():
        with res.request() as req:
            cond = req | env.timeout(3)
            refs.append(weakref.ref(cond))
            yield cond
            yield env.timeout(1)

    gc.disable()
    try:
        for _ in range(3):
            refs.append(weakref.ref(env.process(proc())))
        env.run()
        assert len(refs) == 6
        assert [ref() for ref in refs] == [None] * 6
    finally:
        gc.enable()


def test_events_have_fixed_attributes_but_subclasses_may_add_some():
    env = sim.Environment()
    with pytest.raises(AttributeError):
        env.timeout(1).note = "x"

    class Tagged(sim.Event):
        pass

    tagged = Tagged(env)
    tagged.note = "x"
    tagged.succeed(3)
    env.run()
    assert (tagged.note, tagged.value, tagged.processed) == ("x", 3, True)


def test_timeout_fast_path_rejects_negative_delay_even_when_absorbed():
    env = sim.Environment(initial_time=1e20)
    with pytest.raises(ValueError, match="negative delay -1"):
        env.timeout(-1)
    assert env.peek() == float("inf")
