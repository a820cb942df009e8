"""End to end per data path and per guest ABI: bytes in guest pages and in the image, and the
hypervisor work each path must (and must not) do (docs/design.md §4; xen-abi.md §5.1, §8)."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, Rig, get_segments, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.back.datapaths.base import DataPathOptions
from blkswap.storage import RawImage

ABIS = ("x86_64-abi", "x86_32-abi")
DATA_PATHS = ("map", "copy", "blktap2", "swap", "persistent", "transfer")
# 3 segments, 8 + 4 + 8 = 20 sectors: the partial middle page checks first_sect/last_sect
# handling on every path.
LAYOUT = [(0, 7), (2, 5), (0, 7)]
NBYTES = (8 + 4 + 8) * 512
SECTOR = 64


def make_rig(path: str, proto: str, tmp_path, **kw) -> Rig:
    name = "copy" if path == "blktap2" else path
    opts = DataPathOptions(copy_flavour="blktap2") if path == "blktap2" else None
    stores = [RawImage(tmp_path / "xvda.img", 4 << 20)]
    return Rig(name, (proto,), options=opts, stores=stores, **kw)


def write_read(rig: Rig, data: bytes) -> tuple:
    g = rig.guest()
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, SECTOR, LAYOUT, data)
    before = rig.xen.counters.snapshot()
    rig.submit(g, w)
    mid = rig.xen.counters.snapshot()
    r = rig.bio(g, blkif.BLKIF_OP_READ, SECTOR, LAYOUT)
    rig.submit(g, r)
    after = rig.xen.counters.snapshot()
    return w, r, mid - before, after - mid


@pytest.mark.parametrize("proto", ABIS)
@pytest.mark.parametrize("path", DATA_PATHS)
def test_write_then_read_moves_exact_bytes(path: str, proto: str, tmp_path) -> None:
    rig = make_rig(path, proto, tmp_path)
    g = rig.guest()
    assert g.front.connected and rig.back.vbd(g.domid, DEVID).protocol == proto
    data = pattern(NBYTES, 7)
    w, r, _, _ = write_read(rig, data)
    assert (w.status, r.status) == (blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_OKAY)
    assert g.done.count(w) == 1 and g.done.count(r) == 1
    assert get_segments(g.port, r.segments) == data
    assert store_bytes(g.store, SECTOR * 512, NBYTES) == data
    # sectors outside the request untouched on disk
    assert store_bytes(g.store, (SECTOR - 8) * 512, 4096) == bytes(4096)
    assert store_bytes(g.store, (SECTOR + 20) * 512, 4096) == bytes(4096)
    rig.close()
    assert rig.pool.in_use == 0


@pytest.mark.parametrize("proto", ABIS)
def test_map_counts_one_map_and_unmap_per_segment(proto: str, tmp_path) -> None:
    rig = make_rig("map", proto, tmp_path)
    _, _, wd, rd = write_read(rig, pattern(NBYTES, 1))
    for d in (wd, rd):
        assert d.grant_ops["map"] == len(LAYOUT) and d.grant_ops["unmap"] == len(LAYOUT)
        assert d.grant_op_calls["map"] == 1 and d.grant_op_calls["unmap"] == 1
        assert d.tlb_flushes >= 1
        assert d.bytes_copied == 0 and d.grant_ops["copy"] == 0


@pytest.mark.parametrize("proto", ABIS)
def test_gntcopy_copies_bytes_moved_and_maps_nothing(proto: str, tmp_path) -> None:
    rig = make_rig("copy", proto, tmp_path)
    _, _, wd, rd = write_read(rig, pattern(NBYTES, 2))
    for d in (wd, rd):
        assert d.bytes_copied == NBYTES
        assert d.grant_ops["copy"] == len(LAYOUT) and d.grant_op_calls["copy"] == 1
        assert d.grant_ops["map"] == 0 and d.grant_ops["unmap"] == 0 and d.tlb_flushes == 0


def test_blktap2_copy_maps_and_copies_in_dom0(tmp_path) -> None:
    rig = make_rig("blktap2", "x86_64-abi", tmp_path)
    _, _, wd, rd = write_read(rig, pattern(NBYTES, 3))
    for d in (wd, rd):
        assert d.grant_ops["map"] == len(LAYOUT) and d.grant_ops["unmap"] == len(LAYOUT)
        assert d.bytes_copied == 0 and d.grant_ops["copy"] == 0  # memcpy is dom0's, not Xen's
        assert d.tlb_flushes >= 1


@pytest.mark.parametrize("proto", ABIS)
def test_swap_exchanges_frames_and_read_data_lands_in_new_frame(proto: str, tmp_path) -> None:
    rig = make_rig("swap", proto, tmp_path)
    g = rig.guest()
    assert g.front.mode == "swap"
    data = pattern(NBYTES, 4)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, SECTOR, LAYOUT, data)
    old_w = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in w.segments]
    before = rig.xen.counters.snapshot()
    rig.submit(g, w)
    wd = rig.xen.counters.snapshot() - before
    assert wd.grant_ops["swap"] == len(LAYOUT) and wd.multicalls == 1
    assert wd.bytes_copied == 0 and wd.grant_ops["map"] == 0
    new_w = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in w.segments]
    assert all(a != b for a, b in zip(old_w, new_w, strict=True))
    # the guest's old frames now belong to dom0 (they carry the data to the disk)
    assert all(rig.xen.frame_owner(m) == 0 for m in old_w)
    assert all(rig.xen.frame_owner(m) == g.domid for m in new_w)
    assert store_bytes(g.store, SECTOR * 512, NBYTES) == data
    r = rig.bio(g, blkif.BLKIF_OP_READ, SECTOR, LAYOUT)
    old_r = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in r.segments]
    before = rig.xen.counters.snapshot()
    rig.submit(g, r)
    rd = rig.xen.counters.snapshot() - before
    assert rd.grant_ops["swap"] == len(LAYOUT)
    new_r = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in r.segments]
    assert all(a != b for a, b in zip(old_r, new_r, strict=True))
    assert get_segments(g.port, r.segments) == data  # through the restored mapping of new mfns
    assert g.front.grants.swapped_frames == 2 * len(LAYOUT)
    assert g.port.dom.neutered == set()


def test_swap_copyback_keeps_write_buffer_contents(tmp_path) -> None:
    rig = Rig("swap", options=DataPathOptions(swap_copyback=True))
    g = rig.guest()
    data = pattern(NBYTES, 5)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, SECTOR, LAYOUT, data)
    rig.submit(g, w)
    assert w.status == 0
    assert get_segments(g.port, w.segments) == data
    assert store_bytes(g.store, SECTOR * 512, NBYTES) == data


def test_swap_without_copyback_scrubs_guest_write_buffer(tmp_path) -> None:
    rig = Rig("swap")
    g = rig.guest()
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, SECTOR, LAYOUT, pattern(NBYTES, 6))
    rig.submit(g, w)
    assert w.status == 0
    for gfn, _, _ in w.segments:  # the frame the guest got back was zeroed before crossing
        assert bytes(g.port.page_view(gfn << 12)) == bytes(4096)


@pytest.mark.parametrize("proto", ABIS)
def test_persistent_second_request_on_same_grants_does_no_map(proto: str, tmp_path) -> None:
    rig = make_rig("persistent", proto, tmp_path)
    g = rig.guest()
    assert g.front.mode == "persistent"
    data = pattern(NBYTES, 8)
    w, r, wd, rd = write_read(rig, data)
    assert wd.grant_ops["map"] == len(LAYOUT) and wd.grant_ops["unmap"] == 0
    assert rd.grant_op_calls["map"] == 0
    assert rd.hypercalls == rd.evtchn_sends  # only the two notifies: no grant hypercall
    assert rd.grant_ops["unmap"] == 0 and rd.tlb_flushes == 0
    # the guest copies: the read came through the bounce pages into the bio's own pages
    assert get_segments(g.port, r.segments) == data
    dp = rig.ring().datapath
    assert (dp.misses, dp.hits) == (len(LAYOUT), len(LAYOUT))
    assert len(dp.grants) == len(LAYOUT)
    before = rig.xen.counters.snapshot()
    rig.close()
    assert (rig.xen.counters.snapshot() - before).grant_ops["unmap"] >= len(LAYOUT)


@pytest.mark.parametrize("proto", ABIS)
def test_transfer_read_frames_arrive_at_guest_gfns(proto: str, tmp_path) -> None:
    rig = make_rig("transfer", proto, tmp_path)
    g = rig.guest()
    assert g.front.mode == "transfer"
    data = pattern(NBYTES, 9)
    w = rig.bio(g, blkif.BLKIF_OP_WRITE, SECTOR, LAYOUT, data)
    rig.submit(g, w)
    pool = rig.pool
    avail = pool.available
    r = rig.bio(g, blkif.BLKIF_OP_READ, SECTOR, LAYOUT)
    old = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in r.segments]
    before = rig.xen.counters.snapshot()
    rig.submit(g, r)
    rd = rig.xen.counters.snapshot() - before
    assert r.status == 0
    assert rd.grant_ops["transfer"] == len(LAYOUT) and rd.tlb_flushes >= 1
    new = [g.port.gfn_to_mfn(gfn) for gfn, _, _ in r.segments]
    assert all(rig.xen.frame_owner(m) == g.domid for m in new)
    assert set(new).isdisjoint(old)
    assert get_segments(g.port, r.segments) == data
    assert g.front.grants.frames_received == len(LAYOUT) and g.front.grants.lost == 0
    assert rig.ring().datapath.frames_given == len(LAYOUT) and pool.in_use == 0
    # dom0 gave frames away; the pool replaces them with fresh pages on the loop's next run
    rig.write(g, 0, pattern(512, 1))
    assert pool.available == avail
    assert pool.stats.refills == len(LAYOUT)


def test_null_path_moves_no_data_and_answers_ok() -> None:
    rig = Rig("null")
    g = rig.guest()
    before = rig.xen.counters.snapshot()
    w = rig.write(g, SECTOR, pattern(4096, 10))
    bio = rig.bio(g, blkif.BLKIF_OP_READ, SECTOR, [(0, 7)])
    held = get_segments(g.port, bio.segments)
    rig.submit(g, bio)
    got = get_segments(g.port, bio.segments)
    d = rig.xen.counters.snapshot() - before
    assert (w.status, bio.status) == (0, 0)
    assert store_bytes(g.store, SECTOR * 512, 4096) == bytes(4096)
    assert got == held and got != pattern(4096, 10)  # the read buffer keeps what it had
    assert sum(d.grant_ops.values()) == 0 and d.bytes_copied == 0
