"""Catalog rows B3 (granter racing a map), B17 (frames freed before a deferred flush), C4 (a bad
xenstore connection) and C13 (FIFO event channels: not modelled, 2-level only), at the
hypercall and wire level (XTF's pattern: one case, the documented status, the host still sane)."""

from __future__ import annotations

import socket

import pytest
from test_gnttab_copy import _row
from xen_helpers import granted_page, host, map_one, op, statuses, va

from blkswap.abi import gnttab as g
from blkswap.abi.xs_wire import HEADER, XsType
from blkswap.xen.evtchn import MAX_PORTS_2L, EvtchnError
from blkswap.xen.grant_table import SET_STATUS_TRIES
from blkswap.xen.linux.xenstore import XsClient
from blkswap.xen.port import StoreError

MAP, UNMAP, COPY = g.GNTTABOP_map_grant_ref, g.GNTTABOP_unmap_grant_ref, g.GNTTABOP_copy


class RacingEntry:
    """The granter on another vCPU: every time Xen reads the flags word of one entry, the guest
    rewrites it at once (XOR ``toggle``), ``races`` times, as a hostile guest spinning on its
    grant table would. All other words read and write through."""

    def __init__(self, mem: memoryview, index: int, toggle: int, races: int) -> None:
        self.mem, self.index, self.toggle, self.races = mem, index, toggle, races
        self.reads = 0

    def __getitem__(self, i: int) -> int:
        value = self.mem[i]
        if i == self.index:
            self.reads += 1
            if self.races > 0:
                self.races -= 1
                self.mem[i] = value ^ self.toggle
        return value

    def __setitem__(self, i: int, value: int) -> None:
        self.mem[i] = value


def _racing(d1, ref: int, toggle: int, races: int) -> RacingEntry:
    gt = d1.gt
    racer = RacingEntry(gt._m16, gt.entry_offset(ref) >> 1, toggle, races)
    gt._m16 = racer
    return racer


def _map_or_copy(kind: str, d0, d1, ref: int) -> int:
    if kind == "map":
        return map_one(d0, d1, ref)["status"]
    own = d0.gfn_to_mfn(d0.alloc_page())
    return statuses(op(d0, COPY, [_row(ref, 1, own, g.DOMID_SELF, 8, g.GNTCOPY_source_gref)])[1])[0]


@pytest.mark.row("B3")
@pytest.mark.parametrize("kind", ["map", "copy"])
def test_a_granter_rewriting_its_entry_at_every_step_gets_general_error_in_five_tries(kind):
    """XG _set_status_v1: the cmpxchg setting GTF_reading is tried 5 times against a granter
    that changes the entry under it, then the op fails (general_error, "unstable"); nothing is
    pinned or flagged, no handle kept. The racing bit (GTF_PAT) leaves the entry valid, so only
    the bound ends the loop: exactly 5 tries of read + compare."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"secret")
    racer = _racing(d1, ref, g.GTF_PAT, races=10**6)
    assert _map_or_copy(kind, d0, d1, ref) == g.GNTST_general_error
    assert racer.reads == 2 * SET_STATUS_TRIES  # bounded: read + compare per try
    assert d1.gt.pin[ref] == 0 and d1.gt.active == 0 and d0.maptrack.in_use == 0
    assert not racer.mem[racer.index] & (g.GTF_reading | g.GTF_writing)
    assert xen.audit() == []


@pytest.mark.row("B3")
@pytest.mark.parametrize("kind", ["map", "copy"])
def test_a_short_race_is_retried_and_a_revocation_is_never_undone(kind):
    """Three racing writes: the third try succeeds (okay, GTF_reading set over the granter's last
    value). A granter revoking (clearing GTF_permit_access) right after Xen's first read: the
    retry sees the revocation and fails; Xen never writes the permit bit back."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    racer = _racing(d1, ref, g.GTF_PAT, races=3)
    assert _map_or_copy(kind, d0, d1, ref) == g.GNTST_okay
    # two failed compares, then a read + compare that hold; copy then releases its pin at once
    # (gnttab_clear_flags: clear GTF_writing, then GTF_reading: two more reads)
    assert racer.reads == 3 * 2 + (2 if kind == "copy" else 0)
    if kind == "map":
        assert racer.mem[racer.index] & g.GTF_reading and d1.gt.pin[ref]
    _gfn, ref2 = granted_page(d1, d0, b"y")
    d1.gt._m16 = racer.mem
    racer = _racing(d1, ref2, g.GTF_permit_access, races=1)
    assert _map_or_copy(kind, d0, d1, ref2) == g.GNTST_general_error
    assert racer.mem[racer.index] == 0  # revoked stays revoked, no GTF_reading
    assert d1.gt.pin[ref2] == 0


