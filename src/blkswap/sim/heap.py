# cython: boundscheck=False, wraparound=False
"""The event heap's two operations on ``(time, priority, seq, event)`` entries.

``heappush`` and ``heappop`` are what ``core`` and ``events`` call. In the pure-Python build
they are the standard library's (``heapq``, written in C). In the compiled build they are
:func:`push` and :func:`pop` below, compiled with the time of an entry typed as a C double
(``heap.pxd``): an entry comparison is then one or two C compares of doubles, where ``heapq``
compares two tuples through Python's rich-comparison protocol item by item. That protocol
was ~10 % of the compiled kernel's instructions (docs/performance.md, "Event engine").

Both builds pop the same order: ``seq`` is unique within an environment, so no two entries
compare equal and every correct binary heap yields the entries in the one sorted order.
:func:`push` and :func:`pop` are the algorithm of CPython's ``Lib/heapq.py`` (``_siftdown``,
and ``_siftup``'s bottom-up descent that places the moved leaf after reaching the bottom), so
they also leave the list in the same state as ``heapq`` would. tests/sim/test_heap.py checks
both claims against ``heapq``, on either build.
"""

from __future__ import annotations

from heapq import heappop as _heapq_pop
from heapq import heappush as _heapq_push
from types import FunctionType
from typing import Any

Entry = tuple[float, int, int, Any]
"""(time, priority, seq, event): the key is the first three (an int time is allowed)."""


def _before(a: Entry, b: Entry) -> bool:
    """``a < b`` for two entries with different keys (= tuple order on time, priority, seq).

    A time that is a float on both sides (the usual case) is compared as a C double in the
    compiled build; any other pair (an int clock) as Python objects, as the tuple would.
    """
    a_at = a[0]
    b_at = b[0]
    if type(a_at) is float and type(b_at) is float:
        x = a_at  # (doubles in the compiled build: heap.pxd)
        y = b_at
        if x != y:
            return x < y
    elif a_at != b_at:
        return a_at < b_at
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[2] < b[2]


def push(heap: list[Entry], entry: Entry) -> None:
    """Add *entry*, keeping the heap invariant (``heapq.heappush``)."""
    heap.append(entry)
    _climb(heap, len(heap) - 1, entry)


def _climb(heap: list[Entry], pos: int, entry: Entry) -> None:
    """Put *entry* in the hole at *pos*, moving it toward the root while it is smaller than its
    parent (``heapq._siftdown(heap, 0, pos)``)."""
    while pos > 0:
        parent_pos = (pos - 1) >> 1
        parent = heap[parent_pos]
        if not _before(entry, parent):
            break
        heap[pos] = parent
        pos = parent_pos
    heap[pos] = entry


def pop(heap: list[Entry]) -> Entry:
    """Remove and return the smallest entry (``heapq.heappop``; IndexError if empty)."""
    last = heap.pop()
    if not heap:
        return last
    top = heap[0]
    # heapq._siftup(heap, 0) with *last* at the root: move the smaller child up until the
    # hole is a leaf, then let *last* climb from there to its place.
    end = len(heap)
    pos = 0
    child = 1
    while child < end:
        right = child + 1
        if right < end and not _before(heap[child], heap[right]):
            child = right
        heap[pos] = heap[child]
        pos = child
        child = 2 * pos + 1
    _climb(heap, pos, last)
    return top


COMPILED = not isinstance(push, FunctionType)
"""True when this module was compiled (its functions are then not Python functions)."""

heappush = push if COMPILED else _heapq_push
heappop = pop if COMPILED else _heapq_pop
