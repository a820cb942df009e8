"""A host without timing for end-to-end tests: Xen, dom0 with BlkBack, guests with BlkFront.

:class:`Rig` is assembled like ``blkswap.lab.host.Host`` (``build_backend`` + ``plug_guest``) but
with no clock: the hypervisor queues event/watch callbacks (``Xen(deliver=None)``) and
:meth:`Rig.pump` drains them; the backend loop runs at once (``InlineScheduler``) with ``SyncIo``
(or a test's own StorageIo). Bios are submitted
straight to blkfront; bytes are checked in the guests' pages and in the store.

Helpers: :class:`HoldIo` parks storage I/O until released (requests stay in flight in the
backend); :class:`Done` records every completion so "exactly once" can be asserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from blkswap.abi import blkif
from blkswap.abi.xenbus import vdev_encode
from blkswap.back.datapaths.base import DataPathOptions
from blkswap.back.io import StorageIo, SyncIo, perform
from blkswap.back.sched import InlineScheduler
from blkswap.back.vbd import BackendRing
from blkswap.front.bio import Bio
from blkswap.front.xenbus import BlkFront, FrontConfig
from blkswap.lab.assemble import BackendPlan, GuestPlan, build_backend, plug_guest
from blkswap.storage import RamStore
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

DEVID = vdev_encode("xvda")  # 51712
PAGE = 4096
GUEST_VCPUS = 2  # blkfront caps its rings at its vCPUs: room for the 2-queue tests


class Done:
    """Completion recorder: ``bio.done`` target counting calls per bio."""

    def __init__(self) -> None:
        self.calls: dict[int, int] = {}
        self.order: list[Bio] = []

    def __call__(self, bio: Bio) -> None:
        self.calls[id(bio)] = self.calls.get(id(bio), 0) + 1
        self.order.append(bio)

    def count(self, bio: Bio) -> int:
        return self.calls.get(id(bio), 0)


class HoldIo:
    """StorageIo that keeps every request until :meth:`release` (in flight in the backend)."""

    def __init__(self) -> None:
        self.held: list[tuple[Any, Any, Callable[[Any], None]]] = []

    def submit(self, req: Any, store: Any, done: Callable[[Any], None]) -> None:
        self.held.append((req, store, done))

    def release(self, n: int | None = None) -> int:
        batch, self.held = (self.held, []) if n is None else (self.held[:n], self.held[n:])
        for req, store, done in batch:
            req.status = perform(req, store)
            done(req)
        return len(batch)


@dataclass
class Guest:
    domid: int
    port: EmulatedPort
    front: BlkFront
    store: Any
    protocol: str
    done: Done = field(default_factory=Done)


class Rig:
    """One backend domain (dom0) serving ``len(protocols)`` guests, one VBD each."""

    def __init__(
        self,
        datapath: str = "map",
        protocols: Sequence[str] = ("x86_64-abi",),
        *,
        options: DataPathOptions | None = None,
        pool_frames: int = 64,
        disk_bytes: int = 4 << 20,
        guest_pages: int = 256,
        stores: Sequence[Any] | None = None,
        front_config: FrontConfig | Callable[[int], FrontConfig] | None = None,
        io: StorageIo | None = None,
        hazard_policy: str = "none",
        vbd_kwargs: dict[str, Any] | None = None,
    ) -> None:
        n = len(protocols)
        dom0_pages = pool_frames + 256
        frames = dom0_pages + n * (guest_pages + 16) + 64
        self.xen = Xen(frames=frames, deliver=None)
        self.xen.create_domain(pages=dom0_pages, vcpus=2)
        self.xen.store.introduce_domain(0)
        self.port0 = EmulatedPort(self.xen, 0)
        self.scheduler = InlineScheduler()
        plan = BackendPlan(
            options=options or DataPathOptions(),
            pool_frames=pool_frames,
            hazard_policy=hazard_policy,
        )
        self.back = build_backend(self.port0, plan, self.scheduler, io or SyncIo())
        self.guests: list[Guest] = []
        for i, proto in enumerate(protocols):
            fcfg = front_config(i) if callable(front_config) else front_config or FrontConfig()
            fcfg = FrontConfig(**{**_fields(fcfg), "protocol": proto})
            store = stores[i] if stores else RamStore(disk_bytes)
            guest = GuestPlan(
                pages=guest_pages, vcpus=GUEST_VCPUS, store=store, front=fcfg, datapath=datapath
            )
            port, front = plug_guest(self.xen, self.back, guest, vbd=vbd_kwargs)
            self.guests.append(Guest(port.domid, port, front, store, proto))
        self.pump()

    # -- driving ----------------------------------------------------------------------------------
    def pump(self, limit: int = 1_000_000) -> int:
        """Run queued event/watch callbacks until none are left (fails on a livelock)."""
        n = self.xen.run_pending(limit)
        if self.xen.pending:
            raise AssertionError(f"still {len(self.xen.pending)} callbacks after {limit}: livelock")
        return n

    @property
    def pool(self) -> Any:
        """The backend's default frame pool (dom0 frames for foreign I/O)."""
        return self.back.pools["default"]

    def guest(self, i: int = 0) -> Guest:
        return self.guests[i]

    def ring(self, i: int = 0, q: int = 0) -> BackendRing:
        vbd = self.back.vbd(self.guests[i].domid, DEVID)
        assert vbd is not None, "VBD not connected"
        return vbd.rings[q]

    def pages(self, g: Guest, n: int) -> list[int]:
        return [g.port.alloc_page() for _ in range(n)]

    def bio(
        self,
        g: Guest,
        op: int,
        sector: int,
        layout: Sequence[tuple[int, int]],
        data: bytes | None = None,
        *,
        gfns: Sequence[int] | None = None,
        queue: int = 0,
    ) -> Bio:
        """A bio over fresh pages; ``layout`` = (first_sect, last_sect) per segment. For a write,
        ``data`` (default: a pattern) is put into the segments' byte ranges."""
        gfns = list(gfns) if gfns is not None else self.pages(g, len(layout))
        segs = [(gfn, f, last) for gfn, (f, last) in zip(gfns, layout, strict=True)]
        bio = Bio(op, sector, segs, done=g.done, queue=queue)
        if data is not None:
            if len(data) != bio.nbytes:
                raise ValueError(f"data is {len(data)} bytes, layout covers {bio.nbytes}")
            put_segments(g.port, segs, data)
        return bio

    def submit(self, g: Guest, *bios: Bio, pump: bool = True) -> None:
        for b in bios:
            g.front.submit(b)
        if pump:
            self.pump()

    def write(self, g: Guest, sector: int, data: bytes, per_seg: int = 8) -> Bio:
        """WRITE ``data`` (a multiple of 512) at ``sector`` with full/partial page segments."""
        bio = self.bio(g, blkif.BLKIF_OP_WRITE, sector, layout_for(len(data), per_seg), data)
        self.submit(g, bio)
        return bio

    def read(self, g: Guest, sector: int, nbytes: int, per_seg: int = 8) -> tuple[Bio, bytes]:
        bio = self.bio(g, blkif.BLKIF_OP_READ, sector, layout_for(nbytes, per_seg))
        self.submit(g, bio)
        return bio, get_segments(g.port, bio.segments)

    def close(self) -> None:
        for g in self.guests:
            g.front.close()
        self.pump()


