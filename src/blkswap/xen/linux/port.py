""":class:`LinuxPort`: the :class:`~blkswap.xen.port.DomainPort` of a Linux dom0 process.

=====================  ==========================================================================
protocol               how this port provides it
=====================  ==========================================================================
GrantOps               map / unmap / copy batches decoded and done through /dev/xen/gntdev
                       (:mod:`~blkswap.xen.linux.grants`); other ops answer -ENOSYS as stock
                       Xen does for the lab's op 13; ``multicall`` is not available
EventChannels          /dev/xen/evtchn; handlers run from :meth:`LinuxPort.poll_events`, which
                       the serve loop calls when the evtchn fd is readable
StoreClient            :class:`~blkswap.xen.linux.xenstore.XsClient` (xenstored's socket)
Memory                 a :class:`~blkswap.xen.linux.memory.PageArena`; a page's frame number is
                       its arena index + ``FRAME_BASE`` (its va is ``frame << 12``, as the
                       protocol says); grant mappings are found by the va the backend chose
GuestGrants, Balloon   not available from dom0 user space: :class:`PortUnsupported`
=====================  ==========================================================================

What a real dom0 cannot show (and the emulated lab can): machine frame numbers, page reference
counts of in-flight network I/O (``page_refcount`` is 0), TLB flush counts (Xen does them inside
the unmap). Standard library only: runs on a stock dom0's python3.
"""

from __future__ import annotations

import ctypes
import mmap
import os
from collections.abc import Callable, Iterable, Sequence

from blkswap.xen.counters import Counters
from blkswap.xen.linux.devices import DeviceError, Evtchn, Gntdev
from blkswap.xen.linux.grants import GntdevGrants
from blkswap.xen.linux.memory import PageArena
from blkswap.xen.linux.xenstore import XsClient
from blkswap.xen.port import EventChannelError, MulticallCall, PortUnsupported

FRAME_BASE = 0x100  # frame numbers of arena pages start here (0 never names a page)
MAPPING_BASE_VA = 1 << 40  # blkswap.back.frames: grant mappings live above own memory


def _fence_function() -> Callable[[], None]:
    """A full memory barrier (x86-64 ``mfence; ret`` in an executable page), for the ring's
    final check: the backend stores ``req_event`` and must then load ``req_prod`` after the store
    is visible (io/ring.h RING_FINAL_CHECK_FOR_REQUESTS has ``xen_mb()`` there). Falls back to a
    system call if an executable page is refused."""
    try:
        page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page[:4] = b"\x0f\xae\xf0\xc3"
        addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
        fn = ctypes.CFUNCTYPE(None)(addr)
        fn._page = page  # type: ignore[attr-defined]  # keep the code page alive
        return fn
    except (OSError, PermissionError, ValueError):
        return lambda: os.sched_yield() and None


