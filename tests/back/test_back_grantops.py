"""Batching of the backend's grant hypercalls (blkswap.back.grantops), counted by the emulated Xen:
map in hypercalls of ≤11 ops (LB xen_blkbk_map), unmap a request in one hypercall
(LB gnttab_unmap_refs_async), one GNTTABOP_copy per request (TD td-req.c)."""

from __future__ import annotations

import pytest

from blkswap.abi import X86_64, gnttab
from blkswap.abi.errors import AbiError
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import (
    MAP_BATCH,
    CopyOp,
    Mapping,
    grant_copy,
    map_grants,
    pack_swaps,
    pack_transfers,
    transfer_statuses,
    unmap_and_replace,
    unmap_grants,
    unpack_swaps,
)
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort


@pytest.fixture
def host():
    xen = Xen(frames=1024, deliver=None)
    xen.create_domain(pages=256, vcpus=4)
    xen.create_domain(pages=256, vcpus=1)
    xen.create_domain(pages=64, vcpus=1)
    return xen, EmulatedPort(xen, 0), EmulatedPort(xen, 1)


def granted(guest: EmulatedPort, n: int, readonly: bool = False, to: int = 0):
    gfns = [guest.alloc_page() for _ in range(n)]
    for i, gfn in enumerate(gfns):
        guest.page_view(gfn << 12)[:] = bytes([i + 1]) * 4096
    return gfns, [guest.grant_access(gfn, to, readonly) for gfn in gfns]


