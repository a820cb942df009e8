"""``copy`` data path: move data with the hypervisor between guest grants and dom0 frames.

Flavour ``gntcopy`` (tapdisk3 td-req.c, QEMU xen-block; xen-abi.md §5.5): the backend does its
storage I/O on its own frames; one GNTTABOP_copy hypercall per request copies the segments in
before a WRITE and out after a READ. No mapping, no TLB flush, memcpy inside Xen.

Flavour ``blktap2`` (XCP's blktap2 after dropping zero-copy, seed thread): map the grants, memcpy
between the mapping and a dom0 frame in the backend, unmap — the same hypercalls as ``map`` plus a
copy charged to dom0.
"""

from __future__ import annotations

from typing import ClassVar

from blkswap.abi import blkif, gnttab
from blkswap.back import caps as c
from blkswap.back.datapaths.base import (
    API_VERSION,
    BackendContext,
    segment_slice,
    use_pool_frames,
)
from blkswap.back.grantops import CopyOp, grant_copy, map_grants, unmap_grants
from blkswap.back.request import PendingReq, RequestError

FLAVOURS = ("gntcopy", "blktap2")


class CopyPath:
    name: ClassVar[str] = "copy"
    caps: ClassVar[c.Caps] = c.Caps(
        traits=frozenset({c.DOM0_FRAMES}),
        reserve_frames=True,
        hazard=c.HazardKind.POOL_FRAME,
        grant_ops=frozenset({"copy", "map", "unmap"}),  # map/unmap: the blktap2 flavour
    )
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        if ctx.options.copy_flavour not in FLAVOURS:
            raise ValueError(
                f"copy flavour {ctx.options.copy_flavour!r}: choose one of {', '.join(FLAVOURS)}"
            )
        self.ctx = ctx
        self.flavour = ctx.options.copy_flavour
        self.copy_failures = 0

    def frames_needed(self, req: PendingReq) -> int:
        return len(req.segments)

    def prepare(self, req: PendingReq) -> None:
        req.token = req.pool_frames
        use_pool_frames(self.ctx, req)
        if req.is_write and req.segments:
            self._move(req, to_guest=False)

    def finish(self, req: PendingReq) -> None:
        if req.token is None:
            return
        if not req.is_write and req.segments and req.status == blkif.BLKIF_RSP_OKAY:
            try:
                self._move(req, to_guest=True)
            except RequestError:
                req.status = blkif.BLKIF_RSP_ERROR
        self._release(req)

    def _release(self, req: PendingReq) -> None:
        req.bufs = []
        self.ctx.give_frames(req)
        req.token = None

    def _move(self, req: PendingReq, to_guest: bool) -> None:
        if self.flavour == "gntcopy":
            self._gntcopy(req, to_guest)
        else:
            self._map_memcpy(req, to_guest)

    def _gntcopy(self, req: PendingReq, to_guest: bool) -> None:
        port, dom = self.ctx.port, self.ctx.frontend_domid
        ops = [
            CopyOp(
                s.gref,
                dom,
                s.first_sect * 512,
                mfn,
                s.first_sect * 512,
                (s.last_sect - s.first_sect + 1) * 512,
                to_guest,
            )
            for mfn, s in zip(req.frames, req.segments, strict=True)  # looked up once, in prepare
        ]
        statuses = grant_copy(port, ops)
        if any(st != gnttab.GNTST_okay for st in statuses):
            self.copy_failures += 1
            if not to_guest:
                self._release(req)
            raise RequestError(blkif.BLKIF_RSP_ERROR, f"grant copy failed: {statuses}")

    def _map_memcpy(self, req: PendingReq, to_guest: bool) -> None:
        ctx = self.ctx
        vas = ctx.va.take(len(req.segments))
        maps = map_grants(
            ctx.port, ctx.frontend_domid, [s.gref for s in req.segments], vas, readonly=not to_guest
        )
        try:
            if any(m.status != gnttab.GNTST_okay for m in maps):
                self.copy_failures += 1
                if not to_guest:
                    self._release(req)
                raise RequestError(blkif.BLKIF_RSP_ERROR, "blktap2 map failed")
            for m, buf, s in zip(maps, req.bufs, req.segments, strict=True):
                guest = segment_slice(ctx.port.page_view(m.va), s.first_sect, s.last_sect)
                if to_guest:
                    guest[:] = buf
                else:
                    buf[:] = guest
                ctx.meter.charge("memcpy", len(buf))
        finally:
            unmap_grants(ctx.port, maps)
            ctx.va.give(vas)

    def teardown(self) -> None:
        pass
