"""Catalog D (backend lifecycle, grant errors) and F (cross-domain leaks) on every data path."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, HoldIo, Rig, get_segments, pattern, store_bytes
from test_lab_bad_front import RawFront

from blkswap.abi import blkif
from blkswap.abi.blkif import Request, Segment
from blkswap.back.datapaths.base import DataPathOptions

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE
PATHS = ["map", "copy", "swap", "persistent", "transfer"]
TWO = ("x86_64-abi", "x86_64-abi")


@pytest.mark.row("D5")
@pytest.mark.parametrize("path", PATHS)
def test_reconnect_with_32_requests_in_flight(path):
    """blkif_recover: 32 bios in flight, reconnect; each completes exactly once and the image
    equals the oracle (every write applied, every read byte-exact)."""
    rig = Rig(path, guest_pages=512)
    g = rig.guest()
    for i in range(16):
        assert rig.write(g, 8 * i, pattern(4096, 100 + i)).status == OK
    io = HoldIo()
    rig.back.loops[0].io = io
    writes = [rig.bio(g, WRITE, 256 + 8 * i, [(0, 7)], pattern(4096, 300 + i)) for i in range(16)]
    reads = [rig.bio(g, READ, 8 * i, [(0, 7)]) for i in range(16)]
    rig.submit(g, *writes, *reads)
    assert g.front.in_flight == 32
    g.front.reconnect()
    rig.pump()
    while io.held:
        io.release()
        rig.pump()
    assert [g.done.count(b) for b in writes + reads] == [1] * 32
    assert all(b.status == OK for b in writes + reads)
    for i in range(16):
        assert store_bytes(g.store, (256 + 8 * i) * 512, 4096) == pattern(4096, 300 + i)
        assert get_segments(g.port, reads[i].segments) == pattern(4096, 100 + i)


@pytest.mark.row("D1", "D2")
@pytest.mark.parametrize("path", ["map", "persistent"])
def test_a_map_batch_failing_midway_unmaps_every_handle_once(path):
    """A 6-segment request whose 4th gref cannot be mapped: BLKIF_RSP_ERROR, every handle of
    the batch unmapped (maptrack back to its level), the backend goes on."""
    rig = Rig(path, TWO)
    f = RawFront(rig)
    refs = [f.page(i + 1)[1] for i in range(6)]
    refs[3] = 999  # never granted
    mt = rig.port0.dom.maptrack.in_use
    (rsp,) = f.push(Request(WRITE, 6, 0, 1, 0, tuple(Segment(r, 0, 7) for r in refs)))
    assert (rsp.id, rsp.status) == (1, ERR)
    assert rig.port0.dom.maptrack.in_use == mt
    assert store_bytes(rig.guest().store, 0, 6 * 4096) == bytes(6 * 4096)
    g = rig.guest(1)
    assert rig.write(g, 0, pattern(4096, 1)).status == OK


@pytest.mark.row("D3")
def test_persistent_grants_after_errors_and_disconnect_leave_nothing_mapped():
    rig = Rig("persistent", TWO)
    f = RawFront(rig)
    good = [f.page(i)[1] for i in range(4)]
    rsps = f.push(
        Request(WRITE, 2, 0, 1, 0, (Segment(good[0], 0, 7), Segment(good[1], 0, 7))),
        Request(
            WRITE, 3, 0, 2, 8, (Segment(good[2], 0, 7), Segment(777, 0, 7), Segment(good[3], 0, 7))
        ),
        Request(READ, 1, 0, 3, 0, (Segment(good[0], 5, 2),)),
    )
    assert sorted((r.id, r.status) for r in rsps) == [(1, OK), (2, ERR), (3, ERR)]
    rig.guest(0).front.close()
    rig.pump()
    assert (
        rig.back.vbd(rig.guest(0).domid, 0xCA00) is None
        or not rig.back.vbd(rig.guest(0).domid, 0xCA00).rings
    )
    d1 = rig.xen.domain(rig.guest(0).domid)
    assert d1.gt.active == 0  # no grant of the closed guest is still mapped
    assert all(f.g.port.end_access(r) for r in good)


@pytest.mark.row("D10")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent"])
def test_a_pool_of_one_request_makes_requests_wait_never_fail(path):
    """Two guests, a pool of 11 frames (one full request): every request waits its turn and
    succeeds; both guests progress. On persistent the other guest's idle grants hold the
    frames: the pool asks for them back instead of stalling."""
    rig = Rig(path, TWO, pool_frames=11)
    bios = []
    for i in range(8):
        for g in rig.guests:
            bios.append(
                (
                    g,
                    rig.write(
                        g, 88 * i, pattern(11 * 4096 if path != "swap" else 4096, i), per_seg=8
                    ),
                )
            )
    assert all(b.status == OK and g.done.count(b) == 1 for g, b in bios)
    for g in rig.guests:
        assert rig.read(g, 0, 4096)[1] == pattern(11 * 4096 if path != "swap" else 4096, 0)[:4096]


@pytest.mark.row("F3", "D4")
def test_a_page_still_mapped_cannot_be_revoked_and_is_not_reused():
    """End-access fails while the backend maps the grant; the page is not handed out again."""
    rig = Rig("map", TWO)
    g = rig.guest()
    io = HoldIo()
    rig.back.loops[0].io = io
    gt = g.port.dom.gt
    ring_refs = {r for r in range(gt.nr_entries) if gt.pin[r]}  # the ring page, mapped by dom0
    bio = rig.bio(g, WRITE, 0, [(0, 7)], pattern(4096, 3))
    rig.submit(g, bio)
    gfn = bio.segments[0][0]
    refs = [r for r in range(gt.nr_entries) if gt.pin[r] and r not in ring_refs]
    assert len(refs) == 1 and not g.port.end_access(refs[0])  # mapped: revocation refused
    assert rig.xen.frame_owner(g.port.gfn_to_mfn(gfn)) == g.domid
    io.release()
    rig.pump()
    assert bio.status == OK and gt.pin[refs[0]] == 0
    assert {r for r in range(gt.nr_entries) if gt.pin[r]} == ring_refs


@pytest.mark.row("F5")
@pytest.mark.parametrize("path", ["swap", "transfer", "copy"])
def test_a_partial_segment_read_brings_no_residue(path):
    """A read of sectors 3..5 into a frame that travels (swap/transfer) or is copied into: the
    other sectors of the guest's page are zero or the guest's own bytes, never another
    guest's (guest 2 wrote and read through the same pool first)."""
    rig = Rig(path, TWO)
    a, b = rig.guest(0), rig.guest(1)
    for i in range(8):
        rig.write(b, 8 * i, b"B" * 4096)
        rig.read(b, 8 * i, 4096)
    rig.write(a, 0, pattern(4096, 1))
    bio = rig.bio(a, READ, 3, [(3, 5)])
    gfn = bio.segments[0][0]
    own = bytes(a.port.page_view(gfn << 12))
    rig.submit(a, bio)
    assert bio.status == OK
    if gfn in a.port.dom.neutered:
        a.port.restore(gfn)
    page = bytes(a.port.page_view(gfn << 12))
    assert page[3 * 512 : 6 * 512] == pattern(4096, 1)[3 * 512 : 6 * 512]
    for lo, hi in ((0, 3 * 512), (6 * 512, 4096)):
        assert page[lo:hi] in (own[lo:hi], bytes(hi - lo)), (lo, hi)
    assert b"BBBB" not in page


