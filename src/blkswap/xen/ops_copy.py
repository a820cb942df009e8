"""GNTTABOP_copy (5): copy bytes between granted frames and/or the caller's own frames.

Per element (XG grant_table.c gnttab_copy_one; xen-abi.md §1.9 "copy"):
``len == 0`` -> okay with no checks; a side addressed by frame number (its GNTCOPY_*_gref flag
clear) must say DOMID_SELF, else permission_denied, and the frame (PV: an MFN) must be the
caller's own, else bad_page; a gref side may name any domain (DOMID_SELF = the caller) that
granted to the caller and is acquired like a pin (source read-only, dest writable: GTF_reading /
GTF_writing set, host pin counters bumped) -> bad_domain / bad_gntref / general_error / bad_page;
then offset+len > 4096 on either side -> bad_copy_arg. The bytes really move (numpy slice
assignment). Consecutive elements naming the same source (or dest) keep the acquisition instead
of releasing and re-acquiring it (counted in ``copy_buf_reuses``); everything is released at the
end of the call and whenever an element fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.arena import DYING, PAGE_SHIFT, PAGE_SIZE
from blkswap.xen.grant_table import PIN_HSTR, PIN_HSTW
from blkswap.xen.ops_common import STRUCTS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

_COPY = STRUCTS["gnttab_copy"]
_SRC_GREF = g.GNTCOPY_source_gref
_DST_GREF = g.GNTCOPY_dest_gref
_SELF = g.DOMID_SELF
OK = g.GNTST_okay


class _Buf:
    """One acquired side: key (domid, is_gref, ref-or-mfn), the frame, and what to release."""

    __slots__ = ("key", "mfn", "gt", "ref", "inc")

    def __init__(self, key: tuple, mfn: int, gt, ref: int, inc: int) -> None:
        self.key, self.mfn, self.gt, self.ref, self.inc = key, mfn, gt, ref, inc

    def release(self) -> None:
        if self.gt is not None:
            self.gt.unpin(self.ref, self.inc)


def copy(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """Run ``count`` copy elements for caller ``ld``; each gets its own status."""
    st = _COPY.st
    size = _COPY.size
    mem = xen.arena.np
    held: list[_Buf | None] = [None, None]  # [source, dest]
    copied = ops = reuses = 0
    for off in range(0, count * size, size):
        su, sdom, soff, du, ddom, doff, length, flags, _s = st.unpack_from(buf, off)
        status = OK
        if length:
            status = _precheck(xen, ld.domid, sdom, flags & _SRC_GREF, ddom, flags & _DST_GREF)
        if length and status == OK:
            status, reused = _claim(xen, ld, held, 0, su, sdom, flags & _SRC_GREF, False)
            reuses += reused
            if status == OK:
                status, reused = _claim(xen, ld, held, 1, du, ddom, flags & _DST_GREF, True)
                reuses += reused
            if status == OK and (soff + length > PAGE_SIZE or doff + length > PAGE_SIZE):
                status = g.GNTST_bad_copy_arg
            if status == OK:
                s = (held[0].mfn << PAGE_SHIFT) + soff
                d = (held[1].mfn << PAGE_SHIFT) + doff
                mem[d : d + length] = mem[s : s + length]
                copied += length
                ops += 1
            else:
                _release(held)
        st.pack_into(buf, off, su, sdom, soff, du, ddom, doff, length, flags, status)
    _release(held)
    if ops:
        xen.count(ld, "bytes_copied", copied)
        xen.count(ld, "copy_ops", ops)
    if reuses:
        xen.count(ld, "copy_buf_reuses", reuses)
    return 0


def _precheck(xen: Xen, me: int, sdom: int, sgref: int, ddom: int, dgref: int) -> int:
    """XG gnttab_copy_lock_domains: frame-number sides must be DOMID_SELF, then both domains
    must exist -- checked for both sides before either buffer is acquired."""
    if (not sgref and sdom != _SELF) or (not dgref and ddom != _SELF):
        return g.GNTST_permission_denied
    domains = xen.domains
    if (me if sdom == _SELF else sdom) not in domains or (
        me if ddom == _SELF else ddom
    ) not in domains:
        return g.GNTST_bad_domain
    return OK


def _release(held: list[_Buf | None]) -> None:
    for i, b in enumerate(held):
        if b is not None:
            b.release()
            held[i] = None


def _claim(
    xen: Xen, ld: Domain, held: list, side: int, u: int, dom: int, is_gref: int, write: bool
) -> tuple[int, int]:
    """Acquire one side into ``held[side]``; returns (status, 1 if the old one was reused)."""
    key = (dom, is_gref, u)
    cur = held[side]
    if cur is not None:
        if cur.key == key:
            return OK, 1
        cur.release()
        held[side] = None
    if is_gref:
        rd = xen.domains[ld.domid if dom == _SELF else dom]  # existence checked by _precheck
        ref = u & 0xFFFFFFFF  # a gref occupies the low 4 bytes of the union
        gt = rd.gt
        if ref >= gt.nr_entries:
            return g.GNTST_bad_gntref, 0
        inc = PIN_HSTW if write else PIN_HSTR
        mfn = gt.pin_entry(ref, ld.domid, inc, write)
        if mfn < 0:
            return mfn, 0
        held[side] = _Buf(key, mfn, gt, ref, inc)
        return OK, 0
    arena = xen.arena
    if u >= arena.frames or arena.owner[u] != ld.domid or arena.flags[u] & DYING:
        return g.GNTST_bad_page, 0
    held[side] = _Buf(key, u, None, 0, 0)
    return OK, 0
