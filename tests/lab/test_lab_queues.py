"""Multi-queue negotiation follows Linux and is reported: blkback offers as many rings as dom0 has
vCPUs (LB max_queues = num_online_cpus()), blkfront asks for min(its max_queues, its vCPUs) and
takes no more than offered (LF negotiate_mq); whatever is capped is said."""

from __future__ import annotations

import pytest

from blkswap.lab import Lab

JOB = "[global]\nioengine=xen-blkfront\nrw=randread\nbs=4k\niodepth=8\nsize=256k\n[q]\n"


@pytest.mark.parametrize(
    ("queues", "guest_vcpus", "dom0_vcpus", "rings", "note"),
    [
        (16, 8, 4, 4, "4 ring(s) of 16 asked (backend max 4)"),
        (4, 2, 8, 2, "2 ring(s) of 4 asked (its vCPUs 2)"),
        (3, 4, 4, 3, None),
    ],
)
def test_rings_capped_and_reported(
    queues: int, guest_vcpus: int, dom0_vcpus: int, rings: int, note: str | None
) -> None:
    lab = Lab(
        queues=queues, guest_vcpus=guest_vcpus, dom0_vcpus=dom0_vcpus, storage="ram", verify=False
    )
    result = lab.run(JOB)
    job = result.to_fio_json()["jobs"][0]["blkswap"]
    assert job["rings"] == f"{rings} × 1 page(s)"
    notes = result.run.blkswap["negotiated"]
    assert notes == ([f"guest1: {note}"] if note else [])
