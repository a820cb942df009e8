"""The backend's single-threaded event loop, serving many rings (tapdisk style).

One :class:`BackendLoop` runs on one dom0 vCPU at a time. Work arrives two ways: an event-channel
upcall marks a ring as having requests (:meth:`notify`), and storage completions queue finished
requests (:meth:`complete`). :meth:`run_once` drains both:

1. completions first — ``datapath.finish`` then exactly one response per request;
2. then each ring with pending requests, FIFO: copy each request out of its slot before looking at
   it (RING_COPY_REQUEST), validate it like Linux blkback, resolve indirect segments, let the data
   path prepare it, and submit the storage I/O; a request the data path cannot get dom0 frames for
   is parked and the ring is not read further until frames come back (the seed's ``.poll``);
3. before a ring goes idle, the final check re-arms ``req_event`` (RING_FINAL_CHECK_FOR_REQUESTS).

Guest mistakes become error responses and counters; nothing a guest writes can raise out of the
loop. A ring whose producer index is impossible is declared broken and no longer served
(LB blkback.c: "Frontend provided bogus ring requests").
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import cast

from blkswap.abi import blkif
from blkswap.abi.blkif import AnyRequest
from blkswap.back.datapaths.base import Meter, NullMeter, Reclaims
from blkswap.back.hazard import Hazard
from blkswap.back.indirect import read_indirect_segments
from blkswap.back.io import StorageIo, SyncIo
from blkswap.back.pool import FramePool, Waiter
from blkswap.back.request import (
    BlkRequest,
    PendingReq,
    RequestError,
    check_range,
    check_segments,
    validate,
)
from blkswap.back.sched import InlineScheduler, Scheduler
from blkswap.back.vbd import BackendRing, stat_key
from blkswap.xen.port import DomainPort

_FLUSHLIKE = (blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER)
_RUNNING = object()  #: ring.barrier while the drained barrier itself is in flight


class BackendLoop:
    """A single-threaded backend serving any number of rings."""

    def __init__(
        self,
        port: DomainPort,
        *,
        io: StorageIo | None = None,
        meter: Meter | None = None,
        scheduler: Scheduler | None = None,
        hazard: Hazard | None = None,
        name: str = "tapdisk0",
    ) -> None:
        self.port = port
        self.io = io or SyncIo()
        self.meter = meter or NullMeter()
        #: decides when run_once runs (the lab: a dom0 vCPU; default: at once)
        self.scheduler = scheduler or InlineScheduler()
        self.name = name
        self.rings: list[BackendRing] = []
        self._pending: deque[BackendRing] = deque()  # rings with (maybe) unconsumed requests
        self._completions: deque[PendingReq] = deque()
        # pool → requests waiting for its frames (FIFO)
        self._parked: dict[FramePool, deque[tuple[BackendRing, PendingReq, int]]] = {}
        self._waits: dict[FramePool, Waiter] = {}  # pool → our one registered wait (its head)
        self._ready: deque[tuple[BackendRing, PendingReq]] = deque()  # frames arrived
        # pools of the rings served, refilled once per run (a dict: deterministic order)
        self.pools: dict[FramePool, None] = {}
        #: the retransmit-hazard policy applied before a write's frames are released
        self.hazard = hazard or Hazard("none", port)
        self.responses = 0
        #: True: take no new request from any ring (those already taken finish and are answered),
        #: so run_once returns promptly even while a frontend keeps its ring busy — a real
        #: backend's shutdown sets it from a signal handler (blkswap serve)
        self.hold = False

    def wake(self) -> None:
        """Ask the scheduler to run this loop."""
        self.scheduler.wake(self)

    # -- wiring --------------------------------------------------------------------------------
    def add_ring(self, ring: BackendRing) -> None:
        self.rings.append(ring)
        self.pools[ring.datapath.ctx.pool] = None
        self.port.evtchn_bind_handler(ring.evtchn, partial(_upcall, self, ring))
        self.notify(ring)  # the front may have queued requests before we connected

    def remove_ring(self, ring: BackendRing) -> None:
        """Stop serving ``ring``: forget its pending work, withdraw its pool waits and return the
        frames of its requests that were ready to start."""
        if ring in self.rings:
            self.rings.remove(ring)
        self._pending = deque(r for r in self._pending if r is not ring)
        for r, req in self._ready:
            if r is ring:
                r.datapath.ctx.give_frames(req)
        self._ready = deque(p for p in self._ready if p[0] is not ring)
        for pool, queue in list(self._parked.items()):
            head_is_ours = queue[0][0] is ring
            kept = deque(p for p in queue if p[0] is not ring)
            ring.parked = 0
            if head_is_ours:  # the registered wait is for our request: withdraw it
                pool.cancel(self._waits.pop(pool, None))
                del self._parked[pool]
                if kept:
                    self._parked[pool] = kept
                    self._register_wait(pool)
            elif len(kept) != len(queue):
                self._parked[pool] = kept  # the head (someone else's) keeps its wait

    def notify(self, ring: BackendRing) -> None:
        if ring not in self._pending:
            self._pending.append(ring)
        self.wake()

    def complete(self, req: PendingReq) -> None:
        self._completions.append(req)
        self.wake()

    @property
    def has_work(self) -> bool:
        return bool(self._completions or self._pending or self._ready)

    # -- the loop ------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Drain completions and ring work; returns the number of requests handled."""
        done = 0
        for pool in self.pools:
            pool.refill()  # replace frames lost to transfer/abandon (once per loop run)
        while self._completions or self._pending or self._ready:
            while self._completions:
                req = self._completions.popleft()
                ring = req.ring
                mark = ring.mark()
                try:
                    self._finish(req)
                finally:
                    ring.settle(mark)
                done += 1
            self._run_ready()
            if self._pending:
                ring = self._pending.popleft()
                if ring.broken or ring.closing or ring not in self.rings:
                    continue
                done += self._consume(ring)
        return done

    def _consume(self, ring: BackendRing) -> int:
        sring = ring.sring
        handled = 0
        while True:
            # checked on every pass, as LB __do_block_io_op does after each re-arm
            if sring.request_prod_overflow():
                self._break(ring, "req_prod - rsp_prod_pvt exceeds the ring size")
                return handled
            while sring.unconsumed_requests():
                if ring.in_flight >= ring.max_pending or ring.parked or self.hold or ring.barrier:
                    return handled  # resumed when a pending_req, frames or a barrier come back
                if sring.request_cons_overflow():
                    return handled
                raw = sring.get_request()  # a private copy of the slot (RING_COPY_REQUEST)
                mark = ring.mark()
                try:
                    self._dispatch(ring, raw)
                finally:
                    ring.settle(mark)
                handled += 1
            if not sring.final_check_for_requests():
                return handled

    def _dispatch(self, ring: BackendRing, raw: bytes) -> None:
        self.meter.charge("request", 1)
        decoded = ring.codec.decode_request(raw)  # any bytes decode; unknown ops are answered below
        if decoded.operation == blkif.BLKIF_OP_WRITE_BARRIER:
            # blkif.h: writes before a barrier complete before it, later ones start after it.
            # LBB drains the earlier ones (xen_blk_drain_io); the ring is not read meanwhile,
            # nor while the barrier runs (_answer resumes it).
            if ring.in_flight:
                ring.barrier = decoded
                return
            ring.barrier = _RUNNING
        self._dispatch_decoded(ring, decoded)

    def _dispatch_decoded(self, ring: BackendRing, decoded: AnyRequest) -> None:
        ring.in_flight += 1
        try:
            request = self._resolve(ring, decoded)
        except RequestError as err:
            ring.stats["errors"] += 1
            ring.last_error = err.reason  # the text is the guest's doing: kept, never a counter key
            self._answer(ring, decoded.id, decoded.operation, err.status)  # never a PendingReq
            return
        self._start(ring, PendingReq(ring, request))

    def _resolve(self, ring: BackendRing, decoded: AnyRequest) -> BlkRequest:
        """Validation and segment resolution (pure checks + indirect page read)."""
        vbd = ring.vbd
        op, nseg = validate(decoded, vbd.limits)
        ring.stats[stat_key(op)] += 1
        if isinstance(decoded, blkif.DiscardRequest):
            secure = bool(decoded.flag & blkif.BLKIF_DISCARD_SECURE)
            return BlkRequest(
                decoded.id, decoded.operation, op, decoded.sector_number, decoded.nr_sectors,
                discard_secure=secure,
            )  # fmt: skip
        indirect: tuple[int, ...] = ()
        if isinstance(decoded, blkif.IndirectRequest):
            indirect = decoded.indirect_grefs
            segments = read_indirect_segments(
                self.port, vbd.frontend_domid, ring.datapath.ctx.va, indirect, nseg
            )
        else:
            segments = decoded.segments[:nseg]
        nr_sectors = check_segments(segments, vbd.limits.logical_sectors)
        check_range(decoded.sector_number, nr_sectors, vbd.limits)
        ring.stats["rd_sect" if op == blkif.BLKIF_OP_READ else "wr_sect"] += nr_sectors
        return BlkRequest(
            decoded.id, decoded.operation, op, decoded.sector_number, nr_sectors, segments,
            indirect_grefs=indirect,
        )  # fmt: skip

    # -- pool admission (the seed's .poll: wait for frames without blocking the loop) -------------
    def _start(self, ring: BackendRing, req: PendingReq) -> None:
        dp = ring.datapath
        n = dp.frames_needed(req)
        if n:
            pool = dp.ctx.pool
            if n > pool.frames:
                ring.stats["errors"] += 1
                req.status = blkif.BLKIF_RSP_ERROR  # can never fit: fail rather than wait forever
                self._answer_req(req)
                return
            frames = None if pool in self._parked else pool.take(n, dp.ctx.owner)
            if frames is None and dp.caps.reclaims and pool not in self._parked:
                # persistent grants give frames back under pressure
                cast(Reclaims, dp).reclaim(n - pool.available)
                frames = pool.take(n, dp.ctx.owner)
            if frames is None:
                self._park(ring, req, n)
                return
            req.pool_frames = frames
        self._prepare(ring, req)

    def _prepare(self, ring: BackendRing, req: PendingReq) -> None:
        try:
            ring.datapath.prepare(req)
        except RequestError as err:
            ring.datapath.ctx.give_frames(req)
            ring.stats["errors"] += 1
            req.status = err.status
            self._answer_req(req)
            return
        self.io.submit(req, ring.vbd.config.store, self.complete)

    def _park(self, ring: BackendRing, req: PendingReq, n: int) -> None:
        """Hold ``req`` until its pool hands over ``n`` frames; the ring is not read meanwhile."""
        pool = ring.datapath.ctx.pool
        ring.stats["frame_waits"] += 1
        ring.parked += 1
        queue = self._parked.setdefault(pool, deque())
        queue.append((ring, req, n))
        if len(queue) == 1:
            self._register_wait(pool)

    def _register_wait(self, pool: FramePool) -> None:
        # One wait per pool at a time, re-registered at the tail after being served: the pool's
        # FIFO then wakes the backends sharing it round-robin (seed: "wake them round-robin").
        ring, _req, n = self._parked[pool][0]
        handle = pool.wait(n, ring.datapath.ctx.owner, partial(self._frames_arrived, pool))
        if handle is not None:  # None: served at once (the callback already ran)
            self._waits[pool] = handle

    def _frames_arrived(self, pool: FramePool, frames: list[int] | None) -> None:
        self._waits.pop(pool, None)
        queue = self._parked[pool]
        ring, req, _n = queue.popleft()
        ring.parked -= 1
        if queue:
            self._register_wait(pool)
        else:
            del self._parked[pool]
        if frames is None:  # the pool shrank below what this request needs: it can never run
            ring.stats["errors"] += 1
            req.status = blkif.BLKIF_RSP_ERROR
            self._answer_req(req)
        else:
            req.pool_frames = frames
            self._ready.append((ring, req))
        self.wake()

    def _run_ready(self) -> int:
        n = 0
        while self._ready:
            ring, req = self._ready.popleft()
            mark = ring.mark()
            try:
                self._prepare(ring, req)
            finally:
                ring.settle(mark)
            if ring not in self._pending:
                self._pending.append(ring)  # the ring may be read again
            n += 1
        return n

    def _finish(self, req: PendingReq) -> None:
        if not self.hazard.release(req, self.complete):
            return  # pages still referenced: retried later (policy "wait"); the response waits
        req.ring.datapath.finish(req)
        self._answer_req(req)

    def _answer_req(self, req: PendingReq) -> None:
        op = req.request.operation
        if req.status == blkif.BLKIF_RSP_EOPNOTSUPP and op in _FLUSHLIKE:
            req.ring.vbd.withdraw(op)  # the storage cannot flush (catalog D9)
        self._answer(req.ring, req.request.id, op, req.status, req.rsp_extra)

    def _answer(
        self, ring: BackendRing, req_id: int, operation: int, status: int, extra: bytes = b""
    ) -> None:
        """One response for a request taken off ``ring`` (exactly once per request)."""
        ring.in_flight -= 1
        if ring.broken or ring not in self.rings:
            return
        if ring.barrier is not None:
            if operation == blkif.BLKIF_OP_WRITE_BARRIER and ring.barrier is _RUNNING:
                ring.barrier = None  # done: the ring is read again
            elif ring.in_flight == 0 and ring.barrier is not _RUNNING:
                waiting, ring.barrier = ring.barrier, _RUNNING  # drained: the barrier goes now
                self._dispatch_decoded(ring, cast(AnyRequest, waiting))  # the held barrier
        self._respond(ring, req_id, operation, status, extra)
        if ring.closing:
            if ring.in_flight == 0 and ring.on_idle is not None:
                ring.on_idle()
        elif ring not in self._pending:
            self._pending.append(ring)  # a freed pending_req may unblock the ring

    def _respond(
        self, ring: BackendRing, req_id: int, operation: int, status: int, extra: bytes = b""
    ) -> None:
        """Write one response and notify if the front asked (LB blkback.c make_response)."""
        rsp = ring.codec.encode_response(
            blkif.Response(id=req_id, operation=operation, status=status)
        )
        ring.sring.put_response(rsp + extra)
        self.responses += 1
        ring.stats["responses"] += 1
        if ring.sring.push_responses_and_check_notify():
            self.port.evtchn_send(ring.evtchn)

    def _break(self, ring: BackendRing, why: str) -> None:
        ring.broken = True
        ring.broken_reason = why
        ring.stats["broken"] += 1


def _upcall(loop: BackendLoop, ring: BackendRing, _port: int) -> None:
    """An event-channel upcall for ``ring``: it may have requests."""
    loop.notify(ring)
