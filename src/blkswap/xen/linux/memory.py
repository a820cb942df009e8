"""Page-aligned memory for a dom0 backend's own buffers (bounce pages for grant copy, I/O).

One anonymous ``mmap`` of ``pages`` × 4 KiB: page-aligned by construction, so a page never
crosses a 4 KiB boundary (gntdev's grant-copy rule for the local side is only that the *gref*
side stays in one page; O_DIRECT I/O on the image wants aligned buffers too).
"""

from __future__ import annotations

import mmap

from blkswap.xen.linux.devices import PAGE, buffer_address


class PageArena:
    """A fixed pool of page-aligned pages: ``alloc()`` → page number, ``view``/``address``."""

    def __init__(self, pages: int) -> None:
        if pages <= 0:
            raise ValueError(f"page arena: {pages} pages (need at least 1)")
        self.pages = pages
        self.mem = mmap.mmap(-1, pages * PAGE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.base = buffer_address(self.mem)  # type: ignore[arg-type]
        self._free = list(range(pages - 1, -1, -1))
        self._view = memoryview(self.mem)

    @property
    def free_pages(self) -> int:
        return len(self._free)

    def alloc(self) -> int:
        if not self._free:
            raise MemoryError(f"page arena: all {self.pages} pages in use")
        return self._free.pop()

    def free(self, page: int) -> None:
        if not 0 <= page < self.pages or page in self._free:
            raise ValueError(f"page arena: page {page} is not allocated")
        self._free.append(page)

    def view(self, page: int) -> memoryview:
        return self._view[page * PAGE : (page + 1) * PAGE]

    def address(self, page: int) -> int:
        return self.base + page * PAGE
