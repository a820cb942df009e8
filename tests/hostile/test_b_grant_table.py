"""Catalog B: the grant table and the lab's frame-swap op tried as an attacker would (XTF's
pattern: one case per advisory, the exact status Xen documents, and the host still sane)."""

from __future__ import annotations

import pytest
from test_gnttab_copy import _row
from xen_helpers import granted_page, host, map_one, op, statuses, unmap_one, va

from blkswap.abi import gnttab as g

MAP, UNMAP, COPY = g.GNTTABOP_map_grant_ref, g.GNTTABOP_unmap_grant_ref, g.GNTTABOP_copy
SWAP, SWAP_REF, XFER = g.GNTTABOP_swap, g.GNTTABOP_swap_grant_ref, g.GNTTABOP_transfer
HOST, DEV, RO = g.GNTMAP_host_map, g.GNTMAP_device_map, g.GNTMAP_readonly


def _state(xen, d):
    return (bytes(d.gt.pin), d.gt.active, [xen.arena.pins[m] for m in d.p2m if m >= 0])


@pytest.mark.row("B1")
@pytest.mark.parametrize("ref", ["nr_entries", 0xFFFFFFFF])
def test_ref_out_of_range_is_bad_gntref_for_every_op(ref):
    """map, copy (either side), swap and swap_grant_ref: GNTST_bad_gntref, nothing changes."""
    xen, d0, (d1,) = host()
    r = d1.gt.nr_entries if ref == "nr_entries" else ref
    before = _state(xen, d1)
    own = d0.gfn_to_mfn(d0.alloc_page())
    assert statuses(op(d0, MAP, [dict(host_addr=va(d0), flags=HOST, ref=r, dom=1)])[1]) == [-3]
    rows = [
        _row(r, 1, own, g.DOMID_SELF, 8, g.GNTCOPY_source_gref),
        _row(own, g.DOMID_SELF, r, 1, 8, g.GNTCOPY_dest_gref),
    ]
    assert statuses(op(d0, COPY, rows)[1]) == [-3, -3]
    assert statuses(op(d0, SWAP, [dict(frame=own, ref=r, dom=1)])[1]) == [-3]
    assert statuses(op(d1, SWAP_REF, [dict(ref_a=r, ref_b=0)])[1]) == [-3]
    assert _state(xen, d1) == before and d0.maptrack.in_use == 0


@pytest.mark.row("B2")
def test_wrong_entry_state_gives_the_documented_codes():
    """no permit / other grantee / read-only for a writable map → general_error; unknown domain →
    bad_domain; a copy into a read-only grant → general_error (XG __acquire_grant_for_copy)."""
    xen, d0, (d1, d2) = host(guests=2)
    gfn = d1.alloc_page()
    mfn = d1.gfn_to_mfn(gfn)
    d1.gt.write_entry(1, 0, 0, mfn)
    d1.gt.write_entry(2, g.GTF_permit_access, d2.domid, mfn)
    d1.gt.write_entry(3, g.GTF_permit_access | g.GTF_readonly, 0, mfn)
    got = [map_one(d0, d1, ref, slot=ref)["status"] for ref in (1, 2, 3)]
    assert got == [g.GNTST_general_error] * 3
    out = op(d0, MAP, [dict(host_addr=va(d0), flags=HOST, ref=3, dom=77)])[1]
    assert statuses(out) == [g.GNTST_bad_domain]
    own = d0.gfn_to_mfn(d0.alloc_page())
    out = op(d0, COPY, [_row(own, g.DOMID_SELF, 3, 1, 8, g.GNTCOPY_dest_gref)])[1]
    assert statuses(out) == [g.GNTST_general_error]
    assert d1.gt.active == 0 and d0.maptrack.in_use == 0


