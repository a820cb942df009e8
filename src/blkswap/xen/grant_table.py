"""Xen's side of a v1 grant table: shared entry frames, active entries (pins) and maptrack.

* :class:`GrantTable` -- one per *granting* domain. The shared v1 entries (8 bytes: flags u16,
  domid u16, frame u32; xen-abi.md §1.2) live in frames the domain owns (flag SHARED in the
  arena) and are read and written as bytes, exactly as the guest sees them. Next to them Xen
  keeps, per ref, the active entry: ``pin`` (four 8-bit counters, §1.9), the grantee domid and the
  MFN resolved at first pin. While ``pin`` != 0 Xen trusts the active entry, not the shared one.
* :class:`Maptrack` -- one per *mapping* domain: the handles returned by map_grant_ref.

Lab simplifications (docs/xen.md): v1 only; the 5-try cmpxchg loop of _set_status_v1 is kept as
read, check, compare, write (nothing else runs inside one hypercall, so only a test's racing
view of the entry can make the compare fail: catalog B3); maptrack handles come from one list per domain (no
per-vCPU lists, no held-back sentinel entry): ascending within each fresh 256-handle page, freed
handles reused FIFO, a new page only when the list is empty (XG grant_table.c get_maptrack_handle).
"""

from __future__ import annotations

import sys
from collections import deque

from blkswap.abi import gnttab as g
from blkswap.xen.arena import DYING, FREE, PAGE_SHIFT, SHARED, Arena

if sys.byteorder != "little":  # pragma: no cover - entries are accessed through native casts
    raise ImportError("blkswap.xen needs a little-endian host (grant entries are LE)")

ENTRIES_PER_FRAME = g.GRANT_ENTRIES_PER_FRAME_V1  # 512
MAX_GRANT_FRAMES = g.MAX_GRANT_FRAMES  # 64 -> 32768 entries
MAPTRACK_PER_FRAME = 256  # 16-byte maptrack entries per 4 KiB (xen-abi.md §1.1)
MAX_MAPTRACK_FRAMES = g.MAX_MAPTRACK_FRAMES  # 1024 -> 262144 handles

# Pin counters (XG GNTPIN_*): host-writable, host-readonly, device-writable, device-readonly.
PIN_HSTW = 1
PIN_HSTR = 1 << 8
PIN_DEVW = 1 << 16
PIN_DEVR = 1 << 24
PIN_WRITABLE = 0xFF | (0xFF << 16)  # any writable pin (host or device)
#: XG _set_status_v1: the cmpxchg setting GTF_reading/writing is tried this often against a
#: granter rewriting its entry at the same time, then the map or copy fails with general_error
SET_STATUS_TRIES = 5

_TYPE_CHECK = g.GTF_type_mask | g.GTF_sub_page
_PERMIT = g.GTF_permit_access
_RO = g.GTF_readonly
_READING = g.GTF_reading
_WRITING = g.GTF_writing
_BAD_FRAME = SHARED | DYING


def pin_increment(gntmap_flags: int) -> int:
    """The pin increment of a map with these GNTMAP_* flags (xen-abi.md §1.9 map step 1)."""
    ro = gntmap_flags & g.GNTMAP_readonly
    inc = 0
    if gntmap_flags & g.GNTMAP_device_map:
        inc += PIN_DEVR if ro else PIN_DEVW
    if gntmap_flags & g.GNTMAP_host_map:
        inc += PIN_HSTR if ro else PIN_HSTW
    return inc


