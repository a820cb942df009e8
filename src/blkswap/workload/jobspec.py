"""Parsed job files: :class:`JobSpec` (one job section, every value resolved) and :class:`JobFile`."""

from __future__ import annotations

from dataclasses import dataclass, field

from blkswap.workload.options import DEFAULT_PERCENTILES

__all__ = ["JobSpec", "JobFile", "DDIR_NAMES", "RANDOM_MODES", "MIXED_MODES", "TRIM_MODES"]

DDIR_NAMES = ("read", "write", "trim")
"""Index order of every per-direction tuple (fio's DDIR_READ=0, DDIR_WRITE=1, DDIR_TRIM=2)."""

RANDOM_MODES = frozenset({"randread", "randwrite", "randtrim", "randrw", "randtrimwrite"})
MIXED_MODES = frozenset({"rw", "randrw"})
TRIM_MODES = frozenset({"trim", "randtrim", "trimwrite", "randtrimwrite"})

Dist = tuple[object, ...]


@dataclass(frozen=True)
class JobSpec:
    """One fio job, every option resolved to numbers (bytes, µs, counts).

    ``options`` holds what the job's own section set (canonical names, strings as typed — fio's
    JSON ``job options``); ``effective`` is ``[global]`` + section merged. Times are µs.
    """

    name: str
    options: dict[str, str] = field(default_factory=dict)
    effective: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    rw: str = "read"
    rw_seq_nr: int = 1  # random modes: new random offset every nr I/Os (rw=randread:8)
    rw_seq_add: int = 0  # sequential modes: bytes skipped after each I/O (rw=write:4k)
    rwmixread: int = 50
    bs: tuple[int, int, int] = (4096, 4096, 4096)
    bsrange: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None = None
    bssplit: tuple[tuple[tuple[int, int], ...], ...] | None = None  # () for a direction without one
    bs_unaligned: bool = False
    ba: tuple[int, int, int] = (0, 0, 0)  # blockalign per direction; 0 = the direction's min bs
    fill_device: bool = False  # fio fill_device: the region runs to the end of the disk
    iodepth: int = 1
    numjobs: int = 1
    size: int | None = None
    size_pct: float | None = None
    io_size: int | None = None
    offset: int = 0
    offset_pct: float | None = None
    offset_increment: int = 0
    offset_align: int = 0
    number_ios: int = 0
    runtime_us: int = 0
    time_based: bool = False
    ramp_time_us: int = 0
    startdelay_us: tuple[int, int] = (0, 0)
    thinktime_us: int = 0
    thinktime_spin_us: int = 0
    thinktime_blocks: int = 1
    rate: tuple[int | None, int | None, int | None] = (None, None, None)
    rate_iops: tuple[int | None, int | None, int | None] = (None, None, None)
    randrepeat: bool = True
    randseed: int = 0x89
    randseed_set: bool = False
    random_generator: str = "tausworthe"
    random_distribution: Dist = ("random",)
    norandommap: bool = False
    fsync: int = 0
    fdatasync: int = 0
    verify: str = "0"
    do_verify: bool = True
    verify_interval: int | None = None
    verify_pattern: str | None = None
    verify_fatal: bool = False
    verify_backlog: int = 0
    percentile_list: tuple[float, ...] = DEFAULT_PERCENTILES
    clat_percentiles: bool = True
    lat_percentiles: bool = False
    slat_percentiles: bool = False
    group_reporting: bool = False
    stonewall: bool = False
    new_group: bool = False
    loops: int = 1
    write_bw_log: str | None = None
    write_lat_log: str | None = None
    write_iops_log: str | None = None
    log_avg_msec: int = 0
    log_offset: bool = False
    per_job_logs: bool = True
    bwavgtime: int = 500
    iopsavgtime: int = 500
    kb_base: int = 1024
    unit_base: int = 0
    host_only: dict[str, str] = field(default_factory=dict)
    lab_options: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        """Hash of name + effective options (the dict fields themselves are not hashable)."""
        return hash((self.name, tuple(sorted(self.effective.items()))))

    @property
    def is_random(self) -> bool:
        """True for the rand* modes."""
        return self.rw in RANDOM_MODES

    @property
    def min_bs(self) -> tuple[int, int, int]:
        """Smallest I/O length per direction, from bs, bsrange or bssplit."""
        return tuple(min(s) for s in self.block_sizes)  # type: ignore[return-value]

    @property
    def max_bs(self) -> int:
        """Largest I/O length in any direction (what an I/O buffer must hold)."""
        return max(max(s) for s in self.block_sizes)

    @property
    def block_sizes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """The distinct lengths each direction may use (bssplit > bsrange bounds > bs)."""
        out = []
        for d in range(3):
            if self.bssplit and self.bssplit[d]:
                out.append(tuple(sorted({b for b, _ in self.bssplit[d]})))
            elif self.bsrange:
                out.append(tuple(sorted(set(self.bsrange[d]))))
            else:
                out.append((self.bs[d],))
        return tuple(out)  # type: ignore[return-value]


@dataclass
class JobFile:
    """A parsed job file: ``[global]`` options (as typed, later wins) and the jobs in file order."""

    path: str
    global_options: dict[str, str] = field(default_factory=dict)
    jobs: list[JobSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