@pytest.mark.row("B4")
def test_double_unmap_is_bad_handle_and_flags_clear_with_the_last_pin():
    """Second unmap of a handle → GNTST_bad_handle; GTF_reading stays until the last pin goes."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h1 = map_one(d0, d1, ref, slot=0)["handle"]
    h2 = map_one(d0, d1, ref, slot=1)["handle"]
    assert unmap_one(d0, h1, slot=0)["status"] == g.GNTST_okay
    assert unmap_one(d0, h1, slot=0)["status"] == g.GNTST_bad_handle
    assert d1.grant_entry(ref)[0] & g.GTF_reading  # h2 still pins it
    assert unmap_one(d0, h2, slot=1)["status"] == g.GNTST_okay
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access and d0.maptrack.in_use == 0
    assert unmap_one(d0, h2, slot=1)["status"] == g.GNTST_bad_handle


@pytest.mark.row("B5")
def test_maptrack_exhaustion_is_no_space_and_recovers():
    """A full maptrack → GNTST_no_space; after unmaps, maps work again (no leaked handle)."""
    xen, d0, (d1,) = host(pages=32)
    d0.maptrack.max_frames = 1  # 256 handles
    refs = [granted_page(d1, d0, b"x")[1] for _ in range(4)]  # ≤ 127 pins per entry and kind
    rows = [dict(host_addr=va(d0, i), flags=HOST | RO, ref=refs[i % 4], dom=1) for i in range(257)]
    ref = refs[0]
    out = op(d0, MAP, rows)[1]
    assert statuses(out)[-1] == g.GNTST_no_space and statuses(out)[:-1] == [0] * 256
    undo = [dict(host_addr=va(d0, i), handle=o["handle"]) for i, o in enumerate(out[:256])]
    assert statuses(op(d0, UNMAP, undo)[1]) == [0] * 256
    assert map_one(d0, d1, ref)["status"] == g.GNTST_okay
    unmap_one(d0, map_one(d0, d1, ref, slot=1)["handle"], slot=1)
    assert d0.maptrack.in_use == 1


@pytest.mark.row("B6")
def test_host_and_device_map_unmapped_in_two_calls_returns_to_baseline():
    """XSA-224: a host+device writable map unmapped in two calls drops exactly its pins."""
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"dev")
    mfn = d1.gfn_to_mfn(gfn)
    base = (xen.arena.pins[mfn], xen.arena.refs[mfn])
    h = map_one(d0, d1, ref, flags=HOST | DEV)["handle"]
    assert statuses(op(d0, UNMAP, [dict(host_addr=va(d0), handle=h)])[1]) == [0]
    out = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=mfn << 12, handle=h)])[1]
    assert statuses(out) == [0]
    assert (xen.arena.pins[mfn], xen.arena.refs[mfn]) == base and d1.gt.pin[ref] == 0
    out = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=mfn << 12, handle=h)])[1]
    assert statuses(out) == [g.GNTST_bad_handle] and xen.arena.pins[mfn] == base[0]


@pytest.mark.row("B7")
def test_unmap_and_replace_theft_is_exactly_minus_one():
    """Replacing onto an address that maps nothing, or onto itself: status exactly -1."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    for new in (va(d0, 9), va(d0)):
        out = op(d0, g.GNTTABOP_unmap_and_replace, [dict(host_addr=va(d0), new_addr=new, handle=h)])
        assert statuses(out[1]) == [-1]
    out = op(d0, MAP, [dict(host_addr=va(d0, 3), flags=HOST, ref=ref, dom=99)])[1]
    assert statuses(out) == [g.GNTST_bad_domain] and statuses(out)[0] < 0
    assert unmap_one(d0, h)["status"] == 0 and d1.end_access(ref)


@pytest.mark.row("B8")
def test_flags_stay_while_any_pin_remains_and_a_dying_granter_keeps_its_frame():
    """GTF_reading stays while a map pins the entry after a copy; destroying the granter with
    the grant mapped is recorded, the frame is not freed until the unmap."""
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"pinned")
    mfn = d1.gfn_to_mfn(gfn)
    h = map_one(d0, d1, ref)["handle"]
    own = d0.gfn_to_mfn(d0.alloc_page())
    assert statuses(
        op(d0, COPY, [_row(ref, 1, own, g.DOMID_SELF, 6, g.GNTCOPY_source_gref)])[1]
    ) == [0]
    assert d1.grant_entry(ref)[0] & g.GTF_reading
    xen.destroy_domain(d1.domid)
    assert xen.frame_owner(mfn) == 1 and not xen.arena.is_poisoned(mfn)
    assert d0.read_va(va(d0), 6) == b"pinned"
    assert xen.audit() == ["d1 destroyed, 1 grant entries still mapped by d0"]
    assert unmap_one(d0, h)["status"] == 0
    assert xen.frame_owner(mfn) is None and xen.arena.is_poisoned(mfn)
    assert xen.audit() == []


