""":class:`EmulatedPort`: the :class:`~blkswap.xen.port.DomainPort` of a domain on the emulated Xen.

Every call is made as ``domid``: hypercalls go to :class:`blkswap.xen.Xen` with the caller filled
in, memory and grant-entry work to the domain's own :class:`~blkswap.xen.domain.Domain` (guest
kernel work, no hypercall). Nothing else of the emulated hypervisor is reachable through a port;
tests that inspect the domain use :attr:`EmulatedPort.dom` (emulation only, not part of the
protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from blkswap.xen.counters import Counters
from blkswap.xen.multicall import MulticallEntry
from blkswap.xen.port import MulticallCall

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen
    from blkswap.xen.xenstore import XenstoreClient


class EmulatedPort:
    """:class:`~blkswap.xen.port.DomainPort` over the emulated hypervisor."""

    def __init__(self, xen: Xen, domid: int) -> None:
        self.xen = xen
        self.dom: Domain = xen.domain(domid)  #: the emulated domain (for tests; not protocol)
        self._domid = domid
        self._store: XenstoreClient = xen.store.client(domid)

    @property
    def domid(self) -> int:
        return self._domid

    @property
    def vcpus(self) -> int:
        return self.dom.vcpus

    @property
    def store(self) -> XenstoreClient:
        return self._store

    @property
    def counters(self) -> Counters:
        return self.dom.counters

    # -- GrantOps ---------------------------------------------------------------------------
    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        return self.xen.grant_table_op(self._domid, cmd, args, count)

    def multicall(self, entries: Sequence[MulticallCall]) -> list[int]:
        return self.xen.multicall(self._domid, [MulticallEntry(op, args) for op, args in entries])

    # -- EventChannels ----------------------------------------------------------------------
    def evtchn_alloc_unbound(self, remote_domid: int) -> int:
        return self.xen.evtchn.alloc_unbound(self._domid, remote_domid)

    def evtchn_bind_interdomain(self, remote_domid: int, remote_port: int) -> int:
        return self.xen.evtchn.bind_interdomain(self._domid, remote_domid, remote_port)

    def evtchn_send(self, port: int) -> None:
        self.xen.evtchn.send(self._domid, port)

    def evtchn_close(self, port: int) -> None:
        self.xen.evtchn.close(self._domid, port)

    def evtchn_bind_handler(self, port: int, handler: Callable[[int], None]) -> None:
        self.xen.evtchn.bind_handler(self._domid, port, handler)

    # -- Memory -----------------------------------------------------------------------------
    def alloc_page(self) -> int:
        return self.dom.alloc_page()

    def free_page(self, gfn: int) -> None:
        self.dom.free_page(gfn)

    @property
    def free_pages(self) -> int:
        return self.dom.free_pages

    def gfn_to_mfn(self, gfn: int) -> int:
        return self.dom.gfn_to_mfn(gfn)

    def page_view(self, va: int) -> memoryview:
        return self.dom.page_view(va)

    def clear_va(self, va: int) -> None:
        self.dom.clear_va(va)

    def page_refcount(self, mfn: int) -> int:
        return self.xen.page_refcount(mfn)

    # -- GuestGrants ------------------------------------------------------------------------
    def grant_access(self, gfn: int, domid: int, readonly: bool) -> int:
        return self.dom.grant_access(gfn, domid, readonly)

    def grant_transfer(self, domid: int, gfn: int | None = None) -> int:
        return self.dom.grant_transfer(domid, gfn)

    def end_access(self, ref: int) -> bool:
        return self.dom.end_access(ref)

    def end_transfer(self, ref: int) -> int | None:
        return self.dom.end_transfer(ref)

    def grant_entry(self, ref: int) -> tuple[int, int, int]:
        return self.dom.grant_entry(ref)

    # -- Balloon ----------------------------------------------------------------------------
    def increase_reservation(self, n: int) -> list[int]:
        return self.dom.increase_reservation(n)

    def decrease_reservation(self, gfns: list[int]) -> None:
        self.dom.decrease_reservation(gfns)

    def populate(self, gfn: int) -> int:
        return self.dom.populate(gfn)

    def neuter(self, gfn: int) -> None:
        self.dom.neuter(gfn)

    def restore(self, gfn: int) -> None:
        self.dom.restore(gfn)
