"""The host object's own values (hypervisor.py, ahead of its mutation run): defaults, frame
references, frees and scrubs charged to the right domain, the grant-table growth rules, the
multicall argument check, op and flush accounting, and deferred delivery limits."""

from __future__ import annotations

import pytest
from xen_helpers import op, statuses

from blkswap.abi import gnttab as g
from blkswap.xen import DomainError, Xen
from blkswap.xen.errors import FrameError
from blkswap.xen.multicall import MulticallEntry
from blkswap.xen.ops_common import EFAULT


def test_defaults():
    xen = Xen()
    assert xen.arena.frames == 65536 and xen.swap_requires_neutered is True
    assert xen.pending == type(xen.pending)() and xen.violations == []
    assert xen.evtchn is not None and xen.store is not None
    d = xen.create_domain()
    assert (d.domid, d.pages, d.vcpus, d.max_pages, d.tot_pages) == (0, 256, 1, 256, 256)
    assert Xen(frames=64, swap_requires_neutered=False).swap_requires_neutered is False


def test_frame_owner_alloc_and_free_are_charged_to_the_domain():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    mfn = xen.alloc_frame(d, 0)
    assert xen.frame_owner(mfn) == 0 and d.counters.frames_allocated == 6  # 4 + table + this
    xen.get_page(mfn)
    xen.free_frame(mfn, d)  # deferred: a reference remains
    assert xen.frame_owner(mfn) == 0 and d.counters.frames_freed == 0
    assert xen.page_refcount(mfn) == 1
    xen.put_page(mfn)  # freed now, by the reference holder: not charged to d
    assert xen.frame_owner(mfn) is None and d.counters.frames_freed == 0
    assert xen.counters.frames_freed == 1 and xen.page_refcount(mfn) == 0
    other = xen.alloc_frame(d)
    xen.free_frame(other, d)
    assert (d.counters.frames_freed, d.counters.frames_scrubbed) == (1, 1)
    assert (xen.counters.frames_freed, xen.counters.frames_scrubbed) == (2, 2)
    last = xen.alloc_frame(d)
    xen.free_frame(last, None)
    assert d.counters.frames_freed == 1 and xen.counters.frames_freed == 3
    with pytest.raises(FrameError):
        xen.frame_owner(64)


def test_page_references_need_an_allocated_frame_and_a_reference_to_drop():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    mfn = d.gfn_to_mfn(0)
    with pytest.raises(FrameError, match="is not allocated"):
        xen.get_page(60)
    with pytest.raises(FrameError, match="has no extra reference"):
        xen.put_page(mfn)
    xen.get_page(mfn)
    xen.get_page(mfn)
    assert xen.page_refcount(mfn) == 2
    xen.put_page(mfn)
    assert xen.page_refcount(mfn) == 1 and xen.frame_owner(mfn) == 0
    xen.put_page(mfn)
    for bad in (-1, 64):
        with pytest.raises(FrameError):
            xen.page_refcount(bad)


def test_scrub_zeroes_one_frame_and_counts_on_the_caller():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    for gfn in (0, 1, 2):
        d.write(gfn, 0, b"\xaa" * 4096)
    xen.scrub_frame(d.gfn_to_mfn(1), d)
    assert d.read(1, 0, 4096) == bytes(4096) and d.read(0, 0, 2) == d.read(2, 0, 2) == b"\xaa\xaa"
    assert d.counters.frames_scrubbed == 1 and xen.counters.frames_scrubbed == 1
    xen.scrub_frame(d.gfn_to_mfn(2))
    assert d.counters.frames_scrubbed == 1 and xen.counters.frames_scrubbed == 2


def test_grow_grant_table_rules():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    free = xen.arena.free_frames
    assert xen.grow_grant_table(d, 3) == g.GNTST_okay and len(d.gt.frames) == 3
    assert xen.arena.free_frames == free - 2
    assert all(xen.frame_owner(m) == 0 for m in d.gt.frames)
    assert d.counters.hypercalls == 1 and d.counters.grant_op_calls["setup_table"] == 1
    assert d.counters.grant_ops["setup_table"] == 1
    assert xen.grow_grant_table(d, 2, hypercall=False) == g.GNTST_okay  # never shrinks
    assert len(d.gt.frames) == 3 and d.counters.hypercalls == 1
    assert xen.grow_grant_table(d, 65) == g.GNTST_general_error and len(d.gt.frames) == 3
    assert xen.grow_grant_table(d, 64) == g.GNTST_general_error  # 61 more: 53 free
    assert xen.grow_grant_table(d, 3 + xen.arena.free_frames) == g.GNTST_okay
    assert xen.arena.free_frames == 0 and d.counters.hypercalls == 4


