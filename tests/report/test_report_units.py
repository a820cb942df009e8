"""fio number formatting (num2str), eta strings, percentile precision, bucket tables."""

from __future__ import annotations

from bisect import bisect_right

import pytest

from blkswap.report.model import DEFAULT_PERCENTILES
from blkswap.report.units import (
    LAT_BOUNDS_NS,
    N2S,
    batch_distribution,
    depth_distribution,
    eta_to_str,
    num2str,
    percentile_precision,
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # from the fio-3.42 capture: BW=14.1MiB/s (14.8MB/s)(141MiB/...), io=141MiB (148MB)
        ((14758291, 4, 1, True, N2S.BYTEPERSEC), "14.1MiB/s"),
        ((14758291, 4, 1, False, N2S.BYTEPERSEC), "14.8MB/s"),
        ((147656704, 4, 1, True, N2S.BYTE), "141MiB"),
        ((147656704, 4, 1, False, N2S.BYTE), "148MB"),
        ((3600, 4, 1, False, N2S.NONE), "3600"),
        ((5509853, 6, 1, False, N2S.NONE), "5509.9k"),  # slat max=5509.9k
        ((4096, 4, 1, True, N2S.BYTE), "4096B"),
        ((31500, 4, 1, False, N2S.NONE), "31.5k"),  # progress line r=31.5k
        ((125952, 4, 1024, True, N2S.BYTEPERSEC), "123MiB/s"),  # KiB/s input, base 1024
        ((0, 4, 1, True, N2S.BYTE), "0B"),
        ((1048575, 4, 1, True, N2S.BYTE), "1024KiB"),  # no room for decimals: round half up
        ((99 * 1024 + 1000, 4, 1, True, N2S.BYTE), "100.0KiB"),  # .977 rounds to 1.0: carry
        ((1000, 4, 1, False, N2S.BIT), "8000bit"),
    ],
)
def test_num2str(args: tuple, expected: str) -> None:
    assert num2str(*args) == expected


def test_num2str_rejects_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        num2str(-1)


@pytest.mark.parametrize(
    ("secs", "text"),
    [
        (11, "00m:11s"),
        (3456, "57m:36s"),
        (5 * 3600 + 7, "05h:00m:07s"),
        (2 * 86400, "02d:00h:00m:00s"),
        (None, "--"),
        (-1, "--"),
    ],
)
def test_eta_to_str(secs: int | None, text: str) -> None:
    assert eta_to_str(secs) == text


def test_percentile_precision() -> None:
    assert percentile_precision(DEFAULT_PERCENTILES) == 2
    assert percentile_precision([50.0, 99.0]) == 0
    assert percentile_precision([99.9]) == 1


def test_latency_bucket_boundaries() -> None:
    # key "2" (ns) holds [0, 2); 1000 ns is the first usec bucket; >= 2000 ms is the last.
    assert bisect_right(LAT_BOUNDS_NS, 1) == 0
    assert bisect_right(LAT_BOUNDS_NS, 2) == 1
    assert bisect_right(LAT_BOUNDS_NS, 999) == 9
    assert bisect_right(LAT_BOUNDS_NS, 1000) == 10
    assert bisect_right(LAT_BOUNDS_NS, 1_999_999) == 20
    assert bisect_right(LAT_BOUNDS_NS, 1_999_999_999) == 30
    assert bisect_right(LAT_BOUNDS_NS, 2_000_000_000) == 31


def test_depth_distribution_buckets_and_floor() -> None:
    # capture: "IO depths : 1=0.1%, 2=0.1%, 4=0.1%, 8=0.1%, 16=99.8%": tiny buckets show 0.1
    dist = depth_distribution({1: 1, 3: 1, 7: 1, 8: 40, 31: 35951, 64: 0}, 36026)
    assert dist[:4] == [0.1, 0.1, 0.1, pytest.approx(40 * 100 / 36026)]
    assert dist[4] == pytest.approx(35951 * 100 / 36026)
    assert dist[5:] == [0.0, 0.0]
    assert depth_distribution({5: 3}, 0) == [0.0] * 7


def test_batch_distribution_buckets() -> None:
    dist = batch_distribution({0: 1, 1: 2, 4: 1, 5: 1, 64: 1, 65: 4})
    assert dist == pytest.approx([10.0, 30.0, 10.0, 0.0, 0.0, 10.0, 40.0])
