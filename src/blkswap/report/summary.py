"""fio's human-readable end-of-run summary (``--output-format=normal``), line by line.

Formats follow fio stat.c show_thread_status_normal, show_ddir_status, display_lat,
show_clat_percentiles, show_latencies, show_group_stats and print_disk_util (fio-conventions.md
§5). The one lab addition is a ``  xen          :`` line after ``cpu`` built from the job's
"blkswap" counters. ``format_comparison`` (the data-path table) lives in ``comparison`` and is
re-exported here.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from typing import Any

from .comparison import format_comparison
from .figures import counter_total
from .fio_json import FIO_VERSION, iodepth_option, lat_bucket_percents
from .groups import GroupRun, bw_agg_percent, dir_figures, group_runs, kb_base, reported_jobs
from .histogram import LatencyHistogram
from .model import DIRECTIONS, JobStats, RunStats, SampleStat
from .units import N2S, batch_distribution, depth_distribution, num2str, percentile_precision

__all__ = ["format_banner", "format_comparison", "format_normal"]

_GROUP_DIR = ("   READ", "  WRITE", "   TRIM")
_LAT_RANGES = ("2=", "4=", "10=", "20=", "50=", "100=", "250=", "500=", "750=", "1000=")
_LAT_M_RANGES = _LAT_RANGES + ("2000=", ">=2000=")


def _scale(lo: int, hi: int, mean: float, dev: float) -> tuple[str, int]:
    """stat.h nsec_to_msec / nsec_to_usec: the unit a slat/clat/lat line is printed in."""
    if lo > 2_000_000 and hi > 99_999_999 and dev > 1_000_000.0:
        return "msec", 1_000_000
    if lo > 2000 and hi > 99_999 and dev > 1000.0:
        return "usec", 1000
    return "nsec", 1


def display_lat(name: str, lo: int, hi: int, mean: float, dev: float) -> str:
    """``    clat (usec): min=819, max=26962, avg=6377.09, stdev=2310.57`` (stat.c display_lat)."""
    unit, div = _scale(lo, hi, mean, dev)
    lo_s = num2str(lo // div, 6, 1, False)
    hi_s = num2str(hi // div, 6, 1, False)
    return f"    {name} ({unit}): min={lo_s}, max={hi_s}, avg={mean / div:5.02f}, stdev={dev / div:5.02f}\n"


def _hist_lat(name: str, hist: LatencyHistogram) -> str:
    return display_lat(name, hist.min, hist.max, hist.mean, hist.stddev)


def format_percentiles(plist: Sequence[float], ovals: Sequence[int], pre: str) -> str:
    """The ``clat percentiles (usec):`` block from sorted percentiles and their ns values
    (stat.c show_clat_percentiles: unit from the value range, each step rounded up, column
    width ``max(5, digits)``, ``(80-7)/(precision+10+width)`` entries per row)."""
    if not ovals:
        return ""
    if len(plist) != len(ovals):
        raise ValueError(f"{len(plist)} percentiles but {len(ovals)} values")
    minv, maxv = min(ovals), max(ovals)
    if minv > 2_000_000 and maxv > 99_999_999:
        scale_down, divisor, unit = 2, 1_000_000, "msec"
    elif minv > 2000 and maxv > 99_999:
        scale_down, divisor, unit = 1, 1000, "usec"
    else:
        scale_down, divisor, unit = 0, 1, "nsec"
    precision = percentile_precision(plist)
    top = maxv // divisor
    width = max(5, int(math.log10(top) + 1) if top > 0 else 0)
    per_line = (80 - 7) // (precision + 10 + width)
    out = [f"    {pre} percentiles ({unit}):\n     |"]
    for j, (p, v) in enumerate(zip(plist, ovals, strict=True)):
        if j and j % per_line == 0:
            out.append("     |")
        for _ in range(scale_down):
            v = (v + 999) // 1000  # fio rounds each scaling step up
        last = j == len(ovals) - 1
        out.append(f" {p:{precision + 3}.{precision}f}th=[{v:{width}d}]{chr(10) if last else ','}")
        if not last and j % per_line == per_line - 1:
            out.append("\n")
    return "".join(out)


def percentile_table(hist: LatencyHistogram, job: JobStats, pre: str) -> str:
    """The percentile block of ``hist`` with the job's percentile list."""
    values = hist.percentiles(job.percentile_list)
    plist = sorted(float(p) for p in job.percentile_list)
    return format_percentiles(plist, list(values.values()), pre)


