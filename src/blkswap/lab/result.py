"""The outcome of one run: fio-shaped statistics plus what the hypervisor did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blkswap.lab.config import LabConfig
from blkswap.report import RunStats, format_fio_json, format_normal, to_fio_json


@dataclass
class Result:
    config: LabConfig
    run: RunStats
    audit: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def counters(self) -> dict[str, Any]:
        """Host-wide hypervisor counters (hypercalls, grant ops, flushes, bytes copied …)."""
        return self.run.blkswap.get("counters", {})

    @property
    def datapath(self) -> str:
        return self.config.datapath

    def job(self, name: str | None = None, guest: int = 1) -> Any:
        for j in self.run.jobs:
            if (name is None or j.jobname == name) and j.blkswap.get("guest") == guest:
                return j
        raise KeyError(f"no job {name!r} in guest {guest}")

    def total(self, key: str) -> int:
        """Sum of a per-job ``blkswap`` figure over all jobs (e.g. ``leaked_bytes``)."""
        return sum(int(j.blkswap.get(key, 0)) for j in self.run.jobs)

    def to_fio_json(self, plus: bool = False) -> dict[str, Any]:
        return to_fio_json(self.run, plus=plus)

    def fio_json_text(self, plus: bool = False) -> str:
        return format_fio_json(self.run, plus=plus)

    def summary(self) -> str:
        return format_normal(self.run)
