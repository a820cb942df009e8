"""The deterministic I/O generator: :class:`IoGenerator` turns a :class:`JobSpec` into :class:`Io`s.

Deterministic given ``(job, disk_size, clone, seed)``. Semantics (fio HOWTO "I/O type", "Block
size", "I/O size"; fio-conventions.md §1):

* region ``[offset, offset+size)`` (``%`` forms of the disk size; ``offset_increment`` × clone), clamped
  to the disk; ``size`` unset → the rest of the disk.
* sequential modes keep one cursor per direction (fio ``last_pos[ddir]``), skip ``rw_seq_add`` bytes
  after each I/O (``rw=write:4k``) and wrap at the region end.
* random modes draw start blocks (granularity: the smallest block size in use) from the random map
  or the distribution and align them down to the direction's minimum block size (fio's default
  ``blockalign``); ``rw=randread:N`` continues sequentially for N-1 I/Os after each draw.
* mixed modes choose the direction per I/O: read when ``U[0,100) < rwmixread``.
* ``trimwrite`` modes trim a block then write the same block.
* ``fsync=N`` / ``fdatasync=N``: an ``Io('flush', 0, 0)`` after every N-th write.
* the job ends after ``io_size`` (default: the region size) × ``loops`` bytes or ``number_ios`` I/Os;
  the last I/O is shortened to end exactly there. ``time_based`` never ends (the caller stops it).

Seeding: one ``numpy.random.SeedSequence`` from ``(randseed, clone)``; with ``randrepeat=0`` (and no
explicit ``randseed``) the run ``seed`` is mixed in. Independent child streams drive direction,
length and offset choice, so changing ``rwmixread`` does not move the offsets of a pure job.
Not bit-compatible with fio's tausworthe generator (documented in docs/workload.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from blkswap.workload.jobspec import DDIR_NAMES, MIXED_MODES, RANDOM_MODES, JobSpec
from blkswap.workload.randmap import RandomMap, make_sampler

__all__ = ["Io", "IoGenerator", "OPS"]

OPS = ("read", "write", "trim", "flush")
_R, _W, _T, _F = 0, 1, 2, 3
_BATCH = 8192
_MODE_DIRS = {
    "read": (_R,),
    "randread": (_R,),
    "write": (_W,),
    "randwrite": (_W,),
    "trim": (_T,),
    "randtrim": (_T,),
    "rw": (_R, _W),
    "randrw": (_R, _W),
    "trimwrite": (_T, _W),
    "randtrimwrite": (_T, _W),
}


@dataclass(frozen=True, slots=True)
class Io:
    """One I/O: ``op`` is read|write|trim|flush; ``offset``/``length`` in bytes (flush: 0, 0)."""

    op: str
    offset: int
    length: int


class _Lengths:
    """Vectorised length choice for one direction: bs, bsrange or bssplit."""

    def __init__(self, job: JobSpec, d: int, align: int) -> None:
        self.sizes: np.ndarray | None = None
        self.probs: np.ndarray | None = None
        self.lo = self.hi = job.bs[d]
        self.step = job.bs[d]
        if job.bssplit and job.bssplit[d]:
            sizes = np.array([b for b, _ in job.bssplit[d]], dtype=np.int64)
            w = np.array([p for _, p in job.bssplit[d]], dtype=np.float64)
            if w.sum() <= 0:
                w = np.ones_like(w)
            # fio falls through to the last entry for the part of 100% not covered
            w[-1] += max(0.0, 100.0 - w.sum())
            self.sizes, self.probs = sizes, w / w.sum()
        elif job.bsrange:
            self.lo, self.hi = job.bsrange[d]
            self.step = align if job.bs_unaligned else self.lo
        self.min = int(self.sizes.min()) if self.sizes is not None else self.lo

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.sizes is not None:
            return self.sizes[rng.choice(self.sizes.size, size=n, p=self.probs)]
        if self.lo == self.hi:
            return np.full(n, self.lo, dtype=np.int64)
        k = (self.hi - self.lo) // self.step
        return self.lo + self.step * rng.integers(0, k + 1, size=n)


class IoGenerator:
    """Yields the I/Os of one clone of ``job`` on a disk of ``disk_size`` bytes (see module doc)."""

    def __init__(
        self,
        job: JobSpec,
        disk_size: int,
        clone: int = 0,
        seed: int | None = None,
        min_align: int = 512,
    ) -> None:
        if disk_size <= 0 or disk_size % min_align:
            raise ValueError(f"disk_size {disk_size} must be a positive multiple of {min_align}")
        self.job = job
        self.min_align = min_align
        self.dirs = _MODE_DIRS[job.rw]
        self.lengths = {d: _Lengths(job, d, min_align) for d in self.dirs}
        for d, ln in self.lengths.items():
            for b in [ln.lo, ln.hi, ln.step] + ([] if ln.sizes is None else ln.sizes.tolist()):
                if b % min_align:
                    raise ValueError(
                        f"job '{job.name}': {DDIR_NAMES[d]} block size {b} is not a "
                        f"multiple of the {min_align}-byte sector"
                    )
        self.gran = min(ln.min for ln in self.lengths.values())
        self.start, self.region = self._region(job, disk_size, clone, min_align)
        self.nblocks = self.region // self.gran
        if self.nblocks == 0:
            raise ValueError(
                f"job '{job.name}': region of {self.region} bytes is smaller than "
                f"the block size {self.gran}"
            )
        entropy = [job.randseed, clone]
        if not job.randrepeat and not job.randseed_set:
            entropy.append(0 if seed is None else seed)
        ss = np.random.SeedSequence(entropy)
        self._rng_dir, self._rng_len, self._rng_off = (
            np.random.default_rng(s) for s in ss.spawn(3)
        )
        self.random = job.rw in RANDOM_MODES
        self.map: RandomMap | None = None
        self._sampler = None
        if self.random:
            if job.norandommap or job.random_distribution[0] != "random":
                self._sampler = make_sampler(
                    job.random_distribution, self.nblocks, self._rng_off, self.gran
                )
            else:
                self.map = RandomMap(self.nblocks, self._rng_off)
        self.limit_bytes = None if job.time_based else (job.io_size or self.region) * job.loops
        self.limit_ios = None if job.time_based or not job.number_ios else job.number_ios
        self.issued_bytes: dict[str, int] = {"read": 0, "write": 0, "trim": 0}
        self.issued_ios = 0
        self._planned_bytes = 0
        self._planned_ios = 0
        self._writes = 0
        self._cursor = {d: 0 for d in self.dirs}
        self._run_left = 0  # rw=randread:N: I/Os left in the current sequential run
        self._run_pos = 0
        self._buf: list[Io] = []
        self._i = 0
        self._done = False

    @staticmethod
    def asked_size(job: JobSpec, disk: int) -> int | None:
        """The region size the job asks for, before it is cut to the disk (None: the rest)."""
        if job.fill_device:
            return None
        if job.size is not None:
            return job.size
        return int(disk * job.size_pct / 100) if job.size_pct is not None else None

    @staticmethod
    def _region(job: JobSpec, disk: int, clone: int, align: int) -> tuple[int, int]:
        if job.offset_pct is not None:
            a = job.offset_align or align
            start = int(disk * job.offset_pct / 100) // a * a  # fio aligns a % offset
        else:
            start = job.offset
        start += clone * job.offset_increment
        if start % align:
            raise ValueError(f"job '{job.name}': offset {start} is not {align}-byte aligned")
        if start >= disk:
            raise ValueError(
                f"job '{job.name}' clone {clone}: offset {start} is beyond the disk ({disk} bytes)"
            )
        if job.fill_device:  # fio fill_device: write until the device is full
            size = disk - start
        elif job.size is not None:
            size = job.size
        elif job.size_pct is not None:
            size = int(disk * job.size_pct / 100)
        else:
            size = disk - start
        size = min(size, disk - start)
        return start, size - size % align

    # --- public -----------------------------------------------------------------------------

    def next(self) -> Io | None:
        """The next I/O, or ``None`` when the job's I/O is done (never, with ``time_based``)."""
        if self._i >= len(self._buf):
            if self._done or not self._refill():
                return None
        io = self._buf[self._i]
        self._i += 1
        if io.op != "flush":
            self.issued_bytes[io.op] += io.length
            self.issued_ios += 1
        return io

    def __iter__(self) -> Iterator[Io]:
        while (io := self.next()) is not None:
            yield io

    def take(self, n: int) -> list[Io]:
        """Up to ``n`` I/Os (fewer at the end of the job)."""
        out: list[Io] = []
        while len(out) < n and (io := self.next()) is not None:
            out.append(io)
        return out

    # --- batch generation ---------------------------------------------------------------------

    def _refill(self) -> bool:
        n = _BATCH
        dirs = self._directions(n)
        lens = np.zeros(n, dtype=np.int64)
        for d, ln in self.lengths.items():
            mask = dirs == d
            cnt = int(np.count_nonzero(mask))
            if cnt:
                lens[mask] = ln.draw(self._rng_len, cnt)
        if self.job.rw in ("trimwrite", "randtrimwrite"):
            lens[1::2] = lens[0::2]  # the write covers exactly the block just trimmed
        offs, lens = self._offsets(dirs, lens)
        dirs, offs, lens = self._limit(dirs, offs, lens)
        dirs, offs, lens = self._flushes(dirs, offs, lens)
        ops = [OPS[d] for d in dirs.tolist()]
        self._buf = list(map(Io, ops, offs.tolist(), lens.tolist()))
        self._i = 0
        return bool(self._buf)

    def _directions(self, n: int) -> np.ndarray:
        if self.job.rw in MIXED_MODES:
            u = self._rng_dir.random(n) * 100.0
            return np.where(u < self.job.rwmixread, _R, _W).astype(np.int8)
        if len(self.dirs) == 2:  # trimwrite: T, W, T, W …
            return np.tile(np.array(self.dirs, dtype=np.int8), n // 2)
        return np.full(n, self.dirs[0], dtype=np.int8)

    def _offsets(self, dirs: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.random:
            return self._sequential(dirs, lens)
        pair = len(self.dirs) == 2 and _T in self.dirs
        idx = np.arange(0, dirs.size, 2) if pair else np.arange(dirs.size)
        if self.job.rw_seq_nr > 1:
            rel = self._random_runs(lens[idx])
        else:
            rel = self._draw_blocks(idx.size) * self.gran
        align = np.array(  # fio blockalign (ba), by default each direction's minimum bs
            [
                self.job.ba[d] or (self.lengths[d].min if d in self.lengths else self.gran)
                for d in range(3)
            ]
        )
        a = align[dirs[idx]]
        rel = rel - rel % a
        ln = np.minimum(lens[idx], self.region - rel)  # shorten an I/O that would leave the region
        if self.map is not None:
            self._mark(rel, ln)
        offs = np.empty_like(lens)
        offs[idx] = self.start + rel
        lens[idx] = ln
        if pair:
            offs[1::2], lens[1::2] = offs[0::2], lens[0::2]
        return offs, lens

    def _draw_blocks(self, n: int) -> np.ndarray:
        if self.map is not None:
            return self.map.draw(n).astype(np.int64)
        assert self._sampler is not None  # set in __init__ whenever map is None for random modes
        return self._sampler(n).astype(np.int64)

    def _mark(self, rel: np.ndarray, ln: np.ndarray) -> None:
        k = np.maximum(1, -(-ln // self.gran))
        multi = k > 1
        if np.any(multi):
            starts, ks = rel[multi] // self.gran, k[multi]
            first = np.repeat(np.cumsum(ks) - ks, ks)
            blocks = np.repeat(starts, ks) + (np.arange(int(ks.sum())) - first)
            assert self.map is not None
            self.map.mark(np.minimum(blocks, self.nblocks - 1))

    def _random_runs(self, lens: np.ndarray) -> np.ndarray:
        """rw=randread:N — a new random offset every N I/Os, sequential in between."""
        n = lens.size
        fresh = self._draw_blocks(n) * self.gran
        rel = np.empty(n, dtype=np.int64)
        pos, left = self._run_pos, self._run_left
        for i, ln in enumerate(lens.tolist()):
            if left == 0 or pos + ln > self.region:
                pos, left = int(fresh[i]), self.job.rw_seq_nr
            rel[i] = pos
            pos += ln
            left -= 1
        self._run_pos, self._run_left = pos, left
        return rel

    def _sequential(self, dirs: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        offs = np.empty_like(lens)
        add, region, cur = self.job.rw_seq_add, self.region, self._cursor
        pair = len(self.dirs) == 2 and _T in self.dirs
        lens_l, dirs_l = lens.tolist(), dirs.tolist()
        out_l = [0] * len(lens_l)
        for i, (d, ln) in enumerate(zip(dirs_l, lens_l, strict=True)):
            if pair and d == _W:
                out_l[i] = out_l[i - 1]
                continue
            pos = cur[d] % region
            if pos + ln > region:  # wrap: restart at the region start
                pos = 0
                if ln > region:
                    lens_l[i] = ln = region
            out_l[i] = pos
            cur[d] = pos + ln + add
        offs[:] = out_l
        offs += self.start
        return offs, np.asarray(lens_l, dtype=np.int64)

    def _limit(self, dirs, offs, lens):  # type: ignore[no-untyped-def]
        """Cut the batch where io_size × loops bytes or number_ios I/Os are reached."""
        n = dirs.size
        if self.limit_ios is not None:
            n = min(n, self.limit_ios - self._planned_ios)
        if self.limit_bytes is not None:
            before = self._planned_bytes + np.cumsum(lens) - lens
            n = min(n, int(np.searchsorted(before, self.limit_bytes, side="left")))
            if n > 0:
                lens = lens.copy()
                rest = self.limit_bytes - int(before[n - 1])
                rest = -(-rest // self.min_align) * self.min_align  # keep whole sectors
                lens[n - 1] = min(int(lens[n - 1]), rest)
        dirs, offs, lens = dirs[:n], offs[:n], lens[:n]
        self._planned_ios += n
        self._planned_bytes += int(lens.sum())
        if n < _BATCH:
            self._done = True
        return dirs, offs, lens

    def _flushes(self, dirs, offs, lens):  # type: ignore[no-untyped-def]
        """fsync=N / fdatasync=N: insert a flush after every N-th write (fio HOWTO 'fsync')."""
        every = [e for e in (self.job.fsync, self.job.fdatasync) if e]
        if not every:
            return dirs, offs, lens
        is_w = dirs == _W
        ordinal = self._writes + np.cumsum(is_w)
        self._writes = int(ordinal[-1]) if ordinal.size else self._writes
        hit = np.zeros(dirs.size, dtype=bool)
        for e in every:
            hit |= is_w & (ordinal % e == 0)
        at = np.flatnonzero(hit) + 1
        return (np.insert(dirs, at, _F), np.insert(offs, at, 0), np.insert(lens, at, 0))
