"""Machine memory: one page-aligned arena of 4 KiB frames and the frame table.

The arena is a single anonymous ``mmap`` (page aligned, so O_DIRECT ``preadv``/``pwritev`` can
target frames) with a numpy ``uint8`` view for bulk copies. The frame table keeps, per machine
frame (mfn): the owner domid (-1 = free), extra page references (``get_page``), the number of
active grant entries pinning the frame, flags, and the machine-wide M2P (mfn -> gfn, -1 = none).

Frame flags:

* ``RESERVED`` -- never allocated (mfn 0, so a zero frame number is never a valid guest frame).
* ``SHARED``   -- a grant-table frame Xen shares with its owner (Xen heap page in real Xen): it is
  owned by the domain but not in its P2M and not counted in its tot_pages.
* ``DYING``    -- released by its owner while still referenced (extra page refs or grant pins).
  As in Xen, the frame keeps its owner (it is out of the owner's P2M and tot_pages) until the last
  reference is dropped; then it goes back to the free list, poisoned.

Freed frames are overwritten with :data:`POISON` (8 bytes repeated over the page) so that any
byte of a freed frame that later reaches a domain is recognisable as a leak. Allocation order is
deterministic: ascending at start, then FIFO over freed frames.
"""

from __future__ import annotations

import mmap
from collections import deque

import numpy as np

from blkswap.xen.counters import Counters
from blkswap.xen.errors import FrameError, OutOfMemoryError

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

#: The pattern written over every frame freed back to Xen: "dead f7ee 0bad f00d" (dead, free,
#: bad food), repeated 512 times per frame. Chosen to be unlikely in workload data and in the
#: lab's sector tags; search for it to trace a leak of a freed frame.
POISON: bytes = bytes.fromhex("deadf7ee0badf00d")
_POISON_U64 = np.frombuffer(POISON, dtype=np.uint64)[0]

RESERVED = 1
SHARED = 2
DYING = 4

FREE = -1  # owner value of a frame that is not allocated


class Arena:
    """``frames`` machine frames; see the module docstring for the frame table.

    Every frame that actually goes back to the free list is counted in ``counters``
    (frames_freed, frames_scrubbed) -- including deferred frees that happen on a later put.
    """

    def __init__(self, frames: int, counters: Counters | None = None) -> None:
        if not isinstance(frames, int) or frames < 2:
            raise FrameError(f"arena needs at least 2 frames, got {frames!r}")
        self.frames = frames
        self._map = mmap.mmap(-1, frames * PAGE_SIZE)
        self.mem = memoryview(self._map)  # writable, whole arena
        self.np = np.frombuffer(self._map, dtype=np.uint8)  # writable numpy view
        self._u64 = self.np.view(np.uint64)
        self.owner: list[int] = [FREE] * frames
        self.refs: list[int] = [0] * frames  # extra page references (get_page/put_page)
        self.pins: list[int] = [0] * frames  # active grant entries resolved to this frame
        self.flags = bytearray(frames)
        self.m2p: list[int] = [-1] * frames
        self.flags[0] = RESERVED  # mfn 0 is never handed out
        self._free: deque[int] = deque(range(1, frames))
        self.counters = counters if counters is not None else Counters()

    # -- views -----------------------------------------------------------------------------------
    def frame_view(self, mfn: int) -> memoryview:
        """The 4096 bytes of frame ``mfn`` (writable)."""
        self.check(mfn)
        base = mfn << PAGE_SHIFT
        return self.mem[base : base + PAGE_SIZE]

    def check(self, mfn: int) -> None:
        """Raise FrameError unless ``mfn`` is a frame number of this arena."""
        if not 0 <= mfn < self.frames:
            raise FrameError(f"mfn {mfn} out of range (arena has {self.frames} frames)")

    # -- allocation ------------------------------------------------------------------------------
    @property
    def free_frames(self) -> int:
        return len(self._free)

    def alloc(self, owner: int, flags: int = 0) -> int:
        """Take the next free frame for ``owner``; contents are whatever the frame last held."""
        if not self._free:
            raise OutOfMemoryError(
                f"arena exhausted ({self.frames} frames) allocating for d{owner}"
            )
        mfn = self._free.popleft()
        self.owner[mfn] = owner
        self.flags[mfn] = flags
        return mfn

    def release(self, mfn: int) -> bool:
        """The owner gives ``mfn`` up. Returns True if it was freed (poisoned) now, False if the
        free is deferred (DYING) because of extra page references or grant pins."""
        if self.owner[mfn] == FREE:
            raise FrameError(f"mfn {mfn} released but it is not allocated")
        if self.flags[mfn] & DYING:
            raise FrameError(f"mfn {mfn} released twice")
        self.m2p[mfn] = -1
        if self.refs[mfn] or self.pins[mfn]:
            self.flags[mfn] = DYING
            return False
        self._to_free_list(mfn)
        return True

    def reap(self, mfn: int) -> bool:
        """Free a DYING frame whose last reference just went; True if it was freed."""
        if self.flags[mfn] & DYING and not self.refs[mfn] and not self.pins[mfn]:
            self._to_free_list(mfn)
            return True
        return False

    def _to_free_list(self, mfn: int) -> None:
        self.poison(mfn)
        self.owner[mfn] = FREE
        self.flags[mfn] = 0
        self._free.append(mfn)
        self.counters.frames_freed += 1
        self.counters.frames_scrubbed += 1

    # -- contents --------------------------------------------------------------------------------
    def poison(self, mfn: int) -> None:
        """Fill frame ``mfn`` with :data:`POISON`."""
        base = mfn << (PAGE_SHIFT - 3)
        self._u64[base : base + PAGE_SIZE // 8] = _POISON_U64

    def zero(self, mfn: int) -> None:
        """Fill frame ``mfn`` with zeros."""
        base = mfn << PAGE_SHIFT
        self.np[base : base + PAGE_SIZE] = 0

    def is_poisoned(self, mfn: int) -> bool:
        """True if every 8-byte word of ``mfn`` holds the poison pattern."""
        base = mfn << (PAGE_SHIFT - 3)
        return bool((self._u64[base : base + PAGE_SIZE // 8] == _POISON_U64).all())
