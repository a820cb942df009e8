"""DOMID_SELF resolution of the table ops (ops_common.domid_of, mutation survivor): only 0x7FF0
means the caller; the reserved domids above it (DOMID_IO, DOMID_XEN, ...) name no domain."""

from __future__ import annotations

from xen_helpers import host, op, statuses

from blkswap.abi import gnttab as g


def test_only_domid_self_names_the_caller():
    xen, d0, (d1,) = host()
    for dom, status, nr in ((0x7FF0, g.GNTST_okay, 1), (0x7FF1, g.GNTST_bad_domain, 9),
                            (0x7FF2, g.GNTST_bad_domain, 9), (0x7FFF, g.GNTST_bad_domain, 9)):  # fmt: skip
        rc, out = op(
            d1, g.GNTTABOP_query_size, [dict(dom=dom, nr_frames=9, max_nr_frames=9, status=9)]
        )
        assert rc == 0 and statuses(out) == [status], hex(dom)
        assert out[0]["nr_frames"] == nr
