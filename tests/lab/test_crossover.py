"""The swap-vs-copy crossover grid (blkswap.lab.crossover): re-priced own work per request plus
the contention each path costs other vCPUs, on the host the runs were measured on."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from blkswap.lab import Lab
from blkswap.lab.crossover import (
    HYPERCALL_NS,
    MEMCPY_GBPS,
    contention_per_request,
    crossover_grid,
    per_request_work,
)
from blkswap.sim.costs import load_profile

JOB = "[j]\nrw=randread\nbs=4k\niodepth=8\nsize=256k\n"


@cache
def run(datapath: str, dom0_vcpus: int, pcpus: int) -> Any:
    return Lab(
        datapath=datapath, guests=2, dom0_vcpus=dom0_vcpus, pcpus=pcpus, storage="ram",
        device="null", costs="x86-2010", verify=False,
    ).run(JOB)  # fmt: skip


def test_the_grid_adds_each_paths_measured_contention() -> None:
    swap, copy = run("swap", 8, 6), run("copy", 8, 6)
    costs = load_profile("x86-2010")
    grid = crossover_grid(swap, copy, costs)
    cs, cc = contention_per_request(swap), contention_per_request(copy)
    assert cs > cc >= 0  # swap flushes: dom0's other vCPUs take its IPIs, copy never flushes
    y, x = HYPERCALL_NS.index(700), MEMCPY_GBPS.index(5)
    p = costs.with_overrides(memcpy_Bps=5e9, hypercall_ns=700)
    own = p.hypervisor_ns(per_request_work(swap), {}) - p.hypervisor_ns(per_request_work(copy), {})
    assert grid["swap_minus_copy_ns"][y][x] == pytest.approx(own + cs - cc, abs=0.1)
    assert grid["contention_ns_per_request"] == {"swap": round(cs, 1), "copy": round(cc, 1)}
    assert grid["assumed"] == {
        "guests": 2, "dom0_vcpus": 8, "guest_vcpus": 2, "pcpus": 6, "sched": "credit",
        "costs": "x86-2010",
    }  # fmt: skip


def test_a_bigger_dom0_moves_the_crossover_against_swap() -> None:
    """Every swap flush IPIs dom0's other vCPUs: on a bigger dom0 swap pays more per request."""
    costs = load_profile("x86-2010")
    small = crossover_grid(run("swap", 2, 0), run("copy", 2, 0), costs)
    big = crossover_grid(run("swap", 8, 0), run("copy", 8, 0), costs)
    assert big["assumed"]["pcpus"] is None  # no host model: named as such
    diff = [
        b - s
        for rb, rs in zip(big["swap_minus_copy_ns"], small["swap_minus_copy_ns"], strict=True)
        for b, s in zip(rb, rs, strict=True)
    ]
    assert min(diff) > 0
