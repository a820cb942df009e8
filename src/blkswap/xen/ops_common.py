"""Shared pieces of the grant-op modules: errno values, the x86_64 argument codecs and a check
that each codec's field order is the one the hot loops destructure.

The op modules unpack whole argument structs with the precompiled ``Struct.st`` (one call per
element, no per-field dicts) and write the element back with ``st.pack_into`` -- rewriting the
input fields with their own values, which is the same bytes Xen leaves there.
"""

from __future__ import annotations

import errno

from blkswap.abi import X86_64
from blkswap.abi.codec import Struct

EINVAL = errno.EINVAL  # 22
ENOSYS = errno.ENOSYS  # 38
EFAULT = errno.EFAULT  # 14
EBUSY = errno.EBUSY  # 16
ESRCH = errno.ESRCH  # 3
EAGAIN = errno.EAGAIN  # 11

_EXPECTED: dict[str, tuple[str, ...]] = {
    "gnttab_map_grant_ref": (
        "host_addr",
        "flags",
        "ref",
        "dom",
        "status",
        "handle",
        "dev_bus_addr",
    ),
    "gnttab_unmap_grant_ref": ("host_addr", "dev_bus_addr", "handle", "status"),
    "gnttab_unmap_and_replace": ("host_addr", "new_addr", "handle", "status"),
    "gnttab_copy": (
        "source.u",
        "source.domid",
        "source.offset",
        "dest.u",
        "dest.domid",
        "dest.offset",
        "len",
        "flags",
        "status",
    ),
    "gnttab_transfer": ("mfn", "domid", "ref", "status"),
    "gnttab_setup_table": ("dom", "nr_frames", "status", "frame_list"),
    "gnttab_query_size": ("dom", "nr_frames", "max_nr_frames", "status"),
    "gnttab_swap_grant_ref": ("ref_a", "ref_b", "status"),
    "gnttab_swap": ("frame", "ref", "dom", "status", "new_frame", "flags"),
    "gnttab_set_version": ("version",),
    "gnttab_get_version": ("dom", "pad", "version"),
    "gnttab_get_status_frames": ("nr_frames", "dom", "status", "frame_list"),
}


def _load() -> dict[str, Struct]:
    out = {}
    for name, names in _EXPECTED.items():
        s = X86_64.struct(name)
        if tuple(s.names) != names:
            raise ImportError(f"blkswap.xen expects {name} fields {names}, abi has {s.names}")
        out[name] = s
    return out


#: x86_64 codecs of every grant-op argument struct, by C struct name.
STRUCTS: dict[str, Struct] = _load()


def domid_of(name: int, caller_domid: int) -> int:
    """Resolve DOMID_SELF (0x7FF0) to the caller's domid."""
    return caller_domid if name == 0x7FF0 else name
