"""Data paths in worker processes give what they give one after the other (lab.parallel)."""

from __future__ import annotations

import pytest

from blkswap.lab import Lab, LabConfig
from blkswap.lab.parallel import WORKERS_ENV, default_workers, run_configs

JOB = "[j]\nrw=randrw\nbssplit=4k/50:16k/50\niodepth=4\nsize=256k\n"


def _doc(result):
    doc = result.to_fio_json()
    doc.pop("time", None), doc.pop("timestamp", None), doc.pop("timestamp_ms", None)
    for job in doc["jobs"]:
        job.pop("job_start", None)
    return doc


def test_workers_give_the_sequential_results_in_input_order():
    base = LabConfig(storage="ram", device="ram", disk_size=1 << 20, guests=2)
    configs = [base.with_(datapath=p) for p in ("map", "copy", "swap")]
    from blkswap.lab import load_job

    jobfile = load_job(JOB)
    started, finished = [], []
    parallel = run_configs(configs, jobfile, workers=2, on_start=started.append,
                           on_done=lambda i, r: finished.append(i))  # fmt: skip
    assert started == [0, 1, 2] and sorted(finished) == [0, 1, 2]
    assert [r.datapath for r in parallel] == ["map", "copy", "swap"]
    for config, got in zip(configs, parallel, strict=True):
        alone = Lab(config).run(JOB)
        assert _doc(got) == _doc(alone)
        assert got.run.blkswap["counters"] == alone.run.blkswap["counters"]


def test_worker_count_from_environment(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers(5) == 3 and default_workers(2) == 2
    monkeypatch.delenv(WORKERS_ENV)
    assert 1 <= default_workers(5) <= 5
    for bad in ("0", "two"):
        monkeypatch.setenv(WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=WORKERS_ENV):
            default_workers(5)
