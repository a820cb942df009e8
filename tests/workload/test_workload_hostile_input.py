"""Job files that used to hang or exhaust memory: exponent towers in ``(expr)`` values and
``include`` (or the job file itself) naming a device, FIFO or directory (issue 14)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.workload import JobFileError, parse_jobfile, parse_jobtext
from blkswap.workload.errors import ValueProblem
from blkswap.workload.ini import MAX_JOB_BYTES
from blkswap.workload.units import evaluate


def _err(text: str, tmp_path: Path | None = None) -> JobFileError:
    with pytest.raises(JobFileError) as info:
        parse_jobtext(text, "job.fio", env={}, base_dir=tmp_path, quiet=True)
    return info.value


@pytest.mark.parametrize("expr", ["9^9^9^9", "2^2^2^2^2^2", "(10^10)^(10^10)", "1.5^1000", "2^65"])
def test_exponent_tower_is_refused_at_once(expr: str) -> None:
    start = time.perf_counter()
    e = _err(f"[a]\nsize=({expr})\n")
    assert time.perf_counter() - start < 1.0
    assert e.option == "size" and e.line == 2 and "beyond 2^64" in str(e)


def test_products_beyond_64_bits_are_refused() -> None:
    with pytest.raises(ValueProblem, match="beyond 2"):
        evaluate("2^40*2^40")
    assert evaluate("2^40*2^20") == 2**60
    assert evaluate("2^64") == 2**64 and evaluate("2^-1") == 0.5


@given(st.lists(st.integers(min_value=2, max_value=99), min_size=2, max_size=8))
@settings(max_examples=60, deadline=2000)
def test_any_tower_ends_quickly(bases: list[int]) -> None:
    text = "^".join(map(str, bases))
    try:
        val = evaluate(text)
    except ValueProblem:
        return
    assert abs(val) <= 2**64


def test_include_of_a_device_is_refused() -> None:
    e = _err("[a]\ninclude /dev/zero\n")
    assert e.option == "include" and "not a regular file" in str(e)


def test_include_of_a_directory_and_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    assert "not a regular file" in str(_err("[a]\ninclude d\n", tmp_path))
    os.mkfifo(tmp_path / "pipe")
    done: list[JobFileError] = []
    t = threading.Thread(target=lambda: done.append(_err("[a]\ninclude pipe\n", tmp_path)))
    t.start()
    t.join(5)
    assert not t.is_alive() and "not a regular file" in str(done[0])


def test_job_file_itself_must_be_regular_and_small(tmp_path: Path) -> None:
    with pytest.raises(JobFileError, match="not a regular file"):
        parse_jobfile("/dev/zero", quiet=True)
    big = tmp_path / "big.fio"
    big.write_text("[a]\n" + ";" * MAX_JOB_BYTES)
    with pytest.raises(JobFileError, match="larger than a job file"):
        parse_jobfile(big, quiet=True)
    bad = tmp_path / "latin1.fio"
    bad.write_bytes(b"[a]\ndescription=caf\xe9\n")
    with pytest.raises(JobFileError, match="not UTF-8"):
        parse_jobfile(bad, quiet=True)
