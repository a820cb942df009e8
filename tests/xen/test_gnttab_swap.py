"""The lab's GNTTABOP_swap (13) and Xen's GNTTABOP_swap_grant_ref (11)."""

from __future__ import annotations

import pytest
from xen_helpers import granted_page, host, map_one, op, statuses, unmap_one

from blkswap.abi import gnttab as g
from blkswap.xen import MulticallEntry, NeuteredPageError

SWAP, SWAP_REF = g.GNTTABOP_swap, g.GNTTABOP_swap_grant_ref


def _guest_page(guest, backend, data, readonly=False):
    gfn, ref = granted_page(guest, backend, data, readonly)
    guest.neuter(gfn)
    return gfn, ref


def test_swap_exchanges_owners_p2m_m2p_and_contents_travel():
    xen, d0, (d1,) = host(dom0_vcpus=4, vcpus=2)
    ggfn, ref = _guest_page(d1, d0, b"guest write payload")
    g_mfn = d1.gfn_to_mfn(ggfn)
    cgfn = d0.alloc_page()
    d0.write(cgfn, 0, b"backend read result")
    c_mfn = d0.gfn_to_mfn(cgfn)
    before = d0.counters.snapshot()
    rc, out = op(d0, SWAP, [dict(frame=c_mfn, ref=ref, dom=1)])
    delta = d0.counters - before
    assert rc == 0 and statuses(out) == [g.GNTST_okay]
    assert out[0]["new_frame"] == c_mfn
    assert xen.frame_owner(g_mfn) == 0 and xen.frame_owner(c_mfn) == 1
    assert d1.gfn_to_mfn(ggfn) == c_mfn and d0.gfn_to_mfn(cgfn) == g_mfn
    assert xen.arena.m2p[c_mfn] == ggfn and xen.arena.m2p[g_mfn] == cgfn
    assert d1.grant_entry(ref) == (g.GTF_permit_access, 0, c_mfn)
    assert d0.read(cgfn, 0, 19) == b"guest write payload"  # no copy: the frame moved
    with pytest.raises(NeuteredPageError):
        d1.read(ggfn, 0, 1)
    d1.restore(ggfn)
    assert d1.read(ggfn, 0, 19) == b"backend read result"
    assert delta.grant_ops["swap"] == 1 and delta.hypercalls == 1
    assert delta.tlb_flushes == 2 and delta.tlb_flush_vcpus == 4 + 2
    assert (
        delta.tlb_flush_ipis == (4 - 1) + 2
    )  # our own vCPU flushes locally; all the guest's get IPIs
    assert delta.p2m_updates == 2 and delta.m2p_updates == 2 and delta.bytes_copied == 0
    assert d1.end_access(ref)


def test_swap_batch_flushes_each_domain_once():
    xen, d0, (d1,) = host(dom0_vcpus=3, vcpus=2)
    rows = []
    for i in range(11):
        _gfn, ref = _guest_page(d1, d0, bytes([i]))
        rows.append(dict(frame=d0.gfn_to_mfn(d0.alloc_page()), ref=ref, dom=1))
    rc, out = op(d0, SWAP, rows)
    assert statuses(out) == [0] * 11
    assert d0.counters.tlb_flushes == 2 and d0.counters.tlb_flush_vcpus == 5
    assert xen.counters.grant_ops["swap"] == 11


def test_swap_preconditions():
    xen, d0, (d1, d2) = host(guests=2)
    c = [d0.gfn_to_mfn(d0.alloc_page()) for _ in range(10)]
    _gfn, ok_ref = _guest_page(d1, d0, b"ok")
    _gfn, ro_ref = _guest_page(d1, d0, b"ro", readonly=True)
    _gfn, other_ref = _guest_page(d1, d2, b"for d2")
    kept_gfn, kept_ref = granted_page(d1, d0, b"kernel still maps it")  # not neutered
    _gfn, xfer_ref = 0, d1.grant_transfer(0)
    busy = d0.gfn_to_mfn(d0.alloc_page())
    xen.get_page(busy)  # in-flight I/O on the backend frame
    rows = [
        dict(frame=c[0], ref=ok_ref, dom=9),  # no such domain
        dict(frame=c[0], ref=ok_ref, dom=1, flags=1),  # reserved flags
        dict(frame=c[0], ref=d1.gt.nr_entries, dom=1),  # ref out of range
        dict(frame=c[0], ref=ro_ref, dom=1),  # read-only grant
        dict(frame=c[0], ref=other_ref, dom=1),  # granted to d2
        dict(frame=c[0], ref=xfer_ref, dom=1),  # accept-transfer entry
        dict(frame=c[0], ref=kept_ref, dom=1),  # guest kernel mapping still present
        dict(frame=d1.gfn_to_mfn(0), ref=ok_ref, dom=1),  # caller does not own the frame
        dict(frame=busy, ref=ok_ref, dom=1),  # caller frame has an extra reference
        dict(frame=c[0], ref=ok_ref, dom=0),  # swap with itself
    ]
    rc, out = op(d0, SWAP, rows)
    assert statuses(out) == [
        g.GNTST_bad_domain,
        g.GNTST_general_error,
        g.GNTST_bad_gntref,
        g.GNTST_general_error,
        g.GNTST_general_error,
        g.GNTST_general_error,
        g.GNTST_general_error,
        g.GNTST_bad_page,
        g.GNTST_bad_page,
        g.GNTST_general_error,
    ]
    assert d0.counters.tlb_flushes == 0 and d0.counters.grant_ops["swap"] == 10
    assert xen.frame_owner(c[0]) == 0
    xen.put_page(busy)
    assert d1.end_transfer(xfer_ref) is None
    assert d1.read(kept_gfn, 0, 4) == b"kern"


