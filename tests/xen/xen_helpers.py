"""Helpers for the blkswap.xen tests: build a small host, pack/unpack grant-op argument arrays."""

from __future__ import annotations

from typing import Any

from blkswap.abi import X86_64
from blkswap.abi import gnttab as g
from blkswap.xen import Domain, Xen

STRUCT_OF = {
    g.GNTTABOP_map_grant_ref: "gnttab_map_grant_ref",
    g.GNTTABOP_unmap_grant_ref: "gnttab_unmap_grant_ref",
    g.GNTTABOP_unmap_and_replace: "gnttab_unmap_and_replace",
    g.GNTTABOP_copy: "gnttab_copy",
    g.GNTTABOP_transfer: "gnttab_transfer",
    g.GNTTABOP_setup_table: "gnttab_setup_table",
    g.GNTTABOP_query_size: "gnttab_query_size",
    g.GNTTABOP_swap_grant_ref: "gnttab_swap_grant_ref",
    g.GNTTABOP_swap: "gnttab_swap",
    g.GNTTABOP_set_version: "gnttab_set_version",
    g.GNTTABOP_get_version: "gnttab_get_version",
    g.GNTTABOP_get_status_frames: "gnttab_get_status_frames",
}


def host(
    frames: int = 2048,
    guests: int = 1,
    pages: int = 64,
    dom0_vcpus: int = 4,
    vcpus: int = 2,
    **kw: Any,
) -> tuple[Xen, Domain, list[Domain]]:
    """A Xen with dom0 (``pages`` pages, ``dom0_vcpus``) and ``guests`` guests."""
    xen = Xen(frames=frames, **kw)
    d0 = xen.create_domain(pages=pages, vcpus=dom0_vcpus)
    return xen, d0, [xen.create_domain(pages=pages, vcpus=vcpus) for _ in range(guests)]


def pack(cmd: int, rows: list[dict[str, int]]) -> bytearray:
    s = X86_64.struct(STRUCT_OF[cmd])
    return bytearray(b"".join(s.pack(r) for r in rows))


def unpack(cmd: int, buf: bytearray) -> list[dict[str, int]]:
    s = X86_64.struct(STRUCT_OF[cmd])
    return [s.unpack_from(buf, off) for off in range(0, len(buf), s.size)]


def op(d: Domain, cmd: int, rows: list[dict[str, int]]) -> tuple[int, list[dict[str, int]]]:
    """Issue grant op ``cmd`` as domain ``d``; returns (rc, the structs after the call)."""
    buf = pack(cmd, rows)
    rc = d.grant_table_op(cmd, buf, len(rows))
    return rc, unpack(cmd, buf)


def statuses(out: list[dict[str, int]]) -> list[int]:
    return [r["status"] for r in out]


def va(d: Domain, i: int = 0) -> int:
    """The i-th page-aligned va above ``d``'s own memory (free for grant mappings)."""
    return d.grant_va_base + (i << 12)


def map_one(
    mapper: Domain, granter: Domain, ref: int, *, flags: int = g.GNTMAP_host_map, slot: int = 0
) -> dict[str, int]:
    rc, out = op(
        mapper,
        g.GNTTABOP_map_grant_ref,
        [dict(host_addr=va(mapper, slot), flags=flags, ref=ref, dom=granter.domid)],
    )
    assert rc == 0
    return out[0]


def unmap_one(mapper: Domain, handle: int, *, slot: int = 0, dev: int = 0) -> dict[str, int]:
    rc, out = op(
        mapper,
        g.GNTTABOP_unmap_grant_ref,
        [dict(host_addr=va(mapper, slot), dev_bus_addr=dev, handle=handle)],
    )
    assert rc == 0
    return out[0]


def granted_page(
    guest: Domain, backend: Domain, data: bytes, readonly: bool = False
) -> tuple[int, int]:
    """A guest page holding ``data`` granted to ``backend``: (gfn, ref)."""
    gfn = guest.alloc_page()
    guest.write(gfn, 0, data)
    return gfn, guest.grant_access(gfn, backend.domid, readonly)
