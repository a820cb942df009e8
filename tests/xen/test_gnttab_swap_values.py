"""GNTTABOP_swap / swap_grant_ref: values written back and frames refused on the paths the
other swap tests leave open (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

from xen_helpers import granted_page, host, map_one, op

from blkswap.abi import gnttab as g
from blkswap.xen import Xen

SWAP, SWAP_REF = g.GNTTABOP_swap, g.GNTTABOP_swap_grant_ref


def _swap(d0, frame: int, ref: int, dom: int = 1) -> dict:
    rc, out = op(d0, SWAP, [dict(frame=frame, ref=ref, dom=dom, status=99, new_frame=77)])
    assert rc == 0
    return out[0]


def _guest_ref(d1, d0, data: bytes = b"g") -> tuple[int, int]:
    gfn, ref = granted_page(d1, d0, data)
    d1.neuter(gfn)
    return gfn, ref


def test_swap_grant_ref_swaps_in_either_order_and_returns_0():
    """(a, b) with a > b exchanges the two entries like (b, a); a == b is a no-op; rc 0."""
    xen, d0, (d1,) = host()
    refs = [granted_page(d1, d0, bytes([i]))[1] for i in range(2)]
    before = [d1.grant_entry(r) for r in refs]
    rc, out = op(d1, SWAP_REF, [dict(ref_a=refs[1], ref_b=refs[0])])
    assert rc == 0 and out[0]["status"] == g.GNTST_okay
    assert [d1.grant_entry(r) for r in refs] == before[::-1]
    rc, out = op(d1, SWAP_REF, [dict(ref_a=refs[0], ref_b=refs[0])])
    assert out[0]["status"] == g.GNTST_okay and d1.grant_entry(refs[0]) == before[1]


def test_a_refused_swap_writes_back_new_frame_0():
    """eagain (the entry is mapped) and bad_page (the caller's frame is foreign): new_frame 0,
    not the caller's stale value, and nothing moved."""
    xen, d0, (d1,) = host()
    _gfn, ref = _guest_ref(d1, d0)
    own = d0.gfn_to_mfn(d0.alloc_page())
    h = map_one(d0, d1, ref)
    out = _swap(d0, own, ref)
    assert (out["status"], out["new_frame"]) == (g.GNTST_eagain, 0)
    assert h["status"] == g.GNTST_okay
    _gfn2, ref2 = _guest_ref(d1, d0)
    foreign = d1.gfn_to_mfn(d1.alloc_page())
    out = _swap(d0, foreign, ref2)
    assert (out["status"], out["new_frame"]) == (g.GNTST_bad_page, 0)
    assert xen.frame_owner(own) == 0 and xen.frame_owner(foreign) == d1.domid


def test_frames_that_are_not_plain_owned_pages_are_bad_page():
    """The caller's frame must be a page it owns through its P2M: a frame beyond the machine,
    another domain's frame (a higher domid), its own grant-table frame (SHARED); and the
    guest's entry must name a frame the guest owns (not dom0's, a lower domid)."""
    xen, d0, (d1, d2) = host(guests=2)
    cases = [xen.arena.frames, xen.arena.frames + 5, d2.gfn_to_mfn(d2.alloc_page()),
             d0.gt.frames[0]]  # fmt: skip
    for frame in cases:
        _gfn, ref = _guest_ref(d1, d0)
        assert _swap(d0, frame, ref)["status"] == g.GNTST_bad_page, frame
    own = d0.gfn_to_mfn(d0.alloc_page())
    ref = d1.gt.nr_entries - 1
    d1.gt.write_entry(ref, g.GTF_permit_access, d0.domid, d0.gfn_to_mfn(d0.alloc_page()))
    assert _swap(d0, own, ref)["status"] == g.GNTST_bad_page  # dom0's frame in d1's entry
    assert xen.frame_owner(own) == 0 and xen.audit() == []


def test_frames_owned_but_not_in_the_p2m_as_claimed_are_bad_page():
    """_owned_gfn: a frame the domain owns but maps at no gfn (M2P -1), or whose M2P names a gfn
    that maps another frame (a stale M2P; lab invariant, set by hand here), or a gfn past the
    P2M: bad_page for the caller's frame and for the guest's entry; an unpermitted entry is
    general_error. Nothing moves."""
    xen, d0, (d1,) = host()
    bare = xen.alloc_frame(d0)
    assert xen.arena.m2p[bare] < 0
    _gfn, ref = _guest_ref(d1, d0)
    assert _swap(d0, bare, ref)["status"] == g.GNTST_bad_page
    own = d0.gfn_to_mfn(d0.alloc_page())
    for other in (d0.alloc_page(), d0.alloc_page()):  # its frame above or below ``stale``'s
        stale = d0.gfn_to_mfn(d0.alloc_page())
        good, xen.arena.m2p[stale] = xen.arena.m2p[stale], other
        assert _swap(d0, stale, ref)["status"] == g.GNTST_bad_page
        xen.arena.m2p[stale] = good
    past = d0.gfn_to_mfn(d0.alloc_page())
    good, xen.arena.m2p[past] = xen.arena.m2p[past], d0.max_pages
    assert _swap(d0, past, ref)["status"] == g.GNTST_bad_page
    xen.arena.m2p[past] = good
    gbare = xen.alloc_frame(d1)
    d1.gt.write_entry(ref, g.GTF_permit_access, d0.domid, gbare)
    assert _swap(d0, own, ref)["status"] == g.GNTST_bad_page
    d1.gt.write_entry(ref, 0, d0.domid, gbare)
    assert _swap(d0, own, ref)["status"] == g.GNTST_general_error
    assert xen.frame_owner(own) == 0 and xen.frame_owner(gbare) == d1.domid
    d1.gt.write_entry(ref, 0, 0, 0)
    xen.free_frame(bare, d0)
    xen.free_frame(gbare, d1)


def test_the_entry_type_check_ignores_only_the_undefined_and_xen_owned_bits():
    """The guest's entry must be a plain permit_access entry: sub_page (a v2 copy-only grant)
    and readonly are refused (general_error), like Xen's _set_status_v1 mask for a writable
    mapping (GTF_type_mask | GTF_sub_page, plus the readonly test); the undefined bits 9-15 are
    ignored there too, so an entry carrying them swaps."""
    xen, d0, (d1,) = host()
    for extra in (g.GTF_sub_page, g.GTF_readonly):
        _gfn, ref = _guest_ref(d1, d0)
        own = d0.gfn_to_mfn(d0.alloc_page())
        _e, dom, frame = d1.grant_entry(ref)
        d1.gt.write_entry(ref, g.GTF_permit_access | extra, dom, frame)
        assert _swap(d0, own, ref) == dict(
            frame=own, ref=ref, dom=1, status=-1, new_frame=0, flags=0
        )
        d1.gt.write_entry(ref, g.GTF_permit_access, dom, frame)
    for bit in (9, 12, 15):
        _gfn, ref = _guest_ref(d1, d0)
        own = d0.gfn_to_mfn(d0.alloc_page())
        _e, dom, frame = d1.grant_entry(ref)
        d1.gt.write_entry(ref, g.GTF_permit_access | (1 << bit), dom, frame)
        out = _swap(d0, own, ref)
        assert (out["status"], out["new_frame"]) == (g.GNTST_okay, own), bit
        assert xen.frame_owner(own) == d1.domid and xen.frame_owner(frame) == d0.domid
    assert xen.audit() == []


def test_an_entry_granted_to_a_lower_domid_than_the_caller_is_refused():
    """The entry must name the caller itself: granted to dom0, swapped by d2 → general_error."""
    xen, d0, (d1, d2) = host(guests=2)
    gfn, ref = granted_page(d1, d0, b"g")
    d1.neuter(gfn)
    own = d2.gfn_to_mfn(d2.alloc_page())
    rc, out = op(d2, SWAP, [dict(frame=own, ref=ref, dom=d1.domid, status=99, new_frame=77)])
    assert (out[0]["status"], out[0]["new_frame"]) == (g.GNTST_general_error, 0)
    assert xen.frame_owner(own) == d2.domid


def test_swapping_a_pinned_entry_with_itself_is_a_no_op_even_above_ref_256():
    """swap_grant_ref(a, a) returns okay before looking at pins (Xen's gnttab_swap_grant_ref:
    "Swapping the same ref is a no-op"), for refs past 256 too (equal values, not identity)."""
    xen, d0, (d1,) = host()
    assert xen.grow_grant_table(d1, 2, hypercall=False) == g.GNTST_okay
    ref = 300
    d1.gt.write_entry(ref, g.GTF_permit_access, d0.domid, d1.gfn_to_mfn(d1.alloc_page()))
    h = map_one(d0, d1, ref)
    assert h["status"] == g.GNTST_okay and d1.gt.pin[ref]
    before = d1.grant_entry(ref)
    rc, out = op(d1, SWAP_REF, [dict(ref_a=ref, ref_b=ref)])
    assert out[0]["status"] == g.GNTST_okay and d1.grant_entry(ref) == before
    rc, out = op(d1, SWAP_REF, [dict(ref_a=ref, ref_b=ref - 1)])
    assert out[0]["status"] == g.GNTST_eagain


def test_frames_above_256_swap_and_a_stale_m2p_is_refused_either_way():
    """Frame numbers past 256 compare by value (a big dom0); a frame whose M2P names a gfn past
    the P2M (not just its end), or that no gfn maps (M2P -1) although the last gfn maps it, or
    a gfn mapping a higher frame, is bad_page (lab invariants, broken by hand and restored)."""
    xen, d0, (d1,) = host(pages=400)
    _gfn, ref = _guest_ref(d1, d0)
    big = d0.gfn_to_mfn(d0.max_pages - 1)
    assert big > 256
    saved = xen.arena.m2p[big]
    for bad in (d0.max_pages + 1, -1):
        xen.arena.m2p[big] = bad
        assert _swap(d0, big, ref)["status"] == g.GNTST_bad_page, bad
    stale = d0.gfn_to_mfn(d0.alloc_page())
    higher = d0.alloc_page()
    assert d0.gfn_to_mfn(higher) > stale
    good, xen.arena.m2p[stale] = xen.arena.m2p[stale], higher
    assert _swap(d0, stale, ref)["status"] == g.GNTST_bad_page
    xen.arena.m2p[stale] = good
    xen.arena.m2p[big] = saved
    _e, dom, gframe = d1.grant_entry(ref)
    d1.gt.write_entry(ref, g.GTF_permit_access, dom, d0.gfn_to_mfn(d0.alloc_page()))
    out = _swap(d0, big, ref)  # the guest's entry names dom0's frame
    assert (out["status"], out["new_frame"]) == (g.GNTST_bad_page, 0)
    d1.gt.write_entry(ref, g.GTF_permit_access, dom, gframe)
    out = _swap(d0, big, ref)
    assert (out["status"], out["new_frame"]) == (g.GNTST_okay, big)
    assert xen.audit() == []


def test_domids_past_256_are_compared_by_value():
    """Domids count up from 0 (Xen's domid allocator, up to DOMID_FIRST_RESERVED 0x7FF0): a
    caller and a guest past 256 swap like any other pair (the entry's domid, read from the
    table, equals the caller's by value)."""
    xen = Xen(frames=2048)
    for _ in range(257):
        xen.create_domain(pages=1)
    d0, d1 = xen.create_domain(pages=8), xen.create_domain(pages=8)
    assert d0.domid > 256
    _gfn, ref = _guest_ref(d1, d0, bytes(4096))  # zeroed pages: the swap moves no canary
    mine = d0.alloc_page()
    d0.write(mine, 0, bytes(4096))
    own = d0.gfn_to_mfn(mine)
    out = _swap(d0, own, ref, dom=d1.domid)
    assert (out["status"], out["new_frame"]) == (g.GNTST_okay, own)
    assert xen.frame_owner(own) == d1.domid
