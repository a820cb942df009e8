"""fio's number formatting: ``num2str`` (4 significant digits, IEC/SI prefixes), eta strings,
percentile-table precision, and the fixed bucket tables fio reports (latency and I/O depth).

Everything here is pure and mirrors fio behaviour cited per function (lib/num2str.c, eta.c,
parse.c, io_u.c, stat.c); fio-conventions.md §2 and §5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum

__all__ = [
    "DEPTH_KEYS",
    "LAT_BOUNDS_NS",
    "LAT_MS_KEYS",
    "LAT_NS_KEYS",
    "LAT_US_KEYS",
    "N2S",
    "SUBMIT_KEYS",
    "batch_distribution",
    "depth_distribution",
    "eta_to_str",
    "num2str",
    "percentile_precision",
]


class N2S(IntEnum):
    """Unit suffixes of fio's num2str (lib/num2str.h ``enum n2s_unit``)."""

    NONE = 0
    PERSEC = 1
    BYTE = 2
    BIT = 3
    BYTEPERSEC = 4
    BITPERSEC = 5


_UNIT_STR = {
    N2S.NONE: "",
    N2S.PERSEC: "/s",
    N2S.BYTE: "B",
    N2S.BIT: "bit",
    N2S.BYTEPERSEC: "B/s",
    N2S.BITPERSEC: "bit/s",
}
_SI = ("", "k", "M", "G", "T", "P", "E")
_IEC = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


def num2str(
    num: int, maxlen: int = 4, base: int = 1, pow2: bool = True, units: N2S = N2S.NONE
) -> str:
    """Format ``num`` like fio lib/num2str.c: at most ``maxlen`` integer digits, then a prefix.

    ``base`` says what ``num`` already counts (1 = units, 1024 = KiB …). Decimals come only from
    the last division's remainder; with no room for decimals the value is rounded half up.
    Examples: ``num2str(14758291, 4, 1, True, N2S.BYTEPERSEC) == "14.1MiB/s"``,
    ``num2str(147656704, 4, 1, True, N2S.BYTE) == "141MiB"``.
    """
    if num < 0:
        raise ValueError(f"num2str takes a non-negative integer, got {num}")
    if maxlen < 1:
        raise ValueError(f"num2str maxlen must be >= 1, got {maxlen}")
    num = int(num)
    thousand = 1024 if pow2 else 1000
    prefixes = _IEC if pow2 else _SI
    post_index = 0
    while base > 1:
        base //= thousand
        post_index += 1
    if units in (N2S.BIT, N2S.BITPERSEC):
        num *= 8
    modulo = None
    carry = False
    while post_index < len(_SI):
        if len(str(num)) <= maxlen:
            break
        modulo = num % thousand
        num //= thousand
        carry = modulo >= thousand // 2
        post_index += 1
    if post_index >= len(_SI):
        post_index = 0  # fio falls back to no prefix past "E"
    suffix = prefixes[post_index] + _UNIT_STR[N2S(units)]
    if modulo is None:
        return f"{num}{suffix}"
    room = maxlen - len(str(num))
    if room <= 1:
        return f"{num + (1 if carry else 0)}{suffix}"
    frac = f"{modulo / thousand:.{room - 1}f}"
    if frac[0] == "1":  # rounding reached 1.0: carry into the integer part (newer num2str.c)
        num += 1
    return f"{num}.{frac[2:]}{suffix}"


def eta_to_str(eta_sec: int | None) -> str:
    """fio eta.c ``eta_to_str``: ``[DDd:][HHh:]MMm:SSs``; unknown (None or <0) -> ``"--"``."""
    if eta_sec is None or eta_sec < 0:
        return "--"
    s = eta_sec % 60
    m = (eta_sec // 60) % 60
    h = (eta_sec // 3600) % 24
    d = eta_sec // 86400
    out = ""
    if d:
        out += f"{d:02d}d:"
    if h or d:
        out += f"{h:02d}h:"
    return out + f"{m:02d}m:{s:02d}s"


def percentile_precision(plist: Sequence[float]) -> int:
    """Decimals shown in the percentile table: the most decimals any entry needs.

    fio parse.c counts the digits typed after '.' in ``percentile_list`` (the default list,
    with 99.95 and 99.99, gives 2). We count the digits of each value's shortest repr.
    """
    best = 0
    for p in plist:
        text = repr(float(p))
        if "e" in text or "E" in text:
            text = f"{float(p):.6f}"
        decimals = text.split(".", 1)[1].rstrip("0") if "." in text else ""
        best = max(best, len(decimals))
    return min(best, 6)


# Completion-latency buckets (io_u.c io_u_mark_lat_nsec/usec/msec): key K holds samples below K
# and at or above the previous key. Boundaries below are in ns; index = bisect_right(bounds, ns).
LAT_NS_KEYS = ("2", "4", "10", "20", "50", "100", "250", "500", "750", "1000")
LAT_US_KEYS = LAT_NS_KEYS
LAT_MS_KEYS = LAT_NS_KEYS + ("2000", ">=2000")
_STEPS = (2, 4, 10, 20, 50, 100, 250, 500, 750, 1000)
LAT_BOUNDS_NS = (
    _STEPS + tuple(v * 1000 for v in _STEPS) + tuple(v * 1_000_000 for v in _STEPS + (2000,))
)  # 31 boundaries -> 32 buckets: 10 ns, 10 us, 12 ms (the last is ">=2000" ms)

# iodepth_level keys and the depth each bucket starts at (io_u.c io_u_mark_depth)
DEPTH_KEYS = ("1", "2", "4", "8", "16", "32", ">=64")
_DEPTH_STARTS = (2, 4, 8, 16, 32, 64)
# iodepth_submit / iodepth_complete keys (io_u.c io_u_mark_submit/complete: 0, 1-4, 5-8 …)
SUBMIT_KEYS = ("0", "4", "8", "16", "32", "64", ">=64")
_SUBMIT_LIMITS = (0, 4, 8, 16, 32, 64)


def _dist(counts: Sequence[int], total: int) -> list[float]:
    """fio stat.c ``stat_calc_dist``: percent of ``total``; a non-zero bucket shows >= 0.1%."""
    out = []
    for c in counts:
        if not total:
            out.append(0.0)
            continue
        pct = c * 100.0 / total
        out.append(0.1 if (c and pct < 0.1) else pct)
    return out


def depth_distribution(depth_counts: Mapping[int, int], total: int) -> list[float]:
    """``iodepth_level`` percentages from {in-flight depth at submit: samples}."""
    buckets = [0] * len(DEPTH_KEYS)
    for depth, count in depth_counts.items():
        idx = sum(1 for start in _DEPTH_STARTS if depth >= start)
        buckets[idx] += count
    return _dist(buckets, total)


def batch_distribution(batch_counts: Mapping[int, int]) -> list[float]:
    """``iodepth_submit``/``complete`` percentages from {I/Os per call: number of calls}."""
    buckets = [0] * len(SUBMIT_KEYS)
    for batch, count in batch_counts.items():
        idx = sum(1 for limit in _SUBMIT_LIMITS if batch > limit)
        buckets[idx] += count
    return _dist(buckets, sum(batch_counts.values()))
