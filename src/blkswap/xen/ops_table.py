"""Table-management grant ops: setup_table (2), query_size (6), set_version (8),
get_status_frames (9), get_version (10). dump_table (3) and cache_flush (12) are -ENOSYS in the
dispatcher (xen-abi.md §1.5, §1.9).

The lab runs v1 tables only: set_version(1) succeeds, set_version(2) is -ENOSYS (as Xen when
the maximum version is 1), get_status_frames (v2 status frames) has none to give. Privilege
(XSM default policy): a domain may name itself or DOMID_SELF; naming another domain needs
dom0 (domid 0), else permission_denied (-EPERM for get_version). setup_table returns the shared
frames' MFNs (PV) by writing u64s at the caller's virtual address ``frame_list``.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen.errors import PageAccessError
from blkswap.xen.grant_table import MAX_GRANT_FRAMES
from blkswap.xen.ops_common import EINVAL, ENOSYS, ESRCH, STRUCTS, domid_of

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

EPERM = 1
PRIVILEGED_DOMID = 0
LAB_MAX_VERSION = 1


def _target(xen: Xen, ld: Domain, dom: int) -> tuple[Domain | None, int]:
    """(domain, GNTST code) for a ``dom`` argument: DOMID_SELF, self, or (dom0 only) another."""
    rd = xen.domains.get(domid_of(dom, ld.domid))
    if rd is None:
        return None, g.GNTST_bad_domain
    if rd is not ld and ld.domid != PRIVILEGED_DOMID:
        return None, g.GNTST_permission_denied
    return rd, g.GNTST_okay


def setup_table(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    s = STRUCTS["gnttab_setup_table"]
    dom, nr, _st, frame_list = s.st.unpack_from(buf, 0)
    status = g.GNTST_okay
    if nr > MAX_GRANT_FRAMES:
        status = g.GNTST_general_error
    else:
        rd, status = _target(xen, ld, dom)
        if rd is not None:
            if nr > len(rd.gt.frames):
                status = xen.grow_grant_table(rd, nr, hypercall=False)
            if status == g.GNTST_okay and nr:
                try:
                    ld.write_va(frame_list, struct.pack(f"<{nr}Q", *rd.gt.frames[:nr]))
                except PageAccessError:
                    status = g.GNTST_bad_virt_addr
    s.st.pack_into(buf, 0, dom, nr, status, frame_list)
    return 0


def query_size(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    s = STRUCTS["gnttab_query_size"]
    dom, nr, mx, _st = s.st.unpack_from(buf, 0)
    rd, status = _target(xen, ld, dom)
    if rd is not None:
        nr, mx = len(rd.gt.frames), MAX_GRANT_FRAMES
    s.st.pack_into(buf, 0, dom, nr, mx, status)
    return 0


def set_version(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    s = STRUCTS["gnttab_set_version"]
    (version,) = s.st.unpack_from(buf, 0)
    s.st.pack_into(buf, 0, LAB_MAX_VERSION)  # the version in effect is written back
    if version not in (1, 2):
        return -EINVAL
    if version > LAB_MAX_VERSION:
        return -ENOSYS
    return 0


def get_version(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    s = STRUCTS["gnttab_get_version"]
    dom, pad, _v = s.st.unpack_from(buf, 0)
    rd = xen.domains.get(domid_of(dom, ld.domid))
    if rd is None:
        return -ESRCH
    if rd is not ld and ld.domid != PRIVILEGED_DOMID:
        return -EPERM
    s.st.pack_into(buf, 0, dom, pad, LAB_MAX_VERSION)
    return 0


def get_status_frames(xen: Xen, ld: Domain, buf: bytearray, count: int) -> int:
    s = STRUCTS["gnttab_get_status_frames"]
    nr, dom, _st, frame_list = s.st.unpack_from(buf, 0)
    rd, status = _target(xen, ld, dom)
    if rd is not None and nr > 0:
        status = g.GNTST_general_error  # a v1 table has no status frames
    s.st.pack_into(buf, 0, nr, dom, status, frame_list)
    return 0
