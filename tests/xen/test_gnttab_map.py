"""GNTTABOP_map_grant_ref / unmap_grant_ref / unmap_and_replace (xen-abi.md §1.9)."""

from __future__ import annotations

import pytest
from xen_helpers import granted_page, host, map_one, op, statuses, unmap_one, va

from blkswap.abi import gnttab as g
from blkswap.xen import PageAccessError

HOST, DEV, RO = g.GNTMAP_host_map, g.GNTMAP_device_map, g.GNTMAP_readonly
MAP, UNMAP = g.GNTTABOP_map_grant_ref, g.GNTTABOP_unmap_grant_ref


def test_map_writable_sets_status_bits_and_shares_bytes():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"guest data")
    r = map_one(d0, d1, ref)
    assert r["status"] == g.GNTST_okay
    assert r["dev_bus_addr"] == d1.gfn_to_mfn(gfn) << 12
    flags, domid, frame = d1.grant_entry(ref)
    assert flags == g.GTF_permit_access | g.GTF_reading | g.GTF_writing
    assert (domid, frame) == (0, d1.gfn_to_mfn(gfn))
    assert d0.read_va(va(d0), 10) == b"guest data"
    d0.page_view(va(d0))[0:5] = b"BACKE"  # backend writes into the guest page
    assert d1.read(gfn, 0, 10) == b"BACKE data"
    assert d1.end_access(ref) is False  # still mapped
    assert unmap_one(d0, r["handle"])["status"] == g.GNTST_okay
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access
    with pytest.raises(PageAccessError):
        d0.read_va(va(d0), 1)
    assert d1.end_access(ref) is True
    assert xen.counters.grant_ops["map"] == 1 and xen.counters.grant_ops["unmap"] == 1
    assert d0.counters.hypercalls == 2 and d1.counters.hypercalls == 0


def test_readonly_map_gives_readonly_view_and_reading_only():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"ro", readonly=True)
    r = map_one(d0, d1, ref, flags=HOST | RO)
    assert r["status"] == g.GNTST_okay
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access | g.GTF_readonly | g.GTF_reading
    view = d0.page_view(va(d0))
    assert view.readonly and bytes(view[:2]) == b"ro"
    with pytest.raises(PageAccessError):
        d0.write_va(va(d0), b"x")
    unmap_one(d0, r["handle"])


@pytest.mark.parametrize(
    ("flags", "readonly_grant", "grantee", "expected"),
    [
        (0, False, 0, g.GNTST_bad_gntref),  # neither host_map nor device_map
        (g.GNTMAP_readonly, False, 0, g.GNTST_bad_gntref),
        (HOST, True, 0, g.GNTST_general_error),  # writable map of a read-only grant
        (HOST, False, 2, g.GNTST_general_error),  # grant meant for another domain
        (HOST | RO, True, 0, g.GNTST_okay),
    ],
)
def test_map_entry_checks(flags, readonly_grant, grantee, expected):
    xen, d0, (d1, d2) = host(guests=2)
    _gfn, ref = granted_page(d1, d0 if grantee == 0 else d2, b"x", readonly=readonly_grant)
    r = map_one(d0, d1, ref, flags=flags)
    assert r["status"] == expected
    if expected == g.GNTST_okay:
        unmap_one(d0, r["handle"])
    else:
        assert d1.grant_entry(ref)[0] & (g.GTF_reading | g.GTF_writing) == 0
        assert d0.maptrack.in_use == 0


def test_map_bad_domain_and_ref_out_of_range():
    xen, d0, (d1,) = host()
    rc, out = op(
        d0,
        MAP,
        [
            dict(host_addr=va(d0), flags=HOST, ref=8, dom=77),
            dict(host_addr=va(d0), flags=HOST, ref=d1.gt.nr_entries, dom=1),
            dict(host_addr=va(d0), flags=HOST, ref=9, dom=1),  # in range but invalid entry
        ],
    )
    assert rc == 0
    assert statuses(out) == [g.GNTST_bad_domain, g.GNTST_bad_gntref, g.GNTST_general_error]
    assert d0.maptrack.in_use == 0


