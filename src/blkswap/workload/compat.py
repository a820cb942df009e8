"""What blkswap does with each fio 3.33 option it does not implement, and with each ioengine.

Every option name (and alias) of fio 3.33's ``options.c`` and of its block engines is either
implemented (:mod:`blkswap.workload.options`), **ignored** here — accepted, echoed in ``job
options``, with one ``ignored in the lab: why`` warning, because it cannot change what the lab
measures — or **unsupported** here — refused with ``unsupported by blkswap: why`` because it
would change the I/O stream or the results in a way the lab does not model. None is "unknown".
Values listed in :data:`NO_OP_VALUES` are fio's defaults (or equivalent to them) and are accepted
without a word even for unsupported options (``zonemode=none``, ``rate_process=linear``).

Sources: fio 3.33 ``options.c`` (``fio_options[]``), ``engines/*.c`` (each engine's
``options[]`` and ``ioengine_ops.name``), HOWTO.rst. docs/workload.md shows the table for fio's
own examples (``tools/fio_examples.py``).
"""

from __future__ import annotations

__all__ = [
    "BLOCK_ENGINES",
    "ENGINE_OPTIONS",
    "IGNORED",
    "NON_BLOCK_ENGINES",
    "NO_OP_VALUES",
    "REFUSED_ENGINE_OPTIONS",
    "UNSUPPORTED",
    "engine_verdict",
]

_NOFILES = "the lab's guests do I/O to their virtual disk xvda, not to host files"
_NOSCHED = "the lab models no host scheduler, CPU placement or NUMA"
_NOCACHE = "the lab's guests have no page cache: every request reaches blkfront (as O_DIRECT)"
_CLOCK = "simulated time is exact; there is no clock to choose or tune"
_BUFS = "buffer contents are the lab's per-sector provenance tags (verify needs them)"
_LOGS = "the lab writes plain fio logs (write_bw_log, write_iops_log, write_lat_log)"
_FAIL = "the lab does not end jobs early for this; fio would stop the job with an error"

