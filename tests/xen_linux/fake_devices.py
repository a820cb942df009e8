"""The open files of the fake kernel (fake_kernel.py): gntdev, gntalloc and evtchn, each answering
its ioctls, mmap, read and write as the Linux driver does (function names below are those of
drivers/xen/gntdev.c, gntalloc.c and evtchn.c), over the emulated hypervisor as dom0."""

from __future__ import annotations

import errno
import mmap
import os
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import linux_uapi as uapi

from blkswap.abi import X86_64, gnttab
from blkswap.xen.evtchn import EvtchnError

PAGE = 4096
_COPY = X86_64.struct("gnttab_copy")
_S16 = struct.Struct("<h")
_STATUS = 20  # offset of ``status`` in gntdev_grant_copy_segment


class KernelError(Exception):
    """A driver's ``return -errno``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.errno = code


@dataclass
class GrantMap:
    """gntdev's ``struct grant_map``: ``index``/``count`` in pages, ``users`` references."""

    index: int
    count: int
    grants: list[tuple[int, int]]
    users: int = 1
    readonly: bool | None = None  # set by the first mmap (``map->flags``)
    mapped: list | None = None  # (va, handle) per page once mapped
    vma: bool = False  # use_ptemod (a PV dom0): one vma per map


class GntdevFile:
    NAME = "gntdev"
    IOCTLS = uapi.GNTDEV
    BAD_IOCTL = errno.ENOTTY  # gntdev_ioctl: -ENOIOCTLCMD, which user space sees as ENOTTY

    def __init__(self, kernel: Any, flags: int) -> None:
        self.k = kernel
        self.flags = flags
        self.maps: list[GrantMap] = []  # by index, as priv->maps

    def map_grant_ref(self, buf: bytearray) -> int:
        """gntdev_ioctl_map_grant_ref: ``count`` refs reserved at a free index (no hypercall)."""
        count = uapi.MAP_HEAD.unpack_from(buf)[0]
        if count == 0:
            raise KernelError(errno.EINVAL, "MAP_GRANT_REF of 0 grants")
        if len(buf) < 16 + count * uapi.GRANT_REF.size:
            raise KernelError(errno.EFAULT, f"refs[{count}] beyond the {len(buf)} B argument")
        grants = [uapi.GRANT_REF.unpack_from(buf, 16 + 8 * i) for i in range(count)]
        add = GrantMap(0, count, grants)
        for pos, m in enumerate(self.maps):  # gntdev_add_map: first hole that fits
            if add.index + add.count < m.index:
                self.maps.insert(pos, add)
                break
            add.index = m.index + m.count
        else:
            self.maps.append(add)
        struct.pack_into("<Q", buf, 8, add.index * PAGE)
        return 0

    def _find(self, index: int, count: int) -> GrantMap | None:
        """gntdev_find_map_index (a count of 0 matches any)."""
        for m in self.maps:
            if m.index == index and (not count or m.count == count):
                return m
        return None

    def unmap_grant_ref(self, buf: bytearray) -> int:
        """gntdev_ioctl_unmap_grant_ref: -ENOENT unless (index, count) names a map exactly."""
        index, count, _pad = uapi.UNMAP.unpack_from(buf)
        m = self._find(index >> 12, count)
        if m is None:
            raise KernelError(errno.ENOENT, f"no map at index {index:#x} count {count}")
        self.maps.remove(m)
        self._put(m)
        return 0

    def _put(self, m: GrantMap) -> None:
        """gntdev_put_map: the grants are unmapped with the last reference."""
        m.users -= 1
        if m.users == 0 and m.mapped is not None:
            self.k.unmap_grants(m.mapped)
            m.mapped = None

    def mmap(self, index: int, count: int, flags: int, prot: int) -> tuple[list, Callable]:
        """gntdev_mmap: the map hypercall happens here; one failing ref fails it all (EINVAL)."""
        write = bool(prot & mmap.PROT_WRITE)
        if write and not flags & mmap.MAP_SHARED:
            raise KernelError(errno.EINVAL, "a private writable mapping")
        m = self._find(index, count)
        if m is None or m.vma:
            raise KernelError(errno.EINVAL, f"no unmapped map at index {index} count {count}")
        m.users += 1
        if m.readonly is None:
            m.readonly = not write
        elif write and m.readonly:
            self._put(m)
            raise KernelError(errno.EINVAL, "writable mmap of a read-only map")
        mapped, bad = self.k.map_grants(m.grants, m.readonly)
        if bad:  # simplification: the pages that did map go at once with the failed vma
            self.k.unmap_grants(mapped)
            self._put(m)
            raise KernelError(errno.EINVAL, f"map_grant_pages: status {bad}")
        m.mapped, m.vma = mapped, True
        pages = [(self.k.frame_view(x), not m.readonly) for x in mapped]
        return pages, lambda: self._put(m)

    def release(self) -> None:
        """gntdev_release: every map still listed is put (a live vma keeps its own reference)."""
        for m in list(self.maps):
            self.maps.remove(m)
            self._put(m)

    def grant_copy(self, buf: bytearray) -> int:
        """gntdev_ioctl_grant_copy: per segment, checks, status okay, then ops of at most one
        page per local side, issued as GNTTABOP_copy batches of 16 (gntdev_grant_copy_seg)."""
        count, ptr = uapi.COPY.unpack_from(buf)
        batch: list[dict] = []
        for i in range(count):
            addr = ptr + i * uapi.SEGMENT.size
            src, dst, length, flags, _st = uapi.SEGMENT.unpack(self.k.user_bytes(addr, 24))
            if not flags & (uapi.GNTCOPY_source_gref | uapi.GNTCOPY_dest_gref):
                raise KernelError(errno.EINVAL, f"segment {i}: local to local")
            sides = [self._side(src, flags & uapi.GNTCOPY_source_gref, length, False),
                     self._side(dst, flags & uapi.GNTCOPY_dest_gref, length, True)]  # fmt: skip
            self.k.to_user(addr + _STATUS, _S16.pack(0))
            copied = 0
            while copied < length:
                if len(batch) >= uapi.GNTDEV_COPY_BATCH:
                    self._copy(batch)
                n = length - copied
                for s in sides:
                    if s[0] == "virt":
                        n = min(n, PAGE - (s[1] + copied) % PAGE)
                ends = [(s[0], s[1] + copied, *s[2:]) for s in sides]
                batch.append({"src": ends[0], "dst": ends[1], "len": n, "status": addr + _STATUS})
                copied += n
        if batch:
            self._copy(batch)
        return 0

    def _side(self, raw: bytes, is_gref: int, length: int, dest: bool) -> tuple:
        if is_gref:
            ref, offset, domid = uapi.FOREIGN.unpack(raw)
            if offset + length > PAGE:
                raise KernelError(errno.EINVAL, f"gref side {offset}+{length} crosses a page")
            return ("gref", offset, ref, domid)
        virt = uapi.VIRT.unpack(raw)[0]
        self.k.check_user(virt, length, dest)  # gntdev_get_page: EFAULT if not mapped
        return ("virt", virt)

    def _copy(self, batch: list[dict]) -> None:
        """gntdev_copy: one GNTTABOP_copy; a failed op's status is written if the segment's is
        still okay. Each user page named goes through a dom0 scratch frame (DOMID_SELF + its
        MFN), copied in whole before the hypercall and out after it, so that ops of one batch
        see each other's bytes in order, as Xen copying the pinned user pages does."""
        frames: dict[int, int] = {}  # user page address -> scratch frame index
        dest_pages: set[int] = set()
        args = bytearray()
        for op in batch:
            vals, flags = [], 0
            for side, bit in ((op["src"], uapi.GNTCOPY_source_gref),
                              (op["dst"], uapi.GNTCOPY_dest_gref)):  # fmt: skip
                if side[0] == "gref":
                    vals += [side[2], side[3], side[1]]
                    flags |= bit
                    continue
                page = side[1] - side[1] % PAGE
                if page not in frames:
                    frames[page] = len(frames)
                    self.k.own_view(self.k.scratch[frames[page]])[:] = self.k.user_bytes(page, PAGE)
                if side is op["dst"]:
                    dest_pages.add(page)
                gfn = self.k.scratch[frames[page]]
                vals += [self.k.dom0.gfn_to_mfn(gfn), gnttab.DOMID_SELF, side[1] % PAGE]
            args += _COPY.st.pack(*vals, op["len"], flags, 0)
        self.k.hypercalls["copy"] += 1
        self.k.dom0.grant_table_op(gnttab.GNTTABOP_copy, args, len(batch))
        for page in dest_pages:
            self.k.to_user(page, bytes(self.k.own_view(self.k.scratch[frames[page]])))
        for j, op in enumerate(batch):
            status = _COPY.read_field(args, j * _COPY.size, "status")
            if status != 0 and _S16.unpack(self.k.user_bytes(op["status"], 2))[0] == 0:
                self.k.to_user(op["status"], _S16.pack(status))
        batch.clear()


