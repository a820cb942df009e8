"""fio 3.33 compatibility on the project's own job files: every option fio 3.33's example jobs
use is implemented (tests/workload/jobs/implemented.fio), ignored with a reason (ignored.fio) or
refused as unsupported (the cases below). tools/fio_examples.py runs fio's own examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blkswap.workload import JobFileError, parse_jobfile, parse_jobtext
from blkswap.workload.compat import IGNORED, NON_BLOCK_ENGINES, UNSUPPORTED
from blkswap.workload.generator import IoGenerator
from blkswap.workload.options import ALIASES, OPTIONS, canonical

JOBS = Path(__file__).parent / "jobs"

#: every option name that appears in fio 3.33's examples/*.fio (upstream tag fio-3.33)
EXAMPLE_OPTIONS = set(
    """rw ioengine bs iodepth filename size numjobs stonewall direct runtime startdelay time_based
    group_reporting verify thread number_ios name sg_write_mode norandommap io_size directory
    buffered port filesize zonemode offset nrfiles new_group inplace donorname filename_format
    bssplit blocksize zonesize rwmixread ramp_time https http_verbose http_mode http_host
    create_serialize buffer_pattern wait_for sqthread_poll serverip rate hostname flow
    disable_slat disable_clat cpus_allowed_policy cpumode cpuload continue_on_error unlink sync
    sqthread_poll_cpu rwmixwrite registerfiles random_distribution program pool numa_mem_policy
    numa_cpu_nodes loops iodepth_batch_complete http_s3_region http_s3_keyid http_s3_key
    gtod_reduce disable_lat description create_on_open cmdprio_bssplit clat_percentiles
    arguments write_lat_log write_bw_log verify_dump verify_backlog verb threads thinktime
    ss_ramp ss_dur ss read_beyond_wp rate_iops protocol prioclass pingpong openfiles nonvectored
    mem max_open_zones log_prio kb_base iodepth_batch_submit iodepth_batch io_submit_mode
    ignore_error gpu_dev_ids gpu_dev_id fallocate exitall exit_what do_verify
    direct_write_to_pmem cuda_io cmdprio_class cmd_type clientname allow_file_create zoneskip
    volume verify_pattern verify_interval verify_fatal verify_async uri ttl timeout
    std_redirect skip_bad scramble_buffers rbdname ratemin rate_process randrepeat
    random_generator prio percentile_list offset_increment nr_files nfs_url log_offset listen
    latency_window latency_target latency_percentile lat_percentiles invalidate
    http_swift_auth_token http_s3_storage_class http_s3_sse_customer_key
    http_s3_sse_customer_algorithm grace_time flow_sleep fill_device error_dump
    dedupe_working_set_percentage dedupe_percentage dedupe_mode dedupe_global cont conf
    cmdprio_percentage cmdprio busy_wait_polling busy_poll buffer_compress_percentage bsrange
    brick blockalign block_error_percentiles""".split()
)

REFUSED = [  # (job line, words the one-line refusal must contain)
    *[(f"ioengine={e}", f"ioengine={e} ") for e in sorted(NON_BLOCK_ENGINES)],
    ("ioengine=external:/x.so", "external engines"),
    ("zonemode=zbd", "zoned block devices are not modelled"),
    ("zonesize=256m", "zoned"),
    ("zoneskip=1g", "zoned"),
    ("read_beyond_wp=1", "zoned"),
    ("max_open_zones=4", "zoned"),
    ("flow=1", "flow control"),
    ("flow_sleep=100", "flow control"),
    ("wait_for=other", "use stonewall"),
    ("latency_target=10ms", "latency-target profiling"),
    ("latency_window=5s", "latency-target profiling"),
    ("latency_percentile=99", "latency-target profiling"),
    ("rate_process=poisson", "only the linear rate process"),
    ("ss=iops:10%", "steady-state"),
    ("ss_dur=5m", "steady-state"),
    ("ss_ramp=10s", "steady-state"),
    ("threads=1", "not an fio 3.33 option; did you mean 'thread'?"),
    *[
        (f"{opt}=1", "unsupported by blkswap: ioengine=")
        for opt in """port inplace donorname https http_verbose http_mode http_host serverip
        hostname cpumode cpuload program arguments http_s3_region http_s3_keyid http_s3_key
        verb protocol pingpong gpu_dev_ids direct_write_to_pmem cuda_io volume ttl
        std_redirect skip_bad nfs_url listen http_swift_auth_token http_s3_storage_class
        http_s3_sse_customer_key http_s3_sse_customer_algorithm grace_time cont conf
        busy_wait_polling brick""".split()
    ],
]


def _keys(path: Path) -> set[str]:
    keys = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and line[0] not in ";#[":
            keys.add(re.split(r"[=\s]", line, maxsplit=1)[0])
    return keys


def test_every_example_option_is_covered_here() -> None:
    covered = _keys(JOBS / "implemented.fio") | _keys(JOBS / "ignored.fio")
    covered |= {line.split("=")[0] for line, _ in REFUSED}
    covered |= {"ioengine", "rw", "runtime", "sg_write_mode", "pool", "clientname", "busy_poll"}
    assert sorted(EXAMPLE_OPTIONS - covered) == []


def test_implemented_options_take_effect() -> None:
    jf = parse_jobfile(JOBS / "implemented.fio", env={}, quiet=True)
    mixed, seq, split = jf.jobs
    assert jf.warnings == []
    assert (mixed.rw, mixed.rwmixread, mixed.bs, mixed.ba) == (
        "randrw",
        60,  # rwmixwrite=40 given last wins over rwmixread=70
        (8192,) * 3,
        (16384,) * 3,
    )
    assert mixed.random_distribution == ("zoned", ((60, 10), (40, 90)))
    assert (mixed.rate, mixed.rate_iops) == ((1 << 20, 2 << 20, 2 << 20), (100, 100, 100))
    assert (seq.name, seq.time_based, seq.runtime_us, seq.bsrange[0]) == (
        "seq",
        True,
        2_000_000,
        (4096, 16384),
    )
    assert (seq.verify, seq.verify_backlog, seq.verify_interval) == ("crc32c", 16, 4096)
    assert split.fill_device and split.bssplit[0] == ((4096, 50), (65536, 50))
    gen = IoGenerator(split, 8 << 20)
    assert gen.region == 8 << 20  # fill_device: the whole disk, whatever size says
    offs = [io.offset for io in IoGenerator(mixed, 64 << 20, clone=1).take(64) if io.op != "flush"]
    start = (1 << 20) + (512 << 10)
    assert offs and all((o - start) % 16384 == 0 for o in offs)  # blockalign=16k


def test_zoned_distribution_puts_accesses_in_zones() -> None:
    job = parse_jobtext(
        "[z]\nrw=randread\nrandom_distribution=zoned:80/10:20/\n", env={}, quiet=True
    ).jobs[0]
    offs = [io.offset for io in IoGenerator(job, 64 << 20).take(4000)]
    hot = sum(o < (64 << 20) // 10 for o in offs) / len(offs)
    assert 0.75 < hot < 0.85


def test_ignored_options_warn_once_each_with_a_reason() -> None:
    jf = parse_jobfile(JOBS / "ignored.fio", env={}, quiet=True)
    assert len(jf.jobs) == 5
    assert all("ignored in the lab: " in w for w in jf.warnings)
    named = {canonical(w.split(": ")[1].split("=")[0]) for w in jf.warnings}
    engine_opts = {k for k in _keys(JOBS / "ignored.fio") if canonical(k) is None}
    assert {canonical(k) for k in _keys(JOBS / "ignored.fio")} - named <= {None}
    assert engine_opts <= {w.split(": ")[1] for w in jf.warnings}  # aliases warn as their name
    direct = [w for w in jf.warnings if ": direct: " in w]
    assert len(direct) == 1 and direct[0].endswith(IGNORED["direct"])


@pytest.mark.parametrize(("line", "why"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_a_reason(line: str, why: str) -> None:
    with pytest.raises(JobFileError) as info:
        parse_jobtext(f"[a]\nrw=read\n{line}\n", "job.fio", env={}, quiet=True)
    text = str(info.value)
    assert text.startswith("job.fio:3: ") and why in text
    if "threads" not in line:
        assert "unsupported by blkswap" in text and "unknown" not in text


def test_no_op_values_of_unsupported_options_pass() -> None:
    text = "[a]\nzonemode=none\nrate_process=linear\nstats=1\nunified_rw_reporting=none\n"
    assert parse_jobtext(text, env={}, quiet=True).warnings == []


def test_every_fio_alias_resolves() -> None:
    for alias, name in ALIASES.items():
        assert name in OPTIONS, alias
    assert not set(IGNORED) & set(UNSUPPORTED)


def test_engine_option_of_another_engine_is_refused() -> None:
    with pytest.raises(JobFileError, match=r"option of ioengine rbd, not of ioengine=libaio"):
        parse_jobtext("[a]\nioengine=libaio\npool=rbd\n", env={}, quiet=True)
    with pytest.raises(JobFileError, match=r"of ioengine io_uring.*not of ioengine=psync"):
        parse_jobtext("[a]\nfixedbufs\n", env={}, quiet=True)


#: every option name and alias of fio 3.33 options.c fio_options[] (upstream tag fio-3.33)
FIO_333_OPTIONS = """
    allow_file_create allow_mounted_write allrandrepeat atomic ba block_error_percentiles
    blockalign blocksize blocksize_range blocksize_unaligned bs bs_is_seq_rand bs_unaligned
    bsrange bssplit buffer_compress_chunk buffer_compress_percentage buffer_pattern buffered
    bwavgtime cgroup cgroup_nodelete cgroup_weight clat_percentiles clocksource
    continue_on_error cpumask cpus_allowed cpus_allowed_policy create_fsync create_on_open
    create_only create_serialize dedupe_global dedupe_mode dedupe_percentage
    dedupe_working_set_percentage description direct directory disable_bw disable_bw_measurement
    disable_clat disable_lat disable_slat disk_util do_verify end_fsync error_dump exec_postrun
    exec_prerun exit_what exitall exitall_on_error experimental_verify fadvise_hint fallocate
    fdatasync file_append file_service_type filename filename_format fileoffset filesize
    fill_device fill_fs flow flow_id flow_sleep flow_watermark fsync fsync_on_close gid
    gpu_dev_id group_reporting gtod_cpu gtod_reduce hugepage-size ignore_error
    ignore_zone_limits invalidate io_limit io_size io_submit_mode iodepth iodepth_batch
    iodepth_batch_complete iodepth_batch_complete_max iodepth_batch_complete_min
    iodepth_batch_submit iodepth_low ioengine iomem iomem_align iopsavgtime ioscheduler
    job_max_open_zones kb_base lat_percentiles latency_percentile latency_run latency_target
    latency_window lockfile lockmem log_alternate_epoch log_alternate_epoch_clock_id
    log_avg_msec log_compression log_compression_cpus log_entries log_hist_coarseness
    log_hist_msec log_max_value log_offset log_prio log_store_compressed log_unix_epoch loops
    max_latency max_open_zones mem mem_align merge_blktrace_file merge_blktrace_iters
    merge_blktrace_scalars name new_group nice norandommap nr_files nrfiles numa_cpu_nodes
    numa_mem_policy number_ios numjobs offset offset_align offset_increment opendir openfiles
    overwrite per_job_logs percentage_random percentage_sequential percentile_list pre_read prio
    prioclass profile ramp_time random_distribution random_generator randrepeat randseed rate
    rate_cycle rate_ignore_thinktime rate_iops rate_iops_min rate_min rate_process ratecycle
    ratemin read_beyond_wp read_iolog read_iolog_chunked readwrite refill_buffers replay_align
    replay_no_stall replay_redirect replay_scale replay_skip replay_time_scale runtime rw
    rw_sequencer rwmixcycle rwmixread rwmixwrite scramble_buffers serialize_overlap
    significant_figures size slat_percentiles softrandommap ss startdelay stats steadystate
    steadystate_duration steadystate_ramp_time stonewall sync sync_file_range thinktime
    thinktime_blocks thinktime_blocks_type thinktime_iotime thinktime_spin thread time_based
    timeout trim_backlog trim_backlog_batch trim_percentage trim_verify_zero uid
    unified_rw_reporting unique_filename unit_base unlink unlink_each_loop verify verify_async
    verify_async_cpus verify_backlog verify_backlog_batch verify_dump verify_fatal
    verify_interval verify_offset verify_only verify_pattern verify_state_load verify_state_save
    verifysort verifysort_nr wait_for wait_for_previous write_barrier write_bw_log write_hint
    write_hist_log write_iolog write_iops_log write_lat_log zero_buffers zone_reset_frequency
    zone_reset_threshold zonecapacity zonemode zonerange zonesize zoneskip
""".split()


def test_no_fio_333_option_is_unknown() -> None:
    from blkswap.workload.options import canonical

    missing = [n for n in FIO_333_OPTIONS if canonical(n) is None and n != "ioengine"]
    assert missing == []


def test_time_based_without_runtime_is_dropped_as_fio_does() -> None:
    jf = parse_jobtext("[a]\nrw=read\ntime_based\nsize=1m\n", "job.fio", env={}, quiet=True)
    assert jf.jobs[0].time_based is False
    assert jf.warnings == [
        "job.fio:1: time_based: ignored in job 'a': it requires a runtime, as fio says "
        "(the job ends when its I/O is done)"
    ]
    assert IoGenerator(jf.jobs[0], 1 << 20).limit_bytes == 1 << 20
    assert parse_jobtext("[a]\ntime_based\nruntime=1\n", env={}, quiet=True).jobs[0].time_based