@pytest.mark.parametrize("n,calls", [(1, 1), (11, 1), (12, 2), (25, 3), (33, 3)])
def test_map_batches_of_eleven(host, n: int, calls: int) -> None:
    xen, p0, p1 = host
    _, refs = granted(p1, n)
    va = VaSpace()
    before = xen.counters.snapshot()
    maps = map_grants(p0, 1, refs, va.take(n), readonly=False)
    d = xen.counters.snapshot() - before
    assert d.grant_op_calls["map"] == calls == d.hypercalls
    assert d.grant_ops["map"] == n
    assert all(m.status == gnttab.GNTST_okay for m in maps)
    assert [m.ref for m in maps] == refs
    assert MAP_BATCH == 11
    before = xen.counters.snapshot()
    assert unmap_grants(p0, maps) == [gnttab.GNTST_okay] * n
    d = xen.counters.snapshot() - before
    assert (d.hypercalls, d.grant_op_calls["unmap"], d.grant_ops["unmap"]) == (1, 1, n)
    assert d.tlb_flushes == -(-n // 32)  # Xen flushes once per ≤32 unmaps (xen-abi.md §1.9)


def test_map_25_refs_is_11_11_3(host) -> None:
    xen, p0, p1 = host
    _, refs = granted(p1, 25)
    sizes = []
    real = p0.grant_table_op

    def spy(cmd, args, count):
        sizes.append((cmd, count))
        return real(cmd, args, count)

    p0.grant_table_op = spy
    maps = map_grants(p0, 1, refs, VaSpace().take(25), readonly=True)
    assert sizes == [(gnttab.GNTTABOP_map_grant_ref, c) for c in (11, 11, 3)]
    unmap_grants(p0, maps)
    assert sizes[-1] == (gnttab.GNTTABOP_unmap_grant_ref, 25)


def test_mapped_pages_show_guest_bytes_and_readonly_is_enforced(host) -> None:
    _, p0, p1 = host
    gfns, refs = granted(p1, 2)
    vas = VaSpace().take(2)
    maps = map_grants(p0, 1, refs, vas, readonly=True)
    view = p0.page_view(maps[1].va)
    assert bytes(view) == bytes([2]) * 4096
    assert view.readonly
    assert [m.mfn for m in maps] == [p1.gfn_to_mfn(g) for g in gfns]  # dev_bus_addr >> 12
    with pytest.raises(TypeError):
        view[0] = 1
    unmap_grants(p0, maps)


def test_map_reports_per_element_failure_and_unmap_skips_failed(host) -> None:
    xen, p0, p1 = host
    _, good = granted(p1, 2)
    _, to_other = granted(p1, 1, to=2)  # granted to domain 2, not to us
    refs = [good[0], 4000, to_other[0], good[1]]
    maps = map_grants(p0, 1, refs, VaSpace().take(4), readonly=False)
    st = [m.status for m in maps]
    assert st[0] == st[3] == gnttab.GNTST_okay
    assert st[1] == gnttab.GNTST_bad_gntref
    assert st[2] == gnttab.GNTST_general_error
    before = xen.counters.snapshot()
    assert unmap_grants(p0, maps) == [gnttab.GNTST_okay] * 2
    assert (xen.counters.snapshot() - before).grant_ops["unmap"] == 2
    assert unmap_grants(p0, [maps[1]]) == []  # nothing live: no hypercall


def test_writable_map_of_readonly_grant_fails(host) -> None:
    _, p0, p1 = host
    _, refs = granted(p1, 1, readonly=True)
    (m,) = map_grants(p0, 1, refs, VaSpace().take(1), readonly=False)
    assert m.status == gnttab.GNTST_general_error  # writable map needs !GTF_readonly (§1.9 step 7)
    (m,) = map_grants(p0, 1, refs, VaSpace().take(1), readonly=True)
    assert m.status == gnttab.GNTST_okay
    unmap_grants(p0, [m])


def test_one_copy_hypercall_per_request_both_directions(host) -> None:
    xen, p0, p1 = host
    gfns, refs = granted(p1, 5)
    own = [p0.alloc_page() for _ in range(5)]
    untouched = [bytes(p0.page_view(g0 << 12))[:1024] for g0 in own]  # what the page held
    ops = [
        CopyOp(ref, 1, 512, p0.gfn_to_mfn(g0), 1024, 1536, to_guest=False)
        for ref, g0 in zip(refs, own, strict=True)
    ]
    before = xen.counters.snapshot()
    assert grant_copy(p0, ops) == [gnttab.GNTST_okay] * 5
    d = xen.counters.snapshot() - before
    assert (d.hypercalls, d.grant_op_calls["copy"], d.grant_ops["copy"]) == (1, 1, 5)
    assert d.bytes_copied == 5 * 1536
    for i, g0 in enumerate(own):
        page = bytes(p0.page_view(g0 << 12))
        assert page[1024:2560] == bytes([i + 1]) * 1536 and page[:1024] == untouched[i]
    # back to the guest: own frame → gref
    for g0 in own:
        p0.page_view(g0 << 12)[:] = b"\xee" * 4096
    back = [
        CopyOp(r, 1, 0, p0.gfn_to_mfn(g0), 0, 4096, to_guest=True)
        for r, g0 in zip(refs, own, strict=True)
    ]
    assert grant_copy(p0, back) == [gnttab.GNTST_okay] * 5
    assert all(bytes(p1.page_view(g << 12)) == b"\xee" * 4096 for g in gfns)
    assert grant_copy(p0, []) == []


def test_copy_into_readonly_grant_fails_that_element(host) -> None:
    _, p0, p1 = host
    _, ro = granted(p1, 1, readonly=True)
    _, rw = granted(p1, 1)
    own = p0.gfn_to_mfn(p0.alloc_page())
    st = grant_copy(
        p0,
        [
            CopyOp(ro[0], 1, 0, own, 0, 512, to_guest=True),
            CopyOp(rw[0], 1, 0, own, 0, 512, to_guest=True),
        ],
    )
    assert st[0] != gnttab.GNTST_okay and st[1] == gnttab.GNTST_okay


# --- values found by mutation testing (tools/mutation.py) ----------------------------------------


def test_values_that_do_not_fit_the_abi_are_named(host) -> None:
    """A gref above u32 or a negative address never reaches the hypervisor: the AbiError names
    the struct field (the ``_explain`` path after struct.error)."""
    xen, p0, p1 = host
    before = xen.counters.snapshot()
    with pytest.raises(AbiError, match=r"gnttab_map_grant_ref\.ref: 4294967296 does not fit"):
        map_grants(p0, 1, [2**32], VaSpace().take(1), readonly=False)
    bad = Mapping(-4096, 3, gnttab.GNTST_okay, 0, 0)
    with pytest.raises(AbiError, match=r"gnttab_unmap_grant_ref\.host_addr: -4096 does not fit"):
        unmap_grants(p0, [bad])
    with pytest.raises(AbiError, match=r"gnttab_unmap_grant_ref\.handle: 4294967296 does not fit"):
        unmap_grants(p0, [Mapping(4096, 3, gnttab.GNTST_okay, 2**32, 0)])
    with pytest.raises(AbiError, match=r"gnttab_copy\.len: 70000 does not fit"):
        grant_copy(p0, [CopyOp(1, 1, 0, 5, 0, 70000, to_guest=True)])
    with pytest.raises(AbiError, match=r"gnttab_copy\.source\.offset: -1 does not fit"):
        grant_copy(p0, [CopyOp(1, 1, -1, 5, 0, 512, to_guest=False)])
    assert (xen.counters.snapshot() - before).hypercalls == 0


def test_swap_and_transfer_argument_arrays_round_trip() -> None:
    args = pack_swaps([(0x1234, 7, 3), (0x99, 8, 3)])
    assert len(args) == 2 * X86_64.struct("gnttab_swap").size
    assert unpack_swaps(args, 2) == [(0, 0), (0, 0)]  # outputs start zeroed
    sw = X86_64.struct("gnttab_swap")
    assert (sw.read_field(args, sw.size, "frame"), sw.read_field(args, sw.size, "ref")) == (0x99, 8)
    assert sw.read_field(args, 0, "dom") == 3 and sw.read_field(args, 0, "flags") == 0
    sw.pack_into(args, sw.size, frame=0x99, ref=8, dom=3, status=-9, new_frame=0x4321)
    assert unpack_swaps(args, 2) == [(0, 0), (-9, 0x4321)]
    tr = X86_64.struct("gnttab_transfer")
    targs = pack_transfers([(0x55, 4, 9), (0x66, 4, 10)])
    assert len(targs) == 2 * tr.size
    assert [tr.read_field(targs, i * tr.size, "mfn") for i in range(2)] == [0x55, 0x66]
    assert [tr.read_field(targs, i * tr.size, "ref") for i in range(2)] == [9, 10]
    assert tr.read_field(targs, tr.size, "domid") == 4
    tr.pack_into(targs, tr.size, mfn=0x66, domid=4, ref=10, status=-3)
    assert transfer_statuses(targs, 2) == [0, -3]


def test_unmap_and_replace_returns_each_status_in_one_hypercall(host) -> None:
    xen, p0, p1 = host
    _, refs = granted(p1, 2)
    maps = map_grants(p0, 1, refs, VaSpace().take(2), readonly=False)
    p0.alloc_page()  # gfn 0: new_addr 0 would mean a plain unmap
    copy = p0.alloc_page()
    p0.page_view(copy << 12)[:] = b"c" * 4096
    before = xen.counters.snapshot()
    st = unmap_and_replace(
        p0, [(maps[0].va, copy << 12, maps[0].handle), (maps[1].va, 0x7FFFF << 12, 999)]
    )
    d = xen.counters.snapshot() - before
    assert st[0] == gnttab.GNTST_okay and st[1] != gnttab.GNTST_okay and len(st) == 2
    assert d.grant_op_calls["unmap_and_replace"] == 1 and d.grant_ops["unmap_and_replace"] == 2
    assert bytes(p0.page_view(maps[0].va)) == b"c" * 4096  # the copy now sits in the slot
    p0.clear_va(maps[0].va)
    p0.restore(copy)
    unmap_grants(p0, [maps[1]])
