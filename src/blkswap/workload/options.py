"""The option table of the supported fio subset: names, aliases, kinds, defaults and host-only options.

Defaults are fio's ``.def`` values from ``options.c`` as listed in fio-conventions.md §1. Each kind
names the converter in :mod:`blkswap.workload.build`. Every other fio 3.33 option is ignored with
a reason or refused as unsupported (:mod:`blkswap.workload.compat`); none is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from blkswap.workload.compat import IGNORED, UNSUPPORTED

__all__ = [
    "Opt",
    "OPTIONS",
    "ALIASES",
    "HOST_ONLY",
    "DEFAULT_PERCENTILES",
    "RW_MODES",
    "VERIFY_MODES",
    "LAB_PREFIX",
    "canonical",
]

LAB_PREFIX = "xen_"
"""Keys starting with this are lab (engine) options: collected in ``JobSpec.lab_options``."""


@dataclass(frozen=True, slots=True)
class Opt:
    """One option: ``kind`` selects the converter; ``bare_ok`` allows ``key`` without ``=value``."""

    name: str
    kind: str
    help: str = ""
    bare_ok: bool = False
    lo: int | None = None
    hi: int | None = None


# The 17 values of fio's default percentile_list (options.c, stat.h FIO_IO_U_PLAT defaults).
DEFAULT_PERCENTILES: tuple[float, ...] = (
    1.0,
    5.0,
    10.0,
    20.0,
    30.0,
    40.0,
    50.0,
    60.0,
    70.0,
    80.0,
    90.0,
    95.0,
    99.0,
    99.5,
    99.9,
    99.95,
    99.99,
)

RW_MODES = (
    "read",
    "write",
    "trim",
    "randread",
    "randwrite",
    "randtrim",
    "rw",
    "randrw",
    "trimwrite",
    "randtrimwrite",
)

VERIFY_MODES = (
    "0",
    "md5",
    "crc64",
    "crc32c",
    "crc32c-intel",
    "crc32",
    "crc16",
    "crc7",
    "xxhash",
    "sha1",
    "sha256",
    "sha512",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "meta",
    "pattern",
    "pattern_hdr",
    "null",
)


def _o(name: str, kind: str, help: str = "", **kw: object) -> tuple[str, Opt]:
    return name, Opt(name, kind, help, **kw)  # type: ignore[arg-type]


OPTIONS: dict[str, Opt] = dict(
    [
        _o("description", "str", "free-text job description"),
        _o("name", "str", "job name (defaults to the section name)"),
        _o("rw", "rw", "I/O pattern, optional :<nr> suffix"),
        _o("rwmixread", "rwmix", "% of mixed I/O that is reads", lo=0, hi=100),
        _o("rwmixwrite", "rwmix", "% of mixed I/O that is writes", lo=0, hi=100),
        _o("bs", "ddir_size", "block size per direction (read,write,trim)"),
        _o("bsrange", "ddir_range", "block size range per direction"),
        _o("bssplit", "bssplit", "weighted block sizes per direction"),
        _o(
            "blocksize_unaligned",
            "flag",
            "lengths need not be multiples of the minimum bs",
            bare_ok=True,
        ),
        _o("iodepth", "int", "queue depth per job", lo=1, hi=65536),
        _o("numjobs", "int", "number of clones of this job", lo=1, hi=4096),
        _o("size", "size_pct", "region size per job (bytes or 1-100%)"),
        _o("io_size", "size", "amount of I/O per job"),
        _o("offset", "size_pct", "start of the region (bytes or %)"),
        _o("offset_increment", "size", "extra offset per clone (clone index × value)"),
        _o("offset_align", "size", "alignment of a % offset"),
        _o("number_ios", "int", "stop after this many I/Os", lo=0),
        _o("runtime", "time_s", "time cap (bare number = seconds)"),
        _o("time_based", "flag", "keep running until runtime", bare_ok=True),
        _o("ramp_time", "time_s", "warm-up excluded from stats (bare = seconds)"),
        _o("startdelay", "irange_time_s", "delay before start (range: random per clone)"),
        _o("thinktime", "time_us", "pause after an I/O (bare number = µs)"),
        _o("thinktime_spin", "time_us", "part of thinktime spent busy (bare = µs)"),
        _o("thinktime_blocks", "int", "I/Os between think times", lo=1),
        _o("loops", "int", "repeat the job this many times", lo=1),
        _o("rate", "ddir_rate", "bandwidth cap per direction (bytes/s)"),
        _o("rate_iops", "ddir_iops", "IOPS cap per direction"),
        _o("randrepeat", "bool", "repeatable random seeds"),
        _o("randseed", "int", "explicit random seed", lo=0, hi=2**64 - 1),
        _o("random_generator", "choice:tausworthe,lfsr,tausworthe64", "offset generator"),
        _o("random_distribution", "rand_dist", "random|zipf:θ|pareto:h|normal:σ%"),
        _o("norandommap", "flag", "offsets may repeat within a pass", bare_ok=True),
        _o("fsync", "int", "flush after every N writes", lo=0),
        _o("fdatasync", "int", "flush (data) after every N writes", lo=0),
        _o("verify", "verify", "verification mode"),
        _o("do_verify", "bool", "run the verify phase after writes"),
        _o("verify_interval", "size", "bytes per verify header"),
        _o("verify_pattern", "str", "buffer fill pattern"),
        _o("verify_fatal", "bool", "stop at the first verify failure"),
        _o("verify_backlog", "int", "verify after this many written blocks", lo=0),
        _o("percentile_list", "float_list", "completion-latency percentiles"),
        _o("clat_percentiles", "bool", "report clat percentiles"),
        _o("lat_percentiles", "bool", "report lat percentiles"),
        _o("slat_percentiles", "bool", "report slat percentiles"),
        _o("group_reporting", "flag", "one stats entry per group", bare_ok=True),
        _o("stonewall", "flag", "wait for previous jobs; new group", bare_ok=True),
        _o("new_group", "flag", "start a new reporting group", bare_ok=True),
        _o("write_bw_log", "str", "bandwidth log prefix", bare_ok=True),
        _o("write_lat_log", "str", "latency log prefix", bare_ok=True),
        _o("write_iops_log", "str", "IOPS log prefix", bare_ok=True),
        _o("log_avg_msec", "int", "average log entries over this window (ms)", lo=0),
        _o("log_offset", "bool", "add the offset column to logs"),
        _o("per_job_logs", "bool", "one log per job (suffix .N)"),
        _o("bwavgtime", "int", "bandwidth sampling period (ms)", lo=1),
        _o("iopsavgtime", "int", "IOPS sampling period (ms)", lo=1),
        _o("kb_base", "choice:1024,1000", "base of k/m/g suffixes"),
        _o("ba", "ddir_size", "alignment of random offsets per direction (blockalign)"),
        _o("fill_device", "flag", "write until the disk is full (size is ignored)", bare_ok=True),
        _o("unit_base", "choice:0,1,8", "bits (8) or bytes (1) in output; 0 = auto"),
    ]
)

# Ignored options (compat.IGNORED): accepted, validated by kind where a kind is known, echoed,
# warned about once with the reason. Unsupported ones (compat.UNSUPPORTED) are refused unless
# their value is a no-op (compat.NO_OP_VALUES).
_HOST_KIND: dict[str, str] = {
    "direct": "bool",
    "buffered": "bool",
    "thread": "flag",
    "iodepth_batch": "int",
    "iodepth_batch_complete_min": "int",
    "iodepth_batch_complete_max": "int",
    "iodepth_low": "int",
    "invalidate": "bool",
    "exitall": "flag",
    "exitall_on_error": "flag",
    "end_fsync": "bool",
    "fsync_on_close": "bool",
    "create_on_open": "bool",
    "unlink": "bool",
    "overwrite": "bool",
    "refill_buffers": "flag",
    "scramble_buffers": "bool",
    "buffer_compress_percentage": "int",
    "dedupe_percentage": "int",
    "zero_buffers": "flag",
    "allow_mounted_write": "bool",
    "openfiles": "int",
    "gtod_reduce": "bool",
    "disable_lat": "bool",
    "disable_clat": "bool",
    "disable_slat": "bool",
    "disable_bw_measurement": "bool",
    "nrfiles": "int",
    "pre_read": "bool",
    "serialize_overlap": "bool",
}

HOST_ONLY: frozenset[str] = frozenset(IGNORED)
for _name in IGNORED:
    _kind = _HOST_KIND.get(_name, "str")
    OPTIONS[_name] = Opt(_name, _kind, "ignored", bare_ok=_kind in ("flag", "str"))
for _name in UNSUPPORTED:
    OPTIONS[_name] = Opt(_name, "unsupported", UNSUPPORTED[_name], bare_ok=True)

ALIASES: dict[str, str] = {
    "readwrite": "rw",
    "blocksize": "bs",
    "blocksize_range": "bsrange",
    "bs_unaligned": "blocksize_unaligned",
    "io_limit": "io_size",
    "fileoffset": "offset",
    "timeout": "runtime",
    "wait_for_previous": "stonewall",
    "allrandrepeat": "randrepeat",
    "nr_files": "nrfiles",
    # fio 3.33 options.c .alias entries
    "iodepth_batch_submit": "iodepth_batch",
    "iodepth_batch_complete": "iodepth_batch_complete_min",
    "fill_fs": "fill_device",
    "blockalign": "ba",
    "iomem": "mem",
    "mem_align": "iomem_align",
    "ratemin": "rate_min",
    "ratecycle": "rate_cycle",
    "disable_bw": "disable_bw_measurement",
    "ss": "steadystate",
    "ss_dur": "steadystate_duration",
    "ss_ramp": "steadystate_ramp_time",
}


def canonical(key: str) -> str | None:
    """The canonical option name for ``key`` (aliases resolved), ``None`` if unknown."""
    k = ALIASES.get(key, key)
    return k if k in OPTIONS else None
