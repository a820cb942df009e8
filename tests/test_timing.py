"""The timing layer (blkswap.timing): Meter, Clock, Cpus, FlushLock, Worker, DeviceQueue."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.back.grantops import map_grants, unmap_grants
from blkswap.sim import Environment
from blkswap.sim.costs import load_profile
from blkswap.storage import device_model
from blkswap.timing import (
    Clock,
    Cpus,
    DeviceQueue,
    FlushLock,
    Meter,
    Worker,
    hypervisor_ns_by_cause,
    hypervisor_ns_since,
)
from blkswap.xen import Xen
from blkswap.xen.counters import SIZE, Counters
from blkswap.xen.emulated import EmulatedPort

COSTS = load_profile("x86-modern")


def domain() -> SimpleNamespace:
    """The only thing the timing layer needs of a domain: its cumulative hypervisor counters."""
    return SimpleNamespace(counters=Counters())


@pytest.fixture
def env() -> Environment:
    return Environment()


@pytest.fixture
def clock(env: Environment) -> Clock:
    return Clock(env, COSTS)


def flush(meter: Meter, vcpus: int) -> None:
    """What Xen records for one flush of the caller's own ``vcpus``-vCPU domain (docs/xen.md
    "Flush targets"): every vCPU is a target, all but the initiator's own get an IPI."""
    c = meter.counters  # the domain's counters, as the hypervisor counts into them
    c.tlb_flushes += 1
    c.tlb_flush_vcpus += vcpus
    c.tlb_flush_ipis += vcpus - 1


# -- FlushLock ---------------------------------------------------------------------------------------
def test_flush_lock_serialises_windows_and_fills_gaps(env: Environment) -> None:
    lock = FlushLock(env)
    assert lock.reserve(100, 50) == 0  # [100, 150)
    assert lock.reserve(120, 50) == 30  # overlaps: starts at 150 → [150, 200)
    assert lock.reserve(0, 100) == 0  # fits before the first window: [0, 100)
    assert lock.reserve(10, 20) == 190  # no gap of 20 before 200 → [200, 220)
    assert lock.reserve(500, 0) == 0  # nothing to hold
    assert lock.windows == [(0, 100), (100, 150), (150, 200), (200, 220)]
    assert (lock.acquisitions, lock.held_ns, lock.waited_ns) == (4, 220, 220)


def test_flush_lock_forgets_windows_in_the_past(env: Environment) -> None:
    lock = FlushLock(env)
    lock.reserve(0, 100)
    env.run(until=150)
    assert lock.reserve(150, 10) == 0
    assert lock.windows == [(150, 160)]


# -- Meter ---------------------------------------------------------------------------------------------
def test_meter_prices_explicit_charges_and_counter_deltas(env: Environment) -> None:
    cpus = Cpus(env, "d", domain(), 2)
    cpus.domain.counters.hypercalls = 5  # work before the activity began is not its own
    m = Meter(COSTS, cpus)
    m.charge("memcpy", 12_000)  # 12 kB at 12 GB/s = 1000 ns
    m.charge("request", 2)
    cpus.domain.counters.hypercalls += 3
    cpus.domain.counters.grant_ops["map"] += 11
    expected = (
        1000 + 2 * COSTS.backend_request_ns + 3 * COSTS.hypercall_ns + 11 * COSTS.grant_map_ns
    )
    assert m.elapsed() == pytest.approx(expected)
    assert m.close() == pytest.approx(expected)
    assert cpus.busy_ns == pytest.approx(
        {"memcpy": 1000, "request": 3000, "hypercall": 900, "grant_map": 11 * COSTS.grant_map_ns}
    )
    assert cpus.total_ns == pytest.approx(expected)


def test_nested_meters_each_price_what_was_counted_while_they_ran(env: Environment) -> None:
    cpus = Cpus(env, "d", domain(), 1)
    outer = Meter(COSTS, cpus)
    cpus.domain.counters.hypercalls += 1
    inner = Meter(COSTS, cpus)
    cpus.domain.counters.hypercalls += 2
    assert inner.close() == 2 * COSTS.hypercall_ns
    cpus.domain.counters.hypercalls += 4
    assert outer.close() == 7 * COSTS.hypercall_ns  # the inner activity's work included


