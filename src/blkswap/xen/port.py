"""The narrow hypervisor interface that frontends and backends are written against.

A kernel running in one domain can do a small set of things: issue grant-table hypercalls (alone or
in a multicall), use event channels, talk to xenstore, and manage its own memory (its pages, its
grant-table entries, the mappings in its address space). :class:`DomainPort` lists exactly those.
``blkswap.front`` and ``blkswap.back`` receive a port and never import the emulated hypervisor, so
the same code can later run against a real Xen through ``/dev/xen/gntdev``, ``/dev/xen/gntalloc``,
``/dev/xen/evtchn`` and xenstored (DESIGN.md §2; STYLE.md lesson 4).

:class:`EmulatedPort` implements the protocol by forwarding to :class:`blkswap.xen.Xen` with the
caller's domid filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class DomainPort(Protocol):
    """What a kernel in domain ``domid`` may do (hypercalls, its own memory, evtchn, xenstore)."""

    domid: int
    vcpus: int
    store: Any  # a xenstore client bound to this domain

    # hypercalls
    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int: ...
    def multicall(self, entries: Sequence[tuple[int, tuple]]) -> list[int]: ...
    def evtchn_alloc_unbound(self, remote_domid: int) -> int: ...
    def evtchn_bind_interdomain(self, remote_domid: int, remote_port: int) -> int: ...
    def evtchn_send(self, port: int) -> None: ...
    def evtchn_close(self, port: int) -> None: ...
    def evtchn_bind_handler(self, port: int, handler: Callable[[int], None]) -> None: ...

    # the domain's own memory and grant table (guest-kernel work, no hypercall)
    def alloc_page(self) -> int: ...
    def free_page(self, gfn: int) -> None: ...
    @property
    def free_pages(self) -> int: ...
    def gfn_to_mfn(self, gfn: int) -> int: ...
    def page_view(self, va: int) -> memoryview: ...
    def clear_va(self, va: int) -> None: ...
    def grant_access(self, gfn: int, domid: int, readonly: bool) -> int: ...
    def grant_transfer(self, domid: int, gfn: int | None = None) -> int: ...
    def end_access(self, ref: int) -> bool: ...
    def end_transfer(self, ref: int) -> int | None: ...
    def grant_entry(self, ref: int) -> tuple[int, int, int]: ...

    # balloon and kernel mappings (swap neuters a page before granting it; transfer balloons out)
    def increase_reservation(self, n: int) -> list[int]: ...
    def decrease_reservation(self, gfns: list[int]) -> None: ...
    def populate(self, gfn: int) -> int: ...
    def neuter(self, gfn: int) -> None: ...
    def restore(self, gfn: int) -> None: ...

    # page references held by in-flight I/O (xen-abi.md §5.3)
    def page_refcount(self, mfn: int) -> int: ...


class EmulatedPort:
    """:class:`DomainPort` over the emulated hypervisor: every call is made as ``domid``."""

    def __init__(self, xen: Any, domid: int) -> None:
        self.xen = xen
        self.domid = domid
        self.dom = xen.domain(domid)
        self.vcpus = self.dom.vcpus
        self.store = xen.store.client(domid)
        self.counters = self.dom.counters

    # -- hypercalls -------------------------------------------------------------------------
    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        return self.xen.grant_table_op(self.domid, cmd, args, count)

    def multicall(self, entries: Sequence[tuple[int, tuple]]) -> list[int]:
        """``entries``: ``(op, args)`` pairs, e.g. ``(20, (GNTTABOP_swap, array, 1))``."""
        from blkswap.xen.multicall import MulticallEntry

        return self.xen.multicall(self.domid, [MulticallEntry(op, args) for op, args in entries])

    def evtchn_alloc_unbound(self, remote_domid: int) -> int:
        return self.xen.evtchn.alloc_unbound(self.domid, remote_domid)

    def evtchn_bind_interdomain(self, remote_domid: int, remote_port: int) -> int:
        return self.xen.evtchn.bind_interdomain(self.domid, remote_domid, remote_port)

    def evtchn_send(self, port: int) -> None:
        self.xen.evtchn.send(self.domid, port)

    def evtchn_close(self, port: int) -> None:
        self.xen.evtchn.close(self.domid, port)

    def evtchn_bind_handler(self, port: int, handler: Callable[[int], None]) -> None:
        self.xen.evtchn.bind_handler(self.domid, port, handler)

    # -- memory -------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Memory and grant-entry helpers are the Domain's own methods (alloc_page, page_view,
        # grant_access, end_access, neuter, restore, increase_reservation, …).
        return getattr(self.dom, name)

    # lab instrumentation: attribute hypervisor work to a consumer (no meaning on a real Xen)
    @property
    def tallies(self) -> list:
        """Counters that also receive every count charged to this domain while listed."""
        return self.dom.tallies

    @staticmethod
    def new_tally() -> Any:
        from blkswap.xen.counters import Counters

        return Counters()

    # page references: in-flight I/O holding a page (xen-abi.md §5.3)
    def get_page(self, mfn: int) -> None:
        self.xen.get_page(mfn)

    def put_page(self, mfn: int) -> None:
        self.xen.put_page(mfn)

    def page_refcount(self, mfn: int) -> int:
        return self.xen.page_refcount(mfn)
