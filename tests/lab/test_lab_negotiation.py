"""A frontend's bad xenstore keys fail its device alone, as Linux's xenbus_dev_fatal: an ``error``
node, Closing → Closed, everything mapped or bound for it released (the audit after every test
checks), and the backend keeps serving the other guests. Every key the backend reads is tried
with a bad value here (pure parsing is tests/back/test_negotiate.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lab_rig import DEVID, Rig, pattern

from blkswap.abi.xenbus import XenbusState
from blkswap.front.xenbus import FrontConfig

PROTOS = ("x86_64-abi", "x86_64-abi")


def reconnect_with(rig: Rig, edit: Callable[[Rig, str], None]) -> None:
    """Guest 0 reconnects and, just before it says Initialised, ``edit(rig, its fe dir)``."""
    front = rig.guest(0).front
    set_state = front._set_state

    def meddle(state: XenbusState) -> None:
        if state == XenbusState.Initialised:
            edit(rig, front.fe)
        set_state(state)

    front._set_state = meddle  # type: ignore[method-assign]
    front.reconnect()
    rig.pump()


def write(key: str, value: str | None) -> Callable[[Rig, str], None]:
    def edit(rig: Rig, fe: str) -> None:
        st = rig.guest(0).port.store
        if value is None:
            st.rm(f"{fe}/{key}")
        else:
            st.write(f"{fe}/{key}", value)

    return edit


def assert_failed_alone(rig: Rig, key: str) -> None:
    g0, g1 = rig.guest(0), rig.guest(1)
    be = f"/local/domain/0/backend/vbd/{g0.domid}/{DEVID}"
    st = rig.port0.store
    assert int(st.read(f"{be}/state")) == XenbusState.Closed
    assert key in st.read(f"{be}/error")
    assert rig.back.vbd(g0.domid, DEVID) is None  # rings unmapped, ports closed
    assert not g0.front.connected
    data = pattern(8192, 7)  # the other guest is still served
    rig.write(g1, 16, data)
    assert rig.read(g1, 16, 8192)[1] == data


BAD = ["x", "-1", "4294967296", ""]


@pytest.mark.parametrize("value", [*BAD, "4000", None])  # 4000: a gref nobody granted
def test_bad_ring_ref(value: str | None) -> None:
    rig = Rig("map", PROTOS)
    reconnect_with(rig, write("ring-ref", value))
    assert_failed_alone(rig, "ring-ref")


@pytest.mark.parametrize("value", [*BAD, "999", None])  # 999: an unallocated port
def test_bad_event_channel(value: str | None) -> None:
    rig = Rig("copy", PROTOS)
    reconnect_with(rig, write("event-channel", value))
    assert_failed_alone(rig, "event-channel")


def test_event_channel_bound_for_another_domain() -> None:
    rig = Rig("copy", PROTOS)

    def foreign(rig: Rig, fe: str) -> None:
        g0, g1 = rig.guest(0), rig.guest(1)
        port = g0.port.evtchn_alloc_unbound(g1.domid)  # offered to guest 1, not to dom0
        g0.port.store.write(f"{fe}/event-channel", str(port))

    reconnect_with(rig, foreign)
    assert_failed_alone(rig, "event-channel")


@pytest.mark.parametrize("value", ["0", "3", "4294967295"])
def test_bad_queue_count(value: str) -> None:
    rig = Rig("map", PROTOS)  # dom0 has 2 vCPUs: multi-queue-max-queues = 2
    reconnect_with(rig, write("multi-queue-num-queues", value))
    assert_failed_alone(rig, "multi-queue-num-queues")


def test_ring_order_above_max() -> None:
    rig = Rig("map", PROTOS)
    reconnect_with(rig, write("ring-page-order", "5"))
    assert_failed_alone(rig, "ring-page-order")


@pytest.mark.parametrize("value", ["x86_16-abi", "native"])
def test_unknown_protocol(value: str) -> None:
    rig = Rig("map", PROTOS)
    reconnect_with(rig, write("protocol", value))
    assert_failed_alone(rig, "protocol")


def test_second_queue_bad_releases_the_first() -> None:
    rig = Rig("map", PROTOS, front_config=FrontConfig(queues=2))
    assert len(rig.back.vbd(rig.guest(0).domid, DEVID).rings) == 2
    reconnect_with(rig, write("queue-1/ring-ref", "4000"))
    assert_failed_alone(rig, "queue-1/ring-ref")


def test_frontend_removing_its_directory_is_disconnected() -> None:
    """LB frontend_changed(XenbusStateUnknown): the device goes away, its mappings with it."""
    rig = Rig("persistent", PROTOS)
    g0 = rig.guest(0)
    rig.write(g0, 0, pattern(4096, 1))  # persistent grants now mapped in dom0
    assert rig.back.vbd(g0.domid, DEVID).rings[0].datapath.grants
    g0.port.store.rm(g0.front.fe)
    rig.pump()
    assert rig.back.vbd(g0.domid, DEVID) is None
    be = f"/local/domain/0/backend/vbd/{g0.domid}/{DEVID}"
    assert int(rig.port0.store.read(f"{be}/state")) == XenbusState.Closed
    g1 = rig.guest(1)
    rig.write(g1, 8, pattern(4096, 2))
    assert rig.read(g1, 8, 4096)[1] == pattern(4096, 2)