def test_elapsed_is_bit_identical_to_pricing_the_delta(env: Environment) -> None:
    """The meter's fast path (flat lists) adds the same terms in the same order as
    CostProfile.hypervisor_ns of a Counters delta, so results do not move by a bit."""
    cpus = Cpus(env, "d", domain(), 1)
    c = cpus.domain.counters
    c.bytes_copied, c.pte_updates = 7, 3
    m = Meter(COSTS, cpus)
    c.hypercalls += 3
    c.multicalls += 1
    c.bytes_copied += 4097
    c.p2m_updates += 1
    c.m2p_updates += 2
    c.pte_updates += 5
    c.evtchn_sends += 2
    c.frames_scrubbed += 1
    for i, op in enumerate(("map", "unmap", "copy", "swap", "query_size")):
        c.grant_ops[op] += 3 * i + 1
    delta = c - Counters(m.mark)
    assert m.elapsed() == COSTS.hypervisor_ns(delta)
    assert m.close() == COSTS.hypervisor_ns(delta, {})


def test_a_flush_costs_the_initiator_and_every_other_vcpu(env: Environment) -> None:
    cpus = Cpus(env, "dom0", domain(), 4)
    lock = FlushLock(env)
    m = Meter(COSTS, cpus, lock)
    flush(m, 4)
    hold = COSTS.tlb_flush_ns + 2 * COSTS.tlb_ipi_per_vcpu_ns  # first target + 2 more
    assert m.close() == pytest.approx(COSTS.tlb_flush_local_ns + hold)
    assert lock.windows == [(pytest.approx(COSTS.tlb_flush_local_ns), pytest.approx(m.total))]
    h = COSTS.tlb_ipi_handler_ns
    assert cpus.busy_ns["tlb_ipi"] == pytest.approx(3 * h)  # 3 targets' handler time
    assert cpus.ipi_ns_per_vcpu == pytest.approx(h) and m.own_ipi == pytest.approx(h)


def test_a_one_vcpu_domain_flushes_locally_without_the_lock(env: Environment) -> None:
    cpus = Cpus(env, "dom0", domain(), 1)
    lock = FlushLock(env)
    m = Meter(COSTS, cpus, lock)
    flush(m, 1)
    assert m.close() == pytest.approx(COSTS.tlb_flush_local_ns)
    assert lock.acquisitions == 0 and "tlb_ipi" not in cpus.busy_ns


def test_concurrent_flushes_wait_for_the_host_wide_lock(env: Environment) -> None:
    a, b = Cpus(env, "dom0", domain(), 8), Cpus(env, "domX", domain(), 8)
    lock = FlushLock(env)
    hold = COSTS.tlb_flush_ns + 6 * COSTS.tlb_ipi_per_vcpu_ns
    m1 = Meter(COSTS, a, lock)
    flush(m1, 8)
    assert m1.elapsed() == pytest.approx(COSTS.tlb_flush_local_ns + hold)
    m1.close()
    m2 = Meter(COSTS, b, lock)  # another domain, same instant: Xen's flush_lock is host-wide
    flush(m2, 8)
    t2 = m2.close()
    assert m2.lock_wait == pytest.approx(hold)  # waited for m1's whole hold
    assert t2 == pytest.approx(COSTS.tlb_flush_local_ns + 2 * hold)
    assert b.busy_ns["tlb_lock"] == pytest.approx(hold)


def test_flush_cost_and_ipi_time_grow_with_the_vcpus(env: Environment) -> None:
    totals, ipis = [], []
    for n in (2, 8, 32):
        cpus = Cpus(env, "dom0", domain(), n)
        m = Meter(COSTS, cpus, FlushLock(env))
        flush(m, n)
        totals.append(m.close())
        ipis.append(cpus.busy_ns["tlb_ipi"])
    assert totals[0] < totals[1] < totals[2]
    assert ipis == pytest.approx([COSTS.tlb_ipi_handler_ns * (n - 1) for n in (2, 8, 32)])


