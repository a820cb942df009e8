"""Frame pools: dom0 memory for foreign I/O, rationed among backends (seed: Daniel Stodden's design).

The toolstack creates a pool (a name and a size in frames), resizes it — "according to the physical
queue depth [estimate] of the underlying storage" — and destroys it; each backend binds its VBDs to
one pool. Data paths that need dom0 frames (copy buffers, the swap reserve, the pages behind map's
foreign mappings, transfer donors, persistent grants) take them from the VBD's pool.

Getting frames can fail under congestion, and a single-threaded backend must not block, so the
pool offers what ``.poll`` offered in the seed: :meth:`wait` registers one waiter for ``n`` frames
and the pool serves waiters in FIFO order as frames come back. A backend keeps at most one wait
registered and re-registers at the tail after being served, so waiting backends are woken
**round-robin** and none starves (a request for 11 frames is never overtaken forever by requests
for 1). Frames are never stolen: shrinking below the frames in use releases frames as they return.

Pools isolate physical backends: two devices with their own pools draw on separate stocks.

Sizing (:func:`default_frames`): "two rings worth" — 2 × 32 requests × 11 segments = 704 frames,
the classic blkback figure — scaled by the device's queue depth when it is deeper than a ring.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from blkswap.xen.port import DomainPort

CLASSIC_FRAMES = 2 * 32 * 11  # 704: "Blkback still defaults to 2 rings worth" (seed)
MAX_DEFAULT_FRAMES = 32768


def default_frames(queue_depth: int) -> int:
    """Two rings worth, or two device queues worth of 11-segment requests if the device is deeper."""
    return min(MAX_DEFAULT_FRAMES, max(CLASSIC_FRAMES, 2 * 11 * queue_depth))


class PoolError(Exception):
    """A toolstack operation the pool refuses (the message says why, errno-style)."""


@dataclass(eq=False)
class Waiter:
    n: int
    owner: str
    callback: Callable[[list[int] | None], None]
    since: int


@dataclass
class PoolStats:
    waits: int = 0  #: requests that found the pool short and waited
    wakeups: int = 0  #: waiters served when frames came back
    wait_ns: list[int] = field(default_factory=list)  #: how long each waiter waited (sim ns)
    taken: dict[str, int] = field(default_factory=dict)  #: frames handed out per owner (VBD)
    peak_by_owner: dict[str, int] = field(default_factory=dict)
    abandoned: int = 0  #: frames given to normal kernel lifetime (hazard policy "abandon")
    refills: int = 0  #: fresh order-0 allocations that replaced lost/abandoned frames


class FramePool:
    """A named stock of dom0 frames (by gfn) with FIFO/round-robin admission."""

    def __init__(
        self, port: DomainPort, name: str, frames: int, clock: Callable[[], int] | None = None
    ) -> None:
        if frames < 0:
            raise PoolError(f"pool {name!r}: size must be ≥ 0 frames, got {frames}")
        self.port = port
        self.name = name
        self.clock = clock or (lambda: 0)
        self._free: deque[int] = deque(self._alloc(frames))
        self.frames = frames  #: target size
        self.in_use = 0
        self.peak = 0
        self._in_use_by: dict[str, int] = {}
        self._shrink = 0  #: frames still to release as they come back
        self._refill = 0  #: lost frames to replace on the next refill()
        self._waiters: deque[Waiter] = deque()
        self.bound: set[str] = set()
        self.stats = PoolStats()
        self.destroyed = False
        #: ``reclaim(n)`` of paths holding idle frames (persistent grants), asked when a wait
        #: cannot be served: frames another backend's idle grants sit on would otherwise never
        #: come back while that backend has no I/O (a stall; lab addition, as ``reclaim`` is)
        self._reclaimers: list[tuple[str, Callable[[int], int], Callable[[], int]]] = []

    # -- toolstack operations -----------------------------------------------------------------
    def bind(self, owner: str) -> None:
        self._alive()
        self.bound.add(owner)

    def unbind(self, owner: str) -> None:
        self.bound.discard(owner)

    def resize(self, frames: int) -> None:
        """Grow now; shrink by releasing idle frames now and the rest as they come back."""
        self._alive()
        if frames < 0:
            raise PoolError(f"pool {self.name!r}: size must be ≥ 0 frames, got {frames}")
        delta = frames - self.frames
        self.frames = frames
        if delta > 0:
            cancel = min(self._shrink, delta)
            self._shrink -= cancel
            self._free.extend(self._alloc(delta - cancel))
            self._serve()
        elif delta < 0:
            release = min(-delta, len(self._free))
            for _ in range(release):
                self.port.free_page(self._free.popleft())
            self._shrink += -delta - release
            # waiters that can never fit any more are told so, rather than block the FIFO forever
            doomed = [w for w in self._waiters if w.n > frames]
            self._waiters = deque(w for w in self._waiters if w.n <= frames)
            for w in doomed:
                w.callback(None)
            self._serve()

    def destroy(self) -> None:
        """Free every frame; refused (EBUSY) while a VBD is bound or frames are in use."""
        if self.bound:
            raise PoolError(
                f"pool {self.name!r}: EBUSY, still bound to {', '.join(sorted(self.bound))}"
            )
        if self.in_use:
            raise PoolError(f"pool {self.name!r}: EBUSY, {self.in_use} frames still in use")
        while self._free:
            self.port.free_page(self._free.pop())
        self.frames = 0
        self.destroyed = True

    # -- data-path operations -------------------------------------------------------------------
    @property
    def available(self) -> int:
        return len(self._free)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def take(self, n: int, owner: str = "") -> list[int] | None:
        """``n`` frames now, or None (then :meth:`wait`). Never jumps the queue of waiters."""
        self._alive()
        if n > len(self._free) or self._waiters:
            return None
        return self._hand_out(n, owner)

    def wait(
        self, n: int, owner: str, callback: Callable[[list[int] | None], None]
    ) -> Waiter | None:
        """Register for ``n`` frames; ``callback(gfns)`` runs when they are handed over (possibly
        at once, from inside this call), or ``callback(None)`` if a shrink makes the request
        impossible. Returns a handle for :meth:`cancel`, or None if already served."""
        self._alive()
        if n > self.frames:
            raise PoolError(
                f"pool {self.name!r}: a request for {n} frames can never fit in {self.frames}"
            )
        self.stats.waits += 1
        waiter = Waiter(n, owner, callback, self.clock())
        self._waiters.append(waiter)
        self._serve()
        self._reclaim()
        return waiter if any(w is waiter for w in self._waiters) else None

    def add_reclaimer(
        self, owner: str, reclaim: Callable[[int], int], idle: Callable[[], int]
    ) -> None:
        """``reclaim(n)`` frees up to ``n`` idle frames of ``owner``; ``idle()`` counts them."""
        self._reclaimers.append((owner, reclaim, idle))

    def remove_reclaimer(self, reclaim: Callable[[int], int]) -> None:
        self._reclaimers = [e for e in self._reclaimers if e[1] != reclaim]

    def _reclaim(self) -> None:
        """Only when the first waiter would otherwise stall -- the frames held by requests in
        flight, once back, still would not be enough -- ask the other holders of idle frames
        for the rest (the waiter's own backend gave back what it could before waiting)."""
        if not self._waiters or not self._reclaimers:
            return
        idle = sum(count() for _o, _r, count in self._reclaimers)
        if len(self._free) + (self.in_use - idle) >= self._waiters[0].n:
            return  # frames in flight will come back: no stall
        for owner, reclaim, _count in list(self._reclaimers):
            if not self._waiters:
                return
            short = self._waiters[0].n - len(self._free)
            if short <= 0:
                return
            if owner != self._waiters[0].owner:
                reclaim(short)  # gives frames back through give(), which serves the waiters

    def cancel(self, waiter: Waiter | None) -> None:
        """Withdraw one registered wait (by identity: two waits may look alike)."""
        self._waiters = deque(w for w in self._waiters if w is not waiter)

    def give(self, gfns: list[int], owner: str = "") -> None:
        self.in_use -= len(gfns)
        if owner:
            self._in_use_by[owner] = self._in_use_by.get(owner, 0) - len(gfns)
        for gfn in gfns:
            if self._shrink:
                self._shrink -= 1
                self.port.free_page(gfn)
            else:
                self._free.append(gfn)
        self._serve()

    def lose(self, gfns: list[int], owner: str = "", *, abandoned: bool = False) -> None:
        """Frames that left dom0's hands (transferred away, or abandoned to normal page lifetime):
        the pool replaces them with fresh order-0 allocations on the next :meth:`refill`."""
        self.in_use -= len(gfns)
        if owner:
            self._in_use_by[owner] = self._in_use_by.get(owner, 0) - len(gfns)
        if abandoned:
            self.stats.abandoned += len(gfns)
        self._refill += len(gfns)

    def refill(self) -> int:
        """Replace lost frames (the backend calls this once per loop run, as the seed suggests)."""
        n, self._refill = self._refill, 0
        if n:
            keep = max(0, n - self._shrink)
            self._shrink -= n - keep
            self._free.extend(self._alloc(keep))
            self.stats.refills += keep
            self._serve()
        return n

    # -- internals --------------------------------------------------------------------------------
    def _hand_out(self, n: int, owner: str) -> list[int]:
        # LIFO, like Linux's page caches (gnttab_page_cache_get takes the most recently freed,
        # cache-hot page): a frame is reused as soon as it comes back.
        out = [self._free.pop() for _ in range(n)]
        self.in_use += n
        self.peak = max(self.peak, self.in_use)
        if owner:
            self.stats.taken[owner] = self.stats.taken.get(owner, 0) + n
            cur = self._in_use_by[owner] = self._in_use_by.get(owner, 0) + n
            self.stats.peak_by_owner[owner] = max(self.stats.peak_by_owner.get(owner, 0), cur)
        return out

    def _serve(self) -> None:
        while self._waiters and self._waiters[0].n <= len(self._free):
            w = self._waiters.popleft()
            self.stats.wakeups += 1
            self.stats.wait_ns.append(self.clock() - w.since)
            w.callback(self._hand_out(w.n, w.owner))

    def _alloc(self, n: int) -> list[int]:
        """Order-0 dom0 pages: from the kernel's free pages, ballooning in more when it runs out."""
        out: list[int] = []
        while len(out) < n:
            if self.port.free_pages:
                out.append(self.port.alloc_page())
                continue
            more = self.port.increase_reservation(n - len(out))
            if not more:
                raise PoolError(
                    f"pool {self.name!r}: dom0 has no memory left for {n - len(out)} more frames"
                )
            out.extend(more)
        return out

    def _alive(self) -> None:
        if self.destroyed:
            raise PoolError(f"pool {self.name!r}: destroyed")

    def figures(self) -> dict[str, object]:
        """The report's view of this pool (``"blkswap" → "pool"``)."""
        waits = sorted(self.stats.wait_ns)

        def pct(p: float) -> int:
            return waits[min(len(waits) - 1, int(p / 100 * len(waits)))] if waits else 0

        total = sum(self.stats.taken.values()) or 1
        return {
            "name": self.name,
            "frames": self.frames,
            "frames_in_use": self.in_use,
            "frames_peak": self.peak,
            "waits": self.stats.waits,
            "wakeups": self.stats.wakeups,
            "wait_ns": {
                "p50": pct(50),
                "p90": pct(90),
                "p99": pct(99),
                "max": waits[-1] if waits else 0,
            },
            "share": {k: round(v / total, 4) for k, v in sorted(self.stats.taken.items())},
            "peak_by_vbd": dict(sorted(self.stats.peak_by_owner.items())),
            "abandoned_frames": self.stats.abandoned,
            "refills": self.stats.refills,
            "bound": sorted(self.bound),
        }
