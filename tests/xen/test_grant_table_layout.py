"""xen/grant_table.py: where entries live, the pin counters and the active-entry rules (found by
mutation testing, tools/mutation.py: each test fails if one operator or constant of the entry
addressing, the GNTPIN_* counters or the pin checks is changed)."""

from __future__ import annotations

import struct

from xen_helpers import granted_page, host, map_one, op, unmap_one, va

from blkswap.abi import gnttab as g
from blkswap.xen import Xen
from blkswap.xen.arena import FREE
from blkswap.xen.grant_table import Maptrack

HOST, DEV, RO = g.GNTMAP_host_map, g.GNTMAP_device_map, g.GNTMAP_readonly
REFS = (0, 1, 2, 510, 511, 512, 513, 700, 1022, 1023, 1024, 1100, 1535)


def _raw(xen, gt, ref: int) -> tuple[int, int, int]:
    """grant_entry_v1 {u16 flags; u16 domid; u32 frame} at frame ref/512, offset (ref%512)*8
    (xen/include/public/grant_table.h), read straight from the arena's bytes."""
    off = gt.frames[ref // 512] * 4096 + (ref % 512) * 8
    return struct.unpack_from("<HHI", xen.arena.mem, off)


def test_entries_of_every_table_frame_sit_at_their_abi_offsets():
    """Three table frames: every accessor reads and writes the entry at frame ref // 512, byte
    (ref % 512) * 8 -- the boundary refs 511/512 and 1023/1024 included -- and no other."""
    xen, d0, (d1,) = host()
    assert xen.grow_grant_table(d1, 3, hypercall=False) == g.GNTST_okay
    gt = d1.gt
    assert gt.nr_entries == 1536 and len(gt.pin) == len(gt.act_mfn) == 1536
    for ref in REFS:
        gt.write_entry(ref, 0x100 + ref % 251, 7 + ref % 13, 0x10000 + ref)
    for ref in REFS:
        want = (0x100 + ref % 251, 7 + ref % 13, 0x10000 + ref)
        assert gt.read_entry(ref) == want == _raw(xen, gt, ref), ref
        assert gt.flags(ref) == want[0]
        assert gt.entry_offset(ref) == gt.frames[ref // 512] * 4096 + (ref % 512) * 8
    for ref in REFS:
        gt.set_flags(ref, ref % 7)
        gt.set_frame(ref, 0x20000 + ref)
    for ref in REFS:
        assert _raw(xen, gt, ref) == (ref % 7, 7 + ref % 13, 0x20000 + ref), ref
    for ref in REFS:
        gt.write_entry(ref, 0, 0, 0)


def test_a_map_of_a_ref_past_the_first_frame_sets_and_clears_its_own_status_bits():
    """Mapping ref 700 (second frame) ORs GTF_reading|GTF_writing into that entry and the unmap
    clears them; the entries around it (699, 701, 188 in the first frame) are untouched."""
    xen, d0, (d1,) = host()
    assert xen.grow_grant_table(d1, 2, hypercall=False) == g.GNTST_okay
    gfn = d1.alloc_page()
    d1.write(gfn, 0, bytes(4096))
    mfn = d1.gfn_to_mfn(gfn)
    for ref in (188, 699, 701):
        d1.gt.write_entry(ref, g.GTF_permit_access, 5, 0x1234)
    d1.gt.write_entry(700, g.GTF_permit_access, d0.domid, mfn)
    h = map_one(d0, d1, 700)
    assert h["status"] == g.GNTST_okay and h["dev_bus_addr"] == mfn << 12
    busy = g.GTF_permit_access | g.GTF_reading | g.GTF_writing
    assert _raw(xen, d1.gt, 700) == (busy, d0.domid, mfn)
    assert [_raw(xen, d1.gt, r) for r in (188, 699, 701)] == [(1, 5, 0x1234)] * 3
    assert unmap_one(d0, h["handle"])["status"] == g.GNTST_okay
    assert _raw(xen, d1.gt, 700) == (g.GTF_permit_access, d0.domid, mfn)
    for ref in (188, 699, 700, 701):
        d1.gt.write_entry(ref, 0, 0, 0)


def test_each_kind_of_map_pins_its_own_counter_and_the_128th_device_ro_pin_is_the_last():
    """GNTPIN_hstw_inc 1, hstr_inc 1<<8, devw_inc 1<<16, devr_inc 1<<24 (xen/common/
    grant_table.c); a counter whose top bit (0x80) is set refuses more pins: 128 device
    read-only maps succeed, the 129th is general_error."""
    xen, d0, (d1,) = host()
    for flags, pin in ((HOST, 1), (HOST | RO, 1 << 8), (DEV, 1 << 16), (DEV | RO, 1 << 24)):
        _gfn, ref = granted_page(d1, d0, b"x", readonly=bool(flags & RO))
        row = dict(host_addr=va(d0, 9) if flags & HOST else 0, flags=flags, ref=ref, dom=d1.domid)
        rc, out = op(d0, g.GNTTABOP_map_grant_ref, [row])
        assert out[0]["status"] == g.GNTST_okay and d1.gt.pin[ref] == pin, flags
        done = unmap_one(d0, out[0]["handle"], slot=9 if flags & HOST else 0,
                         dev=out[0]["dev_bus_addr"] if flags & DEV else 0)  # fmt: skip
        assert done["status"] == g.GNTST_okay and d1.gt.pin[ref] == 0
    _gfn, ref = granted_page(d1, d0, b"x", readonly=True)
    row = dict(host_addr=0, flags=DEV | RO, ref=ref, dom=d1.domid)
    rc, out = op(d0, g.GNTTABOP_map_grant_ref, [row] * 129)
    assert [o["status"] for o in out] == [g.GNTST_okay] * 128 + [g.GNTST_general_error]
    assert d1.gt.pin[ref] == 128 << 24
    rows = [
        dict(host_addr=0, dev_bus_addr=o["dev_bus_addr"], handle=o["handle"]) for o in out[:128]
    ]
    rc, done = op(d0, g.GNTTABOP_unmap_grant_ref, rows)
    assert {o["status"] for o in done} == {g.GNTST_okay} and d1.gt.pin[ref] == 0


def test_only_the_first_pin_and_the_first_writable_pin_read_the_entry():
    """Xen validates the shared entry when the active entry has no pin, or no writable pin for a
    writable map (map_grant_ref: !act->pin || (!readonly && !(act->pin & (hstw|devw masks))));
    after a device-writable pin, a host-writable map succeeds even though the granter has
    since made its entry read-only; after a read-only pin, a read-only map succeeds though the
    entry was revoked, but a writable one is refused."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    dev = map_one(d0, d1, ref, flags=DEV)
    assert dev["status"] == g.GNTST_okay
    flags, dom, frame = d1.grant_entry(ref)
    d1.gt.set_flags(ref, flags | g.GTF_readonly)
    hw = map_one(d0, d1, ref, slot=1)
    assert hw["status"] == g.GNTST_okay and d1.gt.pin[ref] == (1 << 16) + 1
    _gfn2, ref2 = granted_page(d1, d0, b"y", readonly=True)
    first = map_one(d0, d1, ref2, slot=2, flags=HOST | RO)
    d1.gt.set_flags(ref2, d1.gt.flags(ref2) & ~g.GTF_permit_access)
    again = map_one(d0, d1, ref2, slot=3, flags=HOST | RO)
    assert (first["status"], again["status"]) == (g.GNTST_okay, g.GNTST_okay)
    assert map_one(d0, d1, ref2, slot=4)["status"] == g.GNTST_general_error
    assert d1.gt.pin[ref2] == 2 << 8
    for h, slot, devaddr in (
        (dev, 0, dev["dev_bus_addr"]),
        (hw, 1, 0),
        (first, 2, 0),
        (again, 3, 0),
    ):
        assert unmap_one(d0, h["handle"], slot=slot, dev=devaddr)["status"] == g.GNTST_okay


def test_an_active_entry_serves_only_the_domain_that_pinned_it():
    """While ref is pinned by its grantee, another domain (lower or higher domid) cannot map it
    (map_grant_ref: act->pin && act->domid != ld->domain_id -> general_error), and an entry
    naming a lower domid than the mapper's is refused on the first pin."""
    xen, d0, (d1, d2) = host(guests=2)
    for owner, other in ((d0, d2), (d2, d0)):
        _gfn, ref = granted_page(d1, owner, b"x")
        h = map_one(owner, d1, ref)
        assert h["status"] == g.GNTST_okay
        assert map_one(other, d1, ref, slot=1)["status"] == g.GNTST_general_error
        assert unmap_one(owner, h["handle"])["status"] == g.GNTST_okay
    _gfn, ref = granted_page(d1, d0, b"x")
    assert map_one(d2, d1, ref)["status"] == g.GNTST_general_error


def test_undefined_entry_flag_bits_are_ignored_by_the_pin():
    """Bits 9-15 of an entry's flags are not looked at (Xen's _set_status_v1 masks type and
    sub_page only): the map succeeds and GTF_reading|writing are ORed in beside them."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    flags, dom, frame = d1.grant_entry(ref)
    d1.gt.set_flags(ref, flags | 1 << 9 | 1 << 15)
    h = map_one(d0, d1, ref)
    assert h["status"] == g.GNTST_okay
    assert d1.gt.flags(ref) == flags | 1 << 9 | 1 << 15 | g.GTF_reading | g.GTF_writing
    assert unmap_one(d0, h["handle"])["status"] == g.GNTST_okay


def test_unpin_reports_a_reap_only_for_the_last_pin_and_a_dead_table_frees_its_frames():
    """unpin returns False while pins remain; when a destroyed granter's last pin goes, its
    table frames return to the arena (owner FREE, the free count back where it was)."""
    xen, d0, (d1,) = host()
    free0 = xen.arena.free_frames
    d2 = xen.create_domain(pages=8)
    gfn = d2.alloc_page()
    d2.write(gfn, 0, bytes(4096))
    ref = d2.grant_access(gfn, d0.domid, False)
    hs = [map_one(d0, d2, ref, slot=i)["handle"] for i in range(2)]
    assert d2.gt.unpin(ref, 1) is False and d2.gt.pin[ref] == 1
    d2.gt.pin[ref] += 1  # give the pin back: the unmaps below drop both
    frames = list(d2.gt.frames)
    xen.destroy_domain(d2.domid)
    assert all(xen.arena.owner[f] != FREE for f in frames)  # pinned: the table lingers
    for i, h in enumerate(hs):
        assert unmap_one(d0, h, slot=i)["status"] == g.GNTST_okay
    assert [xen.arena.owner[f] for f in frames] == [FREE] * len(frames)
    assert xen.arena.free_frames == free0


def test_maptrack_grows_a_page_of_handles_at_a_time_up_to_its_limit():
    """256 handles per maptrack frame; with 2 frames the 513th alloc fails (-1)."""
    mt = Maptrack(max_frames=2)
    got = [mt.alloc() for _ in range(512)]
    assert got == list(range(512)) and mt.limit == 512
    assert mt.alloc() == -1 and mt.limit == 512 and mt.in_use == 512


def test_a_mapper_past_domid_256_pins_like_any_other():
    """Domids count up from 0 (Xen's allocator goes to 0x7FEF): a grant to d257+ names it in
    the entry, the entry's domid (read from the table) and the frame owner compare by value."""
    xen = Xen(frames=2048)
    for _ in range(257):
        xen.create_domain(pages=1)
    d0, d1 = xen.create_domain(pages=8), xen.create_domain(pages=8)
    assert d0.domid > 256
    _gfn, ref = granted_page(d1, d0, bytes(4096))
    h = map_one(d0, d1, ref)
    assert h["status"] == g.GNTST_okay and d1.gt.act_domid[ref] == d0.domid
    assert unmap_one(d0, h["handle"])["status"] == g.GNTST_okay


def test_a_device_read_only_pin_does_not_spare_a_writable_map_the_entry_check():
    """A read-only grant pinned by a device read-only map (GNTPIN_devr): a host-writable map of
    it still reads the entry, finds GTF_readonly and is refused (general_error)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x", readonly=True)
    dev = map_one(d0, d1, ref, flags=DEV | RO)
    assert dev["status"] == g.GNTST_okay and d1.gt.pin[ref] == 1 << 24
    assert map_one(d0, d1, ref, slot=1)["status"] == g.GNTST_general_error
    assert d1.gt.pin[ref] == 1 << 24
    assert unmap_one(d0, dev["handle"], dev=dev["dev_bus_addr"])["status"] == g.GNTST_okay


def test_a_frame_freed_while_pinned_cannot_be_pinned_through_another_entry():
    """The granter gives back a page still mapped by dom0: the frame lingers (DYING) until the
    unmap; a second entry naming it is refused (bad_page, Xen's get_page fails on a dying
    page) while the first mapping keeps working."""
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, bytes(4096))
    mfn = d1.gfn_to_mfn(gfn)
    h = map_one(d0, d1, ref)
    assert h["status"] == g.GNTST_okay
    d1.depopulate(gfn)
    ref2 = d1.gt.nr_entries - 1
    d1.gt.write_entry(ref2, g.GTF_permit_access, d0.domid, mfn)
    assert map_one(d0, d1, ref2, slot=1)["status"] == g.GNTST_bad_page
    d1.gt.write_entry(ref2, 0, 0, 0)
    assert unmap_one(d0, h["handle"])["status"] == g.GNTST_okay