def _bw_lines(fig_bw: SampleStat, iops: SampleStat, rs: GroupRun, ddir: int) -> str:
    out = ""
    if fig_bw.samples:
        i2p = rs.kb_base == 1024
        unit = "KiB" if i2p else "kB"
        lo, hi, mean, dev = fig_bw.min, fig_bw.max, fig_bw.mean, fig_bw.dev
        p_of_agg = bw_agg_percent(rs, ddir, mean)
        base = float(rs.kb_base)
        if mean > base * base:  # stat.c: switch to MiB/s above kb_base² KiB/s
            lo, hi, mean, dev = int(lo / base), int(hi / base), mean / base, dev / base
            unit = "MiB"
        out += (
            f"   bw ({unit:>5s}/s): min={lo:5d}, max={hi:5d}, per={p_of_agg:3.2f}%, "
            f"avg={mean:5.02f}, stdev={dev:5.02f}, samples={fig_bw.samples}\n"
        )
    if iops.samples:
        out += (
            f"   iops        : min={iops.min:5d}, max={iops.max:5d}, "
            f"avg={iops.mean:5.02f}, stdev={iops.dev:5.02f}, samples={iops.samples}\n"
        )
    return out


def _ddir_status(job: JobStats, name: str, bw: SampleStat | None, rs: GroupRun) -> str:
    """stat.c show_ddir_status for one of read/write/trim."""
    d = job.direction(name)
    fig = dir_figures(job, name, bw)
    if not fig.runtime_ms:
        return ""
    i2p = rs.kb_base == 1024
    bw_bytes = 1000 * d.io_bytes // fig.runtime_ms
    iops = 1000 * d.total_ios // fig.runtime_ms
    out = [
        f"  {name}: IOPS={num2str(iops, 4, 1, False)}, "
        f"BW={num2str(bw_bytes, 4, 1, i2p, N2S.BYTEPERSEC)} "
        f"({num2str(bw_bytes, 4, 1, not i2p, N2S.BYTEPERSEC)})"
        f"({num2str(d.io_bytes, 4, 1, i2p, N2S.BYTE)}/{fig.runtime_ms}msec)\n"
    ]
    for label, hist in (("slat", d.slat), ("clat", d.clat), (" lat", d.lat)):
        if hist.n:
            out.append(_hist_lat(label, hist))
    for flag, pre, hist in (
        (job.slat_percentiles, "slat", d.slat),
        (job.clat_percentiles, "clat", d.clat),
        (job.lat_percentiles, "lat", d.lat),
    ):
        if flag and hist.n:
            out.append(percentile_table(hist, job, pre))
    out.append(_bw_lines(fig.bw, fig.iops_stat, rs, DIRECTIONS.index(name)))
    return "".join(out)


def _lat_lines(values: list[float], ranges: tuple[str, ...], unit: str) -> str:
    """stat.c show_lat: non-zero buckets, five per line."""
    shown = [(r, v) for r, v in zip(ranges, values, strict=True) if v > 0.0]
    lines = []
    for i in range(0, len(shown), 5):
        chunk = ", ".join(f"{r}{v:3.2f}%" for r, v in shown[i : i + 5])
        lines.append(f"  lat ({unit})   : {chunk}\n")
    return "".join(lines)


def latency_lines(job: JobStats) -> str:
    """The ``  lat (usec)   : 1000=0.01%`` lines (stat.c show_latencies)."""
    pct = lat_bucket_percents(job)
    return (
        _lat_lines(pct[0:10], _LAT_RANGES, "nsec")
        + _lat_lines(pct[10:20], _LAT_RANGES, "usec")
        + _lat_lines(pct[20:32], _LAT_M_RANGES, "msec")
    )


def xen_line(blkswap: dict[str, Any]) -> str:
    """The lab's extra line: ``  xen          : hypercalls=…, tlbflush=…, gnt_map=…/unmap=…, …``."""
    parts = []
    if "hypercalls" in blkswap:
        parts.append(f"hypercalls={counter_total(blkswap['hypercalls'])}")
    if "tlb_flushes" in blkswap:
        parts.append(f"tlbflush={counter_total(blkswap['tlb_flushes'])}")
    ops = blkswap.get("grant_ops") if isinstance(blkswap.get("grant_ops"), dict) else {}
    if "map" in ops or "unmap" in ops:
        parts.append(
            f"gnt_map={counter_total(ops.get('map', 0))}/unmap={counter_total(ops.get('unmap', 0))}"
        )
    for key in ("copy", "swap", "transfer"):
        if key in ops:
            parts.append(f"gnt_{key}={counter_total(ops[key])}")
    if "bytes_copied" in blkswap:
        parts.append(
            f"copied={num2str(counter_total(blkswap['bytes_copied']), 4, 1, True, N2S.BYTE)}"
        )
    if "dom0_frames_peak" in blkswap:
        frames = counter_total(blkswap["dom0_frames_peak"])
        parts.append(f"mem={num2str(frames * 4096, 4, 1, True, N2S.BYTE)}")
    return f"  xen          : {', '.join(parts)}\n" if parts else ""


