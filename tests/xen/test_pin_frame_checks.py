"""The first pin of a grant checks the frame the entry names (xen-abi.md §1.9 step 8): a frame
the granter does not own, one out of range, a grant-table frame or one of a dying domain is
GNTST_bad_page; a bad entry (type, grantee, read-only) is GNTST_general_error. Map and copy both
pin through GrantTable.pin_entry, so both must tell the two apart."""

from __future__ import annotations

import pytest
from test_gnttab_copy import _row
from xen_helpers import host, map_one, op, statuses

from blkswap.abi import gnttab as g

PERMIT = g.GTF_permit_access


def _bad_frames(xen, d1, d2):
    return {
        "out of range": xen.arena.frames,
        "way out of range": 0xFFFFFFFF,
        "another domain's frame": d2.gfn_to_mfn(0),
        "the granter's grant-table frame": d1.gt.frames[0],
        "reserved frame 0": 0,
    }


@pytest.mark.parametrize(
    "which",
    [
        "out of range",
        "way out of range",
        "another domain's frame",
        "the granter's grant-table frame",
        "reserved frame 0",
    ],
)
@pytest.mark.parametrize("readonly", [False, True])
def test_map_of_an_entry_naming_a_frame_the_granter_does_not_own_is_bad_page(which, readonly):
    xen, d0, (d1, d2) = host(guests=2)
    ref = 9
    d1.gt.write_entry(ref, PERMIT, d0.domid, _bad_frames(xen, d1, d2)[which])
    flags = g.GNTMAP_host_map | (g.GNTMAP_readonly if readonly else 0)
    m = map_one(d0, d1, ref, flags=flags)
    assert m["status"] == g.GNTST_bad_page
    assert d1.gt.pin[ref] == 0 and d1.gt.flags(ref) == PERMIT  # no GTF_reading/writing left


@pytest.mark.parametrize("which", ["out of range", "another domain's frame", "reserved frame 0"])
def test_copy_from_or_to_an_entry_naming_a_foreign_frame_is_bad_page(which):
    xen, d0, (d1, d2) = host(guests=2)
    ref = 9
    d1.gt.write_entry(ref, PERMIT, d0.domid, _bad_frames(xen, d1, d2)[which])
    own = d0.gfn_to_mfn(d0.alloc_page())
    rows = [
        _row(ref, d1.domid, own, g.DOMID_SELF, 16, g.GNTCOPY_source_gref),
        _row(own, g.DOMID_SELF, ref, d1.domid, 16, g.GNTCOPY_dest_gref),
    ]
    rc, out = op(d0, g.GNTTABOP_copy, rows)
    assert rc == 0 and statuses(out) == [g.GNTST_bad_page, g.GNTST_bad_page]
    assert d1.gt.pin[ref] == 0


def test_a_bad_entry_is_general_error_not_bad_page():
    """The other side of the same check: what is wrong with the entry is general_error."""
    xen, d0, (d1, d2) = host(guests=2)
    mfn = d1.gfn_to_mfn(d1.alloc_page())
    d1.gt.write_entry(1, 0, d0.domid, mfn)  # no permit
    d1.gt.write_entry(2, PERMIT, d2.domid, mfn)  # for d2
    d1.gt.write_entry(3, PERMIT | g.GTF_readonly, d0.domid, mfn)  # read-only, mapped writable
    got = [map_one(d0, d1, ref, slot=ref)["status"] for ref in (1, 2, 3)]
    assert got == [g.GNTST_general_error] * 3
