"""fio JSON / json+: key order, units, formatting, group_reporting, fio tool compatibility."""

from __future__ import annotations

import json
import re

import pytest

from blkswap import __version__
from blkswap.report import RunStats, dumps_fio, format_fio_json, to_fio_json
from blkswap.report.model import DEFAULT_PERCENTILES

TOP_KEYS = [
    "fio version",
    "blkswap version",
    "timestamp",
    "timestamp_ms",
    "time",
    "global options",
    "jobs",
    "disk_util",
    "blkswap",
]
JOB_KEYS = [
    "jobname", "groupid", "job_start", "error", "eta", "elapsed", "job options", "read", "write",
    "trim", "sync", "job_runtime", "usr_cpu", "sys_cpu", "ctx", "majf", "minf", "iodepth_level",
    "iodepth_submit", "iodepth_complete", "latency_ns", "latency_us", "latency_ms",
    "latency_depth", "latency_target", "latency_target_ns", "latency_percentile",
    "latency_window", "latency_window_us", "blkswap",
]  # fmt: skip
DIR_KEYS = [
    "io_bytes", "io_kbytes", "bw_bytes", "bw", "iops", "runtime", "total_ios", "short_ios",
    "drop_ios", "slat_ns", "clat_ns", "lat_ns", "bw_min", "bw_max", "bw_agg", "bw_mean",
    "bw_dev", "bw_samples", "iops_min", "iops_max", "iops_mean", "iops_stddev", "iops_samples",
]  # fmt: skip


def test_key_order(capture_run: RunStats) -> None:
    doc = json.loads(format_fio_json(capture_run))
    assert list(doc) == TOP_KEYS
    job = doc["jobs"][0]
    assert list(job) == JOB_KEYS
    for ddir in ("read", "write", "trim"):
        assert list(job[ddir]) == DIR_KEYS
    assert list(job["sync"]) == ["total_ios", "lat_ns"]
    assert list(job["write"]["clat_ns"]) == ["min", "max", "mean", "stddev", "N", "percentile"]
    assert list(job["write"]["slat_ns"]) == ["min", "max", "mean", "stddev", "N"]
    assert list(job["iodepth_level"]) == ["1", "2", "4", "8", "16", "32", ">=64"]
    assert list(job["iodepth_submit"]) == ["0", "4", "8", "16", "32", "64", ">=64"]
    assert list(job["latency_ns"]) == [
        "2",
        "4",
        "10",
        "20",
        "50",
        "100",
        "250",
        "500",
        "750",
        "1000",
    ]
    assert list(job["latency_ms"])[-2:] == ["2000", ">=2000"]
    assert list(doc["disk_util"][0])[:11] == [
        "name", "read_ios", "write_ios", "read_sectors", "write_sectors", "read_merges",
        "write_merges", "read_ticks", "write_ticks", "in_queue", "util",
    ]  # fmt: skip


def test_capture_figures_and_units(capture_run: RunStats) -> None:
    text = format_fio_json(capture_run)
    write = json.loads(text)["jobs"][0]["write"]
    # fio-3.42 capture: io_kbytes 144196, bw_bytes 14758291, bw 14412, iops 3600.799600, runtime 10005
    assert (write["io_bytes"], write["io_kbytes"]) == (147656704, 144196)
    assert (write["bw_bytes"], write["bw"], write["runtime"]) == (14758291, 14412, 10005)
    assert '"iops" : 3600.799600,' in text
    assert write["total_ios"] == write["clat_ns"]["N"] == 36026
    assert write["bw_samples"] == 20  # 10005 ms of 500 ms windows
    assert 0 < write["bw_agg"] <= 100.0


def test_version_strings(capture_run: RunStats) -> None:
    doc = to_fio_json(capture_run)
    assert doc["fio version"].startswith("fio-3.")
    assert doc["fio version"] == f"fio-3.42-compat (blkswap {__version__})"
    assert doc["blkswap version"] == __version__
    assert doc["timestamp"] == 1783516399 and doc["timestamp_ms"] == 1783516399970


def test_unused_directions_zero_filled(capture_run: RunStats) -> None:
    job = to_fio_json(capture_run, plus=True)["jobs"][0]
    for ddir in ("read", "trim"):
        assert job[ddir]["io_bytes"] == job[ddir]["total_ios"] == job[ddir]["runtime"] == 0
        assert job[ddir]["iops"] == 0.0
        assert job[ddir]["clat_ns"] == {"min": 0, "max": 0, "mean": 0.0, "stddev": 0.0, "N": 0}
    assert job["sync"]["lat_ns"]["N"] == 0 and "percentile" not in job["sync"]["lat_ns"]


def test_percentile_keys_spelled_like_fio(capture_run: RunStats) -> None:
    pct = to_fio_json(capture_run)["jobs"][0]["write"]["clat_ns"]["percentile"]
    assert list(pct)[-5:] == ["99.000000", "99.500000", "99.900000", "99.950000", "99.990000"]
    assert len(pct) == len(DEFAULT_PERCENTILES)
    values = list(pct.values())
    assert values == sorted(values) and all(isinstance(v, int) for v in values)


def test_job_options_always_have_plot_keys() -> None:
    from blkswap.report import JobStats

    run = RunStats(
        jobs=[JobStats("j1", job_options={"bs": "8k"})],
        global_options={"rw": "randread", "iodepth": 4},
    )
    opts = to_fio_json(run)["jobs"][0]["job options"]
    assert opts == {"name": "j1", "bs": "8k", "rw": "randread", "iodepth": "4", "numjobs": "1"}
    assert all(isinstance(v, str) for v in opts.values())
    assert "global options" not in to_fio_json(RunStats(jobs=[JobStats("j")]))


