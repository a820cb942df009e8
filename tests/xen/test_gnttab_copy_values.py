"""GNTTABOP_copy: the statuses and counters of the paths tests/xen/test_gnttab_copy.py leaves
open (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

from xen_helpers import granted_page, host, map_one, op, statuses, unmap_one

from blkswap.abi import gnttab as g

COPY = g.GNTTABOP_copy
SRC, DST, SELF = g.GNTCOPY_source_gref, g.GNTCOPY_dest_gref, g.DOMID_SELF
DOMID_IO = 0x7FF1  # a reserved domid above DOMID_SELF (xen/include/public/xen.h)


def _row(src_u, src_dom, dst_u, dst_dom, length, flags, soff=0, doff=0):
    return {"source.u": src_u, "source.domid": src_dom, "source.offset": soff, "dest.u": dst_u,
            "dest.domid": dst_dom, "dest.offset": doff, "len": length, "flags": flags}  # fmt: skip


def test_a_frame_number_side_must_be_domid_self_and_a_gref_side_an_existing_domain():
    """gnttab_copy_lock_domains: a side given by frame number must say DOMID_SELF (else
    permission_denied, whichever side, whether the domid is a guest's or a reserved one above
    DOMID_SELF); a gref side must name a live domain (else bad_domain)."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    own = d0.gfn_to_mfn(d0.alloc_page())
    cases = [
        (_row(own, d1.domid, own, SELF, 4, 0), g.GNTST_permission_denied),
        (_row(own, SELF, own, d1.domid, 4, 0), g.GNTST_permission_denied),
        (_row(own, DOMID_IO, own, SELF, 4, 0), g.GNTST_permission_denied),
        (_row(own, SELF, own, DOMID_IO, 4, 0), g.GNTST_permission_denied),
        (_row(ref, d1.domid, own, d1.domid, 4, SRC), g.GNTST_permission_denied),
        (_row(ref, DOMID_IO, own, SELF, 4, SRC), g.GNTST_bad_domain),
        (_row(own, SELF, ref, DOMID_IO, 4, DST), g.GNTST_bad_domain),
        (_row(own, SELF, ref, 77, 4, DST), g.GNTST_bad_domain),
        (_row(ref, 77, own, SELF, 4, SRC), g.GNTST_bad_domain),
    ]
    for row, status in cases:
        rc, out = op(d0, COPY, [row])
        assert rc == 0 and statuses(out) == [status], row
    assert d0.counters.copy_ops == 0 and d1.gt.pin[ref] == 0


def test_a_gref_of_the_callers_own_table_is_named_with_domid_self():
    """A gref side with DOMID_SELF reads the caller's own grant table."""
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d0, d0, b"own grant")
    dst = d0.alloc_page()
    rc, out = op(d0, COPY, [_row(ref, SELF, d0.gfn_to_mfn(dst), SELF, 9, SRC)])
    assert statuses(out) == [g.GNTST_okay] and d0.read(dst, 0, 9) == b"own grant"


def test_consecutive_ops_reuse_a_buffer_only_for_the_same_side_and_grant():
    """Alternating sources, lower then higher ref and back: each op copies its own grant's
    bytes; only repeats of the very same (domid, gref flag, ref) count as reuses."""
    xen, d0, (d1,) = host()
    refs = [granted_page(d1, d0, bytes([65 + i]) * 8)[1] for i in range(3)]
    dst = d0.alloc_page()
    mfn = d0.gfn_to_mfn(dst)
    order = [2, 0, 0, 1, 2]
    rows = [_row(refs[i], d1.domid, mfn, SELF, 8, SRC, doff=8 * k) for k, i in enumerate(order)]
    rc, out = op(d0, COPY, rows)
    assert statuses(out) == [g.GNTST_okay] * 5
    assert d0.read(dst, 0, 40) == b"".join(bytes([65 + i]) * 8 for i in order)
    assert d0.counters.copy_buf_reuses == 1 + 4  # source: op 3; dest: ops 2-5


