"""The guest kernel's side of its grant table (Linux gnttab_* helpers), mixed into Domain.

These are guest actions, not hypercalls: they write v1 entries through the domain's shared
table frames in the order Linux uses (domid, frame, then flags last; xen-abi.md §1.2) and
revoke with compare-and-swap semantics (an entry with GTF_reading|GTF_writing set cannot be
revoked). Refs 0..7 are reserved (NR_RESERVED_ENTRIES); free refs are reused LIFO like Linux's
free list, ascending at start. When no ref is free the table grows by one frame (up to 64),
which costs one GNTTABOP_setup_table hypercall as Linux's gnttab_grow does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.errors import GrantError, PageAccessError

if TYPE_CHECKING:
    from blkswap.xen.grant_table import GrantTable
    from blkswap.xen.hypervisor import Xen

_BUSY = g.GTF_reading | g.GTF_writing


class GuestGrants:
    """Mixin: grant_access / grant_transfer / grant_entry / end_access / end_transfer."""

    xen: Xen
    domid: int
    gt: GrantTable
    max_pages: int
    p2m: list[int]
    vmap: dict

    def __init__(self) -> None:
        self._ref_free: list[int] = []  # stack; top = next ref handed out
        self._ref_used: set[int] = set()
        self._transfer_gfn: dict[int, int] = {}  # ref -> hole gfn promised to an accept entry
        self._ref_limit = g.NR_RESERVED_ENTRIES  # refs below this are known to the allocator

    def _claim_ref(self) -> int:
        if not self._ref_free:
            if self.gt.nr_entries <= self._ref_limit:
                status = self.xen.grow_grant_table(self, len(self.gt.frames) + 1)
                if status != g.GNTST_okay:
                    raise GrantError(
                        f"d{self.domid}: grant table full ({len(self.gt.frames)} frames, "
                        f"{self.gt.nr_entries} entries): cannot grant more (GNTST {status})"
                    )
            # hand the new refs out ascending: push them in descending order
            self._ref_free.extend(range(self.gt.nr_entries - 1, self._ref_limit - 1, -1))
            self._ref_limit = self.gt.nr_entries
        ref = self._ref_free.pop()
        self._ref_used.add(ref)
        return ref

    def _check_ref(self, ref: int) -> None:
        if ref not in self._ref_used:
            raise GrantError(f"d{self.domid}: grant ref {ref} is not allocated")

    def _release_ref(self, ref: int) -> None:
        self._ref_used.discard(ref)
        self._ref_free.append(ref)

    # -- granting -------------------------------------------------------------------------------
    def grant_access(self, gfn: int, domid: int, readonly: bool) -> int:
        """Grant ``domid`` access to own page ``gfn``; entry.frame = its MFN (PV). Returns ref."""
        mfn = self.gfn_to_mfn(gfn)  # type: ignore[attr-defined]
        ref = self._claim_ref()
        flags = g.GTF_permit_access | (g.GTF_readonly if readonly else 0)
        self.gt.write_entry(ref, flags, domid, mfn)
        return ref

    def grant_transfer(self, domid: int, gfn: int | None = None) -> int:
        """Offer an accept-transfer entry to ``domid``; entry.frame = the hole gfn to fill.

        ``gfn`` must be a hole; None picks the lowest free hole, first ballooning out one kernel
        free page if the domain has none (as netfront released rx pages before flipping).
        """
        promised = self._promised_gfns()
        if gfn is None:
            gfn = next((n for n in range(self.max_pages) if self._is_free_hole(n, promised)), None)
            if gfn is None:
                gfn = self.alloc_page()  # type: ignore[attr-defined]
                self.decrease_reservation([gfn])  # type: ignore[attr-defined]
        elif not self._is_free_hole(gfn, promised):
            raise PageAccessError(f"d{self.domid}: gfn {gfn} is not a free hole for a transfer")
        ref = self._claim_ref()
        self._transfer_gfn[ref] = gfn
        self.gt.write_entry(ref, g.GTF_accept_transfer, domid, gfn)
        return ref

    def _is_free_hole(self, gfn: int, promised: set[int]) -> bool:
        return (
            0 <= gfn < self.max_pages
            and self.p2m[gfn] < 0
            and gfn not in self.vmap
            and gfn not in promised
        )

    def _promised_gfns(self) -> set[int]:
        return set(self._transfer_gfn.values())

    def grant_entry(self, ref: int) -> tuple[int, int, int]:
        """The raw v1 entry (flags, domid, frame) as the guest sees it."""
        if not 0 <= ref < self.gt.nr_entries:
            raise GrantError(f"d{self.domid}: grant ref {ref} out of range")
        return self.gt.read_entry(ref)

    # -- revoking -------------------------------------------------------------------------------
    def end_access(self, ref: int) -> bool:
        """cmpxchg flags -> 0 unless GTF_reading|GTF_writing: False (still in use), True (freed)."""
        self._check_ref(ref)
        if ref in self._transfer_gfn:
            raise GrantError(f"d{self.domid}: ref {ref} is an accept-transfer entry")
        if self.gt.flags(ref) & _BUSY:
            return False
        self.gt.set_flags(ref, 0)
        self._release_ref(ref)
        return True

    def end_transfer(self, ref: int) -> int | None:
        """A completed transfer returns the MFN received (now at the promised gfn); otherwise the
        uncommitted entry is revoked (cmpxchg -> 0) and None returned. The ref is freed."""
        self._check_ref(ref)
        if ref not in self._transfer_gfn:
            raise GrantError(f"d{self.domid}: ref {ref} is not an accept-transfer entry")
        flags, _domid, frame = self.gt.read_entry(ref)
        del self._transfer_gfn[ref]
        self.gt.set_flags(ref, 0)
        self._release_ref(ref)
        if flags & g.GTF_transfer_completed:
            return frame
        return None