def _fields(cfg: FrontConfig) -> dict[str, Any]:
    return {name: getattr(cfg, name) for name in FrontConfig.__dataclass_fields__}


def layout_for(nbytes: int, per_seg: int = 8) -> list[tuple[int, int]]:
    """Segments of ``per_seg`` sectors (the last one shorter), each starting at sector 0."""
    if nbytes % 512 or nbytes <= 0:
        raise ValueError(f"{nbytes} is not a positive multiple of 512")
    sectors, out = nbytes // 512, []
    while sectors:
        n = min(per_seg, sectors)
        out.append((0, n - 1))
        sectors -= n
    return out


def put_segments(port: Any, segs: Sequence[tuple[int, int, int]], data: bytes) -> None:
    pos = 0
    for gfn, first, last in segs:
        n = (last - first + 1) * 512
        port.page_view(gfn << 12)[first * 512 : first * 512 + n] = data[pos : pos + n]
        pos += n


def get_segments(port: Any, segs: Sequence[tuple[int, int, int]]) -> bytes:
    out = bytearray()
    for gfn, first, last in segs:
        out += port.page_view(gfn << 12)[first * 512 : (last + 1) * 512]
    return bytes(out)


def store_bytes(store: Any, offset: int, n: int) -> bytes:
    """Read ``n`` bytes straight from a BlockStore (bypassing the guest)."""
    buf = bytearray(n)
    store.readv(offset, [memoryview(buf)])
    return bytes(buf)


def pattern(n: int, seed: int) -> bytes:
    """``n`` deterministic, non-repeating-per-sector bytes (sector k starts with seed and k)."""
    out = bytearray()
    for k in range(-(-n // 512)):
        head = f"s{seed}:k{k}:".encode()
        out += (head + bytes((seed * 31 + k * 7 + j) & 0xFF for j in range(512 - len(head))))[:512]
    return bytes(out[:n])


def counters(rig: Rig) -> Any:
    return rig.xen.counters.snapshot()