def test_map_into_backed_va_is_refused():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    rc, out = op(d0, MAP, [dict(host_addr=0x1000, flags=HOST, ref=ref, dom=1)])  # d0's gfn 1
    assert statuses(out) == [g.GNTST_general_error]
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access  # pin undone, bits cleared
    gfn = d0.alloc_page()
    d0.decrease_reservation([gfn])  # a ballooned hole: blkback maps grants there
    rc, out = op(d0, MAP, [dict(host_addr=gfn << 12, flags=HOST, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_okay]
    assert d0.read_va(gfn << 12, 1) == b"x"
    rc, out = op(d0, UNMAP, [dict(host_addr=gfn << 12, handle=out[0]["handle"])])
    assert statuses(out) == [g.GNTST_okay]


def test_device_map_only_and_partial_unmaps():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"dev")
    mfn = d1.gfn_to_mfn(gfn)
    r = map_one(d0, d1, ref, flags=HOST | DEV)
    h = r["handle"]
    assert d1.gt.pin[ref] == (1 << 16) | 1
    rc, out = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=(mfn + 1) << 12, handle=h)])
    assert statuses(out) == [g.GNTST_bad_dev_addr]
    rc, out = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=0, handle=h)])
    assert statuses(out) == [g.GNTST_okay]  # both 0: nothing happens, still okay
    assert d1.gt.pin[ref] == (1 << 16) | 1 and d0.read_va(va(d0), 3) == b"dev"
    rc, out = op(d0, UNMAP, [dict(host_addr=va(d0), handle=h)])
    assert statuses(out) == [g.GNTST_okay]
    assert d1.gt.pin[ref] == 1 << 16 and d0.maptrack.flags[h] == DEV
    assert d1.grant_entry(ref)[0] & g.GTF_reading
    rc, out = op(d0, UNMAP, [dict(host_addr=0, dev_bus_addr=mfn << 12, handle=h)])
    assert statuses(out) == [g.GNTST_okay]
    assert d1.gt.pin[ref] == 0 and d1.grant_entry(ref)[0] == g.GTF_permit_access
    assert d0.maptrack.in_use == 0


def test_unmap_bad_handles():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    rc, out = op(
        d0,
        UNMAP,
        [
            dict(host_addr=va(d0), handle=h),
            dict(host_addr=va(d0), handle=h),  # already unmapped
            dict(host_addr=va(d0), handle=1 << 20),  # beyond the maptrack limit
            dict(host_addr=va(d0), handle=5),  # within the limit, never used
        ],
    )
    assert rc == 0
    assert statuses(out) == [g.GNTST_okay] + [g.GNTST_bad_handle] * 3


def test_unmap_wrong_host_addr_is_general_error():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    rc, out = op(d0, UNMAP, [dict(host_addr=va(d0, 3), handle=h)])
    assert statuses(out) == [g.GNTST_general_error]
    assert d1.gt.pin[ref] == 1
    unmap_one(d0, h)


def test_one_flush_per_32_unmaps_and_bits_cleared_after():
    xen, d0, (d1,) = host(pages=128, dom0_vcpus=6)
    refs = [granted_page(d1, d0, bytes([i]))[1] for i in range(70)]
    rows = [dict(host_addr=va(d0, i), flags=HOST, ref=r, dom=1) for i, r in enumerate(refs)]
    rc, out = op(d0, MAP, rows)
    assert statuses(out) == [0] * 70
    assert [d0.read_va(va(d0, i), 1) for i in (0, 69)] == [b"\x00", b"\x45"]
    before = d0.counters.snapshot()
    rc, out2 = op(
        d0, UNMAP, [dict(host_addr=va(d0, i), handle=o["handle"]) for i, o in enumerate(out)]
    )
    delta = d0.counters - before
    assert statuses(out2) == [0] * 70
    assert delta.tlb_flushes == 3  # 32 + 32 + 6
    assert delta.tlb_flush_vcpus == 3 * 6
    assert delta.hypercalls == 1 and delta.grant_ops["unmap"] == 70
    assert all(d1.end_access(r) for r in refs)


