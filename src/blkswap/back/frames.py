"""Address-space slots for grant mappings in the backend domain.

Dom0 frames for foreign I/O come from frame pools (``blkswap.back.pool``). :class:`VaSpace` hands out page-aligned virtual addresses for grant mappings. Like Linux's
ballooned "unpopulated" pages (LB xen_blkbk_map → gnttab_page_cache_get), they are addresses with
no memory of dom0's own behind them.
"""

from __future__ import annotations

from collections import deque

PAGE_SHIFT = 12
#: Grant mappings are placed far above any domain's own memory (va = gfn << 12 for own pages).
MAPPING_BASE_VA = 1 << 40


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
