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


# --- values found by mutation testing (tools/mutation.py) ----------------------------------------


def test_errors_say_what_was_wrong_with_which_value() -> None:
    keys = base()
    del keys["ring-ref"]
    with pytest.raises(NegotiationError) as err:
        run(keys)
    assert str(err.value) == "ring-ref = absent: missing" and err.value.why == "missing"
    with pytest.raises(NegotiationError) as err:
        run(base(**{"event-channel": "z" * 40}))
    assert str(err.value) == f"event-channel = {'z' * 32!r}: not a decimal number in 0..2^32-1"
    with pytest.raises(NegotiationError) as err:
        run(base(**{"multi-queue-num-queues": "5"}))
    assert str(err.value) == "multi-queue-num-queues = '5': must be 1..4 (multi-queue-max-queues)"
    with pytest.raises(NegotiationError) as err:
        run(base(**{"ring-page-order": "5"}))
    assert str(err.value) == "ring-page-order = '5': above max-ring-page-order 4"
    with pytest.raises(NegotiationError) as err:
        run(base(protocol="arm"))
    assert str(err.value) == "protocol = 'arm': not one of x86_64-abi, x86_32-abi"


def test_limits_edges_are_accepted() -> None:
    """4 queues of max 4 and order 4 of max 4 are fine; u32 max is a number."""
    keys = {"multi-queue-num-queues": "4", "ring-page-order": "4", "protocol": "x86_64-abi"}
    for q in range(4):
        keys |= {f"queue-{q}/ring-ref{i}": str(100 * q + i) for i in range(16)}
        keys[f"queue-{q}/event-channel"] = str(q + 1)
    got = run(keys)
    assert len(got.queues) == 4 and got.nr_pages == 16 and got.ring_page_order == 4
    assert got.queues[3].ring_refs == tuple(range(300, 316)) and got.queues[3].dir == "queue-3/"
    assert run(base(**{"ring-page-order": "0", "ring-ref0": "9"})).nr_pages == 1
    assert parse_u32("4294967295") == 2**32 - 1 and parse_u32("4294967296") is None
    assert parse_u32(" 7") == 7 and parse_u32(None) is None and parse_u32("٣") is None
    assert BackendLimits(max_queues=1) == BackendLimits(1, 4, 256)


def test_features_are_offered_only_by_non_zero_numbers() -> None:
    got = run(base(**{"feature-persistent": "1", "feature-swap": "0", "feature-transfer": "x"}))
    assert got.frontend_features == frozenset({"persistent"})
    assert run(base(**{"feature-swap": "3"})).frontend_features == frozenset({"swap"})


def test_the_protocol_word_may_be_surrounded_by_blanks() -> None:
    assert run(base(protocol="\tx86_64-abi\n")).protocol == "x86_64-abi"


def test_a_fallback_loop_is_refused_by_name() -> None:
    from blkswap.back.caps import Caps

    caps = {
        "a": Caps(frontend_feature="fa", fallback="b"),
        "b": Caps(frontend_feature="fb", fallback="a"),
    }
    with pytest.raises(ValueError, match="data path fallbacks loop at 'a'"):
        choose_datapath("a", caps, frozenset())
    assert choose_datapath("a", caps, frozenset({"fb"})) == "b"
    assert choose_datapath("a", caps, frozenset({"fa"})) == "a"


def test_indirect_is_capped_by_the_path_and_the_vbd() -> None:
    assert (
        run(base(**{"feature-swap": "1"}), "swap", vbd_max_indirect=64).max_indirect_segments == 0
    )
    assert run(base(), "copy", vbd_max_indirect=0).max_indirect_segments == 0
    assert run(base(), "map", vbd_max_indirect=300).max_indirect_segments == 300
