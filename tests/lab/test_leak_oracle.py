"""The leak oracle itself (tests/leak_oracle.py) can fail: it finds another guest's canary in a
guest frame, in a free frame and in a write to a disk, and it stays quiet on clean runs."""

from __future__ import annotations

import numpy as np
import pytest
from lab_rig import Rig

from blkswap.back.datapaths.base import DataPathOptions
from blkswap.lab import Lab
from blkswap.xen import Xen
from leak_oracle import MAGIC, ORACLE, RECORD, canary_owners, canary_page


def test_every_page_of_a_new_domain_carries_its_canary():
    xen = Xen(frames=256)
    d0, d1 = xen.create_domain(pages=8), xen.create_domain(pages=8)
    for d in (d0, d1):
        for gfn in range(8):
            owners = canary_owners(bytes(d.page_view(gfn << 12)))
            assert owners.size == 4096 // RECORD and set(owners.tolist()) == {d.domid}
    assert canary_page(3).tobytes()[:8] == MAGIC + b"\x03\x00"


@pytest.mark.foreign_bytes_expected
def test_a_guest_frame_holding_another_guests_canary_is_found(request):
    xen = Xen(frames=256)
    xen.create_domain(pages=4)
    d1, d2 = xen.create_domain(pages=4), xen.create_domain(pages=4)
    d2.page_view(1 << 12)[512:1024] = bytes(d1.page_view(0))[512:1024]
    found = request.node.stash[ORACLE].scan()
    assert [(f.owner, f.foreign, f.nbytes) for f in found] == [(d2.domid, d1.domid, 512)]


@pytest.mark.foreign_bytes_expected
def test_a_free_frame_holding_a_canary_is_found(request):
    xen = Xen(frames=256)
    xen.create_domain(pages=4)
    d1 = xen.create_domain(pages=4)
    mfn = d1.gfn_to_mfn(2)
    saved = bytes(xen.frame_view(mfn))
    xen.destroy_domain(d1.domid)  # its frames go back poisoned
    assert xen.frame_owner(mfn) is None
    xen.frame_view(mfn)[:RECORD] = saved[:RECORD]  # as if the free had not scrubbed it
    found = request.node.stash[ORACLE].scan()
    assert [(f.owner, f.foreign, f.nbytes) for f in found] == [(-1, d1.domid, RECORD)]


def test_dom0s_own_canary_and_a_guests_own_are_not_foreign(request):
    xen = Xen(frames=256)
    d0, d1 = xen.create_domain(pages=4), xen.create_domain(pages=4)
    d1.page_view(0)[:4096] = bytes(d0.page_view(0))  # dom0 memory in a guest: by design (swap)
    d0.page_view(1 << 12)[:4096] = bytes(d1.page_view(1 << 12))  # a guest's data in dom0
    assert request.node.stash[ORACLE].scan() == []


@pytest.mark.foreign_bytes_expected
def test_a_write_of_another_guests_bytes_to_a_disk_is_found(request):
    rig = Rig("map", ("x86_64-abi", "x86_64-abi"))
    a, b = rig.guest(0), rig.guest(1)
    stolen = bytes(a.port.page_view(a.port.alloc_page() << 12))  # a fresh page of a's
    gfn = b.port.alloc_page()
    b.port.page_view(gfn << 12)[:] = stolen
    bio = rig.bio(b, 1, 0, [(0, 7)], gfns=[gfn])  # BLKIF_OP_WRITE of a's bytes to b's disk
    rig.submit(b, bio)
    found = request.node.stash[ORACLE].scan()
    disk = [f for f in found if "disk" in f.where]
    assert [(f.owner, f.foreign, f.nbytes) for f in disk] == [(b.domid, a.domid, 4096)]
    rig.close()


@pytest.mark.foreign_bytes_expected
def test_unscrubbed_swap_hands_one_guests_page_to_another_and_the_oracle_sees_it(request):
    """Without scrubbing, a's written frame (one sector of data, the rest a's memory) becomes a
    pool frame and then b's on a read of one sector: the rest of it is a's canary."""
    rig = Rig("swap", ("x86_64-abi", "x86_64-abi"), options=DataPathOptions(scrub=False))
    a, b = rig.guest(0), rig.guest(1)
    for _ in range(4):
        rig.submit(a, rig.bio(a, 1, 0, [(0, 0)], b"w" * 512))
    for _ in range(4):
        rig.submit(b, rig.bio(b, 0, 8, [(0, 0)]))
    found = request.node.stash[ORACLE].scan()
    assert any(f.owner == b.domid and f.foreign == a.domid and f.nbytes > 0 for f in found)
    rig.close()


@pytest.mark.parametrize("path", ["swap", "transfer"])
def test_the_same_with_scrubbing_is_clean(request, path):
    rig = Rig(path, ("x86_64-abi", "x86_64-abi"))
    a, b = rig.guest(0), rig.guest(1)
    for _ in range(4):
        rig.submit(a, rig.bio(a, 1, 0, [(0, 0)], b"w" * 512))
    for _ in range(4):
        rig.submit(b, rig.bio(b, 0, 8, [(0, 0)]))
    assert request.node.stash[ORACLE].scan() == []
    rig.close()


def test_scrubbed_lab_runs_are_clean_on_every_path(request):
    for path in ("map", "copy", "swap", "persistent", "transfer"):
        Lab(guests=2, datapath=path, disk_size=4 << 20, storage="ram").run(
            "[j]\nrw=randrw\nbs=4k,64k\nsize=512k\niodepth=8\n"
        )
    assert request.node.stash[ORACLE].scan() == []


def test_canary_owners_ignores_unaligned_and_partial_records():
    rec = canary_page(5).tobytes()[:RECORD]
    assert canary_owners(b"x" + rec).size == 0 and canary_owners(rec[:-1]).size == 0
    assert canary_owners(rec * 3).tolist() == [5, 5, 5]
    assert canary_owners(np.zeros(64, dtype=np.uint8)).size == 0
