"""Dom0 memory a backend uses for foreign I/O: its own frames (a reserve) and address-space slots.

:class:`FrameReserve` is the backend's stock of ordinary dom0 pages — the copy path's buffers, the
swap path's reserve pool (seed: "creates a pool of reserved regular pages via get_free_page(s)"),
the transfer path's donor pages. Frames are named by dom0 gfn; their machine frame can change
(swap) or disappear (transfer), so the mfn is always looked up through the port.

:class:`VaSpace` hands out page-aligned virtual addresses for grant mappings. Like Linux's
ballooned "unpopulated" pages (LB xen_blkbk_map → gnttab_page_cache_get), they are addresses with
no memory of dom0's own behind them.
"""

from __future__ import annotations

from collections import deque

PAGE_SHIFT = 12
#: Grant mappings are placed far above any domain's own memory (va = gfn << 12 for own pages).
MAPPING_BASE_VA = 1 << 40


class FrameReserve:
    """A fixed-size stock of dom0 pages, handed out and returned by gfn."""

    def __init__(self, port, frames: int, name: str = "reserve") -> None:
        if frames < 0:
            raise ValueError(f"{name}: frame count must be ≥ 0, got {frames}")
        self.port = port
        self.name = name
        self._free: deque[int] = deque(port.alloc_page() for _ in range(frames))
        self.frames = frames
        self.in_use = 0
        self.peak = 0

    @property
    def available(self) -> int:
        return len(self._free)

    def take(self, n: int) -> list[int] | None:
        """``n`` gfns, or None when the reserve cannot satisfy the request (caller waits)."""
        if n > len(self._free):
            return None
        out = [self._free.popleft() for _ in range(n)]
        self.in_use += n
        self.peak = max(self.peak, self.in_use)
        return out

    def give(self, gfns: list[int]) -> None:
        self._free.extend(gfns)
        self.in_use -= len(gfns)

    def replace_lost(self, gfns: list[int]) -> None:
        """Frames given away (transfer) come back as fresh allocations (order-0 balloon pages)."""
        # The gfns themselves stay holes in dom0's physmap (Xen removed the pages on transfer).
        self.in_use -= len(gfns)
        self._free.extend(self.port.increase_reservation(len(gfns)))

    def release_all(self) -> None:
        """Give every free frame back to the domain's allocator (teardown)."""
        while self._free:
            self.port.free_page(self._free.popleft())
        self.frames = self.in_use


class VaSpace:
    """Page-aligned virtual addresses for grant mappings; reused FIFO."""

    def __init__(self, base: int = MAPPING_BASE_VA) -> None:
        self._next = base
        self._free: deque[int] = deque()
        self.in_use = 0
        self.peak = 0

    def take(self, n: int) -> list[int]:
        out = []
        for _ in range(n):
            if self._free:
                out.append(self._free.popleft())
            else:
                out.append(self._next)
                self._next += 1 << PAGE_SHIFT
        self.in_use += n
        self.peak = max(self.peak, self.in_use)
        return out

    def give(self, vas: list[int]) -> None:
        self._free.extend(vas)
        self.in_use -= len(vas)
