"""io/ring.h semantics (xen-abi.md §2, §7): sizing, notify test, index math across 2^32,
multi-page rings with slots straddling non-contiguous pages."""

from __future__ import annotations

import mmap
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.abi import X86_32, X86_64, BackRing, FrontRing, RingError, SharedRing
from blkswap.abi.ring import PAGE_SIZE, SRING_HEADER_SIZE, notify_needed, ring_entries

M = 2**32


@pytest.mark.parametrize("abi", [X86_64, X86_32], ids=lambda a: a.name)
def test_ring_sizes_per_page_order(abi) -> None:
    # xen-abi.md §2.3: 32, 64, 128, 256, 512 entries for orders 0-4 on both ABIs
    assert [ring_entries(1 << o, abi.ring_entry_size) for o in range(5)] == [32, 64, 128, 256, 512]


@given(pages=st.integers(1, 64), entry=st.integers(1, 4032))
def test_ring_entries_is_the_largest_power_of_two_that_fits(pages: int, entry: int) -> None:
    n = ring_entries(pages, entry)
    raw = (pages * PAGE_SIZE - SRING_HEADER_SIZE) // entry
    assert n & (n - 1) == 0 and n <= raw < 2 * n


def test_ring_entries_rejects_bad_geometry() -> None:
    for args in ((0, 112), (1, 0), (1, 4033)):
        with pytest.raises(RingError, match="ring: "):
            ring_entries(*args)


@pytest.mark.parametrize(
    ("old", "new", "event", "expected"),
    [(10, 12, 11, True), (10, 12, 12, True), (10, 12, 13, False), (0xFFFFFFFE, 1, 0, True),
     (10, 10, 10, False), (10, 12, 10, False), (0xFFFFFFFE, 1, 2, False), (0xFFFFFFFE, 1, 0xFFFFFFFF, True)],
)  # fmt: skip
def test_notify_needed_examples(old: int, new: int, event: int, expected: bool) -> None:
    assert notify_needed(old, new, event) is expected


@given(old=st.integers(0, M - 1), k=st.integers(0, 600), d=st.integers(0, 1200))
def test_notify_iff_event_in_published_range(old: int, k: int, d: int) -> None:
    new, event = (old + k) % M, (old + d) % M
    assert notify_needed(old, new, event) == (1 <= d <= k)


def _ring(
    nr_pages: int = 1, entry: int = 112, start: int = 0
) -> tuple[SharedRing, FrontRing, BackRing]:
    sring = SharedRing([bytearray(PAGE_SIZE) for _ in range(nr_pages)], entry)
    sring.init()
    sring.req_prod = sring.rsp_prod = start
    sring.req_event = sring.rsp_event = start + 1
    return sring, FrontRing(sring, start), BackRing(sring, start)


def test_init_layout() -> None:
    page = bytearray(b"\xaa" * PAGE_SIZE)
    sring = SharedRing([page], 112)
    sring.init()
    assert struct.unpack_from("<4I", page, 0) == (0, 1, 0, 1)
    assert page[16:64] == bytes(48) and page[64:] == b"\xaa" * (PAGE_SIZE - 64)
    sring.rsp_event = M + 5  # stored modulo 2^32
    assert struct.unpack_from("<I", page, 12)[0] == 5 and sring.rsp_event == 5


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(M - 100, M - 1),
    ops=st.lists(st.tuples(st.sampled_from("pPcrRf"), st.integers(0, 40)), max_size=60),
)
def test_random_sequences_keep_counts_in_bounds(start: int, ops: list[tuple[str, int]]) -> None:
    sring, front, back = _ring(start=start)
    n = sring.nr_ents
    produced = consumed = answered = seen = 0
    back_waiting = front_waiting = True  # SHARED_RING_INIT-style events: start + 1
    for op, k in ops:
        if op == "p":  # front writes k requests (as many as fit)
            for _ in range(min(k, front.free_requests())):
                front.put_request(produced.to_bytes(8, "little"))
                produced += 1
        elif op == "P":
            published = (front.req_prod_pvt - sring.req_prod) % M
            assert front.push_requests_and_check_notify() == (back_waiting and published > 0)
            back_waiting = back_waiting and published == 0
        elif op == "c":
            for _ in range(min(k, back.unconsumed_requests())):
                assert int.from_bytes(back.get_request()[:8], "little") == consumed
                consumed += 1
            if not back.final_check_for_requests():
                back_waiting = True
                assert sring.req_event == (back.req_cons + 1) % M
        elif op == "r":
            for _ in range(min(k, consumed - answered)):
                back.put_response(answered.to_bytes(8, "little"))
                answered += 1
        elif op == "R":
            published = (back.rsp_prod_pvt - sring.rsp_prod) % M
            assert back.push_responses_and_check_notify() == (front_waiting and published > 0)
            front_waiting = front_waiting and published == 0
        else:
            while front.unconsumed_responses():
                assert int.from_bytes(front.get_response()[:8], "little") == seen
                seen += 1
            if not front.final_check_for_responses():
                front_waiting = True
        assert 0 <= front.free_requests() <= n and front.full() == (front.free_requests() == 0)
        assert front.free_requests() == n - (produced - seen)
        assert 0 <= back.unconsumed_requests() <= n and 0 <= front.unconsumed_responses() <= n
        assert back.request_cons_overflow() == (consumed - answered >= n)  # no room to answer
        assert not back.request_prod_overflow()
        assert not front.response_prod_overflow()
        assert (
            front.req_prod_pvt == (start + produced) % M and back.req_cons == (start + consumed) % M
        )


