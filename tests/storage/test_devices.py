"""Device timing models: arithmetic, monotonicity, presets, overrides, errors."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from blkswap.storage.devices import DEVICE_MODELS, OPS, DeviceModel, device_model

NAMES = ["null", "ram", "nvme", "ssd", "hdd", "net"]


def test_presets_present() -> None:
    assert sorted(DEVICE_MODELS) == sorted(NAMES)
    for name, m in DEVICE_MODELS.items():
        assert m.name == name


@pytest.mark.parametrize("name", NAMES)
@given(a=hs.integers(0, 1 << 24), b=hs.integers(0, 1 << 24), seq=hs.booleans())
def test_service_time_monotonic_in_bytes(name: str, a: int, b: int, seq: bool) -> None:
    m = DEVICE_MODELS[name]
    lo, hi = sorted((a, b))
    for op in ("read", "write"):
        assert m.service_ns(op, lo, seq) <= m.service_ns(op, hi, seq)


def test_transfer_follows_bandwidth() -> None:
    m = DeviceModel("t", bandwidth_Bps=1_000_000_000, read_latency_ns=7, per_op_overhead_ns=3)
    assert m.service_ns("read", 4096, sequential=True) == 3 + 7 + 4096
    assert m.transfer_ns("read", 1) == 1
    assert m.transfer_ns("flush", 4096) == 0


def test_hdd_random_slower_than_sequential() -> None:
    hdd = DEVICE_MODELS["hdd"]
    for op in ("read", "write"):
        assert (
            hdd.service_ns(op, 4096, sequential=False) - hdd.service_ns(op, 4096, sequential=True)
            == hdd.seek_ns
        )
    assert hdd.seek_ns > 1_000_000
    # ~80 random 4 KiB IOPS at QD1 for a 7200 rpm disk
    assert 50 < 1e9 / hdd.service_ns("read", 4096) < 150


@pytest.mark.parametrize("name", ["null", "ram", "nvme", "ssd", "net"])
def test_no_seek_penalty_off_disk(name: str) -> None:
    m = DEVICE_MODELS[name]
    assert m.service_ns("read", 4096, False) == m.service_ns("read", 4096, True)


def test_relative_speeds_of_presets() -> None:
    t = {n: DEVICE_MODELS[n].service_ns("read", 4096) for n in NAMES}
    assert t["null"] < t["ram"] < t["nvme"] < t["ssd"] < t["hdd"]
    assert t["nvme"] < t["net"] < t["hdd"]


def test_queue_depths() -> None:
    q = {n: DEVICE_MODELS[n].queue_depth for n in NAMES}
    assert q["nvme"] == 1023 and q["ssd"] == 32 and q["hdd"] == 32 and q["null"] == 64
    assert DEVICE_MODELS["hdd"].service_slots == 1
    for m in DEVICE_MODELS.values():
        assert 1 <= m.service_slots <= m.queue_depth


def test_network_model_counts_rtt_and_framing() -> None:
    net = DEVICE_MODELS["net"]
    assert net.is_network and not DEVICE_MODELS["ssd"].is_network
    assert net.latency_ns("read") >= net.rtt_ns
    one_seg, two_seg = net.wire_bytes(net.mss), net.wire_bytes(net.mss + 1)
    assert one_seg == net.mss + net.frame_overhead_bytes
    assert two_seg == net.mss + 1 + 2 * net.frame_overhead_bytes
    # 1 MiB over 10GbE takes longer than 1 MiB / 1.25 GB/s (headers)
    assert net.transfer_ns("write", 1 << 20) > (1 << 20) * 1e9 / net.link_Bps
    assert net.retransmit_hold_ns > 0
    assert DEVICE_MODELS["nvme"].retransmit_hold_ns == 0


def test_flush_and_discard() -> None:
    for m in DEVICE_MODELS.values():
        assert m.service_ns("flush", 0) == m.per_op_overhead_ns + m.flush_latency_ns + m.rtt_ns
        assert m.service_ns("discard", 1 << 20) == m.latency_ns("discard")


def test_device_model_overrides() -> None:
    m = device_model("nvme", read_latency_ns=80_000)
    assert m.read_latency_ns == 80_000
    assert DEVICE_MODELS["nvme"].read_latency_ns == 10_000  # presets unchanged
    assert m.service_ns("read", 4096) - DEVICE_MODELS["nvme"].service_ns("read", 4096) == 70_000


def test_unknown_device_lists_valid_names() -> None:
    with pytest.raises(ValueError) as exc:
        device_model("floppy")
    for n in NAMES:
        assert n in str(exc.value)
    with pytest.raises(ValueError, match="read_latency_ns"):
        device_model("ssd", read_latency=1)


@pytest.mark.parametrize(
    "kw",
    [
        {"queue_depth": 0},
        {"service_slots": 64},  # > queue_depth 32
        {"read_latency_ns": -1},
        {"bandwidth_Bps": 0},
        {"mss": 1448},  # without link_Bps
    ],
)
def test_invalid_models_rejected(kw: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        device_model("ssd", **kw)


def test_bad_op_and_bytes() -> None:
    m = DEVICE_MODELS["ssd"]
    with pytest.raises(ValueError, match="read, write, flush, discard"):
        m.service_ns("trim", 0)
    with pytest.raises(ValueError, match="nbytes"):
        m.service_ns("read", -1)
    assert set(OPS) == {"read", "write", "flush", "discard"}


def test_models_are_frozen_and_presets_read_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEVICE_MODELS["ssd"].queue_depth = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEVICE_MODELS["x"] = DEVICE_MODELS["ssd"]  # type: ignore[index]
