"""blkswap.sweep — many runs over a grid of settings: ``blkswap sweep GRID.toml``.

Modules: ``grid`` (GRID.toml → points with content keys), ``point`` (one run → a record of
measures, on any worker), ``executors`` (local processes, dask LocalCluster, an existing dask
scheduler), ``store`` (one JSON per point, resumable; CSV + Parquet table), ``plots`` (each
measure against each axis per data path), ``run`` (the driver with progress and estimates).
dask and pyarrow are imported only when used (``pip install blkswap[sweep]``).
"""

from blkswap.sweep.grid import Grid, Point, SweepError, load_grid
from blkswap.sweep.run import SweepOutcome, SweepProgress, estimate_seconds, run_sweep
from blkswap.sweep.store import Store

__all__ = [
    "Grid",
    "Point",
    "Store",
    "SweepError",
    "SweepOutcome",
    "SweepProgress",
    "estimate_seconds",
    "load_grid",
    "run_sweep",
]
