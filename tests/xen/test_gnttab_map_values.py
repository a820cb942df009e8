"""GNTTABOP_map_grant_ref / unmap_grant_ref / unmap_and_replace: the exact values written back
and the exact state left behind on the paths the other map tests do not pin down (found by
mutation testing, tools/mutation.py: each test here fails if one operator or constant of
xen/ops_map.py is changed)."""

from __future__ import annotations

from xen_helpers import granted_page, host, map_one, op, statuses, unmap_one, va

from blkswap.abi import gnttab as g

MAP, UNMAP, REPLACE = (
    g.GNTTABOP_map_grant_ref,
    g.GNTTABOP_unmap_grant_ref,
    g.GNTTABOP_unmap_and_replace,
)
HOST, DEV, RO = g.GNTMAP_host_map, g.GNTMAP_device_map, g.GNTMAP_readonly


def _map(d0, d1, ref: int, flags: int = HOST, addr: int | None = None, dom: int | None = None):
    row = dict(host_addr=va(d0) if addr is None else addr, flags=flags, ref=ref,
               dom=d1.domid if dom is None else dom, status=99, handle=77, dev_bus_addr=55)  # fmt: skip
    rc, out = op(d0, MAP, [row])
    assert rc == 0
    return out[0]


def test_a_failed_map_writes_back_handle_0_and_dev_bus_addr_0():
    """Every failure path overwrites the caller's handle and dev_bus_addr with 0 (xen-abi.md
    §1.9: only status is meaningful, and the lab writes no stale value back)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    cases = [
        (dict(flags=0), g.GNTST_bad_gntref),  # neither host nor device
        (dict(dom=77), g.GNTST_bad_domain),
        (dict(addr=va(d0) + 8), g.GNTST_general_error),  # unaligned host_addr
        (dict(addr=va(d0) + 1), g.GNTST_general_error),
        (dict(flags=HOST | g.GNTMAP_contains_pte), g.GNTST_general_error),  # not modelled
    ]
    for kw, status in cases:
        out = _map(d0, d1, ref, **kw)
        assert (out["status"], out["handle"], out["dev_bus_addr"]) == (status, 0, 0), kw
    out = _map(d0, d1, d1.gt.nr_entries)  # step 5: ref out of range
    assert (out["status"], out["handle"], out["dev_bus_addr"]) == (g.GNTST_bad_gntref, 0, 0)
    d1.gt.set_flags(ref, 0)  # the granter revoked it: the pin fails
    out = _map(d0, d1, ref)
    assert (out["status"], out["handle"], out["dev_bus_addr"]) == (g.GNTST_general_error, 0, 0)
    d1.gt.set_flags(ref, g.GTF_permit_access)
    d0.maptrack.alloc = lambda: -1  # a full maptrack (B5 fills one for real)
    out = _map(d0, d1, ref)
    assert (out["status"], out["handle"], out["dev_bus_addr"]) == (g.GNTST_no_space, 0, 0)
    assert d1.gt.pin[ref] == 0


def test_other_map_flags_do_not_make_a_writable_mapping_readonly():
    """GNTMAP_application_map (bit 3) is accepted and ignored by the PV model: the PTE stays
    writable; only GNTMAP_readonly makes it read-only."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    out = _map(d0, d1, ref, flags=HOST | g.GNTMAP_application_map)
    assert out["status"] == g.GNTST_okay
    assert d0.vmap[va(d0) >> 12][1] is False
    assert d1.grant_entry(ref)[0] & g.GTF_writing  # a writable pin
    assert d0.maptrack.flags[out["handle"]] == HOST  # only host/device/readonly are kept
    out = _map(d0, d1, ref, flags=HOST | RO, addr=va(d0, 1))
    assert d0.vmap[va(d0, 1) >> 12][1] is True


