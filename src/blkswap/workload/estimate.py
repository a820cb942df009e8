"""Before a run: how many requests a job file will make, and roughly how long the lab will take.

The lab emulates every request byte by byte, so its wall time grows with the number of requests
and their pages, not with the simulated time fio reports: a job that fio finishes in 10 ms of
device time may take a minute here, and fio's ``runtime=900`` or ``size=10G`` jobs take hours.

The figures below come from ``bench/startup.py`` on the project's 2-core shared test machines
(Debian 12, Python 3.11): set-up of one emulated host per data path, then a cost per request
plus a cost per 4 KiB page it moves. Measured at load average 2 (after the speed work of issue
15): 0.66 s, 0.19 ms and 0.035 ms; the constants are 1.5× that, because these machines are
usually shared. They are an order of magnitude, not a promise.

Also here: :func:`size_notes`, one line per job whose ``size`` does not fit the disk (fio uses
the smaller of the two on a block device; so does the lab, and it says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from blkswap.workload.generator import IoGenerator
from blkswap.workload.jobspec import JobFile, JobSpec

__all__ = ["Estimate", "estimate", "size_notes", "SETUP_S", "S_PER_REQUEST", "S_PER_PAGE"]

SETUP_S = 1.0
"""Wall seconds to build one emulated host (hypervisor, guests, disks) — bench/startup.py."""
S_PER_REQUEST = 0.3e-3
"""Wall seconds per emulated request, beyond its pages (ring, grants, event channels, timing)."""
S_PER_PAGE = 0.05e-3
"""Wall seconds per 4 KiB page a request moves (grant ops, copies, tags, verify)."""
LONG_S = 180.0
"""Above this estimate the CLI warns before it starts."""
_PAGE = 4096
_SIM_OVERHEAD_NS = 15_000  # per request: guest + dom0 + Xen work in front of the device


@dataclass(frozen=True)
class Estimate:
    """Requests (all guests and clones), pages they move, and the wall-time guess in seconds;
    ``unbounded`` names a job that never ends by itself (time_based without runtime)."""

    requests: int
    pages: int
    wall_s: float
    bound_by: dict[str, str]
    unbounded: str | None = None


_DIRS = {"read": (0,), "write": (1,), "trim": (2,), "rw": (0, 1), "trimwrite": (2, 1)}


def _avg_bs(job: JobSpec) -> float:
    """Mean request length over the directions the job uses (bssplit weights, bsrange mid)."""
    use = _DIRS[job.rw.removeprefix("rand")]
    means = []
    for d in use:
        split = job.bssplit[d] if job.bssplit else ()
        if split:
            means.append(sum(b * p for b, p in split) / (sum(p for _, p in split) or 1))
        else:
            sizes = job.block_sizes[d]
            means.append(sum(sizes) / len(sizes))
    if len(use) == 2 and use[0] == 0:
        mix = job.rwmixread / 100
        return means[0] * mix + means[1] * (1 - mix)
    return sum(means) / len(means)


def _requests(job: JobSpec, disk: int, clone: int, device: str) -> tuple[int, str]:
    """Requests one clone makes and what bounds them (size, io_size, number_ios or runtime)."""
    from blkswap.storage.devices import DEVICE_MODELS

    gen = IoGenerator(job, disk, clone=clone)
    bs = max(512.0, _avg_bs(job))
    caps: list[tuple[float, str]] = []
    if not job.time_based:
        caps.append((gen.limit_bytes / bs, "io_size" if job.io_size else "size"))
    if job.number_ios:
        caps.append((job.number_ios, "number_ios"))
    if job.runtime_us:
        model = DEVICE_MODELS.get(device, DEVICE_MODELS["nvme"])
        per_io_ns = model.service_ns("read", int(bs)) + _SIM_OVERHEAD_NS
        parallel = max(1, min(job.iodepth, model.service_slots))
        caps.append((job.runtime_us * 1000 / per_io_ns * parallel, "runtime"))
    if not caps:
        return -1, "time_based without runtime"
    n, why = min(caps)
    return max(1, int(n)), why


def estimate(
    jobfile: JobFile, *, guests: int, disk_size: int, runs: int = 1, device: str = "nvme"
) -> Estimate:
    """The wall-time guess for ``runs`` data paths of ``jobfile`` on ``guests`` guests."""
    requests = pages = 0
    bound: dict[str, str] = {}
    for job in jobfile.jobs:
        per_page = max(1, -(-int(_avg_bs(job)) // _PAGE))
        for clone in range(job.numjobs):
            n, why = _requests(job, disk_size, clone, device)
            if n < 0:
                return Estimate(0, 0, float("inf"), {job.name: why}, unbounded=job.name)
            bound[job.name] = why
            requests += n * guests
            pages += n * guests * per_page
    wall = runs * (SETUP_S + requests * S_PER_REQUEST + pages * S_PER_PAGE)
    return Estimate(requests * runs, pages * runs, wall, bound)


def describe(est: Estimate) -> str:
    """One line: ``about N requests, about T of wall time``."""
    if est.unbounded:
        return f"job '{est.unbounded}' never ends by itself (time_based without runtime)"
    return f"about {est.requests:,} requests, about {_duration(est.wall_s)} of wall time"


def _duration(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def size_notes(jobfile: JobFile, disk_size: int) -> list[str]:
    """At most one line naming every job whose asked size runs past the end of the disk (fio
    uses the smaller of the two on a block device; so does the lab)."""
    cut: list[str] = []
    for job in jobfile.jobs:
        asked = IoGenerator.asked_size(job, disk_size)
        if asked is None:
            continue
        for clone in range(job.numjobs):
            gen = IoGenerator(job, disk_size, clone=clone)
            if gen.region < asked - asked % 512:
                cut.append(f"'{job.name}' ({asked} → {gen.region})")
                break
    if not cut:
        return []
    return [
        f"size runs past the end of the {disk_size}-byte disk in job {', '.join(cut)} bytes: "
        "each uses the disk from its offset to the end, as fio does on a block device "
        "(see --disk-size)"
    ]
