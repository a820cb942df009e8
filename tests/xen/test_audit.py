"""xen.audit() finds each kind of invariant violation (state corrupted on purpose, then fixed)."""

from __future__ import annotations

from xen_helpers import granted_page, host, map_one, unmap_one

from blkswap.abi import gnttab as g


def test_clean_host_audits_clean():
    xen, d0, (d1,) = host()
    assert xen.audit() == []


def test_pins_without_maptrack_and_status_bits():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    d1.gt.pin[ref] = 1
    found = xen.audit()
    assert any("pins without maptrack" in v for v in found)
    assert any("status bits reading=False" in v for v in found)
    d1.gt.pin[ref] = 0
    d1.gt.set_flags(ref, g.GTF_permit_access | g.GTF_reading)
    assert any("status bits reading=True" in v for v in xen.audit())
    d1.gt.set_flags(ref, g.GTF_permit_access)
    assert xen.audit() == []


def test_maptrack_without_pins_and_frame_pin_count():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    d1.gt.pin[ref] = 0
    found = xen.audit()
    assert any("maptrack without pins" in v for v in found)
    d1.gt.pin[ref] = 1
    mfn = d1.gt.act_mfn[ref]
    xen.arena.pins[mfn] += 1
    assert any(f"mfn {mfn}: pin count 2" in v for v in xen.audit())
    xen.arena.pins[mfn] -= 1
    del d0.vmap[d0.grant_va_base >> 12]
    assert any("host mapping" in v for v in xen.audit())
    d0.vmap[d0.grant_va_base >> 12] = (mfn, False, 0)
    unmap_one(d0, h)
    assert xen.audit() == []


def test_p2m_m2p_mismatch_owned_twice_and_negative_refs():
    xen, d0, (d1,) = host()
    m0, m1 = d0.p2m[0], d1.p2m[0]
    xen.arena.m2p[m0] = 5
    assert any("P2M/M2P mismatch" in v for v in xen.audit())
    xen.arena.m2p[m0] = 0
    d1.p2m[0] = m0
    found = xen.audit()
    assert any(f"mfn {m0} owned twice" in v for v in found)
    assert any(f"mfn {m1} owned by d1 but in no P2M" in v for v in found)
    d1.p2m[0] = m1
    xen.arena.refs[m1] = -1
    assert any("negative count" in v for v in xen.audit())
    xen.arena.refs[m1] = 0
    assert xen.audit() == []
