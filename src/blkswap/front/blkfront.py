"""blkfront's data path: shadow ids, grants, requests on the ring, responses (LF xen-blkfront.c).

One :class:`FrontQueue` per ring (blk-mq hardware queue). A bio is queued, then written to the
ring when there is a free slot and shadow id (ring-full back-pressure keeps it queued); several
requests are pushed together and the backend is notified only when its ``req_event`` says so.
Responses are copied out of the ring, checked (id in range, shadow in flight, operation matches —
else the backend is declared broken), their grants ended, and the bio completed.

Requests with more than 11 segments go as BLKIF_OP_INDIRECT when the backend offered
``feature-max-indirect-segments`` (front cap 32, LF ``xen_blkif_max_segments``): descriptors are
written to indirect pages granted read-only.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from blkswap.abi import Abi, blkif
from blkswap.abi.ring import FrontRing
from blkswap.front.bio import Bio
from blkswap.front.grants import BackendBroken, Granted, GrantStrategy, Meter
from blkswap.xen.port import DomainPort

_FLUSHLIKE = (blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER)


@dataclass(slots=True)
class Shadow:
    bio: Bio
    granted: Granted
    operation: int


class FrontQueue:
    """One ring of a frontend device."""

    def __init__(
        self,
        port: DomainPort,
        index: int,
        ring: FrontRing,
        codec: Abi,
        evtchn: int,
        grants: GrantStrategy,
        max_indirect: int,
        meter: Meter,
    ) -> None:
        self.port = port
        self.index = index
        self.ring = ring
        self.codec = codec
        self.evtchn = evtchn
        self.grants = grants
        self.max_indirect = max_indirect
        self.meter = meter
        self.size = ring.sring.nr_ents
        self.shadow: list[Shadow | None] = [None] * self.size
        self.free_ids: deque[int] = deque(
            range(self.size)
        )  # an explicit free list (docs/design.md)
        self.waiting: deque[Bio] = deque()
        self.broken: str | None = None
        self.flush_unsupported = False  #: the backend answered a flush/barrier EOPNOTSUPP
        self.stats = {"requests": 0, "segments": 0, "notifies": 0, "ring_full": 0, "indirect": 0}

    @property
    def in_flight(self) -> int:
        return self.size - len(self.free_ids)

    # -- submission ------------------------------------------------------------------------------
    def queue(self, bio: Bio) -> None:
        """Accept ``bio`` for this ring. A bio with more segments than the negotiated maximum is
        refused here, before it takes a shadow id or grants (LF: blk_queue_max_segments keeps
        such bios from ever reaching the driver)."""
        limit = self.max_indirect or blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST
        if bio.op in (blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER):
            limit = blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST  # never indirect (LF BUG_ON; §3.5)
        if len(bio.segments) > limit:
            raise ValueError(
                f"{len(bio.segments)} segments > the negotiated maximum {limit} for op {bio.op}"
            )
        if self.broken:  # the backend is gone: fail now rather than wait forever
            bio.status = blkif.BLKIF_RSP_ERROR
            if bio.done is not None:
                bio.done(bio)
            return
        self.waiting.append(bio)

    def kick(self) -> int:
        """Move waiting bios onto the ring; push and notify once. Returns how many went out."""
        sent = 0
        while self.waiting and not self.broken:
            if not self.free_ids or self.ring.full():
                self.stats["ring_full"] += 1
                break
            self._write(self.waiting.popleft())
            sent += 1
        if sent and self.ring.push_requests_and_check_notify():
            self.stats["notifies"] += 1
            self.port.evtchn_send(self.evtchn)
        return sent

    def _write(self, bio: Bio) -> None:
        rid = self.free_ids.popleft()
        self.meter.charge("front_request", 1)
        granted = self.grants.grant(bio)
        # (a list comprehension: one call; a generator would be resumed once per segment)
        segs = tuple(
            [
                blkif.Segment(ref, first, last)
                for ref, (_, first, last) in zip(granted.grefs, bio.segments, strict=True)
            ]
        )
        req: blkif.AnyRequest
        if bio.op == blkif.BLKIF_OP_DISCARD:
            req = blkif.DiscardRequest(
                operation=bio.op,
                flag=0,
                handle=0,
                id=rid,
                sector_number=bio.sector,
                nr_sectors=bio.nr_sectors,
            )
        elif len(segs) > blkif.BLKIF_MAX_SEGMENTS_PER_REQUEST:
            req = self._indirect(bio, rid, segs, granted)
        else:
            req = blkif.Request(
                operation=bio.op,
                nr_segments=len(segs),
                handle=0,
                id=rid,
                sector_number=bio.sector,
                segments=segs,
            )
        self.shadow[rid] = Shadow(bio, granted, req.operation)
        self.ring.put_request(self.codec.encode_request(req))
        stats = self.stats
        stats["requests"] += 1
        stats["segments"] += len(segs)

    def _indirect(
        self, bio: Bio, rid: int, segs: tuple[blkif.Segment, ...], granted: Granted
    ) -> blkif.IndirectRequest:
        if len(segs) > self.max_indirect:
            raise ValueError(f"{len(segs)} segments > the negotiated maximum {self.max_indirect}")
        per = blkif.SEGS_PER_INDIRECT_FRAME
        grefs = []
        for start in range(0, len(segs), per):
            gfn = self.port.alloc_page()
            self.port.page_view(gfn << 12)[: 8 * len(segs[start : start + per])] = (
                blkif.encode_segments(segs[start : start + per])
            )
            ref = self.port.grant_access(gfn, self.grants.backend, True)
            granted.indirect.append((ref, gfn))
            grefs.append(ref)
        self.stats["indirect"] += 1
        return blkif.IndirectRequest(
            operation=blkif.BLKIF_OP_INDIRECT,
            indirect_op=bio.op,
            nr_segments=len(segs),
            id=rid,
            sector_number=bio.sector,
            handle=0,
            indirect_grefs=tuple(grefs),
        )

    # -- completion --------------------------------------------------------------------------------
    def handle_responses(self) -> list[Bio]:
        """The interrupt handler (LF blkif_interrupt → blkif_completion). Returns completed bios."""
        done: list[Bio] = []
        ring = self.ring
        while not self.broken:
            if ring.response_prod_overflow():
                self._declare_broken("rsp_prod - rsp_cons exceeds the ring size")
                break
            while ring.unconsumed_responses() and not self.broken:
                bio = self._complete(ring.get_response())
                if bio is not None:
                    done.append(bio)
            if self.broken:
                break
            if self.in_flight:
                if ring.final_check_for_responses():
                    continue
            else:
                ring.sring.rsp_event = (ring.rsp_cons + 1) & 0xFFFFFFFF
            break
        self.kick()
        return done

    def _complete(self, slot: bytes) -> Bio | None:
        rsp = self.codec.decode_response(slot[: self.codec.response_size])
        if rsp.id >= self.size or self.shadow[rsp.id] is None:
            self._declare_broken(f"response id {rsp.id} is not in flight")
            return None
        sh: Shadow | None = self.shadow[rsp.id]
        assert sh is not None  # checked above
        if rsp.operation != sh.operation:
            self._declare_broken(
                f"response op {rsp.operation} for a request with op {sh.operation}"
            )
            return None
        self.shadow[rsp.id] = None
        self.free_ids.append(rsp.id)
        bio = sh.bio
        bio.status = rsp.status
        if rsp.status == blkif.BLKIF_RSP_EOPNOTSUPP and sh.operation in _FLUSHLIKE:
            self.flush_unsupported = True  # LF blkif_interrupt: feature_flush = 0
        try:
            self.grants.complete(bio, sh.granted, slot, self.codec.response_size)
        except BackendBroken as err:
            bio.status = blkif.BLKIF_RSP_ERROR  # its data cannot be trusted
            self._declare_broken(str(err))
        for ref, gfn in sh.granted.indirect:
            if self.port.end_access(ref):
                self.port.free_page(gfn)
        if bio.done is not None:
            bio.done(bio)
        return bio

    def _declare_broken(self, why: str) -> None:
        """Stop using the ring and fail every request on it (LF: a backend that breaks the
        protocol gets its requests ended with an I/O error) — nothing waits forever."""
        if self.broken:
            return
        self.broken = why
        for bio in self.take_in_flight():
            bio.status = blkif.BLKIF_RSP_ERROR
            if bio.done is not None:
                bio.done(bio)

    def take_in_flight(self) -> list[Bio]:
        """For recovery after reconnect (LF blkif_recover): the bios that never got a response,
        with their grants undone, followed by the ones still waiting."""
        bios, lost = [], []
        for i, sh in enumerate(self.shadow):
            if sh is None:
                continue
            if not self.grants.abandon(sh.bio, sh.granted):
                lost.append(sh.bio)  # its data is gone (swap: the frame crossed): EIO, not resent
            else:
                bios.append(sh.bio)
            for ref, gfn in sh.granted.indirect:
                if self.port.end_access(ref):
                    self.port.free_page(gfn)
            self.shadow[i] = None
        for bio in lost:
            bio.status = blkif.BLKIF_RSP_ERROR
            if bio.done is not None:
                bio.done(bio)
        self.free_ids = deque(range(self.size))  # nothing is in flight on this ring any more
        bios.extend(self.waiting)
        self.waiting.clear()
        return bios
