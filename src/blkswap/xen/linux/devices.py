"""Thin wrappers over Linux's Xen character devices: gntdev, gntalloc and evtchn.

Each wraps one open file and issues the ioctls of :mod:`blkswap.abi.linux_xen` with
``fcntl.ioctl`` on a mutable buffer; failures raise :class:`DeviceError` naming the device, the
operation and the errno. Behaviour notes from Linux ``drivers/xen/gntdev.c`` / ``evtchn.c``:

* gntdev MAP_GRANT_REF only reserves an offset (``index``); the map hypercall happens at
  ``mmap(fd, offset=index)``, and if any ref fails the whole mmap fails. UNMAP_GRANT_REF must name
  exactly a mapped region; the pages are unmapped at ``munmap`` (deferred while referenced).
* GRANT_COPY takes an array of segments and writes each ``status`` back; gntdev issues them in
  batches of 16 per GNTTABOP_copy hypercall; a gref side must not cross a 4 KiB page.
* evtchn: a bound port is masked by the driver when it fires; ``read()`` returns pending ports
  (u32 each) and writing them back unmasks them.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import mmap
import os
import struct
from dataclasses import dataclass, field

from blkswap.abi import linux_xen as L

PAGE = 4096
_U32 = struct.Struct("<I")
GNTDEV = "/dev/xen/gntdev"
GNTALLOC = "/dev/xen/gntalloc"
EVTCHN = "/dev/xen/evtchn"


class DeviceError(OSError):
    """An ioctl/mmap on a Xen device failed."""

    def __init__(self, device: str, op: str, err: OSError) -> None:
        code = err.errno or errno.EIO
        super().__init__(code, f"{device}: {op}: {os.strerror(code)}")
        self.device = device
        self.op = op


def _ioctl(fd: int, device: str, op: str, request: int, buf: bytearray) -> int:
    try:
        return fcntl.ioctl(fd, request, buf, True)
    except OSError as err:
        raise DeviceError(device, op, err) from None


@dataclass
class GrantMapping:
    """One gntdev mapping: ``count`` pages at ``index`` in the device, mmapped as ``mem``."""

    index: int
    count: int
    mem: mmap.mmap
    domid: int
    refs: tuple[int, ...]
    writable: bool
    views: list[memoryview] = field(default_factory=list)

    def page(self, i: int) -> memoryview:
        """A view of page ``i``; released by :meth:`Gntdev.unmap` before the munmap."""
        v = memoryview(self.mem)[i * PAGE : (i + 1) * PAGE]
        self.views.append(v)
        return v


class Gntdev:
    """``/dev/xen/gntdev``: map other domains' grants, unmap them, grant-copy."""

    def __init__(self, path: str = GNTDEV) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        self.maps = 0
        self.unmaps = 0
        self.copies = 0
        self.live: dict[int, GrantMapping] = {}
        self.stuck: dict[int, GrantMapping] = {}  #: unmapped by the caller, munmap refused

    def close(self) -> None:
        for m in list(self.live.values()):
            self.unmap(m)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def map(self, domid: int, refs: list[int] | tuple[int, ...], writable: bool) -> GrantMapping:
        """Map ``refs`` of ``domid`` as one contiguous region (one ioctl + one mmap)."""
        n = len(refs)
        head = L.STRUCTS["ioctl_gntdev_map_grant_ref"]
        ref_st = L.STRUCTS["ioctl_gntdev_grant_ref"]
        base = head.fields["refs"]
        buf = bytearray(max(head.size, base + n * ref_st.size))  # refs[1]: 24 B at least
        head.pack_into(buf, 0, count=n)
        for i, ref in enumerate(refs):
            ref_st.st.pack_into(buf, base + i * ref_st.size, domid, ref)
        _ioctl(self.fd, self.path, "MAP_GRANT_REF", L.IOCTL_GNTDEV_MAP_GRANT_REF, buf)
        index = head.read_field(buf, 0, "index")
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        try:
            mem = mmap.mmap(self.fd, n * PAGE, mmap.MAP_SHARED, prot, offset=index)
        except OSError as err:
            self._unmap_index(index, n)
            raise DeviceError(self.path, f"mmap of {n} grants of domain {domid}", err) from None
        self.maps += 1
        m = GrantMapping(index, n, mem, domid, tuple(refs), writable)
        self.live[index] = m
        return m

    def unmap(self, m: GrantMapping) -> bool:
        """Release views, munmap, then UNMAP_GRANT_REF naming exactly the mapped region.

        A view of the pages still held somewhere (BufferError at munmap) keeps the region
        mapped: it is kept in ``stuck`` and retried on every later unmap and at close. Returns
        whether the region is gone."""
        for v in m.views:
            v.release()
        m.views.clear()
        try:
            m.mem.close()
        except BufferError:
            gc.collect()  # a reference cycle may be holding the last view
            try:
                m.mem.close()
            except BufferError:
                self.stuck[m.index] = m
                return False
        self.stuck.pop(m.index, None)
        self.live.pop(m.index, None)
        self._unmap_index(m.index, m.count)
        self.unmaps += 1
        for other in list(self.stuck.values()):
            if other is not m:
                self.unmap(other)
        return True

    def _unmap_index(self, index: int, count: int) -> None:
        st = L.STRUCTS["ioctl_gntdev_unmap_grant_ref"]
        buf = bytearray(st.pack(index=index, count=count))
        _ioctl(self.fd, self.path, "UNMAP_GRANT_REF", L.IOCTL_GNTDEV_UNMAP_GRANT_REF, buf)

    def grant_copy(self, segments: bytearray, count: int) -> None:
        """IOCTL_GNTDEV_GRANT_COPY over ``count`` packed ``gntdev_grant_copy_segment``s in
        ``segments`` (statuses are written back into it)."""
        seg = L.STRUCTS["gntdev_grant_copy_segment"]
        if len(segments) < count * seg.size:
            raise ValueError(f"grant copy: {len(segments)} B cannot hold {count} segments")
        addr = buffer_address(segments)
        buf = bytearray(L.STRUCTS["ioctl_gntdev_grant_copy"].pack(count=count, segments=addr))
        _ioctl(self.fd, self.path, "GRANT_COPY", L.IOCTL_GNTDEV_GRANT_COPY, buf)
        self.copies += 1


