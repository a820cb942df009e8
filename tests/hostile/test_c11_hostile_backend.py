"""Catalog C11: a hostile backend's xenstore values against blkfront (LF talk_to_blkback,
blkfront_connect): limits above the frontend's are clamped to its own; a disk description it
cannot use fails the device (an ``error`` node, Closing) and its I/O fails at once, never
hangs; no exception escapes; the other guest is unaffected."""

from __future__ import annotations

import pytest
from lab_rig import Rig, pattern

from blkswap.front.xenbus import FrontConfig

CLAMPED = [("max-ring-page-order", "31"), ("max-ring-page-order", "-1"),
           ("multi-queue-max-queues", "4294967295"), ("multi-queue-max-queues", "-3"),
           ("feature-max-indirect-segments", "4294967295"), ("feature-persistent", "junk"),
           ("sectors", "18446744073709551615")]  # fmt: skip
REFUSED = [("sectors", "x"), ("sectors", "99999999999999999999999"), ("sectors", "0"),
           ("sector-size", "0"), ("sector-size", "3"), ("sector-size", "-512"),
           ("sector-size", "1024x"), ("sector-size", "8192"), ("sector-size", "1536")]  # fmt: skip


def hostile_backend(rig: Rig, key: str, value: str) -> None:
    """Guest 0 reconnects; dom0 rewrites ``key`` just before the frontend reads it."""
    front = rig.guest(0).front
    talk, connect = front._talk_to_backend, front._connect

    def meddle(then):
        def run():
            rig.port0.store.write(f"{front.be}/{key}", value)
            then()

        return run

    front._talk_to_backend, front._connect = meddle(talk), meddle(connect)  # type: ignore[method-assign]
    front.reconnect()
    rig.pump()


@pytest.mark.row("C11")
@pytest.mark.parametrize(("key", "value"), CLAMPED, ids=[f"{k}={v}" for k, v in CLAMPED])
def test_values_above_the_frontends_own_limits_are_clamped(key, value):
    cfg = FrontConfig(ring_page_order=1, queues=2, max_indirect_segments=32)
    rig = Rig("map", ("x86_64-abi", "x86_64-abi"), front_config=cfg)
    hostile_backend(rig, key, value)
    g = rig.guest(0)
    assert g.front.connected and len(g.front.queues) <= 2
    assert g.front.negotiated["ring_page_order"] <= 1
    data = pattern(64 * 1024, 3)
    assert rig.write(g, 8, data).status == 0 and rig.read(g, 8, len(data))[1] == data


@pytest.mark.row("C11", "D6")
@pytest.mark.parametrize(("key", "value"), REFUSED, ids=[f"{k}={v}" for k, v in REFUSED])
def test_a_disk_the_frontend_cannot_use_fails_it_without_hanging(key, value):
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"))
    hostile_backend(rig, key, value)
    g = rig.guest(0)
    assert not g.front.connected and g.front.dead
    assert key in g.port.store.read(f"{g.front.fe}/error")
    w = rig.write(g, 8, pattern(4096, 1))
    assert w.status == -1 and g.done.count(w) == 1  # fails at once, exactly once
    other = rig.guest(1)
    assert rig.write(other, 8, pattern(4096, 2)).status == 0
    assert rig.read(other, 8, 4096)[1] == pattern(4096, 2)
    assert rig.xen.audit() == []
