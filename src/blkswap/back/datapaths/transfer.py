"""``transfer`` data path: page flipping with GNTTABOP_transfer (reads), grant copy (writes).

READ (xen-abi.md §1.9 transfer): the frontend offers one accept-transfer grant per segment and has
given up the frame behind each buffer page (balloon). The backend reads into frames of its own
and transfers each frame to the guest, which finds it at the gfn named in the entry. Xen flushes
the donor's TLB per op; the frames are gone from dom0, which replenishes its reserve with fresh
order-0 allocations (``FramePool.lose`` now, ``refill`` on the loop's next run). Partial segments leave the rest of the page
as the donor frame had it: zeroed with ``scrub`` (default), stale otherwise.

WRITE: page flipping moves whole frames toward the receiver, so a guest→dom0 transfer would need
the guest to donate its buffer pages (and be refilled) — netfront's old tx path never did that
either; it used copy. The lab does the same: writes (and flushes) use one GNTTABOP_copy hypercall,
exactly as the ``copy`` path.
"""

from __future__ import annotations

from typing import ClassVar, cast

from blkswap.abi import blkif, gnttab
from blkswap.back import caps as c
from blkswap.back.datapaths.base import (
    API_VERSION,
    BackendContext,
    scrub,
    use_pool_frames,
)
from blkswap.back.datapaths.grant_copy import CopyPath
from blkswap.back.grantops import pack_transfers, transfer_statuses
from blkswap.back.request import PendingReq


class TransferPath:
    name: ClassVar[str] = "transfer"
    caps: ClassVar[c.Caps] = c.Caps(
        traits=frozenset({c.DOM0_FRAMES, c.OWNERSHIP}),
        frontend_feature="transfer",
        fallback="copy",
        reserve_frames=True,
        hazard=c.HazardKind.POOL_FRAME,
        grant_ops=frozenset({"transfer", "copy"}),  # writes go by copy
        real_xen=(
            "GNTTABOP_transfer gives away a frame owned by dom0's kernel (not user space), and "
            "Linux blkfront never offers accept-transfer grants"
        ),
    )
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self._writes = CopyPath(ctx)
        self.transfer_failures = 0
        self.frames_given = 0

    def frames_needed(self, req: PendingReq) -> int:
        return len(req.segments)

    def prepare(self, req: PendingReq) -> None:
        if req.is_write:
            self._writes.prepare(req)
            return
        ctx = self.ctx
        req.token = req.pool_frames
        if ctx.options.scrub:
            scrub(ctx, req.pool_frames, req.segments)
        use_pool_frames(ctx, req)

    def finish(self, req: PendingReq) -> None:
        if req.is_write:
            self._writes.finish(req)
            return
        gfns = cast("list[int] | None", req.token)  # our token from prepare
        req.bufs = []
        if gfns is None:
            return
        req.token = None
        if req.status != blkif.BLKIF_RSP_OKAY:
            self.ctx.give_frames(req)
            return
        dom = self.ctx.frontend_domid
        # PV: the transfer names the caller's frame by machine frame number (xen-abi.md §1.6)
        port = self.ctx.port
        args = pack_transfers(
            [(port.gfn_to_mfn(gfn), dom, s.gref) for gfn, s in zip(gfns, req.segments, strict=True)]
        )
        self.ctx.port.grant_table_op(gnttab.GNTTABOP_transfer, args, len(gfns))
        statuses = transfer_statuses(args, len(gfns))
        # The page is lost to the donor even when the transfer fails (xen-abi.md §1.9, §6), except
        # for bad_page, which leaves it with us.
        lost = [g for g, st in zip(gfns, statuses, strict=True) if st != gnttab.GNTST_bad_page]
        kept = [g for g, st in zip(gfns, statuses, strict=True) if st == gnttab.GNTST_bad_page]
        self.frames_given += len(lost)
        self.ctx.pool.lose(lost, self.ctx.owner)  # replaced by fresh order-0 pages on refill()
        self.ctx.pool.give(kept, self.ctx.owner)
        req.pool_frames = []
        if any(st != gnttab.GNTST_okay for st in statuses):
            self.transfer_failures += 1
            req.status = blkif.BLKIF_RSP_ERROR

    def teardown(self) -> None:
        self._writes.teardown()
