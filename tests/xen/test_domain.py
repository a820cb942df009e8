"""Domains: creation, P2M, memory access, neutering, allocator, balloon, delivery, counters."""

from __future__ import annotations

import pytest
from xen_helpers import granted_page, host, map_one, unmap_one, va

from blkswap.xen import (
    POISON,
    Counters,
    DomainError,
    NeuteredPageError,
    OutOfMemoryError,
    PageAccessError,
    Xen,
    XenError,
)


def test_domids_in_creation_order_and_p2m_m2p():
    xen = Xen(frames=1024)
    doms = [xen.create_domain(pages=16, vcpus=v) for v in (4, 1, 2)]
    assert [d.domid for d in doms] == [0, 1, 2] and xen.domains == {
        0: doms[0],
        1: doms[1],
        2: doms[2],
    }
    assert [d.vcpus for d in doms] == [4, 1, 2] and doms[1].pages == 16
    for d in doms:
        for gfn in range(16):
            mfn = d.gfn_to_mfn(gfn)
            assert xen.frame_owner(mfn) == d.domid and xen.arena.m2p[mfn] == gfn
    with pytest.raises(DomainError):
        xen.domain(7)
    with pytest.raises(XenError):
        xen.create_domain(pages=0)


def test_read_write_and_va_access_across_pages():
    xen, d0, _ = host(guests=0)
    d0.write(3, 4090, b"abcdef")
    assert d0.read(3, 4090, 6) == b"abcdef"
    d0.write_va((5 << 12) + 4094, b"XYZW")
    assert d0.read(5, 4094, 2) == b"XY" and d0.read(6, 0, 2) == b"ZW"
    assert d0.read_va((5 << 12) + 4094, 4) == b"XYZW"
    with pytest.raises(PageAccessError):
        d0.write(3, 4095, b"ab")
    with pytest.raises(PageAccessError):
        d0.read_va(d0.grant_va_base, 1)
    with pytest.raises(PageAccessError):
        d0.page_view(123)  # not page aligned
    assert d0.page_view(3 << 12).nbytes == 4096


def test_neuter_blocks_every_accessor_until_restore():
    xen, d0, _ = host(guests=0)
    d0.write(2, 0, b"kept")
    d0.neuter(2)
    for call in (
        lambda: d0.read(2, 0, 1),
        lambda: d0.write(2, 0, b"x"),
        lambda: d0.read_va(2 << 12, 1),
        lambda: d0.write_va(2 << 12, b"x"),
        lambda: d0.page_view(2 << 12),
    ):
        with pytest.raises(NeuteredPageError):
            call()
    d0.restore(2)
    assert d0.read(2, 0, 4) == b"kept"
    with pytest.raises(XenError):
        d0.restore(2)


def test_kernel_allocator_and_balloon():
    xen, d0, _ = host(guests=0, pages=8)
    assert [d0.alloc_page() for _ in range(3)] == [0, 1, 2]
    d0.free_page(1)
    assert d0.alloc_page() == 1  # LIFO reuse
    with pytest.raises(XenError):
        d0.free_page(3)  # still free: double free
    mfn = d0.gfn_to_mfn(4)
    d0.decrease_reservation([4])
    assert d0.tot_pages == 7 and d0.p2m[4] == -1 and xen.arena.is_poisoned(mfn)
    assert d0.increase_reservation(3) == [4]  # capped by max_pages
    assert d0.tot_pages == 8
    while d0.free_pages:
        d0.alloc_page()
    with pytest.raises(OutOfMemoryError):
        d0.alloc_page()


def test_new_domain_pages_can_show_poison_of_previous_owner():
    xen = Xen(frames=64)
    d0 = xen.create_domain(pages=8)
    gone = xen.create_domain(pages=40)
    xen.destroy_domain(gone.domid)
    d2 = xen.create_domain(pages=40)
    assert any(d2.read(gfn, 0, 8) == POISON for gfn in range(40))
    assert d0.domid == 0 and d2.domid == 2


def test_destroy_with_active_grants_is_recorded_and_cleaned_up_later():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"still mapped")
    mfn = d1.gfn_to_mfn(gfn)
    h = map_one(d0, d1, ref)["handle"]
    xen.destroy_domain(1)
    assert 1 not in xen.domains
    assert xen.audit() == ["d1 destroyed, 1 grant entries still mapped by d0"]
    assert d0.read_va(va(d0), 12) == b"still mapped"  # the frame lives on until unmapped
    assert unmap_one(d0, h)["status"] == 0
    assert xen.arena.is_poisoned(mfn) and xen.frame_owner(mfn) is None
    assert xen.audit() == [] and xen.violations == []  # the mapper let go: nothing left


def test_destroying_a_mapper_releases_its_mappings():
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    map_one(d0, d1, ref)
    xen.destroy_domain(0)
    assert xen.violations == ["d0 destroyed holding 1 grant mappings"]
    assert d1.end_access(ref) is True
    xen.violations.clear()


def test_deliver_queues_or_forwards():
    xen = Xen(frames=64)
    log = []
    xen.deliver(lambda: log.append(1))
    xen.deliver(lambda: (log.append(2), xen.deliver(lambda: log.append(3))))
    assert log == [] and xen.run_pending(limit=1) == 1 and log == [1]
    assert xen.run_pending() == 2 and log == [1, 2, 3]
    got = []
    xen2 = Xen(frames=64, deliver=got.append)
    fn = lambda: None  # noqa: E731
    xen2.deliver(fn)
    assert got == [fn] and not xen2.pending


def test_counters_snapshot_delta_and_dict():
    c = Counters()
    c.hypercalls = 3
    c.grant_ops["map"] = 11
    s = c.snapshot()
    c.hypercalls += 2
    c.grant_ops["map"] += 11
    d = c - s
    assert d.hypercalls == 2 and d.grant_ops["map"] == 11 and s.hypercalls == 3
    assert d.as_dict()["grant_ops"]["map"] == 11 and "tlb_flush_vcpus" in d.as_dict()