def test_meter_sees_real_hypervisor_counts() -> None:
    """A real map + unmap by a 4-vCPU dom0: one hypercall each, one flush of 4 vCPUs."""
    env = Environment()
    xen = Xen(frames=4096)
    d0 = xen.create_domain(pages=256, vcpus=4)
    xen.create_domain(pages=64, vcpus=2)
    port0, port1 = EmulatedPort(xen, 0), EmulatedPort(xen, 1)
    gfn = port1.alloc_page()
    ref = port1.grant_access(gfn, 0, False)
    cpus = Cpus(env, "dom0", d0, 4)
    clock = Clock(env, COSTS)

    def map_and_unmap() -> None:
        maps = map_grants(port0, 1, [ref], [d0.grant_va_base], readonly=False)
        unmap_grants(port0, maps)

    _, ns = clock.run_metered(cpus, map_and_unmap)
    hold = COSTS.tlb_flush_ns + 2 * COSTS.tlb_ipi_per_vcpu_ns
    expected = 2 * COSTS.hypercall_ns + COSTS.grant_map_ns + COSTS.grant_unmap_ns
    expected += 2 * COSTS.pte_update_ns  # installed, then removed
    assert ns == pytest.approx(expected + COSTS.tlb_flush_local_ns + hold)
    assert cpus.busy_ns["tlb_ipi"] == pytest.approx(3 * COSTS.tlb_ipi_handler_ns)
    assert port1.end_access(ref)
    port1.free_page(gfn)


# -- Clock -----------------------------------------------------------------------------------------------
def test_clock_now_and_later_follow_the_running_activity(env: Environment, clock: Clock) -> None:
    cpus = Cpus(env, "d", domain(), 1)
    seen: list[tuple[str, float]] = []
    env.run(until=1000)
    assert clock.now() == 1000 and clock.offset() == 0

    def activity() -> None:
        clock.charge("request", 1)
        seen.append(("now", clock.now()))
        clock.later(10, lambda: seen.append(("later", env.now)))

    _, ns = clock.run_metered(cpus, activity)
    assert ns == COSTS.backend_request_ns and clock.current is None
    clock.charge("request", 1)  # no activity: nothing to charge, no error
    env.run()
    assert seen == [("now", 1000 + 1500), ("later", 1000 + 1500 + 10)]


# -- Cpus.run / Worker ---------------------------------------------------------------------------------
def test_cpus_run_holds_a_vcpu_for_the_price(env: Environment, clock: Clock) -> None:
    cpus = Cpus(env, "guest", domain(), 1)
    out: list[Any] = []

    def proc(tag: str):
        result, ns = yield from cpus.run(clock, lambda: clock.charge("request", 1) or tag)
        out.append((tag, ns, env.now))

    env.process(proc("a"))
    env.process(proc("b"))
    env.run()
    assert out == [("a", 1500, 1500), ("b", 1500, 3000)]  # one vCPU: one after the other


def test_worker_never_runs_twice_at_once_and_goes_round_when_woken(
    env: Environment, clock: Clock
) -> None:
    cpus = Cpus(env, "dom0", domain(), 4)
    starts: list[float] = []

    def body() -> None:
        starts.append(env.now)
        clock.charge("request", 1)

    w = Worker(clock, cpus, body, "loop", irq=True)
    w.wake()
    w.wake()  # already scheduled: coalesces
    env.run(until=100)
    w.wake()  # while its slice runs: go round again on the same vCPU
    assert w.running and w.again
    env.run()
    slice_ns = COSTS.irq_ns + COSTS.backend_request_ns
    assert starts == [0, slice_ns]
    assert w.activations == 2 and not w.running and cpus.res.count == 0
    assert cpus.busy_ns["irq"] == 2 * COSTS.irq_ns


def test_ipis_delay_the_other_vcpus_work(env: Environment, clock: Clock) -> None:
    """A flush by one dom0 vCPU steals handler time from the loop running on another."""
    cpus = Cpus(env, "dom0", domain(), 2)
    ends: dict[str, float] = {}

    def long_work() -> None:
        clock.charge("request", 10)  # 15 µs

    def flusher() -> None:
        flush(clock.current, 2)

    def record(name: str, w: Worker):
        while w.scheduled or w.running:
            yield env.timeout(1)
        ends[name] = env.now

    a = Worker(clock, cpus, long_work, "a")
    b = Worker(clock, cpus, flusher, "b")
    a.wake()
    env.run(until=1000)
    b.wake()
    env.process(record("a", a))
    env.run()
    assert ends["a"] == pytest.approx(15_000 + COSTS.tlb_ipi_handler_ns, abs=1)
    assert cpus.ipi_paid_ns == pytest.approx(COSTS.tlb_ipi_handler_ns)
    assert b.activations == 1  # the flusher did not pay its own IPI


