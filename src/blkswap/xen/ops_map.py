"""GNTTABOP_map_grant_ref (0), unmap_grant_ref (1) and unmap_and_replace (7).

Semantics follow XG grant_table.c as summarised in xen-abi.md §1.9. PV mapper only: a host
mapping is a PTE at linear address ``host_addr`` in the mapper's va space (``Domain.vmap``).
Lab choices where the reference is silent (docs/xen.md):

* ``host_addr`` must be page aligned and not already backed (own populated gfn or another
  mapping) -> general_error; Xen would silently replace a PTE, the strict fake refuses.
* GNTMAP_contains_pte (host_addr names a PTE's machine address) is not modelled -> general_error.
* ``dom`` is taken literally: DOMID_SELF is not a domain here -> bad_domain.
* A host+device map is one maptrack handle; unmap tears each part down independently and frees
  the handle when both are gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.arena import PAGE_SHIFT
from blkswap.xen.counters import PTE_UPDATES
from blkswap.xen.domain import GRANT, LOCAL
from blkswap.xen.grant_table import pin_increment
from blkswap.xen.ops_common import STRUCTS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

UNMAP_BATCH = 32  # GNTTAB_UNMAP_BATCH_SIZE: one TLB flush per chunk (xen-abi.md §1.9)

_MAP = STRUCTS["gnttab_map_grant_ref"]
_UNMAP = STRUCTS["gnttab_unmap_grant_ref"]
_REPLACE = STRUCTS["gnttab_unmap_and_replace"]

_HOST = g.GNTMAP_host_map
_DEV = g.GNTMAP_device_map
_RO = g.GNTMAP_readonly
_KEEP = _HOST | _DEV | _RO
OK = g.GNTST_okay
GENERAL = g.GNTST_general_error


def map_grant_ref(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """Map ``count`` grants for mapper ``ld``; status/handle/dev_bus_addr written back."""
    st = _MAP.st
    size = _MAP.size
    domains = xen.domains
    for off in range(0, count * size, size):
        host_addr, flags, ref, dom, _s, _h, _d = st.unpack_from(buf, off)
        status, handle, bus = _map_one(xen, domains, ld, host_addr, flags, ref, dom)
        st.pack_into(buf, off, host_addr, flags, ref, dom, status, handle, bus)
    return 0


def _map_one(
    xen: Xen, domains: dict, ld: Domain, host_addr: int, flags: int, ref: int, dom: int
) -> tuple[int, int, int]:
    if not flags & (_HOST | _DEV):
        return g.GNTST_bad_gntref, 0, 0  # step 1
    rd = domains.get(dom)
    if rd is None:
        return g.GNTST_bad_domain, 0, 0  # step 3
    mt = ld.maptrack
    handle = mt.alloc()  # step 4: the handle comes first
    if handle < 0:
        return g.GNTST_no_space, 0, 0
    gt = rd.gt
    if ref >= gt.nr_entries:
        mt.free(handle)
        return g.GNTST_bad_gntref, 0, 0  # step 5
    inc = pin_increment(flags)
    mfn = gt.pin_entry(ref, ld.domid, inc, not flags & _RO)  # steps 6-8
    if mfn < 0:
        mt.free(handle)
        return mfn, 0, 0
    if flags & _HOST:  # step 9: the PTE at host_addr
        vpn = host_addr >> PAGE_SHIFT
        if flags & g.GNTMAP_contains_pte or host_addr & 0xFFF or ld.va_backed(vpn):
            gt.unpin(ref, inc)  # undo the pin (clears GTF_reading/writing if it was the last)
            mt.free(handle)
            return GENERAL, 0, 0
        ld.vmap[vpn] = (mfn, bool(flags & _RO), GRANT)
        xen.counters.v[PTE_UPDATES] += 1  # = xen.count(ld, "pte_updates"), inlined (hot path)
        ld.counters.v[PTE_UPDATES] += 1
    mt.flags[handle] = flags & _KEEP  # step 11
    mt.ref[handle] = ref
    mt.gt[handle] = gt
    mt.va[handle] = host_addr if flags & _HOST else 0
    return OK, handle, mfn << PAGE_SHIFT


def unmap_grant_ref(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """Unmap in chunks of 32: tear down, flush the mapper's TLB, then drop pins/status bits."""
    _batched(xen, ld, buf, count, _UNMAP.st, _UNMAP.size, replace=False)
    return 0


