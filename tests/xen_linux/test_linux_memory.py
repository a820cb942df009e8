"""PageArena: the dom0 port's own page-aligned pages (bounce pages for grant copy, I/O buffers).

Checked by value: the page numbers ``alloc`` hands out and in which order, the errors (their
messages name the arena and the page), and that ``address(page)`` is the real user address of
``view(page)`` (read back through ctypes, the way gntdev reads a grant-copy segment's ``virt``)."""

from __future__ import annotations

import ctypes
import mmap
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.xen.linux.devices import PAGE
from blkswap.xen.linux.memory import PageArena


@pytest.mark.parametrize("pages", [0, -1, -4096])
def test_an_empty_arena_is_refused(pages: int) -> None:
    with pytest.raises(ValueError) as info:
        PageArena(pages)
    assert str(info.value) == f"page arena: {pages} pages (need at least 1)"


def test_one_page_arena() -> None:
    a = PageArena(1)
    assert (a.pages, len(a.mem), a.free_pages) == (1, PAGE, 1)
    assert a.alloc() == 0 and a.free_pages == 0
    with pytest.raises(MemoryError) as info:
        a.alloc()
    assert str(info.value) == "page arena: all 1 pages in use"


def test_pages_come_lowest_first_and_a_freed_page_comes_back_first() -> None:
    a = PageArena(4)
    assert len(a.mem) == 4 * PAGE and a.free_pages == 4
    assert [a.alloc() for _ in range(4)] == [0, 1, 2, 3]
    assert a.free_pages == 0
    with pytest.raises(MemoryError, match=r"^page arena: all 4 pages in use$"):
        a.alloc()
    a.free(2)
    a.free(0)
    assert a.free_pages == 2
    assert [a.alloc(), a.alloc()] == [0, 2]  # LIFO: the last freed page first
    a.free(3)  # the last page is a page of the arena
    assert a.alloc() == 3


@pytest.mark.parametrize("page", [-1, 4, 5, 1 << 20])
def test_freeing_a_page_outside_the_arena_is_refused(page: int) -> None:
    a = PageArena(4)
    for _ in range(4):
        a.alloc()
    with pytest.raises(ValueError) as info:
        a.free(page)
    assert str(info.value) == f"page arena: page {page} is not allocated"
    assert a.free_pages == 0


def test_double_free_is_refused() -> None:
    a = PageArena(2)
    p = a.alloc()
    a.free(p)
    with pytest.raises(ValueError, match=rf"^page arena: page {p} is not allocated$"):
        a.free(p)
    assert a.free_pages == 2
    with pytest.raises(ValueError, match="page 1 is not allocated"):
        a.free(1)  # never allocated


def test_address_is_the_user_address_of_the_view() -> None:
    a = PageArena(3)
    assert a.base == ctypes.addressof(ctypes.c_char.from_buffer(a.mem))
    assert a.base % PAGE == 0  # page aligned: a local grant-copy side never crosses a page
    for page in range(3):
        v = a.view(page)
        assert len(v) == PAGE and not v.readonly
        v[:] = bytes([page + 1]) * PAGE
        v[PAGE - 3 :] = b"end"
        assert a.address(page) == a.base + page * PAGE
        assert ctypes.string_at(a.address(page), PAGE) == bytes([page + 1]) * (PAGE - 3) + b"end"
        assert a.mem[page * PAGE : (page + 1) * PAGE] == bytes(v)
    ctypes.memmove(a.address(1) + 10, b"gntdev", 6)  # a kernel write to the user address
    assert bytes(a.view(1)[10:16]) == b"gntdev" and bytes(a.view(2)[10:16]) == b"\3" * 6


def test_memory_is_private_to_the_process() -> None:
    """MAP_PRIVATE | MAP_ANONYMOUS: not a file, zero-filled, and writable."""
    a = PageArena(2)
    assert bytes(a.view(0)) == bytes(PAGE) and bytes(a.view(1)) == bytes(PAGE)
    a.mem[0:4] = b"priv"
    assert a.mem.find(b"priv") == 0
    assert isinstance(a.mem, mmap.mmap)


def test_the_arena_holds_no_file_descriptor() -> None:
    """Anonymous memory (fd -1): a mapping made through a descriptor, even one Linux ignores
    under MAP_ANONYMOUS, would keep CPython's dup of it open for the arena's lifetime."""
    before = sorted(os.listdir("/proc/self/fd"))
    a = PageArena(2)
    assert sorted(os.listdir("/proc/self/fd")) == before and a.free_pages == 2


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.lists(st.integers(0, 15), max_size=40))
def test_alloc_free_matches_a_lifo_model(pages: int, ops: list[int]) -> None:
    """Against a model free list: alloc pops the lowest page at first, then the last freed;
    free refuses a page that is free or outside the arena."""
    a = PageArena(pages)
    free = list(range(pages - 1, -1, -1))
    for op in ops:
        if op % 2 == 0:
            if free:
                assert a.alloc() == free.pop()
            else:
                with pytest.raises(MemoryError):
                    a.alloc()
        else:
            page = op // 2
            if page < pages and page not in free:
                a.free(page)
                free.append(page)
            else:
                with pytest.raises(ValueError):
                    a.free(page)
        assert a.free_pages == len(free)