class GrantTable:
    """The grant table of domain ``domid`` (see module docstring)."""

    def __init__(self, arena: Arena, domid: int) -> None:
        self.arena = arena
        self.domid = domid
        self.frames: list[int] = []  # mfns of the shared entry frames, in table order
        self.nr_entries = 0
        self.pin: list[int] = []
        self.act_domid: list[int] = []
        self.act_mfn: list[int] = []
        self.active = 0  # number of refs with pin != 0
        self.dead = False  # owner destroyed; frames linger until the last pin goes
        self._m16 = arena.mem.cast("H")
        self._m32 = arena.mem.cast("I")

    # -- shared entries --------------------------------------------------------------------------
    # The methods below compute ``entry_offset(ref)`` inline (one call fewer on every hot path)
    def entry_offset(self, ref: int) -> int:
        """Byte offset of entry ``ref`` inside the arena."""
        return (self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)

    def read_entry(self, ref: int) -> tuple[int, int, int]:
        """(flags, domid, frame) of the shared entry, as the guest sees it."""
        off = (self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)
        m16 = self._m16
        return m16[off >> 1], m16[(off >> 1) + 1], self._m32[(off >> 2) + 1]

    def write_entry(self, ref: int, flags: int, domid: int, frame: int) -> None:
        """Guest write order: domid, frame, then flags last (xen-abi.md §1.2)."""
        off = (self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)
        self._m16[(off >> 1) + 1] = domid
        self._m32[(off >> 2) + 1] = frame
        self._m16[off >> 1] = flags

    def flags(self, ref: int) -> int:
        return self._m16[((self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)) >> 1]

    def set_flags(self, ref: int, flags: int) -> None:
        self._m16[((self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)) >> 1] = flags

    def set_frame(self, ref: int, frame: int) -> None:
        self._m32[(((self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)) >> 2) + 1] = frame

    def grow(self, nr_frames: int, owner_frames: list[int]) -> None:
        """Append the frames in ``owner_frames`` (already allocated, zeroed) to the table."""
        for mfn in owner_frames:
            self.frames.append(mfn)
        n = len(self.frames) * ENTRIES_PER_FRAME - self.nr_entries
        self.pin.extend([0] * n)
        self.act_domid.extend([0] * n)
        self.act_mfn.extend([0] * n)
        self.nr_entries += n

    # -- pins (XG grant_table.c map_grant_ref steps 6-8, acquire_grant_for_copy) ----------------
    def pin_entry(self, ref: int, domid: int, inc: int, writable: bool) -> int:
        """Pin ``ref`` for grantee ``domid`` by ``inc``; returns the MFN (> 0) or a GNTST code.

        Caller has checked ``ref < nr_entries``. Validates the shared entry on the first pin and
        on the first writable pin, ORs GTF_reading (+GTF_writing) into it, resolves the frame on
        the first pin. A counter whose top bit is set refuses the pin (the 127 rule, §1.9).
        """
        pin = self.pin[ref]
        if pin and (self.act_domid[ref] != domid or pin & (inc * 0x80)):
            return g.GNTST_general_error
        off = (self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)
        if not pin or (writable and not pin & PIN_WRITABLE):
            i16 = off >> 1
            m16 = self._m16
            for _ in range(SET_STATUS_TRIES):
                eflags = m16[i16]
                if (
                    (eflags & _TYPE_CHECK) != _PERMIT
                    or m16[i16 + 1] != domid
                    or (writable and eflags & _RO)
                ):
                    return g.GNTST_general_error
                if not pin:
                    mfn = self._m32[(off >> 2) + 1]
                    arena = self.arena
                    # PV: entry.frame is an MFN the granter must own (step 8 -> bad_page)
                    if (
                        mfn >= arena.frames
                        or arena.owner[mfn] != self.domid
                        or arena.flags[mfn] & _BAD_FRAME
                    ):
                        return g.GNTST_bad_page
                if m16[i16] == eflags:  # the compare of Xen's cmpxchg: the granter did not race
                    m16[i16] = eflags | (_READING | _WRITING if writable else _READING)
                    break
            else:
                return g.GNTST_general_error  # XG: "Shared grant entry is unstable"
            if not pin:
                self.act_mfn[ref] = mfn
                self.act_domid[ref] = domid
                arena.pins[mfn] += 1
                self.active += 1
        self.pin[ref] = pin + inc
        return self.act_mfn[ref]

    def unpin(self, ref: int, dec: int) -> bool:
        """Drop ``dec`` from the pin of ``ref``; clear GTF_writing when no writable pin remains
        and GTF_reading when the pin reaches 0 (XG gnttab_clear_flags). True if the last pin went
        and a DYING frame was reaped (the caller counts the free)."""
        pin = self.pin[ref] - dec
        self.pin[ref] = pin
        i16 = ((self.frames[ref >> 9] << PAGE_SHIFT) | ((ref & 511) << 3)) >> 1
        if not pin & PIN_WRITABLE:
            self._m16[i16] &= ~_WRITING
        if pin:
            return False
        self._m16[i16] &= ~_READING
        self.active -= 1
        mfn = self.act_mfn[ref]
        arena = self.arena
        arena.pins[mfn] -= 1
        reaped = arena.reap(mfn)
        if self.dead and not self.active:
            self.release_frames()
        return reaped

    def release_frames(self) -> None:
        """Give the shared frames back to the arena (the owner is gone and nothing is pinned)."""
        for mfn in self.frames:
            if self.arena.owner[mfn] != FREE:
                self.arena.release(mfn)
        self.frames = []


class Maptrack:
    """Mapping handles of one mapping domain (see module docstring for the allocation order)."""

    def __init__(self, max_frames: int = MAX_MAPTRACK_FRAMES) -> None:
        self.max_frames = max_frames
        self.flags: list[int] = []  # GNTMAP_host_map|device_map|readonly still held; 0 = unused
        self.ref: list[int] = []
        self.gt: list[GrantTable | None] = []
        self.va: list[int] = []  # host va of the host mapping (0 if none)
        self._free: deque[int] = deque()
        self.in_use = 0

    @property
    def limit(self) -> int:
        """Handles currently addressable (grows a page at a time)."""
        return len(self.flags)

    def alloc(self) -> int:
        """A free handle, or -1 when the maptrack limit is reached (-> GNTST_no_space)."""
        if not self._free:
            n = len(self.flags)
            if n >= self.max_frames * MAPTRACK_PER_FRAME:
                return -1
            self._free.extend(range(n, n + MAPTRACK_PER_FRAME))
            self.flags.extend([0] * MAPTRACK_PER_FRAME)
            self.ref.extend([0] * MAPTRACK_PER_FRAME)
            self.gt.extend([None] * MAPTRACK_PER_FRAME)
            self.va.extend([0] * MAPTRACK_PER_FRAME)
        self.in_use += 1
        return self._free.popleft()

    def free(self, handle: int) -> None:
        """Return ``handle`` to the tail of the free list (FIFO reuse)."""
        self.flags[handle] = 0
        self.gt[handle] = None
        self.va[handle] = 0
        self.in_use -= 1
        self._free.append(handle)

    def live(self) -> list[int]:
        """Handles whose entry still holds a host or device mapping."""
        return [h for h, f in enumerate(self.flags) if f]
