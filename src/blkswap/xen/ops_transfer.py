"""GNTTABOP_transfer (4): page flipping -- the caller gives one of its frames to another domain.

Per element (XG grant_table.c gnttab_transfer; xen-abi.md §1.9 "transfer"), PV only:

1. ``mfn`` (PV: an MFN the caller owns, in its P2M, with no extra page references and no grant
   pins) is stolen: removed from the caller's P2M (the gfn becomes a hole), the caller's TLB is
   flushed (every op, charged to the caller). A frame that cannot be stolen -> bad_page and it
   stays with the caller. **From here on the frame is lost to the caller even if the transfer
   fails**: it goes back to Xen (poisoned).
2. unknown target -> bad_domain; target at max_pages -> general_error.
3. ref out of range -> bad_gntref; the entry's flags must be exactly GTF_accept_transfer and its
   domid the caller -> else general_error. Lab choice: the gfn named by entry.frame must be a hole
   of the target (the slot the guest prepared) -> else general_error.
4. GTF_transfer_committed is set, the frame is assigned to the target at gfn = entry.frame (P2M +
   M2P), the MFN is written into entry.frame (PV target), then GTF_transfer_completed.

The v1 "address too big" path (frame above 2^44 for a 32-bit-frame table) cannot happen: the
arena is far smaller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.arena import DYING, SHARED
from blkswap.xen.ops_common import STRUCTS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

_XFER = STRUCTS["gnttab_transfer"]


def transfer(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """Run ``count`` transfer elements for donor ``ld``."""
    st = _XFER.st
    size = _XFER.size
    for off in range(0, count * size, size):
        mfn, domid, ref, _s = st.unpack_from(buf, off)
        status = _transfer_one(xen, ld, mfn, domid, ref)
        st.pack_into(buf, off, mfn, domid, ref, status)
    return 0


def _steal(xen: Xen, ld: Domain, mfn: int) -> bool:
    arena = xen.arena
    if (
        mfn >= arena.frames
        or arena.owner[mfn] != ld.domid
        or arena.flags[mfn] & (SHARED | DYING)
        or arena.refs[mfn]
        or arena.pins[mfn]
    ):
        return False
    gfn = arena.m2p[mfn]
    if gfn < 0 or ld.p2m[gfn] != mfn:
        return False
    ld._set_p2m(gfn, -1)
    ld.tot_pages -= 1
    ld.neutered.discard(gfn)
    if gfn in ld._free_set:  # the kernel allocator must not hand out a hole
        ld._free_set.discard(gfn)
        ld._free_gfns.remove(gfn)
    xen.flush_tlb(ld, ld)
    return True


def _transfer_one(xen: Xen, ld: Domain, mfn: int, domid: int, ref: int) -> int:
    if not _steal(xen, ld, mfn):
        return g.GNTST_bad_page  # the only failure that leaves the page with the caller
    status = _assign(xen, ld, mfn, domid, ref)
    if status != g.GNTST_okay:
        xen.free_frame(mfn, ld)  # lost: back to Xen, poisoned
    return status


def _assign(xen: Xen, ld: Domain, mfn: int, domid: int, ref: int) -> int:
    rd = xen.domains.get(domid)
    if rd is None:
        return g.GNTST_bad_domain
    if rd.tot_pages >= rd.max_pages:
        return g.GNTST_general_error
    gt = rd.gt
    if ref >= gt.nr_entries:
        return g.GNTST_bad_gntref
    eflags, edomid, gfn = gt.read_entry(ref)
    if eflags != g.GTF_accept_transfer or edomid != ld.domid:
        return g.GNTST_general_error
    if gfn >= rd.max_pages or rd.p2m[gfn] >= 0 or gfn in rd.vmap:
        return g.GNTST_general_error
    gt.set_flags(ref, eflags | g.GTF_transfer_committed)
    xen.arena.owner[mfn] = rd.domid
    rd.tot_pages += 1
    rd._set_p2m(gfn, mfn, ld)
    gt.set_frame(ref, mfn)  # PV target: Xen writes the MFN back into the entry
    gt.set_flags(ref, eflags | g.GTF_transfer_committed | g.GTF_transfer_completed)
    return g.GNTST_okay
