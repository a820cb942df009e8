"""SimPy models written against the SimPy API, each ``model(simpy, seed) -> trace``.

The tests run every model on the real ``simpy`` and on ``blkswap.sim`` and compare traces: a
list of plain tuples (times, names, values, exception types) that must match exactly.
"""

from __future__ import annotations

import random
from types import ModuleType

Trace = list[tuple]


def bank(simpy: ModuleType, seed: int) -> Trace:
    """One counter; customers renege when their patience runs out (``any_of`` and ``|``)."""
    rng, env, log = random.Random(seed), simpy.Environment(), []
    counter = simpy.Resource(env, capacity=1)

    def customer(name: str, patience: float, use_any_of: bool):
        arrive = env.now
        with counter.request() as req:
            wait = env.timeout(patience)
            results = yield (env.any_of([req, wait]) if use_any_of else req | wait)
            log.append((env.now, name, req in results, wait in results, len(counter.queue)))
            if req in results:
                assert results[req] is None
                yield env.timeout(rng.expovariate(1 / 12.0))
                log.append((env.now, name, "served", round(env.now - arrive, 9)))

    def source():
        for i in range(12):
            env.process(customer(f"c{i}", rng.uniform(1, 3), i % 2 == 0))
            yield env.timeout(rng.expovariate(1 / 10.0))

    env.process(source())
    env.run()
    log.append(("end", env.now, counter.count))
    return log


def carwash(simpy: ModuleType, seed: int) -> Trace:
    """SimPy's car-wash example: two machines, cars wait via ``with request()``."""
    rng, env, log = random.Random(seed), simpy.Environment(), []
    machine = simpy.Resource(env, capacity=2)

    def wash(car: str):
        yield env.timeout(5)
        log.append((env.now, car, "washed", rng.randint(50, 99)))
        return car.upper()

    def car(name: str):
        log.append((env.now, name, "arrives"))
        with machine.request() as request:
            yield request
            log.append((env.now, name, "enters", machine.count, len(machine.queue)))
            result = yield env.process(wash(name))
            log.append((env.now, name, "leaves", result))

    def setup():
        for i in range(4):
            env.process(car(f"car{i}"))
        i = 4
        while True:
            yield env.timeout(rng.randint(3, 7))
            env.process(car(f"car{i}"))
            i += 1

    env.process(setup())
    env.run(until=60)
    log.append(("end", env.now, machine.count, len(machine.queue)))
    return log


def machine_shop(simpy: ModuleType, seed: int) -> Trace:
    """Machines break down (interrupt while in a timeout) and wait for one repairman; a second
    breakdown interrupts the wait for the repairman (interrupt while waiting on a request).
    Even machines keep their queued request, odd machines cancel it and ask again."""
    rng, env, log = random.Random(seed), simpy.Environment(), []
    repairman = simpy.Resource(env, capacity=1)

    def get_repaired(name: str, keep: bool):
        req = repairman.request()
        while True:
            try:
                yield req
                break
            except simpy.Interrupt as irq:
                log.append((env.now, name, "irq-waiting", irq.cause, req in repairman.queue))
                if not keep:
                    req.cancel()
                    repairman.release(req)
                    req = repairman.request()
        repair = env.timeout(rng.uniform(1, 4))
        while not repair.processed:
            try:
                yield repair
            except simpy.Interrupt as irq:  # broken again while being repaired: ignored
                log.append((env.now, name, "irq-repairing", irq.cause))
        repairman.release(req)
        log.append((env.now, name, "repaired"))

    def machine(name: str, keep: bool):
        parts = 0
        while True:
            try:
                yield env.timeout(rng.uniform(2, 6))
                parts += 1
                log.append((env.now, name, "part", parts))
            except simpy.Interrupt as irq:
                log.append((env.now, name, "broken", irq.cause))
                yield from get_repaired(name, keep)

    machines = [env.process(machine(f"m{i}", i % 2 == 0)) for i in range(4)]

    def breaker():
        for n in range(25):
            yield env.timeout(rng.uniform(0.5, 3))
            victim = rng.choice(machines)
            victim.interrupt(f"break{n}")

    env.process(breaker())
    env.run(until=80)
    log.append(("end", env.now, repairman.count, len(repairman.queue)))
    return log


