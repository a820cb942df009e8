"""Unit tests of blkswap.sim on its own: the ordering guarantee, error cases, resources and the
rule that the kernel imports nothing from the rest of blkswap."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import blkswap.sim as sim


@pytest.fixture
def env():
    return sim.Environment()


@pytest.fixture
def log():
    return []


def test_equal_times_run_fifo_in_scheduling_order(env, log):
    order = [7, 3, 9, 0, 5, 1]
    for n in order:
        env.timeout(2, value=n).callbacks.append(lambda ev: log.append(ev.value))
    env.run()
    assert log == order
    assert env.now == 2


def test_urgent_before_normal_at_same_time_then_fifo(env, log):
    for name, prio in (
        ("n1", sim.NORMAL),
        ("u1", sim.URGENT),
        ("n2", sim.NORMAL),
        ("u2", sim.URGENT),
    ):
        ev = env.event()
        ev._ok, ev._value = True, name
        ev.callbacks.append(lambda e: log.append(e.value))
        env.schedule(ev, prio, delay=1)
    env.run()
    assert log == ["u1", "u2", "n1", "n2"]


def test_events_due_earlier_run_before_events_triggered_at_that_time(env, log):
    def on_first(ev):
        log.append("a")
        env.event().succeed("c").callbacks.append(lambda e: log.append(e.value))
        env.timeout(0, "d").callbacks.append(lambda e: log.append(e.value))

    env.timeout(1).callbacks.append(on_first)
    env.timeout(1, "b").callbacks.append(lambda e: log.append(e.value))
    env.run()
    assert log == ["a", "b", "c", "d"]


def test_peek_sees_events_due_now_and_schedule_rejects_the_past(env):
    env.timeout(3)
    assert env.peek() == 3
    env.event().succeed()
    assert env.peek() == 0
    with pytest.raises(ValueError, match="in the past"):
        env.schedule(env.event(), delay=-1)


def test_processes_started_together_interleave_fifo(env, log):
    def proc(name):
        for _ in range(3):
            log.append((env.now, name))
            yield env.timeout(1)

    for name in "abc":
        env.process(proc(name))
    env.run()
    assert log == [(t, n) for t in range(3) for n in "abc"]


def test_reruns_are_identical():
    def run_once():
        env, log = sim.Environment(), []
        res = sim.Resource(env, capacity=2)

        def user(i):
            with res.request() as req:
                yield req
                log.append((env.now, i, res.count))
                yield env.timeout(i % 3)

        for i in range(20):
            env.process(user(i))
        env.run()
        return log

    first = run_once()
    assert first == run_once()
    assert [i for _, i, _ in first] == list(range(20))  # FIFO grants


def test_initial_time_peek_and_step(log):
    env = sim.Environment(initial_time=10)
    assert env.now == 10 and env.peek() == sim.Infinity
    env.timeout(5)
    assert env.peek() == 15
    env.step()
    assert env.now == 15
    with pytest.raises(sim.EmptySchedule):
        env.step()


def test_negative_timeout_is_rejected(env):
    with pytest.raises(ValueError, match="negative delay -1"):
        env.timeout(-1)


def test_run_until_past_or_now_is_rejected(env):
    env.run(until=3)
    for bad in (3, 2.5):
        with pytest.raises(ValueError, match="must be greater than the current time"):
            env.run(until=bad)


def test_run_until_event_returns_its_value(env):
    def worker():
        yield env.timeout(4)
        return "result"

    assert env.run(until=env.process(worker())) == "result"
    assert env.now == 4


def test_yielding_a_non_event_names_the_process_and_value(env):
    def confused():
        yield 42

    env.process(confused())
    with pytest.raises(RuntimeError, match=r"process 'confused' yielded 42, which is not an event"):
        env.run()


def test_unhandled_failure_crashes_run_with_a_chained_copy(env):
    original = ValueError("disk on fire")
    env.event().fail(original)
    with pytest.raises(ValueError, match="disk on fire") as info:
        env.run()
    assert info.value is not original and info.value.__cause__ is original


def test_failing_process_without_waiter_crashes_run(env):
    def bad():
        yield env.timeout(1)
        raise KeyError("lost")

    env.process(bad())
    with pytest.raises(KeyError):
        env.run()
    assert env.now == 1


def test_trigger_errors(env):
    ev = env.event()
    with pytest.raises(AttributeError, match="not yet available"):
        _ = ev.value
    with pytest.raises(TypeError, match="is not an exception"):
        ev.fail("not an exception")
    ev.succeed(1)
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.succeed(2)
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.fail(ValueError())


def test_interrupt_errors(env):
    def selfish():
        env.active_process.interrupt()
        yield env.timeout(1)

    def short():
        yield env.timeout(1)

    proc = env.process(short())
    env.run()
    with pytest.raises(RuntimeError, match="has terminated and cannot be interrupted"):
        proc.interrupt()
    env.process(selfish())
    with pytest.raises(RuntimeError, match="not allowed to interrupt itself"):
        env.run()


def test_interrupt_carries_cause(env, log):
    def sleeper():
        try:
            yield env.timeout(10)
        except sim.Interrupt as irq:
            log.append((env.now, irq.cause, str(irq)))

    proc = env.process(sleeper())

    def waker():
        yield env.timeout(3)
        proc.interrupt("wake")

    env.process(waker())
    env.run()
    assert log == [(3, "wake", "Interrupt('wake')")]


def test_interrupted_waiter_keeps_its_request_queued(env, log):
    res = sim.Resource(env)
    holder = res.request()
    assert res.users == [holder] and res.count == 1

    def waiter():
        req = res.request()
        try:
            yield req
        except sim.Interrupt:
            log.append(("queued", req in res.queue))
        yield req  # still queued: granted once the holder releases
        log.append(("granted", env.now, res.users == [req]))

    proc = env.process(waiter())

    def boss():
        yield env.timeout(1)
        proc.interrupt()
        yield env.timeout(1)
        res.release(holder)

    env.process(boss())
    env.run()
    assert log == [("queued", True), ("granted", 2, True)]


def test_bad_arguments(env):
    with pytest.raises(ValueError, match="Resource capacity must be > 0"):
        sim.Resource(env, capacity=0)
    with pytest.raises(ValueError, match="Store capacity must be > 0"):
        sim.Store(env, capacity=0)
    with pytest.raises(ValueError, match="is not a generator"):
        env.process(lambda: None)
    with pytest.raises(ValueError, match="different environments"):
        env.all_of([env.event(), sim.Environment().event()])


def test_store_is_fifo_and_bounded(env, log):
    store = sim.Store(env, capacity=2)

    def producer():
        for i in range(4):
            yield store.put(i)
            log.append(("put", env.now, i))

    def consumer():
        yield env.timeout(5)
        for _ in range(4):
            log.append(("got", env.now, (yield store.get())))

    env.process(producer())
    env.process(consumer())
    env.run()
    assert [e for e in log if e[0] == "got"] == [("got", 5, i) for i in range(4)]
    assert [e[1] for e in log if e[0] == "put"] == [0, 0, 5, 5]
    assert store.items == [] and store.capacity == 2


def test_condition_value_mapping(env):
    a, b = env.timeout(1, "a"), env.timeout(2, "b")
    cond = a | b
    env.run(until=cond)
    value = cond.value
    assert value[a] == "a" and a in value and b not in value
    assert value.todict() == {a: "a"} and value == {a: "a"}
    with pytest.raises(KeyError):
        value[b]


def test_kernel_imports_nothing_else_from_blkswap():
    package = Path(sim.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.startswith("blkswap"):
                    assert name.startswith("blkswap.sim"), f"{path.name} imports {name}"


def test_models_may_hang_attributes_on_environments_and_resources() -> None:
    """As on SimPy's (tests/sim runs on both builds: the compiled one keeps a __dict__ too)."""
    env = sim.Environment()
    resource = sim.Resource(env, capacity=1)
    env.stats, resource.label = {"served": 0}, "desk"  # type: ignore[attr-defined]
    assert (env.stats, resource.label) == ({"served": 0}, "desk")  # type: ignore[attr-defined]
