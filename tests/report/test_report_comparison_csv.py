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


def test_comparison_table(results: dict[str, RunStats]) -> None:
    text = format_comparison(results)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["datapath", "IOPS", "BW"]
    for name in results:
        assert sum(1 for ln in lines if ln.startswith(name + " ")) == 1
    rows = {ln.split()[0]: ln.split() for ln in lines[2:5]}
    assert rows["map"][1] == "1000" and rows["swap"][1] == "1200"
    assert rows["map"][5] == "2.00" and rows["map"][6] == "1.00"  # hcall/req, tlb/req
    assert rows["copy"][5:8] == ["1.50", "-", "4096"]  # hcall/req; no TLB data; copied B/req
    assert rows["swap"][11] == "512"
    assert lines[-1] == "best IOPS: swap (1200); fewest hypercalls/request: swap (1.00)"
    assert len({len(ln) for ln in lines[:2]}) == 1  # header and rule are the same width
    with pytest.raises(ValueError, match="empty"):
        format_comparison({})


def test_comparison_without_counters() -> None:
    text = format_comparison({"null": _run(10, 1000, {})})
    assert text.splitlines()[-1] == "best IOPS: null (10); no hypercall counts recorded"


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