def test_a_device_only_map_has_no_host_address_and_unmaps_with_one_given():
    """A device-only (read-only) map records no host address; unmapping it with a host_addr
    and the right dev_bus_addr tears down only the device part: okay, handle freed."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    for flags in (DEV, DEV | RO):
        out = _map(d0, d1, ref, flags=flags)
        h = out["handle"]
        assert out["status"] == g.GNTST_okay and d0.maptrack.va[h] == 0
        assert va(d0) >> 12 not in d0.vmap
        done = unmap_one(d0, h, dev=out["dev_bus_addr"])
        assert done["status"] == g.GNTST_okay and not d0.maptrack.flags[h]
    assert d1.gt.pin[ref] == 0


def test_unmapping_at_an_address_that_maps_another_grant_is_refused():
    """unmap(handle of A, host_addr where B is mapped) → general_error whichever frame number is
    larger, and nothing is torn down; an unaligned host_addr is refused too."""
    xen, d0, (d1,) = host()
    refs = [granted_page(d1, d0, bytes([i]))[1] for i in range(2)]
    hs = [map_one(d0, d1, r, slot=i)["handle"] for i, r in enumerate(refs)]
    assert d1.gt.act_mfn[refs[0]] != d1.gt.act_mfn[refs[1]]
    assert unmap_one(d0, hs[0], slot=1)["status"] == g.GNTST_general_error
    assert unmap_one(d0, hs[1], slot=0)["status"] == g.GNTST_general_error
    rc, out = op(d0, UNMAP, [dict(host_addr=va(d0) + 1, dev_bus_addr=0, handle=hs[0])])
    assert statuses(out) == [g.GNTST_general_error]
    assert len(d0.vmap) - d0.max_pages <= 2 and d0.maptrack.in_use == 2
    assert [unmap_one(d0, h, slot=i)["status"] for i, h in enumerate(hs)] == [0, 0]


def test_unmap_and_replace_moves_a_grant_mapping_and_its_handle_follows():
    """host_addr (grant A) is replaced by the PTE at a higher new_addr (grant B, read-only):
    B now lives at host_addr, its maptrack entry says so (it unmaps there, not at the old
    address), new_addr is empty, A is released; rc 0 and two PTE updates are counted."""
    xen, d0, (d1,) = host()
    (_ga, ra), (_gb, rb) = granted_page(d1, d0, b"A"), granted_page(d1, d0, b"B")
    ha = map_one(d0, d1, ra, slot=0)["handle"]
    hb = map_one(d0, d1, rb, slot=3, flags=HOST | RO)["handle"]
    # bystanders below and above new_addr: their handles must not follow
    others = {slot: map_one(d0, d1, granted_page(d1, d0, b"o")[1], slot=slot)["handle"]
              for slot in (1, 5)}  # fmt: skip
    ptes = d0.counters.pte_updates
    rc, out = op(d0, REPLACE, [dict(host_addr=va(d0), new_addr=va(d0, 3), handle=ha)])
    assert rc == 0 and statuses(out) == [g.GNTST_okay]
    assert d0.counters.pte_updates - ptes == 2
    assert d0.maptrack.va[hb] == va(d0) and d0.read_va(va(d0), 1) == b"B"
    assert va(d0, 3) >> 12 not in d0.vmap and d1.gt.pin[ra] == 0
    assert unmap_one(d0, hb, slot=3)["status"] == g.GNTST_general_error
    assert unmap_one(d0, hb, slot=0)["status"] == g.GNTST_okay
    assert {s: d0.maptrack.va[h] for s, h in others.items()} == {s: va(d0, s) for s in others}
    assert [unmap_one(d0, h, slot=s)["status"] for s, h in others.items()] == [0, 0]
    assert xen.audit() == []


def test_unmap_and_replace_refuses_bad_new_addresses():
    """new_addr equal to host_addr, unaligned, or naming an unpopulated gfn → general_error,
    the grant still mapped; a host+device map keeps its device part through the replace."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    d0.alloc_page()  # gfn 0: new_addr 0 would mean "no new_addr"
    hole = d0.alloc_page()
    d0.depopulate(hole)
    slot = 300  # a page number above 256: not one of CPython's cached small ints
    out = _map(d0, d1, ref, flags=HOST | DEV, addr=va(d0, slot))
    h = out["handle"]
    own = d0.alloc_page() << 12
    # the same address; unaligned; an unpopulated gfn; the first va past own memory (empty)
    for new in (va(d0, slot), own | 8, own | 1, hole << 12, va(d0, 0)):
        rc, res = op(d0, REPLACE, [dict(host_addr=va(d0, slot), new_addr=new, handle=h)])
        assert statuses(res) == [g.GNTST_general_error], hex(new)
        assert d0.vmap[va(d0, slot) >> 12][0] == d1.gt.act_mfn[ref]
    local = d0.alloc_page()
    rc, res = op(d0, REPLACE, [dict(host_addr=va(d0, slot), new_addr=local << 12, handle=h)])
    assert statuses(res) == [g.GNTST_okay]
    assert d0.maptrack.flags[h] == DEV and d1.gt.pin[ref]  # the device part stays
    assert unmap_one(d0, h, dev=out["dev_bus_addr"])["status"] == g.GNTST_okay
    assert d1.gt.pin[ref] == 0


