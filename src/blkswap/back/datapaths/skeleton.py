"""A documented template for a new data path (fio ``engines/skeleton_external.c``, docs/design.md lesson 3).

Copy this file, rename the class and ``name``, fill in the hooks, and add the class to the
registry in ``datapaths/__init__.py``. The backend loop calls the hooks in this order for every
request it accepts; nothing else in the backend needs to change.

This class is not registered: it does nothing useful (it fails every data request) and exists to
be read.
"""

from __future__ import annotations

from typing import ClassVar

from blkswap.abi import blkif
from blkswap.back.caps import Caps
from blkswap.back.datapaths.base import API_VERSION, BackendContext
from blkswap.back.request import PendingReq, RequestError


class SkeletonPath:
    #: Required. The name users pass to ``--datapath``.
    name: ClassVar[str] = "skeleton"
    #: Required. What the path does and needs (back/caps.py): negotiation, pool admission and
    #: the retransmit-hazard code read these, never the name. The defaults: works with any
    #: blkfront, needs no pool frames, holds no page after I/O, runs on a real Xen.
    caps: ClassVar[Caps] = Caps()
    #: Required. Checked at registration; bump base.API_VERSION when the hooks change.
    api_version: ClassVar[int] = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        """Required. One instance per ring. ``ctx`` holds dom0's port (hypercalls, memory), the
        frontend's domid, the VBD's frame pool, the address space for mappings, the options, the
        meter (report CPU work that is not a hypercall: ``ctx.meter.charge("memcpy", nbytes)``)
        and a clock (``ctx.now()``)."""
        self.ctx = ctx

    def frames_needed(self, req: PendingReq) -> int:
        """Required. How many dom0 frames ``prepare`` needs from the pool. The loop takes them
        before calling ``prepare`` (they arrive in ``req.pool_frames``) or parks the request until
        the pool can give them; return 0 to skip admission."""
        return 0

    def prepare(self, req: PendingReq) -> None:
        """Required. Called after validation, before storage I/O. Set ``req.bufs`` to one
        memoryview per segment (4 KiB page sliced to first_sect..last_sect) and ``req.frames`` /
        ``req.page_vas`` to the machine frames and dom0 addresses behind them (the retransmit
        hazard needs them). For a WRITE the data must be in ``req.bufs`` when this returns. On
        failure release what you took (``ctx.give_frames(req)``) and raise RequestError: the
        loop answers BLKIF_RSP_ERROR."""
        raise RequestError(blkif.BLKIF_RSP_ERROR, "the skeleton data path moves no data")

    def finish(self, req: PendingReq) -> None:
        """Required. Called after storage I/O, before the response. For a READ the data must be
        in the guest's pages when this returns. Release mappings and frames (``ctx.give_frames``),
        set ``req.status`` on failure and ``req.rsp_extra`` for bytes after the response."""
        self.ctx.give_frames(req)

    def teardown(self) -> None:
        """Optional work, required hook. Called on disconnect: drop everything still held
        (persistent mappings, private frames)."""
