"""Figures state their run conditions; the verdict reports ties and a device bottleneck."""

from __future__ import annotations

from pathlib import Path

from blkswap.report import JobStats, RunStats, format_comparison, plots, write_report
from blkswap.report.conditions import device_utilisation, iops_ties, run_conditions

HOST = {"guests": 4, "dom0_vcpus": 8, "device": "nvme", "costs": "x86-2010"}


def _run(ios: int, util: float | None, reads: int = 0) -> RunStats:
    job = JobStats("mixed", end_ns=1_000_000_000, blkswap={"requests": ios + reads})
    for i in range(ios):
        job.write.add(4096, 500, 20_000, (i + 1) * 1_000_000)
    for i in range(reads):
        job.read.add(8192, 500, 30_000, (i + 1) * 1_000_000)
    blk = {**HOST, "dom0_memory": {"pool_frames": 704, "timeline": [[0, 0], [10**6, 300]]}}
    devices = [] if util is None else [{"device": "nvme", "util": util}]
    return RunStats(jobs=[job], timestamp=1.0, blkswap=blk, devices=devices)


def test_conditions_line() -> None:
    text = run_conditions({"map": _run(10, 0.5)}, {"job": "x.fio", "seed": 11})
    assert text == (
        "job x.fio · 4 guest(s) · dom0 8 vCPUs · device nvme · costs x86-2010 · seed 11 · "
        "1 data path(s) · simulated time"
    )
    assert run_conditions({"map": _run(10, 0.5)}).startswith("job mixed · ")


def test_every_figure_gets_the_conditions(tmp_path: Path, monkeypatch) -> None:
    seen: dict[str, str] = {}
    save = plots._save

    def spy(fig, path, caption=""):
        seen[Path(path).name] = caption
        return save(fig, path, caption)

    monkeypatch.setattr(plots, "_save", spy)
    crossover = {"memcpy_GBps": [1, 10], "hypercall_ns": [100, 1000],
                 "swap_minus_copy_ns": [[-1.0, 1.0], [-2.0, 2.0]]}  # fmt: skip
    runs = {"map": _run(50, 0.95, reads=20), "copy": _run(50, 0.95, reads=20)}
    write_report(runs, tmp_path, crossover=crossover, conditions={"job": "x.fio", "seed": 3})
    assert set(seen) == {"iops_bw.png", "latency.png", "dom0_memory.png", "crossover.png"}
    assert all("job x.fio" in c and "seed 3" in c and "device nvme" in c for c in seen.values())


def test_ties_and_bottleneck_in_the_verdict() -> None:
    assert iops_ties({"map": 100.0, "copy": 99.0, "swap": 90.0}) == ["map", "copy"]
    tied = format_comparison(
        {"map": _run(100, 0.97), "copy": _run(99, 0.99), "swap": _run(50, 0.4)}
    )
    verdict = tied.splitlines()[-2:]
    assert verdict[0].startswith("IOPS tie within 2%: map, copy (")
    assert verdict[1].startswith("the device is the bottleneck (utilisation 97%–99%)")
    alone = format_comparison({"map": _run(100, 0.5), "copy": _run(50, 0.5)})
    assert alone.splitlines()[-1].startswith("best IOPS: map (") and "bottleneck" not in alone
    assert device_utilisation(_run(1, None)) is None