@pytest.mark.row("F4")
@pytest.mark.parametrize("path", ["copy", "swap", "transfer"])
def test_pool_frames_reused_across_domains_carry_nothing_over(path):
    """Guests A and B interleave reads and writes through one small pool; A's bytes never
    appear in B's pages and the reverse (the leak oracle checks every frame too)."""
    rig = Rig(path, TWO, pool_frames=16, options=DataPathOptions())
    a, b = rig.guest(0), rig.guest(1)
    for i in range(12):
        rig.write(a, 8 * i, b"A" * 4096)
        rig.write(b, 8 * i, b"B" * 4096)
    for i in range(12):
        _, got_a = rig.read(a, 8 * i, 4096)
        _, got_b = rig.read(b, 8 * i, 4096)
        assert got_a == b"A" * 4096 and got_b == b"B" * 4096


@pytest.mark.row("D6", "B8")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("op", [READ, WRITE])
def test_a_guest_destroyed_with_io_in_flight_is_let_go(path, op):
    """No toolstack detach: the guest dies while its request is in the backend. Its directory
    vanishes with it, the backend stops reading the ring, finishes the I/O and then unmaps
    everything of the dead guest (the audit would name any mapping left); the other guest goes on."""
    if path == "transfer" and op == READ:
        op = WRITE  # RawFront-free transfer reads need accept-transfer grants: the write is enough
    rig = Rig(path, TWO)
    g = rig.guest(0)
    rig.write(g, 0, pattern(4096, 1))
    io = HoldIo()
    rig.back.loops[0].io = io
    rig.submit(g, rig.bio(g, op, 0, [(0, 7)], pattern(4096, 2) if op == WRITE else None))
    assert len(io.held) == 1
    rig.xen.destroy_domain(g.domid)
    rig.pump()
    io.release()
    rig.pump()
    assert rig.back.vbd(g.domid, DEVID) is None
    assert rig.xen.audit() == []
    other = rig.guest(1)
    rig.back.loops[0].io = HoldIo()
    bio = rig.bio(other, WRITE, 8, [(0, 7)], pattern(4096, 3))
    rig.submit(other, bio)
    rig.back.loops[0].io.release()
    rig.pump()
    assert bio.status == OK and store_bytes(other.store, 8 * 512, 4096) == pattern(4096, 3)


