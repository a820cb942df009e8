"""The untimed host the fuzzer attacks: Xen, dom0 running the backend, one hostile guest that
writes raw bytes into its ring, and one bystander guest using blkfront normally.

Callbacks (event channels, watches) queue on the hypervisor and :meth:`FuzzHost.pump` drains
them, so the backend runs synchronously; a pump that does not drain is a hang (livelock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from blkswap.abi import blkif
from blkswap.back.io import SyncIo
from blkswap.back.sched import InlineScheduler
from blkswap.front.bio import Bio
from blkswap.front.blkfront import FrontQueue
from blkswap.front.xenbus import BlkFront, FrontConfig
from blkswap.lab.assemble import DEVID as DEVID
from blkswap.lab.assemble import BackendPlan, GuestPlan, build_backend, plug_guest
from blkswap.storage import RamStore
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

DISK = 4 << 20
SECRET = b"BYSTANDER-SECRET"  # 16 bytes; the bystander's data is made of it


def _ignore(_q: FrontQueue) -> None:
    pass


class Hang(Exception):
    """The event queue did not drain: a livelock."""


@dataclass
class Guest:
    domid: int
    port: EmulatedPort
    front: BlkFront
    store: RamStore
    done: list[Bio] = field(default_factory=list)


class FuzzHost:
    def __init__(self, datapath: str, pool_frames: int = 64) -> None:
        self.xen = Xen(frames=4096, deliver=None)
        self.xen.create_domain(pages=pool_frames + 256, vcpus=2)
        self.xen.store.introduce_domain(0)
        self.port0 = EmulatedPort(self.xen, 0)
        plan = BackendPlan(pool_frames=pool_frames)
        self.back = build_backend(self.port0, plan, InlineScheduler(), SyncIo())
        self.datapath = datapath
        # the attacker reads its own responses: its blkfront never handles an upcall
        self.hostile = self._guest(datapath, interrupts=lambda _port: _ignore)
        self.bystander = self._guest(datapath)
        self.pump()
        self.fill_bystander()

    def _guest(
        self,
        datapath: str,
        interrupts: Callable[[EmulatedPort], Callable[[FrontQueue], None]] | None = None,
    ) -> Guest:
        store = RamStore(DISK)
        plan = GuestPlan(
            pages=512, vcpus=1, store=store, front=FrontConfig(protocol="x86_64-abi"),
            datapath=datapath,
        )  # fmt: skip
        port, front = plug_guest(self.xen, self.back, plan, interrupts=interrupts)
        return Guest(port.domid, port, front, store)

    def pump(self, limit: int = 200_000) -> None:
        self.xen.run_pending(limit)
        if self.xen.pending:
            raise Hang(f"{len(self.xen.pending)} callbacks still queued after {limit}")

    # -- the bystander ----------------------------------------------------------------------------
    def bystander_io(self, op: int, sector: int, data: bytes | None = None) -> tuple[int, bytes]:
        """One 4 KiB bio of the bystander; returns (status, the page after completion)."""
        g = self.bystander
        gfn = g.port.alloc_page()
        try:
            if data is not None:
                g.port.page_view(gfn << 12)[:] = data
            bio = Bio(op, sector, [(gfn, 0, 7)], done=g.done.append)
            g.front.submit(bio)
            self.pump()
            if bio not in g.done:
                raise Hang(f"bystander bio at sector {sector} never completed")
            g.done.remove(bio)
            return bio.status, bytes(g.port.page_view(gfn << 12))
        finally:
            g.port.free_page(gfn)

    def fill_bystander(self) -> None:
        for sector in range(0, 64, 8):
            self.bystander_io(blkif.BLKIF_OP_WRITE, sector, SECRET * 256)

    def bystander_ok(self) -> bool:
        """The bystander still reads back its data and can write."""
        st, page = self.bystander_io(blkif.BLKIF_OP_READ, 8)
        return st == blkif.BLKIF_RSP_OKAY and page == SECRET * 256

    # -- the leak check ------------------------------------------------------------------------
    def secret_bytes_in(self, domid: int) -> int:
        """Bytes of the bystander's data found in domain ``domid``'s frames (16-byte aligned)."""
        arena = self.xen.arena
        d = self.xen.domain(domid)
        mfns = np.array([m for m in d.p2m if m >= 0], dtype=np.int64)
        if mfns.size == 0:
            return 0
        words = arena.np.view(np.uint64).reshape(-1, 256, 2)[mfns]  # 256 pairs per page
        want = np.frombuffer(SECRET, dtype=np.uint64)
        hits = (words[..., 0] == want[0]) & (words[..., 1] == want[1])
        return int(hits.sum()) * len(SECRET)

    def leaked_bytes(self) -> int:
        return self.secret_bytes_in(self.hostile.domid) + self.disk_secret(self.hostile.store)

    @staticmethod
    def disk_secret(store: RamStore) -> int:
        buf = bytearray(DISK)
        store.readv(0, [memoryview(buf)])
        words = np.frombuffer(buf, dtype=np.uint64).reshape(-1, 2)
        want = np.frombuffer(SECRET, dtype=np.uint64)
        return int(((words[:, 0] == want[0]) & (words[:, 1] == want[1])).sum()) * len(SECRET)

    def audit(self) -> list[str]:
        return self.xen.audit()

    def close(self) -> Any:
        for g in (self.hostile, self.bystander):
            g.front.close()
        self.pump()
