"""Grant-table constants: GTF_* flags, GNTMAP_*, GNTCOPY_*, GNTTABOP_* commands, GNTST_* codes,
reserved domids, table limits and hypercall numbers.

Values from XH grant_table.h / xen.h (xen-abi.md §1.1, §1.3, §1.5, §1.7, §1.8). The only
non-Xen name is ``GNTTABOP_swap`` = 13, the lab's proposed op (docs/design.md §4; Xen stops at 12).
"""

from __future__ import annotations

# --- grant entry flags (xen-abi.md §1.3) --------------------------------------------------------
GTF_invalid = 0
GTF_permit_access = 1
GTF_accept_transfer = 2
GTF_transitive = 3  # v2 only, never mappable
GTF_type_mask = 3
GTF_readonly = 1 << 2
GTF_reading = 1 << 3  # Xen-owned
GTF_writing = 1 << 4  # Xen-owned
GTF_PWT = 1 << 5
GTF_PCD = 1 << 6
GTF_PAT = 1 << 7
GTF_sub_page = 1 << 8  # v2 permit_access: copy only
GTF_transfer_committed = 1 << 2  # accept_transfer: aliases GTF_readonly
GTF_transfer_completed = 1 << 3  # accept_transfer: aliases GTF_reading

# --- map flags and copy flags (xen-abi.md §1.7) -------------------------------------------------
GNTMAP_device_map = 1 << 0
GNTMAP_host_map = 1 << 1
GNTMAP_readonly = 1 << 2
GNTMAP_application_map = 1 << 3
GNTMAP_contains_pte = 1 << 4
GNTMAP_guest_avail_mask = 0xFFFF0000  # needs XENFEAT_gnttab_map_avail_bits
GNTCOPY_source_gref = 1 << 0
GNTCOPY_dest_gref = 1 << 1

# --- GNTTABOP commands (xen-abi.md §1.5) --------------------------------------------------------
GNTTABOP_map_grant_ref = 0
GNTTABOP_unmap_grant_ref = 1
GNTTABOP_setup_table = 2
GNTTABOP_dump_table = 3  # implementation removed in 2006: -ENOSYS
GNTTABOP_transfer = 4
GNTTABOP_copy = 5
GNTTABOP_query_size = 6
GNTTABOP_unmap_and_replace = 7
GNTTABOP_set_version = 8
GNTTABOP_get_status_frames = 9
GNTTABOP_get_version = 10
GNTTABOP_swap_grant_ref = 11
GNTTABOP_cache_flush = 12
GNTTABOP_swap = 13  # lab extension (struct gnttab_swap), not in Xen
GNTTABOP_CONTINUATION_ARG_SHIFT = 12
GNTTAB_CACHE_CLEAN = 1
GNTTAB_CACHE_INVAL = 2
GNTTAB_CACHE_SOURCE_GREF = 1 << 31

# --- status codes (xen-abi.md §1.8) -------------------------------------------------------------
GNTST_okay = 0
GNTST_general_error = -1
GNTST_bad_domain = -2
GNTST_bad_gntref = -3
GNTST_bad_handle = -4
GNTST_bad_virt_addr = -5
GNTST_bad_dev_addr = -6
GNTST_no_device_space = -7
GNTST_permission_denied = -8
GNTST_bad_page = -9
GNTST_bad_copy_arg = -10
GNTST_address_too_big = -11
GNTST_eagain = -12
GNTST_no_space = -13

# Xen's GNTTABOP_error_msgs texts (XH grant_table.h), indexed by -status.
GNTST_MESSAGES: dict[int, str] = {
    GNTST_okay: "okay",
    GNTST_general_error: "undefined error",
    GNTST_bad_domain: "unrecognised domain id",
    GNTST_bad_gntref: "invalid grant reference",
    GNTST_bad_handle: "invalid mapping handle",
    GNTST_bad_virt_addr: "invalid virtual address",
    GNTST_bad_dev_addr: "invalid device address",
    GNTST_no_device_space: "no spare translation slot in the I/O MMU",
    GNTST_permission_denied: "permission denied",
    GNTST_bad_page: "bad page",
    GNTST_bad_copy_arg: "copy arguments cross page boundary",
    GNTST_address_too_big: "page address size too large",
    GNTST_eagain: "operation not done; try again",
    GNTST_no_space: "out of space",
}

# --- domids, limits, hypercalls (xen-abi.md §1.1, §1.5) -----------------------------------------
DOMID_FIRST_RESERVED = 0x7FF0
DOMID_SELF = 0x7FF0
DOMID_IO = 0x7FF1
DOMID_XEN = 0x7FF2
DOMID_COW = 0x7FF3
DOMID_INVALID = 0x7FF4
DOMID_IDLE = 0x7FFF
NR_RESERVED_ENTRIES = 8  # GNTTAB_NR_RESERVED_ENTRIES
GNTTAB_RESERVED_CONSOLE = 0
GNTTAB_RESERVED_XENSTORE = 1
GRANT_ENTRIES_PER_FRAME_V1 = 512
GRANT_ENTRIES_PER_FRAME_V2 = 256
MAX_GRANT_FRAMES = 64  # gnttab_max_frames default
MAX_MAPTRACK_FRAMES = 1024  # gnttab_max_maptrack_frames default
HYPERVISOR_memory_op = 12
HYPERVISOR_multicall = 13
HYPERVISOR_grant_table_op = 20
HYPERVISOR_event_channel_op = 32
EVTCHNOP_bind_interdomain = 0
EVTCHNOP_close = 3
EVTCHNOP_send = 4
EVTCHNOP_alloc_unbound = 6
EVTCHNOP_unmask = 9
