"""The field tables: every Xen struct blkswap declares, written once for both ABIs.

Member names and types follow the Xen public headers (XH grant_table.h, xen.h, io/ring.h,
io/blkif.h; xen-abi.md §1.6, §2.1, §3.2-3.3). Offsets and sizes are computed by
``codec.build_struct``; union members that are plain scalars (``gnttab_copy.source.u``,
``gnttab_cache_flush.a``, ``sring.pvt``) are declared as their widest member, which has the
union's size. ``gnttab_swap`` is the lab's invented op 13 (docs/design.md §4), not a Xen struct.
"""

from __future__ import annotations

from blkswap.abi.codec import Decl, Field

F = Field
I386 = frozenset({"x86_32"})


def _s(
    name: str,
    *fields: Field,
    c: str | None = "",
    prefix: str = "",
    kind: str = "struct",
    pad_to: int = 0,
) -> Decl:
    c_name = f"{kind} {name}" if c == "" else c
    return Decl(name, tuple(fields), kind=kind, c_name=c_name, c_prefix=prefix, pad_to=pad_to)


# --- grant entries (XH grant_table.h; xen-abi.md §1.2, §1.4) ----------------------------------
GRANT_ENTRY_V1 = _s(
    "grant_entry_v1", F("flags", "uint16_t"), F("domid", "domid_t"), F("frame", "uint32_t")
)
_HDR = Decl("grant_entry_header", (F("flags", "uint16_t"), F("domid", "domid_t")), c_name=None)
_V2 = "union grant_entry_v2"
GRANT_ENTRY_V2_FULL_PAGE = _s(
    "grant_entry_v2_full_page",
    F("hdr", _HDR),
    F("pad0", "uint32_t"),
    F("frame", "uint64_t"),
    c=_V2,
    prefix="full_page.",
    pad_to=16,
)
GRANT_ENTRY_V2_SUB_PAGE = _s(
    "grant_entry_v2_sub_page",
    F("hdr", _HDR),
    F("page_off", "uint16_t"),
    F("length", "uint16_t"),
    F("frame", "uint64_t"),
    c=_V2,
    prefix="sub_page.",
    pad_to=16,
)
GRANT_ENTRY_V2_TRANSITIVE = _s(
    "grant_entry_v2_transitive",
    F("hdr", _HDR),
    F("trans_domid", "domid_t"),
    F("pad0", "uint16_t"),
    F("gref", "grant_ref_t"),
    c=_V2,
    prefix="transitive.",
    pad_to=16,
)
GRANT_ENTRY_V2 = _s(
    "grant_entry_v2",
    F("hdr", _HDR),
    F("full_page", GRANT_ENTRY_V2_FULL_PAGE),
    F("sub_page", GRANT_ENTRY_V2_SUB_PAGE),
    F("transitive", GRANT_ENTRY_V2_TRANSITIVE),
    F("__spacer", "uint32_t", 4),
    kind="union",
)

# --- GNTTABOP argument structs (XH grant_table.h; xen-abi.md §1.6) ------------------------------
GNTTAB_MAP_GRANT_REF = _s(
    "gnttab_map_grant_ref",
    F("host_addr", "uint64_t"),
    F("flags", "uint32_t"),
    F("ref", "grant_ref_t"),
    F("dom", "domid_t"),
    F("status", "int16_t"),
    F("handle", "grant_handle_t"),
    F("dev_bus_addr", "uint64_t"),
)
GNTTAB_UNMAP_GRANT_REF = _s(
    "gnttab_unmap_grant_ref",
    F("host_addr", "uint64_t"),
    F("dev_bus_addr", "uint64_t"),
    F("handle", "grant_handle_t"),
    F("status", "int16_t"),
)
GNTTAB_UNMAP_AND_REPLACE = _s(
    "gnttab_unmap_and_replace",
    F("host_addr", "uint64_t"),
    F("new_addr", "uint64_t"),
    F("handle", "grant_handle_t"),
    F("status", "int16_t"),
)
GNTTAB_SETUP_TABLE = _s(
    "gnttab_setup_table",
    F("dom", "domid_t"),
    F("nr_frames", "uint32_t"),
    F("status", "int16_t"),
    F("frame_list", "guest_handle"),  # XEN_GUEST_HANDLE(xen_pfn_t)
)
GNTTAB_TRANSFER = _s(
    "gnttab_transfer",
    F("mfn", "xen_pfn_t"),
    F("domid", "domid_t"),
    F("ref", "grant_ref_t"),
    F("status", "int16_t"),
)
# union { grant_ref_t ref; xen_pfn_t gmfn; } u -- declared as its widest member (xen_pfn_t)
_COPY_PTR = Decl(
    "gnttab_copy_ptr",
    (F("u", "xen_pfn_t"), F("domid", "domid_t"), F("offset", "uint16_t")),
    c_name=None,
)
GNTTAB_COPY = _s(
    "gnttab_copy",
    F("source", _COPY_PTR),
    F("dest", _COPY_PTR),
    F("len", "uint16_t"),
    F("flags", "uint16_t"),
    F("status", "int16_t"),
)
GNTTAB_QUERY_SIZE = _s(
    "gnttab_query_size",
    F("dom", "domid_t"),
    F("nr_frames", "uint32_t"),
    F("max_nr_frames", "uint32_t"),
    F("status", "int16_t"),
)
GNTTAB_DUMP_TABLE = _s("gnttab_dump_table", F("dom", "domid_t"), F("status", "int16_t"))
GNTTAB_SET_VERSION = _s("gnttab_set_version", F("version", "uint32_t"))
GNTTAB_GET_VERSION = _s(
    "gnttab_get_version", F("dom", "domid_t"), F("pad", "uint16_t"), F("version", "uint32_t")
)
GNTTAB_GET_STATUS_FRAMES = _s(
    "gnttab_get_status_frames",
    F("nr_frames", "uint32_t"),
    F("dom", "domid_t"),
    F("status", "int16_t"),
    F("frame_list", "guest_handle"),  # XEN_GUEST_HANDLE(uint64_t)
)
GNTTAB_SWAP_GRANT_REF = _s(
    "gnttab_swap_grant_ref",
    F("ref_a", "grant_ref_t"),
    F("ref_b", "grant_ref_t"),
    F("status", "int16_t"),
)
GNTTAB_CACHE_FLUSH = _s(
    "gnttab_cache_flush",
    F("a", "uint64_t"),  # union { uint64_t dev_bus_addr; grant_ref_t ref; }
    F("offset", "uint16_t"),
    F("length", "uint16_t"),
    F("op", "uint32_t"),
)
# The lab's GNTTABOP_swap (op 13; docs/design.md §4): explicit 64-bit fields -> same layout on both ABIs.
GNTTAB_SWAP = _s(
    "gnttab_swap",
    F("frame", "uint64_t"),
    F("ref", "grant_ref_t"),
    F("dom", "domid_t"),
    F("status", "int16_t"),
    F("new_frame", "uint64_t"),
    F("flags", "uint64_t"),
    c=None,
)
MULTICALL_ENTRY = _s(  # XH xen.h; xen-abi.md §1.10
    "multicall_entry",
    F("op", "xen_ulong_t"),
    F("result", "xen_ulong_t"),
    F("args", "xen_ulong_t", 6),
)

