"""Event-channel values at the edges (evtchn.py mutation survivors): DOMID_SELF and the port range,
per-domain counters of the real host, remote_port 0 while unbound, bindings refused for another
domain (domids above 256: identity is not equality), loopback onto a lower port, spurious upcalls
never scheduled, and the audit of hand-broken bindings."""

from __future__ import annotations

import pytest
from fake_xen import FakeXen

from blkswap.xen import Xen
from blkswap.xen.evtchn import EventChannels, EvtchnError


def errno_of(call) -> str:
    with pytest.raises(EvtchnError) as info:
        call()
    return info.value.errno_name


def test_domid_self_is_0x7ff0_and_its_neighbours_are_unknown_domains():
    ev = EventChannels(FakeXen())
    self_id = int("7ff0", 16)  # a fresh int object, not the module's constant
    port = ev.alloc_unbound(1, self_id)
    assert ev.peer(1, port) == (1, 0)
    assert ev.bind_interdomain(1, self_id, port) == port + 1
    for other in (0x7FEF, 0x7FF1, 0x7FF2):
        assert errno_of(lambda o=other: ev.alloc_unbound(1, o)) == "ESRCH"


def test_2l_port_range_is_1_to_4095():
    ev = EventChannels(FakeXen())
    assert ev.max_ports == 4096
    assert ev.status(0, 4095) == "closed" and ev.status(0, 1) == "closed"
    for bad in (-1, 0, 4096, 5000):
        assert errno_of(lambda b=bad: ev.status(0, b)) == "EINVAL"
    small = EventChannels(FakeXen(), max_ports=3)
    assert [small.alloc_unbound(0, 1) for _ in range(2)] == [1, 2]
    assert errno_of(lambda: small.alloc_unbound(0, 1)) == "ENOSPC"


def test_max_ports_is_keyword_only():
    assert EventChannels(FakeXen(), max_ports=8).max_ports == 8
    with pytest.raises(TypeError):
        EventChannels(FakeXen(), 8)  # type: ignore[misc]


def test_unbound_ports_have_remote_port_0_also_after_the_peer_closes():
    xen = FakeXen()
    ev = EventChannels(xen)
    assert ev.upcalls == 0 and ev.coalesced == 0 and ev.dropped_sends == 0
    fport = ev.alloc_unbound(1, 0)
    assert ev.peer(1, fport) == (0, 0)
    bport = ev.bind_interdomain(0, 1, fport)
    ev.close(0, bport)
    assert ev.peer(1, fport) == (0, 0) and ev.status(1, fport) == "unbound"
    assert ev.bind_interdomain(0, 1, fport) == bport  # the closer may bind again
    assert ev.audit() == []


def test_each_op_counts_one_hypercall_and_one_send_on_the_calling_domain():
    xen = Xen(frames=256)
    d0, d1 = xen.create_domain(pages=4), xen.create_domain(pages=4)
    ev = xen.evtchn
    fport = ev.alloc_unbound(1, 0)
    bport = ev.bind_interdomain(0, 1, fport)
    ev.send(0, bport)
    ev.send(0, bport)
    ev.send(1, fport)
    assert (d0.counters.hypercalls, d1.counters.hypercalls) == (3, 2)
    assert (d0.counters.evtchn_sends, d1.counters.evtchn_sends) == (2, 1)
    assert (xen.counters.hypercalls, xen.counters.evtchn_sends) == (5, 3)
    ev.close(1, fport)
    assert d1.counters.hypercalls == 3 and d0.counters.hypercalls == 3


def test_a_port_unbound_for_another_domain_cannot_be_bound():
    ev = EventChannels(FakeXen(domids=(300, 301, 302)))
    port = ev.alloc_unbound(300, 301)  # offered to 301
    assert errno_of(lambda: ev.bind_interdomain(302, 300, port)) == "EINVAL"  # 302 > 301
    low = ev.alloc_unbound(300, 302)  # offered to 302
    assert errno_of(lambda: ev.bind_interdomain(301, 300, low)) == "EINVAL"  # 301 < 302
    me = int("301")  # the binder's domid as read from xenstore: another int object
    assert ev.bind_interdomain(me, int("300"), port) == 1
    assert ev.peer(300, port) == (301, 1) and ev.audit() == []


def test_loopback_may_bind_a_higher_own_port():
    xen = FakeXen()
    ev = EventChannels(xen)
    p1, p2 = ev.alloc_unbound(1, 1), ev.alloc_unbound(1, 1)
    ev.close(1, p1)
    got = []
    assert ev.bind_interdomain(1, 1, p2) == 1  # the free port 1 binds to own port 2
    assert ev.peer(1, 1) == (1, 2) and ev.peer(1, 2) == (1, 1)
    assert xen.drain() == 1 and ev.upcalls == 0  # port 1's spurious upcall: no handler yet
    ev.bind_handler(1, 2, got.append)
    ev.send(1, 1)
    assert xen.drain() == 1 and got == [2] and ev.upcalls == 1


def test_binding_a_handler_to_a_quiet_port_schedules_nothing():
    xen = FakeXen()
    ev = EventChannels(xen)
    fport = ev.alloc_unbound(1, 0)
    ev.bind_interdomain(0, 1, fport)  # marks the *binder's* port pending, not fport
    assert xen.drain() == 1 and ev.upcalls == 0  # (no handler on the binder's port)
    ev.bind_handler(1, fport, lambda p: None)
    assert xen.queue == []
    ev.mask(1, fport)
    ev.bind_handler(1, fport, lambda p: None)
    assert xen.queue == []


def test_upcalls_count_one_per_handler_run():
    xen = FakeXen()
    ev = EventChannels(xen)
    fport = ev.alloc_unbound(1, 0)
    bport = ev.bind_interdomain(0, 1, fport)
    ev.bind_handler(0, bport, lambda p: None)
    ev.bind_handler(1, fport, lambda p: None)
    xen.drain()
    assert ev.upcalls == 1  # the binder's spurious one
    for _ in range(3):
        ev.send(0, bport)
        xen.drain()
    assert ev.upcalls == 4


def test_audit_finds_bindings_that_do_not_point_back():
    ev = EventChannels(FakeXen())
    ev.alloc_unbound(1, 0)  # port 1 unbound: skipped, the ports after it still checked
    fport = ev.alloc_unbound(1, 0)
    bport = ev.bind_interdomain(0, 1, fport)
    assert ev.audit() == []
    ev._ports[1][fport].remote_port = 5  # (1, 2) -> (0, 5): unallocated, and (0, 1) < (0, 5)
    assert ev.audit() == [
        f"domain 0 port {bport} bound to domain 1 port {fport}, which does not point back",
        f"domain 1 port {fport} bound to domain 0 port 5, which does not point back",
    ]
    ev._ports[1][fport].remote_port = bport
    assert ev.audit() == []
    third = ev.alloc_unbound(1, 0)
    ev._ports[1][third].state, ev._ports[1][third].remote_port = "interdomain", bport
    # (1, 3) -> (0, 1), whose peer is (1, 2): a lower tuple than (1, 3)
    assert ev.audit() == [
        f"domain 1 port {third} bound to domain 0 port {bport}, which does not point back"
    ]
