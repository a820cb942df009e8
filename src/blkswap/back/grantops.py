"""Batched grant-table hypercalls as a backend issues them (argument arrays in the real ABI layout).

Each helper packs ``gnttab_*`` structs (x86_64 layout, the backend's own ABI) into one bytearray,
issues the hypercall(s) through the domain port and decodes the per-element status. Batching rules
follow Linux: map in hypercalls of at most 11 ops (LB blkback.c xen_blkbk_map, "BLKIF_MAX_SEGMENTS_
PER_REQUEST"); unmap a whole request in one hypercall (LB gnttab_unmap_refs_async); one
GNTTABOP_copy hypercall per request (TD td-req.c, QEMU xen-block).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from blkswap.abi import X86_64, gnttab
from blkswap.abi.codec import Struct
from blkswap.xen.port import DomainPort

MAP_BATCH = 11  # ops per map hypercall (LB blkback.c: BLKIF_MAX_SEGMENTS_PER_REQUEST)

_MAP = X86_64.struct("gnttab_map_grant_ref")
_UNMAP = X86_64.struct("gnttab_unmap_grant_ref")
_COPY = X86_64.struct("gnttab_copy")
_SWAP = X86_64.struct("gnttab_swap")
_TRANSFER = X86_64.struct("gnttab_transfer")
_REPLACE = X86_64.struct("gnttab_unmap_and_replace")
# The hot helpers below pack and unpack positionally, in these field orders.
if _MAP.names != ("host_addr", "flags", "ref", "dom", "status", "handle", "dev_bus_addr"):
    raise RuntimeError(f"gnttab_map_grant_ref fields changed: {_MAP.names}")
if _UNMAP.names != ("host_addr", "dev_bus_addr", "handle", "status"):
    raise RuntimeError(f"gnttab_unmap_grant_ref fields changed: {_UNMAP.names}")
_COPY_ORDER = ("source.u", "source.domid", "source.offset", "dest.u", "dest.domid", "dest.offset")
if _COPY.names != (*_COPY_ORDER, "len", "flags", "status"):
    raise RuntimeError(f"gnttab_copy fields changed: {_COPY.names}")


def _explain(st: Struct, rows: list[tuple[int, ...]]) -> NoReturn:
    """After ``struct.error``: raise the AbiError naming the first value that does not fit
    (what ``Struct.pack_values_into`` raises), or re-raise the struct error."""
    for vals in rows:
        st.check(vals)
    raise  # noqa: PLE0704 - only called from an ``except struct.error`` block


@dataclass(slots=True)
class Mapping:
    """Result of one map element."""

    va: int
    ref: int
    status: int
    handle: int
    mfn: int


def map_grants(
    port: DomainPort, domid: int, refs: Sequence[int], vas: Sequence[int], readonly: bool
) -> list[Mapping]:
    """Map ``refs`` of ``domid`` at ``vas`` (GNTMAP_host_map [+readonly]) in batches of ≤11 ops."""
    flags = gnttab.GNTMAP_host_map | (gnttab.GNTMAP_readonly if readonly else 0)
    out: list[Mapping] = []
    size, unpack_from, pack_into = _MAP.size, _MAP.st.unpack_from, _MAP.st.pack_into
    for start in range(0, len(refs), MAP_BATCH):
        chunk = range(start, min(start + MAP_BATCH, len(refs)))
        args = bytearray(size * len(chunk))
        try:  # the struct's own pack_into: args was built to hold the chunk (no length check)
            for i, k in enumerate(chunk):  # host_addr, flags, ref, dom; outputs zero
                pack_into(args, i * size, vas[k], flags, refs[k], domid, 0, 0, 0)
        except struct.error:
            _explain(_MAP, [(vas[k], flags, refs[k], domid, 0, 0, 0) for k in chunk])
        port.grant_table_op(gnttab.GNTTABOP_map_grant_ref, args, len(chunk))
        for i, k in enumerate(chunk):  # args was built to hold the chunk: no length check
            _a, _f, _r, _d, status, handle, bus = unpack_from(args, i * size)
            out.append(Mapping(vas[k], refs[k], status, handle, bus >> 12))
    return out


def unmap_grants(port: DomainPort, maps: Sequence[Mapping]) -> list[int]:
    """Unmap every successful mapping in ONE hypercall; returns per-element status."""
    live = [m for m in maps if m.status == gnttab.GNTST_okay]
    if not live:
        return []
    size = _UNMAP.size
    args = bytearray(size * len(live))
    pack_into = _UNMAP.st.pack_into  # args holds every element: no length check needed
    try:
        for i, m in enumerate(live):  # host_addr, dev_bus_addr, handle, status
            pack_into(args, i * size, m.va, 0, m.handle, 0)
    except struct.error:
        _explain(_UNMAP, [(m.va, 0, m.handle, 0) for m in live])
    port.grant_table_op(gnttab.GNTTABOP_unmap_grant_ref, args, len(live))
    unpack_from = _UNMAP.st.unpack_from  # args holds every element: no length check needed
    return [unpack_from(args, off)[3] for off in range(0, len(args), size)]


@dataclass(slots=True)
class CopyOp:
    """One GNTTABOP_copy element: a gref side and the backend's own frame side."""

    ref: int
    domid: int
    gref_offset: int
    mfn: int
    frame_offset: int
    length: int
    to_guest: bool  # True: own frame → guest gref (read completion); False: gref → own frame


