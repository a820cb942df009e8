"""Before a run: the size-beyond-disk note (once), the wall-time estimate and --dry-run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from blkswap.cli import main
from blkswap.workload import parse_jobtext
from blkswap.workload.estimate import S_PER_PAGE, S_PER_REQUEST, SETUP_S, estimate, size_notes


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    def call(*args: str) -> SimpleNamespace:
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return call


def test_estimate_counts_requests_and_pages() -> None:
    jf = parse_jobtext("[a]\nrw=randread\nbs=8k\nsize=1m\nnumjobs=2\n", env={}, quiet=True)
    est = estimate(jf, guests=3, disk_size=64 << 20, runs=2)
    per_run = 128 * 2 * 3  # 1 MiB / 8 KiB, two clones, three guests
    assert (est.requests, est.pages) == (per_run * 2, per_run * 2 * 2)
    want = 2 * (SETUP_S + per_run * S_PER_REQUEST + per_run * 2 * S_PER_PAGE)
    assert est.wall_s == pytest.approx(want) and est.bound_by == {"a": "size"}


def test_estimate_bounds_by_number_ios_runtime_and_flags_endless_jobs() -> None:
    jf = parse_jobtext("[a]\nrw=read\nsize=64m\nnumber_ios=10\n", env={}, quiet=True)
    assert estimate(jf, guests=1, disk_size=64 << 20).requests == 10
    jf = parse_jobtext("[a]\nrw=read\ntime_based\nruntime=900\n", env={}, quiet=True)
    est = estimate(jf, guests=1, disk_size=64 << 20)
    assert est.bound_by == {"a": "runtime"} and est.wall_s > 3600
    jf = parse_jobtext("[a]\nrw=read\ntime_based\n", env={}, quiet=True)  # fio drops it
    assert estimate(jf, guests=1, disk_size=64 << 20).requests == 16384


def test_size_beyond_disk_is_said_once() -> None:
    jf = parse_jobtext("[a]\nsize=1g\n[b]\nsize=2g\n[c]\nsize=1m\n", env={}, quiet=True)
    notes = size_notes(jf, 64 << 20)
    assert len(notes) == 1
    assert "'a' (1073741824 → 67108864)" in notes[0] and "'b'" in notes[0]
    assert "'c'" not in notes[0]


def test_dry_run_prints_jobs_and_estimate_and_runs_nothing(cli, tmp_path: Path) -> None:
    (tmp_path / "j.fio").write_text("[big]\nrw=randwrite\nbs=16k\nsize=8g\nnumjobs=2\n")
    p = cli("run", "j.fio", "--dry-run", "--guests", "2", "--disk-size", "64m")
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert lines[0] == "j.fio: 1 job(s), 2 guest(s), 1 data path run(s), disk 67108864 bytes"
    assert lines[1].startswith("[big] rw=randwrite bs=16384/16384/16384 iodepth=1 numjobs=2")
    assert lines[2] == "  regions (offset+bytes per clone): 0+67108864, 0+67108864"
    wall = SETUP_S + 16384 * (S_PER_REQUEST + 4 * S_PER_PAGE)  # 2 GiB capped at 64 MiB ×2 ×2
    assert lines[-1] == f"estimate: about 16,384 requests, about {wall:.0f} s of wall time"
    assert p.stderr.count("runs past the end") == 1
    assert not (tmp_path / "blkswap-report").exists()


def test_long_run_is_warned_before_it_starts(cli, tmp_path: Path, monkeypatch) -> None:
    import blkswap.cli.run as run

    (tmp_path / "j.fio").write_text("[long]\nrw=read\ntime_based\nruntime=900\n")

    def no_run(*a, **k):
        raise KeyboardInterrupt  # stop right after the warning

    monkeypatch.setattr(run, "_run_one", no_run)
    p = cli("run", "j.fio")
    assert p.returncode == 130
    assert "warning: this run will take long: about" in p.stderr and "--dry-run" in p.stderr