@pytest.mark.row("B17")
@pytest.mark.parametrize("dying", [False, True])
def test_batched_unmaps_keep_every_frame_pinned_until_their_flush(dying):
    """XSA-346: 40 grants unmapped in one call (two batches of 32 with one TLB flush each).
    At each flush every frame of that batch is still pinned, its GTF_reading still set (the
    granter cannot end access and reuse it) and, for a dead granter, not yet freed; after the
    call all are released (a dying granter's frames go back to the heap)."""
    xen, d0, (d1,) = host(pages=64)
    refs = [granted_page(d1, d0, bytes([i]) * 8)[1] for i in range(40)]
    mfns = [d1.grant_entry(r)[2] for r in refs]
    handles = [map_one(d0, d1, r, slot=i)["handle"] for i, r in enumerate(refs)]
    if dying:
        xen.destroy_domain(d1.domid)
    seen: list[tuple[int, list[int]]] = []  # per flush: PTEs gone so far, frames still held
    real_flush = xen.flush_tlb

    def flush(charged, target):
        torn = [i for i in range(40) if va(d0, i) >> 12 not in d0.vmap]
        held = [i for i in torn if xen.arena.pins[mfns[i]] == 1
                and d1.gt.flags(refs[i]) & g.GTF_reading and xen.frame_owner(mfns[i]) is not None]  # fmt: skip
        seen.append((len(torn), held))
        real_flush(charged, target)

    xen.flush_tlb = flush
    rows = [dict(host_addr=va(d0, i), dev_bus_addr=0, handle=h) for i, h in enumerate(handles)]
    assert statuses(op(d0, UNMAP, rows)[1]) == [g.GNTST_okay] * 40
    # GNTTAB_UNMAP_BATCH_SIZE 32: the first flush follows 32 teardowns, all 32 frames still
    # pinned; the second follows the last 8, whose frames are still pinned (the first 32 went)
    assert seen == [(32, list(range(32))), (40, list(range(32, 40)))]
    assert all(xen.arena.pins[m] == 0 for m in mfns) and d0.maptrack.in_use == 0
    if dying:
        assert all(xen.frame_owner(m) is None for m in mfns)
    else:
        assert all(d1.end_access(r) for r in refs)
    assert xen.audit() == []


def _reply(kind: int, req_id: int, payload: bytes, length: int | None = None) -> bytes:
    return HEADER.st.pack(kind, req_id, 0, len(payload) if length is None else length) + payload


@pytest.mark.row("C4")
@pytest.mark.parametrize(
    ("garbage", "why"),
    [(_reply(XsType.READ, 1, b"", length=5000), "over 4096"),
     (_reply(XsType.READ, 1, b"abc", length=64), "closed"),
     (b"\x07\x00", "closed")],
)  # fmt: skip
def test_a_bad_xenstore_connection_is_an_error_not_a_hang(garbage, why):
    """The lab's wire client (a backend's connection to xenstored): a reply longer than the
    4096-byte payload limit, a message cut short, a header cut short then EOF: StoreError EIO
    naming the cause, at once; nothing waits forever and the process survives."""
    ours, theirs = socket.socketpair()
    theirs.sendall(garbage)
    theirs.shutdown(socket.SHUT_WR)
    client = XsClient("xenstored-test", fd=ours.detach())
    with pytest.raises(StoreError, match=why):
        client.read("/local/domain/0/name")
    client.close()
    theirs.close()