class LinuxPort:
    """DomainPort for dom0 user space (see the module docstring)."""

    def __init__(self, *, pages: int = 4096, store: XsClient | None = None) -> None:
        self._counters = Counters()
        self.gntdev = Gntdev()
        self.evtchn = Evtchn()
        self.arena = PageArena(pages)
        self.grants = GntdevGrants(self.gntdev, self._frame_address, self._counters)
        self._store = store if store is not None else XsClient()
        self._handlers: dict[int, Callable[[int], None]] = {}
        self.fence = _fence_function()

    # -- identity ---------------------------------------------------------------------------------
    @property
    def domid(self) -> int:
        return 0

    @property
    def vcpus(self) -> int:
        return 1  # one serve process: one thread of execution

    @property
    def store(self) -> XsClient:
        return self._store

    @property
    def counters(self) -> Counters:
        return self._counters

    # -- GrantOps ---------------------------------------------------------------------------------
    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        return self.grants.call(cmd, args, count)

    def multicall(self, entries: Sequence[MulticallCall]) -> list[int]:
        raise PortUnsupported("multicall: not available through /dev/xen/gntdev")

    # -- EventChannels ----------------------------------------------------------------------------
    def evtchn_alloc_unbound(self, remote_domid: int) -> int:
        return self._evtchn(lambda: self.evtchn.bind_unbound(remote_domid))

    def evtchn_bind_interdomain(self, remote_domid: int, remote_port: int) -> int:
        return self._evtchn(lambda: self.evtchn.bind_interdomain(remote_domid, remote_port))

    def evtchn_send(self, port: int) -> None:
        self._counters.evtchn_sends += 1
        self._counters.hypercalls += 1  # EVTCHNOP_send, counted as the emulated Xen counts it
        self._evtchn(lambda: self.evtchn.notify(port))

    def evtchn_close(self, port: int) -> None:
        self._handlers.pop(port, None)
        self._evtchn(lambda: self.evtchn.unbind(port))

    def evtchn_bind_handler(self, port: int, handler: Callable[[int], None]) -> None:
        self._handlers[port] = handler

    def _evtchn(self, op: Callable[[], int | None]) -> int:
        try:
            return op() or 0
        except DeviceError as err:
            names = {1: "EPERM", 3: "ESRCH", 9: "EBADF", 22: "EINVAL", 28: "ENOSPC"}
            raise EventChannelError(names.get(err.errno or 0, "EINVAL"), str(err)) from None

    def poll_events(self) -> int:
        """Run the handlers of the ports that fired, then unmask them; returns how many."""
        ports = self.evtchn.pending()
        for p in ports:
            handler = self._handlers.get(p)
            if handler is not None:
                handler(p)
        self.evtchn.unmask([p for p in ports if p in self.evtchn.bound])
        return len(ports)

    # -- Memory -----------------------------------------------------------------------------------
    def _frame_address(self, frame: int) -> int:
        return self.arena.address(self._arena_page(frame))

    def _arena_page(self, frame: int) -> int:
        page = frame - FRAME_BASE
        if not 0 <= page < self.arena.pages:
            raise ValueError(f"frame {frame:#x} is not a page of this port")
        return page

    def alloc_page(self) -> int:
        return self.arena.alloc() + FRAME_BASE

    def free_page(self, gfn: int) -> None:
        self.arena.free(self._arena_page(gfn))

    @property
    def free_pages(self) -> int:
        return self.arena.free_pages

    def gfn_to_mfn(self, gfn: int) -> int:
        return gfn  # no machine frames in user space: the port's frame numbers stand for them

    def page_view(self, va: int) -> memoryview:
        if va < MAPPING_BASE_VA:
            return self.arena.view(self._arena_page(va >> 12))
        view = self.grants.view(va)
        if view is None:
            raise ValueError(f"va {va:#x} is not mapped")
        return view

    def clear_va(self, va: int) -> None:
        self.grants.forget(va)

    def page_refcount(self, mfn: int) -> int:
        return 0

    # -- GuestGrants and Balloon: kernel-only -----------------------------------------------------
    def _unsupported(self, what: str) -> PortUnsupported:
        return PortUnsupported(f"{what}: needs a dom0 kernel module (not available to serve)")

    def grant_access(self, gfn: int, domid: int, readonly: bool) -> int:
        raise self._unsupported("grant_access")

    def grant_transfer(self, domid: int, gfn: int | None = None) -> int:
        raise self._unsupported("grant_transfer")

    def end_access(self, ref: int) -> bool:
        raise self._unsupported("end_access")

    def end_transfer(self, ref: int) -> int | None:
        raise self._unsupported("end_transfer")

    def grant_entry(self, ref: int) -> tuple[int, int, int]:
        raise self._unsupported("grant_entry")

    def increase_reservation(self, n: int) -> list[int]:
        raise self._unsupported("increase_reservation")

    def decrease_reservation(self, gfns: list[int]) -> None:
        raise self._unsupported("decrease_reservation")

    def populate(self, gfn: int) -> int:
        raise self._unsupported("populate")

    def neuter(self, gfn: int) -> None:
        raise self._unsupported("neuter")

    def restore(self, gfn: int) -> None:
        raise self._unsupported("restore")

    # -- teardown ---------------------------------------------------------------------------------
    def state(self) -> dict[str, int]:
        """What this process still holds: for the clean-shutdown check."""
        return {
            "live_mappings": self.grants.live_mappings(),
            "gntdev_regions": len(self.gntdev.live),
            "bound_ports": len(self.evtchn.bound),
        }

    def close(self) -> None:
        self.grants.close()
        self.evtchn.close()
        self.gntdev.close()
        self._store.close()

    def fds(self) -> Iterable[int]:
        return (self.evtchn.fileno(), self._store.fileno())
