"""GNTTABOP_swap_grant_ref (11, Xen) and the lab's GNTTABOP_swap (13, the seed's proposal).

swap_grant_ref (XG; xen-abi.md §1.9): exchanges two entries of the *caller's own* table.
ref out of range -> bad_gntref; ref_a == ref_b -> okay; either pinned -> eagain. No frame moves.

GNTTABOP_swap (struct gnttab_swap: frame u64, ref u32, dom u16, status i16, new_frame u64,
flags u64). The caller (a backend, usually dom0) exchanges one of its own frames with the frame
that domain ``dom`` granted it in entry ``ref`` -- ownership moves, contents travel with the
frames, nothing is copied (seed, Andres Lagar-Cavilla, 2010-11-17). Checks, in this order:

1. ``dom`` unknown -> bad_domain; ``dom`` == caller -> general_error (nothing to exchange).
2. ``flags`` != 0 -> general_error (reserved).
3. ``ref`` >= entries of dom's table -> bad_gntref.
4. entry type exactly GTF_permit_access, GTF_readonly clear, entry.domid == caller ->
   else general_error (a swap writes the guest's page, so it needs a writable grant).
5. entry pinned (mapped or being copied) -> eagain, as swap_grant_ref.
6. the guest frame (entry.frame, an MFN for PV) must be dom's, in its P2M -> else bad_page; if it
   has extra page references or is pinned through another entry -> bad_page (x86 ``steal_page``
   refuses a page whose count is not exactly its allocation reference, and gnttab_transfer then
   answers GNTST_bad_page; the catalog row B14: a frame still referenced never changes owner);
   if ``xen.swap_requires_neutered`` and the guest's kernel mapping of that gfn is still present
   -> general_error (the seed: "domU will probably need to neuter its kvaddr before granting";
   stealing a page needs it unmapped, as netfront did before page flipping).
7. the caller's ``frame`` must be an MFN the caller owns and has in its P2M (not a grant-table
   frame) -> else bad_page; if it is pinned by an active grant entry or has extra page references
   (it is "granted/mapped elsewhere" or still under I/O) -> bad_page, for the same reason.

Effect: the frames change owner; the guest's gfn now names the caller's old frame and the caller's
gfn names the guest's old frame (P2M of both, M2P of both: 2 + 2 updates, charged to the caller);
entry.frame is rewritten to the guest's new MFN and ``new_frame`` returns it. Both domains may
hold stale TLB entries for their old frames: after the batch one flush of every vCPU of the caller
and of each guest domain that had a successful swap (charged to the caller). The guest's kernel
mapping stays neutered; the guest restores it from the new MFN when it sees the response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.arena import DYING, SHARED
from blkswap.xen.ops_common import STRUCTS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

_SWAP = STRUCTS["gnttab_swap"]
_SWAP_REF = STRUCTS["gnttab_swap_grant_ref"]
_TYPE_CHECK = g.GTF_type_mask | g.GTF_sub_page | g.GTF_readonly
OK = g.GNTST_okay
GENERAL = g.GNTST_general_error


def swap_grant_ref(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """Exchange pairs of entries in the caller's own table."""
    st = _SWAP_REF.st
    size = _SWAP_REF.size
    gt = ld.gt
    for off in range(0, count * size, size):
        a, b, _s = st.unpack_from(buf, off)
        if a >= gt.nr_entries or b >= gt.nr_entries:
            status = g.GNTST_bad_gntref
        elif a == b:
            status = OK
        elif gt.pin[a] or gt.pin[b]:
            status = g.GNTST_eagain
        else:
            ea, eb = gt.read_entry(a), gt.read_entry(b)
            gt.write_entry(a, *eb)
            gt.write_entry(b, *ea)
            status = OK
        st.pack_into(buf, off, a, b, status)
    return 0


def swap(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """The lab's GNTTABOP_swap (see module docstring)."""
    st = _SWAP.st
    size = _SWAP.size
    flushed: dict[int, Domain] = {}
    for off in range(0, count * size, size):
        frame, ref, dom, _s, _n, flags = st.unpack_from(buf, off)
        status, new = _swap_one(xen, ld, frame, ref, dom, flags)
        if status == OK:
            flushed[dom] = xen.domains[dom]
        st.pack_into(buf, off, frame, ref, dom, status, new, flags)
    if flushed:
        xen.flush_tlb(ld, ld)
        for rd in flushed.values():
            xen.flush_tlb(ld, rd)
    return 0


def _swap_one(xen: Xen, ld: Domain, frame: int, ref: int, dom: int, flags: int) -> tuple[int, int]:
    rd = xen.domains.get(dom)
    if rd is None:
        return g.GNTST_bad_domain, 0
    if rd is ld or flags:
        return GENERAL, 0
    gt = rd.gt
    if ref >= gt.nr_entries:
        return g.GNTST_bad_gntref, 0
    eflags, edomid, g_mfn = gt.read_entry(ref)
    if (eflags & _TYPE_CHECK) != g.GTF_permit_access or edomid != ld.domid:
        return GENERAL, 0
    if gt.pin[ref]:
        return g.GNTST_eagain, 0
    arena = xen.arena
    g_gfn = _owned_gfn(xen, rd, g_mfn)
    if g_gfn < 0:
        return g.GNTST_bad_page, 0
    if arena.refs[g_mfn] or arena.pins[g_mfn]:
        return g.GNTST_bad_page, 0  # steal_page: still referenced
    if xen.swap_requires_neutered and g_gfn not in rd.neutered:
        return GENERAL, 0
    c_gfn = _owned_gfn(xen, ld, frame)
    if c_gfn < 0:
        return g.GNTST_bad_page, 0
    if arena.refs[frame] or arena.pins[frame]:
        return g.GNTST_bad_page, 0  # steal_page: still referenced
    arena.owner[g_mfn] = ld.domid
    arena.owner[frame] = rd.domid
    rd.p2m[g_gfn] = frame
    ld.p2m[c_gfn] = g_mfn
    arena.m2p[frame] = g_gfn
    arena.m2p[g_mfn] = c_gfn
    xen.count(ld, "p2m_updates", 2)
    xen.count(ld, "m2p_updates", 2)
    gt.set_frame(ref, frame)
    return OK, frame


def _owned_gfn(xen: Xen, d: Domain, mfn: int) -> int:
    """The gfn at which ``d``'s P2M holds ``mfn``, or -1 if ``d`` does not own it that way."""
    arena = xen.arena
    if mfn >= arena.frames or arena.owner[mfn] != d.domid or arena.flags[mfn] & (SHARED | DYING):
        return -1
    gfn = arena.m2p[mfn]
    if gfn < 0 or gfn >= d.max_pages or d.p2m[gfn] != mfn:
        return -1
    return gfn