def test_a_failed_acquisition_counts_no_reuse():
    """bad_gntref, a refused pin and a foreign frame: no copy op, no reuse counted."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"x")
    own = d0.gfn_to_mfn(d0.alloc_page())
    theirs = d1.gfn_to_mfn(d1.alloc_page())
    d1.gt.set_flags(ref, 0)
    rows = [_row(d1.gt.nr_entries, d1.domid, own, SELF, 4, SRC), _row(ref, d1.domid, own, SELF, 4, SRC),
            _row(theirs, SELF, own, SELF, 4, 0), _row(own, SELF, theirs, SELF, 4, 0)]  # fmt: skip
    rc, out = op(d0, COPY, rows)
    assert statuses(out) == [g.GNTST_bad_gntref, g.GNTST_general_error, g.GNTST_bad_page,
                             g.GNTST_bad_page]  # fmt: skip
    assert (d0.counters.copy_ops, d0.counters.copy_buf_reuses) == (0, 0)


def test_frame_numbers_are_checked_against_the_machine_and_the_owner():
    """A frame number at or past the end of the machine, or owned by another domain (lower or
    higher domid), is bad_page; the caller's own grant-table frame (SHARED, not dying) may be
    copied from."""
    xen, d0, (d1,) = host()
    own = d0.gfn_to_mfn(d0.alloc_page())
    d1own = d1.gfn_to_mfn(d1.alloc_page())
    d0own = own
    for frame in (xen.arena.frames, xen.arena.frames + 5, d1own):
        rc, out = op(d0, COPY, [_row(frame, SELF, own, SELF, 4, 0)])
        assert statuses(out) == [g.GNTST_bad_page], frame
    rc, out = op(d1, COPY, [_row(d0own, SELF, d1own, SELF, 4, 0)])
    assert statuses(out) == [g.GNTST_bad_page]
    rc, out = op(d0, COPY, [_row(d0.gt.frames[0], SELF, own, SELF, 8, 0)])
    assert statuses(out) == [g.GNTST_okay]


def test_a_source_read_takes_a_read_only_pin_and_respects_its_overflow_bit():
    """A copy from a gref pins it host-read-only (GNTPIN_hstr_inc): with 128 read-only
    mappings the counter's top bit is set and the copy is refused (general_error, Xen's
    "Risk of counter overflow"); a writable host pin does not stand in its way."""
    xen, d0, (d1,) = host(pages=160)
    gfn, ref = granted_page(d1, d0, b"x")
    own = d0.gfn_to_mfn(d0.alloc_page())
    hs = [map_one(d0, d1, ref, slot=i, flags=g.GNTMAP_host_map | g.GNTMAP_readonly)["handle"]
          for i in range(128)]  # fmt: skip
    assert d1.gt.pin[ref] == 128 << 8
    rc, out = op(d0, COPY, [_row(ref, d1.domid, own, SELF, 1, SRC)])
    assert statuses(out) == [g.GNTST_general_error]
    for i, h in enumerate(hs):
        assert unmap_one(d0, h, slot=i)["status"] == g.GNTST_okay
    rc, out = op(d0, COPY, [_row(ref, d1.domid, own, SELF, 1, SRC)])
    assert statuses(out) == [g.GNTST_okay]


def test_a_read_only_grant_can_be_a_source_and_an_earlier_error_is_kept():
    """The source side is pinned for reading only, so a read-only grant copies out; a row that
    fails to acquire its source (a ref past the table) keeps that status even when its offsets are also out of range."""
    xen, d0, (d1,) = host()
    _gfn, ref = granted_page(d1, d0, b"read me", readonly=True)
    dst = d0.alloc_page()
    mfn = d0.gfn_to_mfn(dst)
    rc, out = op(d0, COPY, [_row(ref, d1.domid, mfn, SELF, 7, SRC)])
    assert statuses(out) == [g.GNTST_okay] and d0.read(dst, 0, 7) == b"read me"
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access | g.GTF_readonly
    rc, out = op(d0, COPY, [_row(d1.gt.nr_entries, d1.domid, mfn, SELF, 8, SRC, soff=4090)])
    assert statuses(out) == [g.GNTST_bad_gntref]
