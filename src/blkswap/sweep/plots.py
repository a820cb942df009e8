"""Plots of a sweep: each measure against each axis, one line per data path.

Points that share an axis value but differ in other axes or repeats are averaged (the table keeps
every point). Numeric axes are drawn to scale; other axes (``bs = "4k"``) as equally spaced
categories in the grid's order.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from blkswap.sweep.point import MEASURES

__all__ = ["write_plots"]


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _series(rows: list[dict[str, Any]], axis: str, measure: str) -> dict[str, dict[Any, float]]:
    """data path → axis value → mean of *measure* over the ok points with that value."""
    sums: dict[str, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        value = row.get(measure)
        if row["status"] == "ok" and value is not None:
            sums[row["datapath"]][row[axis]].append(float(value))
    return {dp: {x: sum(v) / len(v) for x, v in by_x.items()} for dp, by_x in sums.items()}


def write_plots(rows: list[dict[str, Any]], axes: list[str], folder: Path) -> list[Path]:
    """One PNG per (measure, axis) with data; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    axes = [a for a in axes if a != "datapath"] or ["datapath"]
    paths = []
    for axis in axes:
        order = list(dict.fromkeys(row[axis] for row in rows))
        numeric = _numeric(order)
        for measure, label in MEASURES.items():
            series = _series(rows, axis, measure)
            if not series:
                continue
            fig, ax = plt.subplots(figsize=(6, 4))
            for datapath, by_x in sorted(series.items()):
                xs = [x for x in order if x in by_x]
                pos = xs if numeric else [order.index(x) for x in xs]
                ax.plot(pos, [by_x[x] for x in xs], marker="o", label=datapath)
            if not numeric:
                ax.set_xticks(range(len(order)), [str(x) for x in order])
            ax.set_xlabel(axis)
            ax.set_ylabel(label)
            ax.set_title(f"{measure} vs {axis}")
            ax.legend()
            ax.grid(alpha=0.3)
            path = folder / f"{measure}__{axis.replace('.', '_')}.png"
            fig.tight_layout()
            fig.savefig(path, dpi=80)
            plt.close(fig)
            paths.append(path)
    return paths
