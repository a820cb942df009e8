"""back/rings.py by value (found by mutation testing, tools/mutation.py): which xenstore key a
failed ring connection names (LB xenbus.c xen_blkif_map: "mapping ring-ref%u failed" /
"binding event-channel failed"), and that a failure releases every mapping and address."""

from __future__ import annotations

import struct

import pytest

from blkswap.abi import X86_64
from blkswap.back.frames import VaSpace
from blkswap.back.negotiate import NegotiationError, QueueKeys
from blkswap.back.rings import map_ring, unmap_ring
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

FRONT = 1


@pytest.fixture
def host():
    xen = Xen(frames=512, deliver=None)
    xen.create_domain(pages=128, vcpus=1)
    xen.create_domain(pages=128, vcpus=1)
    return xen, EmulatedPort(xen, 0), EmulatedPort(xen, FRONT)


def ring_pages(front: EmulatedPort, n: int, req_prod: int = 0) -> list[int]:
    """``n`` granted ring pages; the shared header's req_prod (offset 0) set to ``req_prod``."""
    gfns = [front.alloc_page() for _ in range(n)]
    for gfn in gfns:
        front.page_view(gfn << 12)[:] = bytes(4096)
    struct.pack_into("<I", front.page_view(gfns[0] << 12), 0, req_prod)
    return [front.grant_access(gfn, 0, False) for gfn in gfns]


def released(front: EmulatedPort, refs: list[int], va: VaSpace) -> bool:
    """Nothing of ours is mapped any more: every grant can be ended, no address is held."""
    return va.in_use == 0 and all(front.end_access(r) for r in refs)


def test_a_ring_maps_binds_and_unmaps(host):
    xen, back, front = host
    refs = ring_pages(front, 2)
    evtchn = front.evtchn_alloc_unbound(0)
    va = VaSpace()
    m = map_ring(back, va, FRONT, QueueKeys(tuple(refs), evtchn, ""), X86_64)
    assert [x.ref for x in m.maps] == refs and all(x.status == 0 for x in m.maps)
    assert va.in_use == 2 and m.evtchn > 0
    unmap_ring(back, va, m.maps, m.evtchn)
    assert released(front, refs, va)


def test_one_page_ring_that_does_not_map_names_ring_ref(host):
    xen, back, front = host
    va = VaSpace()
    with pytest.raises(NegotiationError) as err:
        map_ring(back, va, FRONT, QueueKeys((200,), 5, "queue-1/"), X86_64)
    e = err.value
    assert (e.key, e.value, e.why) == ("queue-1/ring-ref", "200", "mapping failed: GNTST -1")
    assert va.in_use == 0


def test_multi_page_ring_that_does_not_map_names_the_page(host):
    xen, back, front = host
    refs = ring_pages(front, 2)
    va = VaSpace()
    with pytest.raises(NegotiationError) as err:
        map_ring(back, va, FRONT, QueueKeys((refs[0], 200, refs[1]), 5, ""), X86_64)
    assert (err.value.key, err.value.value) == ("ring-ref1", "200")
    assert released(front, refs, va)


@pytest.mark.parametrize("pages", [1, 2])
def test_an_impossible_req_prod_refuses_the_ring(host, pages: int):
    """req_prod - rsp_prod above the ring size (32 slots a page on x86_64) at connect time: the
    key named is the first page's ring-ref, with its value, and nothing stays mapped."""
    xen, back, front = host
    refs = ring_pages(front, pages, req_prod=32 * pages + 1)
    va = VaSpace()
    with pytest.raises(NegotiationError) as err:
        map_ring(back, va, FRONT, QueueKeys(tuple(refs), 5, "queue-0/"), X86_64)
    e = err.value
    assert (e.key, e.value, e.why) == (
        "queue-0/ring-ref",
        str(refs[0]),
        "req_prod - rsp_prod exceeds the ring",
    )
    assert released(front, refs, va)


def test_a_full_ring_is_not_an_impossible_one(host):
    xen, back, front = host
    refs = ring_pages(front, 1, req_prod=32)
    evtchn = front.evtchn_alloc_unbound(0)
    va = VaSpace()
    m = map_ring(back, va, FRONT, QueueKeys(tuple(refs), evtchn, ""), X86_64)
    unmap_ring(back, va, m.maps, m.evtchn)
    assert released(front, refs, va)


def test_an_event_channel_that_does_not_bind_names_it(host):
    xen, back, front = host
    refs = ring_pages(front, 1)
    va = VaSpace()
    with pytest.raises(NegotiationError) as err:
        map_ring(back, va, FRONT, QueueKeys(tuple(refs), 77, "queue-2/"), X86_64)
    e = err.value
    assert (e.key, e.value) == ("queue-2/event-channel", "77")
    assert e.why.startswith("binding failed: ")
    assert released(front, refs, va)
