"""The deterministic I/O generator: regions, patterns, random map, mixes, sizes, flushes, speed."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from blkswap.workload import Io, IoGenerator, parse_jobtext
from blkswap.workload.jobspec import JobSpec

MiB = 1 << 20


def spec(body: str) -> JobSpec:
    if "time_based" in body and "runtime" not in body:  # fio drops time_based without runtime
        body += "\nruntime=1h"
    return parse_jobtext(f"[job]\n{body}\n", env={}, quiet=True).jobs[0]


def run(body: str, disk: int = 64 * MiB, **kw: object) -> list[Io]:
    return list(IoGenerator(spec(body), disk, **kw))  # type: ignore[arg-type]


def test_sequential_write_walks_region_exactly() -> None:
    ios = run("rw=write\nbs=4k\nsize=1m\noffset=2m")
    assert [io.offset for io in ios] == [2 * MiB + 4096 * i for i in range(256)]
    assert {(io.op, io.length) for io in ios} == {("write", 4096)}


def test_issued_bytes_and_end() -> None:
    g = IoGenerator(spec("rw=rw\nbs=4k\nsize=1m\nio_size=3m"), 64 * MiB)
    ios = list(g)
    assert sum(io.length for io in ios) == 3 * MiB
    assert (
        g.issued_bytes["read"] + g.issued_bytes["write"] == 3 * MiB and g.issued_bytes["trim"] == 0
    )
    assert g.issued_bytes["read"] == sum(io.length for io in ios if io.op == "read")
    assert g.next() is None
    reads = [io.offset for io in ios if io.op == "read"]
    assert reads[:3] == [0, 4096, 8192]  # each direction keeps its own cursor (fio last_pos)
    assert max(io.offset for io in ios) < MiB  # wrapped inside the 1 MiB region


def test_last_io_is_shortened_to_io_size() -> None:
    ios = run("rw=write\nbs=64k\nio_size=100k")
    assert [io.length for io in ios] == [65536, 36864]


def test_loops_and_number_ios() -> None:
    assert sum(io.length for io in run("rw=read\nbs=4k\nsize=64k\nloops=3")) == 3 * 65536
    assert len(run("rw=randread\nsize=1m\nnumber_ios=10")) == 10


def test_sequential_holes_rw_write_suffix() -> None:
    ios = run("rw=write:4k\nbs=4k\nsize=64k\nio_size=16k")
    assert [io.offset for io in ios] == [0, 8192, 16384, 24576]


def test_random_map_hits_each_block_once_per_pass() -> None:
    ios = run("rw=randread\nbs=4k\nsize=4m\nloops=2", disk=64 * MiB)
    blocks = [io.offset // 4096 for io in ios]
    assert len(blocks) == 2048
    assert sorted(blocks[:1024]) == list(range(1024)) and sorted(blocks[1024:]) == list(range(1024))
    assert blocks[:1024] != list(range(1024))  # random order


def test_random_map_large_region_distinct() -> None:
    g = IoGenerator(spec("rw=randwrite\nbs=4k\ntime_based"), 256 * MiB)
    offs = [io.offset for io in g.take(65536)]
    assert len(set(offs)) == 65536 == g.nblocks and all(o % 4096 == 0 for o in offs)


def test_norandommap_repeats() -> None:
    offs = [io.offset for io in run("rw=randread\nbs=4k\nsize=4m\nnorandommap")]
    assert len(offs) == 1024 and len(set(offs)) < 1024


def test_determinism_clone_and_seed() -> None:
    def offs(body: str, **kw: object) -> list[int]:
        return [io.offset for io in IoGenerator(spec(body), 64 * MiB, **kw).take(200)]  # type: ignore[arg-type]

    base = "rw=randrw\nbs=4k"
    assert offs(base) == offs(base)
    assert offs(base, clone=1) != offs(base)
    assert offs(base, seed=5) == offs(base, seed=6)  # randrepeat=1: the run seed is not used
    rr0 = base + "\nrandrepeat=0"
    assert offs(rr0, seed=5) != offs(rr0, seed=6) and offs(rr0, seed=5) == offs(rr0, seed=5)
    assert offs(base + "\nrandseed=1") != offs(base + "\nrandseed=2")


def test_rwmix_split() -> None:
    ios = IoGenerator(spec("rw=randrw\nrwmixread=70\ntime_based"), 64 * MiB).take(20000)
    reads = sum(io.op == "read" for io in ios) / len(ios)
    assert 0.68 < reads < 0.72
    assert {
        io.op for io in IoGenerator(spec("rw=randrw\nrwmixread=100\ntime_based"), MiB).take(500)
    } == {"read"}


def test_bssplit_proportions_and_alignment() -> None:
    g = IoGenerator(spec("rw=randrw\nbssplit=4k/60:16k/25:64k/15\ntime_based"), 64 * MiB)
    ios = g.take(20000)
    share = Counter(io.length for io in ios)
    assert abs(share[4096] / 20000 - 0.60) < 0.02 and abs(share[65536] / 20000 - 0.15) < 0.02
    assert all(io.offset % 4096 == 0 and io.offset + io.length <= 64 * MiB for io in ios)


def test_per_direction_bs_and_alignment() -> None:
    ios = IoGenerator(spec("rw=randrw\nbs=4k,64k\ntime_based"), 64 * MiB).take(5000)
    assert {io.length for io in ios if io.op == "read"} == {4096}
    writes = [io for io in ios if io.op == "write"]
    assert writes and all(io.length == 65536 and io.offset % 65536 == 0 for io in writes)


def test_bsrange_lengths() -> None:
    ios = IoGenerator(spec("rw=randread\nbsrange=4k-16k\ntime_based"), 64 * MiB).take(3000)
    assert {io.length for io in ios} == {4096, 8192, 12288, 16384}
    ios = IoGenerator(spec("rw=randread\nbsrange=1k-2k\nbs_unaligned\ntime_based"), MiB).take(500)
    assert {io.length for io in ios} == {1024, 1536, 2048}


def test_fsync_every_n_writes() -> None:
    ios = run("rw=write\nbs=4k\nsize=64k\nfsync=4")
    ops = [io.op for io in ios]
    assert ops.count("flush") == 4 and ops[:5] == ["write"] * 4 + ["flush"]
    assert ios[4] == Io("flush", 0, 0)
    ios = run("rw=randrw\nbs=4k\nsize=1m\nfdatasync=3")
    ops = [io.op for io in ios]
    assert ops.count("flush") == ops.count("write") // 3
    w = 0
    for i, op in enumerate(ops):
        w += op == "write"
        if op == "flush":
            assert ops[i - 1] == "write" and w % 3 == 0


def test_trim_modes() -> None:
    assert {io.op for io in run("rw=trim\nsize=64k")} == {"trim"}
    ios = run("rw=randtrimwrite\nbs=8k\nsize=1m")
    assert len(ios) == 128
    for t, w in zip(ios[0::2], ios[1::2], strict=True):
        assert (t.op, w.op) == ("trim", "write") and (t.offset, t.length) == (w.offset, w.length)
    seq = run("rw=trimwrite\nbs=4k\nsize=16k")
    assert [(io.op, io.offset) for io in seq[:4]] == [
        ("trim", 0),
        ("write", 0),
        ("trim", 4096),
        ("write", 4096),
    ]


def test_random_runs_rw_seq_nr() -> None:
    ios = IoGenerator(spec("rw=randread:4\nbs=4k\ntime_based"), 64 * MiB).take(400)
    for i in range(0, 400, 4):
        run_ = ios[i : i + 4]
        if run_[0].offset + 4 * 4096 <= 64 * MiB:
            assert [io.offset - run_[0].offset for io in run_] == [0, 4096, 8192, 12288]


def test_regions_pct_increment_and_clamp() -> None:
    g = IoGenerator(spec("rw=read\nsize=25%\noffset=50%"), 64 * MiB)
    assert (g.start, g.region) == (32 * MiB, 16 * MiB)
    g = IoGenerator(spec("rw=read\nsize=8m\noffset_increment=8m"), 64 * MiB, clone=3)
    assert (g.start, g.region) == (24 * MiB, 8 * MiB)
    g = IoGenerator(spec("rw=read\nsize=1g\noffset=60m"), 64 * MiB)
    assert (g.start, g.region) == (60 * MiB, 4 * MiB)
    assert IoGenerator(spec("rw=read"), 64 * MiB).region == 64 * MiB
    with pytest.raises(ValueError, match="beyond the disk"):
        IoGenerator(spec("rw=read\noffset=64m"), 64 * MiB)
    with pytest.raises(ValueError, match="not a (multiple of the|whole number of) 512-byte sector"):
        IoGenerator(spec("rw=read\nbs=1000"), 64 * MiB)
    with pytest.raises(ValueError, match="smaller than the block size"):
        IoGenerator(spec("rw=randread\nbs=1m\nsize=512k"), 64 * MiB)


def test_time_based_never_ends() -> None:
    g = IoGenerator(spec("rw=randread\nsize=64k\ntime_based\nruntime=1"), 64 * MiB)
    assert len(g.take(50000)) == 50000 and g.map is not None and g.map.passes >= 3000


def hot_share(body: str, top: float = 0.1) -> tuple[float, np.ndarray]:
    g = IoGenerator(spec(f"rw=randread\nbs=4k\nsize=16m\ntime_based\n{body}"), 64 * MiB)
    blocks = np.array([io.offset // 4096 for io in g.take(40000)])
    counts = np.sort(np.bincount(blocks, minlength=g.nblocks))[::-1]
    return counts[: int(g.nblocks * top)].sum() / counts.sum(), blocks


def test_skewed_distributions() -> None:
    uniform, _ = hot_share("norandommap")
    zipf, _ = hot_share("random_distribution=zipf:1.2")
    pareto, _ = hot_share("random_distribution=pareto:0.9")
    assert uniform < 0.2 and zipf > 0.6 and pareto > 0.6
    _, blocks = hot_share("random_distribution=zipf:1.2:0.5")
    assert Counter(blocks.tolist()).most_common(1)[0][0] == 2048  # hot spot at the centre
    _, blocks = hot_share("random_distribution=normal:5")
    assert abs(np.median(blocks) - 2048) < 40 and np.std(blocks) < 300
