"""Argument checks of do_grant_table_op and the table ops (xen-abi.md §1.5, §1.9)."""

from __future__ import annotations

import struct

import pytest
from xen_helpers import host, op, pack, statuses, unpack

from blkswap.abi import gnttab as g

SELF = g.DOMID_SELF


@pytest.mark.parametrize(
    ("cmd", "count", "rc"),
    [
        (g.GNTTABOP_dump_table, 1, -38),
        (g.GNTTABOP_cache_flush, 1, -38),
        (14, 1, -38),
        (99, 0, -38),
        (g.GNTTABOP_map_grant_ref, -1, -22),
        (g.GNTTABOP_map_grant_ref | (1 << 12), 0, -22),  # continuation bits
        (g.GNTTABOP_setup_table, 2, -22),  # count must be 1
        (g.GNTTABOP_query_size, 0, -22),
        (g.GNTTABOP_get_status_frames, 3, -22),
        (g.GNTTABOP_map_grant_ref, 2, -14),  # buffer holds one struct
        (g.GNTTABOP_map_grant_ref, 0, 0),
    ],
)
def test_return_codes(cmd, count, rc):
    xen, d0, _ = host()
    assert d0.grant_table_op(cmd, bytearray(32), count) == rc


def test_unwritable_buffer_is_efault():
    xen, d0, _ = host()
    assert d0.grant_table_op(g.GNTTABOP_map_grant_ref, bytes(32), 1) == -14


def test_setup_table_grows_and_writes_frame_list():
    xen, d0, (d1,) = host()
    list_gfn = d1.alloc_page()
    rc, out = op(
        d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=3, frame_list=list_gfn << 12)]
    )
    assert rc == 0 and statuses(out) == [0]
    assert len(d1.gt.frames) == 3
    assert list(struct.unpack("<3Q", d1.read(list_gfn, 0, 24))) == d1.gt.frames
    assert all(xen.frame_owner(m) == 1 for m in d1.gt.frames)
    rc, out = op(
        d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=65, frame_list=list_gfn << 12)]
    )
    assert statuses(out) == [g.GNTST_general_error]
    rc, out = op(d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=1, frame_list=1 << 40)])
    assert statuses(out) == [g.GNTST_bad_virt_addr]
    rc, out = op(d1, g.GNTTABOP_setup_table, [dict(dom=0, nr_frames=1, frame_list=list_gfn << 12)])
    assert statuses(out) == [g.GNTST_permission_denied]
    rc, out = op(d1, g.GNTTABOP_setup_table, [dict(dom=50, nr_frames=1, frame_list=list_gfn << 12)])
    assert statuses(out) == [g.GNTST_bad_domain]


def test_query_size_and_versions():
    xen, d0, (d1,) = host()
    rc, out = op(d0, g.GNTTABOP_query_size, [dict(dom=1)])
    assert (out[0]["nr_frames"], out[0]["max_nr_frames"], out[0]["status"]) == (1, 64, 0)
    rc, out = op(d1, g.GNTTABOP_query_size, [dict(dom=0)])
    assert statuses(out) == [g.GNTST_permission_denied]
    for version, expect in ((1, 0), (2, -38), (3, -22)):
        buf = pack(g.GNTTABOP_set_version, [dict(version=version)])
        assert d1.grant_table_op(g.GNTTABOP_set_version, buf, 1) == expect
        assert unpack(g.GNTTABOP_set_version, buf)[0]["version"] == 1
    buf = pack(g.GNTTABOP_get_version, [dict(dom=SELF)])
    assert d1.grant_table_op(g.GNTTABOP_get_version, buf, 1) == 0
    assert unpack(g.GNTTABOP_get_version, buf)[0]["version"] == 1
    assert (
        d1.grant_table_op(g.GNTTABOP_get_version, pack(g.GNTTABOP_get_version, [dict(dom=40)]), 1)
        == -3
    )
    rc, out = op(d1, g.GNTTABOP_get_status_frames, [dict(nr_frames=1, dom=SELF)])
    assert statuses(out) == [g.GNTST_general_error]


def test_grant_access_grows_the_table_by_one_frame_with_a_hypercall():
    xen, d0, (d1,) = host(pages=16)
    gfn = d1.alloc_page()
    refs = [d1.grant_access(gfn, 0, True) for _ in range(512 - 8 + 1)]
    assert refs[0] == 8 and refs[-2] == 511 and refs[-1] == 512
    assert len(d1.gt.frames) == 2 and d1.counters.grant_op_calls["setup_table"] == 1
    assert all(d1.end_access(r) for r in refs)
