"""back/negotiate.py: every key the backend reads, parsed and range-checked without a hypervisor."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blkswap.back import datapaths
from blkswap.back.negotiate import (
    DEFAULT_PROTOCOL,
    BackendLimits,
    NegotiationError,
    choose_datapath,
    negotiate,
    parse_u32,
)

LIMITS = BackendLimits(max_queues=4, max_ring_page_order=4, max_indirect_segments=256)


def run(keys: dict[str, str], datapath: str = "map", **kw: object):
    return negotiate(keys.get, LIMITS, datapath, datapaths.CAPS, **kw)  # type: ignore[arg-type]


def base(**extra: str) -> dict[str, str]:
    return {"ring-ref": "8", "event-channel": "3", "protocol": "x86_64-abi", **extra}


def test_single_page_ring_defaults() -> None:
    got = run({"ring-ref": "8", "event-channel": "3"})
    assert got.protocol == DEFAULT_PROTOCOL == "x86_32-abi"  # LB BLKIF_PROTOCOL_DEFAULT
    assert got.ring_page_order is None and got.nr_pages == 1
    assert [(q.ring_refs, q.event_channel, q.dir) for q in got.queues] == [((8,), 3, "")]
    assert got.datapath == "map" and not got.fell_back and got.max_indirect_segments == 256


def test_multi_page_multi_queue_layout() -> None:
    keys = {"ring-page-order": "1", "multi-queue-num-queues": "2", "protocol": "x86_64-abi"}
    for q in range(2):
        keys |= {f"queue-{q}/ring-ref0": f"{10 + q}", f"queue-{q}/ring-ref1": f"{20 + q}"}
        keys[f"queue-{q}/event-channel"] = f"{5 + q}"
    got = run(keys)
    assert got.nr_pages == 2
    assert [(q.ring_refs, q.event_channel) for q in got.queues] == [((10, 20), 5), ((11, 21), 6)]


@pytest.mark.parametrize(
    ("asked", "features", "used"),
    [
        ("persistent", {"feature-persistent": "1"}, "persistent"),
        ("persistent", {"feature-persistent": "0"}, "map"),
        ("persistent", {"feature-persistent": "yes"}, "map"),  # xenbus_read_unsigned → 0
        ("persistent", {}, "map"),
        ("swap", {"feature-swap": "1"}, "swap"),
        ("swap", {"feature-swap": "-1"}, "copy"),
        ("transfer", {}, "copy"),
        ("transfer", {"feature-transfer": "2"}, "transfer"),  # non-zero = offered
        ("copy", {"feature-swap": "1"}, "copy"),
    ],
)
def test_datapath_falls_back_by_caps(asked: str, features: dict[str, str], used: str) -> None:
    got = run(base(**features), asked)
    assert got.datapath == used and got.fell_back == (asked != used)


def test_swap_caps_forbid_indirect() -> None:
    assert run(base(**{"feature-swap": "1"}), "swap").max_indirect_segments == 0
    assert run(base(), "swap").max_indirect_segments == 256  # fell back to copy: indirect ok
    assert run(base(), "copy", vbd_max_indirect=32).max_indirect_segments == 32


BAD_NUMBERS = ["x", "", "-1", "4294967296", "99999999999999999999", "0x10", "1.5", "١٢"]


@pytest.mark.parametrize("value", BAD_NUMBERS + [None])
@pytest.mark.parametrize("key", ["ring-ref", "event-channel"])
def test_bad_ring_keys_are_fatal_and_named(key: str, value: str | None) -> None:
    keys = base()
    if value is None:
        del keys[key]
    else:
        keys[key] = value
    with pytest.raises(NegotiationError) as err:
        run(keys)
    assert (err.value.key, err.value.value) == (key, value)
    assert key in str(err.value)


@pytest.mark.parametrize("value", ["0", "5", "4294967295"])
def test_queue_count_out_of_range_is_fatal(value: str) -> None:
    with pytest.raises(NegotiationError) as err:
        run(base(**{"multi-queue-num-queues": value}))
    assert err.value.key == "multi-queue-num-queues" and "1..4" in err.value.why


@pytest.mark.parametrize("value", ["x", "-2", "4294967296"])
def test_unreadable_queue_count_means_one(value: str) -> None:
    assert len(run(base(**{"multi-queue-num-queues": value})).queues) == 1


def test_ring_order_above_max_is_fatal_unreadable_means_single_page() -> None:
    with pytest.raises(NegotiationError) as err:
        run(base(**{"ring-page-order": "5"}))
    assert err.value.key == "ring-page-order"
    assert run(base(**{"ring-page-order": "two"})).ring_page_order is None
    with pytest.raises(NegotiationError) as err:  # order 1 needs ring-ref0/1, not ring-ref
        run(base(**{"ring-page-order": "1"}))
    assert err.value.key == "ring-ref0" and err.value.value is None


@pytest.mark.parametrize("value", ["x86_64", "native", "x86_64-abi\0", "../"])
def test_unknown_protocol_is_fatal(value: str) -> None:
    with pytest.raises(NegotiationError) as err:
        run(base(protocol=value))
    assert err.value.key == "protocol"


def test_protocol_read_like_scanf_s() -> None:
    assert run(base(protocol="  ")).protocol == DEFAULT_PROTOCOL  # nothing there: default
    assert run(base(protocol="x86_64-abi trailing")).protocol == "x86_64-abi"


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_parse_u32_round_trips(n: int) -> None:
    assert parse_u32(str(n)) == n and parse_u32(f" {n}\n") == n


@given(st.integers(min_value=2**32, max_value=2**80) | st.integers(max_value=-1))
def test_parse_u32_refuses_out_of_range(n: int) -> None:
    assert parse_u32(str(n)) is None


def test_fallback_chain_is_followed() -> None:
    assert choose_datapath("persistent", datapaths.CAPS, frozenset()) == "map"
    assert choose_datapath("persistent", datapaths.CAPS, frozenset({"persistent"})) == "persistent"
