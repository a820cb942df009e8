"""The hypervisor interface that frontends and backends are written against, and nothing more.

A kernel running in one domain can do a small set of things: issue grant-table hypercalls (alone
or batched in a multicall), use event channels, talk to xenstore, and manage its own memory (its
pages, its grant-table entries, the mappings in its address space). :class:`DomainPort` lists
exactly those, grouped the way a real implementation provides them:

=====================  ==========================================  ================================
protocol               emulated lab (:mod:`blkswap.xen.emulated`)  Linux dom0 user space
=====================  ==========================================  ================================
:class:`GrantOps`      ``Xen.grant_table_op`` / ``Xen.multicall``  /dev/xen/gntdev ioctls + mmap
:class:`EventChannels` ``Xen.evtchn``                              /dev/xen/evtchn
:class:`StoreClient`   the emulated xenstored                      xenstored's socket / xenbus
:class:`Memory`        the domain's P2M and kernel allocator       a page-aligned mmap arena
:class:`GuestGrants`   the domain's own grant table (frontends)    /dev/xen/gntalloc
:class:`Balloon`       P2M/M2P changes (swap, transfer)            not available (PortUnsupported)
=====================  ==========================================  ================================

``blkswap.front`` and ``blkswap.back`` import only this module from :mod:`blkswap.xen` (a test
walks their imports): whatever implements these protocols can run the same blkfront/backend
code (docs/design.md §2 and lesson 4). Grant ops carry Xen's own argument structs
(``blkswap.abi.gnttab``) in ``bytearray`` batches, so a port only decodes and answers them.

Accounting is not a side channel: every port keeps :attr:`DomainPort.counters`, the cumulative
work done through it (hypercalls, grant-op elements, flushes, bytes copied …). Whoever wants to
know what a piece of code cost takes a :meth:`~blkswap.xen.counters.Counters.snapshot` before and
subtracts it after.

This module is import-light on purpose (no numpy): a stock dom0's python3 can load it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from blkswap.xen.counters import Counters

__all__ = [
    "Balloon",
    "Counters",
    "DomainPort",
    "EventChannelError",
    "EventChannels",
    "GrantOps",
    "GuestGrants",
    "Memory",
    "MulticallCall",
    "PortError",
    "PortUnsupported",
    "StoreClient",
    "StoreError",
    "StoreTransaction",
    "read_int",
    "transact",
    "write_all",
]

#: One multicall entry: ``(hypercall number, (cmd, argument batch, count))``, e.g.
#: ``(__HYPERVISOR_grant_table_op, (GNTTABOP_swap, batch, 1))`` (XG public/xen.h multicall_entry).
MulticallCall = tuple[int, tuple[int, bytearray, int]]


class PortError(Exception):
    """Base of the errors a port raises (the emulated one raises its own subclasses too)."""


class PortUnsupported(PortError):
    """This port cannot do the operation at all (e.g. P2M changes from dom0 user space)."""


class StoreError(PortError):
    """A xenstore request failed; ``errno_name`` is xenstored's answer (ENOENT, EACCES, EAGAIN,
    EINVAL, E2BIG, EQUOTA, ENOSPC …; XG docs/misc/xenstore.txt)."""

    def __init__(self, errno_name: str, path: str, detail: str = "") -> None:
        super().__init__(f"{errno_name}: {path!r}: {detail or errno_name}")
        self.errno_name = errno_name
        self.path = path


class EventChannelError(PortError):
    """An event-channel operation failed the way Xen fails it; ``errno_name`` is the errno
    (EINVAL, ESRCH, EBADF, ENOSPC, EPERM; XG common/event_channel.c)."""

    def __init__(self, errno_name: str, message: str) -> None:
        super().__init__(f"{errno_name}: {message}")
        self.errno_name = errno_name


class StoreTransaction(Protocol):
    """An open xenstore transaction (opaque to callers)."""

    @property
    def id(self) -> int: ...


class StoreClient(Protocol):
    """One domain's xenbus connection (XG docs/misc/xenstore.txt; Linux xenbus_xs.c).

    Every method takes ``tx`` (None = outside a transaction) and raises :class:`StoreError`.
    """

    domid: int

    def read(self, path: str, tx: StoreTransaction | None = None) -> str: ...
    def read_int(
        self, path: str, default: int | None = None, tx: StoreTransaction | None = None
    ) -> int: ...
    def exists(self, path: str, tx: StoreTransaction | None = None) -> bool: ...
    def directory(self, path: str, tx: StoreTransaction | None = None) -> list[str]: ...
    def write(
        self, path: str, value: str | bytes | int, tx: StoreTransaction | None = None
    ) -> None: ...
    def mkdir(self, path: str, tx: StoreTransaction | None = None) -> None: ...
    def rm(self, path: str, tx: StoreTransaction | None = None) -> None: ...
    def get_perms(self, path: str, tx: StoreTransaction | None = None) -> list[tuple[int, str]]: ...
    def set_perms(
        self, path: str, perms: Iterable[Sequence[object]], tx: StoreTransaction | None = None
    ) -> None: ...
    def watch(self, path: str, token: str, callback: Callable[[str, str], None]) -> object:
        """``callback(event_path, token)`` on changes at/below ``path``; fires once when set."""
        ...

    def unwatch(self, path: str, token: str) -> None: ...
    def transaction_start(self) -> StoreTransaction: ...
    def transaction_end(self, tx: StoreTransaction, commit: bool = True) -> None:
        """Commit (StoreError EAGAIN on conflict: nothing applied, start again) or abort."""
        ...

    def write_all(self, base: str, keys: dict[str, str]) -> int:
        """``base/key = value`` for every key in one transaction, retried on EAGAIN; attempts."""
        ...


class GrantOps(Protocol):
    """Grant-table hypercalls with Xen's argument structs (XG public/grant_table.h)."""

    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        """HYPERVISOR_grant_table_op: per-element statuses/outputs are written into ``args``;
        the return value is the hypercall's own (0, or a negative errno for the whole call)."""
        ...

    def multicall(self, entries: Sequence[MulticallCall]) -> list[int]:
        """HYPERVISOR_multicall: one hypercall; the result of each entry, in order."""
        ...


