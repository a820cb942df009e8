"""A fake of the Linux kernel side of /dev/xen/{gntdev,gntalloc,evtchn} for
``blkswap.xen.linux.devices``: the module's own code runs unchanged; only the OS boundary it calls
(``os.open/close/read/write``, ``fcntl.ioctl``, ``mmap.mmap`` on those paths) is replaced, in that
module only, by :meth:`FakeXenKernel.install`.

The fake decodes every ioctl argument with the uapi layouts of tests/xen_linux/linux_uapi.py (written
from the headers, independent of blkswap.abi.linux_xen), refuses what the Linux drivers refuse
with their errno (fake_devices.py cites which function), and forwards the work to the project's
emulated hypervisor as dom0, so grants and event channels have Xen's semantics and statuses: a
mapping is a real GNTTABOP_map_grant_ref of dom0 at mmap time, a grant copy real GNTTABOP_copy
batches of 16, an event channel a real EVTCHNOP bind/send/close with upcalls.

Where the fake simplifies: a device mapping is a real ``mmap`` of a memfd that holds a COPY of the
granted frames, filled at mmap and written back to the frames at munmap (``close()``) or at
:meth:`FakeXenKernel.flush` -- not shared page by page while mapped. ``fcntl.ioctl`` keeps
CPython's contract: with a mutable buffer and ``mutate_flag`` the kernel writes into it and the
call returns the ioctl's value, otherwise it returns the bytes of a copy.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
from collections import Counter
from typing import Any

import linux_uapi as uapi
from fake_devices import EvtchnFile, GntallocFile, GntdevFile, KernelError

from blkswap.abi import X86_64, gnttab
from blkswap.xen.hypervisor import Xen
from blkswap.xen.linux import devices

PAGE = 4096
_MAP = X86_64.struct("gnttab_map_grant_ref")
_UNMAP = X86_64.struct("gnttab_unmap_grant_ref")
DEVICES = {"/dev/xen/gntdev": GntdevFile, "/dev/xen/gntalloc": GntallocFile,
           "/dev/xen/evtchn": EvtchnFile}  # fmt: skip


class Vma(mmap.mmap):
    """A device mapping (a memfd's pages, see the module docstring); ``close()`` is munmap."""

    def close(self) -> None:
        if self.closed:
            return
        super().close()  # BufferError while a view of the pages is exported: still mapped
        hook = self.__dict__.pop("on_close", None)
        if hook is not None:
            hook()


class _Shim:
    """A stand-in module: the overrides given, everything else from the real module."""

    def __init__(self, real: Any, **overrides: Any) -> None:
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def user_memory(addr: int, n: int, write: bool) -> bool:
    """Is [addr, addr+n) mapped in this process, readable (and writable)? (/proc/self/maps:
    what ``copy_from_user``/``copy_to_user`` would find; EFAULT otherwise)."""
    end = addr + n
    with open("/proc/self/maps") as f:
        spans = []
        for line in f:
            rng, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in rng.split("-"))
            if perms[0] == "r" and (not write or perms[1] == "w"):
                spans.append((lo, hi))
    spans.sort()
    for lo, hi in spans:
        if lo <= addr < hi:
            addr = hi
            if addr >= end:
                return True
    return n == 0