def grant_copy(port: DomainPort, ops: Sequence[CopyOp]) -> list[int]:
    """Issue all ``ops`` in one GNTTABOP_copy hypercall; returns per-op GNTST status."""
    if not ops:
        return []
    size, pack_into = _COPY.size, _COPY.st.pack_into
    args = bytearray(size * len(ops))
    for i, op in enumerate(ops):
        gref_side = (op.ref, op.domid, op.gref_offset)  # (u, domid, offset)
        own_side = (op.mfn, gnttab.DOMID_SELF, op.frame_offset)
        if op.to_guest:
            vals = (*own_side, *gref_side, op.length, gnttab.GNTCOPY_dest_gref, 0)
        else:
            vals = (*gref_side, *own_side, op.length, gnttab.GNTCOPY_source_gref, 0)
        try:
            pack_into(args, i * size, *vals)  # args holds every element: no length check
        except struct.error:
            _explain(_COPY, [vals])
    port.grant_table_op(gnttab.GNTTABOP_copy, args, len(ops))
    unpack_from = _COPY.st.unpack_from  # args holds every element: no length check needed
    return [unpack_from(args, off)[8] for off in range(0, len(args), size)]


def pack_swaps(items: Sequence[tuple[int, int, int]]) -> bytearray:
    """Argument array of ``gnttab_swap`` elements from ``(own_mfn, ref, domid)`` triples."""
    args = bytearray(_SWAP.size * len(items))
    for i, (mfn, ref, domid) in enumerate(items):
        _SWAP.pack_into(args, i * _SWAP.size, frame=mfn, ref=ref, dom=domid, flags=0)
    return args


def unpack_swaps(args: bytearray, count: int) -> list[tuple[int, int]]:
    """``(status, new_frame)`` per swap element."""
    out = []
    for i in range(count):
        r = _SWAP.unpack_from(args, i * _SWAP.size)
        out.append((r["status"], r["new_frame"]))
    return out


def pack_transfers(items: Sequence[tuple[int, int, int]]) -> bytearray:
    """Argument array of ``gnttab_transfer`` from ``(own_mfn, domid, ref)`` triples."""
    args = bytearray(_TRANSFER.size * len(items))
    for i, (mfn, domid, ref) in enumerate(items):
        _TRANSFER.pack_into(args, i * _TRANSFER.size, mfn=mfn, domid=domid, ref=ref)
    return args


def transfer_statuses(args: bytearray, count: int) -> list[int]:
    return [_TRANSFER.read_field(args, i * _TRANSFER.size, "status") for i in range(count)]


def unmap_and_replace(port: DomainPort, items: Sequence[tuple[int, int, int]]) -> list[int]:
    """GNTTABOP_unmap_and_replace for ``(host_addr, new_addr, handle)`` triples, one hypercall."""
    args = bytearray(_REPLACE.size * len(items))
    for i, (va, new_va, handle) in enumerate(items):
        _REPLACE.pack_into(args, i * _REPLACE.size, host_addr=va, new_addr=new_va, handle=handle)
    port.grant_table_op(gnttab.GNTTABOP_unmap_and_replace, args, len(items))
    return [_REPLACE.read_field(args, i * _REPLACE.size, "status") for i in range(len(items))]
