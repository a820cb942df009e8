"""The shipped example job files parse, and DEFAULT_JOB is examples/mixed-randrw.fio verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest

from blkswap.workload import DEFAULT_JOB, IoGenerator, parse_jobfile, parse_jobtext

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_default_job_is_the_example_file() -> None:
    assert (EXAMPLES / "mixed-randrw.fio").read_text() == DEFAULT_JOB


def test_default_job_contents() -> None:
    jf = parse_jobtext(DEFAULT_JOB, env={}, quiet=True)
    assert jf.warnings == []  # the built-in demo must run without noise
    (j,) = jf.jobs
    assert (j.rw, j.rwmixread, j.iodepth, j.numjobs, j.size) == ("randrw", 70, 16, 2, 24 << 20)
    assert j.bssplit == (((4096, 60), (16384, 25), (65536, 15)),) * 3
    assert j.runtime_us == 10_000_000 and j.group_reporting and not j.time_based
    regions = {IoGenerator(j, 1 << 30, clone=c).start for c in range(j.numjobs)}
    assert regions == {0, 64 << 20}  # clones work on separate regions


@pytest.mark.parametrize(
    "name", ["mixed-randrw.fio", "seq-write.fio", "rand-read-4k.fio", "verify.fio"]
)
def test_example_parses_and_generates(name: str) -> None:
    jf = parse_jobfile(EXAMPLES / name, env={}, quiet=True)
    assert jf.jobs and all(j.effective.get("ioengine") == "xen-blkfront" for j in jf.jobs)
    for j in jf.jobs:
        ios = IoGenerator(j, 1 << 30).take(100)
        want = 100
        if not j.time_based and j.size is not None and j.rw == "write":
            writes = j.size // j.bs[1]  # a size-limited sequential job ends after one pass,
            want = min(100, writes + (writes // j.fsync if j.fsync else 0))  # plus its flushes
        assert len(ios) == want and all(io.offset % 512 == 0 and io.length % 512 == 0 for io in ios)


def test_verify_example() -> None:
    (j,) = parse_jobfile(EXAMPLES / "verify.fio", env={}, quiet=True).jobs
    assert (j.verify, j.verify_interval, j.do_verify, j.verify_fatal, j.bs) == (
        "crc32",
        512,
        True,
        True,
        (4096, 65536, 65536),
    )