def test_json_plus_bins(capture_run: RunStats) -> None:
    plain = to_fio_json(capture_run)["jobs"][0]["write"]
    plus = to_fio_json(capture_run, plus=True)["jobs"][0]["write"]
    assert "bins" not in plain["clat_ns"]
    bins = plus["clat_ns"]["bins"]
    assert sum(bins.values()) == 36026
    keys = [int(k) for k in bins]
    assert keys == sorted(keys) and all(v > 0 for v in bins.values())
    # percentiles off for slat/lat by default -> no bins there either (fio add_ddir_lat_json)
    assert "bins" not in plus["slat_ns"] and "bins" not in plus["lat_ns"]


def _clat2csv_rows(doc: dict) -> list[list[tuple[int, int, int, float]]]:
    """The reading loop of fio tools/fio_jsonplus_clat2csv, minimally re-implemented: for each
    job, ddir and lat type take the bins if present, sort them by int(key) and accumulate."""
    out = []
    for jobnum in range(len(doc["jobs"])):
        rows = []
        for ddir in ("read", "write", "trim"):
            ddir_data = doc["jobs"][jobnum][ddir]
            for lat in ("slat_ns", "clat_ns", "lat_ns"):
                if lat not in ddir_data or "bins" not in ddir_data[lat]:
                    continue
                bins = sorted([int(k), v] for k, v in ddir_data[lat]["bins"].items())
                run_total = [bins[0][1]]  # the tool indexes [0]: an empty "bins" would crash it
                for _, count in bins[1:]:
                    run_total.append(run_total[-1] + count)
                rows += [
                    (ns, c, t, t / run_total[-1])
                    for (ns, c), t in zip(bins, run_total, strict=True)
                ]
        out.append(rows)
    return out


def test_fio_jsonplus_clat2csv_reads_our_output(capture_run: RunStats) -> None:
    capture_run.jobs[0].read.add(8192, 1000, 100, 1_000_000)  # one read, clat 100 ns (exact bucket)
    doc = json.loads(format_fio_json(capture_run, plus=True))
    (rows,) = _clat2csv_rows(doc)
    assert rows[0] == (100, 1, 1, 1.0)  # the read: one bin, 100th percentile
    write_rows = rows[1:]
    assert write_rows[-1][2] == 36026 and write_rows[-1][3] == 1.0
    assert all(a[0] < b[0] for a, b in zip(write_rows, write_rows[1:], strict=False))


def test_dumps_fio_golden() -> None:
    obj = {"a": 1, "b": 2.5, "s": 'x"y\\z', "o": {}, "l": [1, {"f": 0.0}], "n": {"k": -3}}
    expected = (
        "{\n"
        '  "a" : 1,\n'
        '  "b" : 2.500000,\n'
        '  "s" : "x\\"y\\\\z",\n'
        '  "o" : {\n\n  },\n'
        '  "l" : [\n'
        "    1,\n"
        "    {\n"
        '      "f" : 0.000000\n'
        "    }\n"
        "  ],\n"
        '  "n" : {\n'
        '    "k" : -3\n'
        "  }\n"
        "}"
    )
    assert dumps_fio(obj) == expected
    assert json.loads(expected) == {**obj, "b": 2.5}


def test_every_float_has_six_decimals(capture_run: RunStats) -> None:
    text = format_fio_json(capture_run, plus=True)
    assert text.endswith("}\n")
    for line in text.splitlines():
        m = re.match(r'^ *"[^"]+" : (-?[0-9.]+),?$', line)
        if m and "." in m.group(1):
            assert re.fullmatch(r"-?\d+\.\d{6}", m.group(1)), line
    assert '"util" : 99.537611' in text


def test_dumps_fio_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match=r"non-finite.*\$\.x"):
        dumps_fio({"x": float("nan")})
    with pytest.raises(TypeError, match="set"):
        dumps_fio({"x": {1, 2}})
    assert (
        dumps_fio({"t": True, "n": None, "c": "a\nb"})
        == '{\n  "t" : true,\n  "n" : null,\n  "c" : "a\\u000ab"\n}'
    )


def test_blkswap_objects_pass_through(capture_run: RunStats) -> None:
    capture_run.jobs[0].blkswap = {"datapath": "swap", "grant_ops": {"swap": 7}}
    doc = json.loads(format_fio_json(capture_run))
    assert doc["jobs"][0]["blkswap"] == {"datapath": "swap", "grant_ops": {"swap": 7}}
    assert doc["blkswap"]["dom0_memory"]["frames_peak"] == 704


def test_group_reporting_merges_a_group(make_job) -> None:
    jobs = [make_job("a", seed=1), make_job("b", seed=2), make_job("c", seed=3, groupid=1)]
    jobs[0].blkswap = {"hypercalls": 10, "dom0_frames_peak": 5}
    jobs[1].blkswap = {"hypercalls": 20, "dom0_frames_peak": 9}
    run = RunStats(jobs=jobs, group_reporting=True, timestamp=1.0)
    doc = to_fio_json(run)
    assert [j["jobname"] for j in doc["jobs"]] == ["a", "c"]
    g0 = doc["jobs"][0]
    assert g0["write"]["total_ios"] == g0["write"]["clat_ns"]["N"] == 2 * 36026
    assert g0["write"]["runtime"] == 10005
    single = to_fio_json(RunStats(jobs=[make_job("a", seed=1)]))["jobs"][0]["write"]
    assert g0["write"]["bw_samples"] == 2 * single["bw_samples"]  # fio pure_sum of samples
    assert g0["blkswap"] == {"hypercalls": 30, "dom0_frames_peak": 9}
    ungrouped = to_fio_json(RunStats(jobs=jobs, timestamp=1.0))
    assert [j["jobname"] for j in ungrouped["jobs"]] == ["a", "b", "c"]
