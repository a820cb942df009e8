"""Linux's Xen uapi, written out again for the fake kernel (tests/xen_linux/fake_kernel.py) from
the headers themselves, NOT from blkswap.abi.linux_xen, so the fake checks the module's bytes
against an independent reading. x86_64, little-endian; sizes include the tail padding gcc adds.

include/uapi/xen/gntdev.h:
  struct ioctl_gntdev_grant_ref      { __u32 domid; __u32 ref; }                          8 B
  struct ioctl_gntdev_map_grant_ref  { __u32 count; __u32 pad; __u64 index;
                                       struct ioctl_gntdev_grant_ref refs[1]; }           24 B
  struct ioctl_gntdev_unmap_grant_ref { __u64 index; __u32 count; __u32 pad; }            16 B
  struct gntdev_grant_copy_segment   { union { void *virt; struct { grant_ref_t ref;
                                       __u16 offset; domid_t domid; } foreign; } source, dest;
                                       __u16 len; __u16 flags; __s16 status; }            24 B
  struct ioctl_gntdev_grant_copy     { unsigned int count;
                                       struct gntdev_grant_copy_segment *segments; }      16 B
include/uapi/xen/gntalloc.h:
  struct ioctl_gntalloc_alloc_gref   { __u16 domid; __u16 flags; __u32 count; __u64 index;
                                       __u32 gref_ids[1]; }                               24 B
  struct ioctl_gntalloc_dealloc_gref { __u64 index; __u32 count; }                        16 B
include/uapi/xen/evtchn.h (every member an unsigned int):
  ioctl_evtchn_bind_interdomain { remote_domain; remote_port; } 8 B, bind_unbound_port
  { remote_domain; } 4 B, unbind { port; } 4 B, notify { port; } 4 B.
The ioctl numbers are ``_IOC(_IOC_NONE, type, nr, sizeof(struct))`` (asm-generic/ioctl.h:
nr in bits 0-7, type 8-15, size 16-29, direction 30-31 = 0)."""

from __future__ import annotations

import struct

GRANT_REF = struct.Struct("<II")
MAP_HEAD = struct.Struct("<IIQ")  # count, pad, index; refs[] follow at 16
MAP_SIZE = 24
UNMAP = struct.Struct("<QII")
SEGMENT = struct.Struct("<8s8sHHh2x")
FOREIGN = struct.Struct("<IHH")  # ref, offset, domid
VIRT = struct.Struct("<Q")
COPY = struct.Struct("<I4xQ")
ALLOC_HEAD = struct.Struct("<HHIQ")  # domid, flags, count, index; gref_ids[] follow at 16
ALLOC_SIZE = 24
DEALLOC = struct.Struct("<QI4x")
U32 = struct.Struct("<I")
U32X2 = struct.Struct("<II")

GNTALLOC_FLAG_WRITABLE = 1  # gntalloc.h
GNTCOPY_source_gref = 1  # xen/interface/grant_table.h
GNTCOPY_dest_gref = 2
GNTDEV_COPY_BATCH = 16  # drivers/xen/gntdev.c


def ioc(kind: str, nr: int, size: int) -> int:
    return (size << 16) | (ord(kind) << 8) | nr


GNTDEV = {
    ioc("G", 0, MAP_SIZE): "MAP_GRANT_REF",
    ioc("G", 1, UNMAP.size): "UNMAP_GRANT_REF",
    ioc("G", 8, COPY.size): "GRANT_COPY",
}
GNTALLOC = {ioc("G", 5, ALLOC_SIZE): "ALLOC_GREF", ioc("G", 6, DEALLOC.size): "DEALLOC_GREF"}
EVTCHN = {
    ioc("E", 1, 8): "BIND_INTERDOMAIN",
    ioc("E", 2, 4): "BIND_UNBOUND_PORT",
    ioc("E", 3, 4): "UNBIND",
    ioc("E", 4, 4): "NOTIFY",
}
#: the least argument size of each ioctl (``copy_from_user(&op, arg, sizeof(op))``)
ARG_SIZE = {
    "MAP_GRANT_REF": MAP_SIZE,
    "UNMAP_GRANT_REF": UNMAP.size,
    "GRANT_COPY": COPY.size,
    "ALLOC_GREF": ALLOC_SIZE,
    "DEALLOC_GREF": DEALLOC.size,
    "BIND_INTERDOMAIN": 8,
    "BIND_UNBOUND_PORT": 4,
    "UNBIND": 4,
    "NOTIFY": 4,
}
