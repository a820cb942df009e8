"""xen.audit(): each invariant, broken alone, yields exactly its own message(s) with the exact
numbers, and the host audits clean again once it is repaired (found by mutation testing,
tools/mutation.py: the other audit tests only look for a keyword)."""

from __future__ import annotations

from xen_helpers import granted_page, host, map_one, op, unmap_one

from blkswap.abi import gnttab as g
from blkswap.xen.arena import FREE, SHARED
from blkswap.xen.domain import GRANT


def _free_frame(xen) -> int:
    return next(m for m in range(1, xen.arena.frames) if xen.arena.owner[m] == FREE)


def test_each_frame_invariant_has_its_own_message():
    """P2M/owner/M2P/tot_pages/count invariants of the frames, one at a time."""
    xen, d0, (d1,) = host()
    a = xen.arena
    g1, g2 = 3, 4
    m1, m2 = d1.p2m[g1], d1.p2m[g2]
    a.owner[m1] = d0.domid
    assert xen.audit() == [f"d1 gfn {g1} -> mfn {m1} but owner is 0"]
    a.owner[m1] = d1.domid
    a.m2p[m1] = 9
    assert xen.audit() == [f"P2M/M2P mismatch: d1 gfn {g1} -> mfn {m1}, M2P says 9"]
    a.m2p[m1] = g1
    d1.tot_pages += 1
    assert xen.audit() == [f"d1 tot_pages {d1.tot_pages} != populated gfns"]
    d1.tot_pages -= 1
    d1.p2m[g2] = m1
    assert xen.audit() == [
        f"mfn {m1} owned twice: d1 gfn {g1} and d1 gfn {g2}",
        f"mfn {m2} owned by d1 but in no P2M",
    ]
    d1.p2m[g2] = m2
    a.refs[m2] = -2
    assert xen.audit() == [f"mfn {m2}: negative count (refs -2, pins 0)"]
    a.refs[m2] = 0
    f = _free_frame(xen)
    a.m2p[f] = 7
    assert xen.audit() == [f"free mfn {f} still has M2P entry 7"]
    a.m2p[f] = -1
    a.pins[f] = 1
    assert xen.audit() == [
        f"mfn {f} is mapped through a grant but owned by no domain",
        f"mfn {f}: pin count 1 != active entries 0",
    ]
    a.pins[f] = 0
    extra = xen.alloc_frame(d1)
    assert xen.audit() == [f"mfn {extra} owned by d1 but in no P2M"]
    a.flags[extra] = SHARED  # a shared (grant-table) frame is in no P2M by design
    assert xen.audit() == []
    a.flags[extra] = 0
    xen.free_frame(extra, d1)
    assert xen.audit() == []


