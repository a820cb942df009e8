"""How blkfront grants a request's pages, per negotiated mode (LF xen-blkfront.c; docs/design.md §4).

Each strategy turns the bio's pages into grefs before the request is written (``grant``) and
undoes that when the response arrives (``complete``):

* :class:`FreshGrants` — one new read-write grant per page (Linux grants data pages read-write
  even for writes); on completion end foreign access, which must succeed: a grant still mapped by
  the backend is a backend bug (counted; retried later like Linux's deferred list).
* :class:`PersistentGrants` — ``feature-persistent``: copy the data into a recycled set of granted
  pages; grants the backend still maps go back to the head of the free list (LIFO), ones it
  purged are re-granted on next use.
* :class:`SwapGrants` — ``feature-swap``: neuter the kernel mapping of each page, grant it
  read-write; on the response read the new frames (response slot extension and grant entry must
  agree with the P2M), restore the mapping from the new frame, end access.
* :class:`TransferGrants` — ``feature-transfer``: READs give the buffer frame back to Xen and
  offer an accept-transfer grant for that gfn; the backend's frame arrives there. WRITEs use fresh
  grants (the backend copies).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from blkswap.abi.swap_ext import decode_new_frames
from blkswap.front.bio import Bio
from blkswap.xen.port import DomainPort


class Meter(Protocol):
    """Where blkfront reports CPU work that is not a hypercall (the timing layer prices it)."""

    def charge(self, cause: str, amount: int) -> None: ...


class BackendBroken(Exception):
    """The backend did something no correct backend does (LF: "backend has not unmapped grant")."""


@dataclass(slots=True)
class Granted:
    """Grant state of one in-flight request."""

    grefs: list[int]
    #: persistent: the recycled [gref, gfn] entries holding the bounce copies
    extra: list[list[int]] = field(default_factory=list)
    indirect: list[tuple[int, int]] = field(default_factory=list)  # (gref, gfn) of indirect pages


class FreshGrants:
    name: ClassVar[str] = "fresh"

    def __init__(self, port: DomainPort, backend: int, meter: Meter) -> None:
        self.port, self.backend, self.meter = port, backend, meter
        self.deferred: deque[int] = deque()  # grants the backend kept mapped (LF deferred list)
        self.backend_bugs = 0

    def grant(self, bio: Bio) -> Granted:
        return Granted(
            [self.port.grant_access(gfn, self.backend, False) for gfn, _, _ in bio.segments]
        )

    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None:
        for ref in g.grefs:
            if not self.port.end_access(ref):
                self.backend_bugs += 1
                self.deferred.append(ref)
        self.retry_deferred()

    def _zeroed_page(self) -> int:
        """A page of the guest's own, zeroed before it is first shared: it may hold the guest's
        old data (XSA-403, LF "fix leaking data in shared pages": alloc_page(… | __GFP_ZERO))."""
        page = self.port.alloc_page()
        self.port.page_view(page << 12)[:] = bytes(4096)
        return page

    def _copy(self, src_gfn: int, dst_gfn: int, first: int, last: int) -> None:
        """Sectors ``first``–``last`` of one page into the same place of another (the bounce
        copies of the persistent and untrusted-backend strategies)."""
        lo, hi = first * 512, (last + 1) * 512
        self.port.page_view(dst_gfn << 12)[lo:hi] = self.port.page_view(src_gfn << 12)[lo:hi]
        self.meter.charge("memcpy", hi - lo)

    def abandon(self, bio: Bio, g: Granted) -> bool:
        """Undo the grants of a request that will never get a response (disconnect); True if
        the request still holds its data and may be sent again (recovery)."""
        for ref in g.grefs:
            if not self.port.end_access(ref):
                self.deferred.append(ref)
        return True

    def retry_deferred(self) -> None:
        for _ in range(len(self.deferred)):
            ref = self.deferred.popleft()
            if not self.port.end_access(ref):
                self.deferred.append(ref)

    def teardown(self) -> None:
        self.retry_deferred()


class BounceGrants(FreshGrants):
    """An untrusted backend (LF ``trusted=0``, XSA-403): each segment is copied into a zeroed
    page of its own that is granted instead of the bio's page, so the backend sees the bytes of
    the I/O and zeros, never the rest of the guest's page (Linux allocates them __GFP_ZERO)."""

    name: ClassVar[str] = "bounce"

    def grant(self, bio: Bio) -> Granted:
        ents = []
        for gfn, first, last in bio.segments:
            page = self._zeroed_page()
            if bio.is_write:
                self._copy(gfn, page, first, last)
            ents.append([self.port.grant_access(page, self.backend, False), page])
        return Granted([e[0] for e in ents], extra=ents)

    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None:
        if not bio.is_write and bio.status == 0:
            for (gfn, first, last), (_, page) in zip(bio.segments, g.extra, strict=True):
                self._copy(page, gfn, first, last)
        self._release(g)

    def abandon(self, bio: Bio, g: Granted) -> bool:
        self._release(g)
        return True

    def _release(self, g: Granted) -> None:
        for ref, page in g.extra:
            if self.port.end_access(ref):
                self.port.free_page(page)
            else:  # still mapped by the backend: never reused (the page is kept, not freed)
                self.backend_bugs += 1
                self.deferred.append(ref)