#: option → why it is accepted and ignored (a warning prints the why once per file:line).
IGNORED: dict[str, str] = {
    **dict.fromkeys(
        "filename directory filename_format unique_filename lockfile opendir nrfiles openfiles "
        "file_service_type filesize file_append create_serialize create_fsync create_on_open "
        "create_only allow_file_create allow_mounted_write pre_read unlink unlink_each_loop "
        "fallocate fadvise_hint overwrite".split(),
        _NOFILES,
    ),
    **dict.fromkeys(
        "cpumask cpus_allowed cpus_allowed_policy numa_cpu_nodes numa_mem_policy nice "
        "prio prioclass cgroup cgroup_weight cgroup_nodelete uid gid gtod_cpu gpu_dev_id "
        "lockmem hugepage-size ioscheduler".split(),
        _NOSCHED,
    ),
    **dict.fromkeys("direct buffered invalidate sync atomic write_hint".split(), _NOCACHE),
    **dict.fromkeys("clocksource gtod_reduce".split(), _CLOCK),
    **dict.fromkeys(
        "refill_buffers scramble_buffers zero_buffers buffer_pattern buffer_compress_percentage "
        "buffer_compress_chunk dedupe_percentage dedupe_global dedupe_mode "
        "dedupe_working_set_percentage".split(),
        _BUFS,
    ),
    **dict.fromkeys(
        "log_entries log_max_value log_prio log_compression log_compression_cpus "
        "log_store_compressed log_unix_epoch log_alternate_epoch log_alternate_epoch_clock_id "
        "log_hist_msec log_hist_coarseness block_error_percentiles".split(),
        _LOGS,
    ),
    **dict.fromkeys("rate_min rate_iops_min rate_cycle max_latency".split(), _FAIL),
    "thread": "fio's threads-or-processes choice has no counterpart: the lab's jobs run in guests",
    "ioengine": "the lab's engine is always the emulated blkfront (xen-blkfront)",
    "mem": "I/O buffers are guest pages granted to dom0, whatever fio would allocate",
    "iomem_align": "I/O buffers are whole guest pages (4 KiB aligned)",
    "iodepth_batch": "blkfront pushes requests and notifies per ring, not in fio's batches",
    "iodepth_batch_complete_min": "completions are reaped as the ring delivers them",
    "iodepth_batch_complete_max": "completions are reaped as the ring delivers them",
    "iodepth_low": "the lab refills the queue to iodepth at every completion",
    "io_submit_mode": "submission is modelled by blkfront; no fio offload thread exists",
    "serialize_overlap": "jobs in the lab never overlap writes in flight to the same sectors",
    "end_fsync": "the lab's disks have no host cache to flush at the end (use fsync=N)",
    "fsync_on_close": "the lab's disks have no host cache to flush at close (use fsync=N)",
    "write_barrier": "blkif has no barrier requests since Linux 2.6.37; use fsync=N",
    "sync_file_range": "a file-system call; the lab's disks are block devices",
    "disable_lat": "latencies are recorded anyway (they cost the simulation nothing)",
    "disable_clat": "latencies are recorded anyway (they cost the simulation nothing)",
    "disable_slat": "latencies are recorded anyway (they cost the simulation nothing)",
    "disable_bw_measurement": "bandwidth is recorded anyway (it costs nothing)",
    "disk_util": "the lab reports its emulated disks' utilisation always",
    "significant_figures": "the normal output keeps fio's default precision",
    "exitall": "jobs in the lab end on their own terms; nothing kills the others",
    "exitall_on_error": "jobs in the lab end on their own terms; nothing kills the others",
    "exit_what": "jobs in the lab end on their own terms; nothing kills the others",
    "continue_on_error": "the lab reports I/O errors in the job's error field and goes on",
    "ignore_error": "the lab reports I/O errors in the job's error field and goes on",
    "error_dump": "the lab reports I/O errors in the job's error field and goes on",
    "verify_dump": "a failed verify is counted and described in the blkswap JSON object",
    "verify_async": "verification costs no simulated time in the lab",
    "verify_async_cpus": "verification costs no simulated time in the lab",
    "experimental_verify": "the lab verifies by per-sector provenance tags instead",
    "verify_state_save": "verify state is kept in memory, not in files",
    "verify_state_load": "verify state is kept in memory, not in files",
    "percentage_sequential": "deprecated in fio 3.33, which ignores it too",
    "rwmixcycle": "deprecated in fio 3.33, which ignores it too",
    "verifysort": "deprecated in fio 3.33, which ignores it too",
    "verifysort_nr": "deprecated in fio 3.33, which ignores it too",
    "flow_watermark": "deprecated in fio 3.33, which ignores it too",
    "softrandommap": "the lab's random map never fails to allocate",
    "rate_ignore_thinktime": "rates and think times in the lab follow fio's default rules",
}

_ZONES = "zoned block devices are not modelled (the lab's disks are conventional)"
_REPLAY = "I/O log replay and recording are not implemented"
_LATPROF = "latency-target profiling (changing iodepth at run time) is not implemented"
_SS = "steady-state detection (ending a job when it settles) is not implemented"
_FLOW = "flow control between jobs is not implemented"
_TRIMV = "trim-then-verify is not implemented"