def test_grant_table_op_counts_one_hypercall_and_refuses_unknown_callers():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    with pytest.raises(DomainError, match="no domain d9"):
        xen.grant_table_op(9, g.GNTTABOP_query_size, bytearray(16), 1)
    rc, out = op(d, g.GNTTABOP_query_size, [dict(dom=0, nr_frames=0, max_nr_frames=0, status=0)])
    assert rc == 0 and statuses(out) == [0]
    assert d.counters.hypercalls == 1 and xen.counters.hypercalls == 1
    with pytest.raises(DomainError):
        xen.multicall(9, [])


@pytest.mark.parametrize(
    "args",
    [(g.GNTTABOP_query_size, bytearray(16)), ("6", bytearray(16), 1), (6, bytearray(16), "1"),
     (g.GNTTABOP_query_size, bytearray(16), 1, 0)],
)  # fmt: skip
def test_multicall_grant_table_op_needs_cmd_buffer_and_int_count(args):
    xen = Xen(frames=64)
    xen.create_domain(pages=4)
    e = MulticallEntry(g.HYPERVISOR_grant_table_op, args)
    assert xen.multicall(0, [e]) == [-EFAULT] and e.result == -EFAULT


def test_multicall_grant_table_op_runs_the_op():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    buf = bytearray(16)
    e = MulticallEntry(g.HYPERVISOR_grant_table_op, (g.GNTTABOP_query_size, buf, 1))
    assert xen.multicall(0, [e]) == [0]
    assert d.counters.hypercalls == 1 and d.counters.multicalls == 1
    assert xen.counters.multicalls == 1 and d.counters.grant_op_calls["query_size"] == 1


def test_count_and_count_op_add_to_host_and_domain():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4)
    xen.count(d, "pte_updates", 3)
    xen.count(None, "pte_updates")
    assert d.counters.pte_updates == 3 and xen.counters.pte_updates == 4
    xen.count_op(d, "copy", 5)
    xen.count_op(d, "copy", 2)
    assert d.counters.grant_ops["copy"] == 7 and d.counters.grant_op_calls["copy"] == 2
    assert xen.counters.grant_ops["copy"] == 7 and xen.counters.grant_op_calls["copy"] == 2
    assert d.counters.grant_ops["map"] == 0 and d.counters.grant_op_calls["swap"] == 0


def test_tlb_flush_ipis_spare_only_the_initiators_own_vcpu():
    xen = Xen(frames=64)
    a = xen.create_domain(pages=4, vcpus=4)
    b = xen.create_domain(pages=4, vcpus=3)
    xen.flush_tlb(a, a)
    assert (a.counters.tlb_flushes, a.counters.tlb_flush_vcpus, a.counters.tlb_flush_ipis) == (
        1,
        4,
        3,
    )
    xen.flush_tlb(a, b)
    assert (a.counters.tlb_flushes, a.counters.tlb_flush_vcpus, a.counters.tlb_flush_ipis) == (
        2,
        7,
        6,
    )
    assert b.counters.tlb_flushes == 0 and xen.counters.tlb_flush_ipis == 6


def test_run_pending_runs_fifo_up_to_the_limit():
    xen = Xen(frames=64)
    log: list[int] = []
    for i in range(4):
        xen.deliver(lambda i=i: log.append(i))
    assert xen.run_pending(limit=0) == 0 and log == []
    assert xen.run_pending(limit=3) == 3 and log == [0, 1, 2]
    assert xen.run_pending(limit=3) == 1 and xen.run_pending() == 0 and log == [0, 1, 2, 3]
    seen: list[object] = []
    fwd = Xen(frames=64, deliver=seen.append)
    fwd.deliver(print)
    assert seen == [print] and len(fwd.pending) == 0


def test_optional_subsystems_absent_or_broken(monkeypatch):
    import importlib

    real = importlib.import_module

    def missing(name, *a):
        if name == "blkswap.xen.evtchn":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *a)

    monkeypatch.setattr(importlib, "import_module", missing)
    xen = Xen(frames=64)
    assert xen.evtchn is None and xen.store is not None

    def broken(name, *a):
        if name == "blkswap.xen.xenstore":
            raise ModuleNotFoundError("No module named 'somedep'", name="somedep")
        return real(name, *a)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="somedep"):
        Xen(frames=64)
