"""GenerationMap: per-sector expected generations, lazily chunked."""

from __future__ import annotations

import numpy as np
import pytest

from blkswap.workload import GenerationMap, IoGenerator, check, fill, parse_jobtext
from blkswap.workload.tags import SECTOR, UNKNOWN


def test_bump_expected_trim() -> None:
    g = GenerationMap(1 << 20)
    assert g.bump(4096, 8192) == 1 and g.bump(8192, 4096) == 2
    exp = g.expected(0, 16384)
    assert exp.dtype == np.uint64 and exp.size == 32
    assert exp.tolist() == [0] * 8 + [1] * 8 + [2] * 8 + [0] * 8
    g.trim(8192, 2048)
    assert g.expected(8192, 4096).tolist() == [0] * 4 + [2] * 4
    g.trim(4096, 512, zeroes=False)
    assert int(g.expected(4096, 512)[0]) == UNKNOWN
    assert g.written_sectors() == 8 + 4 + 4 - 4  # UNKNOWN counts as possibly written


def test_chunk_boundaries_and_sparse_huge_disk() -> None:
    g = GenerationMap(2 << 40)  # 2 TiB: nothing allocated until written
    chunk = (1 << 18) * SECTOR
    gen = g.bump(chunk - 1024, 4096)
    exp = g.expected(chunk - 2048, 8192)
    assert exp.tolist() == [0, 0] + [gen] * 8 + [0] * 6
    assert len(g._chunks) == 2 and g.expected(1 << 40, 4096).tolist() == [0] * 8


def test_range_validation() -> None:
    g = GenerationMap(1 << 20)
    for off, ln in [(-512, 512), (0, 0), (100, 512), (0, 100), ((1 << 20) - 512, 1024)]:
        with pytest.raises(ValueError, match="range"):
            g.bump(off, ln)
    with pytest.raises(ValueError, match="multiple of 512"):
        GenerationMap(1000)


def test_generator_tags_and_genmap_together() -> None:
    """Writes from a job stamped with GenerationMap generations read back clean; a stale one not."""
    job = parse_jobtext("[j]\nrw=randrw\nbs=4k\nsize=256k\n", env={}, quiet=True).jobs[0]
    disk = np.zeros(1 << 20, dtype=np.uint8)
    gmap = GenerationMap(disk.size)
    stale = None
    for io in IoGenerator(job, disk.size):
        view = disk[io.offset : io.offset + io.length]
        if io.op == "write":
            fill(view, thread=1, vbd=0, offset=io.offset, numberio=gmap.bump(io.offset, io.length))
            if stale is None:
                stale = (io.offset, view.copy())
        else:
            v = check(
                view,
                thread=1,
                vbd=0,
                offset=io.offset,
                expected=gmap.expected(io.offset, io.length),
            )
            assert v.ok == io.length // SECTOR, v
    assert stale is not None
    off, old = stale
    gmap.bump(off, old.size)  # a newer write the disk never saw
    v = check(old, thread=1, vbd=0, offset=off, expected=gmap.expected(off, old.size))
    assert v.mismatched == old.size // SECTOR
