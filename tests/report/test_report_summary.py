"""fio's normal-format summary: expected lines are taken from the real fio-3.42 capture
(fio-conventions.md §5) and rebuilt from the same inputs."""

from __future__ import annotations

import math
import re

from blkswap.report import JobStats, RunStats, format_banner, format_normal
from blkswap.report.groups import GroupRun
from blkswap.report.model import DEFAULT_PERCENTILES, SampleStat
from blkswap.report.summary import (
    _bw_lines,
    display_lat,
    format_percentiles,
    latency_lines,
    split_per_direction,
    xen_line,
)

CAPTURE_PCT_USEC = [
    2278,
    3097,
    3621,
    4359,
    4948,
    5538,
    6128,
    6718,
    7439,
    8225,
    9503,
    10552,
    12649,
    13435,
    16450,
    17957,
    22152,
]


def test_display_lat_lines_from_capture() -> None:
    assert display_lat("slat", 1262, 5509853, 264901.127741, 534229.326699) == (
        "    slat (nsec): min=1262, max=5509.9k, avg=264901.13, stdev=534229.33\n"
    )
    assert display_lat("clat", 819196, 26962153, 6377086.182169, 2310565.697687) == (
        "    clat (usec): min=819, max=26962, avg=6377.09, stdev=2310.57\n"
    )
    assert display_lat(" lat", 823202, 26972336, 6641910.892868, 2397301.100098) == (
        "     lat (usec): min=823, max=26972, avg=6641.91, stdev=2397.30\n"
    )
    assert display_lat("clat", 3_000_000, 500_000_000, 9e7, 5e6).startswith(
        "    clat (msec): min=3, max=500,"
    )


def test_percentile_table_from_capture() -> None:
    # capture ns values where printed (e.g. 1% = 2277376), else the usec value minus 500 ns;
    # fio rounds up when scaling, so both print as the capture's usec numbers.
    known = {
        0: 2277376,
        1: 3096576,
        6: 6127616,
        12: 12648448,
        13: 13434880,
        14: 16449536,
        15: 17956864,
        16: 22151168,
    }
    ovals = [known.get(i, u * 1000 - 500) for i, u in enumerate(CAPTURE_PCT_USEC)]
    assert format_percentiles(DEFAULT_PERCENTILES, ovals, "clat") == (
        "    clat percentiles (usec):\n"
        "     |  1.00th=[ 2278],  5.00th=[ 3097], 10.00th=[ 3621], 20.00th=[ 4359],\n"
        "     | 30.00th=[ 4948], 40.00th=[ 5538], 50.00th=[ 6128], 60.00th=[ 6718],\n"
        "     | 70.00th=[ 7439], 80.00th=[ 8225], 90.00th=[ 9503], 95.00th=[10552],\n"
        "     | 99.00th=[12649], 99.50th=[13435], 99.90th=[16450], 99.95th=[17957],\n"
        "     | 99.99th=[22152]\n"
    )


def test_percentile_table_nsec_and_wide_columns() -> None:
    text = format_percentiles([50.0, 99.0], [900, 1500], "clat")
    # precision 0 -> fio's " %3.0fth=[%5llu]" entries
    assert text == "    clat percentiles (nsec):\n     |  50th=[  900],  99th=[ 1500]\n"
    # min <= 2000 ns keeps nsec even with a large max; the column widens to 7 digits
    wide = format_percentiles([50.0, 99.0], [1000, 5_000_000], "lat")
    assert wide == "    lat percentiles (nsec):\n     |  50th=[   1000],  99th=[5000000]\n"


def test_bw_and_iops_lines_from_capture() -> None:
    n, dev = 36049, 312.456313
    bw = SampleStat(151, 5000, 739.417043, dev * dev * (n - 1), n)
    iops = SampleStat(1, 1, 1.0, 0.0, n)
    rs = GroupRun(0, agg=[0, 14758291, 0])
    assert _bw_lines(bw, iops, rs, 1) == (
        "   bw (  KiB/s): min=  151, max= 5000, per=5.13%, avg=739.42, stdev=312.46, samples=36049\n"
        "   iops        : min=    1, max=    1, avg= 1.00, stdev= 0.00, samples=36049\n"
    )


def test_latency_bucket_lines_from_capture() -> None:
    job = JobStats("j")
    # capture latency_us "1000": 0.011103 and latency_ms 2..50 of 36026 I/Os -> these counts
    for idx, count in ((19, 4), (20, 167), (21, 5151), (22, 28204), (23, 2514), (24, 9)):
        job.write.lat_buckets[idx] = count
    job.write.total_ios = 36026
    assert latency_lines(job) == (
        "  lat (usec)   : 1000=0.01%\n  lat (msec)   : 2=0.46%, 4=14.30%, 10=78.29%, 20=6.98%, 50=0.02%\n"
    )


