"""GNTTABOP_copy (xen-abi.md §1.9 "copy")."""

from __future__ import annotations

from xen_helpers import granted_page, host, op, statuses

from blkswap.abi import gnttab as g

COPY = g.GNTTABOP_copy
SRC, DST, SELF = g.GNTCOPY_source_gref, g.GNTCOPY_dest_gref, g.DOMID_SELF


def _row(src_u, src_dom, dst_u, dst_dom, length, flags, soff=0, doff=0):
    return {
        "source.u": src_u,
        "source.domid": src_dom,
        "source.offset": soff,
        "dest.u": dst_u,
        "dest.domid": dst_dom,
        "dest.offset": doff,
        "len": length,
        "flags": flags,
    }


def test_copy_gref_to_own_frame_and_back():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"guest write data")
    buf = d0.alloc_page()
    mfn = d0.gfn_to_mfn(buf)
    rc, out = op(d0, COPY, [_row(ref, 1, mfn, SELF, 16, SRC, doff=100)])
    assert rc == 0 and statuses(out) == [g.GNTST_okay]
    assert d0.read(buf, 100, 16) == b"guest write data"
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access  # released at the end of the call
    d0.write(buf, 0, b"READ RESULT")
    rc, out = op(d0, COPY, [_row(mfn, SELF, ref, 1, 11, DST, doff=4000)])
    assert statuses(out) == [g.GNTST_okay]
    assert d1.read(gfn, 4000, 11) == b"READ RESULT"
    assert d0.counters.bytes_copied == 27 and d0.counters.copy_ops == 2
    assert xen.counters.grant_ops["copy"] == 2 and d1.end_access(ref)


def test_copy_between_two_grants_of_other_domains():
    xen, d0, (d1, d2) = host(guests=2)
    _g1, r1 = granted_page(d1, d0, b"from d1")
    g2, r2 = granted_page(d2, d0, b"-------")
    rc, out = op(d0, COPY, [_row(r1, 1, r2, 2, 7, SRC | DST)])
    assert statuses(out) == [0] and d2.read(g2, 0, 7) == b"from d1"


def test_len_zero_is_okay_without_any_check():
    xen, d0, (d1,) = host()
    rc, out = op(d0, COPY, [_row(99999, 4321, 12345, 777, 0, 0, soff=5000, doff=6000)])
    assert statuses(out) == [g.GNTST_okay]
    assert d0.counters.copy_ops == 0 and d0.counters.bytes_copied == 0


def test_copy_error_statuses():
    xen, d0, (d1, d2) = host(guests=2)
    _gfn, ref = granted_page(d1, d0, b"x")
    _gfn, ro_ref = granted_page(d1, d0, b"x", readonly=True)
    _gfn, ref_d2 = granted_page(d1, d2, b"x")  # granted to d2, not d0
    own = d0.gfn_to_mfn(d0.alloc_page())
    foreign = d1.gfn_to_mfn(0)
    rows = [
        _row(ref, 1, own, SELF, 100, SRC, soff=4000),  # 4000 + 100 > 4096
        _row(ref, 1, own, SELF, 100, SRC, doff=4090),
        _row(foreign, 1, own, SELF, 8, 0),  # foreign frame by number, naming its domain
        _row(foreign, SELF, own, SELF, 8, 0),  # foreign frame by number as DOMID_SELF
        _row(ref, 42, own, SELF, 8, SRC),  # no such domain
        _row(d1.gt.nr_entries, 1, own, SELF, 8, SRC),  # ref out of range
        _row(ref_d2, 1, own, SELF, 8, SRC),  # grant for another domain
        _row(own, SELF, ro_ref, 1, 8, DST),  # write into a read-only grant
        _row(ref, 1, own, SELF, 4096, SRC),  # whole page: fine
    ]
    rc, out = op(d0, COPY, rows)
    assert rc == 0
    assert statuses(out) == [
        g.GNTST_bad_copy_arg,
        g.GNTST_bad_copy_arg,
        g.GNTST_permission_denied,
        g.GNTST_bad_page,
        g.GNTST_bad_domain,
        g.GNTST_bad_gntref,
        g.GNTST_general_error,
        g.GNTST_general_error,
        g.GNTST_okay,
    ]
    assert d0.counters.copy_ops == 1 and d0.counters.bytes_copied == 4096
    for r in (ref, ro_ref, ref_d2):
        assert d1.grant_entry(r)[0] & (g.GTF_reading | g.GTF_writing) == 0


def test_consecutive_ops_keep_the_acquisition():
    xen, d0, (d1,) = host()
    data = bytes(range(256)) * 16
    gfn, ref = granted_page(d1, d0, data)
    own = d0.alloc_page()
    mfn = d0.gfn_to_mfn(own)
    rows = [_row(ref, 1, mfn, SELF, 512, SRC, soff=512 * i, doff=512 * (7 - i)) for i in range(8)]
    rc, out = op(d0, COPY, rows)
    assert statuses(out) == [0] * 8
    expect = b"".join(data[512 * (7 - i) : 512 * (8 - i)] for i in range(8))
    assert d0.read(own, 0, 4096) == expect
    assert d0.counters.copy_buf_reuses == 14  # source and dest both reused by ops 2..8
    assert d1.gt.pin[ref] == 0 and d1.end_access(ref)


def test_dest_gref_sets_writing_during_mapping_elsewhere():
    xen, d0, (d1,) = host()
    gfn, ref = granted_page(d1, d0, b"x")
    own = d0.gfn_to_mfn(d0.alloc_page())
    from xen_helpers import map_one, unmap_one

    h = map_one(d0, d1, ref, flags=g.GNTMAP_host_map | g.GNTMAP_readonly)["handle"]
    rc, out = op(d0, COPY, [_row(own, SELF, ref, 1, 4, DST)])
    assert statuses(out) == [0]
    assert d1.grant_entry(ref)[0] == g.GTF_permit_access | g.GTF_reading  # writing dropped again
    unmap_one(d0, h)
