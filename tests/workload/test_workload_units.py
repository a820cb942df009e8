"""Golden values of fio's number, unit and list syntax (fio-conventions.md §1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blkswap.workload.errors import ValueProblem
from blkswap.workload.units import (
    evaluate,
    parse_bool,
    parse_float_list,
    parse_size,
    parse_size_or_pct,
    parse_time,
    split_ddir,
    split_range,
)


@pytest.mark.parametrize(
    ("text", "kb_base", "want"),
    [
        ("4k", 1024, 4096),
        ("4K", 1024, 4096),
        ("4kb", 1024, 4096),
        ("4KB", 1024, 4096),
        ("4ki", 1024, 4096),  # only the three-letter IEC form switches base
        ("4KiB", 1024, 4000),  # the kb_base=1024 "opposite units" quirk
        ("4kib", 1024, 4000),
        ("1MiB", 1024, 1_000_000),
        ("1m", 1024, 1 << 20),
        ("1g", 1024, 1 << 30),
        ("2t", 1024, 2 << 40),
        ("1p", 1024, 1 << 50),
        ("4k", 1000, 4000),
        ("4KiB", 1000, 4096),
        ("1mib", 1000, 1 << 20),
        ("4096", 1024, 4096),
        ("4096b", 1024, 4096),
        ("4096B", 1024, 4096),
        ("0x1000", 1024, 4096),
        ("(2*4k)", 1024, 8192),
        ("(1m-4k)", 1024, (1 << 20) - 4096),
        ("(2^10)", 1024, 1024),
        ("(7/2)", 1024, 3),  # C integer division
        ("(10%4)", 1024, 2),
        ("(-3+5)", 1024, 2),
    ],
)
def test_size_golden(text: str, kb_base: int, want: int) -> None:
    assert parse_size(text, kb_base=kb_base) == want


@pytest.mark.parametrize(
    "text", ["4x", "4kx", "k", "", "1.5m", "0x10k", "4 k k", "-4k", "(4k", "(4q)"]
)
def test_size_invalid(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_size(text)


def test_size_percent_only_where_allowed() -> None:
    assert parse_size_or_pct("20%", allow_pct=True) == (None, 20.0)
    with pytest.raises(ValueProblem, match="percentage is not allowed"):
        parse_size_or_pct("20%")
    with pytest.raises(ValueProblem, match="1-100"):
        parse_size_or_pct("150%", allow_pct=True)


def test_iec_suffix_warns_under_default_base() -> None:
    seen: list[str] = []
    assert parse_size("4KiB", warn=seen.append) == 4000
    assert len(seen) == 1 and "4000 bytes" in seen[0]
    parse_size("4KiB", kb_base=1000, warn=seen.append)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("text", "is_seconds", "want"),
    [
        ("10", True, 10_000_000),  # runtime: bare number = seconds
        ("10", False, 10),  # thinktime: bare number = µs
        ("10s", False, 10_000_000),
        ("10ms", True, 10_000),
        ("10msec", True, 10_000),
        ("10us", True, 10),
        ("10usec", True, 10),
        ("2m", True, 120_000_000),
        ("1h", True, 3_600_000_000),
        ("1d", False, 86_400_000_000),
        ("10S", True, 10_000_000),
        ("10sec", True, 10),  # get_mult_time: strcmp("s") fails, falls through to µs
        ("10min", True, 10),
        ("(10*2)", True, 20),  # inside an expression a bare time is µs
        ("(1s+500ms)", True, 1_500_000),
    ],
)
def test_time_golden(text: str, is_seconds: bool, want: int) -> None:
    assert parse_time(text, is_seconds=is_seconds) == want


def test_time_unknown_suffix_warns() -> None:
    seen: list[str] = []
    assert parse_time("10sec", is_seconds=True, warn=seen.append) == 10
    assert seen and "microseconds" in seen[0]


@pytest.mark.parametrize("text", ["1.5s", "ten", "10%", "-1"])
def test_time_invalid(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_time(text, is_seconds=True)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("4k", ["4k", "4k", "4k"]),
        ("4k,64k", ["4k", "64k", "64k"]),
        ("8k,32k,", ["8k", "32k", None]),
        (",8k", [None, "8k", "8k"]),
        ("1k,2k,3k", ["1k", "2k", "3k"]),
        ("4k,", ["4k", None, None]),
        (",,16k", [None, None, "16k"]),
    ],
)
def test_split_ddir(text: str, want: list[str | None]) -> None:
    assert split_ddir(text) == want


def test_split_ddir_too_many() -> None:
    with pytest.raises(ValueProblem, match="too many"):
        split_ddir("1k,2k,3k,4k")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1k-4k", ("1k", "4k")),
        ("1k:4k", ("1k", "4k")),
        ("4k", ("4k", "4k")),
        ("(8k-4k)-16k", ("(8k-4k)", "16k")),
    ],
)
def test_split_range(text: str, want: tuple[str, str]) -> None:
    assert split_range(text) == want


def test_bool_and_float_list() -> None:
    assert parse_bool("1") is True and parse_bool("0") is False
    with pytest.raises(ValueProblem):
        parse_bool("yes")
    assert parse_float_list("99:99.9:99.99") == (99.0, 99.9, 99.99)
    with pytest.raises(ValueProblem, match="too many"):
        parse_float_list(":".join(["1"] * 21))


@given(
    st.integers(0, 10**6),
    st.sampled_from(["", "k", "m", "g", "kib", "mib", "b"]),
    st.sampled_from([1000, 1024]),
)
def test_size_suffix_property(n: int, suffix: str, kb_base: int) -> None:
    other = 1000 if kb_base == 1024 else 1024
    mult = {
        "": 1,
        "b": 1,
        "k": kb_base,
        "m": kb_base**2,
        "g": kb_base**3,
        "kib": other,
        "mib": other**2,
    }
    assert parse_size(f"{n}{suffix}", kb_base=kb_base) == n * mult[suffix]
    assert parse_size(f"{n}{suffix.upper()}", kb_base=kb_base) == n * mult[suffix]


@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(1, 50))
def test_expression_matches_python(a: int, b: int, c: int) -> None:
    assert evaluate(f"({a}+{b})*{c}") == (a + b) * c
    assert evaluate(f"{a}-{b}*{c}") == a - b * c
    assert evaluate(f"{c}^2+{a}") == c**2 + a
