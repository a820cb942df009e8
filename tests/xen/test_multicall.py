"""HYPERVISOR_multicall (xen-abi.md §1.10)."""

from __future__ import annotations

from xen_helpers import granted_page, host, pack, unpack, va

from blkswap.abi import gnttab as g
from blkswap.xen import MulticallEntry

GNT = g.HYPERVISOR_grant_table_op


def test_multicall_runs_all_entries_and_counts_one_hypercall():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"mc")
    mbuf = pack(
        g.GNTTABOP_map_grant_ref, [dict(host_addr=va(d0), flags=g.GNTMAP_host_map, ref=ref, dom=1)]
    )
    entries = [
        MulticallEntry(GNT, (g.GNTTABOP_map_grant_ref, mbuf, 1)),
        MulticallEntry(GNT, (g.GNTTABOP_dump_table, bytearray(4), 1)),  # fails: -ENOSYS
        MulticallEntry(g.HYPERVISOR_multicall, ([],)),  # nested: -EINVAL
        MulticallEntry(999, ()),  # unknown hypercall
        MulticallEntry(GNT, ("not", "args")),  # unusable args: -EFAULT
        MulticallEntry(GNT, (g.GNTTABOP_copy, b"read-only bytes" * 3, 1)),  # -EFAULT
    ]
    before = d0.counters.snapshot()
    results = xen.multicall(0, entries)
    delta = d0.counters - before
    assert results == [0, -38, -22, -38, -14, -14]
    assert [e.result for e in entries] == results
    assert delta.hypercalls == 1 and delta.multicalls == 1
    assert delta.grant_op_calls["map"] == 1 and delta.grant_op_calls["dump_table"] == 1
    (m,) = unpack(g.GNTTABOP_map_grant_ref, mbuf)
    assert m["status"] == 0 and d0.read_va(va(d0), 2) == b"mc"
    ubuf = pack(g.GNTTABOP_unmap_grant_ref, [dict(host_addr=va(d0), handle=m["handle"])])
    assert d0.multicall([MulticallEntry(GNT, (g.GNTTABOP_unmap_grant_ref, ubuf, 1))]) == [0]
    assert unpack(g.GNTTABOP_unmap_grant_ref, ubuf)[0]["status"] == 0


def test_registered_hypercall_handlers_are_dispatched():
    xen, d0, _ = host()
    seen = []
    xen.hypercall_table[32] = lambda caller, *a: seen.append((caller.domid, a)) or 0
    assert xen.multicall(0, [MulticallEntry(32, (4, 7))]) == [0]
    assert seen == [(0, (4, 7))]


def test_malformed_entries_get_their_own_error_code_and_the_rest_still_run():
    """A malformed entry answers its own code; the entries after it run (XG do_multicall)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"after")
    mbuf = pack(
        g.GNTTABOP_map_grant_ref, [dict(host_addr=va(d0), flags=g.GNTMAP_host_map, ref=ref, dom=1)]
    )
    entries = [
        MulticallEntry(GNT, None),  # argument list missing
        MulticallEntry(GNT, 5),  # not a sequence
        MulticallEntry(GNT, ()),  # empty
        MulticallEntry(GNT, (g.GNTTABOP_map_grant_ref,)),  # too short
        MulticallEntry(GNT, (g.GNTTABOP_map_grant_ref, None, 1)),  # no buffer
        MulticallEntry(GNT, (g.GNTTABOP_map_grant_ref, bytearray(8), "1")),  # count not int
        MulticallEntry("20", (g.GNTTABOP_map_grant_ref, mbuf, 1)),  # op not int
        MulticallEntry(None, None),
        "not an entry",
        MulticallEntry(GNT, (g.GNTTABOP_map_grant_ref, mbuf, 1)),
    ]
    results = xen.multicall(0, entries)
    assert results == [-14, -14, -14, -14, -14, -14, -38, -38, -14, 0]
    assert [e.result for e in entries if isinstance(e, MulticallEntry)] == (
        results[:8] + results[9:]
    )
    assert unpack(g.GNTTABOP_map_grant_ref, mbuf)[0]["status"] == 0
    assert d0.counters.hypercalls == 1


def test_a_list_that_is_not_a_list_runs_nothing():
    xen, d0, _ = host()
    assert xen.multicall(0, None) == [] and xen.multicall(0, 7) == []
    assert d0.counters.multicalls == 2


def test_a_handler_returning_a_non_int_is_efault():
    xen, _d0, _ = host()
    xen.hypercall_table[33] = lambda caller, *a: None
    assert xen.multicall(0, [MulticallEntry(33, ())]) == [-14]


def test_only_the_multicall_number_itself_is_refused_as_nesting():
    """A handler below HYPERVISOR_multicall (13) runs; an unknown number below it is -ENOSYS,
    13 itself -EINVAL (XG do_multicall: no nesting)."""
    xen, d0, _ = host()
    xen.hypercall_table[1] = lambda caller, *a: 7  # e.g. HYPERVISOR_mmu_update
    entries = [MulticallEntry(1, ()), MulticallEntry(12, ()), MulticallEntry(13, ())]
    assert xen.multicall(0, entries) == [7, -38, -22]
