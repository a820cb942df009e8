"""``null`` data path: answer every request without moving data (fio's null engine).

Tests the ring, the loop and the timing engine without grant semantics. Reads return nothing
(the guest's pages are left untouched) and writes are dropped, so verification must be off.
"""

from __future__ import annotations

from typing import ClassVar

from blkswap.back import caps as c
from blkswap.back.datapaths.base import API_VERSION, BackendContext
from blkswap.back.request import PendingReq


class NullPath:
    name: ClassVar[str] = "null"
    caps: ClassVar[c.Caps] = c.Caps(traits=frozenset({c.NO_DATA}))
    api_version: ClassVar[int] = API_VERSION

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
