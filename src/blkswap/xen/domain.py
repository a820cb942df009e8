"""A PV domain: P2M, virtual address space, kernel page allocator, balloon, neutering.

PV semantics (xen-abi.md §1.2): a guest names *machine* frames -- grant entries and op
arguments carry MFNs. Each domain has a pseudo-physical space of ``max_pages`` gfns; its P2M maps
gfn -> mfn (-1 = hole) and the machine-wide M2P (in the arena) maps back.

Virtual address space (the lab's simplification of page tables):

* own memory: gfn ``n`` is mapped at va ``n << 12`` (the kernel's direct map);
* other mappings (grant mappings from map_grant_ref, PTEs moved by unmap_and_replace) live in
  ``vmap`` {vpn: (mfn, readonly, kind)} at any page-aligned va that own memory does not back:
  va >= ``grant_va_base`` (= max_pages << 12) or a hole (unpopulated gfn), as Linux blkback maps
  grants over ballooned-out pages.

Neutering (for the swap path, seed message): ``neuter(gfn)`` removes the kernel's direct mapping
of a gfn; until ``restore(gfn)`` every access through the domain's own accessors (read/write,
read_va/write_va, page_view) raises :class:`NeuteredPageError`. The P2M entry stays (the gfn is
still populated, can still be granted); restore re-establishes the mapping from whatever MFN the
P2M holds *now* -- after a GNTTABOP_swap that is the new frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.xen.arena import PAGE_SHIFT, PAGE_SIZE
from blkswap.xen.counters import Counters
from blkswap.xen.errors import (
    NeuteredPageError,
    OutOfMemoryError,
    PageAccessError,
    XenError,
)
from blkswap.xen.grant_table import GrantTable, Maptrack
from blkswap.xen.guest_grants import GuestGrants

if TYPE_CHECKING:
    from blkswap.xen.hypervisor import Xen

GRANT = 0  # vmap kind: a grant mapping (has a maptrack handle)
LOCAL = 1  # vmap kind: an alias of one of the domain's own frames (moved by unmap_and_replace)


class Domain(GuestGrants):
    """One PV domain. Created by :meth:`Xen.create_domain`, never directly."""

    def __init__(self, xen: Xen, domid: int, pages: int, vcpus: int, max_pages: int) -> None:
        self.xen = xen
        self.domid = domid
        self.vcpus = vcpus
        self.pages = pages  #: initial reservation (the gfns 0..pages-1 are populated at creation)
        self.max_pages = max_pages
        self.tot_pages = 0
        self.p2m: list[int] = [-1] * max_pages
        self.vmap: dict[int, tuple[int, bool, int]] = {}
        self.neutered: set[int] = set()
        self.counters = Counters()
        self.gt = GrantTable(xen.arena, domid)
        self.maptrack = Maptrack()
        self.alive = True
        self._free_gfns: list[int] = []  # kernel allocator: a stack, lowest gfn on top at start
        self._free_set: set[int] = set()
        GuestGrants.__init__(self)

    def __repr__(self) -> str:
        return f"<Domain d{self.domid} pages={self.tot_pages}/{self.max_pages} vcpus={self.vcpus}>"

    @property
    def grant_va_base(self) -> int:
        """Lowest va above own memory; any page-aligned va from here on is free for mappings."""
        return self.max_pages << PAGE_SHIFT

    # -- P2M ---------------------------------------------------------------------------------------
    def gfn_to_mfn(self, gfn: int) -> int:
        """The MFN behind ``gfn`` (PageAccessError for a hole or out-of-range gfn)."""
        if not 0 <= gfn < self.max_pages or self.p2m[gfn] < 0:
            raise PageAccessError(f"d{self.domid}: gfn {gfn} is not populated")
        return self.p2m[gfn]

    def _set_p2m(self, gfn: int, mfn: int, charge: Domain | None = None) -> None:
        """Point ``gfn`` at ``mfn`` (-1 = hole) and keep the M2P in step; counted on ``charge``
        (the calling domain; default this one)."""
        m2p = self.xen.arena.m2p
        old = self.p2m[gfn]
        if old >= 0 and m2p[old] == gfn:
            m2p[old] = -1
        self.p2m[gfn] = mfn
        if mfn >= 0:
            m2p[mfn] = gfn
        self.xen.count(charge or self, "p2m_updates")
        self.xen.count(charge or self, "m2p_updates")

    def populate(self, gfn: int) -> int:
        """Back hole ``gfn`` with a fresh frame (Xen-internal; counted as an allocation)."""
        if self.tot_pages >= self.max_pages:
            raise OutOfMemoryError(f"d{self.domid} is at max_pages={self.max_pages}")
        mfn = self.xen.alloc_frame(self)
        self.tot_pages += 1
        self._set_p2m(gfn, mfn)
        return mfn

    def depopulate(self, gfn: int) -> None:
        """Turn ``gfn`` into a hole and give its frame back to Xen (poisoned, maybe deferred)."""
        mfn = self.gfn_to_mfn(gfn)
        self._set_p2m(gfn, -1)
        self.tot_pages -= 1
        self.neutered.discard(gfn)
        if gfn in self._free_set:
            self._free_set.discard(gfn)
            self._free_gfns.remove(gfn)
        self.xen.free_frame(mfn, self)

    # -- the guest kernel's page allocator ----------------------------------------------------------
    def alloc_page(self) -> int:
        """A free populated gfn of this domain (LIFO reuse; ascending at start)."""
        if not self._free_gfns:
            raise OutOfMemoryError(f"d{self.domid}: kernel allocator has no free page")
        gfn = self._free_gfns.pop()
        self._free_set.discard(gfn)
        return gfn

    def free_page(self, gfn: int) -> None:
        """Give ``gfn`` back to the kernel allocator."""
        self.gfn_to_mfn(gfn)
        if gfn in self._free_set:
            raise XenError(f"d{self.domid}: double free of gfn {gfn}")
        self._free_set.add(gfn)
        self._free_gfns.append(gfn)

    @property
    def free_pages(self) -> int:
        return len(self._free_gfns)

    # -- balloon --------------------------------------------------------------------------------
    def increase_reservation(self, n: int) -> list[int]:
        """Populate up to ``n`` holes (lowest first; never one with a mapping at its va or one
        promised to a transfer). Returns the gfns, owned by the caller (not put in the kernel
        allocator). Stops early at max_pages or when the arena is empty, as Xen returns a count."""
        out: list[int] = []
        busy = self._promised_gfns()
        for gfn in range(self.max_pages):
            if len(out) >= n or self.tot_pages >= self.max_pages or not self.xen.arena.free_frames:
                break
            if self.p2m[gfn] < 0 and gfn not in self.vmap and gfn not in busy:
                self.populate(gfn)
                out.append(gfn)
        return out

    def decrease_reservation(self, gfns: list[int]) -> None:
        """Give the frames behind ``gfns`` back to Xen; the gfns become holes."""
        for gfn in gfns:
            self.gfn_to_mfn(gfn)
        for gfn in gfns:
            self.depopulate(gfn)

    # -- neutering ------------------------------------------------------------------------------
    def neuter(self, gfn: int) -> None:
        """Remove the kernel mapping of ``gfn`` (see module docstring)."""
        self.gfn_to_mfn(gfn)
        self.neutered.add(gfn)

    def restore(self, gfn: int) -> None:
        """Re-establish the kernel mapping of ``gfn`` from the current P2M entry."""
        if gfn not in self.neutered:
            raise XenError(f"d{self.domid}: gfn {gfn} is not neutered")
        self.gfn_to_mfn(gfn)
        self.neutered.discard(gfn)

    # -- memory access through the domain's own mappings ------------------------------------------
    def _own_mfn(self, gfn: int) -> int:
        if gfn in self.neutered:
            raise NeuteredPageError(f"d{self.domid}: gfn {gfn} is neutered (call restore first)")
        return self.gfn_to_mfn(gfn)

    def _va_mfn(self, vpn: int, write: bool) -> int:
        e = self.vmap.get(vpn)
        if e is not None:
            if write and e[1]:
                raise PageAccessError(
                    f"d{self.domid}: va {vpn << PAGE_SHIFT:#x} is mapped read-only"
                )
            return e[0]
        if vpn < self.max_pages and self.p2m[vpn] >= 0:
            return self._own_mfn(vpn)
        raise PageAccessError(f"d{self.domid}: nothing mapped at va {vpn << PAGE_SHIFT:#x}")

    def va_backed(self, vpn: int) -> bool:
        """True if something (own memory, even neutered, or a mapping) occupies page ``vpn``."""
        return vpn in self.vmap or (vpn < self.max_pages and self.p2m[vpn] >= 0)

    def read(self, gfn: int, offset: int, length: int) -> bytes:
        """``length`` bytes of own page ``gfn`` from ``offset`` (within the page)."""
        _check_span(offset, length)
        base = (self._own_mfn(gfn) << PAGE_SHIFT) + offset
        return bytes(self.xen.arena.mem[base : base + length])

    def write(self, gfn: int, offset: int, data: bytes) -> None:
        """Write ``data`` into own page ``gfn`` at ``offset`` (within the page)."""
        _check_span(offset, len(data))
        base = (self._own_mfn(gfn) << PAGE_SHIFT) + offset
        self.xen.arena.mem[base : base + len(data)] = data

    def read_va(self, va: int, length: int) -> bytes:
        """Read through the domain's mappings (may cross pages)."""
        out = bytearray()
        mem = self.xen.arena.mem
        while length > 0:
            off = va & (PAGE_SIZE - 1)
            n = min(length, PAGE_SIZE - off)
            base = (self._va_mfn(va >> PAGE_SHIFT, False) << PAGE_SHIFT) + off
            out += mem[base : base + n]
            va += n
            length -= n
        return bytes(out)

    def write_va(self, va: int, data: bytes | bytearray | memoryview) -> None:
        """Write through the domain's mappings (may cross pages; read-only mappings raise)."""
        mv = memoryview(data).cast("B")
        mem = self.xen.arena.mem
        pos = 0
        # check every page first so a failing write changes nothing
        spans = []
        while pos < len(mv):
            off = va & (PAGE_SIZE - 1)
            n = min(len(mv) - pos, PAGE_SIZE - off)
            spans.append(((self._va_mfn(va >> PAGE_SHIFT, True) << PAGE_SHIFT) + off, pos, n))
            va += n
            pos += n
        for base, p, n in spans:
            mem[base : base + n] = mv[p : p + n]

    def page_view(self, va: int) -> memoryview:
        """The 4 KiB page mapped at page-aligned ``va``: writable, or read-only for a
        GNTMAP_readonly mapping. Raises for an unmapped or neutered va."""
        if va & (PAGE_SIZE - 1):
            raise PageAccessError(f"d{self.domid}: page_view needs a page-aligned va, got {va:#x}")
        vpn = va >> PAGE_SHIFT
        e = self.vmap.get(vpn)
        if e is not None:  # a mapping: = _va_mfn(vpn, False), inlined (hot path)
            base = e[0] << PAGE_SHIFT
            view = self.xen.arena.mem[base : base + PAGE_SIZE]
            return view.toreadonly() if e[1] else view
        mfn = self.p2m[vpn] if vpn < self.max_pages and vpn not in self.neutered else -1
        if mfn < 0:  # a hole, neutered or out of range: _va_mfn raises the error that says so
            mfn = self._va_mfn(vpn, False)
        base = mfn << PAGE_SHIFT
        return self.xen.arena.mem[base : base + PAGE_SIZE]

    def clear_va(self, va: int) -> None:
        """Drop a LOCAL alias PTE (one unmap_and_replace moved to ``va``)."""
        e = self.vmap.get(va >> PAGE_SHIFT)
        if e is None or e[2] != LOCAL:
            raise PageAccessError(f"d{self.domid}: no local alias at va {va:#x}")
        del self.vmap[va >> PAGE_SHIFT]

    # -- hypercall convenience ------------------------------------------------------------------
    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        """``Xen.grant_table_op`` with this domain as the caller."""
        return self.xen.grant_table_op(self.domid, cmd, args, count)

    def multicall(self, entries: list) -> list[int]:
        """``Xen.multicall`` with this domain as the caller."""
        return self.xen.multicall(self.domid, entries)


def _check_span(offset: int, length: int) -> None:
    if offset < 0 or length < 0 or offset + length > PAGE_SIZE:
        raise PageAccessError(f"offset {offset} + length {length} leaves the 4096-byte page")
