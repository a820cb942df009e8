"""The terminal comparison table of data paths (``blkswap compare``), stdlib only.

One row per data path: IOPS, bandwidth, clat p50/p99 (µs), and per request the hypercalls,
TLB flushes, bytes copied and grant ops, then dom0 frames peak, verify errors and leaked bytes.
Columns are right-aligned to their widest cell; a figure not measured prints "-". Two closing
lines name the path with the best IOPS and the one with the fewest hypercalls per request.
"""

from __future__ import annotations

from collections.abc import Mapping

from .figures import RunMetrics, run_metrics
from .model import RunStats
from .units import N2S, num2str

__all__ = ["format_comparison"]

_HEADERS = (
    "datapath",
    "IOPS",
    "BW",
    "p50 us",
    "p99 us",
    "hcall/req",
    "tlb/req",
    "copied B/req",
    "gntops/req",
    "dom0 frames pk",
    "verify err",
    "leaked B",
)


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _row(name: str, m: RunMetrics) -> list[str]:
    p50 = m.clat_ns.get(50.0)
    p99 = m.clat_ns.get(99.0)
    return [
        name,
        f"{m.iops:.0f}",
        num2str(m.bw_bytes, 4, 1, True, N2S.BYTEPERSEC),
        _num(None if p50 is None else p50 / 1000, ".1f"),
        _num(None if p99 is None else p99 / 1000, ".1f"),
        _num(m.per_request("hypercalls"), ".2f"),
        _num(m.per_request("tlb_flushes"), ".2f"),
        _num(m.per_request("bytes_copied"), ".0f"),
        _num(m.per_request("grant_ops"), ".2f"),
        _num(m.dom0_frames_peak, ".0f"),
        _num(m.verify_errors, ".0f"),
        _num(m.leaked_bytes, ".0f"),
    ]


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
    best = max(metrics, key=lambda n: metrics[n].iops)
    verdict = f"best IOPS: {best} ({metrics[best].iops:.0f})"
    costed = {n: m.per_request("hypercalls") for n, m in metrics.items()}
    costed = {n: v for n, v in costed.items() if v is not None}
    if costed:
        cheap = min(costed, key=lambda n: costed[n])
        verdict += f"; fewest hypercalls/request: {cheap} ({costed[cheap]:.2f})"
    else:
        verdict += "; no hypercall counts recorded"
    lines.append(verdict)
    return "\n".join(lines) + "\n"