def test_pin_overflow_after_128_pins():
    xen, d0, (d1,) = host(pages=32)
    _gfn, ref = granted_page(d1, d0, b"x")
    rows = [dict(host_addr=va(d0, i), flags=HOST, ref=ref, dom=1) for i in range(129)]
    rc, out = op(d0, MAP, rows)
    # the host-writable counter may be bumped while its top bit (0x80) is clear: 0..127 -> 128
    assert statuses(out) == [0] * 128 + [g.GNTST_general_error]
    assert d1.gt.pin[ref] == 128
    rc, out2 = op(
        d0, UNMAP, [dict(host_addr=va(d0, i), handle=o["handle"]) for i, o in enumerate(out[:128])]
    )
    assert statuses(out2) == [0] * 128 and d1.gt.pin[ref] == 0


def test_readonly_and_writable_counters_are_separate():
    xen, d0, (d1,) = host(pages=32)
    _gfn, ref = granted_page(d1, d0, b"x")
    rows = [dict(host_addr=va(d0, i), flags=HOST | RO, ref=ref, dom=1) for i in range(128)]
    rows.append(dict(host_addr=va(d0, 200), flags=HOST, ref=ref, dom=1))
    rows.append(dict(host_addr=va(d0, 201), flags=HOST | RO, ref=ref, dom=1))
    rc, out = op(d0, MAP, rows)
    assert statuses(out) == [0] * 129 + [g.GNTST_general_error]
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access | g.GTF_reading | g.GTF_writing
    rc, out2 = op(
        d0,
        UNMAP,
        [
            dict(host_addr=r["host_addr"], handle=o["handle"])
            for r, o in zip(rows[:129], out, strict=False)
        ],
    )
    assert statuses(out2) == [0] * 129


def test_pinned_entry_ignores_later_entry_changes():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"first")
    other = d1.alloc_page()
    d1.write(other, 0, b"other")
    h1 = map_one(d0, d1, ref, slot=0)["handle"]
    d1.gt.write_entry(
        ref, g.GTF_permit_access | g.GTF_reading | g.GTF_writing, 0, d1.gfn_to_mfn(other)
    )
    h2 = map_one(d0, d1, ref, slot=1)["handle"]
    assert d0.read_va(va(d0, 1), 5) == b"first"  # the active entry's frame, not the shared one
    d1.gt.set_frame(ref, d1.gfn_to_mfn(gfn))
    unmap_one(d0, h1, slot=0)
    unmap_one(d0, h2, slot=1)


def test_handles_ascend_and_are_reused_fifo():
    xen, d0, (d1,) = host(pages=32)
    refs = [granted_page(d1, d0, b"x")[1] for _ in range(3)]
    rows = [dict(flags=DEV | RO, ref=refs[i % 3], dom=1) for i in range(256)]
    rc, out = op(d0, MAP, rows)
    assert [o["handle"] for o in out] == list(range(256))  # one fresh page, ascending
    bus = {o["handle"]: o["dev_bus_addr"] for o in out}
    for h in (5, 3):
        rc, o = op(d0, UNMAP, [dict(dev_bus_addr=bus.pop(h), handle=h)])
        assert statuses(o) == [0]
    rc, again = op(d0, MAP, rows[:3])
    # freed handles went to the tail in order 5, 3; then a fresh page starts at 256
    assert [o["handle"] for o in again] == [5, 3, 256]
    bus.update({o["handle"]: o["dev_bus_addr"] for o in again})
    rc, o = op(d0, UNMAP, [dict(dev_bus_addr=a, handle=h) for h, a in bus.items()])
    assert set(statuses(o)) == {0} and d0.maptrack.in_use == 0


