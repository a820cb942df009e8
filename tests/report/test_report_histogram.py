"""fio's log-linear histogram: index/value mapping, percentiles, bins, merge, moments."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.report.histogram import (
    FIO_IO_U_PLAT_NR,
    LatencyHistogram,
    plat_idx_to_val,
    plat_val_to_idx,
)


def test_plat_geometry_matches_fio_constants() -> None:
    assert FIO_IO_U_PLAT_NR == 29 * 64 == 1856


@pytest.mark.parametrize("val", [0, 1, 2, 63, 64, 65, 100, 127])
def test_values_below_128_are_their_own_bucket(val: int) -> None:
    assert plat_val_to_idx(val) == val
    assert plat_idx_to_val(val) == val


@pytest.mark.parametrize("msb", range(7, 34))
def test_group_edges(msb: int) -> None:
    # A value with most significant bit m drops m-6 low bits; its group starts at (m-5)*64.
    first, last = 1 << msb, (1 << (msb + 1)) - 1
    assert plat_val_to_idx(first) == (msb - 5) * 64
    assert plat_val_to_idx(last) == (msb - 5) * 64 + 63
    below = (msb - 6) * 64 + 63 if msb > 7 else 127  # the last bucket of the previous group
    assert plat_val_to_idx(first - 1) == below


def test_known_bucket_values() -> None:
    # bucket 128 covers 128..129 (midpoint 128.5 -> fio prints 129); 191 covers 254..255.
    assert (plat_val_to_idx(128), plat_val_to_idx(129), plat_val_to_idx(130)) == (128, 128, 129)
    assert plat_idx_to_val(128) == 129
    assert plat_idx_to_val(191) == 255
    assert plat_idx_to_val(192) == 256 + 2
    # 50016 ns: msb 15, 9 error bits, offset 33 -> 32768 + 33*512 + 256
    assert plat_idx_to_val(plat_val_to_idx(50016)) == 49920


def test_values_past_the_last_group_clamp() -> None:
    assert plat_val_to_idx(1 << 34) == FIO_IO_U_PLAT_NR - 1
    assert plat_val_to_idx(10**15) == FIO_IO_U_PLAT_NR - 1
    h = LatencyHistogram()
    h.add(10**15)
    h.add_many(np.array([10**15, 1 << 50], dtype=np.int64))
    assert h.counts[-1] == 3


def test_every_index_round_trips_and_values_increase() -> None:
    vals = [plat_idx_to_val(i) for i in range(FIO_IO_U_PLAT_NR)]
    assert all(a < b for a, b in zip(vals, vals[1:], strict=False))
    assert all(plat_val_to_idx(v) == i for i, v in enumerate(vals))


@given(st.integers(min_value=128, max_value=(1 << 34) - 1))
def test_quantisation_error_at_most_one_128th(val: int) -> None:
    rep = plat_idx_to_val(plat_val_to_idx(val))
    assert abs(rep - val) <= val / 128


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="latency"):
        plat_val_to_idx(-1)
    with pytest.raises(ValueError, match="index"):
        plat_idx_to_val(FIO_IO_U_PLAT_NR)
    h = LatencyHistogram()
    with pytest.raises(ValueError, match="latency"):
        h.add(-5)
    with pytest.raises(TypeError, match="integer"):
        h.add_many(np.array([1.5]))
    with pytest.raises(ValueError, match="at most 20"):
        h.percentiles([1.0] * 21)
    for bad in (0.0, 100.5, float("nan")):
        with pytest.raises(ValueError, match="percentile"):
            h.percentiles([bad])


def test_uniform_1_to_10000() -> None:
    h = LatencyHistogram()
    for v in range(1, 10001):
        h.add(v)
    # p1: 100th sample = 100 (exact region); p50: 5000th = 5000 -> bucket 4992..5055, value
    # 4096 + 14*64 + 32; p99: 9900th = 9900 -> bucket 9856..9983, value 8192 + 13*128 + 64.
    assert h.percentiles([1.0, 50.0, 99.0]) == {
        "1.000000": 100,
        "50.000000": 5024,
        "99.000000": 9920,
    }
    assert h.n == 10000 and h.min == 1 and h.max == 10000
    assert h.mean == 5000.5
    assert math.isclose(h.stddev, statistics.stdev(range(1, 10001)), rel_tol=1e-12)


def _reference_percentile(values: list[int], p: float) -> int:
    """Independent reference: the bucket of the ceil(p/100*N)-th smallest sample."""
    ordered = sorted(values)
    k = max(1, math.ceil(p / 100 * len(ordered)))
    return plat_idx_to_val(plat_val_to_idx(ordered[k - 1]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=50_000_000), min_size=1, max_size=300),
    st.lists(
        st.sampled_from([1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.5, 100.0]),
        min_size=1,
        max_size=5,
        unique=True,
    ),
)
def test_percentiles_match_sorted_reference(values: list[int], plist: list[float]) -> None:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    got = h.percentiles(plist)
    assert list(got) == [f"{p:f}" for p in sorted(plist)]
    for p in plist:
        assert got[f"{p:f}"] == _reference_percentile(values, p)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=(1 << 41)), min_size=0, max_size=200))
def test_add_many_equals_add(values: list[int]) -> None:
    one, many = LatencyHistogram(), LatencyHistogram()
    for v in values:
        one.add(v)
    many.add_many(np.array(values, dtype=np.int64))
    assert many.counts == one.counts
    assert (many.n, many.min, many.max) == (one.n, one.min, one.max)
    assert many.mean == one.mean and many.stddev == one.stddev


def test_merge_equals_adding_everything() -> None:
    a, b, both = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for v in range(0, 3000, 7):
        a.add(v)
        both.add(v)
    for v in range(100_000, 9_000_000, 12_345):
        b.add(v)
        both.add(v)
    a.merge(b)
    assert a.counts == both.counts
    assert (a.n, a.min, a.max, a.mean, a.stddev) == (
        both.n,
        both.min,
        both.max,
        both.mean,
        both.stddev,
    )
    empty = LatencyHistogram()
    empty.merge(LatencyHistogram())
    assert empty.n == 0 and empty.min == 0
    empty.merge(b)
    assert empty.min == b.min and empty.n == b.n
    with pytest.raises(TypeError, match="LatencyHistogram"):
        a.merge([1, 2])  # type: ignore[arg-type]


def test_bins_are_nonzero_buckets_keyed_by_value() -> None:
    h = LatencyHistogram()
    h.add_many(np.array([5, 5, 129, 50016, 50017, 1_000_000], dtype=np.int64))
    assert h.bins() == {
        "5": 2,
        "129": 1,
        "49920": 2,
        str(plat_idx_to_val(plat_val_to_idx(1_000_000))): 1,
    }
    assert sum(h.bins().values()) == h.n
    assert LatencyHistogram().bins() == {}
    assert LatencyHistogram().percentiles([50.0]) == {}


def test_moments_of_small_samples() -> None:
    h = LatencyHistogram()
    assert (h.mean, h.stddev) == (0.0, 0.0)
    h.add(10)
    assert (h.mean, h.stddev) == (10.0, 0.0)  # fio: stddev 0 for one sample
    h.add(20)
    assert h.stddev == pytest.approx(math.sqrt(50.0))  # sample (n-1) deviation