# --- blkif (XH io/blkif.h; xen-abi.md §3.2, §3.3) ----------------------------------------------
BLKIF_REQUEST_SEGMENT = _s(
    "blkif_request_segment",
    F("gref", "grant_ref_t"),
    F("first_sect", "uint8_t"),
    F("last_sect", "uint8_t"),
)
BLKIF_REQUEST = _s(
    "blkif_request",
    F("operation", "uint8_t"),
    F("nr_segments", "uint8_t"),
    F("handle", "blkif_vdev_t"),
    F("id", "uint64_t"),
    F("sector_number", "blkif_sector_t"),
    F("seg", BLKIF_REQUEST_SEGMENT, 11),
)
BLKIF_REQUEST_DISCARD = _s(
    "blkif_request_discard",
    F("operation", "uint8_t"),
    F("flag", "uint8_t"),
    F("handle", "blkif_vdev_t"),
    F("id", "uint64_t"),
    F("sector_number", "blkif_sector_t"),
    F("nr_sectors", "uint64_t"),
)
BLKIF_REQUEST_INDIRECT = _s(
    "blkif_request_indirect",
    F("operation", "uint8_t"),
    F("indirect_op", "uint8_t"),
    F("nr_segments", "uint16_t"),
    F("id", "uint64_t"),
    F("sector_number", "blkif_sector_t"),
    F("handle", "blkif_vdev_t"),
    F("indirect_grefs", "grant_ref_t", 8),
    F("pad", "uint64_t", abis=I386),  # "Make it 64 byte aligned on i386" (XH blkif.h)
)
BLKIF_RESPONSE = _s(
    "blkif_response", F("id", "uint64_t"), F("operation", "uint8_t"), F("status", "int16_t")
)
# The ring entry is union { blkif_request; blkif_response } (XH io/ring.h DEFINE_RING_TYPES).
BLKIF_SRING_ENTRY = Decl(
    "blkif_sring_entry",
    (F("req", BLKIF_REQUEST), F("rsp", BLKIF_RESPONSE)),
    kind="union",
    c_name=None,
)
BLKIF_SRING = _s(
    "blkif_sring",
    F("req_prod", "RING_IDX"),
    F("req_event", "RING_IDX"),
    F("rsp_prod", "RING_IDX"),
    F("rsp_event", "RING_IDX"),
    F("pvt", "uint32_t"),  # union { netif; tapif_user; uint8_t pvt_pad[4]; } -- 4 bytes
    F("__pad", "uint8_t", 44, opaque=True),
    F("ring", BLKIF_SRING_ENTRY, 1, opaque=True),
)

ALL_DECLS: tuple[Decl, ...] = (
    GRANT_ENTRY_V1,
    GRANT_ENTRY_V2,
    GRANT_ENTRY_V2_FULL_PAGE,
    GRANT_ENTRY_V2_SUB_PAGE,
    GRANT_ENTRY_V2_TRANSITIVE,
    GNTTAB_MAP_GRANT_REF,
    GNTTAB_UNMAP_GRANT_REF,
    GNTTAB_UNMAP_AND_REPLACE,
    GNTTAB_SETUP_TABLE,
    GNTTAB_DUMP_TABLE,
    GNTTAB_TRANSFER,
    GNTTAB_COPY,
    GNTTAB_QUERY_SIZE,
    GNTTAB_SET_VERSION,
    GNTTAB_GET_VERSION,
    GNTTAB_GET_STATUS_FRAMES,
    GNTTAB_SWAP_GRANT_REF,
    GNTTAB_CACHE_FLUSH,
    GNTTAB_SWAP,
    MULTICALL_ENTRY,
    BLKIF_REQUEST_SEGMENT,
    BLKIF_REQUEST,
    BLKIF_REQUEST_DISCARD,
    BLKIF_REQUEST_INDIRECT,
    BLKIF_RESPONSE,
    BLKIF_SRING,
)