def test_each_grant_invariant_has_its_own_message():
    """Mappings without handles, handles without mappings, pins vs maptrack, status bits."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, bytes(4096))
    h = map_one(d0, d1, ref, slot=2)
    mfn, va2 = d1.gt.act_mfn[ref], d0.grant_va_base + 2 * 4096
    assert h["status"] == g.GNTST_okay and xen.audit() == []
    d0.vmap[(va2 >> 12) + 1] = (mfn, False, GRANT)
    assert xen.audit() == [f"d0 va {va2 + 4096:#x}: grant mapping of mfn {mfn} without a handle"]
    del d0.vmap[(va2 >> 12) + 1]
    e = d0.vmap.pop(va2 >> 12)
    assert xen.audit() == [f"d0 handle {h['handle']}: host mapping at {va2:#x} is missing"]
    d0.vmap[va2 >> 12] = e
    d1.gt.pin[ref] = 3
    assert xen.audit() == [f"d1 ref {ref}: pins without maptrack (pin 0x3, maptrack 0x1)"]
    d1.gt.pin[ref] = 0
    assert xen.audit() == [
        f"d1 ref {ref}: maptrack without pins (pin 0x0, maptrack 0x1)",
        f"d1 ref {ref}: status bits reading=True writing=True with pin 0x0",
        f"mfn {mfn}: pin count 1 != active entries 0",
    ]
    d1.gt.pin[ref] = 1
    busy = d1.gt.flags(ref)
    d1.gt.set_flags(ref, busy & ~g.GTF_writing)
    assert xen.audit() == [f"d1 ref {ref}: status bits reading=True writing=False with pin 0x1"]
    d1.gt.set_flags(ref, busy)
    assert unmap_one(d0, h["handle"], slot=2)["status"] == g.GNTST_okay
    assert xen.audit() == []


def test_a_destroyed_granter_still_mapped_is_reported_with_its_mappers():
    """Destroying a granter whose page dom0 still maps: the table lingers (dead) and the audit
    names the domain, the count of mapped entries and who maps them, until the unmap."""
    xen, d0, (d1, d2) = host(guests=2)
    _gfn, ref = granted_page(d2, d0, bytes(4096))
    _gfn1, ref1 = granted_page(d2, d1, bytes(4096))
    h = map_one(d0, d2, ref)
    h1 = map_one(d1, d2, ref1)
    xen.destroy_domain(d2.domid)
    assert xen.audit() == ["d2 destroyed, 2 grant entries still mapped by d0, d1"]
    assert unmap_one(d0, h["handle"])["status"] == g.GNTST_okay
    assert xen.audit() == ["d2 destroyed, 1 grant entries still mapped by d1"]
    assert unmap_one(d1, h1["handle"])["status"] == g.GNTST_okay
    assert xen.audit() == []


def test_legitimate_live_state_audits_clean():
    """Live read-only and device-only mappings, a LOCAL alias left by unmap_and_replace, a
    hole in a P2M and an extra page reference are all consistent: audit() == []."""
    xen, d0, (d1,) = host()
    _g1, r1 = granted_page(d1, d0, bytes(4096), readonly=True)
    _g2, r2 = granted_page(d1, d0, bytes(4096))
    _g3, r3 = granted_page(d1, d0, bytes(4096))
    ro = map_one(d0, d1, r1, slot=1, flags=g.GNTMAP_host_map | g.GNTMAP_readonly)
    dev = map_one(d0, d1, r2, flags=g.GNTMAP_device_map)
    rep = map_one(d0, d1, r3, slot=3)
    d0.alloc_page()  # gfn 0: new_addr 0 would mean "no new_addr"
    own = d0.alloc_page()
    rc, out = op(d0, g.GNTTABOP_unmap_and_replace,
                 [dict(host_addr=d0.grant_va_base + 3 * 4096, new_addr=own << 12, handle=rep["handle"])])  # fmt: skip
    assert out[0]["status"] == g.GNTST_okay
    hole = d0.alloc_page()
    d0.depopulate(hole)
    extra = d1.gfn_to_mfn(d1.alloc_page())
    xen.get_page(extra)
    assert ro["status"] == dev["status"] == g.GNTST_okay
    assert xen.audit() == []
    xen.put_page(extra)
    d0.clear_va(d0.grant_va_base + 3 * 4096)
    d0.restore(own)
    assert unmap_one(d0, ro["handle"], slot=1)["status"] == g.GNTST_okay
    assert unmap_one(d0, dev["handle"], dev=dev["dev_bus_addr"])["status"] == g.GNTST_okay
    assert xen.audit() == []


def test_the_frame_checks_catch_both_directions_and_each_count_alone():
    """Owner or M2P off by a higher or a lower value, tot_pages one short, a negative pin
    count alone, both counts negative, and a negative pin on a free frame."""
    xen, d0, (d1, _d2) = host(guests=2)
    a = xen.arena
    m = d1.p2m[3]
    a.owner[m] = 2
    assert xen.audit() == [f"d1 gfn 3 -> mfn {m} but owner is 2"]
    a.owner[m] = 1
    a.m2p[m] = 1
    assert xen.audit() == [f"P2M/M2P mismatch: d1 gfn 3 -> mfn {m}, M2P says 1"]
    a.m2p[m] = 3
    d1.tot_pages -= 1
    assert xen.audit() == [f"d1 tot_pages {d1.tot_pages} != populated gfns"]
    d1.tot_pages += 1
    a.pins[m] = -1
    assert xen.audit() == [f"mfn {m}: negative count (refs 0, pins -1)",
                           f"mfn {m}: pin count -1 != active entries 0"]  # fmt: skip
    a.refs[m] = -1
    assert xen.audit()[0] == f"mfn {m}: negative count (refs -1, pins -1)"
    a.refs[m] = a.pins[m] = 0
    f = next(x for x in range(1, a.frames) if a.owner[x] == FREE)
    a.pins[f] = -1
    assert xen.audit() == [f"mfn {f}: negative count (refs 0, pins -1)",
                           f"mfn {f}: pin count -1 != active entries 0"]  # fmt: skip
    a.pins[f] = 0
    assert xen.audit() == []
