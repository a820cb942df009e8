"""``persistent`` data path: map each grant once and keep it (Linux 3.8+ persistent grants).

Both sides negotiate ``feature-persistent``; the frontend copies data into a fixed set of granted
pages and reuses their grefs. The backend keeps a per-ring table gref → mapping (Linux: an rb-tree,
LB blkback.c get_persistent_gnt / add_persistent_gnt), maps new grefs writable (no
GNTMAP_readonly, since a persistent page serves reads and writes), and never unmaps them on the
I/O path. Above ``max_persistent_grants`` (1056) new grefs are mapped non-persistently for this
request only and the overflow flag is set.

Purge (LB purge_persistent_gnt, see :meth:`PersistentPath.purge`) runs at most every
``lru_interval_ns`` from ``finish``; removed grants are unmapped in batches of 11 (the synchronous
unmap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

from blkswap.abi import blkif, gnttab
from blkswap.back import caps as c
from blkswap.back.datapaths.base import (
    API_VERSION,
    BackendContext,
    segment_slice,
)
from blkswap.back.grantops import MAP_BATCH, Mapping, map_grants, unmap_grants
from blkswap.back.request import PendingReq, RequestError


@dataclass(slots=True)
class PersistentGrant:
    mapping: Mapping
    last_used: int
    frame: int | None = None  #: the pool frame this mapping holds while it persists
    active: int = 0


class PersistentPath:
    name: ClassVar[str] = "persistent"
    caps: ClassVar[c.Caps] = c.Caps(
        traits=frozenset({c.ZERO_COPY, c.GUEST_COPY}),
        frontend_feature="persistent",
        fallback="map",
        advertise="connect",  # LB xenbus.c connect() writes feature-persistent with the disk
        reserve_frames=True,
        reclaims=True,
        hazard=c.HazardKind.KEPT_MAPPING,
        grant_ops=frozenset({"map", "unmap"}),
    )
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.grants: dict[int, PersistentGrant] = {}
        self.overflow = False
        self.last_purge = 0
        self.purged = 0
        self.hits = 0
        self.misses = 0
        self.closed = False  #: torn down: grants still in use go when their request finishes

    def frames_needed(self, req: PendingReq) -> int:
        """One pool frame per gref not yet in the table (a persistent mapping holds its page)."""
        return len({s.gref for s in req.segments if s.gref not in self.grants})

    def prepare(self, req: PendingReq) -> None:
        ctx, now = self.ctx, self.ctx.now()
        new_refs = [s.gref for s in req.segments if s.gref not in self.grants]
        new_refs = list(dict.fromkeys(new_refs))
        self.hits += len(req.segments) - len(new_refs)
        self.misses += len(new_refs)
        fresh: dict[int, Mapping] = {}
        if new_refs:
            vas = ctx.va.take(len(new_refs))
            maps = map_grants(ctx.port, ctx.frontend_domid, new_refs, vas, readonly=False)
            bad = [m for m in maps if m.status != gnttab.GNTST_okay]
            if bad:
                unmap_grants(ctx.port, maps)
                ctx.va.give(vas)
                ctx.give_frames(req)
                raise RequestError(
                    blkif.BLKIF_RSP_ERROR, f"map of gref {bad[0].ref} failed: GNTST {bad[0].status}"
                )
            fresh = {m.ref: m for m in maps}
        transient: list[Mapping] = []
        frames = list(req.pool_frames)
        for ref, m in fresh.items():
            if frames and len(self.grants) < ctx.options.max_persistent_grants:
                self.grants[ref] = PersistentGrant(m, now, frames.pop())
            else:
                self.overflow = True
                transient.append(m)
        req.pool_frames = frames  # frames not kept by a persistent grant go back at finish
        bufs = []
        for s in req.segments:
            pg = self.grants.get(s.gref)
            m = pg.mapping if pg is not None else fresh[s.gref]
            if pg is not None:
                pg.active += 1
                pg.last_used = now
            bufs.append(segment_slice(ctx.port.page_view(m.va), s.first_sect, s.last_sect))
            req.frames.append(m.mfn)
            req.page_vas.append(m.va)
        req.bufs = bufs
        req.token = transient

    def finish(self, req: PendingReq) -> None:
        now = self.ctx.now()
        for s in req.segments:
            pg = self.grants.get(s.gref)
            if pg is not None and pg.active:
                pg.active -= 1
                pg.last_used = now
        req.bufs = []
        if self.closed:  # the device went away meanwhile: let go of what this request held
            idle = {s.gref for s in req.segments if s.gref in self.grants}
            self._unmap([self.grants.pop(r) for r in sorted(idle) if not self.grants[r].active])
        transient = cast("list[Mapping] | None", req.token)  # our token from prepare
        if transient:
            unmap_grants(self.ctx.port, transient)
            self.ctx.va.give([m.va for m in transient])
        req.token = None
        self.ctx.give_frames(req)
        if self.ctx.pool.waiting:  # others wait for frames our idle grants hold: give some back
            self.reclaim(len(req.segments))
        if now - self.last_purge >= self.ctx.options.lru_interval_ns:
            self.last_purge = now
            self.purge(now)

    def purge(self, now: int) -> int:
        """LB purge_persistent_gnt: how many to clean is decided first, from the table size
        (``count − limit + (limit / 100) × 5`` when over the limit, or at it with the overflow
        flag); pass 1 removes every inactive grant idle for ``persistent_unused_ns``, counted
        towards that; pass 2 removes further inactive grants in tree order (by gref) until the
        target is met. Returns how many grants were unmapped."""
        opts = self.ctx.options
        limit, count = opts.max_persistent_grants, len(self.grants)
        num_clean = 0
        if count > limit or (count == limit and self.overflow):
            num_clean = min(count, count - limit + (limit // 100) * opts.lru_percent_clean)
        victims = {
            ref
            for ref, pg in self.grants.items()
            if not pg.active and now - pg.last_used >= opts.persistent_unused_ns
        }
        for ref in sorted(self.grants):  # the rb-tree's order
            if len(victims) >= num_clean:
                break
            if not self.grants[ref].active:
                victims.add(ref)
        self.overflow = False
        self._unmap([self.grants.pop(ref) for ref in sorted(victims)])
        self.purged += len(victims)
        return len(victims)

    def idle_frames(self) -> int:
        """Pool frames held by grants no request is using (what :meth:`reclaim` can free)."""
        return sum(1 for pg in self.grants.values() if not pg.active and pg.frame is not None)

    def reclaim(self, frames: int) -> int:
        """Pool pressure: unmap up to enough inactive grants (least recently used first) to give
        back ``frames`` pool frames. Linux purges on a timer and a size limit only; a pool that
        persistent grants can exhaust needs this, or requests would wait forever (lab addition)."""
        lru = sorted(
            (pg.last_used, ref)
            for ref, pg in self.grants.items()
            if not pg.active and pg.frame is not None
        )
        victims = [self.grants.pop(ref) for _, ref in lru[:frames]]
        self._unmap(victims)
        self.purged += len(victims)
        return len(victims)

    def _unmap(self, grants: list[PersistentGrant]) -> None:
        """Unmap in batches of 11 (the synchronous unmap), then return the pool frames."""
        for i in range(0, len(grants), MAP_BATCH):
            batch = grants[i : i + MAP_BATCH]
            unmap_grants(self.ctx.port, [pg.mapping for pg in batch])
            self.ctx.va.give([pg.mapping.va for pg in batch])
        frames = [pg.frame for pg in grants if pg.frame is not None]
        if frames:
            self.ctx.pool.give(frames, self.ctx.owner)

    def teardown(self) -> None:
        """Unmap every grant no request is using. A grant an in-flight request still reads or
        writes stays mapped until that request finishes: unmapping it now would let the
        frontend revoke the grant and give the frame away while the storage I/O still writes
        it (a READ landing in the frame's next owner). Linux blkback never gets there: it does
        not tear a ring down while requests are in flight (LB xen_blkif_disconnect, -EBUSY)."""
        self.closed = True
        idle = [ref for ref, pg in self.grants.items() if not pg.active]
        self._unmap([self.grants.pop(ref) for ref in idle])
