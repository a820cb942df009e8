"""Domain creation and destruction (Xen's domain_create / domain_kill, simplified).

Destruction releases, in order: the grant mappings the domain holds in others' tables (as Xen's
gnttab_release_mappings; one TLB flush), its grant table (frames linger while other domains still
pin its entries -- Xen keeps such a dying domain around for the same reason), its memory (frames
still referenced or pinned are freed when the last reference goes). A mapper destroyed holding
grant mappings is recorded in ``xen.violations``; a granter destroyed while others map its grants
is normal for a while (a backend with I/O in flight finishes it, then unmaps, as Xen's dying
domain waits for its mappers), so ``xen.audit()`` reports it only while a mapping of the dead
domain remains: a backend that never lets go shows up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.domain import Domain
from blkswap.xen.errors import OutOfMemoryError, XenError
from blkswap.xen.grant_table import pin_increment

if TYPE_CHECKING:
    from blkswap.xen.hypervisor import Xen

INITIAL_NR_GRANT_FRAMES = 1  # x86 default (xen-abi.md §1.1)


def create_domain(xen: Xen, pages: int, vcpus: int, max_pages: int | None) -> Domain:
    """See :meth:`Xen.create_domain`."""
    max_pages = pages if max_pages is None else max_pages
    if not isinstance(pages, int) or pages < 1:
        raise XenError(f"create_domain: pages must be a positive int, got {pages!r}")
    if not isinstance(vcpus, int) or vcpus < 1:
        raise XenError(f"create_domain: vcpus must be a positive int, got {vcpus!r}")
    if max_pages < pages:
        raise XenError(f"create_domain: max_pages {max_pages} < pages {pages}")
    if pages + INITIAL_NR_GRANT_FRAMES > xen.arena.free_frames:
        raise OutOfMemoryError(
            f"create_domain: {pages} pages requested, {xen.arena.free_frames} frames free"
        )
    domid = xen._next_domid
    if domid >= g.DOMID_FIRST_RESERVED:
        raise XenError("create_domain: out of domids")
    xen._next_domid += 1
    d = Domain(xen, domid, pages, vcpus, max_pages)
    for gfn in range(pages):
        d.populate(gfn)
    d._free_gfns = list(range(pages - 1, -1, -1))  # pop() hands out gfn 0 first
    d._free_set = set(range(pages))
    xen.grow_grant_table(d, INITIAL_NR_GRANT_FRAMES, hypercall=False)
    xen._domains[domid] = d
    return d


def destroy_domain(xen: Xen, domid: int) -> None:
    """See module docstring."""
    d = xen.domain(domid)
    _release_mappings(xen, d)
    gt = d.gt
    if gt.active:
        gt.dead = True  # a dying domain: audit() reports it for as long as someone maps it
    else:
        gt.release_frames()
    for gfn, mfn in enumerate(d.p2m):
        if mfn >= 0:
            d.p2m[gfn] = -1
            xen.free_frame(mfn, None)
    d.tot_pages = 0
    d.vmap.clear()
    d.alive = False
    del xen._domains[domid]
    for sub in (xen.evtchn, xen.store):
        hook = getattr(sub, "domain_destroyed", None)
        if hook is not None:
            hook(domid)


def _release_mappings(xen: Xen, d: Domain) -> None:
    mt = d.maptrack
    live = mt.live()
    if not live:
        return
    xen.violations.append(f"d{d.domid} destroyed holding {len(live)} grant mappings")
    # its grant PTEs go with the rest of its address space (destroy_domain's d.vmap.clear())
    xen.flush_tlb(d, d)
    for h in live:
        dec, gt, ref = pin_increment(mt.flags[h]), mt.gt[h], mt.ref[h]
        mt.free(h)
        if gt is not None:
            gt.unpin(ref, dec)