def _dist_line(label: str, keys: tuple[str, ...], values: list[float]) -> str:
    return label + ", ".join(f"{k}={v:3.1f}%" for k, v in zip(keys, values, strict=True)) + "\n"


def _tail(run: RunStats, job: JobStats) -> str:
    """Everything after the direction blocks: latency buckets … latency target."""
    out = [latency_lines(job)]
    if job.sync.lat.n:
        out.append("  fsync/fdatasync/sync_file_range:\n")
        out.append(_hist_lat("sync", job.sync.lat))
        out.append(percentile_table(job.sync.lat, job, "sync"))
    out.append(
        f"  cpu          : usr={job.usr_cpu:3.2f}%, sys={job.sys_cpu:3.2f}%, "
        f"ctx={job.ctx}, majf={job.majf}, minf={job.minf}\n"
    )
    out.append(xen_line(job.blkswap))
    total = job.total_ios
    keys = ("1", "2", "4", "8", "16", "32", ">=64")
    out.append(_dist_line("  IO depths    : ", keys, depth_distribution(job.iodepth_counts, total)))
    skeys = ("0", "4", "8", "16", "32", "64", ">=64")
    submit = job.submit_batches or ({1: total} if total else {})
    complete = job.complete_batches or ({1: total} if total else {})
    out.append(_dist_line("     submit    : ", skeys, batch_distribution(submit)))
    out.append(_dist_line("     complete  : ", skeys, batch_distribution(complete)))
    r, w, t = (job.direction(n) for n in DIRECTIONS)
    out.append(
        f"     issued rwts: total={r.total_ios},{w.total_ios},{t.total_ios},{job.sync.total_ios}"
        f" short={r.short_ios},{w.short_ios},{t.short_ios},0"
        f" dropped={r.drop_ios},{w.drop_ios},{t.drop_ios},0\n"
    )
    out.append(
        "     latency   : target=0.00ns, window=0.00ns, percentile=100.00%, "
        f"depth={iodepth_option(run, job)}\n"
    )
    return "".join(out)


def _job_block(run: RunStats, job: JobStats, bw: dict[str, SampleStat], rs: GroupRun) -> str:
    if not job.total_ios and not any(job.direction(n).io_bytes for n in DIRECTIONS):
        return ""  # fio prints nothing for a job that did no I/O
    stamp = time.ctime(run.timestamp)
    err = f"err={job.error:2d}" + (f" ({_strerror(job.error)})" if job.error else "")
    out = [
        f"{job.jobname}: (groupid={job.groupid}, jobs={job.members}): {err}: pid={job.pid}: {stamp}\n"
    ]
    if job.description:
        out.append(f"  Description  : [{job.description}]\n")
    for name in DIRECTIONS:
        if job.direction(name).io_bytes:
            out.append(_ddir_status(job, name, bw.get(name), rs))
    out.append(_tail(run, job))
    return "".join(out)


def _strerror(errno_value: int) -> str:
    return f"error={os.strerror(errno_value)}"


def _group_block(rs: GroupRun) -> str:
    """stat.c show_group_stats."""
    i2p = rs.kb_base == 1024
    out = [f"\nRun status group {rs.groupid} (all jobs):\n"]

    def n(v: int, pow2: bool, unit: N2S = N2S.BYTEPERSEC) -> str:
        return num2str(v, 4, 1, pow2, unit)

    for i in range(3):
        if not rs.max_run[i]:
            continue
        out.append(
            f"{_GROUP_DIR[i]}: bw={n(rs.agg[i], i2p)} ({n(rs.agg[i], not i2p)}), "
            f"{n(rs.min_bw[i], i2p)}-{n(rs.max_bw[i], i2p)} "
            f"({n(rs.min_bw[i], not i2p)}-{n(rs.max_bw[i], not i2p)}), "
            f"io={n(rs.iobytes[i], i2p, N2S.BYTE)} ({n(rs.iobytes[i], not i2p, N2S.BYTE)}), "
            f"run={rs.min_run[i]}-{rs.max_run[i]}msec\n"
        )
    return "".join(out)


