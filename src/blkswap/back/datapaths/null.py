"""``null`` data path: answer every request without moving data (fio's null engine).

Tests the ring, the loop and the timing engine without grant semantics. Reads return nothing
(the guest's pages are left untouched) and writes are dropped, so verification must be off.
"""

from __future__ import annotations

from blkswap.back.datapaths.base import API_VERSION, CAP_NO_DATA, BackendContext
from blkswap.back.request import PendingReq


class NullPath:
    name = "null"
    caps = frozenset({CAP_NO_DATA})
    api_version = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx

    def prepare(self, req: PendingReq) -> None:
        req.bufs = []

    def finish(self, req: PendingReq) -> None:
        pass

    def frames_needed(self, req: PendingReq) -> int:
        return 0

    def teardown(self) -> None:
        pass