class FakeXenKernel:
    """dom0's kernel drivers over an emulated Xen (``xen``; a new one by default, dom0 = domain 0)."""

    def __init__(self, xen: Xen | None = None, dom0_pages: int = 128) -> None:
        self.xen = xen or Xen(frames=4096)
        self.dom0 = self.xen.domains.get(0) or self.xen.create_domain(pages=dom0_pages)
        self.files: dict[int, Any] = {}
        self.opened: list[tuple[str, int]] = []  #: (path, flags) of every open
        #: (device, ioctl name | "read" | "write", argument bytes as given | read size | data)
        self.log: list[tuple[str, str, bytes]] = []
        self.hypercalls: Counter[str] = Counter()  #: GNTTABOP_* calls made for the drivers
        self.vmas: list[Vma] = []  #: live device mappings
        self.mmaps: list[
            tuple[str, int, int, int, int]
        ] = []  #: (device, length, flags, prot, offset)
        self._va = self.dom0.grant_va_base
        self.scratch = [self.dom0.alloc_page() for _ in range(uapi.GNTDEV_COPY_BATCH)]
        self.gref_size = 0  # gntalloc's global count of allocated grants
        self.gntalloc_limit = 1024  # gntalloc.c module parameter ``limit``
        #: (device, ioctl) -> errno answered by the next such call (fault injection)
        self.failures: dict[tuple[str, str], int] = {}

    def install(self, monkeypatch: Any) -> FakeXenKernel:
        """Replace the OS calls of blkswap.xen.linux.devices (only there) with this kernel."""
        monkeypatch.setattr(devices, "os", _Shim(os, open=self._open, close=self._close,
                                                 read=self._read, write=self._write))  # fmt: skip
        monkeypatch.setattr(devices, "fcntl", _Shim(fcntl, ioctl=self._ioctl))
        monkeypatch.setattr(devices, "mmap", _Shim(mmap, mmap=self._mmap))
        return self

    def guest(self, pages: int = 64) -> Any:
        return self.xen.create_domain(pages=pages)

    def calls(self, device: str) -> list[tuple[str, bytes]]:
        """(op, bytes) of the calls made on ``device``, in order."""
        return [(op, b) for d, op, b in self.log if d == device]

    # -- the system calls -----------------------------------------------------------------------
    def _open(self, path: str, flags: int, mode: int = 0o777) -> int:
        cls = DEVICES.get(path)
        if cls is None:
            return os.open(path, flags, mode)
        fd = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)  # a unique, closable number
        self.files[fd] = cls(self, flags)
        self.opened.append((path, flags))
        return fd

    def _close(self, fd: int) -> None:
        f = self.files.pop(fd, None)
        if f is not None:
            f.release()
        os.close(fd)

    def _read(self, fd: int, n: int) -> bytes:
        f = self.files.get(fd)
        if f is None:
            return os.read(fd, n)
        self.log.append((f.NAME, "read", n.to_bytes(8, "little")))
        return self._call(f.read, n)

    def _write(self, fd: int, data: bytes) -> int:
        f = self.files.get(fd)
        if f is None:
            return os.write(fd, data)
        self.log.append((f.NAME, "write", bytes(data)))
        return self._call(f.write, bytes(data))

    def _ioctl(self, fd: int, request: int, arg: Any = 0, mutate_flag: bool = True) -> Any:
        f = self.files.get(fd)
        if f is None:
            return fcntl.ioctl(fd, request, arg, mutate_flag)
        name = f.IOCTLS.get(request)
        if name is None:
            raise OSError(f.BAD_IOCTL, os.strerror(f.BAD_IOCTL))
        in_place = isinstance(arg, bytearray) and mutate_flag
        buf = arg if in_place else bytearray(arg)
        self.log.append((f.NAME, name, bytes(buf)))
        code = self.failures.pop((f.NAME, name), None)
        if code is not None:
            raise OSError(code, os.strerror(code))
        if len(buf) < uapi.ARG_SIZE[name]:
            raise OSError(errno.EFAULT, f"{name}: {len(buf)} B argument")
        rc = self._call(getattr(f, name.lower()), buf)
        return rc if in_place else bytes(buf)

    def _mmap(self, fileno: int, length: int, flags: int = mmap.MAP_SHARED,
              prot: int = mmap.PROT_READ | mmap.PROT_WRITE, access: int = mmap.ACCESS_DEFAULT,
              offset: int = 0) -> mmap.mmap:  # fmt: skip
        f = self.files.get(fileno)
        if f is None:
            return mmap.mmap(fileno, length, flags, prot, access, offset)
        self.mmaps.append((f.NAME, length, flags, prot, offset))
        if length <= 0 or offset % PAGE:
            raise OSError(errno.EINVAL, "mmap: bad length or offset")
        pages, closed = self._call(f.mmap, offset // PAGE, -(-length // PAGE), flags, prot)
        return self._vma(pages, flags, prot, closed)

    @staticmethod
    def _call(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except KernelError as err:
            raise OSError(err.errno, f"{os.strerror(err.errno)}: {err}") from None

    # -- mappings -------------------------------------------------------------------------------
    def _vma(self, pages: list, flags: int, prot: int, closed: Any) -> Vma:
        """``pages``: [(view of the frame, writable)]; the memfd copy (module docstring)."""
        memfd = os.memfd_create("fake-xen-vma", os.MFD_CLOEXEC)
        os.ftruncate(memfd, len(pages) * PAGE)
        for i, (view, _w) in enumerate(pages):
            os.pwrite(memfd, bytes(view), i * PAGE)
        vma = Vma(memfd, len(pages) * PAGE, flags, prot)
        writable = bool(prot & mmap.PROT_WRITE)
        vma.write_back = lambda: [view.__setitem__(slice(None), os.pread(memfd, PAGE, i * PAGE))
                                  for i, (view, _w) in enumerate(pages) if writable]  # fmt: skip

        def on_close() -> None:
            vma.write_back()
            os.close(memfd)
            self.vmas.remove(vma)
            closed()

        vma.on_close = on_close
        self.vmas.append(vma)
        return vma

    def flush(self) -> None:
        """Write every live writable device mapping back to its frames."""
        for vma in self.vmas:
            vma.write_back()

    def map_grants(self, grants: list[tuple[int, int]], readonly: bool) -> tuple[list, int]:
        """GNTTABOP_map_grant_ref of (domid, ref)s as dom0 (gntdev ``map_grant_pages``): the
        (va, handle) of each mapped page (None if it failed) and the first failing status."""
        flags = gnttab.GNTMAP_host_map | (gnttab.GNTMAP_readonly if readonly else 0)
        vas = [self._next_va() for _ in grants]
        buf = bytearray(b"".join(
            _MAP.pack(dict(host_addr=va, flags=flags, ref=ref, dom=dom, status=0, handle=0,
                           dev_bus_addr=0)) for va, (dom, ref) in zip(vas, grants, strict=True)))  # fmt: skip
        self.hypercalls["map"] += 1
        self.dom0.grant_table_op(gnttab.GNTTABOP_map_grant_ref, buf, len(grants))
        out, bad = [], 0
        for i, va in enumerate(vas):
            e = _MAP.unpack_from(buf, i * _MAP.size)
            out.append((va, e["handle"]) if e["status"] == 0 else None)
            bad = bad or e["status"]
        return out, bad

    def unmap_grants(self, mapped: list) -> None:
        live = [m for m in mapped if m is not None]
        if not live:
            return
        buf = bytearray(b"".join(_UNMAP.pack(dict(host_addr=va, dev_bus_addr=0, handle=h,
                                                  status=0)) for va, h in live))  # fmt: skip
        self.hypercalls["unmap"] += 1
        self.dom0.grant_table_op(gnttab.GNTTABOP_unmap_grant_ref, buf, len(live))

    def _next_va(self) -> int:
        self._va += PAGE
        return self._va

    def frame_view(self, mapped: tuple[int, int]) -> memoryview:
        return self.dom0.page_view(mapped[0])

    def own_view(self, gfn: int) -> memoryview:
        return self.dom0.page_view(gfn * PAGE)

    def check_user(self, addr: int, n: int, write: bool) -> None:
        if not user_memory(addr, n, write):
            raise KernelError(errno.EFAULT, f"{'write' if write else 'read'} of {n} B at {addr:#x}")

    def user_bytes(self, addr: int, n: int) -> bytes:
        self.check_user(addr, n, False)
        return ctypes.string_at(addr, n)

    def to_user(self, addr: int, data: bytes) -> None:
        self.check_user(addr, len(data), True)
        ctypes.memmove(addr, data, len(data))
