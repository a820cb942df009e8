"""Catalog C10: every xenstore key the backend reads, with hostile values, on every data path.

The frontend reconnects and, just before it says Initialised, rewrites one of its keys. The
device must fail alone (Linux xenbus_dev_fatal): an ``error`` node naming the key, state Closed,
nothing of it mapped or bound (the audit after every test checks), and the other guest served.
Keys a path does not need (feature flags) only change which path is used; junk there is 0."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, Rig, pattern
from test_lab_negotiation import assert_failed_alone, reconnect_with, write

from blkswap.front.xenbus import FrontConfig

PATHS = ["map", "copy", "swap", "persistent", "transfer"]
TWO = ("x86_64-abi", "x86_64-abi")
JUNK = ["x", "-1", "4294967296", "", " 12abc", "0x10", "1e3", "１２", "99999999999999999999"]
CASES = (
    [("ring-ref", v) for v in [*JUNK, "4000", None]]
    + [("event-channel", v) for v in [*JUNK, "999", "0", None]]
    + [("multi-queue-num-queues", v) for v in ["0", "3", "4294967295"]]
    + [("ring-page-order", v) for v in ["5", "31", "4294967295"]]
    + [("protocol", v) for v in ["x86_16-abi", "native", "x86_64-abi-but-longer", "\x00"]]
)


@pytest.mark.row("C10")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("key", "value"), CASES, ids=[f"{k}={v!r}" for k, v in CASES])
def test_a_bad_key_fails_that_device_alone(path, key, value):
    rig = Rig(path, TWO)
    reconnect_with(rig, write(key, value))
    assert_failed_alone(rig, key)


@pytest.mark.row("C10")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("key", ["queue-0/ring-ref", "queue-1/event-channel", "ring-ref1"])
def test_bad_keys_of_a_second_queue_or_page_release_the_first(path, key):
    """Two queues (or a two-page ring): the first one maps, the second's key is bad; everything
    of the first is released again."""
    cfg = FrontConfig(ring_page_order=1) if key == "ring-ref1" else FrontConfig(queues=2)
    rig = Rig(path, TWO, front_config=lambda i: cfg if i == 0 else FrontConfig())
    reconnect_with(rig, write(key, "4000"))
    assert_failed_alone(rig, key)


@pytest.mark.row("C10")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("feature", ["persistent", "swap", "transfer"])
@pytest.mark.parametrize("value", ["x", "-1", "", "4294967296"])
def test_junk_in_a_feature_flag_means_not_offered(path, feature, value):
    """``feature-*`` junk reads as 0 (xenbus_read_unsigned): the device connects, on the
    configured path or its fallback, and works. A frontend that junks the flag of the mode it
    goes on using hurts only itself: its requests may fail, nobody else's."""
    rig = Rig(path, TWO)
    reconnect_with(rig, write(f"feature-{feature}", value))
    g = rig.guest(0)
    vbd = rig.back.vbd(g.domid, DEVID)
    assert vbd is not None and g.front.connected
    assert feature not in vbd.negotiated.frontend_features
    data = pattern(8192, 9)
    w = rig.write(g, 8, data)
    if feature == path:  # the frontend still works in that mode; the backend fell back
        assert w.status in (0, -1) and g.done.count(w) == 1
    else:
        assert w.status == 0 and rig.read(g, 8, 8192)[1] == data
    other = rig.guest(1)
    assert rig.write(other, 8, data).status == 0 and rig.read(other, 8, 8192)[1] == data
