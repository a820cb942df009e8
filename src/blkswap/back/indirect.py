"""Read the segment descriptors of an indirect request (LB blkback.c xen_blkbk_parse_indirect).

The indirect pages are mapped read-only in one hypercall, the descriptors copied out, and the
pages unmapped synchronously before any data segment is touched (xen-abi.md §5.1, §8). Linux
blkback maps at most one indirect page (MAX_INDIRECT_PAGES = 1 for its 256-segment limit); the lab
maps as many as ``nr_segments`` needs, up to BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST.
"""

from __future__ import annotations

from blkswap.abi import blkif, gnttab
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import map_grants, unmap_grants
from blkswap.back.request import RequestError
from blkswap.xen.port import DomainPort


def read_indirect_segments(
    port: DomainPort, domid: int, va: VaSpace, grefs: tuple[int, ...], nr_segments: int
) -> tuple[blkif.Segment, ...]:
    per_page = blkif.SEGS_PER_INDIRECT_FRAME
    pages = -(-nr_segments // per_page)
    if pages > len(grefs) or pages > blkif.BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST:
        raise RequestError(
            blkif.BLKIF_RSP_ERROR, f"{nr_segments} segments need {pages} indirect pages"
        )
    vas = va.take(pages)
    maps = map_grants(port, domid, list(grefs[:pages]), vas, readonly=True)
    try:
        bad = [m for m in maps if m.status != gnttab.GNTST_okay]
        if bad:
            raise RequestError(
                blkif.BLKIF_RSP_ERROR,
                f"map of indirect gref {bad[0].ref} failed: GNTST {bad[0].status}",
            )
        segs: list[blkif.Segment] = []
        left = nr_segments
        for m in maps:
            n = min(left, per_page)
            segs.extend(blkif.decode_segments(bytes(port.page_view(m.va)[: n * 8]), n))
            left -= n
        return tuple(segs)
    finally:
        unmap_grants(port, maps)
        va.give(vas)
