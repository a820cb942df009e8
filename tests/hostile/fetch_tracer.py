"""A double-fetch tracer for the backend (the Xenpwn idea behind XSA-155, in the lab).

It watches every read the backend makes of memory the frontend can change while a request is
being handled: the shared ring's request slots and the indirect descriptor pages.

* Ring slots: each backend ring's page views are replaced by :class:`TracedPage` proxies, so
  ``SharedRing.read_slot`` and ``write_slot`` go through them. A slot's per-byte read counts
  start again when the backend writes its response into that slot (from then on the slot
  belongs to the frontend again and will carry the next request). The header (producer and
  event indexes) is read through another view and is not traced: indexes are meant to be read
  again.
* Indirect pages: the loop's ``read_indirect_segments`` gets a port whose ``page_view`` returns
  traced proxies; counts are per call (one call per request; the pages are unmapped after it).

:attr:`DoubleFetchTracer.doubles` lists every byte read more than once for one request; the
catalog row A1 asserts it stays empty and that every request byte was read (once).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from blkswap.abi.ring import SRING_HEADER_SIZE
from blkswap.back import loop as back_loop

PAGE = 4096


class TracedPage:
    """A memoryview stand-in that reports the byte ranges read from and written to it."""

    def __init__(self, view: memoryview, on_read: Any, on_write: Any) -> None:
        self.view, self.on_read, self.on_write = view, on_read, on_write
        self.nbytes = view.nbytes

    def _range(self, key: slice | int) -> tuple[int, int]:
        if isinstance(key, int):
            return key, key + 1
        start, stop, _ = key.indices(self.nbytes)
        return start, stop

    def __getitem__(self, key: slice | int) -> Any:
        self.on_read(*self._range(key))
        return self.view[key]

    def __setitem__(self, key: slice | int, value: Any) -> None:
        self.on_write(*self._range(key))
        self.view[key] = value

    def __len__(self) -> int:
        return self.nbytes


class _TracingPort:
    def __init__(self, port: Any, tracer: DoubleFetchTracer) -> None:
        self._port, self._tracer = port, tracer
        self.counts: Counter[tuple[int, int]] = Counter()

    def page_view(self, va: int) -> TracedPage:
        def read(a: int, b: int) -> None:
            self.counts.update((va, i) for i in range(a, b))
            self._tracer.indirect_bytes += b - a

        return TracedPage(self._port.page_view(va), read, lambda a, b: None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)


class DoubleFetchTracer:
    def __init__(self) -> None:
        self.doubles: list[str] = []
        self.ring_bytes = 0  # request-slot bytes read
        self.indirect_bytes = 0

    # -- rings ------------------------------------------------------------------------------------
    def trace_ring(self, name: str, sring: Any) -> None:
        counts: Counter[int] = Counter()
        size = sring.entry_size

        def slot_of(page: int, off: int) -> int:
            return (page * PAGE + off - SRING_HEADER_SIZE) // size

        def proxy(i: int, view: memoryview) -> TracedPage:
            def read(a: int, b: int) -> None:
                for off in range(a, b):
                    key = i * PAGE + off
                    counts[key] += 1
                    if counts[key] == 2:
                        self.doubles.append(f"{name}: slot {slot_of(i, off)} byte {key} read twice")
                self.ring_bytes += b - a

            def write(a: int, b: int) -> None:
                for s in {slot_of(i, a), slot_of(i, max(a, b - 1))}:
                    base = SRING_HEADER_SIZE + s * size
                    for key in range(base, base + size):
                        counts.pop(key, None)

            return TracedPage(view, read, write)

        sring.pages = tuple(proxy(i, v) for i, v in enumerate(sring.pages))

    # -- indirect pages ----------------------------------------------------------------------------
    def install_indirect(self, monkeypatch: Any) -> None:
        original = back_loop.read_indirect_segments

        def traced(port: Any, *args: Any, **kw: Any) -> Any:
            tp = _TracingPort(port, self)
            try:
                return original(tp, *args, **kw)
            finally:
                for (va, off), n in tp.counts.items():
                    if n > 1:
                        self.doubles.append(f"indirect page va {va:#x} byte {off} read {n}x")

        monkeypatch.setattr(back_loop, "read_indirect_segments", traced)
