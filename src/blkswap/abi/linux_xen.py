"""Linux dom0 user-space interfaces to Xen: gntdev, gntalloc, evtchn and privcmd ioctls.

Declared once as field tables (like ``decls.py``) and laid out for x86_64, the only ABI a Linux
dom0 process of ours runs on. Sources: linux-libc-dev's ``xen/gntdev.h``, ``xen/gntalloc.h``,
``xen/evtchn.h`` and ``xen/privcmd.h`` (Linux 6.1 uapi); ``tests/interop`` checks every offset,
size and ioctl number against gcc on those headers.

Flexible arrays declared ``[1]`` in the headers (``refs``, ``gref_ids``) are declared with one
opaque element too, so ``sizeof`` and hence the ioctl numbers agree; callers pack the elements at
``fields["refs"]`` with the element's own codec.
The grant-copy segment's ``source``/``dest`` are ``union { void *virt; struct {...} foreign; }``:
``foreign`` carries the values, ``virt`` is an offset-only alias (see :func:`virt_parts`).
"""

from __future__ import annotations

from blkswap.abi.codec import Decl, Field, Struct, build_struct

F = Field
ABI = "x86_64"


def _s(name: str, *fields: Field, c: str | None = "") -> Decl:
    return Decl(name, tuple(fields), c_name=f"struct {name}" if c == "" else c)


# --- gntdev (xen/gntdev.h) ---------------------------------------------------------------------
IOCTL_GNTDEV_GRANT_REF_DECL = _s(
    "ioctl_gntdev_grant_ref", F("domid", "uint32_t"), F("ref", "uint32_t")
)
IOCTL_GNTDEV_MAP_GRANT_REF_DECL = _s(
    "ioctl_gntdev_map_grant_ref",
    F("count", "uint32_t"),
    F("pad", "uint32_t"),
    F("index", "uint64_t"),
    F("refs", IOCTL_GNTDEV_GRANT_REF_DECL, 1, opaque=True),  # refs[count] follow
)
IOCTL_GNTDEV_UNMAP_GRANT_REF_DECL = _s(
    "ioctl_gntdev_unmap_grant_ref",
    F("index", "uint64_t"),
    F("count", "uint32_t"),
    F("pad", "uint32_t"),
)
IOCTL_GNTDEV_SET_MAX_GRANTS_DECL = _s("ioctl_gntdev_set_max_grants", F("count", "uint32_t"))
IOCTL_GNTDEV_UNMAP_NOTIFY_DECL = _s(
    "ioctl_gntdev_unmap_notify",
    F("index", "uint64_t"),
    F("action", "uint32_t"),
    F("event_channel_port", "uint32_t"),
)
_FOREIGN = Decl(
    "gntdev_copy_foreign",
    (F("ref", "grant_ref_t"), F("offset", "uint16_t"), F("domid", "domid_t")),
    c_name=None,
)
_COPY_SIDE = Decl(
    "gntdev_copy_side",
    (F("foreign", _FOREIGN), F("virt", "guest_handle")),
    kind="union",
    c_name=None,
)
GNTDEV_GRANT_COPY_SEGMENT = _s(
    "gntdev_grant_copy_segment",
    F("source", _COPY_SIDE),
    F("dest", _COPY_SIDE),
    F("len", "uint16_t"),
    F("flags", "uint16_t"),
    F("status", "int16_t"),
)
IOCTL_GNTDEV_GRANT_COPY_DECL = _s(
    "ioctl_gntdev_grant_copy",
    F("count", "uint32_t"),  # unsigned int
    F("segments", "guest_handle"),  # struct gntdev_grant_copy_segment *
)

# --- gntalloc (xen/gntalloc.h) -----------------------------------------------------------------
IOCTL_GNTALLOC_ALLOC_GREF_DECL = _s(
    "ioctl_gntalloc_alloc_gref",
    F("domid", "uint16_t"),
    F("flags", "uint16_t"),
    F("count", "uint32_t"),
    F("index", "uint64_t"),
    F("gref_ids", "uint32_t", 1, opaque=True),  # gref_ids[count] (out)
)
IOCTL_GNTALLOC_DEALLOC_GREF_DECL = _s(
    "ioctl_gntalloc_dealloc_gref", F("index", "uint64_t"), F("count", "uint32_t")
)
IOCTL_GNTALLOC_UNMAP_NOTIFY_DECL = _s(
    "ioctl_gntalloc_unmap_notify",
    F("index", "uint64_t"),
    F("action", "uint32_t"),
    F("event_channel_port", "uint32_t"),
)

# --- evtchn (xen/evtchn.h; every member is an unsigned int) -------------------------------------
IOCTL_EVTCHN_BIND_VIRQ_DECL = _s("ioctl_evtchn_bind_virq", F("virq", "uint32_t"))
IOCTL_EVTCHN_BIND_INTERDOMAIN_DECL = _s(
    "ioctl_evtchn_bind_interdomain", F("remote_domain", "uint32_t"), F("remote_port", "uint32_t")
)
IOCTL_EVTCHN_BIND_UNBOUND_PORT_DECL = _s(
    "ioctl_evtchn_bind_unbound_port", F("remote_domain", "uint32_t")
)
IOCTL_EVTCHN_UNBIND_DECL = _s("ioctl_evtchn_unbind", F("port", "uint32_t"))
IOCTL_EVTCHN_NOTIFY_DECL = _s("ioctl_evtchn_notify", F("port", "uint32_t"))

