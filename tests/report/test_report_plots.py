"""The report folder: JSON, CSV and PNG plots (matplotlib Agg, headless)."""

from __future__ import annotations

import json
import logging

import pytest

from blkswap.report import JobStats, RunStats, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(scale: int, with_host: bool) -> RunStats:
    job = JobStats(
        "j",
        end_ns=2_000_000_000,
        blkswap={"requests": 100, "hypercalls": 300 * scale, "tlb_flushes": 50 * scale},
    )
    for i in range(100):
        job.write.add(4096, 500, 20_000 * scale + i * 100, (i + 1) * 20_000_000)
    host = {
        "cpu_ns_by_domain": {"dom0": 4_000_000 * scale, "guest1": 2_000_000},
        "cpu_ns_by_cause": {"hypercall": 1_000_000 * scale, "memcpy": 3_000_000},
        "dom0_memory": {
            "frames_peak": 64 * scale,
            "timeline": [[0, 0], [1_000_000, 32 * scale], [2_000_000, 64 * scale]],
        },
    }
    return RunStats(jobs=[job], timestamp=1.0, blkswap=host if with_host else {})


def _check_png(path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5000  # an actual chart, not an empty canvas


def test_write_report_full(tmp_path) -> None:
    results = {"map": _run(1, True), "copy": _run(2, True), "swap": _run(3, True)}
    crossover = {
        "memcpy_GBps": [1.0, 5.0, 10.0, 20.0],
        "hypercall_ns": [200.0, 500.0, 1000.0],
        "swap_minus_copy_ns": [
            [-900.0, -100.0, 50.0, 200.0],
            [-700.0, 0.0, 150.0, 400.0],
            [-300.0, 100.0, 300.0, 800.0],
        ],
    }
    written = write_report(results, tmp_path, crossover=crossover)
    names = {p.name for p in written}
    for png in (
        "iops_bw.png",
        "latency.png",
        "hypervisor.png",
        "cpu.png",
        "dom0_memory.png",
        "crossover.png",
    ):
        assert png in names
        _check_png(tmp_path / png)
    assert {"results.json", "results.csv", "map.json", "copy.json", "swap.json"} <= names
    combined = json.loads((tmp_path / "results.json").read_text())
    assert list(combined) == ["map", "copy", "swap"]
    assert combined["copy"]["jobs"][0]["write"]["clat_ns"]["bins"]  # json+ documents
    single = json.loads((tmp_path / "fio" / "swap.json").read_text())
    assert single["fio version"].startswith("fio-3.")
    assert all(p.exists() for p in written)


def test_missing_inputs_skip_plots(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    bare = RunStats(jobs=[JobStats("idle")], timestamp=1.0)
    with caplog.at_level(logging.INFO, logger="blkswap.report.plots"):
        written = write_report(
            {"null": bare, "map": _run(1, False)}, tmp_path, crossover={"memcpy_GBps": [1.0]}
        )
    names = {p.name for p in written}
    assert "iops_bw.png" in names and "hypervisor.png" in names and "latency.png" in names
    assert not {"cpu.png", "dom0_memory.png", "crossover.png"} & names
    assert not (tmp_path / "cpu.png").exists()
    assert "cpu.png skipped" in caplog.text and "crossover.png skipped" in caplog.text


def test_bad_crossover_shape_raises(tmp_path) -> None:
    bad = {
        "memcpy_GBps": [1.0, 2.0],
        "hypercall_ns": [1.0, 2.0, 3.0],
        "swap_minus_copy_ns": [[0.0, 1.0]],
    }
    with pytest.raises(ValueError, match=r"shape .*\(3, 2\)"):
        write_report({"map": _run(1, False)}, tmp_path, crossover=bad)
    with pytest.raises(ValueError, match="empty"):
        write_report({}, tmp_path)