#: option → why it is refused (unless its value is in NO_OP_VALUES).
UNSUPPORTED: dict[str, str] = {
    **dict.fromkeys(
        "zonemode zonesize zonecapacity zonerange zoneskip read_beyond_wp max_open_zones "
        "job_max_open_zones ignore_zone_limits zone_reset_threshold zone_reset_frequency".split(),
        _ZONES,
    ),
    **dict.fromkeys(
        "read_iolog write_iolog read_iolog_chunked replay_no_stall replay_redirect replay_scale "
        "replay_align replay_time_scale replay_skip merge_blktrace_file merge_blktrace_scalars "
        "merge_blktrace_iters".split(),
        _REPLAY,
    ),
    **dict.fromkeys(
        "latency_target latency_window latency_percentile latency_run".split(), _LATPROF
    ),
    **dict.fromkeys("steadystate steadystate_duration steadystate_ramp_time".split(), _SS),
    **dict.fromkeys("flow flow_id flow_sleep".split(), _FLOW),
    **dict.fromkeys(
        "trim_percentage trim_verify_zero trim_backlog trim_backlog_batch".split(), _TRIMV
    ),
    "wait_for": "waiting for a named job is not implemented (use stonewall)",
    "rw_sequencer": "rw_sequencer=identical is not implemented (only sequential)",
    "percentage_random": "mixing random and sequential offsets in one job is not implemented",
    "bs_is_seq_rand": "block sizes by sequential/random instead of read/write: not implemented",
    "rate_process": "only the linear rate process is implemented (not poisson)",
    "thinktime_blocks_type": "only thinktime_blocks_type=complete is implemented",
    "thinktime_iotime": "think time after an I/O time period is not implemented",
    "verify_only": "verify-only runs (reading data an earlier run wrote) are not implemented",
    "verify_offset": "verify headers live in the lab's sector tags; no offset applies",
    "verify_backlog_batch": "verify_backlog batches are not implemented",
    "unified_rw_reporting": "mixed or both read/write reporting is not implemented",
    "stats": "jobs without statistics are not implemented (stats=1 only)",
    "write_hist_log": "histogram logs are not implemented",
    "exec_prerun": "the lab runs no host commands",
    "exec_postrun": "the lab runs no host commands",
    "profile": "fio's built-in profiles (tiobench, act) are not implemented",
}

#: values that equal fio's default behaviour: accepted silently even for unsupported options.
NO_OP_VALUES: dict[str, frozenset[str]] = {
    "zonemode": frozenset({"none"}),
    "rw_sequencer": frozenset({"sequential"}),
    "percentage_random": frozenset({"100"}),
    "bs_is_seq_rand": frozenset({"0"}),
    "rate_process": frozenset({"linear"}),
    "thinktime_blocks_type": frozenset({"complete"}),
    "thinktime_iotime": frozenset({"0"}),
    "verify_only": frozenset({"0"}),
    "unified_rw_reporting": frozenset({"none", "0"}),
    "stats": frozenset({"1"}),
    "trim_percentage": frozenset({"0"}),
    "latency_run": frozenset({"0"}),
    "steadystate": frozenset({"none"}),
}

#: block-I/O engines: the job runs; the engine itself is replaced by the lab's blkfront.
BLOCK_ENGINES: frozenset[str] = frozenset(
    "sync psync vsync pvsync pvsync2 libaio io_uring io_uring_cmd posixaio windowsaio solarisaio "
    "mmap splice sg null cpp_null xnvme libiscsi nbd rbd pmemblk xen-blkfront".split()
)

_FS = "works on file-system objects, not on a block device"
#: engines that do no block I/O: refused (fio would do something else entirely).
NON_BLOCK_ENGINES: dict[str, str] = {
    "cpuio": "burns CPU and does no I/O",
    "exec": "runs a program and does no I/O",
    **dict.fromkeys("filecreate filestat filedelete falloc ftruncate e4defrag".split(), _FS),
    **dict.fromkeys("net netsplice".split(), "moves data over network sockets"),
    **dict.fromkeys(
        "rdma librpma_apm_client librpma_apm_server librpma_gpspm_client "
        "librpma_gpspm_server".split(),
        "moves data by RDMA",
    ),
    "http": "stores objects over HTTP (S3, Swift, WebDAV)",
    "nfs": "does file I/O over NFS (libnfs)",
    "gfapi": "does file I/O on GlusterFS",
    "gfapi_async": "does file I/O on GlusterFS",
    "dfs": "does file I/O on DAOS",
    "rados": "stores Ceph RADOS objects",
    "libhdfs": "does file I/O on HDFS",
    **dict.fromkeys("ime_psync ime_psyncv ime_aio".split(), "does file I/O on DDN IME"),
    "libpmem": "stores to persistent memory with CPU loads and stores, not block requests",
    "dev-dax": "stores to a DAX character device with CPU loads and stores",
    "mtd": "erases and programs raw flash, not a block device",
    "libcufile": "moves data between files and GPU memory",
    "libzbc": "drives zoned block devices, which the lab does not model",
}

