"""fio's log-linear latency histogram (``io_u_plat``) and its exact index/value mapping.

fio keeps every latency sample (in ns) in a histogram of ``FIO_IO_U_PLAT_NR`` buckets: values
below 128 ns get one bucket each (groups 0 and 1), and every further power of two is split into
64 equal sub-buckets, so the relative error is at most 1/128 (fio stat.h FIO_IO_U_PLAT_BITS=6,
FIO_IO_U_PLAT_VAL=64, FIO_IO_U_PLAT_GROUP_NR=29; stat.c plat_val_to_idx / plat_idx_to_val;
fio-conventions.md §2). Percentiles and json+ ``bins`` are read from the buckets exactly as
fio's ``calc_clat_percentiles`` does, so they quantise like fio's.

Lab difference: fio accumulates mean and variance with Welford's update in doubles; we keep the
exact integer sums of x and x² (Python ints never overflow), which gives the same sample
standard deviation without rounding drift and makes ``merge`` exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from operator import mul

import numpy as np

__all__ = [
    "FIO_IO_U_LIST_MAX_LEN",
    "FIO_IO_U_PLAT_BITS",
    "FIO_IO_U_PLAT_GROUP_NR",
    "FIO_IO_U_PLAT_NR",
    "FIO_IO_U_PLAT_VAL",
    "LatencyHistogram",
    "percentile_key",
    "plat_idx_to_val",
    "plat_val_to_idx",
]

FIO_IO_U_PLAT_BITS = 6  # stat.h: bits of sub-bucket index per group
FIO_IO_U_PLAT_VAL = 1 << FIO_IO_U_PLAT_BITS  # 64 sub-buckets per group
FIO_IO_U_PLAT_GROUP_NR = 29  # stat.h: groups, enough for ~17 s in ns
FIO_IO_U_PLAT_NR = FIO_IO_U_PLAT_GROUP_NR * FIO_IO_U_PLAT_VAL  # 1856 buckets
FIO_IO_U_LIST_MAX_LEN = 20  # stat.h: at most 20 percentiles

_EXACT_LIMIT = FIO_IO_U_PLAT_VAL << 1  # values (and indices) below 128 map to themselves
_CLAMP_VALUE = 1 << 40  # any value >= this lands in the last bucket (keeps float maths exact)


def plat_val_to_idx(val: int) -> int:
    """Bucket index of a latency ``val`` in ns, as fio stat.c ``plat_val_to_idx``."""
    if val < 0:
        raise ValueError(f"latency must be >= 0 ns, got {val}")
    msb = val.bit_length() - 1 if val else 0
    if msb <= FIO_IO_U_PLAT_BITS:
        return val  # groups 0 and 1: one bucket per ns value
    error_bits = msb - FIO_IO_U_PLAT_BITS
    base = (error_bits + 1) << FIO_IO_U_PLAT_BITS
    offset = (FIO_IO_U_PLAT_VAL - 1) & (val >> error_bits)
    return min(base + offset, FIO_IO_U_PLAT_NR - 1)


def plat_idx_to_val(idx: int) -> int:
    """Representative value (bucket midpoint, truncated) of bucket ``idx``; fio ``plat_idx_to_val``."""
    if not 0 <= idx < FIO_IO_U_PLAT_NR:
        raise ValueError(f"histogram index must be in [0, {FIO_IO_U_PLAT_NR}), got {idx}")
    if idx < _EXACT_LIMIT:
        return idx
    error_bits = (idx >> FIO_IO_U_PLAT_BITS) - 1
    base = 1 << (error_bits + FIO_IO_U_PLAT_BITS)
    k = idx % FIO_IO_U_PLAT_VAL
    # fio: base + (k + 0.5) * (1 << error_bits); error_bits >= 1 here, so this is an integer.
    return base + k * (1 << error_bits) + (1 << (error_bits - 1))


_IDX_TO_VAL = tuple(plat_idx_to_val(i) for i in range(FIO_IO_U_PLAT_NR))


def percentile_key(p: float) -> str:
    """JSON key of a percentile, ``printf("%f")`` as fio prints it (``99.0`` -> ``"99.000000"``)."""
    return f"{p:f}"


def _check_plist(plist: Sequence[float]) -> list[float]:
    values = [float(p) for p in plist]
    if len(values) > FIO_IO_U_LIST_MAX_LEN:
        raise ValueError(
            f"percentile list has {len(values)} entries; fio allows at most {FIO_IO_U_LIST_MAX_LEN}"
        )
    for p in values:
        if not (0.0 < p <= 100.0):  # also rejects NaN
            raise ValueError(f"percentile must be in (0, 100], got {p!r}")
    return sorted(values)  # fio qsorts the list before use (stat.c calc_clat_percentiles)


class LatencyHistogram:
    """Latency samples in ns: fio's bucket counts plus exact min/max/mean/stddev.

    ``add`` is the hot path (called once per I/O): an index computation, one list increment
    and a few integer updates. ``n``, ``min``, ``max`` are plain attributes; ``mean`` and
    ``stddev`` (sample standard deviation, n-1, as fio stat.c ``calc_lat``) are computed.
    """

    __slots__ = ("counts", "n", "min", "max", "_sum", "_sumsq")

    def __init__(self) -> None:
        self.counts: list[int] = [0] * FIO_IO_U_PLAT_NR  # samples per fio bucket
        self.n = 0  # number of samples
        self.min = 0  # smallest sample (0 while empty, as fio prints it)
        self.max = 0  # largest sample
        self._sum = 0  # exact sum of samples
        self._sumsq = 0  # exact sum of squared samples

    def add(self, ns: int) -> None:
        """Record one latency sample of ``ns`` nanoseconds (an int >= 0)."""
        if ns < 0:
            raise ValueError(f"latency must be >= 0 ns, got {ns}")
        ns = int(ns)
        if ns < _EXACT_LIMIT:
            idx = ns
        else:
            error_bits = ns.bit_length() - 1 - FIO_IO_U_PLAT_BITS
            idx = ((error_bits + 1) << FIO_IO_U_PLAT_BITS) + (63 & (ns >> error_bits))
            if idx >= FIO_IO_U_PLAT_NR:
                idx = FIO_IO_U_PLAT_NR - 1
        self.counts[idx] += 1
        if self.n == 0:
            self.min = self.max = ns
        elif ns < self.min:
            self.min = ns
        elif ns > self.max:
            self.max = ns
        self.n += 1
        self._sum += ns
        self._sumsq += ns * ns

    def add_many(self, values: np.ndarray | Sequence[int]) -> None:
        """Record many samples at once (an integer array of ns values, all >= 0)."""
        arr = np.asarray(values)
        if arr.size == 0:
            return
        if arr.dtype.kind not in "iu":
            raise TypeError(f"latencies must be an integer array, got dtype {arr.dtype}")
        arr = arr.ravel().astype(np.int64)
        if int(arr.min()) < 0:
            raise ValueError(f"latency must be >= 0 ns, got {int(arr.min())}")
        clamped = np.minimum(arr, _CLAMP_VALUE)
        _, exp = np.frexp(clamped.astype(np.float64))  # exact: clamped < 2**53
        msb = np.maximum(exp.astype(np.int64) - 1, 0)
        error_bits = np.maximum(msb - FIO_IO_U_PLAT_BITS, 0)
        grouped = ((error_bits + 1) << FIO_IO_U_PLAT_BITS) + (63 & (clamped >> error_bits))
        idx = np.where(msb <= FIO_IO_U_PLAT_BITS, clamped, grouped)
        idx = np.minimum(idx, FIO_IO_U_PLAT_NR - 1)
        binned = np.bincount(idx, minlength=FIO_IO_U_PLAT_NR)
        for i in np.flatnonzero(binned).tolist():
            self.counts[i] += int(binned[i])
        lo, hi = int(arr.min()), int(arr.max())
        self.min = lo if self.n == 0 else min(self.min, lo)
        self.max = hi if self.n == 0 else max(self.max, hi)
        self.n += int(arr.size)
        as_list = arr.tolist()
        self._sum += sum(as_list)
        self._sumsq += sum(map(mul, as_list, as_list))

    def merge(self, other: LatencyHistogram) -> None:
        """Add every sample of ``other`` to this histogram (exact; ``other`` is unchanged)."""
        if not isinstance(other, LatencyHistogram):
            raise TypeError(f"can only merge a LatencyHistogram, got {type(other).__name__}")
        if other.n == 0:
            return
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.min = other.min if self.n == 0 else min(self.min, other.min)
        self.max = other.max if self.n == 0 else max(self.max, other.max)
        self.n += other.n
        self._sum += other._sum
        self._sumsq += other._sumsq

    def copy(self) -> LatencyHistogram:
        """An independent copy."""
        dup = LatencyHistogram()
        dup.merge(self)
        return dup

    @property
    def mean(self) -> float:
        """Arithmetic mean in ns (0.0 when empty)."""
        return self._sum / self.n if self.n else 0.0

    @property
    def stddev(self) -> float:
        """Sample standard deviation in ns (n-1 denominator, 0.0 for n <= 1), as fio calc_lat."""
        if self.n <= 1:
            return 0.0
        num = self.n * self._sumsq - self._sum * self._sum  # exact, >= 0
        return math.sqrt(num / (self.n * (self.n - 1)))

    def percentiles(self, plist: Sequence[float]) -> dict[str, int]:
        """Percentile values (ns) keyed ``"%f" % p``, ascending, from the buckets as fio does.

        fio stat.c ``calc_clat_percentiles``: walk the buckets accumulating counts; the p-th
        percentile is the value of the first bucket where the running sum reaches p/100·N
        (fio compares in long double; we compare exactly with fractions). Empty -> ``{}``
        (fio prints no "percentile" object without samples).
        """
        plist_sorted = _check_plist(plist)
        if self.n == 0 or not plist_sorted:
            return {}
        out: dict[str, int] = {}
        thresholds = [Fraction(p) * self.n / 100 for p in plist_sorted]
        j = 0
        running = 0
        for i, count in enumerate(self.counts):
            if not count:
                continue
            running += count
            while j < len(thresholds) and running >= thresholds[j]:
                out[percentile_key(plist_sorted[j])] = _IDX_TO_VAL[i]
                j += 1
            if j == len(thresholds):
                break
        return out

    def bins(self) -> dict[str, int]:
        """json+ ``bins``: non-empty buckets only, keyed by ``plat_idx_to_val`` in ns, ascending."""
        return {str(_IDX_TO_VAL[i]): c for i, c in enumerate(self.counts) if c}

    def __repr__(self) -> str:
        return f"LatencyHistogram(n={self.n}, min={self.min}, max={self.max}, mean={self.mean:.1f})"
