"""blkswap.sim.heap: the event heap's push and pop against the standard library's heapq.

The compiled build runs heap.push/heap.pop (time compared as a C double); the pure build runs
heapq's. Both must leave the list in the same state and pop the same entries, whatever the
times (floats, ints, ties) and priorities; tests/sim/test_builds.py reruns this on the pure
build, where heap.push/heap.pop are the Python source itself."""

from __future__ import annotations

import heapq
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

import blkswap.sim as sim
from blkswap.sim import heap

# Few distinct times, so that ties (decided by priority, then seq) are common; ints and floats
# mixed, as an int clock (Environment(initial_time=0) with int delays) produces.
TIMES = st.sampled_from([0, 1, 2, 0.0, 0.5, 1.0, 1.5, 2.0, 1e-9, 3.25, 1e300, float("inf")])
PRIORITIES = st.sampled_from([-1, 0, 1])
OPS = st.lists(st.one_of(st.tuples(TIMES, PRIORITIES), st.none()), max_size=200)


@given(OPS)
def test_push_and_pop_match_heapq_entry_for_entry(ops: list[tuple[float, int] | None]) -> None:
    """``None`` pops, a (time, priority) pushes; the lists are compared after every step."""
    ours: list[tuple] = []
    theirs: list[tuple] = []
    seq = count()
    for op in ops:
        if op is None:
            if not theirs:
                with pytest.raises(IndexError):
                    heap.pop(ours)
                continue
            assert heap.pop(ours) == heapq.heappop(theirs)
        else:
            entry = (op[0], op[1], next(seq), object())
            heap.push(ours, entry)
            heapq.heappush(theirs, entry)
        assert ours == theirs


@given(st.lists(st.tuples(TIMES, PRIORITIES), max_size=100))
def test_entries_come_out_in_time_priority_seq_order(pushes: list[tuple[float, int]]) -> None:
    queue: list[tuple] = []
    entries = [(at, priority, seq, None) for seq, (at, priority) in enumerate(pushes)]
    for entry in entries:
        heap.push(queue, entry)
    assert [heap.pop(queue) for _ in entries] == sorted(entries, key=lambda e: e[:3])


def test_the_kernel_uses_the_compiled_functions_only_in_the_compiled_build() -> None:
    assert heap.COMPILED is sim.COMPILED
    if sim.COMPILED:
        assert (heap.heappush, heap.heappop) == (heap.push, heap.pop)
    else:
        assert (heap.heappush, heap.heappop) == (heapq.heappush, heapq.heappop)


@pytest.mark.parametrize("delay", [float("nan"), -1e-12])
def test_a_timeout_at_a_time_no_heap_can_order_is_refused(delay: float) -> None:
    env = sim.Environment()
    with pytest.raises(ValueError, match="delay"):
        env.timeout(delay)
    with pytest.raises(ValueError, match="delay"):
        sim.Timeout(env, delay)
    with pytest.raises(ValueError, match="delay"):
        env.schedule(env.event(), delay=delay)
    assert env.peek() == float("inf")