@pytest.mark.row("B9")
@pytest.mark.parametrize("extra", [g.GTF_transitive, g.GTF_permit_access | g.GTF_sub_page])
def test_transitive_and_sub_page_grants_are_refused(extra):
    """v1-only lab: a transitive or sub-page entry can be neither mapped nor copied."""
    xen, d0, (d1,) = host()
    mfn = d1.gfn_to_mfn(d1.alloc_page())
    d1.gt.write_entry(4, extra, 0, mfn)
    assert map_one(d0, d1, 4)["status"] == g.GNTST_general_error
    own = d0.gfn_to_mfn(d0.alloc_page())
    out = op(d0, COPY, [_row(4, 1, own, g.DOMID_SELF, 8, g.GNTCOPY_source_gref)])[1]
    assert statuses(out) == [g.GNTST_general_error] and d1.gt.pin[4] == 0


@pytest.mark.row("B10")
def test_destroying_a_mapper_with_many_maps_releases_all_of_them():
    """A domain holding 2000 maps is torn down in one destroy; every pin returns."""
    xen, d0, (d1,) = host(frames=4096, pages=64)
    d0.maptrack.max_frames = 16
    refs = [granted_page(d1, d0, bytes([i]))[1] for i in range(20)]
    rows = [dict(host_addr=0, flags=DEV | RO, ref=refs[i % 20], dom=1) for i in range(2000)]
    assert statuses(op(d0, MAP, rows)[1]) == [0] * 2000
    xen.destroy_domain(d0.domid)
    assert d1.gt.active == 0 and all(p == 0 for p in d1.gt.pin)
    assert all(d1.end_access(r) for r in refs)
    assert xen.violations == ["d0 destroyed holding 2000 grant mappings"]  # seen, and recorded
    xen.violations.clear()


@pytest.mark.row("B11")
def test_grant_table_v2_is_refused_and_v1_is_a_no_op():
    xen, d0, (d1,) = host()
    buf = bytearray(4)
    buf[:4] = (2).to_bytes(4, "little")
    assert d1.grant_table_op(g.GNTTABOP_set_version, buf, 1) == -38
    assert int.from_bytes(buf[:4], "little") == 1
    buf[:4] = (1).to_bytes(4, "little")
    _gfn, ref = granted_page(d1, d0, b"v1")
    h = map_one(d0, d1, ref)["handle"]
    assert d1.grant_table_op(g.GNTTABOP_set_version, buf, 1) == 0
    assert d0.read_va(va(d0), 2) == b"v1" and unmap_one(d0, h)["status"] == 0