def test_unmap_checks_the_handle_range_and_the_exact_device_address():
    """A handle equal to the maptrack limit (or far beyond) is bad_handle; a device unmap with a
    dev_bus_addr a page below or above the mapped frame is bad_dev_addr and keeps the map."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    out = _map(d0, d1, ref, flags=DEV)
    mt = d0.maptrack
    for h in (mt.limit, 0xFFFFFFFF):
        assert unmap_one(d0, h)["status"] == g.GNTST_bad_handle
    for delta in (-4096, 4096):
        got = unmap_one(d0, out["handle"], dev=out["dev_bus_addr"] + delta)
        assert got["status"] == g.GNTST_bad_dev_addr and mt.flags[out["handle"]] == DEV
    assert unmap_one(d0, out["handle"], dev=out["dev_bus_addr"])["status"] == g.GNTST_okay


def test_replace_with_an_own_page_gives_a_writable_alias_and_new_addr_0_is_a_plain_unmap():
    """The PTE moved from an own page is writable (a LOCAL alias, not read-only); with
    new_addr 0 nothing moves: host_addr is simply unmapped and gfn 0 keeps its mapping."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    d0.alloc_page()  # gfn 0, populated
    local = d0.alloc_page()
    rc, res = op(d0, REPLACE, [dict(host_addr=va(d0), new_addr=local << 12, handle=h)])
    assert statuses(res) == [g.GNTST_okay]
    d0.write_va(va(d0), b"mine")
    assert d0.read_va(va(d0), 4) == b"mine" and d0.vmap[va(d0) >> 12][1] is False
    h = map_one(d0, d1, ref, slot=1)["handle"]
    rc, res = op(d0, REPLACE, [dict(host_addr=va(d0, 1), new_addr=0, handle=h)])
    assert statuses(res) == [g.GNTST_okay]
    assert va(d0, 1) >> 12 not in d0.vmap and 0 not in d0.neutered and d1.gt.pin[ref] == 0


def test_unmapping_the_device_part_keeps_the_host_part_and_the_handle():
    """A host+device map unmapped for the device only: the handle stays live with exactly the
    host flag, the pin drops to the host pin; the host unmap then frees it."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    out = _map(d0, d1, ref, flags=HOST | DEV)
    h = out["handle"]
    rc, res = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=out["dev_bus_addr"], handle=h)])
    assert statuses(res) == [g.GNTST_okay]
    assert d0.maptrack.flags[h] == HOST and d1.gt.pin[ref] == 1  # PIN_HSTW only
    assert unmap_one(d0, h)["status"] == g.GNTST_okay and not d0.maptrack.flags[h]
    assert d1.gt.pin[ref] == 0


def test_each_host_map_and_unmap_counts_one_pte_update_for_the_host_and_the_mapper():
    """A host map writes one PTE and its unmap clears it: +1 pte_updates each, on the host's and
    on the mapper's counters (the granter's stay put); a device-only map writes no PTE."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")

    def ptes() -> tuple[int, int, int]:
        return xen.counters.pte_updates, d0.counters.pte_updates, d1.counters.pte_updates

    before = ptes()
    h = map_one(d0, d1, ref)["handle"]
    assert [a - b for a, b in zip(ptes(), before, strict=True)] == [1, 1, 0]
    assert unmap_one(d0, h)["status"] == g.GNTST_okay
    assert [a - b for a, b in zip(ptes(), before, strict=True)] == [2, 2, 0]
    out = _map(d0, d1, ref, flags=DEV)
    assert out["status"] == g.GNTST_okay
    assert unmap_one(d0, out["handle"], dev=out["dev_bus_addr"])["status"] == g.GNTST_okay
    assert [a - b for a, b in zip(ptes(), before, strict=True)] == [2, 2, 0]


def test_the_guest_available_flag_bits_are_accepted():
    """GNTMAP_guest_avail bits (16-31) are the guest's own: Xen copies them into the PTE's
    available bits (xen/arch/x86/pv/grant_table.c, grant_to_pte_flags) and maps normally, so
    the map succeeds, writable, and maptrack keeps only host/device/readonly."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    for bit in (16, 20, 31):
        out = _map(d0, d1, ref, flags=HOST | (1 << bit), addr=va(d0, bit))
        assert out["status"] == g.GNTST_okay, bit
        assert d0.vmap[va(d0, bit) >> 12][1] is False
        assert d0.maptrack.flags[out["handle"]] == HOST