def test_maptrack_exhaustion_is_no_space():
    xen, d0, (d1,) = host(pages=32)
    d0.maptrack.max_frames = 1  # 256 handles
    _gfn, ref = granted_page(d1, d0, b"x")
    ro = [dict(host_addr=va(d0, i), flags=HOST | RO, ref=ref, dom=1) for i in range(120)]
    rw = [dict(host_addr=va(d0, 120 + i), flags=HOST, ref=ref, dom=1) for i in range(120)]
    dv = [dict(host_addr=0, flags=DEV | RO, ref=ref, dom=1) for i in range(17)]
    rc, out = op(d0, MAP, ro + rw + dv)
    assert statuses(out) == [0] * 256 + [g.GNTST_no_space]
    rows = [
        dict(host_addr=r["host_addr"], dev_bus_addr=o["dev_bus_addr"], handle=o["handle"])
        for r, o in zip(ro + rw + dv, out[:256], strict=False)
    ]
    rc, out2 = op(d0, UNMAP, rows)
    assert statuses(out2) == [0] * 256


def test_unmap_and_replace_moves_local_page_and_releases_grant():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"granted")
    h = map_one(d0, d1, ref)["handle"]
    d0.alloc_page()  # gfn 0 lives at va 0, which unmap_and_replace reads as "no new_addr"
    local = d0.alloc_page()
    d0.write(local, 0, b"private copy")
    rc, out = op(
        d0,
        g.GNTTABOP_unmap_and_replace,
        [dict(host_addr=va(d0), new_addr=local << 12, handle=h)],
    )
    assert statuses(out) == [g.GNTST_okay]
    assert d0.read_va(va(d0), 12) == b"private copy"  # host_addr now shows the local page
    with pytest.raises(PageAccessError):
        d0.read(local, 0, 1)  # new_addr's PTE was cleared
    assert d1.end_access(ref) is True
    d0.clear_va(va(d0))
    d0.restore(local)
    assert d0.counters.tlb_flushes == 1 and d0.counters.grant_ops["unmap_and_replace"] == 1


def test_unmap_and_replace_zero_new_addr_is_plain_unmap_and_bad_new_addr_fails():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    h = map_one(d0, d1, ref)["handle"]
    rc, out = op(
        d0, g.GNTTABOP_unmap_and_replace, [dict(host_addr=va(d0), new_addr=va(d0, 9), handle=h)]
    )
    assert statuses(out) == [g.GNTST_general_error]  # nothing mapped at new_addr
    rc, out = op(d0, g.GNTTABOP_unmap_and_replace, [dict(host_addr=va(d0), new_addr=0, handle=h)])
    assert statuses(out) == [g.GNTST_okay]
    assert d1.end_access(ref) is True


def test_unmap_and_replace_onto_itself_fails_and_leaves_the_grant_mapped():
    """new_addr == host_addr: Xen zaps new_addr's PTE first and then finds host_addr no longer
    maps the grant → general_error; the mapping, pin and GTF_reading stay (nothing is freed)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"still mine")
    h = map_one(d0, d1, ref)["handle"]
    rc, out = op(
        d0, g.GNTTABOP_unmap_and_replace, [dict(host_addr=va(d0), new_addr=va(d0), handle=h)]
    )
    assert statuses(out) == [g.GNTST_general_error]
    assert d1.end_access(ref) is False  # still mapped
    assert d0.read_va(va(d0), 10) == b"still mine"
    rc, out = op(d0, g.GNTTABOP_unmap_grant_ref, [dict(host_addr=va(d0), dev_bus_addr=0, handle=h)])
    assert statuses(out) == [g.GNTST_okay] and d1.end_access(ref) is True