def producer_consumer(simpy: ModuleType, seed: int) -> Trace:
    """Producers and consumers on a bounded and an unbounded Store."""
    rng, env, log = random.Random(seed), simpy.Environment(), []
    bounded, unbounded = simpy.Store(env, capacity=2), simpy.Store(env)

    def producer(name: str, store, count: int):
        for i in range(count):
            yield env.timeout(rng.choice([0, 1, 1, 2]))
            yield store.put((name, i))
            log.append((env.now, name, "put", i, len(store.items), len(store.put_queue)))

    def consumer(name: str, store, count: int):
        for _ in range(count):
            item = yield store.get()
            log.append((env.now, name, "got", item, len(store.items), len(store.get_queue)))
            yield env.timeout(rng.choice([0, 2, 3]))

    for s, store in enumerate((bounded, unbounded)):
        env.process(producer(f"p{s}a", store, 6))
        env.process(producer(f"p{s}b", store, 6))
        env.process(consumer(f"c{s}a", store, 5))
        env.process(consumer(f"c{s}b", store, 7))
    env.run()
    log.append(("end", env.now, len(bounded.items), len(unbounded.items)))
    return log


def fan_in(simpy: ModuleType, seed: int) -> Trace:
    """all_of / any_of / & / | over timeouts and processes, nested, empty and pre-processed."""
    rng, env, log = random.Random(seed), simpy.Environment(), []

    def worker(n: int):
        yield env.timeout(rng.randint(1, 4))
        return n * 10

    def waiter():
        procs = [env.process(worker(n)) for n in range(4)]
        done = yield env.all_of(procs)
        log.append((env.now, "all", [done[p] for p in procs], list(done.todict().values())))
        ts = [env.timeout(d, value=f"t{d}") for d in (3, 1, 1, 2)]
        first = yield env.any_of(ts)
        log.append((env.now, "any", sorted(first.todict().values()), [t in first for t in ts]))
        a, b, c = env.timeout(2, "a"), env.timeout(1, "b"), env.timeout(5, "c")
        nested = yield (a & b) | c
        log.append((env.now, "nested", list(nested.values()), c in nested, a in nested))
        empty_all = yield env.all_of([])
        empty_any = yield env.any_of([])
        log.append((env.now, "empty", empty_all.todict(), len(empty_any.todict())))
        again = yield env.all_of([ts[0], procs[2]])
        log.append((env.now, "processed-already", list(again.values())))
        same = env.timeout(0, "z")
        both = yield same & env.timeout(0, "y")
        log.append((env.now, "zero", list(both.values()), both == {same: "z", **both.todict()}))

    env.process(waiter())
    env.run()
    return log


def failures(simpy: ModuleType, seed: int) -> Trace:
    """Failed events caught by waiters, failing processes, failing conditions, defused events."""
    rng, env, log = random.Random(seed), simpy.Environment(), []

    def failer(ev, delay: int, exc: Exception):
        yield env.timeout(delay)
        ev.fail(exc)

    def crasher(delay: int):
        yield env.timeout(delay)
        raise KeyError(f"crash{delay}")

    def main():
        ev = env.event()
        env.process(failer(ev, 2, ValueError("boom")))
        try:
            yield ev
        except ValueError as exc:
            log.append((env.now, "caught", str(exc), ev.ok, ev.triggered, ev.processed))
        try:
            yield env.process(crasher(rng.randint(1, 3)))
        except KeyError as exc:
            log.append((env.now, "child-crash", str(exc)))
        ev2 = env.event()
        env.process(failer(ev2, 1, RuntimeError("cond")))
        try:
            yield env.all_of([ev2, env.timeout(5)])
        except RuntimeError as exc:
            log.append((env.now, "cond-failed", str(exc)))
        ev3 = env.event()
        ev3.callbacks.append(lambda e: setattr(e, "defused", True))
        ev3.fail(OSError("defused"))
        yield env.timeout(1)
        log.append((env.now, "defused", ev3.defused, ev3.ok))
        ev4 = env.event().succeed("done")
        try:
            ev4.succeed()
        except RuntimeError:
            log.append((env.now, "double-trigger"))
        value = yield ev4
        log.append((env.now, "value", value))
        return "main-done"

    proc = env.process(main())
    env.run()
    log.append(("end", env.now, proc.value, proc.is_alive, proc.ok))
    return log