#: ioengine → its own options (fio 3.33 ``engines/*.c``); valid only with that engine.
ENGINE_OPTIONS: dict[str, frozenset[str]] = {
    name: frozenset(opts.split())
    for name, opts in {
        "sync": "hipri hipri_percentage uncached nowait",
        "libaio": "userspace_reap cmdprio_percentage cmdprio_class cmdprio cmdprio_bssplit nowait",
        "io_uring": "hipri cmdprio_percentage cmdprio_class cmdprio cmdprio_bssplit fixedbufs "
        "registerfiles sqthread_poll sqthread_poll_cpu nonvectored uncached nowait force_async",
        "io_uring_cmd": "hipri cmdprio_percentage cmdprio_class cmdprio cmdprio_bssplit "
        "fixedbufs registerfiles sqthread_poll sqthread_poll_cpu nonvectored uncached nowait "
        "force_async cmd_type",
        "mmap": "thp",
        "sg": "hipri readfua writefua sg_write_mode stream_id",
        "windowsaio": "no_completion_thread",
        "xnvme": "hipri sqthread_poll xnvme_be xnvme_async xnvme_sync xnvme_admin "
        "xnvme_dev_nsid xnvme_iovec",
        "libiscsi": "initiator",
        "nbd": "uri",
        "rbd": "clustername rbdname pool clientname busy_poll",
        "null": "",
        "cpp_null": "",
    }.items()
}
for _sync in ("psync", "vsync", "pvsync", "pvsync2"):
    ENGINE_OPTIONS[_sync] = ENGINE_OPTIONS["sync"]  # one engines/sync.c option table


def engine_verdict(engine: str) -> str | None:
    """``None`` if a job with this ``ioengine`` can run in the lab, else why it cannot."""
    name = engine.strip()
    if name in BLOCK_ENGINES:
        return None
    if name in NON_BLOCK_ENGINES:
        return f"ioengine={name} {NON_BLOCK_ENGINES[name]}; blkswap runs block I/O only"
    if name.startswith("external:") or name.endswith(".so"):
        return f"ioengine={name}: external engines cannot run inside the lab"
    return f"ioengine={name} is not an fio 3.33 engine blkswap knows"


#: options of the engines blkswap refuses (fio 3.33 ``engines/*.c``): named in the refusal.
REFUSED_ENGINE_OPTIONS: dict[str, tuple[str, ...]] = {}
for _engine, _opts in {
    "cpuio": "cpuload cpumode cpuchunks exit_on_io_done",
    "dfs": "pool cont chunk_size object_class svcl",
    "e4defrag": "donorname inplace",
    "exec": "program arguments grace_time std_redirect",
    "filestat": "stat_type",
    "gfapi": "volume brick single-instance",
    "http": "https http_host http_user http_pass http_s3_key http_s3_keyid "
    "http_swift_auth_token http_s3_region http_s3_sse_customer_key "
    "http_s3_sse_customer_algorithm http_s3_storage_class http_mode http_verbose",
    "libcufile": "gpu_dev_ids cuda_io",
    "libhdfs": "namenode hostname port hdfsdirectory chunk_size single_instance hdfs_use_direct",
    "librpma_apm_client": "serverip port direct_write_to_pmem busy_wait_polling",
    "mtd": "skip_bad",
    "net": "hostname port protocol nodelay listen pingpong interface ttl window_size mss",
    "nfs": "nfs_url",
    "rados": "clustername pool clientname conf busy_poll touch_objects",
    "rdma": "hostname bindname port verb",
}.items():
    for _opt in _opts.split():
        REFUSED_ENGINE_OPTIONS[_opt] = (*REFUSED_ENGINE_OPTIONS.get(_opt, ()), _engine)
