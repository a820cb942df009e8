"""GRID.toml parsing: axes, points, seeds, content keys, job options, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sweep_rig import write_grid

from blkswap.sweep import SweepError, load_grid
from blkswap.sweep.grid import derive_seed, with_job_options
from blkswap.workload.parser import parse_jobtext


def test_grid_product_times_zip_times_repeats(tmp_path):
    path = write_grid(
        tmp_path,
        'datapath = ["map", "copy"]\nguests = [1, 2, 3]',
        '"job.bs" = ["4k", "16k"]\n"costs.grant_map_ns" = [100, 300]',
    )
    grid = load_grid(path, repeat=2)
    assert len(grid.points) == 2 * 3 * 2 * 2
    assert grid.axes == ["datapath", "guests", "job.bs", "costs.grant_map_ns"]
    first = grid.points[0]
    assert first.axes == {"datapath": "map", "guests": 1, "job.bs": "4k", "costs.grant_map_ns": 100}
    # zip pairs: 16k always goes with 300
    assert {(p.axes["job.bs"], p.axes["costs.grant_map_ns"]) for p in grid.points} == {
        ("4k", 100),
        ("16k", 300),
    }
    assert {p.lab["guests"] for p in grid.points} == {1, 2, 3}
    assert all(p.lab["cost_overrides"] == {"grant_map_ns": p.axes["costs.grant_map_ns"]}
               for p in grid.points)  # fmt: skip
    # repeat 0 keeps the base seed, repeat 1 gets a derived one
    assert {p.seed for p in grid.points if p.repeat == 0} == {5}
    assert {p.seed for p in grid.points if p.repeat == 1} == {derive_seed(5, 1)}
    assert derive_seed(5, 1) != 5 and derive_seed(5, 1) != derive_seed(5, 2)
    # every point has its own content key; parsing again gives the same keys
    keys = [p.key for p in grid.points]
    assert len(set(keys)) == len(keys)
    assert keys == [p.key for p in load_grid(path, repeat=2).points]


def test_job_options_land_in_every_job_section_and_win():
    text = "[global]\nbs=4k\n[a]\nrw=read\niodepth=2\n[b]\nrw=write\n"
    jobs = parse_jobtext(with_job_options(text, {"iodepth": 16, "bs": "64k"}), quiet=True).jobs
    assert [j.iodepth for j in jobs] == [16, 16]
    assert [j.bs[0] for j in jobs] == [65536, 65536]
    assert with_job_options(text, {}) == text


def test_key_depends_on_settings_not_on_the_grid_around_it(tmp_path):
    a = load_grid(write_grid(tmp_path, "guests = [1, 2]")).points
    b = load_grid(write_grid(tmp_path, 'guests = [2]\n"job.iodepth" = [4]')).points
    # guests=2 with iodepth=4 (the job's own value, appended) is another job text: another key
    assert a[1].key != b[0].key
    c = load_grid(write_grid(tmp_path, "guests = [2, 4]")).points
    assert a[1].key == c[0].key


@pytest.mark.parametrize(
    ("grid", "zipped", "message"),
    [
        ("gusts = [1]", "", "axis 'gusts'"),
        ("guests = 2", "", "[grid] guests: expected a non-empty list"),
        ("guests = [0]", "", "guests: must be ≥ 1"),
        ("guests = [1]", '"job.bs" = ["4k"]\nqueues = [1, 2]', "[zip] lists must have equal"),
        ('"costs.nonsense_ns" = [1]', "", "unknown cost figure 'nonsense_ns'"),
        ("guests = [1]", "guests = [2]", "axis guests is in both"),
    ],
)
def test_bad_grids_are_one_line_errors_naming_the_key(tmp_path, grid, zipped, message):
    path = write_grid(tmp_path, grid, zipped)
    with pytest.raises(SweepError) as err:
        load_grid(path)
    assert message in str(err.value) and str(path) in str(err.value)
    p = subprocess.run(
        [sys.executable, "-m", "blkswap", "sweep", str(path), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("blkswap: error: ")
    assert message in p.stderr


def test_dry_run_lists_points_and_estimates_without_running(tmp_path):
    path = write_grid(tmp_path, 'datapath = ["map", "copy"]')
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "blkswap", "sweep", str(path), "--out", str(out), "--dry-run",
         "--repeat", "2"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("4 points (datapath)")
    assert sum("[to run]" in ln for ln in lines) == 4
    assert lines[-1].startswith("estimate: ") and "worker(s)" in lines[-1]
    assert not out.exists()


def test_the_2012_example_grid_is_the_calibration_testbed():
    """examples/sweep-2012.toml sweeps what bench/calibrate.py measures: the 24-pCPU testbed of
    examples/persistent-2012.toml, map and persistent, 1–15 guests, depth-32 4 KiB reads."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    grid = load_grid(examples / "sweep-2012.toml")
    assert [(p.axes["datapath"], p.axes["guests"]) for p in grid.points] == [
        (path, g) for path in ("map", "persistent") for g in (1, 3, 5, 8, 10, 15)
    ]
    lab = grid.points[0].lab
    assert (lab["pcpus"], lab["dom0_vcpus"], lab["costs"], lab["verify"]) == (
        24,
        24,
        "x86-2010",
        False,
    )
    job = parse_jobtext(grid.points[0].job_text)
    assert [(j.rw, j.bs, j.iodepth) for j in job.jobs] == [("randread", (4096,) * 3, 32)]
