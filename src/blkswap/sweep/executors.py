"""Where the points run: local worker processes, a dask LocalCluster, or an existing dask cluster.

Each executor takes the specs of the points still to do and calls ``on_record(record)`` in this
process as each point finishes, in completion order. A point whose worker dies is run again (up
to ``MAX_ATTEMPTS`` times, then recorded as failed): a process pool that breaks is replaced and
the points it had not finished are resubmitted; dask's scheduler reruns the tasks of a lost
worker itself, and a task it gives up on (``KilledWorker``) is submitted again under a new key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from blkswap.lab.parallel import pool_context
from blkswap.sweep.point import run_point

__all__ = ["MAX_ATTEMPTS", "run_dask", "run_processes"]

MAX_ATTEMPTS = 3
Record = dict[str, Any]
OnRecord = Callable[[Record], None]


def _lost(spec: dict[str, Any], attempts: int, why: str) -> Record:
    return {"key": spec["key"], "status": "failed",
            "error": f"WorkerLost: {why} ({attempts} attempts)"}  # fmt: skip


def run_processes(specs: list[dict[str, Any]], workers: int, on_record: OnRecord) -> None:
    """Run *specs* on *workers* local processes (fork where available)."""
    _warm_imports()
    todo = {spec["key"]: spec for spec in specs}
    attempts = dict.fromkeys(todo, 0)
    while todo:
        broken = False
        with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
            futures: dict[Future[Record], str] = {}
            for key, spec in todo.items():
                attempts[key] += 1
                futures[pool.submit(run_point, spec)] = key
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    key = futures[future]
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    todo.pop(key)
                    on_record(record)
                if broken:
                    break
        for key in [k for k in todo if attempts[k] >= MAX_ATTEMPTS]:
            on_record(_lost(todo.pop(key), attempts[key], "a worker process died"))


def _warm_imports() -> None:
    """Import what every point needs in this process, before the pool forks: forked workers
    then start with the lab loaded, instead of each importing it (about 0.5 s of CPU a worker,
    paid again by every pool a broken worker replaces). Under spawn this costs a little here and
    saves nothing, so it is skipped."""
    if pool_context().get_start_method() == "fork":
        import blkswap.lab  # noqa: F401
        import blkswap.report.figures  # noqa: F401
        import blkswap.workload.parser  # noqa: F401


def _client(address: str | None, workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if address:
        return Client(address, timeout="20s"), None
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def run_dask(
    specs: list[dict[str, Any]], on_record: OnRecord, *, address: str | None, workers: int
) -> None:
    """Run *specs* on the dask cluster at *address* (``tcp://HOST:PORT``), or on a LocalCluster
    of *workers* single-threaded worker processes when *address* is None."""
    from distributed import as_completed

    client, cluster = _client(address, workers)
    try:
        attempts: dict[str, int] = {}

        def submit(spec: dict[str, Any]) -> Any:
            n = attempts[spec["key"]] = attempts.get(spec["key"], 0) + 1
            return client.submit(run_point, spec, key=f"blkswap-point-{spec['key']}-{n}",
                                 pure=False)  # fmt: skip

        by_future = {}
        for spec in specs:
            by_future[submit(spec)] = spec
        queue = as_completed(list(by_future))
        for future in queue:
            spec = by_future.pop(future)
            try:
                record = future.result()
            except Exception as err:  # noqa: BLE001 - KilledWorker, a lost connection …
                if attempts[spec["key"]] < MAX_ATTEMPTS:
                    again = submit(spec)
                    by_future[again] = spec
                    queue.add(again)
                    continue
                record = _lost(spec, attempts[spec["key"]], f"{type(err).__name__}: {err}")
            on_record(record)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