@pytest.mark.row("D4", "F3")
@pytest.mark.parametrize("path", PATHS)
def test_toolstack_detach_with_io_in_flight_writes_nothing_after_revocation(path):
    """The toolstack detaches while a READ is in flight; the frontend then revokes every grant it
    can (end-access succeeds only for grants no one maps). The backend must never write a frame
    whose grant was revoked: once revoked the guest may give the frame back to Xen, and the
    next owner would receive the read's data (a cross-domain leak)."""
    rig = Rig(path, TWO)
    g = rig.guest(0)
    rig.write(g, 0, pattern(4096, 1))
    io = HoldIo()
    rig.back.loops[0].io = io
    op = READ if path != "transfer" else WRITE
    bio = rig.bio(g, op, 0, [(0, 7)], None if op == READ else pattern(4096, 2))
    rig.submit(g, bio)
    assert len(io.held) == 1
    rig.back.detach(g.domid, DEVID)
    rig.pump()
    gt = g.port.dom.gt
    granted = [r for r in range(gt.nr_entries) if g.port.grant_entry(r)[0] & 3 == 1]
    revoked = [(r, g.port.grant_entry(r)[2]) for r in granted if g.port.end_access(r)]
    assert revoked or path == "map"  # map: every data grant is still mapped, none revocable
    for _, mfn in revoked:  # the frame's next user (the guest, or Xen's next owner) writes it
        rig.xen.frame_view(mfn)[:] = b"\xee" * 4096
    io.release()
    rig.pump()
    for _, mfn in revoked:
        assert bytes(rig.xen.frame_view(mfn)) == b"\xee" * 4096, (
            f"mfn {mfn} written after revocation"
        )
    assert rig.xen.audit() == []
    assert [r for r in range(gt.nr_entries) if gt.pin[r]] == []  # dom0 let go of everything
    assert all(
        g.port.end_access(r) for r in granted if (r, g.port.grant_entry(r)[2]) not in revoked
    )


def _restart_backend(rig: Rig, path: str) -> None:
    """Kill dom0's backend and start a new one that probes the same devices (lab D7)."""
    from blkswap.back.frames import VaSpace
    from blkswap.back.io import SyncIo
    from blkswap.back.vbd import VbdConfig
    from blkswap.lab.assemble import BackendPlan, build_backend

    old = rig.back
    old.kill()
    rig.pump()
    new = build_backend(rig.port0, BackendPlan(options=DataPathOptions(), pool_frames=64),
                        rig.scheduler, SyncIo())  # fmt: skip
    new.va = VaSpace(base=old.va._next)  # a new process: its mappings live elsewhere
    rig.back = new
    for g in rig.guests:
        new.attach(VbdConfig(g.domid, DEVID, g.store, datapath=path))
    rig.pump()


