"""read_indirect_segments (LB xen_blkbk_parse_indirect): descriptors read from as many indirect
pages as the segment count needs, exactly those; every page unmapped and its address given back
on every path (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

import pytest

from blkswap.abi import blkif
from blkswap.abi.blkif import Segment
from blkswap.back.frames import VaSpace
from blkswap.back.indirect import read_indirect_segments
from blkswap.back.request import RequestError
from blkswap.xen import Xen
from blkswap.xen.emulated import EmulatedPort

PER = blkif.SEGS_PER_INDIRECT_FRAME  # 512


def _setup(pages: int, nseg: int):
    xen = Xen(frames=1024)
    xen.create_domain(pages=32, vcpus=1)
    d1 = xen.create_domain(pages=32, vcpus=1)
    segs = [Segment(1000 + i, i % 8, 7) for i in range(nseg)]
    grefs = []
    for p in range(pages):
        gfn = d1.alloc_page()
        chunk = segs[p * PER : (p + 1) * PER]
        d1.write(gfn, 0, blkif.encode_segments(chunk) + b"\xff" * (4096 - 8 * len(chunk)))
        grefs.append(d1.grant_access(gfn, 0, True))
    return xen, d1, EmulatedPort(xen, 0), VaSpace(), tuple(grefs), tuple(segs)


@pytest.mark.parametrize("nseg", [1, PER, PER + 1, 3 * PER - 1])
def test_descriptors_come_from_exactly_the_pages_needed(nseg):
    """ceil(nseg / 512) pages are mapped (read-only), each descriptor decoded in order, the
    pages unmapped and the addresses returned; grefs beyond those needed are not touched."""
    xen, d1, port, va, grefs, segs = _setup(4, nseg)
    got = read_indirect_segments(port, d1.domid, va, grefs, nseg)
    assert got == segs
    assert va.in_use == 0 and va.peak == -(-nseg // PER)
    assert port.dom.maptrack.in_use == 0 and d1.gt.active == 0
    pages = -(-nseg // PER)
    assert xen.counters.grant_ops["map"] == pages == xen.counters.grant_ops["unmap"]
    assert xen.counters.hypercalls == 2  # one map and one unmap hypercall for all pages


@pytest.mark.parametrize(("pages", "nseg"), [(1, PER + 1), (2, 2 * PER + 1)])
def test_too_few_indirect_grefs_is_an_error_and_maps_nothing(pages, nseg):
    xen, d1, port, va, grefs, _ = _setup(pages, nseg)
    with pytest.raises(RequestError) as err:
        read_indirect_segments(port, d1.domid, va, grefs, nseg)
    assert err.value.status == blkif.BLKIF_RSP_ERROR and va.peak == 0


def test_more_pages_than_a_request_may_carry_is_an_error():
    xen, d1, port, va, grefs, _ = _setup(9, 8 * PER + 1)
    with pytest.raises(RequestError, match="9 indirect pages"):
        read_indirect_segments(port, d1.domid, va, grefs, 8 * PER + 1)
    assert va.peak == 0
    got = read_indirect_segments(port, d1.domid, va, grefs, 8 * PER)  # 8 pages is the limit
    assert len(got) == 8 * PER and va.in_use == 0


@pytest.mark.parametrize("bad_page", [0, 1])
def test_a_bad_indirect_gref_is_an_error_and_the_good_pages_are_unmapped(bad_page):
    xen, d1, port, va, grefs, _ = _setup(2, PER + 4)
    d1.end_access(grefs[bad_page])
    with pytest.raises(RequestError, match=f"gref {grefs[bad_page]}"):
        read_indirect_segments(port, d1.domid, va, grefs, PER + 4)
    assert va.in_use == 0 and va.peak == 2
    assert port.dom.maptrack.in_use == 0 and d1.gt.active == 0


def test_the_error_names_the_first_bad_gref_and_its_status():
    """Two bad indirect grefs (an ended grant, a ref beyond the table): the reason names the
    first one and its own GNTST code."""
    xen, d1, port, va, grefs, _ = _setup(2, PER + 4)
    d1.end_access(grefs[0])
    bad = (grefs[0], d1.gt.nr_entries + 5)
    with pytest.raises(RequestError) as err:
        read_indirect_segments(port, d1.domid, va, bad, PER + 4)
    assert err.value.reason == f"map of indirect gref {grefs[0]} failed: GNTST -1"
    assert va.in_use == 0 and port.dom.maptrack.in_use == 0
