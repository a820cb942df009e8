"""Random block choice for the I/O generator: fio's random map and its non-uniform distributions.

Everything draws block *indices* in ``[0, nblocks)`` from a ``numpy.random.Generator`` in batches.

* :class:`RandomMap` — uniform draws without replacement within a pass (fio's axmap: every block is
  hit once per pass, then the map resets). While more than 1/8 of the blocks are free we draw
  uniform candidates and drop used ones; below that we shuffle the remaining free blocks and serve
  them in order (fio instead takes the next free block after a used candidate, which biases towards
  blocks after long used runs; the set of blocks per pass is the same).
* :func:`make_sampler` — ``random`` (uniform with replacement, for ``norandommap``), ``zipf:θ``,
  ``pareto:h`` and ``normal:σ%`` with fio's meaning (fio-conventions.md §1 table; fio lib/zipf.c,
  lib/gauss.c [M]). Not bit-compatible with fio's tausworthe streams, by design.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["RandomMap", "make_sampler", "Sampler"]

Sampler = Callable[[int], np.ndarray]
_EXACT_ZIPF_MAX = 1 << 20  # exact inverse-CDF table up to this many blocks (8 MiB of float64)


class RandomMap:
    """A bitmap over ``nblocks`` blocks; :meth:`draw` returns start blocks not yet used this pass."""

    def __init__(self, nblocks: int, rng: np.random.Generator) -> None:
        if nblocks <= 0:
            raise ValueError(f"random map needs at least one block, got {nblocks}")
        self.nblocks = nblocks
        self.used = np.zeros(nblocks, dtype=bool)
        self.free = nblocks
        self.passes = 0
        self._rng = rng
        self._pending: np.ndarray | None = None
        self._pos = 0

    def _reset(self) -> None:
        self.used[:] = False
        self.free = self.nblocks
        self.passes += 1
        self._pending = None

    def mark(self, blocks: np.ndarray) -> None:
        """Mark blocks as used (coverage of multi-block I/Os); indices must be in range."""
        if blocks.size:
            uniq = np.unique(blocks)
            self.free -= int(np.count_nonzero(~self.used[uniq]))
            self.used[uniq] = True

    def draw(self, n: int) -> np.ndarray:
        """``n`` start blocks, each unused in the current pass when drawn (and marked used)."""
        out: list[np.ndarray] = []
        need = n
        while need > 0:
            if self.free == 0:
                self._reset()
            got = (
                self._draw_sparse(need) if self.free * 8 > self.nblocks else self._draw_dense(need)
            )
            out.append(got)
            need -= got.size
        return np.concatenate(out) if len(out) != 1 else out[0]

    def _draw_sparse(self, need: int) -> np.ndarray:
        cand = self._rng.integers(0, self.nblocks, size=min(need, self.free) * 2 + 8)
        _, first = np.unique(cand, return_index=True)
        cand = cand[np.sort(first)]  # de-duplicated, draw order kept
        cand = cand[~self.used[cand]][: min(need, self.free)]
        self.used[cand] = True
        self.free -= cand.size
        self._pending = None
        return cand

    def _draw_dense(self, need: int) -> np.ndarray:
        if self._pending is None or self._pos >= self._pending.size:
            self._pending = np.flatnonzero(~self.used)
            self._rng.shuffle(self._pending)
            self._pos = 0
        chunk = self._pending[self._pos : self._pos + need]
        self._pos += chunk.size
        take = chunk[~self.used[chunk]]  # some may have been covered by multi-block I/Os
        self.used[take] = True
        self.free -= take.size
        return take


def _scatter(nblocks: int, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """A fixed bijection rank → block spreading hot ranks over the region (stands in for fio's
    ``__hash_u64`` scrambling): ``(rank * A + off) mod N`` with ``gcd(A, N) = 1``."""
    a = max(1, int(nblocks * 0.6180339887498949)) | 1
    while math.gcd(a, nblocks) != 1:
        a += 2
    off = int(rng.integers(0, nblocks))

    def f(rank: np.ndarray) -> np.ndarray:
        return (rank.astype(np.int64) * a + off) % nblocks if nblocks > 1 else rank * 0

    return f


def _placer(nblocks: int, center: float | None, rng: np.random.Generator):
    if center is None:
        return _scatter(nblocks, rng)
    start = min(nblocks - 1, int(center * nblocks))
    return lambda rank: (rank + start) % nblocks  # hot spot begins at center × region


def _zipf(
    nblocks: int, theta: float, rng: np.random.Generator
) -> Callable[[np.ndarray], np.ndarray]:
    """Ranks 0.. with P(rank k) ∝ 1/(k+1)^θ over N ranks (bounded Zipf)."""
    if nblocks <= _EXACT_ZIPF_MAX:
        w = np.arange(1, nblocks + 1, dtype=np.float64) ** -theta
        cdf = np.cumsum(w)
        cdf /= cdf[-1]
        return lambda u: np.minimum(np.searchsorted(cdf, u, side="right"), nblocks - 1)
    # continuous approximation for large N: invert F(x) = (x^(1-θ) - 1) / ((N+1)^(1-θ) - 1)
    e = 1.0 - theta
    top = (nblocks + 1.0) ** e - 1.0
    return lambda u: np.minimum((1.0 + u * top) ** (1.0 / e) - 1.0, nblocks - 1).astype(np.int64)


def _zoned(dist: tuple[object, ...], nblocks: int, rng: np.random.Generator, gran: int) -> Sampler:
    """# fio io_u.c __get_next_rand_offset_zoned: pick a zone by its access share, then a
    uniform block inside it. Zones are laid out from the region's start; ``zoned`` sizes are %
    of the region, ``zoned_abs`` sizes bytes (cut at the region's end, as fio does)."""
    zones = dist[1]
    starts, sizes, weights = [], [], []
    at = 0
    for acc, size in zones:  # type: ignore[attr-defined]
        n = nblocks * size // 100 if dist[0] == "zoned" else size // gran
        n = max(0, min(n, nblocks - at))
        if n and acc:
            starts.append(at)
            sizes.append(n)
            weights.append(acc)
        at += n
    if not sizes:
        return lambda n: rng.integers(0, nblocks, size=n)
    st, sz = np.array(starts, dtype=np.int64), np.array(sizes, dtype=np.int64)
    p = np.array(weights, dtype=float) / sum(weights)

    def zoned(n: int) -> np.ndarray:
        z = rng.choice(len(p), size=n, p=p)
        return st[z] + (rng.random(n) * sz[z]).astype(np.int64)

    return zoned


def make_sampler(
    dist: tuple[object, ...], nblocks: int, rng: np.random.Generator, gran: int = 512
) -> Sampler:
    """A function ``n -> int64 block indices`` for ``random_distribution`` (with replacement);
    ``gran`` is the block size in bytes (for ``zoned_abs`` zone sizes)."""
    kind = dist[0]
    if kind == "random":
        return lambda n: rng.integers(0, nblocks, size=n)
    if kind in ("zoned", "zoned_abs"):
        return _zoned(dist, nblocks, rng, gran)
    x = float(dist[1])  # type: ignore[arg-type]
    center = None if len(dist) < 3 or dist[2] is None else float(dist[2])  # type: ignore[arg-type]
    if kind == "normal":
        mid = (0.5 if center is None else center) * nblocks
        sd = x / 100.0 * nblocks

        def normal(n: int) -> np.ndarray:  # wraps around the region like fio's gauss (mod N)
            return np.floor(rng.normal(mid, sd, size=n)).astype(np.int64) % nblocks

        return normal
    place = _placer(nblocks, center, rng)
    if kind == "zipf":
        rank_of = _zipf(nblocks, x, rng)
        return lambda n: place(rank_of(rng.random(n)))
    if kind == "pareto":
        power = math.log(x) / math.log(1.0 - x)  # fio lib/zipf.c pareto_init [M]

        def pareto(n: int) -> np.ndarray:  # rank 0 is the hottest
            r = np.floor((nblocks - 1) * (1.0 - rng.random(n) ** power)).astype(np.int64)
            return place(np.clip(r, 0, nblocks - 1))

        return pareto
    raise ValueError(f"unknown random_distribution '{kind}'")