def nested_processes(simpy: ModuleType, seed: int) -> Trace:
    """Processes that start and wait for sub-processes, returning values up the tree."""
    rng, env, log = random.Random(seed), simpy.Environment(), []

    def node(depth: int, label: str):
        yield env.timeout(rng.randint(0, 2))
        if depth == 0:
            return len(label)
        kids = [env.process(node(depth - 1, f"{label}{k}")) for k in range(2)]
        total = 0
        for kid in kids:
            total += yield kid
        late = yield kids[0]  # already processed: resumes at once with the same value
        log.append((env.now, label, total, late, [k.is_alive for k in kids]))
        return total + 1

    root = env.process(node(3, "r"))
    value = env.run(until=root)
    log.append(("end", env.now, value, root.value, root.target))
    return log


def run_until(simpy: ModuleType, seed: int) -> Trace:
    """run(until=number|event), step(), peek(), and the error cases of run()."""
    rng, env, log = random.Random(seed), simpy.Environment(initial_time=5), []

    def ticker():
        while True:
            yield env.timeout(rng.choice([1, 2]))
            log.append(("tick", env.now))

    env.process(ticker())
    env.run(until=9)
    log.append(("after-number", env.now, env.peek()))
    stop = env.timeout(3, value="stopped")
    log.append(("until-event", env.run(until=stop), env.now))
    log.append(("until-processed", env.run(until=stop), env.now))
    env.step()
    log.append(("step", env.now, env.peek()))
    for bad in (env.now, env.now - 1):
        try:
            env.run(until=bad)
        except ValueError:
            log.append(("until-past", bad))
    env.run(until=env.now + 0.5)
    log.append(("float-until", env.now))
    quiet = simpy.Environment()
    log.append(("empty-peek", quiet.peek(), quiet.run()))
    try:
        quiet.run(until=quiet.event())
    except RuntimeError:
        log.append(("never-triggered", quiet.now))
    failing = quiet.event()
    failing.fail(ValueError("until failed"))
    try:
        quiet.run(until=failing)
    except ValueError as exc:
        log.append(("until-failed", str(exc)))
    return log


def with_request(simpy: ModuleType, seed: int) -> Trace:
    """``with res.request() as req`` when the wait is interrupted (request withdrawn), and two
    slots released at the same instant as a new request arrives (hand-over order)."""
    rng, env, log = random.Random(seed), simpy.Environment(), []
    res = simpy.Resource(env, capacity=2)

    def user(name: str, hold: int):
        try:
            with res.request() as req:
                yield req
                log.append((env.now, name, "granted", res.count, len(res.queue)))
                yield env.timeout(hold)
            log.append((env.now, name, "released", res.count, len(res.queue)))
        except simpy.Interrupt as irq:
            log.append((env.now, name, "interrupted", irq.cause, req in res.queue, res.count))

    procs = [env.process(user(f"u{i}", rng.choice([2, 3]))) for i in range(6)]

    def late(name: str, at: int):
        yield env.timeout(at)
        yield from user(name, 1)

    env.process(late("late3", 3))
    env.process(late("late2", 2))

    def interrupter():
        yield env.timeout(1)
        procs[4].interrupt("give-up")
        procs[5].interrupt()
        yield env.timeout(0)
        log.append((env.now, "after-irq", len(res.queue), [p.is_alive for p in procs]))

    env.process(interrupter())
    env.run()
    log.append(("end", env.now, res.count, len(res.queue)))
    return log


MODELS = [
    bank,
    carwash,
    machine_shop,
    producer_consumer,
    fan_in,
    failures,
    nested_processes,
    run_until,
    with_request,
]