class EventChannels(Protocol):
    """Event channels (XG public/event_channel.h; Linux /dev/xen/evtchn)."""

    def evtchn_alloc_unbound(self, remote_domid: int) -> int: ...
    def evtchn_bind_interdomain(self, remote_domid: int, remote_port: int) -> int: ...
    def evtchn_send(self, port: int) -> None: ...
    def evtchn_close(self, port: int) -> None: ...
    def evtchn_bind_handler(self, port: int, handler: Callable[[int], None]) -> None:
        """Call ``handler(port)`` on each upcall of ``port`` (the kernel's irq handler)."""
        ...


class Memory(Protocol):
    """The domain's own pages and its view of mapped memory.

    Addresses: own page ``gfn`` is at va ``gfn << 12``; grant mappings live at vas the backend
    chooses above its own memory (``blkswap.back.frames.VaSpace``)."""

    def alloc_page(self) -> int:
        """A free page of this domain (its gfn); for a backend, a reserve/buffer frame."""
        ...

    def free_page(self, gfn: int) -> None: ...
    @property
    def free_pages(self) -> int: ...
    def gfn_to_mfn(self, gfn: int) -> int: ...
    def page_view(self, va: int) -> memoryview:
        """The 4096 bytes at page-aligned ``va`` (own page or a grant mapping), writable."""
        ...

    def clear_va(self, va: int) -> None:
        """Forget a stale mapping slot at ``va`` (after a failed or replaced mapping)."""
        ...

    def page_refcount(self, mfn: int) -> int:
        """Extra references on ``mfn`` held by in-flight I/O (0 = only its owner)."""
        ...