@pytest.mark.row("D7", "D5")
@pytest.mark.parametrize("path", PATHS)
def test_backend_killed_and_restarted_mid_flight(path):
    """The backend dies with 8 requests in flight and a new one probes the devices: the frontend
    recovers (new rings, requests re-sent as blkif_recover does), every bio completes exactly
    once with OK, the image equals the oracle, and the dead backend's late I/O changes nothing."""
    rig = Rig(path, TWO)
    g = rig.guest(0)
    for i in range(4):
        rig.write(g, 8 * i, pattern(4096, 100 + i))
    io = HoldIo()
    rig.back.loops[0].io = io
    writes = [rig.bio(g, WRITE, 64 + 8 * i, [(0, 7)], pattern(4096, 200 + i)) for i in range(4)]
    reads = [] if path == "transfer" else [rig.bio(g, READ, 8 * i, [(0, 7)]) for i in range(4)]
    rig.submit(g, *writes, *reads)
    assert len(io.held) == len(writes + reads)
    _restart_backend(rig, path)
    io.release()  # the dead process's storage I/O finishes late, answered to nobody
    rig.pump()
    assert g.front.connected and [g.done.count(b) for b in writes + reads] == [1] * len(
        writes + reads
    )
    if path == "swap":  # the dead backend swapped the write frames away: EIO, never zeros
        assert [b.status for b in writes] == [ERR] * 4 and all(b.status == OK for b in reads)
        assert store_bytes(g.store, 64 * 512, 4 * 4096) == bytes(4 * 4096)  # fenced
        writes = []
    assert all(b.status == OK for b in writes + reads)
    for i in range(len(writes)):
        assert store_bytes(g.store, (64 + 8 * i) * 512, 4096) == pattern(4096, 200 + i)
    for i, r in enumerate(reads):
        assert get_segments(g.port, r.segments) == pattern(4096, 100 + i)
    other = rig.guest(1)
    assert rig.write(other, 8, pattern(4096, 7)).status == OK
    assert rig.read(other, 8, 4096)[1] == pattern(4096, 7)
    assert rig.xen.audit() == []


@pytest.mark.row("D4", "F3")
def test_persistent_pages_a_dead_backend_still_maps_are_quarantined():
    """After recovery the frontend does not hand out a persistent page the old backend still
    maps; it comes back into use once that backend lets go."""
    rig = Rig("persistent", TWO)
    g = rig.guest(0)
    io = HoldIo()
    rig.back.loops[0].io = io
    rig.submit(g, rig.bio(g, READ, 0, [(0, 7)]))
    _restart_backend(rig, "persistent")
    grants = g.front.grants
    assert len(grants.quarantine) == 1
    held = grants.quarantine[0][1]
    assert all(gfn != held for _ref, gfn in grants.free)
    io.release()
    rig.pump()
    rig.write(g, 8, pattern(4096, 1))  # a completion retries the quarantine
    assert not grants.quarantine


@pytest.mark.row("D7", "D5")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent"])
def test_a_dead_backends_write_never_lands_after_a_newer_acknowledged_one(path):
    """The dead backend's write W1 is still in flight (not yet at the device) when the new
    backend serves the resubmitted W1 and then a newer W2 to the same sectors; the old process's
    W1 must then be fenced (it completes without touching the disk): the image holds W2. (swap:
    W1's frame already crossed to the dead backend, so W1 fails with EIO instead of being
    resent with the zeroed frame the guest got back.)"""
    rig = Rig(path, TWO)
    g = rig.guest(0)
    io = HoldIo()
    rig.back.loops[0].io = io
    w1 = rig.bio(g, WRITE, 64, [(0, 7)], pattern(4096, 1))
    rig.submit(g, w1)
    assert len(io.held) == 1
    _restart_backend(rig, path)
    # resubmitted and served by the new backend; swap: the frame had crossed, so EIO
    assert g.done.count(w1) == 1 and w1.status == (ERR if path == "swap" else OK)
    assert rig.write(g, 64, pattern(4096, 2)).status == OK  # W2 acknowledged
    io.release()  # the dead process's W1 completes now
    rig.pump()
    assert store_bytes(g.store, 64 * 512, 4096) == pattern(4096, 2)
    assert g.done.count(w1) == 1 and rig.xen.audit() == []
