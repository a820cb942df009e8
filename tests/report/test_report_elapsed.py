"""fio JSON ``elapsed``: the run's wall time in whole seconds, rounded up (the lab's rule: a run
of 1 ns to 1 s is "1", as fio never prints 0 for a job that ran)."""

from __future__ import annotations

import pytest

from blkswap.report import JobStats, RunStats, to_fio_json

SEC = 1_000_000_000


@pytest.mark.parametrize(
    ("start_ns", "end_ns", "elapsed"),
    [
        (0, 0, 0),
        (0, 1, 1),
        (0, SEC - 1, 1),
        (0, SEC, 1),
        (0, SEC + 1, 2),
        (0, 2 * SEC + SEC // 2, 3),
        (0, 10_005_000_000, 11),
        (5 * SEC, 7 * SEC, 2),
        (5 * SEC + 1, 7 * SEC, 2),
        (5 * SEC, 7 * SEC + 1, 3),
        (3 * SEC, SEC, 0),  # an end before the start counts as nothing, never negative
    ],
)
def test_elapsed_is_whole_seconds_rounded_up(start_ns, end_ns, elapsed):
    job = JobStats("j", start_ns=start_ns, end_ns=end_ns)
    doc = to_fio_json(RunStats(jobs=[job]))
    assert doc["jobs"][0]["elapsed"] == elapsed
    assert type(doc["jobs"][0]["elapsed"]) is int


def test_elapsed_spans_all_jobs_of_the_run():
    jobs = [JobStats("a", start_ns=SEC, end_ns=2 * SEC), JobStats("b", start_ns=0, end_ns=SEC + 7)]
    doc = to_fio_json(RunStats(jobs=jobs))
    assert [j["elapsed"] for j in doc["jobs"]] == [2, 2]
