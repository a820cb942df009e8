"""Ctrl-C and SIGTERM at any moment: one line, exit 130, partial results, no temp images left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

JOB = "[long]\nrw=randrw\nbs=4k\niodepth=8\nsize={size}\n"


def _start(
    tmp_path: Path, *args: str, size: str = "256m", workers: int = 1
) -> subprocess.Popen[str]:
    job = tmp_path / "long.fio"
    job.write_text(JOB.format(size=size))
    env = {**os.environ, "TMPDIR": str(tmp_path), "BLKSWAP_WORKERS": str(workers)}
    cmd = [sys.executable, "-m", "blkswap", "compare", str(job), "--storage", "raw", *args]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip


def _as_from_a_terminal() -> None:
    """In the child: Ctrl-C's default disposition. A test run started in the background (`&` in
    a script) passes SIGINT on ignored, and blkswap, like Python, leaves an ignored SIGINT
    ignored (nohup semantics), so the signal tests would see runs that never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _images(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("blkswap-images-"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.3, 3.0])
def test_signal_any_time_is_one_line_and_130(tmp_path: Path, sig: int, delay: float) -> None:
    proc = _start(tmp_path, "--datapaths", "map")
    time.sleep(delay)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.rstrip().endswith("blkswap: interrupted")
    assert _images(tmp_path) == []  # SIGTERM (and SIGINT) remove the temporary disk images


def test_interrupt_prints_the_data_paths_that_finished(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--datapaths", "map,copy", size="8m")
    assert proc.stderr is not None
    seen = ""
    while "[2/2] copy" not in seen:
        line = proc.stderr.readline()
        assert line, f"blkswap ended early: {seen}"
        seen += line
    deadline = time.monotonic() + 20
    while not _images(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    images_during = _images(tmp_path)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "partial results: 1 of 2 data paths finished" in err
    rows = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "map" in rows and "copy" not in rows  # map's figures, nothing invented for copy
    assert images_during and _images(tmp_path) == []  # copy's images existed; none are left


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_parallel_paths_stop_at_once(tmp_path: Path, sig: int) -> None:
    proc = _start(tmp_path, "--datapaths", "map,copy", workers=2)
    deadline = time.monotonic() + 30
    while len(_images(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # both worker processes have built their hosts
    assert len(_images(tmp_path)) == 2
    time.sleep(3)  # past host construction (a worker stopped inside Host() leaves its images:
    # lab/host.py does not clean up when its constructor is interrupted)
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 15  # the workers were told; the pool did not wait for them
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.rstrip().endswith("blkswap: interrupted")
    assert _images(tmp_path) == []


# -- interrupts that land where Python cannot raise them --------------------------------------
_NESTED_EVAL_INTERRUPTED = """
import ctypes, sys
from blkswap import cli
run = ctypes.pythonapi.PyRun_StringFlags
run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object, ctypes.c_void_p]
run.restype = ctypes.py_object
try:  # a nested evaluation ends by KeyboardInterrupt, which the program then catches
    run(b"raise KeyboardInterrupt", 257, {}, {}, None)
except KeyboardInterrupt:
    pass
cli.main = lambda argv=None: cli.EXIT_INTERRUPTED
cli.entry() if sys.argv[1] == "entry" else sys.exit(cli.main())
"""


@pytest.mark.parametrize(("how", "status"), [("entry", 130), ("sys.exit", -signal.SIGINT)])
def test_entry_exits_130_after_a_caught_nested_interrupt(
    tmp_path: Path, how: str, status: int
) -> None:
    """Under ``python -m`` (Modules/main.c pymain_run_module) CPython remembers the nested
    KeyboardInterrupt and ends a plain ``sys.exit(130)`` by SIGINT (the control case);
    ``entry`` still exits 130."""
    (tmp_path / "nested_case.py").write_text(_NESTED_EVAL_INTERRUPTED)
    proc = subprocess.run(
        [sys.executable, "-m", "nested_case", how], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == status, proc.stderr


def test_an_interrupt_swallowed_on_its_way_still_ends_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import weakref

    from blkswap import cli

    def command(args: object) -> int:
        class Victim:
            pass

        victim = Victim()
        ref = weakref.ref(victim, lambda _: cli._on_sigint(signal.SIGINT, None))
        del victim  # the callback raises; Python can only report it as unraisable
        assert ref() is None
        print("all the output")
        return 0

    monkeypatch.setattr(cli, "resolve", lambda _: command)
    previous, hook = signal.getsignal(signal.SIGINT), sys.unraisablehook
    assert cli.main(["abi"]) == 130
    err = capsys.readouterr().err
    assert "KeyboardInterrupt" not in err and "Exception ignored" not in err
    assert err.rstrip().endswith("blkswap: interrupted")
    assert signal.getsignal(signal.SIGINT) is previous and sys.unraisablehook is hook


def test_forwarding_survives_a_half_imported_multiprocessing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    from blkswap import cli

    monkeypatch.setitem(sys.modules, "multiprocessing", types.ModuleType("multiprocessing"))
    cli._forward(signal.SIGTERM)  # the signal arrived during `import multiprocessing`


def test_run_prints_its_statistics_up_to_the_interruption(tmp_path: Path) -> None:
    """``blkswap run`` stopped mid-job prints the job's figures so far, as fio does."""
    import json

    job = tmp_path / "long.fio"
    job.write_text(JOB.format(size="256m"))
    cmd = [sys.executable, "-m", "blkswap", "run", str(job), "--datapath", "copy", "--eta",
           "always", "--output-format", "json"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = ""
    while "Jobs: 1" not in seen:  # the progress line: the job is running
        chunk = proc.stderr.read(1)
        assert chunk, f"blkswap ended early: {seen}"
        seen += chunk
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    doc = json.loads(out)  # stdout stays one JSON document
    at_ns = doc["blkswap"]["interrupted_at_ns"]
    assert f"the run was stopped at {at_ns / 1e6:.3f} ms of simulated time" in err
    (only,) = doc["jobs"]
    ios = only["read"]["total_ios"] + only["write"]["total_ios"]
    assert 0 < ios < 256 * 256  # some of the 64 Ki I/Os, not all of them
    assert only["job_runtime"] <= at_ns // 1_000_000 + 1
