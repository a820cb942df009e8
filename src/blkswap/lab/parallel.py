"""Several runs at once, one per worker process: the data paths of a comparison side by side.

Every run is a pure function of its configuration and seed (no shared state), so running them in
separate processes gives the same results as running them one after the other; only ``wall_s``
differs. The worker count defaults to the machine's cores (``BLKSWAP_WORKERS`` overrides it);
one worker, or one run, runs in this process as before.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from blkswap.lab.config import LabConfig
from blkswap.lab.result import Result
from blkswap.workload.jobspec import JobFile

__all__ = ["default_workers", "pool_context", "run_configs"]

WORKERS_ENV = "BLKSWAP_WORKERS"


def default_workers(tasks: int) -> int:
    """Worker processes for *tasks* runs: ``$BLKSWAP_WORKERS`` or the cores, at most *tasks*."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        try:
            wanted = int(text)
        except ValueError:
            raise ValueError(f"{WORKERS_ENV}={text!r}: expected a whole number") from None
        if wanted < 1:
            raise ValueError(f"{WORKERS_ENV}={text!r}: expected at least 1")
    else:
        wanted = os.cpu_count() or 1
    return max(1, min(wanted, tasks))


def pool_context() -> Any:
    """fork where the platform has it (no re-import of blkswap per worker), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _run(config: LabConfig, jobfile: JobFile, eta: str | None, expected: int) -> Result:
    """One run, in whichever process calls it; *eta* ``None``: no progress line."""
    from blkswap.lab import Lab
    from blkswap.lab.progress import make_progress

    progress = make_progress(eta, expected_runners=expected) if eta else None
    try:
        return Lab(config).run(jobfile, progress=progress)
    finally:
        if progress is not None:
            progress.close()


def run_configs(
    configs: Sequence[LabConfig],
    jobfile: JobFile,
    *,
    workers: int | None = None,
    eta: str | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[int, Result], None] | None = None,
) -> list[Result]:
    """Run *jobfile* once per configuration, up to *workers* at a time; results in input order.

    ``eta``: progress line (``auto``/``always``/``never``); with several workers only the first
    run draws it (one line on stderr, not several fighting over it). ``on_start(i)`` is called
    as run *i* is handed to a worker, ``on_done(i, result)`` as it finishes (in this process).
    An exception of any run is raised here, after the others were cancelled.
    """
    expected = sum(j.numjobs for j in jobfile.jobs)
    n = len(configs)
    workers = default_workers(n) if workers is None else max(1, min(workers, n))
    results: list[Result | None] = [None] * n
    if workers == 1:
        for i, config in enumerate(configs):
            if on_start:
                on_start(i)
            results[i] = _run(config, jobfile, eta, expected * config.guests)
            if on_done:
                on_done(i, results[i])
        return [r for r in results if r is not None]
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        futures: dict[Future[Result], int] = {}
        for i, config in enumerate(configs):
            if on_start:
                on_start(i)
            draw = eta if i == 0 else None
            futures[pool.submit(_run, config, jobfile, draw, expected * config.guests)] = i
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=futures.__getitem__):
                    i = futures[future]
                    results[i] = future.result()
                    if on_done:
                        on_done(i, results[i])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [r for r in results if r is not None]
