"""What every figure and verdict states besides its numbers: the run conditions (job, guests,
device, cost profile, seed) and whether the device was the bottleneck.

Device utilisation comes from the lab's device queues (``RunStats.devices``, filled by
``lab.figures.device_figures``): the busier of a device's service slots and its data channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import RunStats

__all__ = ["BOTTLENECK", "TIE", "device_utilisation", "iops_ties", "run_conditions"]

BOTTLENECK = 0.9
"""Device utilisation at or above which the verdict calls the device the bottleneck."""
TIE = 0.02
"""IOPS within this fraction of the best count as a tie."""


def run_conditions(results: Mapping[str, RunStats], extra: Mapping[str, Any] | None = None) -> str:
    """One line: data paths, job(s), guests, vCPUs, device, cost profile (+ ``extra``: job
    file, seed …), for figure captions."""
    run = next(iter(results.values()))
    b = run.blkswap
    jobs = list(dict.fromkeys(j.jobname for j in run.jobs))
    extra = dict(extra or {})
    job = extra.pop("job", None)
    parts = [
        f"job {job or ', '.join(jobs[:3]) + (' …' if len(jobs) > 3 else '')}",
        f"{b.get('guests', '?')} guest(s)",
        f"dom0 {b.get('dom0_vcpus', '?')} vCPUs",
        f"device {b.get('device', '?')}",
        f"costs {b.get('costs', '?')}",
        *(f"{k} {v}" for k, v in extra.items()),
        f"{len(results)} data path(s)",
        "simulated time",
    ]
    return " · ".join(parts)


def device_utilisation(run: RunStats) -> float | None:
    """The busiest emulated device's utilisation (0..1) over the run; None if not recorded."""
    utils = [float(d["util"]) for d in run.devices if "util" in d]
    return max(utils) if utils else None


def iops_ties(iops: Mapping[str, float]) -> list[str]:
    """The data paths whose IOPS are within :data:`TIE` of the best (the best first)."""
    top = max(iops.values(), default=0.0)
    if top <= 0:
        return list(iops)[:1]
    return sorted((n for n, v in iops.items() if v >= top * (1 - TIE)), key=lambda n: -iops[n])
