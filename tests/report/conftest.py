"""Builders for report tests: runs shaped like the fio-3.42 capture in fio-conventions.md §2/§5.

The capture's write direction moved 147656704 bytes in 36026 I/Os over 10005 ms; jobs built
here reproduce those totals so fio's own printed figures can be used as expected values.
"""

from __future__ import annotations

import random

import pytest

from blkswap.report import JobStats, RunStats

CAPTURE_IOS = 36026
CAPTURE_BYTES = 147656704  # fio io_bytes of the capture (36026 * 4096 + 94208)
CAPTURE_RUNTIME_NS = 10_005_000_000
CAPTURE_TIMESTAMP = 1783516399.970


def make_capture_job(name: str = "/dev/nvme8n2", seed: int = 7, groupid: int = 0) -> JobStats:
    """A write job with the capture's io_bytes, total_ios and runtime (latencies random)."""
    rng = random.Random(seed)
    job = JobStats(
        name,
        groupid=groupid,
        job_options={"rw": "randwrite", "bs": "4096B", "iodepth": "24"},
        end_ns=CAPTURE_RUNTIME_NS,
        job_start_ms=1783516389720,
    )
    # 147656704 bytes over 36026 I/Os is 4098.6 B/I/O; use 4096-byte I/Os and put the
    # remainder on the first one so the byte total is exact.
    extra = CAPTURE_BYTES - CAPTURE_IOS * 4096
    step = CAPTURE_RUNTIME_NS // CAPTURE_IOS
    for i in range(CAPTURE_IOS):
        nbytes = 4096 + (extra if i == 0 else 0)
        job.write.add(
            nbytes, rng.randint(1262, 600_000), rng.randint(819_196, 12_000_000), (i + 1) * step
        )
        job.note_depth(16 if i > 50 else 1 + i % 8)
    return job


@pytest.fixture
def capture_run() -> RunStats:
    """One capture-shaped job in a run with a [global] section and a VBD in disk_util."""
    return RunStats(
        jobs=[make_capture_job()],
        global_options={"ioengine": "xen-blkfront", "direct": "1"},
        timestamp=CAPTURE_TIMESTAMP,
        disk_util=[{"name": "xvda", "write_ios": 36026, "util": 99.537611}],
        blkswap={"xen_ns": 123, "dom0_memory": {"frames_peak": 704, "timeline": [[0, 0], [5, 10]]}},
    )


@pytest.fixture
def make_job():
    """The ``make_capture_job`` builder, for tests that need several jobs."""
    return make_capture_job
