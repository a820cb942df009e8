"""blkfront's grant strategies (blkswap.front.grants) against the emulated Xen, with dom0 playing
the backend's part by hand (map/unmap, swap, transfer) — LF xen-blkfront.c; docs/design.md §4."""

from __future__ import annotations

import pytest

from blkswap.abi import blkif, gnttab
from blkswap.abi.swap_ext import encode_new_frames
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import map_grants, pack_swaps, pack_transfers, unmap_grants
from blkswap.front.bio import Bio
from blkswap.front.grants import (
    STRATEGIES,
    BackendBroken,
    FreshGrants,
    PersistentGrants,
    SwapGrants,
    TransferGrants,
)
from blkswap.front.xenbus import NullMeter
from blkswap.xen import NeuteredPageError, Xen
from blkswap.xen.emulated import EmulatedPort

RSP = 16  # x86_64 response size; the swap extension follows it in the slot


class CountingMeter(NullMeter):
    def __init__(self) -> None:
        self.charged: dict[str, int] = {}

    def charge(self, cause: str, amount: int) -> None:
        self.charged[cause] = self.charged.get(cause, 0) + amount


@pytest.fixture
def host():
    xen = Xen(frames=1024, deliver=None)
    xen.create_domain(pages=256, vcpus=2)
    xen.create_domain(pages=128, vcpus=1)
    return xen, EmulatedPort(xen, 0), EmulatedPort(xen, 1)


def bio_on(port: EmulatedPort, op: int, n: int, fill: int = 0) -> Bio:
    gfns = [port.alloc_page() for _ in range(n)]
    for i, gfn in enumerate(gfns):
        port.page_view(gfn << 12)[:] = bytes([fill + i]) * 4096
    return Bio(op, 0, [(gfn, 0, 7) for gfn in gfns])


def slot(extra: bytes = b"") -> bytes:
    return bytes(RSP) + extra + bytes(112 - RSP - len(extra))


def test_registry_names_match() -> None:
    assert {k: v.name for k, v in STRATEGIES.items()} == {k: k for k in STRATEGIES}


def test_fresh_grants_read_write_and_end_access(host) -> None:
    xen, p0, p1 = host
    s = FreshGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_WRITE, 3, fill=5)
    g = s.grant(bio)
    for ref, (gfn, _, _) in zip(g.grefs, bio.segments, strict=True):
        flags, dom, frame = p1.grant_entry(ref)
        assert flags == gnttab.GTF_permit_access  # read-write even for a WRITE (LF)
        assert (dom, frame) == (0, p1.gfn_to_mfn(gfn))
    s.complete(bio, g, slot(), RSP)
    assert s.backend_bugs == 0 and not s.deferred
    assert all(p1.grant_entry(ref)[0] == 0 for ref in g.grefs)


def test_fresh_grants_still_mapped_is_a_backend_bug_retried_later(host) -> None:
    xen, p0, p1 = host
    s = FreshGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_READ, 2)
    g = s.grant(bio)
    maps = map_grants(p0, 1, g.grefs[:1], VaSpace().take(1), readonly=False)
    s.complete(bio, g, slot(), RSP)
    assert s.backend_bugs == 1 and list(s.deferred) == g.grefs[:1]
    s.retry_deferred()
    assert list(s.deferred) == g.grefs[:1]  # still mapped: stays deferred
    unmap_grants(p0, maps)
    s.teardown()
    assert not s.deferred and p1.grant_entry(g.grefs[0])[0] == 0


def test_persistent_copies_in_and_out_and_recycles_lifo(host) -> None:
    xen, p0, p1 = host
    meter = CountingMeter()
    s = PersistentGrants(p1, 0, meter)
    w = bio_on(p1, blkif.BLKIF_OP_WRITE, 2, fill=0x40)
    g = s.grant(w)
    bounce = [gfn for _, gfn in g.extra]
    assert set(bounce).isdisjoint(gfn for gfn, _, _ in w.segments)
    assert [bytes(p1.page_view(b << 12)) for b in bounce] == [b"\x40" * 4096, b"\x41" * 4096]
    assert meter.charged["memcpy"] == 2 * 4096
    maps = map_grants(p0, 1, g.grefs, VaSpace().take(2), readonly=False)  # the backend keeps them
    s.complete(w, g, slot(), RSP)
    # still mapped by the backend → pushed to the head of the free list (LF: LIFO reuse)
    assert [e[0] for e in s.free] == g.grefs[::-1]
    # a READ reuses the same grants (most recently used first) and copies out on completion
    r = bio_on(p1, blkif.BLKIF_OP_READ, 2, fill=0)
    g2 = s.grant(r)
    assert g2.grefs == g.grefs[::-1] and s.pages == 2
    for _, gfn in g2.extra:
        p1.page_view(gfn << 12)[:] = b"\x99" * 4096  # "the backend read into the page"
    s.complete(r, g2, slot(), RSP)
    assert all(bytes(p1.page_view(gfn << 12)) == b"\x99" * 4096 for gfn, _, _ in r.segments)
    unmap_grants(p0, maps)
    s.teardown()
    assert not s.free and not s.deferred