def _disk_block(run: RunStats) -> str:
    if not run.disk_util:
        return ""
    out = ["\nDisk stats (read/write):\n"]
    for du in run.disk_util:
        g = du.get
        out.append(
            f"  {g('name', '?')}: ios={g('read_ios', 0)}/{g('write_ios', 0)}, "
            f"sectors={g('read_sectors', 0)}/{g('write_sectors', 0)}, "
            f"merge={g('read_merges', 0)}/{g('write_merges', 0)}, "
            f"ticks={g('read_ticks', 0)}/{g('write_ticks', 0)}, in_queue={g('in_queue', 0)}, "
            f"util={float(g('util', 0.0)):3.2f}%\n"
        )
    return "".join(out)


def format_normal(run: RunStats) -> str:
    """The fio normal-format summary: each reported job, each group's run status, disk stats."""
    entries = reported_jobs(run)
    groups = group_runs(run, [job for job, _ in entries])
    out = [_job_block(run, job, bw, groups[job.groupid]) for job, bw in entries]
    out.extend(_group_block(rs) for rs in groups.values())
    out.append(_disk_block(run))
    out.append(faults_block(run.blkswap))
    return "".join(out)


def faults_block(blkswap: dict[str, Any]) -> str:
    """With ``--faults``: what was injected and, with ``[durability]``, the power cut's toll."""
    faults = blkswap.get("faults") if isinstance(blkswap, dict) else None
    if not isinstance(faults, dict):
        return ""
    injected = ", ".join(f"{k}={v}" for k, v in faults.get("injected", {}).items())
    out = [f"\nFaults (seed {faults.get('seed', 0)}): injected {injected}\n"]
    if "lost_acknowledged_writes" in faults:
        out.append(
            f"  power cut: {faults.get('cut_sectors', 0)} cached sectors dropped, "
            f"lost acknowledged writes: {faults['lost_acknowledged_writes']}\n"
        )
    return "".join(out)


def _bs_text(raw: str, pow2: bool) -> str:
    text = raw.strip().lower().removesuffix("b")
    mult = (
        {"k": 1024, "m": 1024**2, "g": 1024**3} if pow2 else {"k": 1000, "m": 1000**2, "g": 1000**3}
    )
    factor = mult.get(text[-1:], 1) if text else 1
    digits = text[:-1] if factor != 1 else text
    if not digits.isdigit():
        return raw  # ranges, splits, expressions: echo as typed
    return num2str(int(digits) * factor, 4, 1, pow2, N2S.BYTE)


def split_per_direction(raw: str, default: str) -> list[str]:
    """fio's comma rule for per-direction values (read, write, trim): ``4k,64k`` -> 4k/64k/64k,
    ``8k,32k,`` -> 8k/32k/default, ``,8k`` -> default/8k/8k (fio-conventions.md §1)."""
    parts = raw.split(",")
    values = [default] * 3
    for i, part in enumerate(parts[:3]):
        if part.strip():
            values[i] = part.strip()
    last = parts[min(len(parts), 3) - 1].strip()
    if last:  # a value not followed by a comma also applies to the directions after it
        for i in range(min(len(parts), 3), 3):
            values[i] = last
    return values


def format_banner(run: RunStats) -> str:
    """The lines fio prints before a run: one ``name: (g=0): rw=…`` per job, the version,
    ``Starting N process(es)``. Per-direction bs values are echoed from "bs"."""
    out = []
    for job in run.jobs:
        opts = {**run.global_options, **job.job_options}
        pow2 = kb_base(run, job) == 1024
        bs = [_bs_text(v, pow2) for v in split_per_direction(str(opts.get("bs", "4096")), "4096")]
        out.append(
            f"{job.jobname}: (g={job.groupid}): rw={opts.get('rw', 'read')}, "
            f"bs=(R) {bs[0]}-{bs[0]}, (W) {bs[1]}-{bs[1]}, (T) {bs[2]}-{bs[2]}, "
            f"ioengine={opts.get('ioengine', 'xen-blkfront')}, iodepth={iodepth_option(run, job)}\n"
        )
    n = len(run.jobs)
    out.append(f"{FIO_VERSION}\nStarting {n} process{'es' if n != 1 else ''}\n")
    return "".join(out)
