"""write_bw_log / write_iops_log / write_lat_log write fio's log files in fio's format."""

from __future__ import annotations

from pathlib import Path

import pytest

from blkswap import Lab
from blkswap.report.fio_logs import write_fio_logs
from blkswap.workload import JobFileError, parse_jobtext

JOB = """\
[global]
write_lat_log
write_bw_log=bwp
size=4m
io_size=256k
[j]
rw=randrw
bs=4k
iodepth=4
[k]
rw=read
bs=8k
write_iops_log=io
log_avg_msec=1
per_job_logs=0
"""


@pytest.fixture(scope="module")
def run():
    jf = parse_jobtext(JOB, "logs.fio", env={}, quiet=True)
    return Lab(guests=1, storage="ram", disk_size=8 << 20).run(jf).run


def _rows(path: Path) -> list[list[int]]:
    return [[int(x) for x in line.split(", ")] for line in path.read_text().splitlines()]


def test_file_names_follow_fio(run, tmp_path: Path) -> None:
    names = sorted(p.name for p in write_fio_logs(run, tmp_path))
    assert names == sorted(
        ["j_lat.1.log", "j_slat.1.log", "j_clat.1.log", "bwp_bw.1.log",
         "k_lat.log", "k_slat.log", "k_clat.log", "bwp_bw.log", "io_iops.log"]
    )  # fmt: skip


def test_per_io_lines_match_the_statistics(run, tmp_path: Path) -> None:
    write_fio_logs(run, tmp_path)
    j = run.jobs[0]
    lat = _rows(tmp_path / "j_lat.1.log")
    assert len(lat) == j.read.total_ios + j.write.total_ios == 64
    assert all(len(r) == 5 and r[2] in (0, 1) and r[3] == 4096 and r[4] == 0 for r in lat)
    assert [r[0] for r in lat] == sorted(r[0] for r in lat)  # time-ordered, ms
    assert max(r[1] for r in lat if r[2] == 0) == j.read.lat.max
    slat, clat = _rows(tmp_path / "j_slat.1.log"), _rows(tmp_path / "j_clat.1.log")
    assert sum(r[1] for r in slat) + sum(r[1] for r in clat) == sum(r[1] for r in lat)
    bw = _rows(tmp_path / "bwp_bw.1.log")
    want = sorted((r[0], 4096 * 10**6 // r[1], r[2]) for r in lat)  # fio add_bw_sample
    assert sorted((r[0], r[1], r[2]) for r in bw) == want


def test_averaged_lines(run, tmp_path: Path) -> None:
    write_fio_logs(run, tmp_path)
    iops = _rows(tmp_path / "io_iops.log")
    k = run.jobs[1]
    assert sum(r[1] for r in iops) == k.read.total_ios * 1000  # per-1 ms windows, in IOPS
    assert all(r[0] >= 1 and r[2] == 0 and r[3] == 8192 for r in iops)


def test_log_offset_with_logs_is_refused() -> None:
    with pytest.raises(JobFileError, match="log_offset"):
        parse_jobtext("[a]\nwrite_lat_log=x\nlog_offset=1\n", env={}, quiet=True)
