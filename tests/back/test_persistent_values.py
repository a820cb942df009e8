"""back/datapaths/persistent.py by value (found by mutation testing, tools/mutation.py): grants
mapped once per gref and counted as hits/misses, the pool frame each one holds, the overflow of
``max_persistent_grants`` (LB blkback.c: mapped for the request only), the timed purge
(LB purge_persistent_gnt), reclaim in LRU order, and teardown with a request in flight."""

from __future__ import annotations

import pytest
from lab_rig import HoldIo, Rig, store_bytes
from test_lab_bad_front import RawFront

from blkswap.abi import blkif
from blkswap.abi.blkif import Request, Segment
from blkswap.back.datapaths.base import DataPathOptions
from blkswap.back.request import BlkRequest, PendingReq, RequestError

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE


def rw(op: int, rid: int, refs: list[int], sector: int = 0) -> Request:
    return Request(op, len(refs), 0, rid, sector, tuple(Segment(r, 0, 7) for r in refs))


def setup(**opts) -> tuple[Rig, RawFront, object, list[int]]:
    rig = Rig("persistent", options=DataPathOptions(**opts))
    f = RawFront(rig)
    refs = [f.page(0x30 + i)[1] for i in range(3)]
    return rig, f, rig.ring().datapath, refs


def test_each_gref_is_mapped_once_and_holds_one_pool_frame():
    rig, f, path, (a, b, _c) = setup()
    assert path.frames_needed(PendingReq(rig.ring(), BlkRequest(1, WRITE, WRITE, 0, 24, (
        Segment(a, 0, 7), Segment(a, 0, 7), Segment(b, 0, 7))))) == 2  # fmt: skip
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(WRITE, 1, [a, a, b]))
    d = rig.xen.counters.snapshot() - before
    assert rsp.status == OK and d.grant_ops["map"] == 2 and d.grant_ops["unmap"] == 0
    assert (path.misses, path.hits) == (2, 1) and sorted(path.grants) == sorted([a, b])
    assert rig.pool.in_use == 2 and path.idle_frames() == 2
    frames = [pg.frame for pg in path.grants.values()]
    assert None not in frames and len(set(frames)) == 2
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(READ, 2, [b, a]))
    d = rig.xen.counters.snapshot() - before
    assert rsp.status == OK and d.grant_ops["map"] == 0 and d.grant_ops["unmap"] == 0
    assert (path.misses, path.hits) == (2, 3) and rig.pool.in_use == 2
    assert path.frames_needed(PendingReq(rig.ring(), BlkRequest(1, READ, READ, 0, 8, (
        Segment(a, 0, 7),)))) == 0  # fmt: skip


def test_above_the_limit_a_new_gref_is_mapped_for_the_request_only():
    rig, f, path, (a, b, c) = setup(max_persistent_grants=1)
    before = rig.xen.counters.snapshot()
    (rsp,) = f.push(rw(WRITE, 1, [a, b], sector=8))
    d = rig.xen.counters.snapshot() - before
    assert rsp.status == OK and path.overflow is True
    assert list(path.grants) == [a] and d.grant_ops["map"] == 2 and d.grant_ops["unmap"] == 1
    assert rig.pool.in_use == 1  # the transient mapping's frame went back
    assert store_bytes(rig.guest().store, 8 * 512, 8192) == b"\x30" * 4096 + b"\x31" * 4096
    assert path.ctx.va.in_use == 2  # the ring page and the one kept grant


def test_a_failed_map_names_the_gref_and_keeps_the_table():
    rig, f, path, (a, b, c) = setup()
    (rsp,) = f.push(rw(WRITE, 1, [a]))
    vas, in_use = path.ctx.va.in_use, rig.pool.in_use
    req = PendingReq(rig.ring(), BlkRequest(2, WRITE, WRITE, 0, 24, (
        Segment(a, 0, 7), Segment(b, 0, 7), Segment(200, 0, 7))))  # fmt: skip
    req.pool_frames = rig.pool.take(2)
    with pytest.raises(RequestError) as err:
        path.prepare(req)
    assert err.value.reason == "map of gref 200 failed: GNTST -1"
    assert list(path.grants) == [a] and req.pool_frames == []
    assert path.ctx.va.in_use == vas and rig.pool.in_use == in_use
    (rsp,) = f.push(rw(WRITE, 3, [b, 200]))
    assert rsp.status == ERR and list(path.grants) == [a]


def test_the_timed_purge_unmaps_grants_idle_too_long():
    rig, f, path, (a, b, c) = setup(persistent_unused_ns=1000, lru_interval_ns=500)
    f.push(rw(WRITE, 1, [a]))
    assert path.last_purge == 0 and path.purged == 0
    rig.scheduler.advance(400)
    f.push(rw(WRITE, 2, [b]))  # 400 ns after the last purge: none yet
    assert path.last_purge == 0 and sorted(path.grants) == sorted([a, b])
    rig.scheduler.advance(700)  # now 1100: a idle for 1100 ns, b for 700
    f.push(rw(WRITE, 3, [c]))
    assert path.last_purge == 1100 and path.purged == 1
    assert sorted(path.grants) == sorted([b, c]) and rig.pool.in_use == 2


def test_reclaim_unmaps_least_recently_used_idle_grants_first():
    rig, f, path, (a, b, c) = setup()
    for i, ref in enumerate((b, c, a)):
        f.push(rw(WRITE, i, [ref]))
        rig.scheduler.advance(10)
    assert path.idle_frames() == 3
    assert path.reclaim(2) == 2
    assert list(path.grants) == [a] and path.purged == 2 and rig.pool.in_use == 1
    assert path.reclaim(5) == 1 and path.grants == {} and rig.pool.in_use == 0


def test_teardown_keeps_a_grant_in_use_until_its_request_finishes():
    io = HoldIo()
    rig = Rig("persistent", io=io)
    f = RawFront(rig)
    (_, a), (_, b) = f.page(1), f.page(2)
    path = rig.ring().datapath
    f.push(rw(WRITE, 1, [a]))
    io.release()
    rig.pump()
    f.push(rw(WRITE, 2, [b]))  # held by the storage: b is active
    assert path.grants[b].active == 1 and path.idle_frames() == 1
    before = rig.xen.counters.snapshot()
    path.teardown()
    assert path.closed and list(path.grants) == [b]
    assert (rig.xen.counters.snapshot() - before).grant_ops["unmap"] == 1
    assert rig.pool.in_use == 1
    io.release()
    rig.pump()
    assert path.grants == {} and rig.pool.in_use == 0
    assert f.responses()[-1].status == OK
