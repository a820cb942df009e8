"""Pages still referenced after the I/O "completed" (network storage retransmits).

A backend writing to network storage hands pages to the TCP stack, which keeps a reference until
the data is acknowledged — possibly after the storage already answered the write. If the backend
then unmaps the guest's page, returns a pool frame for reuse, or swaps it away, a retransmission
sends whatever the frame holds by then: garbage, or another domain's data (seed: "A userspace app
seeing an AIO complete and then reusing that buffer elsewhere will occasionally resend garbage").

Policies (``--hazard-policy``), applied to a write before the data path releases its frames:

* ``none`` — release regardless: shows the bug.
* ``wait`` — Linux ``gnttab_unmap_refs_async`` (LG grant-table.c; xen-abi.md §5.3): while any page
  has extra references, retry after 5 ms × (attempt + 1); the response waits.
* ``replace`` — copy each referenced page into a fresh dom0 page and make the network stack hold
  the copy instead (XenLinux ``gnttab_copy_grant_page``, xen-abi.md §5.6: for a mapping this is
  GNTTABOP_unmap_and_replace); respond at once. The copy is freed when the stack lets go. (The
  seed's cheaper variant — an R/O *zero* page — makes retransmissions carry zeros; the lab uses
  the copy so that the bytes resent are the right ones.)
* ``abandon`` — give the referenced frames to normal page lifetime (freed when the stack lets go)
  and refill the pool with fresh order-0 allocations on the next loop run (seed, Jeremy/Daniel).
  A mapped guest frame cannot be abandoned — dom0 does not own it — so for a data path whose
  ``caps.hazard`` is a mapping (map: GUEST_MAPPING, persistent: KEPT_MAPPING) ``abandon`` acts as
  ``replace``.

The holder of the references (the network stack) is injected as :class:`PageHolders`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, cast

from blkswap.back.caps import HazardKind
from blkswap.back.datapaths.base import ReplacesMappings
from blkswap.back.request import PendingReq
from blkswap.xen.port import DomainPort

POLICIES = ("none", "wait", "replace", "abandon")
RETRY_NS = 5_000_000  # LG gnttab_unmap_refs_async: 5 ms × (age + 1)


class PageHolders(Protocol):
    """Whoever holds extra page references (dom0's network stack)."""

    def repoint(self, old_mfn: int, new_mfn: int) -> None:
        """Hold ``new_mfn`` instead of ``old_mfn`` (the skb fragment now names the copy)."""

    def on_release(self, mfn: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the last extra reference on ``mfn`` is dropped."""


@dataclass
class HazardStats:
    deferred: int = 0  #: writes whose release found referenced pages
    unmap_retries: int = 0  #: "wait" retries
    replaced_frames: int = 0
    abandoned_frames: int = 0
    extra_latency_ns: list[int] = field(default_factory=list)  #: per deferred write (wait)


class Hazard:
    """Applies one policy for a backend loop."""

    def __init__(
        self,
        policy: str,
        port: DomainPort,
        holders: PageHolders | None = None,
        later: Callable[[float, Callable[[], None]], None] | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"hazard policy {policy!r}: choose one of {', '.join(POLICIES)}")
        if policy == "wait" and later is None:
            raise ValueError("hazard policy 'wait' needs a timer (later=) to retry releases")
        self.policy = policy
        self.port = port
        self.holders = holders
        self.later = later
        self.clock = clock or (lambda: 0)
        self.stats = HazardStats()

    def busy(self, req: PendingReq) -> list[int]:
        """Indexes of the request's data pages that something else still references."""
        return [i for i, mfn in enumerate(req.frames) if self.port.page_refcount(mfn)]

    def release(self, req: PendingReq, retry: Callable[[PendingReq], None]) -> bool:
        """Before ``finish``: True to finish now; False when ``retry(req)`` will be called later."""
        if self.policy == "none" or not req.is_write or not req.frames:
            return True
        busy = self.busy(req)
        if not busy:
            if req.hazard_since is not None:
                self.stats.extra_latency_ns.append(self.clock() - req.hazard_since)
            return True
        if req.hazard_since is None:
            self.stats.deferred += 1
            req.hazard_since = self.clock()
        if self.policy == "wait":
            self.stats.unmap_retries += 1
            req.hazard_attempts += 1
            assert self.later is not None  # checked in __init__ for "wait"
            self.later(RETRY_NS * req.hazard_attempts, partial(retry, req))
            return False
        if self.policy == "abandon" and req.ring.datapath.caps.hazard is HazardKind.POOL_FRAME:
            self._abandon(req, busy)
        else:
            self._replace(req, busy)
        return True

    def _replace(self, req: PendingReq, busy: list[int]) -> None:
        port, dp = self.port, req.ring.datapath
        for i in busy:
            gfn = port.alloc_page()
            new_mfn = port.gfn_to_mfn(gfn)
            port.page_view(gfn << 12)[:] = port.page_view(req.page_vas[i])  # the copy
            dp.ctx.meter.charge("memcpy", 4096)
            if self.holders is not None:
                self.holders.repoint(req.frames[i], new_mfn)
                self.holders.on_release(new_mfn, partial(port.free_page, gfn))
            if dp.caps.hazard is HazardKind.GUEST_MAPPING:  # GNTTABOP_unmap_and_replace
                cast(ReplacesMappings, dp).replace_mapping(req, i, gfn)
            self.stats.replaced_frames += 1

    def _abandon(self, req: PendingReq, busy: list[int]) -> None:
        ctx = req.ring.datapath.ctx
        gone = [req.pool_frames[i] for i in busy]
        ctx.pool.lose(gone, ctx.owner, abandoned=True)
        req.pool_frames = [g for j, g in enumerate(req.pool_frames) if j not in set(busy)]
        if self.holders is not None:
            for i, gfn in zip(busy, gone, strict=True):
                self.holders.on_release(req.frames[i], partial(self.port.free_page, gfn))
        self.stats.abandoned_frames += len(gone)
