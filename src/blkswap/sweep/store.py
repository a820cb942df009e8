"""The output folder of a sweep::

    OUT/points/<key>.json   one record per point (ok or failed), written atomically as it ends
    OUT/results.csv         the tidy table: one row per point of the grid, one column per axis
    OUT/results.parquet     and per measure (the same table; needs pyarrow)
    OUT/plots/*.png         each measure against each axis, one line per data path

A point whose record says ``ok`` is done: a rerun of the same grid into the same folder skips it
(the content key finds it whatever grid it came from). A failed point is kept with its error and
run again by the next resume.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from blkswap.sweep.grid import Grid, Point
from blkswap.sweep.point import MEASURES

__all__ = ["Store"]


class Store:
    """Records of one output folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.points = self.folder / "points"

    def path(self, key: str) -> Path:
        return self.points / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None  # missing, or torn by a crash before the rename: run it again

    def done(self, key: str) -> bool:
        record = self.load(key)
        return record is not None and record.get("status") == "ok"

    def write(self, point: Point, record: dict[str, Any]) -> None:
        """Store *record* of *point* (with the point's axes, repeat and seed), atomically."""
        self.points.mkdir(parents=True, exist_ok=True)
        doc = {
            **record,
            "axes": point.axes,
            "repeat": point.repeat,
            "seed": point.seed,
            "datapath": point.lab["datapath"],
        }
        tmp = self.path(point.key).with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n")
        os.replace(tmp, self.path(point.key))

    def rows(self, grid: Grid) -> list[dict[str, Any]]:
        """The tidy table of *grid*: one row per point (status ``missing`` if never run)."""
        rows = []
        for point in grid.points:
            record = self.load(point.key) or {"status": "missing"}
            row: dict[str, Any] = {
                "key": point.key,
                "point": point.index,
                "repeat": point.repeat,
                "seed": point.seed,
                "datapath": point.lab["datapath"],
            }
            row.update({axis: point.axes[axis] for axis in grid.axes if axis != "datapath"})
            row["status"] = record.get("status")
            row["error"] = record.get("error", "")
            measures = record.get("measures", {})
            row.update({m: measures.get(m) for m in MEASURES})
            rows.append(row)
        return rows

    def write_tables(self, grid: Grid) -> list[Path]:
        """results.csv, and results.parquet when pyarrow is installed; the paths written."""
        rows = self.rows(grid)
        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.folder / "results.csv"
        columns = list(rows[0]) if rows else ["key"]
        with out.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        paths = [out]
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            return paths
        columns_data = {c: _column([r[c] for r in rows]) for c in columns}
        pq.write_table(pa.table(columns_data), self.folder / "results.parquet")
        return [*paths, self.folder / "results.parquet"]


def _column(values: list[Any]) -> list[Any]:
    """One Parquet column: numbers stay numbers (as floats), a column with any text is text."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present):
        return values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return [None if v is None else float(v) for v in values]
    if all(isinstance(v, bool) for v in present):
        return values
    return [None if v is None else str(v) for v in values]