@dataclass
class _Gref:
    file_index: int
    gfn: int
    ref: int
    users: int = 1


class GntallocFile:
    NAME = "gntalloc"
    IOCTLS = uapi.GNTALLOC
    BAD_IOCTL = errno.ENOTTY  # gntalloc_ioctl: -ENOIOCTLCMD

    def __init__(self, kernel: Any, flags: int) -> None:
        self.k = kernel
        self.flags = flags
        self.index = 0  # priv->index, in bytes
        self.grefs: list[_Gref] = []  # this file's, in allocation order
        self.dying: list[_Gref] = []  # dealloc'd while still mapped somewhere

    def alloc_gref(self, buf: bytearray) -> int:
        """gntalloc_ioctl_alloc: zeroed dom0 pages granted to ``domid`` (read-only without
        GNTALLOC_FLAG_WRITABLE); -ENOSPC over the module's ``limit``."""
        domid, flags, count, _index = uapi.ALLOC_HEAD.unpack_from(buf)
        if len(buf) < 16 + 4 * count:
            raise KernelError(errno.EFAULT, f"gref_ids[{count}] beyond the argument")
        if self.k.gref_size + count > self.k.gntalloc_limit:
            raise KernelError(errno.ENOSPC, f"{count} more grants over {self.k.gntalloc_limit}")
        self.k.gref_size += count
        index, self.index = self.index, self.index + count * PAGE
        readonly = not flags & uapi.GNTALLOC_FLAG_WRITABLE
        for i in range(count):
            gfn = self.k.dom0.alloc_page()
            self.k.own_view(gfn)[:] = bytes(PAGE)
            ref = self.k.dom0.grant_access(gfn, domid, readonly)
            self.grefs.append(_Gref(index + i * PAGE, gfn, ref))
            uapi.U32.pack_into(buf, 16 + 4 * i, ref)
        struct.pack_into("<Q", buf, 8, index)
        return 0

    def _find(self, index: int, count: int) -> list[_Gref] | None:
        """find_grefs: ``count`` consecutive grefs of this file from ``index``."""
        for pos, g in enumerate(self.grefs):
            if g.file_index == index:
                run = self.grefs[pos : pos + count]
                return run if len(run) == count else None
        return None

    def dealloc_gref(self, buf: bytearray) -> int:
        """gntalloc_ioctl_dealloc: -EINVAL unless (index, count) names this file's grefs."""
        index, count = uapi.DEALLOC.unpack_from(buf)
        run = self._find(index, count)
        if not run:
            raise KernelError(errno.EINVAL, f"no grefs at index {index:#x} count {count}")
        for g in run:
            self.grefs.remove(g)
            self._put(g)
        return 0

    def _put(self, g: _Gref) -> None:
        """do_cleanup: a gref with no users ends its grant and frees the page."""
        g.users -= 1
        if g.users:
            if g not in self.dying and g not in self.grefs:
                self.dying.append(g)
            return
        if g in self.dying:
            self.dying.remove(g)
        self.k.dom0.end_access(g.ref)
        self.k.dom0.free_page(g.gfn)
        self.k.gref_size -= 1

    def mmap(self, index: int, count: int, flags: int, prot: int) -> tuple[list, Callable]:
        """gntalloc_mmap: MAP_SHARED only (-EINVAL), -ENOENT unless the grefs exist."""
        if not flags & mmap.MAP_SHARED:
            raise KernelError(errno.EINVAL, "gntalloc mappings must be shared")
        run = self._find(index * PAGE, count)
        if not run:
            raise KernelError(errno.ENOENT, f"no grefs at page {index} count {count}")
        for g in run:
            g.users += 1
        pages = [(self.k.own_view(g.gfn), True) for g in run]
        return pages, lambda: [self._put(g) for g in run]

    def release(self) -> None:
        for g in list(self.grefs):
            self.grefs.remove(g)
            self._put(g)