# --- privcmd (xen/privcmd.h) -------------------------------------------------------------------
PRIVCMD_HYPERCALL_DECL = _s("privcmd_hypercall", F("op", "uint64_t"), F("arg", "uint64_t", 5))

ALL_DECLS: tuple[Decl, ...] = (
    IOCTL_GNTDEV_GRANT_REF_DECL,
    IOCTL_GNTDEV_MAP_GRANT_REF_DECL,
    IOCTL_GNTDEV_UNMAP_GRANT_REF_DECL,
    IOCTL_GNTDEV_SET_MAX_GRANTS_DECL,
    IOCTL_GNTDEV_UNMAP_NOTIFY_DECL,
    GNTDEV_GRANT_COPY_SEGMENT,
    IOCTL_GNTDEV_GRANT_COPY_DECL,
    IOCTL_GNTALLOC_ALLOC_GREF_DECL,
    IOCTL_GNTALLOC_DEALLOC_GREF_DECL,
    IOCTL_GNTALLOC_UNMAP_NOTIFY_DECL,
    IOCTL_EVTCHN_BIND_VIRQ_DECL,
    IOCTL_EVTCHN_BIND_INTERDOMAIN_DECL,
    IOCTL_EVTCHN_BIND_UNBOUND_PORT_DECL,
    IOCTL_EVTCHN_UNBIND_DECL,
    IOCTL_EVTCHN_NOTIFY_DECL,
    PRIVCMD_HYPERCALL_DECL,
)

STRUCTS: dict[str, Struct] = {d.name: build_struct(d, ABI) for d in ALL_DECLS}


def _ioc(kind: str, nr: int, size: int) -> int:
    """``_IOC(_IOC_NONE, kind, nr, size)`` (asm-generic/ioctl.h: nr 8 bits, type 8, size 14)."""
    return (size << 16) | (ord(kind) << 8) | nr


def _sz(name: str) -> int:
    return STRUCTS[name].size


# ioctl numbers, derived from the struct sizes exactly as the headers' macros do.
IOCTL_GNTDEV_MAP_GRANT_REF = _ioc("G", 0, _sz("ioctl_gntdev_map_grant_ref"))
IOCTL_GNTDEV_UNMAP_GRANT_REF = _ioc("G", 1, _sz("ioctl_gntdev_unmap_grant_ref"))
IOCTL_GNTDEV_SET_MAX_GRANTS = _ioc("G", 3, _sz("ioctl_gntdev_set_max_grants"))
IOCTL_GNTDEV_SET_UNMAP_NOTIFY = _ioc("G", 7, _sz("ioctl_gntdev_unmap_notify"))
IOCTL_GNTDEV_GRANT_COPY = _ioc("G", 8, _sz("ioctl_gntdev_grant_copy"))
IOCTL_GNTALLOC_ALLOC_GREF = _ioc("G", 5, _sz("ioctl_gntalloc_alloc_gref"))
IOCTL_GNTALLOC_DEALLOC_GREF = _ioc("G", 6, _sz("ioctl_gntalloc_dealloc_gref"))
IOCTL_GNTALLOC_SET_UNMAP_NOTIFY = _ioc("G", 7, _sz("ioctl_gntalloc_unmap_notify"))
IOCTL_EVTCHN_BIND_VIRQ = _ioc("E", 0, _sz("ioctl_evtchn_bind_virq"))
IOCTL_EVTCHN_BIND_INTERDOMAIN = _ioc("E", 1, _sz("ioctl_evtchn_bind_interdomain"))
IOCTL_EVTCHN_BIND_UNBOUND_PORT = _ioc("E", 2, _sz("ioctl_evtchn_bind_unbound_port"))
IOCTL_EVTCHN_UNBIND = _ioc("E", 3, _sz("ioctl_evtchn_unbind"))
IOCTL_EVTCHN_NOTIFY = _ioc("E", 4, _sz("ioctl_evtchn_notify"))
IOCTL_EVTCHN_RESET = _ioc("E", 5, 0)
IOCTL_PRIVCMD_HYPERCALL = _ioc("P", 0, _sz("privcmd_hypercall"))

# Other constants of those headers.
UNMAP_NOTIFY_CLEAR_BYTE = 0x1
UNMAP_NOTIFY_SEND_EVENT = 0x2
GNTALLOC_FLAG_WRITABLE = 1

# Every integer constant above by its C name (the interop test compares each with gcc).
CONSTANTS: dict[str, int] = {
    k: v for k, v in globals().items() if k.isupper() and isinstance(v, int) and k != "ABI"
}


def virt_parts(addr: int) -> tuple[int, int, int]:
    """A ``virt`` pointer as the (ref, offset, domid) values of the ``foreign`` view of the same
    8 little-endian bytes (the segment union's value-carrying member)."""
    return addr & 0xFFFF_FFFF, (addr >> 32) & 0xFFFF, (addr >> 48) & 0xFFFF
