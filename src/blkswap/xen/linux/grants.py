"""Grant-table ops answered through gntdev: the batches of Xen structs a backend builds
(``gnttab_map_grant_ref``, ``gnttab_unmap_grant_ref``, ``gnttab_copy``; XH grant_table.h) are
decoded and carried out with ``/dev/xen/gntdev``; statuses and outputs are written back per
element, as Xen would.

* map: every element of one call that names the same domain and access goes into ONE gntdev
  region (one MAP_GRANT_REF ioctl + one mmap: gntdev makes the map hypercall at mmap). If that
  mmap fails (one bad ref fails the whole region), the elements are retried one by one so each
  gets its own status, as a GNTTABOP_map_grant_ref batch reports them. The ``host_addr`` the
  backend chose becomes the key of the mapped page; ``handle`` is a port-local number.
* unmap: each element names a mapped page by ``host_addr`` + ``handle``; a gntdev region is
  munmapped and released (UNMAP_GRANT_REF) once all its pages are unmapped.
* copy: one IOCTL_GNTDEV_GRANT_COPY per call. The backend's own side is ``DOMID_SELF`` + a frame
  number of this port's page arena (a dom0 process sees no machine frames; the port's frame
  numbers stand for them), turned into a user address. Elements Xen answers without copying
  (``len`` 0; a local side not DOMID_SELF or not a page of the port; a side past its page) are
  answered here with Xen's status and not sent: gntdev would fail the whole ioctl for a gref
  side past its page, and copy into the next page for a local one. Local to local (gntdev
  refuses it) is a memmove here.

Every call is counted in :class:`~blkswap.xen.counters.Counters` the way the emulated Xen counts
it (one hypercall, one ``grant_op_calls`` per call, ``grant_ops`` per element), plus the gntdev
ioctls actually made (``ioctls``).
"""

from __future__ import annotations

import ctypes
from collections import Counter
from dataclasses import dataclass
from typing import Any

from blkswap.abi import X86_64, gnttab
from blkswap.abi import linux_xen as L
from blkswap.xen.counters import Counters
from blkswap.xen.linux.devices import DeviceError, Gntdev, GrantMapping

_MAP = X86_64.struct("gnttab_map_grant_ref")
_UNMAP = X86_64.struct("gnttab_unmap_grant_ref")
_COPY = X86_64.struct("gnttab_copy")
_SEG = L.STRUCTS["gntdev_grant_copy_segment"]
ENOSYS = 38
PAGE = 4096


@dataclass
class _Page:
    region: GrantMapping
    index: int
    handle: int