def test_swap_while_mapped_is_eagain():
    xen, d0, (d1,) = host()
    _gfn, ref = _guest_page(d1, d0, b"mapped")
    h = map_one(d0, d1, ref)["handle"]
    c = d0.gfn_to_mfn(d0.alloc_page())
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_eagain]
    unmap_one(d0, h)
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_okay]


def test_swap_of_a_caller_frame_mapped_elsewhere_is_bad_page():
    xen, d0, (d1, d2) = host(guests=2)
    _gfn, ref = _guest_page(d1, d0, b"g")
    cgfn = d0.alloc_page()
    c_ref = d0.grant_access(cgfn, 2, False)
    h = map_one(d2, d0, c_ref)["handle"]  # d2 maps the backend's frame
    rc, out = op(d0, SWAP, [dict(frame=d0.gfn_to_mfn(cgfn), ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_bad_page]
    assert xen.frame_owner(d0.gfn_to_mfn(cgfn)) == 0
    unmap_one(d2, h)
    assert d0.end_access(c_ref)


def test_swap_without_neuter_requirement():
    xen, d0, (d1,) = host(swap_requires_neutered=False)
    gfn, ref = granted_page(d1, d0, b"still mapped")
    rc, out = op(d0, SWAP, [dict(frame=d0.gfn_to_mfn(d0.alloc_page()), ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_okay]


def test_swap_in_a_multicall_is_one_hypercall():
    xen, d0, (d1,) = host()
    from xen_helpers import pack

    entries = []
    for _ in range(3):
        _gfn, ref = _guest_page(d1, d0, b"x")
        buf = pack(SWAP, [dict(frame=d0.gfn_to_mfn(d0.alloc_page()), ref=ref, dom=1)])
        entries.append(MulticallEntry(g.HYPERVISOR_grant_table_op, (SWAP, buf, 1)))
    assert d0.multicall(entries) == [0, 0, 0]
    assert d0.counters.hypercalls == 1 and d0.counters.grant_op_calls["swap"] == 3


def test_swap_grant_ref_exchanges_own_entries():
    xen, d0, (d1,) = host()
    ga, ra = granted_page(d1, d0, b"a")
    gb, rb = granted_page(d1, d0, b"b", readonly=True)
    ea, eb = d1.grant_entry(ra), d1.grant_entry(rb)
    rc, out = op(
        d1,
        SWAP_REF,
        [
            dict(ref_a=ra, ref_b=rb),
            dict(ref_a=ra, ref_b=ra),
            dict(ref_a=ra, ref_b=d1.gt.nr_entries),
        ],
    )
    assert statuses(out) == [0, 0, g.GNTST_bad_gntref]
    assert d1.grant_entry(ra) == eb and d1.grant_entry(rb) == ea
    h = map_one(d0, d1, rb)["handle"]  # rb now holds a's writable grant
    rc, out = op(d1, SWAP_REF, [dict(ref_a=ra, ref_b=rb)])
    assert statuses(out) == [g.GNTST_eagain]
    unmap_one(d0, h)
    assert xen.counters.grant_ops["swap_grant_ref"] == 4


def test_swap_of_a_guest_frame_with_an_extra_reference_is_bad_page():
    """B14: a guest frame still referenced (in-flight I/O, a retransmit queue) never moves."""
    xen, d0, (d1,) = host()
    gfn, ref = _guest_page(d1, d0, b"held")
    g_mfn = d1.gfn_to_mfn(gfn)
    c = d0.gfn_to_mfn(d0.alloc_page())
    xen.get_page(g_mfn)
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_bad_page] and out[0]["new_frame"] == 0
    assert xen.frame_owner(g_mfn) == 1 and xen.frame_owner(c) == 0
    assert d1.gfn_to_mfn(gfn) == g_mfn and d0.counters.tlb_flushes == 0
    xen.put_page(g_mfn)
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_okay]


def test_swap_of_a_guest_frame_pinned_through_another_entry_is_bad_page():
    xen, d0, (d1, d2) = host(guests=2)
    gfn, ref = _guest_page(d1, d0, b"twice granted")
    other = d1.grant_access(gfn, 2, False)  # the same frame granted to d2, who maps it
    h = map_one(d2, d1, other)["handle"]
    c = d0.gfn_to_mfn(d0.alloc_page())
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_bad_page]
    assert xen.frame_owner(d1.gfn_to_mfn(gfn)) == 1
    unmap_one(d2, h)
    assert d1.end_access(other)


def test_a_failed_swap_returns_new_frame_0_and_moves_nothing():
    """Every refusal writes new_frame = 0 back and changes no owner, P2M or entry."""
    xen, d0, (d1, d2) = host(guests=2)
    c = d0.gfn_to_mfn(d0.alloc_page())
    _gfn, ok_ref = _guest_page(d1, d0, b"ok")
    _gfn, ro_ref = _guest_page(d1, d0, b"ro", readonly=True)
    kept_gfn, kept_ref = granted_page(d1, d0, b"not neutered")
    rows = [
        dict(frame=c, ref=ok_ref, dom=9, new_frame=77),
        dict(frame=c, ref=ok_ref, dom=1, flags=1, new_frame=77),
        dict(frame=c, ref=d1.gt.nr_entries, dom=1, new_frame=77),
        dict(frame=c, ref=ro_ref, dom=1, new_frame=77),
        dict(frame=c, ref=kept_ref, dom=1, new_frame=77),
        dict(frame=d1.gfn_to_mfn(0), ref=ok_ref, dom=1, new_frame=77),
        dict(frame=c, ref=ok_ref, dom=0, new_frame=77),
    ]
    p2m = (list(d0.p2m), list(d1.p2m))
    entries = [d1.grant_entry(r) for r in (ok_ref, ro_ref, kept_ref)]
    rc, out = op(d0, SWAP, rows)
    assert rc == 0 and [r["new_frame"] for r in out] == [0] * len(rows)
    assert all(s < 0 for s in statuses(out))
    assert (list(d0.p2m), list(d1.p2m)) == p2m
    assert [d1.grant_entry(r) for r in (ok_ref, ro_ref, kept_ref)] == entries
    xen.get_page(c)
    rc, out = op(d0, SWAP, [dict(frame=c, ref=ok_ref, dom=1, new_frame=77)])
    assert statuses(out) == [g.GNTST_bad_page] and out[0]["new_frame"] == 0
    xen.put_page(c)


@pytest.mark.parametrize("where", ["first", "last"])
def test_swap_of_pages_at_the_ends_of_both_p2ms(where):
    """gfn 0 and gfn max_pages-1 of either side are ordinary pages (no off-by-one)."""
    xen, d0, (d1,) = host(pages=8)
    gfn = 0 if where == "first" else d1.max_pages - 1
    cgfn = 0 if where == "first" else d0.max_pages - 1
    d1.write(gfn, 0, b"edge")
    ref = d1.grant_access(gfn, 0, False)
    d1.neuter(gfn)
    g_mfn, c_mfn = d1.gfn_to_mfn(gfn), d0.gfn_to_mfn(cgfn)
    rc, out = op(d0, SWAP, [dict(frame=c_mfn, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_okay] and out[0]["new_frame"] == c_mfn
    assert d1.gfn_to_mfn(gfn) == c_mfn and d0.gfn_to_mfn(cgfn) == g_mfn
    assert xen.arena.m2p[c_mfn] == gfn and xen.arena.m2p[g_mfn] == cgfn
    assert d0.read(cgfn, 0, 4) == b"edge"
    d1.restore(gfn)
    assert d1.end_access(ref)


def test_swap_refuses_a_caller_frame_that_is_a_grant_table_frame_or_dying():
    xen, d0, (d1,) = host()
    _gfn, ref = _guest_page(d1, d0, b"x")
    rc, out = op(d0, SWAP, [dict(frame=d0.gt.frames[0], ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_bad_page]
    gfn = d0.alloc_page()
    mfn = d0.gfn_to_mfn(gfn)
    xen.get_page(mfn)
    d0.decrease_reservation([gfn])  # released while referenced: DYING, out of the P2M
    rc, out = op(d0, SWAP, [dict(frame=mfn, ref=ref, dom=1)])
    assert statuses(out) == [g.GNTST_bad_page]
    xen.put_page(mfn)
