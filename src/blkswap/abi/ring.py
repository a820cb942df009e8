"""Shared rings exactly as Xen's io/ring.h macros (xen-abi.md §2): sizing, notify test, and the
front/back private views over a (possibly multi-page, non-contiguous) shared ring.

All indices are free-running unsigned 32-bit values; every difference is taken modulo 2^32.
Memory barriers are not modelled here (one Python thread touches the page at a time in the lab;
``blkswap serve`` fences the final check itself). Header indices are read and written as ONE
aligned 32-bit load/store (an ``"I"`` memoryview item): the other side may be a real kernel
reading concurrently, and ``struct.pack_into`` writes byte by byte — Linux blkfront saw such torn
``rsp_prod`` values ("illegal number of responses") before this.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Sequence

from blkswap.abi.errors import RingError

SRING_HEADER_SIZE = 64
PAGE_SIZE = 4096
_M = 0xFFFFFFFF
_U32 = struct.Struct("<I")
_unpack_u32, _pack_u32 = _U32.unpack_from, _U32.pack_into


class _Indices:
    """The four header indices (req_prod, req_event, rsp_prod, rsp_event: io/ring.h order) as
    single aligned 32-bit accesses, indexed ``[0..3]``: on little-endian hosts this class is not
    used at all, a native ``"I"`` memoryview is (CPython's memoryview item access is one
    ``memcpy`` of 4 bytes, compiled to one load/store, and costs no Python call); elsewhere
    ``struct`` with explicit little-endian order (not atomic)."""

    __slots__ = ("_raw",)

    def __init__(self, page: memoryview) -> None:
        self._raw = page

    def __getitem__(self, i: int) -> int:
        return int(_unpack_u32(self._raw, 4 * i)[0])

    def __setitem__(self, i: int, value: int) -> None:
        _pack_u32(self._raw, 4 * i, value)

    def release(self) -> None:
        pass


def _indices(page: memoryview) -> memoryview | _Indices:
    """The header's index accessor: ``acc[i]`` reads, ``acc[i] = v`` writes index ``i``."""
    return page[:16].cast("I") if sys.byteorder == "little" else _Indices(page)


def ring_entries(nr_pages: int, entry_size: int) -> int:
    """Slots in a ring of ``nr_pages`` pages: floor((bytes-64)/entry) rounded down to 2^k (__RD32)."""
    if nr_pages < 1 or entry_size < 1:
        raise RingError(f"ring: bad geometry nr_pages={nr_pages} entry_size={entry_size}")
    raw = (nr_pages * PAGE_SIZE - SRING_HEADER_SIZE) // entry_size
    if raw < 1:
        raise RingError(f"ring: entry_size {entry_size} does not fit {nr_pages} page(s)")
    return 1 << (raw.bit_length() - 1)


def notify_needed(old: int, new: int, event: int) -> bool:
    """RING_PUSH_*_AND_CHECK_NOTIFY test: is ``event`` in (old, new] modulo 2^32?"""
    return ((new - event) & _M) < ((new - old) & _M)