class GntdevGrants:
    """Decodes grant-op batches and carries them out on one gntdev file."""

    def __init__(self, gntdev: Gntdev, frame_address: Any, counters: Counters) -> None:
        self.dev = gntdev
        self.frame_address = frame_address  # frame number -> user address of that page
        self.counters = counters  #: the port's: where every call is counted
        self.pages: dict[int, _Page] = {}  # host_addr -> mapped page
        self._left: Counter[int] = Counter()  # region index -> pages still mapped
        self._handles = 0
        self.ioctls: Counter[str] = Counter()
        self.distinct_grants: set[tuple[int, int]] = set()

    def call(self, cmd: int, args: bytearray, count: int) -> int:
        name = {0: "map", 1: "unmap", 5: "copy"}.get(cmd)
        c = self.counters
        c.hypercalls += 1
        if name is not None:
            c.grant_op_calls[name] += 1
            c.grant_ops[name] += count
        if name is None:
            return -ENOSYS  # stock Xen answers the lab's op 13 (swap) so; no other op is used
        if cmd == gnttab.GNTTABOP_map_grant_ref:
            self._map(args, count)
        elif cmd == gnttab.GNTTABOP_unmap_grant_ref:
            self._unmap(args, count)
        else:
            self._copy(args, count)
        return 0

    # -- map --------------------------------------------------------------------------------------
    def _map(self, args: bytearray, count: int) -> None:
        groups: dict[tuple[int, bool], list[int]] = {}
        for i in range(count):
            _va, flags, _ref, dom, *_ = _MAP.st.unpack_from(args, i * _MAP.size)
            groups.setdefault((dom, not flags & gnttab.GNTMAP_readonly), []).append(i)
        for (dom, writable), elems in groups.items():
            refs = [_MAP.read_field(args, i * _MAP.size, "ref") for i in elems]
            try:
                region = self._region(dom, refs, writable)
            except DeviceError:
                if len(elems) == 1:
                    self._answer(args, elems[0], gnttab.GNTST_general_error, None, 0)
                    continue
                for i, ref in zip(elems, refs, strict=True):  # find out which ones fail
                    try:
                        self._answer(args, i, 0, self._region(dom, [ref], writable), 0)
                    except DeviceError:
                        self._answer(args, i, gnttab.GNTST_general_error, None, 0)
                continue
            for k, i in enumerate(elems):
                self._answer(args, i, gnttab.GNTST_okay, region, k)

    def _region(self, dom: int, refs: list[int], writable: bool) -> GrantMapping:
        self.ioctls["map"] += 1
        region = self.dev.map(dom, refs, writable)
        self._left[region.index] = len(refs)
        self.distinct_grants.update((dom, r) for r in refs)
        return region

    def _answer(self, args: bytearray, i: int, status: int, region: Any, k: int) -> None:
        off = i * _MAP.size
        handle = 0
        if status == gnttab.GNTST_okay:
            self._handles += 1
            handle = self._handles
            va = _MAP.read_field(args, off, "host_addr")
            self.pages[va] = _Page(region, k, handle)
        _MAP.write_field(args, off, "status", status)
        _MAP.write_field(args, off, "handle", handle)
        _MAP.write_field(args, off, "dev_bus_addr", 0)

    # -- unmap ------------------------------------------------------------------------------------
    def _unmap(self, args: bytearray, count: int) -> None:
        for i in range(count):
            va, _bus, handle, _st = _UNMAP.st.unpack_from(args, i * _UNMAP.size)
            page = self.pages.get(va)
            if page is None or page.handle != handle:
                _UNMAP.write_field(args, i * _UNMAP.size, "status", gnttab.GNTST_bad_handle)
                continue
            del self.pages[va]
            _UNMAP.write_field(args, i * _UNMAP.size, "status", gnttab.GNTST_okay)
            index = page.region.index
            self._left[index] -= 1
            if self._left[index] == 0:
                del self._left[index]
                self.ioctls["unmap"] += 1
                self.dev.unmap(page.region)

    def view(self, va: int) -> memoryview | None:
        page = self.pages.get(va)
        return None if page is None else page.region.page(page.index)

    def forget(self, va: int) -> None:
        """``clear_va``: the slot at ``va`` no longer names a mapping (nothing to unmap)."""
        self.pages.pop(va, None)

    def live_mappings(self) -> int:
        return len(self.pages)

    # -- copy -------------------------------------------------------------------------------------
    def _copy(self, args: bytearray, count: int) -> None:
        """Elements Xen would answer without copying through gntdev (see :meth:`_precheck`) get
        their status here; the others go to gntdev in ONE ioctl, in order."""
        sent: list[int] = []
        segs = bytearray(count * _SEG.size)
        moved = ok = 0
        for i in range(count):
            row = _COPY.st.unpack_from(args, i * _COPY.size)
            status = self._precheck(*row[:8])
            if status is None:
                src = self._side(*row[0:3], row[7] & gnttab.GNTCOPY_source_gref)
                dst = self._side(*row[3:6], row[7] & gnttab.GNTCOPY_dest_gref)
                _SEG.pack_values_into(segs, len(sent) * _SEG.size, (*src, *dst, *row[6:8], 0))
                sent.append(i)
                continue
            _COPY.write_field(args, i * _COPY.size, "status", status)
            if status == gnttab.GNTST_okay and row[6]:  # a local to local copy, done here
                ok, moved = ok + 1, moved + row[6]
        statuses = self._gntdev_copy(segs, len(sent))
        for k, i in enumerate(sent):
            _COPY.write_field(args, i * _COPY.size, "status", statuses[k])
            if statuses[k] == gnttab.GNTST_okay:
                moved += _COPY.read_field(args, i * _COPY.size, "len")
                ok += 1
        self.counters.copy_ops += ok
        self.counters.bytes_copied += moved

    def _gntdev_copy(self, segs: bytearray, n: int) -> list[int]:
        """IOCTL_GNTDEV_GRANT_COPY of ``n`` segments: their statuses (general_error for all if
        the ioctl fails)."""
        if n == 0:
            return []
        self.ioctls["copy"] += 1
        try:
            self.dev.grant_copy(segs, n)
        except DeviceError:
            return [gnttab.GNTST_general_error] * n
        return [_SEG.read_field(segs, k * _SEG.size, "status") for k in range(n)]

    def _precheck(self, su: int, sdom: int, soff: int, du: int, ddom: int, doff: int,
                  length: int, flags: int) -> int | None:  # fmt: skip
        """The status of an element answered without gntdev, or None to send it. As Xen
        (XG gnttab_copy_one; blkswap.xen.ops_copy): ``len`` 0 is okay with no checks; a local
        side must be DOMID_SELF (permission_denied) and a page of this port (bad_page); a side
        past its page is bad_copy_arg -- gntdev would fail the WHOLE ioctl (EINVAL) for a gref
        side and copy into the next page for a local one. Local to local, which gntdev refuses,
        is a memmove here. (Xen checks a gref side's ref before the offsets; a bad ref with a
        bad offset answers bad_copy_arg here, not bad_gntref.)"""
        if length == 0:
            return gnttab.GNTST_okay
        sides = ((su, sdom, flags & gnttab.GNTCOPY_source_gref),
                 (du, ddom, flags & gnttab.GNTCOPY_dest_gref))  # fmt: skip
        for u, dom, is_gref in sides:
            if not is_gref and dom != gnttab.DOMID_SELF:
                return gnttab.GNTST_permission_denied
            if not is_gref and not self._own(u):
                return gnttab.GNTST_bad_page
        if soff + length > PAGE or doff + length > PAGE:
            return gnttab.GNTST_bad_copy_arg
        if sides[0][2] or sides[1][2]:
            return None
        ctypes.memmove(self.frame_address(du) + doff, self.frame_address(su) + soff, length)
        return gnttab.GNTST_okay

    def _own(self, frame: int) -> bool:
        try:
            self.frame_address(frame)
        except ValueError:
            return False
        return True

    def _side(self, u: int, dom: int, offset: int, is_gref: int) -> tuple[int, int, int]:
        """A segment side as the (ref, offset, domid) values of gntdev's union."""
        if is_gref:
            return u, offset, dom
        return L.virt_parts(self.frame_address(u) + offset)

    def close(self) -> None:
        for region in {id(p.region): p.region for p in self.pages.values()}.values():
            self.dev.unmap(region)
        self.pages.clear()
        self._left.clear()
