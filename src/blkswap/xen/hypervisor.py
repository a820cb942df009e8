"""The emulated Xen host: :class:`Xen` ties together memory, domains, grant tables and ops.

Create one per experiment (no global state): ``Xen(frames=65536, deliver=None)``. Hypercalls
are methods taking the caller's domid: :meth:`Xen.grant_table_op` and :meth:`Xen.multicall`.
Event channels and xenstore live in ``xen.evtchn`` / ``xen.store`` (blkswap.xen.evtchn /
blkswap.xen.xenstore); they deliver callbacks through :meth:`Xen.deliver`.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Callable
from typing import Any

from blkswap.abi import gnttab as g
from blkswap.xen import audit as _audit
from blkswap.xen import lifecycle
from blkswap.xen.arena import FREE, SHARED, Arena
from blkswap.xen.counters import (
    FRAMES_FREED,
    FRAMES_SCRUBBED,
    GRANT_OPS,
    HYPERCALLS,
    INDEX,
    OP_INDEX,
    TLB_FLUSH_IPIS,
    TLB_FLUSH_VCPUS,
    TLB_FLUSHES,
    Counters,
)
from blkswap.xen.domain import Domain
from blkswap.xen.errors import DomainError, FrameError
from blkswap.xen.gnttab_op import do_grant_table_op
from blkswap.xen.grant_table import MAX_GRANT_FRAMES
from blkswap.xen.multicall import MulticallEntry, run_multicall
from blkswap.xen.ops_common import EFAULT

N_OPS = len(GRANT_OPS)  #: a grant op's call count sits this far after its element count


def _optional(module: str, cls: str, xen: Xen) -> Any:
    """Build blkswap.xen.<module>.<cls>(xen) if that module exists (written separately)."""
    try:
        mod = importlib.import_module(f"blkswap.xen.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"blkswap.xen.{module}":
            raise
        return None
    return getattr(mod, cls)(xen)


class Xen:
    """One emulated host.

    ``frames``: machine frames in the arena (4 KiB each; mfn 0 is reserved).
    ``deliver``: optional ``Callable[[Callable[[], None]], None]`` used for event/watch delivery;
    without it callbacks queue on ``pending`` and run via :meth:`run_pending`.
    ``swap_requires_neutered``: GNTTABOP_swap refuses (general_error) a guest frame whose
    kernel mapping is still present (docs/xen.md "swap"); False models a hypothetical Xen that
    zaps the guest PTE itself.
    """

    def __init__(
        self,
        frames: int = 65536,
        deliver: Callable[[Callable[[], None]], None] | None = None,
        *,
        swap_requires_neutered: bool = True,
    ) -> None:
        self.counters = Counters()
        self.arena = Arena(frames, self.counters)
        self.swap_requires_neutered = swap_requires_neutered
        self._domains: dict[int, Domain] = {}
        self._next_domid = 0
        self._deliver = deliver
        self.pending: deque[Callable[[], None]] = deque()
        #: Invariant violations recorded when they happen (e.g. destroying a domain whose grants
        #: are still mapped); audit() reports them with the live checks.
        self.violations: list[str] = []
        #: hypercall number -> handler(caller: Domain, *args) -> int, used by multicall
        self.hypercall_table: dict[int, Callable[..., int]] = {
            g.HYPERVISOR_grant_table_op: self._mc_grant_table_op,
        }
        self.evtchn = _optional("evtchn", "EventChannels", self)
        self.store = _optional("xenstore", "XenStore", self)

    # -- domains --------------------------------------------------------------------------------
    def create_domain(
        self, pages: int = 256, vcpus: int = 1, max_pages: int | None = None
    ) -> Domain:
        """A new PV domain with ``pages`` populated gfns (0..pages-1, all free in its kernel
        allocator), ``vcpus`` vCPUs and a one-frame grant table. Domids: 0, 1, 2, ..."""
        return lifecycle.create_domain(self, pages, vcpus, max_pages)

    def destroy_domain(self, domid: int) -> None:
        """Tear a domain down (see lifecycle.destroy_domain for what is released/recorded)."""
        lifecycle.destroy_domain(self, domid)

    def domain(self, domid: int) -> Domain:
        """The live domain ``domid`` (DomainError if unknown or destroyed)."""
        d = self._domains.get(domid)
        if d is None:
            raise DomainError(f"no domain d{domid}")
        return d

    @property
    def domains(self) -> dict[int, Domain]:
        """Live domains by domid (the dict itself; do not mutate)."""
        return self._domains

    # -- frames ---------------------------------------------------------------------------------
    def frame_view(self, mfn: int) -> memoryview:
        """The 4096 bytes of machine frame ``mfn`` (writable; hypervisor-internal use)."""
        return self.arena.frame_view(mfn)

    def frame_owner(self, mfn: int) -> int | None:
        """Owner domid of ``mfn`` (None if free or reserved; a frame released while still
        referenced keeps its owner until it is really freed, as in Xen)."""
        self.arena.check(mfn)
        owner = self.arena.owner[mfn]
        return None if owner == FREE else owner

    def alloc_frame(self, d: Domain, flags: int = 0) -> int:
        """A free frame for domain ``d`` (counted as frames_allocated)."""
        mfn = self.arena.alloc(d.domid, flags)
        self.count(d, "frames_allocated")
        return mfn

    def free_frame(self, mfn: int, d: Domain | None) -> None:
        """``d`` gives ``mfn`` back; freed (poisoned) now or when its last reference goes."""
        before = self.counters.frames_freed
        self.arena.release(mfn)
        if d is not None and self.counters.frames_freed != before:
            v = d.counters.v
            v[FRAMES_FREED] += 1
            v[FRAMES_SCRUBBED] += 1

    def scrub_frame(self, mfn: int, d: Domain | None = None) -> None:
        """Zero ``mfn`` (a scrub a backend may request before a frame crosses domains)."""
        self.arena.check(mfn)
        self.arena.zero(mfn)
        self.count(d, "frames_scrubbed")

    # -- page references (xen-abi.md §5.3; docs/design.md §5) -------------------------------
    def get_page(self, mfn: int) -> None:
        """Take an extra reference on allocated frame ``mfn`` (in-flight I/O, retransmit queue)."""
        self.arena.check(mfn)
        if self.arena.owner[mfn] == FREE:
            raise FrameError(f"get_page: mfn {mfn} is not allocated")
        self.arena.refs[mfn] += 1

    def put_page(self, mfn: int) -> None:
        """Drop an extra reference; a frame its owner released meanwhile is freed now."""
        self.arena.check(mfn)
        if self.arena.refs[mfn] <= 0:
            raise FrameError(f"put_page: mfn {mfn} has no extra reference")
        self.arena.refs[mfn] -= 1
        self.arena.reap(mfn)

    def page_refcount(self, mfn: int) -> int:
        """Extra references on ``mfn`` (0 = baseline: only its owner holds it)."""
        self.arena.check(mfn)
        return self.arena.refs[mfn]

    # -- hypercalls -----------------------------------------------------------------------------
    def grant_table_op(self, caller_domid: int, cmd: int, args: bytearray, count: int) -> int:
        """HYPERVISOR_grant_table_op: statuses/outputs are written back into ``args``."""
        caller = self._domains.get(caller_domid)  # = self.domain(caller_domid), inlined
        if caller is None:
            raise DomainError(f"no domain d{caller_domid}")
        self.counters.v[HYPERCALLS] += 1  # = self._count_hypercall(caller), inlined (hot path)
        caller.counters.v[HYPERCALLS] += 1
        return do_grant_table_op(self, caller, cmd, args, count)

    def _mc_grant_table_op(self, caller: Domain, *args: Any) -> int:
        if len(args) != 3 or not isinstance(args[0], int) or not isinstance(args[2], int):
            return -EFAULT  # args = (cmd, buffer, count)
        return do_grant_table_op(self, caller, args[0], args[1], args[2])

    def multicall(self, caller_domid: int, entries: list[MulticallEntry]) -> list[int]:
        """HYPERVISOR_multicall (one hypercall); results go to each ``entry.result``."""
        caller = self.domain(caller_domid)
        self._count_hypercall(caller)
        self.count(caller, "multicalls")
        return run_multicall(self, caller, entries)

    def grow_grant_table(self, d: Domain, nr_frames: int, *, hypercall: bool = True) -> int:
        """Grow ``d``'s table to ``nr_frames`` shared frames (zeroed, owned by ``d``, flag
        SHARED). Returns a GNTST code. ``hypercall``: count it as the guest's setup_table call."""
        if hypercall:
            self.count(d, "hypercalls")
            self.count_op(d, "setup_table", 1)
        if nr_frames > MAX_GRANT_FRAMES:
            return g.GNTST_general_error
        need = nr_frames - len(d.gt.frames)
        if need > self.arena.free_frames:
            return g.GNTST_general_error
        new = []
        for _ in range(max(need, 0)):
            mfn = self.alloc_frame(d, SHARED)
            self.arena.zero(mfn)
            new.append(mfn)
        d.gt.grow(len(d.gt.frames) + len(new), new)
        return g.GNTST_okay

    # -- accounting -----------------------------------------------------------------------------
    # Counts go host-wide and to the calling domain's cumulative counters, nothing else: whoever
    # attributes work (the timing layer's meter, a backend ring) diffs marks of those.
    def count(self, d: Domain | None, name: str, n: int = 1) -> None:
        """Add ``n`` to counter ``name`` host-wide and on ``d`` (the calling domain)."""
        i = INDEX[name]
        self.counters.v[i] += n
        if d is not None:
            d.counters.v[i] += n

    def _count_hypercall(self, d: Domain) -> None:
        """``count(d, "hypercalls")`` without the name lookup (counted on every hypercall)."""
        self.counters.v[HYPERCALLS] += 1
        d.counters.v[HYPERCALLS] += 1

    def count_op(self, d: Domain, op: str, elements: int) -> None:
        """One call of grant op ``op`` with ``elements`` elements."""
        i = OP_INDEX[op]
        for v in (self.counters.v, d.counters.v):
            v[i] += elements
            v[i + N_OPS] += 1

    def flush_tlb(self, charged: Domain, target: Domain) -> None:
        """A TLB flush of every vCPU of ``target`` (lab approximation of the dirty cpumask),
        charged to ``charged`` (the caller of the hypercall)."""
        n = target.vcpus
        # the initiator flushes its own vCPU locally; every other target vCPU needs an IPI — all
        # of them when the flushed domain is another one (XG flush_area_mask)
        ipis = n - 1 if target is charged else n
        for v in (self.counters.v, charged.counters.v):
            v[TLB_FLUSHES] += 1
            v[TLB_FLUSH_VCPUS] += n
            v[TLB_FLUSH_IPIS] += ipis

    # -- delivery (for evtchn / xenstore) ------------------------------------------------------
    def deliver(self, fn: Callable[[], None]) -> None:
        """Hand ``fn`` to the ``deliver`` callback, or queue it on ``pending``."""
        if self._deliver is not None:
            self._deliver(fn)
        else:
            self.pending.append(fn)

    def run_pending(self, limit: int | None = None) -> int:
        """Run queued callbacks FIFO (including ones they queue), at most ``limit``; count run."""
        n = 0
        while self.pending and (limit is None or n < limit):
            self.pending.popleft()()
            n += 1
        return n

    # -- checks ---------------------------------------------------------------------------------
    def audit(self) -> list[str]:
        """Invariant violations (empty list = clean); see blkswap.xen.audit."""
        return _audit.audit(self)
