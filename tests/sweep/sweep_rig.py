"""Tiny grids for the sweep tests: a 32-I/O job on a 1 MiB RAM disk (a point runs in ~0.3 s)."""

from __future__ import annotations

from pathlib import Path

JOB = "[tiny]\nrw=randrw\nbs=4k\nsize=128k\niodepth=4\n"


def write_grid(folder: Path, grid: str, zipped: str = "", base_lab: str = "") -> Path:
    """A job file and a grid file in *folder*; returns the grid's path."""
    (folder / "job.fio").write_text(JOB)
    lab = 'storage = "ram", device = "ram", disk_size = 1048576' + (
        f", {base_lab}" if base_lab else ""
    )
    text = f'[base]\njob = "job.fio"\nseed = 5\nlab = {{ {lab} }}\n\n[grid]\n{grid}\n'
    if zipped:
        text += f"\n[zip]\n{zipped}\n"
    path = folder / "grid.toml"
    path.write_text(text)
    return path