# -- DeviceQueue --------------------------------------------------------------------------------------------
def req(sector: int, nbytes: int, write: bool = False) -> SimpleNamespace:
    segs = [(0, 0, 7)] * max(1, nbytes // 4096)
    return SimpleNamespace(
        sector_number=sector, nbytes=nbytes, op=1 if write else 0, segments=segs, is_write=write
    )


def run_device(env: Environment, clock: Clock, model: Any, reqs: list[Any]) -> list[float]:
    done: list[float] = []
    performed: list[Any] = []
    dq = DeviceQueue(env, clock, model, lambda r, s: performed.append(r) or 0)
    for r in reqs:
        dq.submit(r, "store", lambda r: done.append(env.now))
    env.run()
    assert sorted(map(id, performed)) == sorted(map(id, reqs))  # every I/O's bytes moved once
    assert all(r.status == 0 for r in reqs) and dq.ios == len(reqs)
    return done


def test_device_latency_then_transfer_through_one_channel(env: Environment, clock: Clock) -> None:
    model = device_model("nvme")  # 64 slots, 3 GB/s shared
    done = run_device(env, clock, model, [req(0, 3_000_000), req(80_000, 3_000_000)])
    lat = model.latency_ns("read", sequential=False)
    xfer = model.transfer_ns("read", 3_000_000)  # 1 ms
    assert done == [lat + xfer, lat + 2 * xfer]  # both in service, bandwidth shared


def test_device_slots_bound_concurrency_and_seek_only_when_random(
    env: Environment, clock: Clock
) -> None:
    model = device_model("hdd")  # one actuator
    done = run_device(env, clock, model, [req(0, 4096), req(8, 4096), req(10_000, 4096)])
    seq, rnd = model.service_ns("read", 4096, True), model.service_ns("read", 4096, False)
    assert done == [rnd, rnd + seq, 2 * rnd + seq]


def test_full_duplex_device_moves_reads_and_writes_at_once(env: Environment, clock: Clock) -> None:
    model = device_model("null", bandwidth_Bps=1_000_000_000, bandwidth_shared=False)
    done = run_device(env, clock, model, [req(0, 1_000_000), req(9000, 1_000_000, write=True)])
    assert done == [1_000 + 1_000_000, 1_000 + 1_000_000]


def test_device_submission_waits_for_the_submitters_elapsed_time(
    env: Environment, clock: Clock
) -> None:
    cpus = Cpus(env, "dom0", domain(), 1)
    model = device_model("null")
    done: list[float] = []
    dq = DeviceQueue(env, clock, model, lambda r, s: 0)

    def submit() -> None:
        clock.charge("request", 1)
        dq.submit(req(0, 4096), "s", lambda r: done.append(env.now))

    clock.run_metered(cpus, submit)
    env.run()
    assert done == [COSTS.backend_request_ns + 1_000]


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(st.integers(0, 10**6), min_size=SIZE, max_size=SIZE),
    delta=st.lists(st.integers(0, 10**6), min_size=SIZE, max_size=SIZE),
)
def test_flat_pricing_matches_the_profile_bit_for_bit(before: list[int], delta: list[int]) -> None:
    """Marks and deltas on the flat counters price exactly as CostProfile.hypervisor_ns does on a
    Counters delta (the golden results depend on the float summation order)."""
    c = Counters(before.copy())
    mark = c.mark()
    c.add(delta)
    assert c.since(mark) == delta and (c - Counters(mark)).v == delta
    d = Counters(delta)
    for costs in (COSTS, load_profile("x86-2010")):
        assert hypervisor_ns_since(costs, c.v, mark) == costs.hypervisor_ns(d)
        mine: dict[str, float] = {}
        theirs: dict[str, float] = {}
        assert hypervisor_ns_by_cause(costs, delta, mine) == costs.hypervisor_ns(d, theirs)
        assert mine == theirs
