"""The report folder: fio JSON per data path, results.json, results.csv and PNG plots.

Plots use matplotlib's object API with the Agg canvas (no pyplot, no display, no global
backend switch) and are imported lazily so the rest of ``report`` works without matplotlib.
A plot whose input is missing from every run is skipped with a log note, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .csv_out import write_csv
from .figures import counter_total, run_metrics
from .fio_json import dumps_fio, to_fio_json
from .model import RunStats

__all__ = ["write_report"]

log = logging.getLogger(__name__)


def _figure(ncols: int = 1, width: float = 7.0) -> tuple[Any, list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols / 1.4 if ncols > 1 else width, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def _bars(ax: Any, names: Sequence[str], values: Sequence[float], title: str, ylabel: str) -> None:
    ax.bar(range(len(names)), values, color="tab:blue")
    ax.set_xticks(range(len(names)), list(names), rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)


def _plot_iops_bw(results: Mapping[str, RunStats], path: Path) -> Path | None:
    metrics = {n: run_metrics(r) for n, r in results.items()}
    fig, (a, b) = _figure(2)
    names = list(metrics)
    _bars(a, names, [m.iops for m in metrics.values()], "IOPS per data path", "IOPS")
    _bars(b, names, [m.bw_bytes / 2**20 for m in metrics.values()], "Bandwidth", "MiB/s")
    return _save(fig, path)


def _plot_latency(results: Mapping[str, RunStats], path: Path) -> Path | None:
    metrics = {n: run_metrics(r) for n, r in results.items()}
    if not any(m.clat_ns for m in metrics.values()):
        log.info("latency.png skipped: no completion-latency samples in any run")
        return None
    fig, (ax,) = _figure(1, 8.0)
    pcts = (50.0, 90.0, 99.0, 99.9)
    width = 0.8 / len(pcts)
    for k, p in enumerate(pcts):
        xs = [i + (k - 1.5) * width for i in range(len(metrics))]
        ys = [m.clat_ns.get(p, 0) / 1000 for m in metrics.values()]
        ax.bar(xs, ys, width, label=f"p{p:g}")
    ax.set_xticks(range(len(metrics)), list(metrics), rotation=20, ha="right")
    ax.set_ylabel("clat (µs)")
    ax.set_title("Completion latency percentiles")
    ax.legend()
    return _save(fig, path)


def _plot_hypervisor(results: Mapping[str, RunStats], path: Path) -> Path | None:
    metrics = {n: run_metrics(r) for n, r in results.items()}
    series = {
        key: [m.per_request(key) for m in metrics.values()] for key in ("hypercalls", "tlb_flushes")
    }
    if all(v is None for vals in series.values() for v in vals):
        log.info("hypervisor.png skipped: no hypercall or TLB-flush counts in any run")
        return None
    fig, (a, b) = _figure(2)
    names = list(metrics)
    _bars(
        a, names, [v or 0.0 for v in series["hypercalls"]], "Hypercalls per request", "hypercalls"
    )
    _bars(b, names, [v or 0.0 for v in series["tlb_flushes"]], "TLB flushes per request", "flushes")
    return _save(fig, path)


def _stacked(
    ax: Any, names: list[str], parts: list[Mapping[str, Any]], title: str, top: int = 9
) -> None:
    """Stacked bars of the ``top`` largest keys (over all runs) plus "other"; legend outside."""
    totals: dict[str, float] = {}
    for p in parts:
        for k, v in p.items():
            totals[k] = totals.get(k, 0.0) + float(counter_total(v))
    keys = sorted(totals, key=lambda k: -totals[k])
    shown, rest = keys[:top], keys[top:]
    series = [(k, [counter_total(p.get(k, 0)) / 1e6 for p in parts]) for k in shown]  # ns -> ms
    if rest:
        series.append(
            ("other", [sum(counter_total(p.get(k, 0)) for k in rest) / 1e6 for p in parts])
        )
    bottom = [0.0] * len(names)
    colors = _palette(len(series))
    for (key, vals), color in zip(series, colors, strict=True):
        ax.bar(range(len(names)), vals, bottom=bottom, label=key, color=color)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylabel("CPU time (ms)")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _plot_cpu(results: Mapping[str, RunStats], path: Path) -> Path | None:
    panels = []
    for key, title in (("cpu_ns_by_domain", "CPU by domain"), ("cpu_ns_by_cause", "CPU by cause")):
        parts = [r.blkswap.get(key) for r in results.values()]
        if any(isinstance(p, Mapping) and p for p in parts):
            panels.append(([p if isinstance(p, Mapping) else {} for p in parts], title))
        else:
            log.info("cpu.png: no %s in any run; panel skipped", key)
    if not panels:
        log.info("cpu.png skipped: no CPU breakdown in any run")
        return None
    fig, axes = _figure(len(panels), width=9.0)
    for ax, (parts, title) in zip(axes, panels, strict=True):
        _stacked(ax, list(results), parts, title)
    return _save(fig, path)


def _timeline(run: RunStats) -> list[tuple[float, float]] | None:
    mem = run.blkswap.get("dom0_memory")
    points = mem.get("timeline") if isinstance(mem, Mapping) else None
    if not points:
        return None
    try:
        return [(float(t) / 1e6, float(f)) for t, f in points]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dom0_memory.timeline must be [[t_ns, frames], …]: {exc}") from exc


def _plot_dom0_memory(results: Mapping[str, RunStats], path: Path) -> Path | None:
    lines = {n: _timeline(r) for n, r in results.items()}
    lines = {n: pts for n, pts in lines.items() if pts}
    if not lines:
        log.info("dom0_memory.png skipped: no dom0_memory.timeline in any run")
        return None
    fig, (ax,) = _figure(1, 8.0)
    for name, pts in lines.items():
        ax.step([t for t, _ in pts], [f for _, f in pts], where="post", label=name)
    ax.set_xlabel("simulated time (ms)")
    ax.set_ylabel("dom0 frames in use")
    ax.set_title("dom0 memory for foreign I/O")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)


def _plot_crossover(crossover: Mapping[str, Any], path: Path) -> Path | None:
    missing = [
        k for k in ("memcpy_GBps", "hypercall_ns", "swap_minus_copy_ns") if k not in crossover
    ]
    if missing:
        log.info("crossover.png skipped: crossover data lacks %s", ", ".join(missing))
        return None
    import numpy as np

    xs = np.asarray(crossover["memcpy_GBps"], dtype=float)
    ys = np.asarray(crossover["hypercall_ns"], dtype=float)
    zs = np.asarray(crossover["swap_minus_copy_ns"], dtype=float)
    if zs.shape != (len(ys), len(xs)):
        raise ValueError(
            f"swap_minus_copy_ns must have shape (len(hypercall_ns), len(memcpy_GBps)) = "
            f"({len(ys)}, {len(xs)}), got {zs.shape}"
        )
    fig, (ax,) = _figure(1, 7.5)
    span = float(np.nanmax(np.abs(zs))) or 1.0
    mesh = ax.pcolormesh(xs, ys, zs, shading="auto", cmap="RdBu_r", vmin=-span, vmax=span)
    fig.colorbar(mesh, ax=ax, label="swap − copy cost per request (ns)")
    if zs.min() < 0 < zs.max() and len(xs) > 1 and len(ys) > 1:
        ax.contour(xs, ys, zs, levels=[0.0], colors="black", linewidths=1.5)
    ax.set_xlabel("memcpy speed (GB/s)")
    ax.set_ylabel("hypercall cost (ns)")
    ax.set_title("Swap vs copy: negative = swap cheaper (black line = crossover)")
    return _save(fig, path)


_PLOTS: tuple[tuple[str, Callable[[Mapping[str, RunStats], Path], Path | None]], ...] = (
    ("iops_bw.png", _plot_iops_bw),
    ("latency.png", _plot_latency),
    ("hypervisor.png", _plot_hypervisor),
    ("cpu.png", _plot_cpu),
    ("dom0_memory.png", _plot_dom0_memory),
)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"


def write_report(
    results: Mapping[str, RunStats], outdir: Path, crossover: dict | None = None
) -> list[Path]:
    """Write the report folder and return every path written.

    ``outdir/results.json`` (each data path's json+ document keyed by name),
    ``outdir/fio/<datapath>.json`` (one plain fio json+ document each, for fio tooling such as
    fio-plot and fio_jsonplus_clat2csv), ``outdir/results.csv`` and the PNGs: iops_bw,
    latency, hypervisor, cpu, dom0_memory and (when ``crossover`` is given) crossover.
    """
    if not results:
        raise ValueError("write_report needs at least one run (results is empty)")
    outdir = Path(outdir)
    (outdir / "fio").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    docs = {name: to_fio_json(run, plus=True) for name, run in results.items()}
    combined = outdir / "results.json"
    combined.write_text(dumps_fio(docs) + "\n", encoding="utf-8")
    written.append(combined)
    used: set[str] = set()
    for name, doc in docs.items():
        stem = _safe_name(name)
        while stem in used:  # two names that sanitise alike must not overwrite each other
            stem += "_"
        used.add(stem)
        path = outdir / "fio" / f"{stem}.json"
        path.write_text(dumps_fio(doc) + "\n", encoding="utf-8")
        written.append(path)
    written.append(write_csv(results, outdir / "results.csv"))
    for filename, plot in _PLOTS:
        path = plot(results, outdir / filename)
        if path is not None:
            written.append(path)
    if crossover is not None:
        path = _plot_crossover(crossover, outdir / "crossover.png")
        if path is not None:
            written.append(path)
    return written