class SharedRing:
    """The shared ring: header in the first page, slots across ``pages`` (ring-ref order).

    Pages need not be contiguous; a slot may straddle two pages. Header fields are read and
    written live in the first page (little-endian u32).
    """

    __slots__ = ("pages", "entry_size", "nr_ents", "_mask", "_hdr", "_idx")

    def __init__(self, pages: Sequence[memoryview], entry_size: int) -> None:
        if not pages:
            raise RingError("ring: no pages")
        views = []
        for i, p in enumerate(pages):
            mv = memoryview(p).cast("B")
            if mv.nbytes != PAGE_SIZE:
                raise RingError(f"ring: page {i} is {mv.nbytes} bytes, need {PAGE_SIZE}")
            if mv.readonly:
                raise RingError(f"ring: page {i} is read-only")
            views.append(mv)
        if entry_size > PAGE_SIZE:
            raise RingError(f"ring: entry_size {entry_size} larger than a page")
        self.pages: tuple[memoryview, ...] = tuple(views)
        self.entry_size = entry_size
        self.nr_ents = ring_entries(len(views), entry_size)
        self._mask = self.nr_ents - 1
        self._hdr = views[0]
        self._idx = _indices(views[0])

    def release(self) -> None:
        """Release the memoryviews on the pages (needed before an mmap can be closed)."""
        self._idx.release()
        for mv in self.pages:
            mv.release()

    # Header fields: u32 at their offsets, set modulo 2^32, one 32-bit access each.
    # The private rings below read and write ``_idx`` directly (no property call on the hot path).
    req_prod = property(lambda s: s._idx[0], lambda s, v: s._idx.__setitem__(0, v & _M))
    req_event = property(lambda s: s._idx[1], lambda s, v: s._idx.__setitem__(1, v & _M))
    rsp_prod = property(lambda s: s._idx[2], lambda s, v: s._idx.__setitem__(2, v & _M))
    rsp_event = property(lambda s: s._idx[3], lambda s, v: s._idx.__setitem__(3, v & _M))

    def init(self) -> None:
        """SHARED_RING_INIT: producers 0, event indices 1, pvt and __pad zeroed."""
        self._hdr[:SRING_HEADER_SIZE] = bytes(SRING_HEADER_SIZE)
        self.req_event = 1
        self.rsp_event = 1

    def read_slot(self, idx: int) -> bytes:
        """A private copy of the ``entry_size`` bytes of slot ``idx & (nr_ents-1)``."""
        off = SRING_HEADER_SIZE + (idx & self._mask) * self.entry_size  # slot idx -> (page, offset)
        p, o = off >> 12, off & (PAGE_SIZE - 1)
        end = o + self.entry_size
        page = self.pages[p]
        if end <= PAGE_SIZE:
            return bytes(page[o:end])
        return bytes(page[o:]) + bytes(self.pages[p + 1][: end - PAGE_SIZE])

    def write_slot(self, idx: int, data: bytes | bytearray | memoryview) -> None:
        """Write ``data`` (≤ entry_size bytes) at the start of slot ``idx``; the rest is untouched."""
        n = len(data)
        if n > self.entry_size:
            raise RingError(f"ring: {n}-byte entry does not fit a {self.entry_size}-byte slot")
        off = SRING_HEADER_SIZE + (idx & self._mask) * self.entry_size  # slot idx -> (page, offset)
        p, o = off >> 12, off & (PAGE_SIZE - 1)
        end = o + n
        page = self.pages[p]
        if end <= PAGE_SIZE:
            page[o:end] = data
        else:
            cut = PAGE_SIZE - o
            page[o:] = data[:cut]
            self.pages[p + 1][: end - PAGE_SIZE] = data[cut:]


class FrontRing:
    """Front-end private state (FRONT_RING_INIT/ATTACH): ``req_prod_pvt``, ``rsp_cons``."""

    __slots__ = ("sring", "nr_ents", "req_prod_pvt", "rsp_cons")

    def __init__(self, sring: SharedRing, start: int = 0) -> None:
        self.sring = sring
        self.nr_ents = sring.nr_ents
        self.req_prod_pvt = start & _M
        self.rsp_cons = start & _M

    def free_requests(self) -> int:
        """RING_FREE_REQUESTS: nr_ents - (req_prod_pvt - rsp_cons)."""
        return self.nr_ents - ((self.req_prod_pvt - self.rsp_cons) & _M)

    def full(self) -> bool:
        """RING_FULL."""
        return self.free_requests() == 0

    def put_request(self, data: bytes) -> None:
        """Write a request at req_prod_pvt and advance it (RingError if the ring is full)."""
        if self.free_requests() <= 0:
            raise RingError(f"ring: front ring full ({self.nr_ents} requests outstanding)")
        self.sring.write_slot(self.req_prod_pvt, data)
        self.req_prod_pvt = (self.req_prod_pvt + 1) & _M

    def push_requests(self) -> None:
        """RING_PUSH_REQUESTS: publish req_prod_pvt."""
        self.sring.req_prod = self.req_prod_pvt

    def push_requests_and_check_notify(self) -> bool:
        """RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish; True if the back asked for an event."""
        idx = self.sring._idx
        old = idx[0]
        new = self.req_prod_pvt
        idx[0] = new
        return ((new - idx[1]) & _M) < ((new - old) & _M)  # = notify_needed(old, new, req_event)

    def unconsumed_responses(self) -> int:
        """RING_HAS_UNCONSUMED_RESPONSES: rsp_prod - rsp_cons."""
        return (self.sring._idx[2] - self.rsp_cons) & _M

    def get_response(self) -> bytes:
        """Copy the response at rsp_cons and advance it (caller checks unconsumed_responses)."""
        data = self.sring.read_slot(self.rsp_cons)
        self.rsp_cons = (self.rsp_cons + 1) & _M
        return data

    def final_check_for_responses(self) -> bool:
        """RING_FINAL_CHECK_FOR_RESPONSES: set rsp_event = rsp_cons + 1 when idle, re-check."""
        if self.unconsumed_responses():
            return True
        self.sring.rsp_event = self.rsp_cons + 1
        return self.unconsumed_responses() > 0

    def response_prod_overflow(self) -> bool:
        """RING_RESPONSE_PROD_OVERFLOW: rsp_prod - rsp_cons > nr_ents (a broken backend)."""
        return self.unconsumed_responses() > self.nr_ents