def test_overflow_detection() -> None:
    sring, front, back = _ring(start=M - 3)
    sring.req_prod = (M - 3 + 33) % M  # a front claiming 33 requests on a 32-slot ring
    assert back.request_prod_overflow() and back.unconsumed_requests() == 32
    back.req_cons = (M - 3 + 32) % M
    assert back.request_cons_overflow() and back.unconsumed_requests() == 0
    sring.rsp_prod = (M - 3 + 33) % M
    assert front.response_prod_overflow()


def test_put_request_refuses_a_full_ring() -> None:
    _, front, _ = _ring(start=M - 1)
    for _ in range(32):
        front.put_request(b"x")
    assert front.full()
    with pytest.raises(RingError, match="front ring full"):
        front.put_request(b"x")


@pytest.mark.parametrize("abi", [X86_64, X86_32], ids=lambda a: a.name)
@pytest.mark.parametrize("order", [1, 2, 4])
def test_multi_page_non_contiguous_round_trip(abi, order: int) -> None:
    nr_pages = 1 << order
    # pages live at scattered, reversed places of one big buffer: never contiguous in memory
    backing = bytearray(PAGE_SIZE * (2 * nr_pages + 1))
    pages = [
        memoryview(backing)[(2 * (nr_pages - i)) * PAGE_SIZE :][:PAGE_SIZE] for i in range(nr_pages)
    ]
    sring = SharedRing(pages, abi.ring_entry_size)
    sring.init()
    assert sring.nr_ents == 32 * nr_pages
    start = M - 5
    sring.req_prod = sring.rsp_prod = start
    front, back = FrontRing(sring, start), BackRing(sring, start)
    rng = random.Random(order)
    straddling = 0
    for i in range(sring.nr_ents):
        off = SRING_HEADER_SIZE + ((start + i) % sring.nr_ents) * abi.ring_entry_size
        straddling += off // PAGE_SIZE != (off + abi.ring_entry_size - 1) // PAGE_SIZE
        front.put_request(rng.randbytes(abi.ring_entry_size))
    # 4032 = 36 x 112: on x86_64 a 2-page ring's slots end exactly on the page boundary
    assert (straddling > 0) == ((abi.name, order) != ("x86_64", 1))
    front.push_requests()
    contiguous = b"".join(bytes(p) for p in pages)  # the virtually contiguous view (xen-abi.md §7)
    rng = random.Random(order)
    for i in range(sring.nr_ents):
        data = rng.randbytes(abi.ring_entry_size)
        off = SRING_HEADER_SIZE + ((start + i) % sring.nr_ents) * abi.ring_entry_size
        assert contiguous[off : off + abi.ring_entry_size] == data
        assert back.get_request() == data
    # a response written at the start of a straddling slot leaves the rest of the slot alone
    back.put_response(b"\x01" * abi.response_size)
    assert front.get_response()[: abi.response_size] == b"\x01" * abi.response_size


def test_shared_ring_on_mmap() -> None:
    mm = mmap.mmap(-1, PAGE_SIZE)
    sring = SharedRing([mm], 108)
    sring.init()
    sring.write_slot(3, b"abc")
    assert mm[SRING_HEADER_SIZE + 3 * 108 : SRING_HEADER_SIZE + 3 * 108 + 3] == b"abc"
    assert sring.read_slot(3 + 32)[:3] == b"abc"  # index masked to the ring size


def test_shared_ring_rejects_bad_pages() -> None:
    with pytest.raises(RingError, match="page 1 is 100 bytes"):
        SharedRing([bytearray(PAGE_SIZE), bytearray(100)], 112)
    with pytest.raises(RingError, match="page 0 is read-only"):
        SharedRing([bytes(PAGE_SIZE)], 112)
    with pytest.raises(RingError, match="no pages"):
        SharedRing([], 112)
    sring = SharedRing([bytearray(PAGE_SIZE)], 112)
    with pytest.raises(RingError, match="113-byte entry does not fit a 112-byte slot"):
        sring.write_slot(0, bytes(113))


def test_release_lets_an_mmap_close() -> None:
    mm = mmap.mmap(-1, PAGE_SIZE)
    sring = SharedRing([mm], 112)
    with pytest.raises(BufferError):
        mm.close()
    sring.release()
    mm.close()
    assert mm.closed