class PersistentGrants(FreshGrants):
    name: ClassVar[str] = "persistent"

    def __init__(self, port: DomainPort, backend: int, meter: Meter) -> None:
        super().__init__(port, backend, meter)
        self.free: deque[list[int]] = deque()  # [gref or -1, gfn]; head = most recently used
        self.pages = 0
        #: [gref, gfn] a dead or departed backend still maps: neither reused nor freed until
        #: end-access succeeds (LF blkif_free after XSA-396: never reuse a page still mapped)
        self.quarantine: deque[list[int]] = deque()

    def _take(self) -> list[int]:
        if self.free:
            ent = self.free.popleft()
        else:
            ent = [-1, self._zeroed_page()]
            self.pages += 1
        if ent[0] < 0:
            ent[0] = self.port.grant_access(ent[1], self.backend, False)
        return ent

    def grant(self, bio: Bio) -> Granted:
        ents = [self._take() for _ in bio.segments]
        if bio.is_write:
            for (gfn, first, last), (_, pgfn) in zip(bio.segments, ents, strict=True):
                self._copy(gfn, pgfn, first, last)
        return Granted([e[0] for e in ents], extra=ents)

    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None:
        if not bio.is_write and bio.status == 0:
            for (gfn, first, last), (_, pgfn) in zip(bio.segments, g.extra, strict=True):
                self._copy(pgfn, gfn, first, last)
        for ent in g.extra:
            if self.port.end_access(ent[0]):  # the backend purged it: re-grant on next use
                ent[0] = -1
                self.free.append(ent)
            else:
                self.free.appendleft(ent)
        if self.quarantine:
            self.retry_quarantine()

    def abandon(self, bio: Bio, g: Granted) -> bool:
        """A request that got no answer (recovery): its pages are reused only once the old
        backend has let go of them; until then a late READ of that backend could land in them
        after the frontend put other data there. The bio keeps its data: True."""
        for ent in g.extra:
            if ent[0] < 0 or self.port.end_access(ent[0]):
                ent[0] = -1
                self.free.appendleft(ent)
            else:
                self.quarantine.append(ent)
        self.retry_quarantine()
        return True

    def retry_quarantine(self) -> None:
        for _ in range(len(self.quarantine)):
            ent = self.quarantine.popleft()
            if self.port.end_access(ent[0]):
                ent[0] = -1
                self.free.append(ent)
            else:
                self.quarantine.append(ent)

    def teardown(self) -> None:
        self.retry_quarantine()
        while self.free:
            ref, gfn = self.free.popleft()
            if ref >= 0 and not self.port.end_access(ref):
                self.quarantine.append([ref, gfn])  # still mapped: never free it under them
                continue
            self.port.free_page(gfn)
        super().teardown()


