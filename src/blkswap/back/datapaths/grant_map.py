"""``map`` data path: map the guest's pages, do storage I/O on them, unmap (Linux blkback).

Per request (xen-abi.md §5.1, §8): GNTTABOP_map_grant_ref in hypercalls of at most 11 ops
(GNTMAP_host_map, plus GNTMAP_readonly for WRITE requests since the backend only reads guest
memory then), storage I/O straight to/from the mapped frames (zero copy), and after the I/O one
GNTTABOP_unmap_grant_ref hypercall for the whole request — Xen flushes the TLBs of dom0's vCPUs
once per ≤32 unmaps, which is what makes this path stop scaling on a large dom0.
"""

from __future__ import annotations

from typing import ClassVar, cast

from blkswap.abi import blkif, gnttab
from blkswap.back import caps as c
from blkswap.back.datapaths.base import API_VERSION, BackendContext, segment_slice
from blkswap.back.grantops import Mapping, map_grants, unmap_and_replace, unmap_grants
from blkswap.back.request import PendingReq, RequestError

REPLACED = 1  # Mapping.status of an element released by unmap_and_replace (not a GNTST code)


class MapPath:
    name: ClassVar[str] = "map"
    caps: ClassVar[c.Caps] = c.Caps(
        traits=frozenset({c.ZERO_COPY}),
        reserve_frames=True,
        hazard=c.HazardKind.GUEST_MAPPING,
        grant_ops=frozenset({"map", "unmap", "unmap_and_replace"}),
    )
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.map_failures = 0

    def frames_needed(self, req: PendingReq) -> int:
        # Linux backs each mapping with a page frame of dom0's (gnttab_page_cache_get; blktap2's
        # pool): the lab charges one pool frame per mapped segment, while the emulator places the
        # mapping itself at a separate address (VaSpace).
        return len(req.segments)

    def prepare(self, req: PendingReq) -> None:
        ctx = self.ctx
        refs = [s.gref for s in req.segments]
        vas = ctx.va.take(len(refs))
        maps = map_grants(ctx.port, ctx.frontend_domid, refs, vas, readonly=req.is_write)
        req.token = maps
        if [m for m in maps if m.status != gnttab.GNTST_okay]:  # (no generator frame)
            self.map_failures += 1
            self._release(maps)
            ctx.give_frames(req)
            req.token = None
            bad = next(m for m in maps if m.status != gnttab.GNTST_okay)
            raise RequestError(
                blkif.BLKIF_RSP_ERROR, f"map of gref {bad.ref} failed: GNTST {bad.status}"
            )
        req.bufs = [
            segment_slice(ctx.port.page_view(m.va), s.first_sect, s.last_sect)
            for m, s in zip(maps, req.segments, strict=True)
        ]
        req.frames = [m.mfn for m in maps]
        req.page_vas = [m.va for m in maps]

    def replace_mapping(self, req: PendingReq, i: int, gfn: int) -> None:
        """Hazard policy "replace": GNTTABOP_unmap_and_replace the i-th mapping with dom0's page
        ``gfn`` (a private copy): the grant is released now, the slot keeps the copy's PTE."""
        m = cast("list[Mapping]", req.token)[i]  # our token from prepare
        status = unmap_and_replace(self.ctx.port, [(m.va, gfn << 12, m.handle)])[0]
        if status == gnttab.GNTST_okay:
            m.status = REPLACED
            req.replaced.append(gfn)

    def finish(self, req: PendingReq) -> None:
        maps = cast("list[Mapping] | None", req.token)
        req.bufs = []
        for m in maps or ():
            if m.status == REPLACED:  # the slot holds an alias of our copy: drop it
                self.ctx.port.clear_va(m.va)
        for gfn in req.replaced:
            self.ctx.port.restore(gfn)  # the copy's kernel mapping (its PTE moved away)
        if maps:
            self._release(maps)
        req.token = None
        self.ctx.give_frames(req)

    def _release(self, maps: list[Mapping]) -> None:
        unmap_grants(self.ctx.port, maps)  # skips elements already replaced (status ≠ okay)
        self.ctx.va.give([m.va for m in maps])

    def teardown(self) -> None:
        pass
