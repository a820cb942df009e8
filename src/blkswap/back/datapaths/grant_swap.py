"""``swap`` data path: exchange guest frames with frames from a dom0 reserve (GNTTABOP_swap, op 13).

The proposal in the seed thread (Andres Lagar-Cavilla, 2010-11-17), docs/design.md §4:

* WRITE — at pull time each guest frame is swapped with a reserve frame; dom0 now owns the guest's
  data and writes it out; the guest owns a frame whose contents the backend controls. With
  ``scrub`` (default) that frame is zeroed before it crosses; with ``swap_copyback`` the write
  data is copied back into it with one GNTTABOP_copy (the "async memcpy window", point 7), so the
  guest keeps its buffer; with neither, the guest receives whatever the reserve frame last held —
  possibly another domain's data (the leak the lab must show). ``scrub`` still zeroes the
  frames when ``swap_copyback`` is on: the copy-back runs after the swap, and if Xen refuses it
  the guest is left holding the reserve frame as it was — so the frame is clean before it
  crosses, not only once the copy lands (the lab's choice, not the thread's: a copy-back alone
  leaked a recycled frame's contents when the copy failed).
* READ — the storage read lands in a reserve frame; when the response is pushed, that frame is
  swapped with the guest's. The guest's old frame joins the reserve. A partial segment
  (first_sect/last_sect not covering the page) leaves the rest of the frame as it was: zeroed with
  ``scrub``, stale otherwise.

All swaps of a request go in ONE multicall (seed point 6) holding one GNTTABOP_swap sub-call with
an element per segment, so Xen flushes each domain's TLB once per request.
The new mfns reach the guest in the grant entries (Xen rewrites ``frame``) and in the response
slot extension (``blkswap.abi.swap_ext``).
"""

from __future__ import annotations

from typing import ClassVar, cast

from blkswap.abi import blkif, gnttab
from blkswap.abi.swap_ext import encode_new_frames
from blkswap.back import caps as c
from blkswap.back.datapaths.base import (
    API_VERSION,
    BackendContext,
    scrub,
    use_pool_frames,
)
from blkswap.back.grantops import CopyOp, grant_copy, pack_swaps, unpack_swaps
from blkswap.back.request import PendingReq, RequestError


class SwapPath:
    name: ClassVar[str] = "swap"
    caps: ClassVar[c.Caps] = c.Caps(
        traits=frozenset({c.DOM0_FRAMES, c.OWNERSHIP}),
        frontend_feature="swap",
        fallback="copy",
        max_indirect_segments=0,  # the new frames ride in the response slot: ≤ 11 (abi.swap_ext)
        reserve_frames=True,
        hazard=c.HazardKind.POOL_FRAME,
        grant_ops=frozenset({"swap", "copy"}),  # copy: swap_copyback
        real_xen=(
            "GNTTABOP_swap (op 13) is the lab's extension: a stock Xen answers -ENOSYS, and it "
            "would need a dom0 kernel owning the reserve frames' P2M/M2P and a blkfront offering "
            "feature-swap"
        ),
    )
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.swap_failures = 0
        self.scrubbed_bytes = 0

    def frames_needed(self, req: PendingReq) -> int:
        return len(req.segments)

    def prepare(self, req: PendingReq) -> None:
        ctx = self.ctx
        gfns = req.pool_frames
        req.token = gfns
        if req.is_write and req.segments:
            if ctx.options.scrub:  # also with copy-back: a refused copy must not leak (above)
                self.scrubbed_bytes += scrub(ctx, gfns)
            req.rsp_extra = encode_new_frames(self._swap(req))  # the loop returns frames on error
            if ctx.options.swap_copyback:
                self._copy_back(req)
        elif req.segments and ctx.options.scrub:
            self.scrubbed_bytes += scrub(ctx, gfns, req.segments)
        use_pool_frames(ctx, req)

    def finish(self, req: PendingReq) -> None:
        gfns = cast("list[int] | None", req.token)  # our token from prepare
        req.bufs = []
        if gfns is None:
            return
        if not req.is_write and req.segments and req.status == blkif.BLKIF_RSP_OKAY:
            try:
                req.rsp_extra = encode_new_frames(self._swap(req))
            except RequestError:
                req.status = blkif.BLKIF_RSP_ERROR
        self.ctx.give_frames(req)
        req.token = None

    def _swap(self, req: PendingReq) -> list[int]:
        """Swap every segment's guest frame with our reserve frame, in one multicall.

        The multicall carries one GNTTABOP_swap sub-call with all the request's elements, so Xen
        flushes each domain's TLB once per request rather than once per segment.
        """
        port, dom = self.ctx.port, self.ctx.frontend_domid
        n = len(req.segments)
        args = pack_swaps(
            [
                (port.gfn_to_mfn(gfn), s.gref, dom)
                for gfn, s in zip(cast("list[int]", req.token), req.segments, strict=True)
            ]
        )
        port.multicall([(gnttab.HYPERVISOR_grant_table_op, (gnttab.GNTTABOP_swap, args, n))])
        results = unpack_swaps(args, n)
        if any(st != gnttab.GNTST_okay for st, _ in results):
            # Segments that did swap stay swapped (their frames are now ours/theirs); the request
            # fails as a whole, like a failed map in blkback.
            self.swap_failures += 1
            raise RequestError(blkif.BLKIF_RSP_ERROR, f"swap failed: {[st for st, _ in results]}")
        return [frame for _, frame in results]

    def _copy_back(self, req: PendingReq) -> None:
        """Copy the write data into the guest's new frames (GNTTABOP_copy, one hypercall). If it
        fails, the request fails: the guest keeps the frame it was swapped, zeroed before the
        swap with ``scrub``, as it was in the reserve without."""
        port, dom = self.ctx.port, self.ctx.frontend_domid
        ops = [
            CopyOp(s.gref, dom, 0, port.gfn_to_mfn(gfn), 0, 4096, to_guest=True)
            for gfn, s in zip(cast("list[int]", req.token), req.segments, strict=True)
        ]
        statuses = grant_copy(port, ops)
        if any(st != gnttab.GNTST_okay for st in statuses):
            raise RequestError(blkif.BLKIF_RSP_ERROR, f"swap copy-back failed: {statuses}")

    def teardown(self) -> None:
        pass