@pytest.mark.row("C4")
def test_a_stale_or_unknown_message_is_skipped_and_the_reply_is_found():
    """A reply with another req_id ahead of ours (xenstored answering an old request) and a
    watch event are skipped/queued; our reply is returned."""
    ours, theirs = socket.socketpair()
    theirs.sendall(_reply(XsType.READ, 99, b"stale") + _reply(XsType.WATCH_EVENT, 0, b"/a\0tok\0")
                   + _reply(XsType.READ, 1, b"dom0"))  # fmt: skip
    client = XsClient("xenstored-test", fd=ours.detach())
    assert client.read("/local/domain/0/name") == "dom0"
    assert client.pending_events() == 1
    client.close()
    theirs.close()


@pytest.mark.row("C4")
def test_garbage_requests_from_a_guest_do_not_release_it_or_hurt_others():
    """The emulated xenstored facing a guest's garbage (non-UTF-8 and NUL-carrying paths,
    2049-byte paths, 5000-byte values, relative escapes): an error per request, the domain is
    kept (no @releaseDomain, its home intact, its client still served) and dom0 is unaffected."""
    xen, d0, (d1,) = host()
    store = xen.store
    store.introduce_domain(d1.domid)
    released: list[str] = []
    store.client(0).watch("@releaseDomain", "rel", lambda path, tok: released.append(path))
    xen.run_pending()
    released.clear()  # a watch fires once when set
    c = store.client(d1.domid)
    bad_paths = [b"\xff\xfe", "data/a\0b", "data/" + "x" * 2049, "", "//", "../0/name", 5]
    errors = 0
    for path in bad_paths:
        for call in (lambda p: c.write(p, "v"), c.read, c.mkdir, c.rm, c.directory):
            try:
                call(path)
            except StoreError:
                errors += 1
    with pytest.raises(StoreError):
        c.write("data/v", b"x" * 5000)
    assert errors == len(bad_paths) * 5
    xen.run_pending()
    assert released == []
    c.write("data/ok", "1")
    assert c.read("data/ok") == "1" and store.client(0).read(f"/local/domain/{d1.domid}/data/ok")
    assert store.audit() == []


@pytest.mark.row("C13")
def test_event_channels_are_two_level_only_and_port_exhaustion_is_clean():
    """XSA-505 concerns the FIFO ABI's control blocks; the lab models 2-level channels only
    (no EVTCHNOP_init_control / expand_array, 4096 ports per domain). What the row can still
    check: a guest exhausting its port space gets ENOSPC, no crash, and another domain's
    channels keep working."""
    xen, d0, (d1, d2) = host(guests=2)
    ev = xen.evtchn
    assert not any(hasattr(ev, name) for name in ("init_control", "expand_array", "set_priority"))
    ports = [ev.alloc_unbound(d1.domid, d0.domid) for _ in range(MAX_PORTS_2L - 1)]
    assert ports == list(range(1, MAX_PORTS_2L))
    with pytest.raises(EvtchnError, match="ENOSPC"):
        ev.alloc_unbound(d1.domid, d0.domid)
    remote = ev.alloc_unbound(d2.domid, d0.domid)
    local = ev.bind_interdomain(d0.domid, d2.domid, remote)
    got: list[int] = []
    ev.bind_handler(d2.domid, remote, got.append)
    ev.send(d0.domid, local)
    xen.run_pending()
    assert got == [remote]
    ev.close(d1.domid, ports[0])
    assert ev.alloc_unbound(d1.domid, d0.domid) == ports[0]  # the freed port is reused
    assert ev.audit() == []
