"""The terminal comparison table of data paths (``blkswap compare``), stdlib only.

One row per data path: IOPS, bandwidth, clat p99 (µs); per request the hypercalls, TLB
flushes and bytes copied; then the CPU cost per request in µs — dom0, the guests, and the part
of both spent in Xen — and the dom0 frames peak ("frames pk"), verify errors and leaked bytes.
To keep the table within ~140 columns, clat p50 and grant ops per request are left to the CSV
and JSON (with the device as the bottleneck every path has about the same p50). Columns are
right-aligned to their widest cell; a figure not measured prints "-". The closing line names
the path with the best IOPS (or the paths that tie within 2 %), the one with the fewest
hypercalls per request and the one with the least dom0 CPU per request; a second line says when
the device was the bottleneck (≥ 90 % busy), as IOPS then cannot rank the paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .conditions import BOTTLENECK, TIE, device_utilisation, iops_ties
from .figures import RunMetrics, run_metrics
from .model import RunStats
from .units import N2S, num2str

__all__ = ["format_comparison"]


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _clat_us(m: RunMetrics, pct: float) -> str:
    ns = m.clat_ns.get(pct)
    return _num(None if ns is None else ns / 1000, ".1f")


def _cpu_us(m: RunMetrics, name: str) -> str:
    ns = m.per_request(name)
    return _num(None if ns is None else ns / 1000, ".2f")


#: (header, cell) per column after "datapath"
_COLUMNS: tuple[tuple[str, Callable[[RunMetrics], str]], ...] = (
    ("IOPS", lambda m: f"{m.iops:.0f}"),
    ("BW", lambda m: num2str(m.bw_bytes, 4, 1, True, N2S.BYTEPERSEC)),
    ("p99 us", lambda m: _clat_us(m, 99.0)),
    ("hcall/req", lambda m: _num(m.per_request("hypercalls"), ".2f")),
    ("tlb/req", lambda m: _num(m.per_request("tlb_flushes"), ".2f")),
    ("copied B/req", lambda m: _num(m.per_request("bytes_copied"), ".0f")),
    ("dom0 us/req", lambda m: _cpu_us(m, "dom0_cpu_ns")),
    ("guest us/req", lambda m: _cpu_us(m, "guest_cpu_ns")),
    ("xen us/req", lambda m: _cpu_us(m, "xen_ns")),
    ("frames pk", lambda m: _num(m.dom0_frames_peak, ".0f")),
    ("verify err", lambda m: _num(m.verify_errors, ".0f")),
    ("leaked B", lambda m: _num(m.leaked_bytes, ".0f")),
)
_HEADERS = ("datapath", *(h for h, _ in _COLUMNS))


def _row(name: str, m: RunMetrics) -> list[str]:
    return [name, *(cell(m) for _, cell in _COLUMNS)]


def _cheapest(
    metrics: Mapping[str, RunMetrics], figure: Callable[[RunMetrics], float | None]
) -> tuple[str, float] | None:
    """The path with the smallest *figure* (first given wins a tie); None if none has one."""
    known = {n: v for n, m in metrics.items() if (v := figure(m)) is not None}
    if not known:
        return None
    name = min(known, key=lambda n: known[n])
    return name, known[name]


def _verdict(metrics: Mapping[str, RunMetrics], results: Mapping[str, RunStats]) -> str:
    ties = iops_ties({n: m.iops for n, m in metrics.items()})
    best = ties[0]
    if len(ties) > 1:
        text = f"IOPS tie within {TIE:.0%}: {', '.join(ties)} ({metrics[best].iops:.0f} best)"
    else:
        text = f"best IOPS: {best} ({metrics[best].iops:.0f})"
    calls = _cheapest(metrics, lambda m: m.per_request("hypercalls"))
    if calls:
        text += f"; fewest hypercalls/request: {calls[0]} ({calls[1]:.2f})"
    else:
        text += "; no hypercall counts recorded"
    cpu = _cheapest(metrics, lambda m: m.per_request("dom0_cpu_ns"))
    if cpu:
        text += f"; least dom0 CPU/request: {cpu[0]} ({cpu[1] / 1000:.2f} us)"
    else:
        text += "; no dom0 CPU recorded"
    util = {n: u for n, r in results.items() if (u := device_utilisation(r)) is not None}
    busy = {n: u for n, u in util.items() if u >= BOTTLENECK}
    if busy and set(busy) >= set(ties):
        lo, hi = f"{min(busy.values()):.0%}", f"{max(busy.values()):.0%}"
        text += (
            f"\nthe device is the bottleneck (utilisation {lo if lo == hi else lo + '–' + hi}): "
            "IOPS cannot rank these paths; dom0 CPU per request can"
        )
    return text


def format_comparison(results: Mapping[str, RunStats]) -> str:
    """Aligned table of ``results`` (data-path name -> RunStats) plus a verdict line."""
    if not results:
        raise ValueError("format_comparison needs at least one run (results is empty)")
    metrics = {name: run_metrics(run) for name, run in results.items()}
    rows = [list(_HEADERS)] + [_row(name, m) for name, m in metrics.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    lines = [fmt(rows[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows[1:]]
    lines.append(_verdict(metrics, results))
    return "\n".join(lines) + "\n"
