"""Result model: what a run measured, filled by the lab while it runs, read by every report.

``DirStats`` holds one direction (read/write/trim) of one job; ``JobStats`` one fio job (or a
``numjobs`` clone); ``RunStats`` a whole run. Filling is cheap: ``DirStats.add`` is called once
per completed I/O, ``JobStats.note_depth`` once per submit. Nothing here imports the lab; the
lab imports this.

Bandwidth and IOPS samples follow fio's ``bwavgtime``/``iopsavgtime`` (500 ms): each full
window of simulated time since job start that saw completions is one sample of KiB/s and
IOPS (fio stat.c ``__add_samples`` skips windows with no I/O). Lab difference: fio samples on
wall-clock ticks; we bucket by completion time, and a run shorter than one window yields one
sample over the time until its last completion, so short simulated runs still report a rate.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from .histogram import LatencyHistogram
from .units import LAT_BOUNDS_NS

__all__ = [
    "DEFAULT_PERCENTILES",
    "DIRECTIONS",
    "DirStats",
    "JobStats",
    "RunStats",
    "SampleStat",
]

DIRECTIONS = ("read", "write", "trim")
# fio options.c percentile_list default
DEFAULT_PERCENTILES = (
    1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99,
)  # fmt: skip
NS_PER_MS = 1_000_000


@dataclass
class SampleStat:
    """fio ``struct io_stat`` summary of bw/iops samples: min, max, mean, S (sum of squared
    deviations) and sample count. ``dev`` is the sample standard deviation (fio calc_lat)."""

    min: int = 0
    max: int = 0
    mean: float = 0.0
    S: float = 0.0
    samples: int = 0

    @classmethod
    def of(cls, values: list[int]) -> SampleStat:
        """Summary of a list of integer samples."""
        if not values:
            return cls()
        n = len(values)
        mean = sum(values) / n
        s = sum((v - mean) ** 2 for v in values)
        return cls(min(values), max(values), mean, s, n)

    @property
    def dev(self) -> float:
        return math.sqrt(self.S / (self.samples - 1)) if self.samples > 1 else 0.0

    def pure_sum(self, other: SampleStat) -> SampleStat:
        """fio stat.c ``sum_stat(..., pure_sum=true)`` used for bw/iops under group_reporting:
        min, max, mean, S and samples are simply added (the jobs ran side by side)."""
        if other.samples == 0:
            return self
        if self.samples == 0:
            return other
        return SampleStat(
            self.min + other.min,
            self.max + other.max,
            self.mean + other.mean,
            self.S + other.S,
            self.samples + other.samples,
        )


class DirStats:
    """One direction of one job: byte/IO counters, slat/clat/lat histograms, clat buckets
    (fio ``io_u_lat_n/u/m``) and per-window byte/IO counts for the bw/iops samples."""

    __slots__ = (
        "io_bytes",
        "total_ios",
        "short_ios",
        "drop_ios",
        "slat",
        "clat",
        "lat",
        "lat_buckets",
        "window_ns",
        "last_done_ns",
        "runtime_override_ms",
        "_win_bytes",
        "_win_ios",
        "io_log",
    )

    def __init__(self, window_ms: int = 500) -> None:
        if window_ms <= 0:
            raise ValueError(f"bw/iops window must be > 0 ms, got {window_ms}")
        self.io_bytes = 0  # bytes completed
        self.total_ios = 0  # I/Os completed
        self.short_ios = 0  # I/Os that moved fewer bytes than asked (lab sets directly)
        self.drop_ios = 0  # I/Os dropped (lab sets directly)
        self.slat = LatencyHistogram()  # submission latency: issue -> handed to the ring
        self.clat = LatencyHistogram()  # completion latency: ring -> completion seen
        self.lat = LatencyHistogram()  # total latency = slat + clat
        self.lat_buckets = [0] * (len(LAT_BOUNDS_NS) + 1)  # clat counts per fio bucket
        self.window_ns = window_ms * NS_PER_MS  # bwavgtime / iopsavgtime
        self.last_done_ns = 0  # latest completion time seen (sim ns since job start)
        self.runtime_override_ms: int | None = None  # set by group merges (fio: max runtime)
        self._win_bytes: list[int] = []
        self._win_ios: list[int] = []
        #: (done_ns, slat_ns, clat_ns, nbytes) per I/O, kept only for write_*_log (fio_logs)
        self.io_log: list[tuple[int, int, int, int]] | None = None

    def add(self, nbytes: int, slat_ns: int, clat_ns: int, done_ns: int) -> None:
        """Record one completed I/O of ``nbytes`` bytes completing at ``done_ns`` (sim ns since
        job start) with the given submission and completion latencies."""
        if nbytes < 0 or done_ns < 0:
            raise ValueError(f"DirStats.add: nbytes={nbytes} and done_ns={done_ns} must be >= 0")
        self.io_bytes += nbytes
        self.total_ios += 1
        self.slat.add(slat_ns)
        self.clat.add(clat_ns)
        self.lat.add(slat_ns + clat_ns)
        self.lat_buckets[bisect_right(LAT_BOUNDS_NS, clat_ns)] += 1
        w = done_ns // self.window_ns
        if w >= len(self._win_bytes):
            grow = w + 1 - len(self._win_bytes)
            self._win_bytes.extend([0] * grow)
            self._win_ios.extend([0] * grow)
        self._win_bytes[w] += nbytes
        self._win_ios[w] += 1
        if done_ns > self.last_done_ns:
            self.last_done_ns = done_ns
        if self.io_log is not None:
            self.io_log.append((done_ns, slat_ns, clat_ns, nbytes))

    def runtime_ms(self, start_ns: int, end_ns: int) -> int:
        """Time this direction was active, in ms, as fio ``ts->runtime[ddir]``: the job's
        elapsed time if the direction moved any bytes, else 0. Lab rule: at least 1 ms when
        it did I/O, so sub-millisecond simulated runs still have a defined bandwidth."""
        if self.runtime_override_ms is not None:
            return self.runtime_override_ms
        if not self.io_bytes and not self.total_ios:
            return 0
        return max(1, (end_ns - start_ns) // NS_PER_MS)

    def _window_rates(self, end_ns: int | None) -> tuple[list[int], list[int]]:
        horizon = self.last_done_ns if end_ns is None else max(end_ns, self.last_done_ns)
        full = min(horizon // self.window_ns, len(self._win_bytes))
        win_ms = self.window_ns // NS_PER_MS
        bw = [b * 1000 // win_ms // 1024 for b in self._win_bytes[:full] if b]
        iops = [n * 1000 // win_ms for n in self._win_ios[:full] if n]
        if not bw and self.total_ios:
            span_ms = max(1, self.last_done_ns // NS_PER_MS)  # short run: one partial sample
            bw = [self.io_bytes * 1000 // span_ms // 1024]
            iops = [self.total_ios * 1000 // span_ms]
        return bw, iops

    def bw_stat(self, end_ns: int | None = None) -> SampleStat:
        """bw samples in KiB/s (fio ``bw_stat``): bw_min/max/mean/dev/samples."""
        return SampleStat.of(self._window_rates(end_ns)[0])

    def iops_stat(self, end_ns: int | None = None) -> SampleStat:
        """IOPS samples (fio ``iops_stat``): iops_min/max/mean/stddev/samples."""
        return SampleStat.of(self._window_rates(end_ns)[1])

    def merge(self, other: DirStats) -> None:
        """Add ``other``'s counters, histograms, buckets and windows (aligned by index)."""
        self.io_bytes += other.io_bytes
        self.total_ios += other.total_ios
        self.short_ios += other.short_ios
        self.drop_ios += other.drop_ios
        self.slat.merge(other.slat)
        self.clat.merge(other.clat)
        self.lat.merge(other.lat)
        self.lat_buckets = [a + b for a, b in zip(self.lat_buckets, other.lat_buckets, strict=True)]
        for mine, theirs in ((self._win_bytes, other._win_bytes), (self._win_ios, other._win_ios)):
            if len(theirs) > len(mine):
                mine.extend([0] * (len(theirs) - len(mine)))
            for i, v in enumerate(theirs):
                mine[i] += v
        self.last_done_ns = max(self.last_done_ns, other.last_done_ns)

    def __repr__(self) -> str:
        return f"DirStats(ios={self.total_ios}, bytes={self.io_bytes}, clat={self.clat!r})"