def buffer_address(buf: bytearray | mmap.mmap) -> int:
    """The user-space address of a writable buffer (for pointers inside ioctl arguments)."""
    import ctypes

    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


class Gntalloc:
    """``/dev/xen/gntalloc``: grant own pages to a domain (the frontend side; tests use it)."""

    def __init__(self, path: str = GNTALLOC) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def alloc(
        self, domid: int, count: int, writable: bool = True
    ) -> tuple[int, list[int], mmap.mmap]:
        """Allocate and grant ``count`` pages; returns (index, grefs, the pages mmapped)."""
        st = L.STRUCTS["ioctl_gntalloc_alloc_gref"]
        base = st.fields["gref_ids"]
        buf = bytearray(max(st.size, base + 4 * count))
        flags = L.GNTALLOC_FLAG_WRITABLE if writable else 0
        st.pack_into(buf, 0, domid=domid, flags=flags, count=count)
        _ioctl(self.fd, self.path, "ALLOC_GREF", L.IOCTL_GNTALLOC_ALLOC_GREF, buf)
        index = st.read_field(buf, 0, "index")
        refs = [_U32.unpack_from(buf, base + 4 * i)[0] for i in range(count)]
        prot = mmap.PROT_READ | mmap.PROT_WRITE
        mem = mmap.mmap(self.fd, count * PAGE, mmap.MAP_SHARED, prot, offset=index)
        return index, refs, mem

    def dealloc(self, index: int, count: int) -> None:
        buf = bytearray(L.STRUCTS["ioctl_gntalloc_dealloc_gref"].pack(index=index, count=count))
        _ioctl(self.fd, self.path, "DEALLOC_GREF", L.IOCTL_GNTALLOC_DEALLOC_GREF, buf)


class Evtchn:
    """``/dev/xen/evtchn`` (non-blocking): bind, notify, unbind, pending ports, unmask."""

    def __init__(self, path: str = EVTCHN) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self.bound: set[int] = set()
        self.notifies = 0

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        for port in list(self.bound):
            self.unbind(port)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def bind_interdomain(self, remote_domid: int, remote_port: int) -> int:
        buf = bytearray(
            L.STRUCTS["ioctl_evtchn_bind_interdomain"].pack(
                remote_domain=remote_domid, remote_port=remote_port
            )
        )
        op = f"BIND_INTERDOMAIN domain {remote_domid} port {remote_port}"
        port = _ioctl(self.fd, self.path, op, L.IOCTL_EVTCHN_BIND_INTERDOMAIN, buf)
        self.bound.add(port)
        return port

    def bind_unbound(self, remote_domid: int) -> int:
        buf = bytearray(
            L.STRUCTS["ioctl_evtchn_bind_unbound_port"].pack(remote_domain=remote_domid)
        )
        port = _ioctl(
            self.fd, self.path, "BIND_UNBOUND_PORT", L.IOCTL_EVTCHN_BIND_UNBOUND_PORT, buf
        )
        self.bound.add(port)
        return port

    def unbind(self, port: int) -> None:
        buf = bytearray(L.STRUCTS["ioctl_evtchn_unbind"].pack(port=port))
        self.bound.discard(port)
        _ioctl(self.fd, self.path, f"UNBIND port {port}", L.IOCTL_EVTCHN_UNBIND, buf)

    def notify(self, port: int) -> None:
        buf = bytearray(L.STRUCTS["ioctl_evtchn_notify"].pack(port=port))
        _ioctl(self.fd, self.path, f"NOTIFY port {port}", L.IOCTL_EVTCHN_NOTIFY, buf)
        self.notifies += 1

    def pending(self) -> list[int]:
        """Ports that fired since the last call (each stays masked until :meth:`unmask`)."""
        try:
            data = os.read(self.fd, 4 * 256)
        except BlockingIOError:
            return []
        return [p for (p,) in _U32.iter_unpack(data[: len(data) - len(data) % 4])]

    def unmask(self, ports: list[int]) -> None:
        if ports:
            os.write(self.fd, b"".join(_U32.pack(p) for p in ports))