class SwapGrants(FreshGrants):
    name: ClassVar[str] = "swap"

    def __init__(self, port: DomainPort, backend: int, meter: Meter) -> None:
        super().__init__(port, backend, meter)
        self.swapped_frames = 0

    def grant(self, bio: Bio) -> Granted:
        refs, frames = [], []
        for gfn, _, _ in bio.segments:
            self.port.neuter(gfn)  # no kernel access while the frame may be swapped away
            refs.append(self.port.grant_access(gfn, self.backend, False))
            frames.append([self.port.gfn_to_mfn(gfn)])  # to tell, at recovery, if it crossed
        return Granted(refs, frames)

    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None:
        # only an OKAY response carries new frames (an error may leave stale bytes in the slot)
        swapped = bio.status == 0 and bool(bio.segments)
        frames = decode_new_frames(slot, response_size, len(bio.segments)) if swapped else []
        bad = ""
        for i, ((gfn, _, _), ref) in enumerate(zip(bio.segments, g.grefs, strict=True)):
            if frames:
                entry_frame = self.port.grant_entry(ref)[2]
                if entry_frame != frames[i] or self.port.gfn_to_mfn(gfn) != frames[i]:
                    bad = bad or (
                        f"swap: response frame {frames[i]:#x}, grant entry {entry_frame:#x}, "
                        f"P2M {self.port.gfn_to_mfn(gfn):#x} disagree for gfn {gfn}"
                    )
                else:
                    self.swapped_frames += 1
            self.port.restore(gfn)  # every page gets its mapping back, even from a bad backend
        super().complete(bio, g, slot, response_size)
        if bad:
            raise BackendBroken(bad)

    def abandon(self, bio: Bio, g: Granted) -> bool:
        """A WRITE whose frames a dead backend already swapped away (Xen rewrote the grant
        entry's frame) no longer holds its data: the guest's page is the backend's scrubbed
        frame. Sending it again would write zeros and answer OKAY; it fails instead (False)."""
        crossed = any(
            self.port.grant_entry(ref)[2] != was[0]
            for ref, was in zip(g.grefs, g.extra, strict=False)
        )
        for gfn, _, _ in bio.segments:
            self.port.restore(gfn)
        super().abandon(bio, g)
        return not (crossed and bio.is_write)


class TransferGrants(FreshGrants):
    name: ClassVar[str] = "transfer"

    def __init__(self, port: DomainPort, backend: int, meter: Meter) -> None:
        super().__init__(port, backend, meter)
        self.frames_received = 0
        self.lost = 0

    def grant(self, bio: Bio) -> Granted:
        if bio.is_write:
            return super().grant(bio)
        gfns = [gfn for gfn, _, _ in bio.segments]
        self.port.decrease_reservation(gfns)  # give the buffer frames back (balloon out)
        return Granted([self.port.grant_transfer(self.backend, gfn) for gfn in gfns])

    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None:
        if bio.is_write:
            super().complete(bio, g, slot, response_size)
        else:
            self._receive(bio, g)

    def abandon(self, bio: Bio, g: Granted) -> bool:
        if bio.is_write:
            return super().abandon(bio, g)
        self._receive(bio, g)
        return True

    def _receive(self, bio: Bio, g: Granted) -> None:
        """End each accept-transfer grant; a frame that never arrived (error response, or a
        request abandoned at disconnect) leaves a hole the guest refills itself."""
        for (gfn, _, _), ref in zip(bio.segments, g.grefs, strict=True):
            if self.port.end_transfer(ref) is None:
                self.lost += 1
                self.port.populate(gfn)
            else:
                self.frames_received += 1


class GrantStrategy(Protocol):
    """What blkfront needs from a grant strategy (one per negotiated mode)."""

    name: ClassVar[str]
    backend: int
    deferred: deque[int]

    def __init__(self, port: DomainPort, backend: int, meter: Meter) -> None: ...
    def grant(self, bio: Bio) -> Granted: ...
    def complete(self, bio: Bio, g: Granted, slot: bytes, response_size: int) -> None: ...
    def abandon(self, bio: Bio, g: Granted) -> bool: ...
    def teardown(self) -> None: ...


STRATEGIES: dict[str, type[GrantStrategy]] = {
    "fresh": FreshGrants,
    "bounce": BounceGrants,
    "persistent": PersistentGrants,
    "swap": SwapGrants,
    "transfer": TransferGrants,
}