def test_persistent_read_error_leaves_bio_pages_alone(host) -> None:
    _, _, p1 = host
    s = PersistentGrants(p1, 0, NullMeter())
    r = bio_on(p1, blkif.BLKIF_OP_READ, 1, fill=0x11)
    g = s.grant(r)
    p1.page_view(g.extra[0][1] << 12)[:] = b"\x99" * 4096
    r.status = blkif.BLKIF_RSP_ERROR
    s.complete(r, g, slot(), RSP)
    assert bytes(p1.page_view(r.segments[0][0] << 12)) == b"\x11" * 4096
    # purged by the backend (end_access succeeds) → re-granted next time
    assert s.free[-1][0] == -1
    s.teardown()


def test_swap_grants_neuter_then_follow_new_frame(host) -> None:
    xen, p0, p1 = host
    s = SwapGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_WRITE, 2, fill=1)
    g = s.grant(bio)
    gfn0 = bio.segments[0][0]
    with pytest.raises(NeuteredPageError):
        p1.page_view(gfn0 << 12)
    own = [p0.alloc_page() for _ in range(2)]
    for o in own:
        p0.page_view(o << 12)[:] = b"\x77" * 4096
    args = pack_swaps([(p0.gfn_to_mfn(o), ref, 1) for o, ref in zip(own, g.grefs, strict=True)])
    p0.grant_table_op(gnttab.GNTTABOP_swap, args, 2)
    new = [p1.gfn_to_mfn(gfn) for gfn, _, _ in bio.segments]
    s.complete(bio, g, slot(encode_new_frames(new)), RSP)
    assert s.swapped_frames == 2 and p1.dom.neutered == set()
    assert bytes(p1.page_view(gfn0 << 12)) == b"\x77" * 4096
    assert bytes(p0.page_view(own[0] << 12)) == b"\x01" * 4096  # dom0 has the guest's data


def test_swap_grants_detect_lying_backend(host) -> None:
    xen, p0, p1 = host
    s = SwapGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_READ, 1)
    g = s.grant(bio)
    with pytest.raises(BackendBroken, match="disagree"):
        s.complete(bio, g, slot(encode_new_frames([12345])), RSP)
    # even then the page is mapped again and the grant ended (nothing left neutered or granted)
    assert p1.dom.neutered == set() and p1.grant_entry(g.grefs[0])[0] == 0
    assert s.swapped_frames == 0


def test_swap_grants_abandon_restores_mapping(host) -> None:
    _, _, p1 = host
    s = SwapGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_READ, 2)
    g = s.grant(bio)
    s.abandon(bio, g)
    assert p1.dom.neutered == set() and not s.deferred
    assert all(p1.grant_entry(ref)[0] == 0 for ref in g.grefs)


def test_transfer_grants_read_receives_frames(host) -> None:
    xen, p0, p1 = host
    s = TransferGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_READ, 2)
    pages = p1.dom.tot_pages
    g = s.grant(bio)
    assert p1.dom.tot_pages == pages - 2  # buffer frames given back (balloon)
    for ref in g.grefs:
        assert p1.grant_entry(ref)[0] == gnttab.GTF_accept_transfer
    donors = [p0.alloc_page() for _ in range(2)]
    for d in donors:
        p0.page_view(d << 12)[:] = b"\x5a" * 4096
    mfns = [p0.gfn_to_mfn(d) for d in donors]
    args = pack_transfers([(m, 1, ref) for m, ref in zip(mfns, g.grefs, strict=True)])
    p0.grant_table_op(gnttab.GNTTABOP_transfer, args, 2)
    s.complete(bio, g, slot(), RSP)
    assert s.frames_received == 2 and s.lost == 0
    assert [p1.gfn_to_mfn(gfn) for gfn, _, _ in bio.segments] == mfns
    assert bytes(p1.page_view(bio.segments[1][0] << 12)) == b"\x5a" * 4096


def test_transfer_grants_error_refills_holes(host) -> None:
    _, _, p1 = host
    s = TransferGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_READ, 3)
    pages = p1.dom.tot_pages
    g = s.grant(bio)
    bio.status = blkif.BLKIF_RSP_ERROR
    s.complete(bio, g, slot(), RSP)
    assert s.lost == 3 and p1.dom.tot_pages == pages
    assert all(p1.gfn_to_mfn(gfn) > 0 for gfn, _, _ in bio.segments)


def test_transfer_grants_write_uses_fresh_grants(host) -> None:
    _, _, p1 = host
    s = TransferGrants(p1, 0, NullMeter())
    bio = bio_on(p1, blkif.BLKIF_OP_WRITE, 1)
    g = s.grant(bio)
    assert p1.grant_entry(g.grefs[0])[0] == gnttab.GTF_permit_access
    s.complete(bio, g, slot(), RSP)
    assert p1.grant_entry(g.grefs[0])[0] == 0