def unmap_and_replace(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    """As unmap (device part ignored), but the PTE backing ``new_addr`` moves to ``host_addr``."""
    _batched(xen, ld, buf, count, _REPLACE.st, _REPLACE.size, replace=True)
    return 0


def _batched(
    xen: Xen, ld: Domain, buf: bytearray, count: int, st, size: int, replace: bool
) -> None:
    for first in range(0, count, UNMAP_BATCH):
        done = []
        mt = ld.maptrack
        for i in range(first, min(first + UNMAP_BATCH, count)):
            off = i * size
            addr, other, handle, _s = st.unpack_from(buf, off)
            if replace:
                status, drop = _unmap_common(ld, addr, 0, handle, other, True)
            else:
                status, drop = _unmap_common(ld, addr, other, handle, 0, False)
            st.pack_into(buf, off, addr, other, handle, status)
            if drop:
                done.append((mt.gt[handle], mt.ref[handle], handle, drop))
        xen.flush_tlb(ld, ld)  # the header's promise: no stale mapping survives a batch
        for gt, ref, handle, drop in done:  # unmap_common_complete: after the flush
            if not mt.flags[handle] and mt.gt[handle] is not None:
                mt.free(handle)
            gt.unpin(ref, pin_increment(drop))


def _unmap_common(
    ld: Domain, host_addr: int, dev_addr: int, handle: int, new_addr: int, replace: bool
) -> tuple[int, int]:
    """Validate and tear down one mapping; returns (status, GNTMAP bits dropped incl. RO)."""
    mt = ld.maptrack
    if handle >= mt.limit or not mt.flags[handle]:
        return g.GNTST_bad_handle, 0
    mflags = mt.flags[handle]
    gt = mt.gt[handle]
    mfn = gt.act_mfn[mt.ref[handle]]
    drop = 0
    if dev_addr and mflags & _DEV:
        if dev_addr != mfn << PAGE_SHIFT:
            return g.GNTST_bad_dev_addr, 0
        drop |= _DEV
    if host_addr and mflags & _HOST:
        vpn = host_addr >> PAGE_SHIFT
        e = ld.vmap.get(vpn)
        if e is None or e[0] != mfn or e[2] != GRANT or host_addr & 0xFFF:
            return GENERAL, 0  # the PTE must point at the granted frame
        if replace and new_addr:
            if not _move_pte(ld, vpn, new_addr):
                return GENERAL, 0
        else:
            del ld.vmap[vpn]
            ld.xen.counters.v[PTE_UPDATES] += 1  # = xen.count(ld, "pte_updates"), inlined
            ld.counters.v[PTE_UPDATES] += 1
        drop |= _HOST
    if not drop:
        return OK, 0  # both addresses 0 (or parts not mapped): nothing to do, still okay
    left = mflags & ~drop
    mt.flags[handle] = left if left & (_HOST | _DEV) else 0
    return OK, drop | (mflags & _RO)


def _move_pte(ld: Domain, vpn: int, new_addr: int) -> bool:
    """unmap_and_replace: the PTE backing ``new_addr`` moves to ``vpn``; ``new_addr`` is zapped.

    new_addr backed by own memory (a gfn's kernel mapping): the frame becomes a LOCAL alias at
    ``vpn`` and the gfn is neutered (its kernel PTE is gone). Backed by a grant mapping: the
    grant mapping moves and its maptrack entry follows it.
    """
    if new_addr & 0xFFF:
        return False
    nvpn = new_addr >> PAGE_SHIFT
    if nvpn == vpn:  # Xen zaps new_addr first, then finds host_addr no longer maps the grant
        return False
    e = ld.vmap.get(nvpn)
    if e is not None:
        del ld.vmap[nvpn]
        ld.vmap[vpn] = e
        if e[2] == GRANT:
            mt = ld.maptrack
            for h in mt.live():
                if mt.va[h] == new_addr:
                    mt.va[h] = vpn << PAGE_SHIFT
    elif nvpn < ld.max_pages and ld.p2m[nvpn] >= 0 and nvpn not in ld.neutered:
        ld.vmap[vpn] = (ld.p2m[nvpn], False, LOCAL)
        ld.neutered.add(nvpn)
    else:
        return False
    ld.xen.count(ld, "pte_updates", 2)
    return True