@pytest.mark.row("B12")
def test_swap_ops_with_bad_refs_never_reach_outside_the_table():
    """swap_grant_ref and the lab's swap: refs ≥ nr_entries → bad_gntref; entries unchanged."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"a")
    entries = [d1.grant_entry(r) for r in range(d1.gt.nr_entries)]
    rows = [dict(ref_a=ref, ref_b=n) for n in (d1.gt.nr_entries, 2**31, 2**32 - 1)]
    assert statuses(op(d1, SWAP_REF, rows)[1]) == [g.GNTST_bad_gntref] * 3
    assert [d1.grant_entry(r) for r in range(d1.gt.nr_entries)] == entries


@pytest.mark.row("B13")
@pytest.mark.parametrize(("soff", "doff", "length"), [(4000, 0, 200), (0, 4000, 200), (0, 0, 4097)])
def test_copy_out_of_the_page_is_bad_copy_arg_and_copies_nothing(soff, doff, length):
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"s" * 64)
    own = d0.gfn_to_mfn(d0.alloc_page())
    before = bytes(xen.frame_view(own))
    out = op(d0, COPY, [_row(ref, 1, own, g.DOMID_SELF, length, g.GNTCOPY_source_gref, soff, doff)])
    assert statuses(out[1]) == [g.GNTST_bad_copy_arg]
    assert bytes(xen.frame_view(own)) == before and d1.gt.pin[ref] == 0


@pytest.mark.row("A13")
def test_zero_length_copy_is_okay_without_touching_refs():
    """XSA-448 rule: len 0 with a garbage gref → GNTST_okay; no pin, no byte moved."""
    xen, d0, (d1,) = host()
    own = d0.gfn_to_mfn(d0.alloc_page())
    out = op(d0, COPY, [_row(0xFFFFFF, 1, own, g.DOMID_SELF, 0, g.GNTCOPY_source_gref)])
    assert statuses(out[1]) == [g.GNTST_okay] and d1.gt.active == 0


@pytest.mark.row("B14", "F6")
@pytest.mark.parametrize("holder", ["extra reference", "mapped elsewhere"])
@pytest.mark.parametrize("side", ["guest", "caller"])
def test_swap_or_transfer_of_a_referenced_frame_is_bad_page(holder, side):
    """steal_page rule: a frame with extra references or pins never changes owner."""
    xen, d0, (d1, d2) = host(guests=2)
    gfn, ref = granted_page(d1, d0, b"g")
    d1.neuter(gfn)
    cgfn = d0.alloc_page()
    target = d1.gfn_to_mfn(gfn) if side == "guest" else d0.gfn_to_mfn(cgfn)
    owner = d1 if side == "guest" else d0
    if holder == "extra reference":
        xen.get_page(target)
    else:
        other = owner.grant_access(gfn if side == "guest" else cgfn, 2, False)
        h = map_one(d2, owner, other)["handle"]
    out = op(d0, SWAP, [dict(frame=d0.gfn_to_mfn(cgfn), ref=ref, dom=1)])[1]
    assert statuses(out) == [g.GNTST_bad_page]
    assert xen.frame_owner(target) == owner.domid
    if side == "caller":
        xref = d1.grant_transfer(d1.alloc_page())
        out = op(d0, XFER, [dict(mfn=target, domid=1, ref=xref)])[1]
        assert statuses(out) == [g.GNTST_bad_page] and xen.frame_owner(target) == 0
        assert d1.end_transfer(xref) is None
    if holder == "extra reference":
        xen.put_page(target)
    else:
        unmap_one(d2, h)
        assert owner.end_access(other)


@pytest.mark.row("B15")
def test_a_swap_flushes_both_domains_so_no_stale_mapping_survives():
    """After GNTTABOP_swap both domains' TLBs are flushed; only the new owner reads the frame."""
    xen, d0, (d1,) = host(dom0_vcpus=2, vcpus=3)
    gfn, ref = granted_page(d1, d0, b"secret")
    g_mfn = d1.gfn_to_mfn(gfn)
    d1.neuter(gfn)
    out = op(d0, SWAP, [dict(frame=d0.gfn_to_mfn(d0.alloc_page()), ref=ref, dom=1)])[1]
    assert statuses(out) == [0]
    assert d0.counters.tlb_flushes == 2 and d0.counters.tlb_flush_vcpus == 2 + 3
    assert xen.frame_owner(g_mfn) == 0 and d1.gfn_to_mfn(gfn) != g_mfn


@pytest.mark.row("B16")
def test_transfer_faults_each_give_a_defined_error_and_consistent_accounting():
    xen, d0, (d1,) = host()
    tot0, tot1 = d0.tot_pages, d1.tot_pages
    ref = d1.grant_transfer(0)
    rows = [
        dict(mfn=xen.arena.frames + 5, domid=1, ref=ref),  # no such frame
        dict(mfn=d1.gfn_to_mfn(1), domid=1, ref=ref),  # not ours
    ]
    assert statuses(op(d0, XFER, rows)[1]) == [g.GNTST_bad_page, g.GNTST_bad_page]
    assert (d0.tot_pages, d1.tot_pages) == (tot0, tot1 - 1)  # grant_transfer ballooned one out
    assert d1.end_transfer(ref) is None


@pytest.mark.row("L1")
@pytest.mark.parametrize(
    ("entry", "code"),
    [((g.HYPERVISOR_grant_table_op, None), -14), ((g.HYPERVISOR_grant_table_op, 7), -14),
     ((g.HYPERVISOR_grant_table_op, ()), -14), (("x", ()), -38), ((None, None), -38),
     ((g.HYPERVISOR_multicall, ([],)), -22)],
)  # fmt: skip
def test_a_malformed_multicall_entry_answers_its_own_code(entry, code):
    """The malformed entry gets its code; the well-formed map after it still runs."""
    from xen_helpers import pack

    from blkswap.xen import MulticallEntry

    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"after")
    mbuf = pack(MAP, [dict(host_addr=va(d0), flags=HOST, ref=ref, dom=1)])
    entries = [MulticallEntry(*entry), MulticallEntry(g.HYPERVISOR_grant_table_op, (MAP, mbuf, 1))]
    assert xen.multicall(0, entries) == [code, 0]
    assert d0.read_va(va(d0), 5) == b"after"
    assert unmap_one(d0, 0)["status"] == 0