class GuestGrants(Protocol):
    """A granting kernel's own grant table (Linux gnttab_grant_foreign_access & co.)."""

    def grant_access(self, gfn: int, domid: int, readonly: bool) -> int: ...
    def grant_transfer(self, domid: int, gfn: int | None = None) -> int: ...
    def end_access(self, ref: int) -> bool:
        """End foreign access; False while the grantee still maps it (entry kept)."""
        ...

    def end_transfer(self, ref: int) -> int | None:
        """The mfn transferred into ``ref``, or None if nothing arrived (entry released)."""
        ...

    def grant_entry(self, ref: int) -> tuple[int, int, int]:
        """``(flags, domid, frame)`` of the v1 entry."""
        ...


class Balloon(Protocol):
    """Memory reservation and kernel mappings (swap neuters; transfer balloons out)."""

    def increase_reservation(self, n: int) -> list[int]: ...
    def decrease_reservation(self, gfns: list[int]) -> None: ...
    def populate(self, gfn: int) -> int: ...
    def neuter(self, gfn: int) -> None: ...
    def restore(self, gfn: int) -> None: ...


class DomainPort(GrantOps, EventChannels, Memory, GuestGrants, Balloon, Protocol):
    """Everything a kernel in domain ``domid`` may do; front/ and back/ hold one of these."""

    @property
    def domid(self) -> int: ...
    @property
    def vcpus(self) -> int: ...
    @property
    def store(self) -> StoreClient: ...
    @property
    def counters(self) -> Counters:
        """Cumulative work done through this port (snapshot and subtract to attribute it)."""
        ...


# -- what every xenbus driver does on top of the protocol (shared by every StoreClient) ----------
_Tx = TypeVar("_Tx", bound=StoreTransaction)


class _Reads(Protocol):
    def read(self, path: str, tx: StoreTransaction | None = None) -> str: ...


def read_int(
    store: _Reads,
    path: str,
    default: int | None = None,
    tx: StoreTransaction | None = None,
    error: type[StoreError] = StoreError,
) -> int:
    """A decimal integer. With ``default``: returned when the node is absent or not a number
    (Linux ``xenbus_read_unsigned``); without it those raise ENOENT / EINVAL (as ``error``, the
    client's own StoreError class)."""
    try:
        text = store.read(path, tx)
    except StoreError as exc:
        if exc.errno_name == "ENOENT" and default is not None:
            return default
        raise
    try:
        return int(text.strip(), 10)
    except ValueError:
        if default is not None:
            return default
        raise error("EINVAL", path, f"value {text[:32]!r} is not an integer") from None


class _Transacts(Protocol[_Tx]):
    def transaction_start(self) -> _Tx: ...
    def transaction_end(self, tx: _Tx, commit: bool = True) -> None: ...


def transact(store: _Transacts[_Tx], body: Callable[[_Tx], object], attempts: int = 100) -> int:
    """Run ``body(tx)`` in a transaction, starting over on EAGAIN as every xenbus driver does
    (Linux ``again: xenbus_transaction_start … if (err == -EAGAIN) goto again``). An error in
    ``body`` aborts the transaction and propagates. Returns the attempts it took."""
    for attempt in range(1, attempts + 1):
        tx = store.transaction_start()
        try:
            body(tx)
        except BaseException:
            store.transaction_end(tx, commit=False)
            raise
        try:
            store.transaction_end(tx, commit=True)
            return attempt
        except StoreError as err:
            if err.errno_name != "EAGAIN":
                raise
    raise StoreError("EAGAIN", "transaction", f"still conflicting after {attempts} tries")


class _WritesInTx(_Transacts[_Tx], Protocol[_Tx]):
    def write(self, path: str, value: str | bytes | int, tx: _Tx | None = None) -> None: ...


def write_all(store: _WritesInTx[_Tx], base: str, keys: dict[str, str]) -> int:
    """``base/key = value`` for every key in ONE transaction, retried on EAGAIN; attempts."""

    def body(tx: _Tx) -> None:
        for k, v in keys.items():
            store.write(f"{base}/{k}", v, tx=tx)

    return transact(store, body)