class BackRing:
    """Back-end private state (BACK_RING_INIT/ATTACH): ``req_cons``, ``rsp_prod_pvt``."""

    __slots__ = ("sring", "nr_ents", "req_cons", "rsp_prod_pvt")

    def __init__(self, sring: SharedRing, start: int = 0) -> None:
        self.sring = sring
        self.nr_ents = sring.nr_ents
        self.req_cons = start & _M
        self.rsp_prod_pvt = start & _M

    def unconsumed_requests(self) -> int:
        """RING_HAS_UNCONSUMED_REQUESTS: min(req_prod - req_cons, nr_ents - (req_cons - rsp_prod_pvt))."""
        req = (self.sring._idx[0] - self.req_cons) & _M
        rsp = (self.nr_ents - ((self.req_cons - self.rsp_prod_pvt) & _M)) & _M
        return req if req < rsp else rsp

    def request_cons_overflow(self) -> bool:
        """RING_REQUEST_CONS_OVERFLOW: req_cons - rsp_prod_pvt >= nr_ents (stop consuming)."""
        return ((self.req_cons - self.rsp_prod_pvt) & _M) >= self.nr_ents

    def request_prod_overflow(self) -> bool:
        """RING_REQUEST_PROD_OVERFLOW: req_prod - rsp_prod_pvt > nr_ents (a misbehaving front)."""
        return ((self.sring._idx[0] - self.rsp_prod_pvt) & _M) > self.nr_ents

    def get_request(self) -> bytes:
        """RING_COPY_REQUEST at req_cons, then advance req_cons."""
        data = self.sring.read_slot(self.req_cons)
        self.req_cons = (self.req_cons + 1) & _M
        return data

    def put_response(self, data: bytes) -> None:
        """Write a response at the start of slot rsp_prod_pvt (rest untouched) and advance."""
        self.sring.write_slot(self.rsp_prod_pvt, data)
        self.rsp_prod_pvt = (self.rsp_prod_pvt + 1) & _M

    def push_responses(self) -> None:
        """RING_PUSH_RESPONSES: publish rsp_prod_pvt."""
        self.sring.rsp_prod = self.rsp_prod_pvt

    def push_responses_and_check_notify(self) -> bool:
        """RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish; True if the front asked for an event."""
        idx = self.sring._idx
        old = idx[2]
        new = self.rsp_prod_pvt
        idx[2] = new
        return ((new - idx[3]) & _M) < ((new - old) & _M)  # = notify_needed(old, new, rsp_event)

    def final_check_for_requests(self) -> bool:
        """RING_FINAL_CHECK_FOR_REQUESTS: set req_event = req_cons + 1 when idle, re-check."""
        if self.unconsumed_requests():
            return True
        self.sring.req_event = self.req_cons + 1
        return self.unconsumed_requests() > 0
