"""Network storage's TCP side: retransmissions that read a page after the write completed.

When the device is ``net`` (iSCSI-like storage over TCP), every write's data pages are handed to
the stack: it takes a page reference on each machine frame (``xen.get_page``) and keeps it until
the last transmission of that data. Each page's data is lost on the wire with probability
``loss`` — the storage then only completes after a retransmission one RTO later — and, with the
same probability, the *acknowledgement* is lost although the storage got the data: the storage
completes the write on time, but TCP retransmits one RTO later, after the backend may have
released the page. That is the hazard of the seed thread.

Every retransmission reads the frame as it is *then* (the NIC DMAs from the machine address it
was given) and is compared with what was first sent: ``retransmits_wrong_data`` counts the
differing ones, ``leaked_bytes`` the bytes carrying another domain's tag. The stack is also the
:class:`~blkswap.back.hazard.PageHolders` a backend can ask to hold a copy instead of a frame.

Simplification: one "segment" per 4 KiB page (a page's ~3 TCP segments share its fate); RTO fixed
(Linux TCP_RTO_MIN = 200 ms by default; no exponential backoff, the second try always arrives).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blkswap.workload.tags import classify

TCP_RTO_MIN_NS = 200_000_000


@dataclass
class _InFlight:
    mfn: int
    lo: int
    hi: int
    first: bytes
    writer: int


@dataclass
class NetStats:
    transmissions: int = 0
    retransmits: int = 0
    retransmits_wrong_data: int = 0
    spurious_retransmits: int = 0  #: retransmissions of data the storage had already acknowledged
    leaked_bytes: int = 0
    leaked_by_domain: dict[int, int] = field(default_factory=dict)


class NetStack:
    def __init__(
        self, xen: Any, clock: Any, loss: float, rto_ns: int = TCP_RTO_MIN_NS, seed: int = 0
    ) -> None:
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"net loss must be in [0, 1), got {loss}")
        self.xen = xen
        self.clock = clock
        self.loss = loss
        self.rto_ns = rto_ns
        self.rng = random.Random(seed)
        self.stats = NetStats()
        self._by_mfn: dict[int, list[_InFlight]] = defaultdict(list)
        self._release: dict[int, list[Callable[[], None]]] = defaultdict(list)

    # -- the device side --------------------------------------------------------------------------
    def submit(self, req: Any, store: Any, done: Callable[[Any], None], device: Any) -> None:
        """StorageIo for a net device: transmit the write's pages, then let the device time it."""
        if not req.is_write or not req.frames:
            device.submit(req, store, done)
            return
        writer = req.ring.vbd.frontend_domid
        delayed = False
        for mfn, seg in zip(req.frames, req.segments, strict=True):
            lo, hi = seg.first_sect * 512, (seg.last_sect + 1) * 512
            entry = _InFlight(mfn, lo, hi, bytes(self.xen.frame_view(mfn)[lo:hi]), writer)
            self.stats.transmissions += 1
            data_lost = self.rng.random() < self.loss
            ack_lost = not data_lost and self.rng.random() < self.loss
            if data_lost or ack_lost:
                self._hold(entry)
                self.clock.later(
                    self.rto_ns, lambda e=entry, spurious=ack_lost: self._retransmit(e, spurious)
                )
                delayed = delayed or data_lost
        if delayed:  # the storage gets the data one RTO later
            device.submit(req, store, lambda r: self.clock.later(self.rto_ns, lambda: done(r)))
        else:
            device.submit(req, store, done)

    def _hold(self, entry: _InFlight) -> None:
        self.xen.get_page(entry.mfn)
        self._by_mfn[entry.mfn].append(entry)

    def _retransmit(self, entry: _InFlight, spurious: bool) -> None:
        st = self.stats
        st.retransmits += 1
        st.spurious_retransmits += spurious
        now = bytes(self.xen.frame_view(entry.mfn)[entry.lo : entry.hi])
        if now != entry.first:
            st.retransmits_wrong_data += 1
            v = classify(now, thread=entry.writer)
            for dom, n in v.foreign.items():
                st.leaked_bytes += n * 512
                st.leaked_by_domain[dom] = st.leaked_by_domain.get(dom, 0) + n * 512
        self._by_mfn[entry.mfn].remove(entry)
        if not self._by_mfn[entry.mfn]:
            del self._by_mfn[entry.mfn]
        self._drop(entry.mfn)

    def _drop(self, mfn: int) -> None:
        self.xen.put_page(mfn)
        if self.xen.page_refcount(mfn) == 0:
            for cb in self._release.pop(mfn, ()):
                cb()

    # -- PageHolders (what a backend's hazard policy may ask) --------------------------------------
    def repoint(self, old_mfn: int, new_mfn: int) -> None:
        for entry in self._by_mfn.pop(old_mfn, []):
            entry.mfn = new_mfn
            self.xen.get_page(new_mfn)
            self._by_mfn[new_mfn].append(entry)
            self._drop(old_mfn)

    def on_release(self, mfn: int, callback: Callable[[], None]) -> None:
        if self.xen.page_refcount(mfn) == 0:
            callback()
        else:
            self._release[mfn].append(callback)

    @property
    def held(self) -> int:
        return sum(len(v) for v in self._by_mfn.values())

    def figures(self) -> dict[str, Any]:
        s = self.stats
        return {
            "loss": self.loss,
            "rto_ns": self.rto_ns,
            "transmissions": s.transmissions,
            "retransmits": s.retransmits,
            "spurious_retransmits": s.spurious_retransmits,
            "retransmits_wrong_data": s.retransmits_wrong_data,
            "leaked_bytes": s.leaked_bytes,
            "leaked_by_domain": {str(k): v for k, v in s.leaked_by_domain.items()},
        }
