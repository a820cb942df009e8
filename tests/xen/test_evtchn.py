"""Event channels standalone, over a tiny fake ``xen`` (counters, domains, deferred deliver)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen

from blkswap.xen.evtchn import DOMID_SELF, EventChannels, EvtchnError


@pytest.fixture
def xen() -> FakeXen:
    return FakeXen()


@pytest.fixture
def ev(xen: FakeXen) -> EventChannels:
    return EventChannels(xen)


def connect(ev: EventChannels, front: int = 1, back: int = 0) -> tuple[int, int]:
    fport = ev.alloc_unbound(front, back)
    bport = ev.bind_interdomain(back, front, fport)
    return fport, bport


def test_ports_start_at_one_and_are_per_domain(ev: EventChannels) -> None:
    assert [ev.alloc_unbound(1, 0) for _ in range(3)] == [1, 2, 3]
    assert ev.alloc_unbound(2, 0) == 1
    assert ev.ports(1) == [1, 2, 3]
    assert ev.status(1, 2) == "unbound"
    assert ev.status(1, 7) == "closed"


def test_lowest_free_port_is_reused(ev: EventChannels) -> None:
    for _ in range(3):
        ev.alloc_unbound(1, 0)
    ev.close(1, 2)
    assert ev.alloc_unbound(1, 0) == 2


def test_bind_interdomain_connects_both_ends(ev: EventChannels) -> None:
    fport, bport = connect(ev)
    assert ev.status(1, fport) == ev.status(0, bport) == "interdomain"
    assert ev.peer(1, fport) == (0, bport)
    assert ev.peer(0, bport) == (1, fport)
    assert ev.audit() == []


def test_send_delivers_deferred_to_peer_handler(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    xen.drain()  # the bind-time spurious pending has no handler yet: stays pending
    got: list[tuple[str, int]] = []
    ev.bind_handler(0, bport, lambda p: got.append(("back", p)))
    ev.bind_handler(1, fport, lambda p: got.append(("front", p)))
    xen.drain()
    assert got == [("back", bport)]  # XG bind_interdomain sets the binder's port pending
    got.clear()
    before = xen.counters.hypercalls
    ev.send(1, fport)
    assert got == []  # never synchronous
    assert xen.counters.evtchn_sends == 1 and xen.counters.hypercalls == before + 1
    xen.drain()
    assert got == [("back", bport)]
    ev.send(0, bport)
    xen.drain()
    assert got == [("back", bport), ("front", fport)]


def test_multiple_sends_before_delivery_coalesce(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    got: list[int] = []
    ev.bind_handler(0, bport, got.append)
    xen.drain()
    got.clear()
    for _ in range(5):
        ev.send(1, fport)
    assert xen.counters.evtchn_sends == 5
    assert len(xen.queue) == 1
    xen.drain()
    assert got == [bport]
    assert ev.coalesced == 4
    ev.send(1, fport)  # after the upcall cleared pending, a new send is a new upcall
    xen.drain()
    assert got == [bport, bport]


def test_masked_port_stays_pending_until_unmask(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    got: list[int] = []
    ev.bind_handler(0, bport, got.append)
    xen.drain()
    got.clear()
    ev.mask(0, bport)
    ev.send(1, fport)
    ev.send(1, fport)
    xen.drain()
    assert got == [] and ev.is_pending(0, bport)
    ev.unmask(0, bport)
    xen.drain()
    assert got == [bport] and not ev.is_pending(0, bport)


def test_mask_after_scheduling_suppresses_stale_delivery(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    got: list[int] = []
    ev.bind_handler(0, bport, got.append)
    xen.drain()
    got.clear()
    ev.send(1, fport)
    ev.mask(0, bport)
    xen.drain()
    assert got == []
    ev.unmask(0, bport)
    xen.drain()
    assert got == [bport]


def test_close_makes_peer_unbound_and_send_to_it_a_noop(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    got: list[int] = []
    ev.bind_handler(1, fport, got.append)
    ev.close(0, bport)
    assert ev.status(0, bport) == "closed"
    assert ev.status(1, fport) == "unbound"
    ev.send(1, fport)  # silent no-op, as Xen
    assert ev.dropped_sends == 1
    xen.drain()
    assert got == []
    with pytest.raises(EvtchnError) as exc:
        ev.send(0, bport)
    assert exc.value.errno_name == "EINVAL"
    # the closer may bind again to the surviving port
    bport2 = ev.bind_interdomain(0, 1, fport)
    assert ev.peer(1, fport) == (0, bport2)


def test_handler_called_with_its_port_and_handlers_can_send(
    xen: FakeXen, ev: EventChannels
) -> None:
    fport, bport = connect(ev)
    log: list[str] = []

    def back(port: int) -> None:
        log.append(f"back{port}")
        ev.send(0, port)  # respond from inside the upcall: no recursion, queued

    ev.bind_handler(0, bport, back)
    ev.bind_handler(1, fport, lambda p: log.append(f"front{p}"))
    xen.drain()
    assert log == [f"back{bport}", f"front{fport}"]


@pytest.mark.parametrize(
    ("call", "errno"),
    [
        (lambda ev: ev.alloc_unbound(9, 0), "ESRCH"),
        (lambda ev: ev.alloc_unbound(1, 9), "ESRCH"),
        (lambda ev: ev.bind_interdomain(0, 1, 5), "EINVAL"),
        (lambda ev: ev.bind_interdomain(0, 9, 1), "ESRCH"),
        (lambda ev: ev.send(1, 3), "EINVAL"),
        (lambda ev: ev.close(1, 3), "EINVAL"),
        (lambda ev: ev.status(1, 0), "EINVAL"),
        (lambda ev: ev.bind_handler(1, 3, print), "EINVAL"),
        (lambda ev: ev.mask(2, 1), "EINVAL"),
    ],
)
def test_errors(ev: EventChannels, call: Callable[[EventChannels], object], errno: str) -> None:
    with pytest.raises(EvtchnError) as exc:
        call(ev)
    assert exc.value.errno_name == errno
    assert errno in str(exc.value)


def test_bind_requires_port_unbound_for_this_domain(ev: EventChannels) -> None:
    port = ev.alloc_unbound(1, 2)  # offered to domain 2, not 0
    with pytest.raises(EvtchnError) as exc:
        ev.bind_interdomain(0, 1, port)
    assert exc.value.errno_name == "EINVAL"
    ev.bind_interdomain(2, 1, port)
    with pytest.raises(EvtchnError):  # already interdomain
        ev.bind_interdomain(2, 1, port)


def test_domid_self_and_loopback(xen: FakeXen, ev: EventChannels) -> None:
    a = ev.alloc_unbound(1, DOMID_SELF)
    b = ev.bind_interdomain(1, DOMID_SELF, a)
    got: list[int] = []
    ev.bind_handler(1, a, got.append)
    ev.send(1, b)
    xen.drain()
    assert got == [a]


def test_port_exhaustion_is_enospc(xen: FakeXen) -> None:
    ev = EventChannels(xen, max_ports=4)
    assert [ev.alloc_unbound(1, 0) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(EvtchnError) as exc:
        ev.alloc_unbound(1, 0)
    assert exc.value.errno_name == "ENOSPC"


def test_hypercall_counting(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)  # 2 hypercalls
    ev.bind_handler(0, bport, lambda p: None)  # kernel work, not a hypercall
    ev.mask(0, bport)
    ev.unmask(0, bport)
    ev.send(1, fport)
    ev.close(1, fport)
    assert xen.counters.hypercalls == 4
    assert xen.counters.evtchn_sends == 1


def test_close_all_and_audit_reports_vanished_domain(xen: FakeXen, ev: EventChannels) -> None:
    fport, bport = connect(ev)
    ev.alloc_unbound(1, 0)
    del xen.domains[1]
    problems = ev.audit()
    assert len(problems) == 1 and "domain 1 no longer exists" in problems[0]
    calls = xen.counters.hypercalls
    ev.domain_destroyed(1)
    assert xen.counters.hypercalls == calls  # Xen's own teardown, not a guest hypercall
    assert ev.ports(1) == []
    assert ev.status(0, bport) == "unbound"
    assert ev.close_all(1) == 0
    assert ev.audit() == []