class EvtchnFile:
    NAME = "evtchn"
    IOCTLS = uapi.EVTCHN
    BAD_IOCTL = errno.ENOSYS  # evtchn_ioctl: default -ENOSYS
    RING = PAGE // 4  # EVTCHN_RING_SIZE (the first ring size; it grows in newer kernels)

    def __init__(self, kernel: Any, flags: int) -> None:
        self.k = kernel
        self.ev = kernel.xen.evtchn
        self.nonblock = bool(flags & os.O_NONBLOCK)
        self.ring: deque[int] = deque()
        self.overflow = False
        self.enabled: dict[int, bool] = {}  # the ports bound to this file

    def _xen(self, op: Callable[[], int]) -> int:
        try:
            return op()
        except EvtchnError as err:
            raise KernelError(getattr(errno, err.errno_name), str(err)) from None

    def _bind(self, port: int) -> int:
        """evtchn_bind_to_user: bound and enabled; an event already pending comes up."""
        self.enabled[port] = True
        self.ev.bind_handler(0, port, self._interrupt)
        return port

    def _interrupt(self, port: int) -> None:
        """evtchn_interrupt: the port is disabled (masked) and queued on the ring."""
        self.enabled[port] = False
        self.ev.mask(0, port)
        if len(self.ring) < self.RING:
            self.ring.append(port)
        else:
            self.overflow = True

    def bind_interdomain(self, buf: bytearray) -> int:
        remote, remote_port = uapi.U32X2.unpack_from(buf)
        return self._bind(self._xen(lambda: self.ev.bind_interdomain(0, remote, remote_port)))

    def bind_unbound_port(self, buf: bytearray) -> int:
        remote = uapi.U32.unpack_from(buf)[0]
        return self._bind(self._xen(lambda: self.ev.alloc_unbound(0, remote)))

    def _mine(self, buf: bytearray) -> int:
        port = uapi.U32.unpack_from(buf)[0]
        if port >= self.ev.max_ports:
            raise KernelError(errno.EINVAL, f"port {port} out of range")
        if port not in self.enabled:
            raise KernelError(errno.ENOTCONN, f"port {port} is not bound to this file")
        return port

    def unbind(self, buf: bytearray) -> int:
        port = self._mine(buf)
        del self.enabled[port]
        self._xen(lambda: self.ev.close(0, port) or 0)
        return 0

    def notify(self, buf: bytearray) -> int:
        port = self._mine(buf)
        self._xen(lambda: self.ev.send(0, port) or 0)
        return 0

    def read(self, n: int) -> bytes:
        """evtchn_read: whole ports, at most a page; -EAGAIN when empty and O_NONBLOCK."""
        self.k.xen.run_pending()  # the interrupts that were due
        n = min(n & ~3, PAGE)
        if n == 0:
            return b""
        if self.overflow:
            raise KernelError(errno.EFBIG, "ring overflow")
        if not self.ring:
            if self.nonblock:
                raise KernelError(errno.EAGAIN, "nothing pending")
            raise AssertionError("a blocking read of /dev/xen/evtchn with nothing pending hangs")
        ports = [self.ring.popleft() for _ in range(min(len(self.ring), n // 4))]
        return b"".join(uapi.U32.pack(p) for p in ports)

    def write(self, data: bytes) -> int:
        """evtchn_write: re-enable (unmask) each of this file's disabled ports named."""
        n = min(len(data) & ~3, PAGE)
        for (port,) in uapi.U32.iter_unpack(data[:n]):
            if port < self.ev.max_ports and self.enabled.get(port) is False:
                self.enabled[port] = True
                self.ev.unmask(0, port)
        return n

    def release(self) -> None:
        for port in list(self.enabled):
            del self.enabled[port]
            self.ev.close(0, port)

    def mmap(self, *args: Any) -> Any:
        raise KernelError(errno.ENODEV, "evtchn has no mmap")
