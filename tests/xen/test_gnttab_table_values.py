"""setup_table / query_size / get_version / get_status_frames: the limits and privilege rules
at their edges (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

import struct
from errno import EPERM, ESRCH

from xen_helpers import host, op, statuses

from blkswap.abi import gnttab as g

SELF = g.DOMID_SELF


def test_setup_table_at_the_frame_limit_and_without_growth():
    """nr_frames == MAX_GRANT_FRAMES (64) is accepted; nr below the current size lists the first
    nr frames without growing; nr 0 writes nothing; dom0 may set up another domain's table;
    the growth is not counted as a second setup_table call."""
    xen, d0, (d1,) = host(frames=4096)
    list_gfn = d1.alloc_page()
    d1.write(list_gfn, 0, b"\xff" * 16)
    rc, out = op(
        d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=0, frame_list=list_gfn << 12)]
    )
    assert statuses(out) == [0] and d1.read(list_gfn, 0, 16) == b"\xff" * 16
    rc, out = op(
        d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=64, frame_list=list_gfn << 12)]
    )
    assert statuses(out) == [0] and len(d1.gt.frames) == 64
    assert list(struct.unpack("<64Q", d1.read(list_gfn, 0, 512))) == d1.gt.frames
    assert d1.counters.grant_op_calls["setup_table"] == 2
    d1.write(list_gfn, 0, bytes(24))
    rc, out = op(
        d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=2, frame_list=list_gfn << 12)]
    )
    assert statuses(out) == [0] and len(d1.gt.frames) == 64
    assert list(struct.unpack("<3Q", d1.read(list_gfn, 0, 24))) == [*d1.gt.frames[:2], 0]
    own = d0.alloc_page()
    rc, out = op(d0, g.GNTTABOP_setup_table, [dict(dom=1, nr_frames=1, frame_list=own << 12)])
    assert statuses(out) == [0] and struct.unpack("<Q", d0.read(own, 0, 8))[0] == d1.gt.frames[0]


def test_only_dom0_reads_another_domains_version_and_status_frames():
    """get_version of another domain: -EPERM for a guest (lower or higher domid), fine for dom0;
    -ESRCH for no such domain. get_status_frames: general_error for nr > 0 (a v1 table has no
    status frames), okay for nr 0, permission_denied for a guest asking about another."""
    xen, d0, (d1, d2) = host(guests=2)
    for caller, dom, rc_want in ((d1, 0, -EPERM), (d1, 2, -EPERM), (d2, 1, -EPERM),
                                 (d0, 2, 0), (d1, SELF, 0), (d1, 1, 0), (d1, 9, -ESRCH)):  # fmt: skip
        rc, out = op(caller, g.GNTTABOP_get_version, [dict(dom=dom, pad=0, version=7)])
        assert rc == rc_want, (caller.domid, dom)
        assert out[0]["version"] == (1 if rc == 0 else 7)
    cases = ((d1, SELF, 1, g.GNTST_general_error), (d1, SELF, 0, 0), (d0, 1, 0, 0),
             (d1, 2, 1, g.GNTST_permission_denied), (d1, 9, 1, g.GNTST_bad_domain))  # fmt: skip
    for caller, dom, nr, status in cases:
        rc, out = op(caller, g.GNTTABOP_get_status_frames,
                     [dict(nr_frames=nr, dom=dom, status=99, frame_list=0)])  # fmt: skip
        assert rc == 0 and statuses(out) == [status], (caller.domid, dom, nr)


def test_query_size_returns_0_and_reports_the_table():
    xen, d0, (d1,) = host()
    rc, out = op(
        d1, g.GNTTABOP_query_size, [dict(dom=SELF, nr_frames=9, max_nr_frames=9, status=9)]
    )
    assert rc == 0 and (out[0]["nr_frames"], out[0]["max_nr_frames"], out[0]["status"]) == (
        1,
        64,
        0,
    )


def test_a_failed_growth_writes_no_frame_list():
    """setup_table past what the arena can give: general_error, the caller's frame list is left
    as it was and the table keeps its size (ops_table.py:52 survivors: an exhausted arena)."""
    xen, d0, (d1,) = host(frames=80, pages=32)  # 2 x (32 + 1 table frame): 13 frames left
    list_gfn = d1.alloc_page()
    d1.write(list_gfn, 0, b"\xee" * 64)
    for nr in (20, 64):
        rc, out = op(
            d1, g.GNTTABOP_setup_table, [dict(dom=SELF, nr_frames=nr, frame_list=list_gfn << 12)]
        )
        assert rc == 0 and statuses(out) == [g.GNTST_general_error]
        assert d1.read(list_gfn, 0, 64) == b"\xee" * 64 and len(d1.gt.frames) == 1
    assert xen.arena.free_frames == 13