@dataclass
class JobStats:
    """One fio job (each ``numjobs`` clone is its own JobStats, as in fio).

    ``job_options`` holds the options the user set, as strings exactly as typed (fio echoes
    them in "job options"). ``blkswap`` is the job's lab counters, passed through verbatim into
    the job's ``"blkswap"`` JSON object (keys such as guest, datapath, requests, segments,
    hypercalls, grant_ops{map,unmap,copy,transfer,swap}, tlb_flushes, bytes_copied,
    verify_errors, leaked_bytes, dom0_frames_peak, cpu_ns{…}).
    """

    jobname: str
    groupid: int = 0
    job_options: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    read: DirStats = field(default_factory=DirStats)
    write: DirStats = field(default_factory=DirStats)
    trim: DirStats = field(default_factory=DirStats)
    sync: DirStats = field(default_factory=DirStats)  # only total_ios and lat are reported
    start_ns: int = 0  # sim time the job started
    end_ns: int = 0  # sim time the job ended
    job_start_ms: int = 0  # epoch ms, JSON "job_start"
    error: int = 0  # errno, 0 = OK (84 = EILSEQ on verify failure)
    usr_cpu: float = 0.0  # % of job runtime
    sys_cpu: float = 0.0
    ctx: int = 0
    majf: int = 0
    minf: int = 0
    iodepth_counts: dict[int, int] = field(default_factory=dict)  # depth at submit -> samples
    submit_batches: dict[int, int] = field(default_factory=dict)  # I/Os per submit call -> calls
    complete_batches: dict[int, int] = field(default_factory=dict)  # I/Os per reap -> calls
    percentile_list: tuple[float, ...] = DEFAULT_PERCENTILES
    clat_percentiles: bool = True  # fio defaults: clat on, lat and slat off
    lat_percentiles: bool = False
    slat_percentiles: bool = False
    pid: int = 0  # printed in the normal summary header (the lab has no process per job)
    members: int = 1  # jobs merged into this entry (group_reporting)
    blkswap: dict[str, Any] = field(default_factory=dict)
    #: write_bw/iops/lat_log settings (report.fio_logs.log_settings); None: no fio logs
    logs: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.logs:
            for d in (self.read, self.write, self.trim):
                d.io_log = []

    def direction(self, name: str) -> DirStats:
        """The DirStats for "read", "write", "trim" or "sync"."""
        if name not in ("read", "write", "trim", "sync"):
            raise ValueError(f"unknown direction {name!r}; expected read, write, trim or sync")
        return getattr(self, name)

    def note_depth(self, depth: int) -> None:
        """Record the in-flight depth seen at one submit (feeds ``iodepth_level``)."""
        self.iodepth_counts[depth] = self.iodepth_counts.get(depth, 0) + 1

    @property
    def runtime_ms(self) -> int:
        """Job runtime in ms (fio ``job_runtime``)."""
        return max(0, (self.end_ns - self.start_ns) // NS_PER_MS)

    @property
    def total_ios(self) -> int:
        """I/Os over read, write and trim (fio ``ddir_rw_sum(total_io_u)``)."""
        return self.read.total_ios + self.write.total_ios + self.trim.total_ios

    def dir_runtime_ms(self, name: str) -> int:
        return self.direction(name).runtime_ms(self.start_ns, self.end_ns)


@dataclass
class RunStats:
    """A whole run: its jobs plus host-wide figures.

    ``blkswap`` (top-level JSON ``"blkswap"``): cpu_ns_by_domain {"dom0": …, "guest1": …},
    cpu_ns_by_cause {…}, xen_ns, dom0_memory {frames_peak, timeline: [[t_ns, frames], …]},
    counters {…}. ``disk_util``: one dict per emulated VBD with fio's disk_util keys.
    """

    jobs: list[JobStats] = field(default_factory=list)
    global_options: dict[str, str] = field(default_factory=dict)
    timestamp: float = 0.0  # epoch seconds at the end of the run
    blkswap: dict[str, Any] = field(default_factory=dict)
    disk_util: list[dict[str, Any]] = field(default_factory=list)
    group_reporting: bool = False
    #: the emulated storage devices (lab.figures.device_figures): busy time, utilisation; used
    #: by the verdict and plots, not part of the fio JSON
    devices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start_ns(self) -> int:
        return min((j.start_ns for j in self.jobs), default=0)

    @property
    def end_ns(self) -> int:
        return max((j.end_ns for j in self.jobs), default=0)
