"""The lab facade: build a host, attach disks, run a job, return a :class:`Result`.

>>> from blkswap import Lab
>>> result = Lab(guests=2, datapath="swap").run("examples/mixed-randrw.fio")
>>> print(result.summary())

Every run is a pure function of its inputs and seed: no global state, a fresh emulated host
(hypervisor, domains, images) per run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from blkswap.lab.config import ConfigError, LabConfig, load_scenario
from blkswap.lab.host import Host, HostError
from blkswap.lab.result import Result
from blkswap.lab.run import execute
from blkswap.workload.defaults import DEFAULT_JOB
from blkswap.workload.jobspec import JobFile
from blkswap.workload.parser import parse_jobfile, parse_jobtext

__all__ = ["ConfigError", "Host", "HostError", "Lab", "LabConfig", "Result", "load_scenario"]


class Lab:
    """A configured laboratory; :meth:`run` may be called many times (each run is independent)."""

    def __init__(self, config: LabConfig | None = None, **settings: Any) -> None:
        base = config or LabConfig()
        self.config = base.with_(**settings).validated() if settings else base.validated()

    def run(self, job: JobFile | str | Path | None = None, *, progress: Any = None) -> Result:
        jobfile = load_job(job)
        t0 = time.perf_counter()
        result = execute(self.config, jobfile, progress=progress)
        result.wall_s = time.perf_counter() - t0
        return result

    def compare(
        self,
        job: JobFile | str | Path | None = None,
        datapaths: tuple[str, ...] | None = None,
        progress: Any = None,
    ) -> dict[str, Result]:
        """The same job through several data paths (default: the five compared paths)."""
        from blkswap.back.datapaths import COMPARED

        jobfile = load_job(job)
        out = {}
        for name in datapaths or COMPARED:
            out[name] = Lab(self.config.with_(datapath=name)).run(jobfile, progress=progress)
        return out


def load_job(job: JobFile | str | Path | None) -> JobFile:
    if job is None:
        return parse_jobtext(DEFAULT_JOB, name="<built-in mixed-randrw>")
    if isinstance(job, JobFile):
        return job
    text = str(job)
    if "\n" in text or text.lstrip().startswith("["):
        return parse_jobtext(text)
    return parse_jobfile(Path(job))