def test_full_summary_of_capture_shaped_run(capture_run: RunStats) -> None:
    capture_run.jobs[0].usr_cpu, capture_run.jobs[0].sys_cpu = 1.319472, 3.058776
    capture_run.jobs[0].ctx, capture_run.jobs[0].minf = 33220, 2858
    capture_run.disk_util = [
        {"name": "nvme8n2", "read_ios": 27, "write_ios": 77121, "read_sectors": 1912, "write_sectors": 616968,
         "read_merges": 0, "write_merges": 0, "read_ticks": 12, "write_ticks": 293577, "in_queue": 293589, "util": 99.537611}
    ]  # fmt: skip
    text = format_normal(capture_run)
    lines = text.splitlines()
    assert re.fullmatch(
        r"/dev/nvme8n2: \(groupid=0, jobs=1\): err= 0: pid=0: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}",
        lines[0],
    )
    assert lines[1] == "  write: IOPS=3600, BW=14.1MiB/s (14.8MB/s)(141MiB/10005msec)"
    m = re.match(
        r"  (read|write|trim): IOPS=([\d.]+k?), BW=([\d.]+[KMG]iB/s) \(([\d.]+[kMG]B/s)\)\(([\d.]+[KMG]iB)/(\d+)msec\)",
        lines[1],
    )
    assert m and m.group(6) == "10005"
    assert "  cpu          : usr=1.32%, sys=3.06%, ctx=33220, majf=0, minf=2858" in lines
    assert "     issued rwts: total=0,36026,0,0 short=0,0,0,0 dropped=0,0,0,0" in lines
    assert "     latency   : target=0.00ns, window=0.00ns, percentile=100.00%, depth=24" in lines
    assert "Run status group 0 (all jobs):" in lines
    assert (
        "  WRITE: bw=14.1MiB/s (14.8MB/s), 14.1MiB/s-14.1MiB/s (14.8MB/s-14.8MB/s), io=141MiB (148MB), run=10005-10005msec"
        in lines
    )
    assert lines[lines.index("Disk stats (read/write):") + 1] == (
        "  nvme8n2: ios=27/77121, sectors=1912/616968, merge=0/0, ticks=12/293577, in_queue=293589, util=99.54%"
    )
    table = [ln for ln in lines if ln.startswith("     |")]
    assert len(table) == math.ceil(17 / 4)
    assert all(len(re.findall(r"\d+\.\d\dth=\[ *\d+\]", row)) == 4 for row in table[:-1])
    assert lines.index("    clat percentiles (usec):") < lines.index(table[0])
    assert not any(ln.startswith("  read:") for ln in lines)  # directions without I/O are omitted


def test_xen_line_shows_what_is_present() -> None:
    counters = {
        "hypercalls": {"grant_table_op": 900, "event_channel_op": 100},
        "tlb_flushes": 12,
        "grant_ops": {"map": 300, "unmap": 300, "copy": 0, "swap": 44},
        "dom0_frames_peak": 704,
    }
    assert xen_line(counters) == (
        "  xen          : hypercalls=1000, tlbflush=12, gnt_map=300/unmap=300, gnt_copy=0, gnt_swap=44, mem=2816KiB\n"
    )
    assert xen_line({}) == ""
    assert xen_line({"tlb_flushes": 3}) == "  xen          : tlbflush=3\n"


def test_xen_line_sits_after_cpu(capture_run: RunStats) -> None:
    capture_run.jobs[0].blkswap = {"hypercalls": 5}
    lines = format_normal(capture_run).splitlines()
    assert lines[lines.index("  xen          : hypercalls=5") - 1].startswith("  cpu          :")


def test_job_without_io_prints_nothing_but_group_header() -> None:
    assert format_normal(RunStats(jobs=[JobStats("idle")])) == "\nRun status group 0 (all jobs):\n"


def test_banner_and_per_direction_bs() -> None:
    run = RunStats(
        jobs=[JobStats("j", job_options={"rw": "randrw", "bs": "4k,64k", "iodepth": "8"})]
    )
    assert format_banner(run).splitlines() == [
        "j: (g=0): rw=randrw, bs=(R) 4096B-4096B, (W) 64.0KiB-64.0KiB, (T) 64.0KiB-64.0KiB, ioengine=xen-blkfront, iodepth=8",
        "fio-3.42-compat (blkswap 0.1.0)",
        "Starting 1 process",
    ]
    assert split_per_direction("8k,32k,", "4096") == ["8k", "32k", "4096"]
    assert split_per_direction(",8k", "4096") == ["4096", "8k", "8k"]
    assert split_per_direction("512", "4096") == ["512", "512", "512"]
