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

from .conditions import run_conditions
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


def _save(fig: Any, path: Path, caption: str = "") -> Path:
    """Save with the run conditions written under the plot (every figure states them)."""
    if caption:
        fig.text(0.01, 0.005, _wrap(caption), fontsize="x-small", color="0.3", va="bottom")
        fig.tight_layout(rect=(0, 0.06 * (1 + caption.count(" · ") // 6), 1, 1))
    else:
        fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def _wrap(text: str, per_line: int = 6) -> str:
    parts = text.split(" · ")
    return "\n".join(" · ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line))


def _bars(ax: Any, names: Sequence[str], values: Sequence[float], title: str, ylabel: str) -> None:
    ax.bar(range(len(names)), values, color="tab:blue")
    ax.set_xticks(range(len(names)), list(names), rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)


def _dir_split(results: Mapping[str, RunStats]) -> dict[str, dict[str, tuple[float, float]]]:
    """data path → direction → (IOPS, MiB/s), for the directions any run moved data in."""
    from .groups import dir_figures

    out: dict[str, dict[str, tuple[float, float]]] = {}
    for name, run in results.items():
        per: dict[str, tuple[float, float]] = {}
        for job in run.jobs:
            for d in ("read", "write", "trim"):
                f = dir_figures(job, d)
                iops, mib = per.get(d, (0.0, 0.0))
                per[d] = (iops + f.iops, mib + f.bw_bytes / 2**20)
        out[name] = per
    used = [d for d in ("read", "write", "trim") if any(p[d][0] for p in out.values())]
    return {n: {d: p[d] for d in used} for n, p in out.items()}


def _split_bars(ax: Any, split: Mapping[str, Mapping[str, tuple[float, float]]], k: int,
                title: str, ylabel: str) -> None:  # fmt: skip
    names = list(split)
    dirs = list(next(iter(split.values())))
    bottom = [0.0] * len(names)
    for d, color in zip(dirs, ("tab:blue", "tab:orange", "tab:green"), strict=False):
        vals = [split[n][d][k] for n in names]
        ax.bar(range(len(names)), vals, bottom=bottom, label=d, color=color)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if len(dirs) > 1:
        ax.legend(fontsize="small")


def _plot_iops_bw(results: Mapping[str, RunStats], path: Path, caption: str = "") -> Path | None:
    split = _dir_split(results)
    if not any(split.values()):
        log.info("iops_bw.png skipped: no I/O in any run")
        return None
    fig, (a, b) = _figure(2)
    _split_bars(a, split, 0, "IOPS per data path", "IOPS")
    _split_bars(b, split, 1, "Bandwidth", "MiB/s")
    return _save(fig, path, caption)


def _plot_latency(results: Mapping[str, RunStats], path: Path, caption: str = "") -> Path | None:
    from .histogram import LatencyHistogram

    pcts = (50.0, 90.0, 99.0, 99.9)
    per_dir: dict[str, dict[str, list[float]]] = {}
    for d in ("read", "write", "trim"):
        rows = {}
        for name, run in results.items():
            h = LatencyHistogram()
            for job in run.jobs:
                h.merge(job.direction(d).clat)
            if h.n:
                got = h.percentiles(pcts)
                rows[name] = [v / 1000 for v in got.values()]
        if rows:
            per_dir[d] = rows
    if not per_dir:
        log.info("latency.png skipped: no completion-latency samples in any run")
        return None
    fig, axes = _figure(len(per_dir), 8.0)
    width = 0.8 / len(pcts)
    names = list(results)
    for ax, (d, rows) in zip(axes, per_dir.items(), strict=True):
        for k, p in enumerate(pcts):
            xs = [i + (k - 1.5) * width for i in range(len(names))]
            ax.bar(xs, [rows.get(n, [0] * len(pcts))[k] for n in names], width, label=f"p{p:g}")
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
        ax.set_ylabel("clat (µs)")
        ax.set_title(f"{d}: completion latency percentiles")
        ax.legend(fontsize="small")
    return _save(fig, path, caption)


def _plot_hypervisor(results: Mapping[str, RunStats], path: Path, caption: str = "") -> Path | None:
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
    return _save(fig, path, caption)


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


def _plot_cpu(results: Mapping[str, RunStats], path: Path, caption: str = "") -> Path | None:
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
    return _save(fig, path, caption)


def _timeline(run: RunStats) -> list[tuple[float, float]] | None:
    mem = run.blkswap.get("dom0_memory")
    points = mem.get("timeline") if isinstance(mem, Mapping) else None
    if not points:
        return None
    try:
        return [(float(t) / 1e6, float(f)) for t, f in points]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dom0_memory.timeline must be [[t_ns, frames], …]: {exc}") from exc


def _plot_dom0_memory(
    results: Mapping[str, RunStats], path: Path, caption: str = ""
) -> Path | None:
    lines = {n: _timeline(r) for n, r in results.items()}
    lines = {n: pts for n, pts in lines.items() if pts}
    if not lines:
        log.info("dom0_memory.png skipped: no dom0_memory.timeline in any run")
        return None
    fig, (ax,) = _figure(1, 8.0)
    mib = _PAGE / 2**20
    for name, pts in lines.items():
        ax.step([t for t, _ in pts], [f * mib for _, f in pts], where="post", label=name)
    limits = {r.blkswap.get("dom0_memory", {}).get("pool_frames") for r in results.values()}
    for frames in sorted(f for f in limits if f):
        ax.axhline(frames * mib, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"pool limit {frames * mib:.1f} MiB ({frames} frames)", (0, frames * mib),
                    xycoords=("axes fraction", "data"), xytext=(4, -11),
                    textcoords="offset points", fontsize="small")  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.set_xlabel("simulated time (ms)")
    ax.set_ylabel("dom0 memory in use for foreign I/O (MiB)")
    ax.set_title("dom0 memory for foreign I/O (4 KiB frames)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path, caption)


def _plot_crossover(crossover: Mapping[str, Any], path: Path, caption: str = "") -> Path | None:
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
    if len(xs) > 1 and xs.min() > 0:
        ax.set_xscale("log")  # memcpy speeds span 1–40 GB/s: the slow region gets its share
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.minorticks_off()
    for name, gbps, hc in _profile_points():
        ax.plot([gbps], [hc], marker="*", markersize=14, color="gold", markeredgecolor="black")
        ax.annotate(name, (gbps, hc), xytext=(6, 6), textcoords="offset points",
                    fontsize="small", fontweight="bold")  # fmt: skip
    ax.set_xlabel("memcpy speed (GB/s, log scale)")
    ax.set_ylabel("hypercall cost (ns)")
    ax.set_title("Swap vs copy: negative = swap cheaper (black line = crossover)")
    return _save(fig, path, caption)


def _profile_points() -> list[tuple[str, float, float]]:
    """Where the built-in cost profiles sit on the crossover map (memcpy GB/s, hypercall ns)."""
    from blkswap.sim.costs import load_profile

    out = []
    for name in ("x86-2010", "x86-modern"):
        p = load_profile(name)
        out.append((name, p.memcpy_Bps / 1e9, float(p.hypercall_ns)))
    return out


_PAGE = 4096
_PLOTS: tuple[tuple[str, Callable[[Mapping[str, RunStats], Path, str], Path | None]], ...] = (
    ("iops_bw.png", _plot_iops_bw),
    ("latency.png", _plot_latency),
    ("hypervisor.png", _plot_hypervisor),
    ("cpu.png", _plot_cpu),
    ("dom0_memory.png", _plot_dom0_memory),
)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"


def write_report(
    results: Mapping[str, RunStats],
    outdir: Path,
    crossover: dict | None = None,
    conditions: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the report folder and return every path written.

    ``outdir/results.json`` (each data path's json+ document keyed by name),
    ``outdir/fio/<datapath>.json`` (one plain fio json+ document each, for fio tooling such as
    fio-plot and fio_jsonplus_clat2csv), ``outdir/results.csv`` and the PNGs: iops_bw,
    latency, hypervisor, cpu, dom0_memory and (when ``crossover`` is given) crossover. Every
    plot carries the run conditions (:func:`~blkswap.report.conditions.run_conditions`, with
    ``conditions`` such as the job file and seed added).
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
    caption = run_conditions(results, conditions)
    for filename, plot in _PLOTS:
        path = plot(results, outdir / filename, caption)
        if path is not None:
            written.append(path)
    if crossover is not None:
        path = _plot_crossover(crossover, outdir / "crossover.png", caption)
        if path is not None:
            written.append(path)
    return written
