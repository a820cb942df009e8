"""DiskTruth kept incrementally: the same answers as a plain reference model of the rules (two
arrays, no packing), and the tag cache answers only what it knows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.lab.truth import TAG_CACHE_MIN, DiskTruth
from blkswap.workload.genmap import GenerationMap
from blkswap.workload.tags import UNKNOWN, render

DISK = 64 * 512


class Reference:
    """The rules of lab/truth.py written plainly: writes in flight and unknown sectors."""

    def __init__(self) -> None:
        self.gens = GenerationMap(DISK)
        self.inflight = np.zeros(DISK // 512, dtype=np.int64)
        self.unknown = np.zeros(DISK // 512, dtype=bool)

    def begin_write(self, lo: int, hi: int) -> int:
        self.unknown[lo:hi] = bool(self.inflight[lo:hi].any())
        self.inflight[lo:hi] += 1
        return self.gens.bump(lo * 512, (hi - lo) * 512)

    def end(self, lo: int, hi: int, ok: bool, trim: bool) -> None:
        self.inflight[lo:hi] -= 1
        if not ok:
            self.unknown[lo:hi] = True
        elif trim:
            self.gens.trim(lo * 512, (hi - lo) * 512)

    def readable(self, lo: int, hi: int) -> bool:
        return not (self.inflight[lo:hi].any() or self.unknown[lo:hi].any())


ops = st.lists(
    st.tuples(
        st.sampled_from(["write", "trim", "end", "read"]),
        st.integers(0, 63),
        st.integers(1, 16),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_same_answers_as_the_reference(script):
    truth, ref = DiskTruth(DISK), Reference()
    open_ops: list[tuple[str, int, int]] = []
    for kind, lo, n, ok in script:
        hi = min(64, lo + n)
        off, length = lo * 512, (hi - lo) * 512
        if kind == "write":
            assert truth.begin_write(off, length) == ref.begin_write(lo, hi)
            open_ops.append(("write", lo, hi))
        elif kind == "trim":
            truth.begin_trim(off, length)
            ref.inflight[lo:hi] += 1
            open_ops.append(("trim", lo, hi))
        elif kind == "end" and open_ops:
            what, a, b = open_ops.pop(lo % len(open_ops))
            end = truth.end_write if what == "write" else truth.end_trim
            end(a * 512, (b - a) * 512, ok=ok)
            ref.end(a, b, ok, what == "trim")
        snap = truth.snapshot(off, length)
        if ref.readable(lo, hi):
            want = ref.gens.expected(off, length)
            assert snap is not None and np.array_equal(snap, want)
            assert truth.still_valid(off, length, want)
            assert not truth.still_valid(off, length, want + np.uint64(1))
        else:
            assert snap is None
            assert not truth.still_valid(off, length, ref.gens.expected(off, length))
        assert np.array_equal(truth.inflight, ref.inflight)
        assert np.array_equal(truth.unknown, ref.unknown)


def _tags(gen: int, offset: int, sectors: int) -> bytes:
    return render(sectors, thread=3, vbd=1, offset=offset, numberio=gen).tobytes()


def test_expected_bytes_from_kept_tags_and_zeros():
    truth = DiskTruth(DISK)
    g1 = truth.begin_write(4096, 4096)
    truth.remember(g1, 4096, _tags(g1, 4096, 8))
    g2 = truth.begin_write(8192, 2048)
    truth.remember(g2, 8192, _tags(g2, 8192, 4))
    # sectors 6..9: two never written, then the first two of write g1 (at sector 8)
    exp = np.array([0, 0, g1, g1], dtype=np.uint64)
    assert truth.expected_bytes(3072, 2048, exp) == bytes(1024) + _tags(g1, 4096, 8)[:1024]
    # sectors 14..19: the end of g1, all of g2 (sectors 16..19)
    exp = np.array([g1, g1, g2, g2, g2, g2], dtype=np.uint64)
    assert truth.expected_bytes(7168, 3072, exp) == _tags(g1, 4096, 8)[3072:] + _tags(g2, 8192, 4)
    assert truth.snapshot(7168, 3072) is None  # writes still in flight
    truth.end_write(4096, 4096)
    truth.end_write(8192, 2048)
    assert np.array_equal(truth.snapshot(7168, 3072), exp)
    assert truth.expected_bytes(0, 1024, np.zeros(2, dtype=np.uint64)) == bytes(1024)
    # what the truth does not know it does not guess
    assert truth.expected_bytes(4096, 512, np.array([UNKNOWN], dtype=np.uint64)) is None
    assert truth.expected_bytes(4096, 512, np.array([g2 + 5], dtype=np.uint64)) is None
    # outside the remembered write (a generation at another offset): no answer either
    assert truth.expected_bytes(0, 512, np.array([g1], dtype=np.uint64)) is None


def test_tag_budget_is_shared_and_oldest_go_first():
    truths = DiskTruth.for_disks(DISK, 1000)
    assert {t.tag_cache_bytes for t in truths} == {TAG_CACHE_MIN}
    truth = DiskTruth(DISK, tag_cache_bytes=8192)
    for gen in (1, 2, 3):
        truth.remember(gen, (gen - 1) * 4096, _tags(gen, (gen - 1) * 4096, 8))
    one = np.full(8, 1, dtype=np.uint64)
    assert truth.expected_bytes(0, 4096, one) is None  # the oldest was dropped
    three = np.full(8, 3, dtype=np.uint64)
    assert truth.expected_bytes(8192, 4096, three) == _tags(3, 8192, 8)
