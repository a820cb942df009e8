"""Data-path comparison table, headline figures and the CSV export."""

from __future__ import annotations

import csv

import pytest

from blkswap.report import JobStats, RunStats, format_comparison, write_csv
from blkswap.report.csv_out import CSV_COLUMNS
from blkswap.report.figures import counter_total, run_metrics


def _run(ios: int, clat_ns: int, counters: dict) -> RunStats:
    job = JobStats(
        "guest1-xvda", job_options={"rw": "randrw"}, end_ns=1_000_000_000, blkswap=counters
    )
    for i in range(ios):
        d = job.read if i % 2 else job.write
        d.add(4096, 1000, clat_ns, (i + 1) * (1_000_000_000 // ios))
    return RunStats(jobs=[job], timestamp=1.0)


@pytest.fixture
def results() -> dict[str, RunStats]:
    return {
        "map": _run(1000, 40_000, {"requests": 1000, "hypercalls": 2000, "tlb_flushes": 1000, "grant_ops": {"map": 1000, "unmap": 1000}, "dom0_frames_peak": 32}),
        "copy": _run(800, 60_000, {"requests": 800, "hypercalls": {"grant_table_op": 1000, "multicall": 200}, "bytes_copied": 800 * 4096, "grant_ops": {"copy": 800}}),
        "swap": _run(1200, 30_000, {"requests": 1200, "hypercalls": 1200, "grant_ops": {"swap": 1200}, "verify_errors": 0, "leaked_bytes": 512}),
    }  # fmt: skip


def test_counter_total() -> None:
    assert counter_total({"a": 1, "b": {"c": 2.5, "d": [1, 2]}, "s": "x", "t": True}) == 6.5
    assert counter_total(None) == 0


def test_run_metrics(results: dict[str, RunStats]) -> None:
    m = run_metrics(results["copy"])
    assert m.iops == pytest.approx(800.0)
    assert m.bw_bytes == 800 * 4096
    assert m.per_request("hypercalls") == 1.5
    assert m.per_request("bytes_copied") == 4096.0
    assert m.tlb_flushes is None and m.per_request("tlb_flushes") is None
    assert m.clat_ns[50.0] == m.clat_ns[99.0]  # every I/O took the same time
    assert abs(m.clat_ns[50.0] - 60_000) <= 60_000 / 128


def _table(text: str) -> dict[str, dict[str, str]]:
    """data path -> {column header: cell}; headers are separated by two or more spaces."""
    lines = text.splitlines()
    heads = [h.strip() for h in lines[0].split("  ") if h.strip()]
    rows = {}
    for line in lines[2:-1]:
        cells = line.split()
        assert len(cells) == len(heads), line
        rows[cells[0]] = dict(zip(heads, cells, strict=True))
    return rows


def test_comparison_table(results: dict[str, RunStats]) -> None:
    text = format_comparison(results)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["datapath", "IOPS", "BW"]
    for name in results:
        assert sum(1 for ln in lines if ln.startswith(name + " ")) == 1
    rows = _table(text)
    assert rows["map"]["IOPS"] == "1000" and rows["swap"]["IOPS"] == "1200"
    assert rows["map"]["hcall/req"] == "2.00" and rows["map"]["tlb/req"] == "1.00"
    assert [rows["copy"][k] for k in ("hcall/req", "tlb/req", "copied B/req")] == [
        "1.50",
        "-",
        "4096",
    ]
    assert rows["swap"]["leaked B"] == "512" and rows["map"]["frames pk"] == "32"
    # no host figures in these runs: CPU per request is "not measured", not 0
    assert {rows[n][k] for n in rows for k in ("dom0 us/req", "guest us/req", "xen us/req")} == {
        "-"
    }
    assert lines[-1] == (
        "best IOPS: swap (1200); fewest hypercalls/request: swap (1.00); no dom0 CPU recorded"
    )
    assert len({len(ln) for ln in lines[:2]}) == 1  # header and rule are the same width
    with pytest.raises(ValueError, match="empty"):
        format_comparison({})


def test_comparison_without_counters() -> None:
    text = format_comparison({"null": _run(10, 1000, {})})
    assert text.splitlines()[-1] == (
        "best IOPS: null (10); no hypercall counts recorded; no dom0 CPU recorded"
    )


def _host_run(
    ios_per_job: int, vbd: dict[int, int], jobs_per_guest: int, cpu: dict, clat_ns: int = 50_000
) -> RunStats:
    """Guests ``domid -> VBD requests``, each running ``jobs_per_guest`` jobs that all report
    their guest's VBD figures (as lab/figures.py job_figures does), plus host-wide CPU figures."""
    jobs = []
    for domid, requests in vbd.items():
        for clone in range(jobs_per_guest):
            job = JobStats(f"guest{domid}.{clone}", end_ns=1_000_000_000,
                           blkswap={"domid": domid, "requests": requests, "hypercalls": requests})  # fmt: skip
            for i in range(ios_per_job):
                job.read.add(4096, 1000, clat_ns, (i + 1) * 1_000_000)
            jobs.append(job)
    return RunStats(jobs=jobs, timestamp=1.0, blkswap=cpu)


def test_cpu_per_request_counts_each_guest_once() -> None:
    vbd = {1: 300, 2: 500}  # VBD requests per guest; two jobs on each guest repeat them
    cpu = {"cpu_ns_by_domain": {"dom0": 9_600_000, "guest1": 1_000_000, "guest2": 2_200_000},
           "xen_ns": 4_000_000}  # fmt: skip
    run = _host_run(100, vbd, 2, cpu)
    m = run_metrics(run)
    requests = sum(vbd.values())
    assert m.requests == requests  # each guest counted once
    assert m.per_request("dom0_cpu_ns") == 9_600_000 / requests
    assert m.per_request("guest_cpu_ns") == (1_000_000 + 2_200_000) / requests
    assert m.per_request("xen_ns") == 4_000_000 / requests
    # a cheaper dom0 in a second run: the verdict's last clause names it
    lean = _host_run(100, vbd, 2, {"cpu_ns_by_domain": {"dom0": 800_000}})
    text = format_comparison({"map": run, "persistent": lean})
    rows = _table(text)
    assert rows["map"]["dom0 us/req"] == f"{9_600_000 / requests / 1000:.2f}"
    assert rows["map"]["guest us/req"] == f"{3_200_000 / requests / 1000:.2f}"
    assert rows["map"]["xen us/req"] == f"{4_000_000 / requests / 1000:.2f}"
    assert rows["persistent"]["guest us/req"] == "-" and rows["persistent"]["xen us/req"] == "-"
    assert text.splitlines()[-1].endswith(
        f"; least dom0 CPU/request: persistent ({800_000 / requests / 1000:.2f} us)"
    )


def test_cpu_per_request_fallbacks() -> None:
    cpu = {"cpu_ns_by_domain": {"dom0": 1_000_000}}
    # no "requests" anywhere: total I/Os of all jobs (3 guests x 1 job x 40 reads)
    run = _host_run(40, {1: 0, 2: 0, 3: 0}, 1, cpu)
    for job in run.jobs:
        del job.blkswap["requests"]
    assert run_metrics(run).requests == 120
    assert run_metrics(run).per_request("dom0_cpu_ns") == 1_000_000 / 120
    # requests but no domid: every job stands for a guest of its own
    run = _host_run(40, {1: 250}, 2, cpu)
    for job in run.jobs:
        del job.blkswap["domid"]
    assert run_metrics(run).requests == 500
    # no requests and no I/O at all: nothing to divide by
    empty = run_metrics(RunStats(jobs=[JobStats("idle")], blkswap=cpu))
    assert empty.requests == 0 and empty.per_request("dom0_cpu_ns") is None


def test_comparison_table_width_with_wide_figures() -> None:
    """Six-digit IOPS, millisecond p99, long path names: still about 140 columns."""
    vbd = {d: 100_000 for d in range(1, 5)}
    cpu = {"cpu_ns_by_domain": {"dom0": 10**12, "guest1": 10**11}, "xen_ns": 10**11}
    run = _host_run(2000, vbd, 1, cpu, clat_ns=250_000_000)
    for job in run.jobs:
        job.blkswap.update(leaked_bytes=10**7, verify_errors=10**4, dom0_frames_peak=10**5)
    text = format_comparison({"persistent": run, "transfer": run})
    assert _table(text)["transfer"]["p99 us"].startswith("25")  # 6 digits before the point
    assert max(len(ln) for ln in text.splitlines()[:-1]) <= 145


def test_csv(results: dict[str, RunStats], tmp_path) -> None:
    path = write_csv(results, tmp_path / "sub" / "results.csv")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames
    assert header[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert "blkswap.grant_ops.map" in header and "blkswap.hypercalls.grant_table_op" in header
    assert len(rows) == 6  # 3 data paths x (read, write); trim did nothing
    assert {(r["datapath"], r["direction"]) for r in rows} == {
        (p, d) for p in results for d in ("read", "write")
    }
    copy_write = next(r for r in rows if r["datapath"] == "copy" and r["direction"] == "write")
    assert int(copy_write["total_ios"]) == 400 and int(copy_write["io_bytes"]) == 400 * 4096
    assert (
        copy_write["blkswap.bytes_copied"] == str(800 * 4096)
        and copy_write["blkswap.grant_ops.map"] == ""
    )
    assert int(copy_write["clat_p99_ns"]) == int(copy_write["clat_p50_ns"]) > 0
