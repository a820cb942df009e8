"""The host model's physics behind the x86-2010 fit (docs/costs.md "Calibration"): IPIs sent
per x2APIC cluster, lock hand-overs that cost more per waiter, a RAM disk's memcpy on the
submitter's vCPU, IPIs absorbed while a vCPU spins, the guest's own per-I/O work."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from blkswap.lab import Lab
from blkswap.sim import Environment
from blkswap.sim.costs import CostProfile, load_profile
from blkswap.storage import device_model
from blkswap.timing import Clock, Cpus, DeviceQueue, FlushLock, Worker
from blkswap.xen.counters import Counters


def profile(**kw: float) -> CostProfile:
    return load_profile("x86-2010").with_overrides(**kw)


def test_cluster_mode_sends_one_ipi_per_cluster() -> None:
    p = profile(tlb_flush_ns=500, tlb_ipi_per_vcpu_ns=250, tlb_ipi_cluster=16)
    assert p.flush_hold_ns(1, 0) == 0  # no remote target: no shootdown
    assert p.flush_hold_ns(1, 15) == 500  # one cluster: one send, the slowest ack
    assert p.flush_hold_ns(1, 16) == 500
    assert p.flush_hold_ns(1, 23) == 500 + 250  # 23 targets: two clusters (two sockets)
    assert p.flush_hold_ns(2, 46) == 2 * (500 + 250)
    per_target = p.with_overrides(tlb_ipi_cluster=0)  # xAPIC: one send per target, as before
    assert per_target.flush_hold_ns(1, 23) == 500 + 22 * 250
    assert per_target.flush_hold_ns(1, 23) == profile(
        tlb_flush_ns=500, tlb_ipi_per_vcpu_ns=250, tlb_ipi_cluster=1
    ).flush_hold_ns(1, 23)


def test_each_waiter_adds_bouncing_to_every_hand_over() -> None:
    env = Environment()
    lock = FlushLock(env)
    for start in (0, 10, 20):
        lock.reserve(start, 100)  # [0,100) [100,200) [200,300): three windows queued
    wait = lock.reserve(5, 100, bounce_ns=10, handovers=4)
    assert wait == 295  # after the three
    assert lock.last_extra == 10 * 3 * 4  # 3 waiters ahead × 4 hand-overs × 10 ns
    assert lock.windows[-1] == (300, 300 + 100 + 120)
    assert lock.reserve(1000, 100, bounce_ns=10, handovers=4) == 0  # uncontended: no bouncing
    assert lock.last_extra == 0


def req(nbytes: int) -> SimpleNamespace:
    return SimpleNamespace(sector_number=8, nbytes=nbytes, op=0, segments=[(0, 0, 7)],
                           is_write=False)  # fmt: skip


@pytest.mark.parametrize(("device", "copies"), [("ram", True), ("nvme", False), ("null", False)])
def test_a_ram_disk_copies_on_the_submitters_vcpu(device: str, copies: bool) -> None:
    env = Environment()
    costs = load_profile("x86-modern")
    clock = Clock(env, costs)
    cpus = Cpus(env, "dom0", SimpleNamespace(counters=Counters()), 1)
    dq = DeviceQueue(env, clock, device_model(device), lambda r, s: 0)
    done: list[float] = []
    _, meter = clock.meter_run(
        cpus, lambda: dq.submit(req(8192), "s", lambda r: done.append(env.now))
    )
    env.run()
    copy = 8192 * 1e9 / costs.memcpy_Bps
    assert meter.by_cause.get("memcpy", 0.0) == (pytest.approx(copy) if copies else 0.0)
    assert meter.total == (pytest.approx(copy) if copies else 0.0)
    assert len(done) == 1 and done[0] >= meter.total  # the I/O starts after the copy


def test_ipis_arriving_while_a_vcpu_spins_cost_it_nothing() -> None:
    """A loop spinning on the flush lock takes another vCPU's flush IPI inside its wait: it pays
    only the share of the handler time that fell outside the spin."""
    env = Environment()
    costs = load_profile("x86-modern")
    clock = Clock(env, costs)
    cpus = Cpus(env, "dom0", SimpleNamespace(counters=Counters()), 2)
    clock.flush_lock.reserve(0, 50_000)  # someone else holds the lock for 50 µs

    def flush() -> None:
        c = clock.current.counters
        c.tlb_flushes += 1
        c.tlb_flush_vcpus += 2
        c.tlb_flush_ipis += 1

    spinner = Worker(clock, cpus, flush, "spinner")
    other = Worker(clock, cpus, flush, "other")
    spinner.wake()
    env.run(until=100)
    other.wake()  # its flush IPIs the spinner, 100 ns into a slice that is mostly spinning
    env.run()
    h = costs.tlb_ipi_handler_ns
    spun = cpus.busy_ns["tlb_lock"]
    assert spun > 50_000  # both waited for the 50 µs window (the second one longer)
    assert 0 < cpus.ipi_paid_ns < 0.1 * h  # most of the handler time ran inside the wait


def test_the_guest_pays_its_own_io_work_on_both_sides() -> None:
    job = "[j]\nrw=randread\nbs=4k\niodepth=4\nsize=256k\n"
    kw = dict(guests=1, storage="ram", device="null", costs="x86-2010", verify=False)
    run = Lab(**kw).run(job).run
    ios = sum(j.total_ios for j in run.jobs)
    figure = load_profile("x86-2010").guest_io_ns
    assert figure > 0 and ios == 64
    assert run.blkswap["cpu_ns_by_cause"]["guest_io"] == pytest.approx(2 * ios * figure, abs=1)
    modern = Lab(**{**kw, "costs": "x86-modern"}).run(job).run
    assert "guest_io" not in modern.blkswap["cpu_ns_by_cause"]  # 0 in x86-modern: not charged
