"""devices.Gntdev against the fake kernel (fake_kernel.py): the bytes of every ioctl argument as the
uapi headers lay them out, the offsets gntdev hands out, the pages a mapping shows (the guest's,
through the emulated Xen), what unmap releases, and the errors the driver answers."""

from __future__ import annotations

import ctypes
import errno
import gc
import mmap
import os

import linux_uapi as uapi
import pytest
from fake_kernel import FakeXenKernel

from blkswap.abi import gnttab
from blkswap.xen.linux import devices
from blkswap.xen.linux.devices import PAGE, DeviceError, Gntdev

pytestmark = pytest.mark.usefixtures("kernel")


def grants(kernel: FakeXenKernel, n: int, readonly: bool = False) -> tuple:
    """A new guest with ``n`` pages granted to dom0, page i filled with byte i+1."""
    g = kernel.guest()
    gfns, refs = [], []
    for i in range(n):
        gfn = g.alloc_page()
        g.write(gfn, 0, bytes([i + 1]) * PAGE)
        gfns.append(gfn)
        refs.append(g.grant_access(gfn, 0, readonly))
    return g, gfns, refs


def map_arg(domid: int, refs: list[int]) -> bytes:
    return uapi.MAP_HEAD.pack(len(refs), 0, 0) + b"".join(
        uapi.GRANT_REF.pack(domid, r) for r in refs
    )


def test_open_is_read_write_close_on_exec(kernel: FakeXenKernel) -> None:
    dev = Gntdev()
    assert kernel.opened == [("/dev/xen/gntdev", os.O_RDWR | os.O_CLOEXEC)]
    assert dev.path == devices.GNTDEV == "/dev/xen/gntdev" and dev.fd in kernel.files
    assert (dev.maps, dev.unmaps, dev.copies, dev.live, dev.stuck) == (0, 0, 0, {}, {})
    fd = dev.fd
    dev.close()
    assert dev.fd == -1 and fd not in kernel.files
    dev.close()  # twice: nothing more to close
    assert dev.fd == -1


def test_map_packs_the_refs_and_shows_the_guest_pages(kernel: FakeXenKernel) -> None:
    g, gfns, refs = grants(kernel, 3)
    dev = Gntdev()
    m = dev.map(g.domid, refs, writable=True)
    assert kernel.calls("gntdev") == [("MAP_GRANT_REF", map_arg(g.domid, refs))]
    assert (m.index, m.count, m.domid, m.refs, m.writable) == (0, 3, g.domid, tuple(refs), True)
    assert len(m.mem) == 3 * PAGE and dev.live == {0: m} and dev.maps == 1
    for i in range(3):
        assert bytes(m.page(i)) == bytes([i + 1]) * PAGE
    assert len(m.views) == 3
    assert kernel.hypercalls == {"map": 1}
    assert kernel.mmaps == [
        ("gntdev", 3 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, 0)
    ]
    m.page(1)[:4] = b"back"  # a writable mapping: the backend's write reaches the guest
    kernel.flush()
    assert g.read(gfns[1], 0, 5) == b"back\x02" and g.read(gfns[0], 0, 1) == b"\x01"


def test_regions_get_consecutive_offsets(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 4)
    dev = Gntdev()
    a = dev.map(g.domid, refs[:1], True)
    b = dev.map(g.domid, refs[1:3], False)
    c = dev.map(g.domid, refs[3:], True)
    assert (a.index, b.index, c.index) == (0, PAGE, 3 * PAGE)
    assert bytes(b.page(1)[:1]) == b"\x03" and bytes(c.page(0)[:1]) == b"\x04"
    assert dev.live == {0: a, PAGE: b, 3 * PAGE: c} and dev.maps == 3


def test_read_only_map_cannot_be_written(kernel: FakeXenKernel) -> None:
    g, gfns, refs = grants(kernel, 2, readonly=True)
    dev = Gntdev()
    m = dev.map(g.domid, refs, writable=False)
    assert kernel.mmaps == [("gntdev", 2 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ, 0)]
    assert m.writable is False and bytes(m.mem[PAGE : PAGE + 2]) == b"\x02\x02"
    with pytest.raises(TypeError):
        m.mem[0:1] = b"x"  # PROT_READ only
    assert dev.unmap(m) is True
    assert g.read(gfns[0], 0, 1) == b"\x01"


def test_writable_map_of_a_read_only_grant_fails_and_releases_the_offset(
    kernel: FakeXenKernel,
) -> None:
    g, _gfns, refs = grants(kernel, 2, readonly=True)
    dev = Gntdev()
    with pytest.raises(DeviceError) as info:
        dev.map(g.domid, refs, writable=True)  # Xen: GNTST_permission_denied -> EINVAL
    err = info.value
    assert (err.errno, err.device, err.op) == (
        errno.EINVAL, "/dev/xen/gntdev", f"mmap of 2 grants of domain {g.domid}")  # fmt: skip
    assert str(err) == (
        f"[Errno 22] /dev/xen/gntdev: mmap of 2 grants of domain {g.domid}: Invalid argument"
    )
    # the offset was handed back: UNMAP_GRANT_REF names exactly the region reserved
    assert kernel.calls("gntdev")[1] == ("UNMAP_GRANT_REF", uapi.UNMAP.pack(0, 2, 0))
    assert kernel.files[dev.fd].maps == []
    assert (dev.maps, dev.unmaps, dev.live) == (0, 0, {})
    m = dev.map(g.domid, refs, writable=False)  # the same grants read-only: fine, at offset 0
    assert m.index == 0


def test_a_bad_ref_fails_the_map_with_einval(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 1)
    dev = Gntdev()
    with pytest.raises(DeviceError) as info:
        dev.map(g.domid, [refs[0], 999], writable=True)
    assert info.value.errno == errno.EINVAL and info.value.op.startswith("mmap of 2 grants")
    assert kernel.files[dev.fd].maps == [] and dev.live == {}
    assert g.end_access(refs[0]) is True  # no mapping was left behind in Xen


def test_map_of_no_refs_is_refused_by_the_ioctl(kernel: FakeXenKernel) -> None:
    dev = Gntdev()
    with pytest.raises(DeviceError) as info:
        dev.map(1, [], True)
    assert (info.value.errno, info.value.op) == (errno.EINVAL, "MAP_GRANT_REF")
    assert str(info.value) == "[Errno 22] /dev/xen/gntdev: MAP_GRANT_REF: Invalid argument"
    assert kernel.calls("gntdev") == [("MAP_GRANT_REF", map_arg(0, []) + bytes(8))]


def test_unmap_names_the_region_and_ends_the_mapping(kernel: FakeXenKernel) -> None:
    g, gfns, refs = grants(kernel, 2)
    dev = Gntdev()
    dev.map(g.domid, refs[:1], True)
    m = dev.map(g.domid, refs[1:], True)
    m.page(0)[0:2] = b"ok"
    assert m.views and dev.unmap(m) is True
    assert m.views == [] and m.mem.closed
    assert kernel.calls("gntdev")[-1] == ("UNMAP_GRANT_REF", uapi.UNMAP.pack(PAGE, 1, 0))
    assert (dev.unmaps, list(dev.live), dev.stuck) == (1, [0], {})
    assert g.read(gfns[1], 0, 3) == b"ok\x02"  # written back at munmap
    assert g.end_access(refs[1]) is True and g.end_access(refs[0]) is False  # still mapped
    assert kernel.hypercalls == {"map": 2, "unmap": 1}


def test_unmap_releases_the_page_views_it_handed_out(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 2)
    dev = Gntdev()
    m = dev.map(g.domid, refs, True)
    v0, v1 = m.page(0), m.page(1)
    assert dev.unmap(m) is True and dev.live == {} and dev.stuck == {}
    for v in (v0, v1):
        with pytest.raises(ValueError, match="released"):
            v.tobytes()


def test_a_device_on_fd_0_is_closed_too(kernel: FakeXenKernel) -> None:
    """A daemon started with stdin closed gets fd 0 for its first device: close() closes it."""
    saved = os.dup(0)
    os.close(0)
    try:
        for cls in (Gntdev, devices.Gntalloc, devices.Evtchn):
            dev = cls()
            assert dev.fd == 0 and 0 in kernel.files
            dev.close()
            assert dev.fd == -1 and kernel.files == {}
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def test_unmap_with_a_view_held_is_retried_later(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 2)
    dev = Gntdev()
    a = dev.map(g.domid, refs[:1], True)
    b = dev.map(g.domid, refs[1:], True)
    held = memoryview(a.mem)
    gc.disable()
    try:
        assert dev.unmap(a) is False
    finally:
        gc.enable()
    assert dev.stuck == {0: a} and dev.live == {0: a, PAGE: b} and dev.unmaps == 0
    assert [op for op, _ in kernel.calls("gntdev")] == ["MAP_GRANT_REF", "MAP_GRANT_REF"]
    held.release()
    assert dev.unmap(b) is True  # ... and the stuck one goes with the next unmap
    assert dev.stuck == {} and dev.live == {} and dev.unmaps == 2
    assert [b[:8] for op, b in kernel.calls("gntdev") if op == "UNMAP_GRANT_REF"] == [
        (PAGE).to_bytes(8, "little"), bytes(8)]  # fmt: skip
    assert kernel.files[dev.fd].maps == []


def test_a_view_held_only_by_garbage_is_collected_before_giving_up(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 1)
    dev = Gntdev()
    m = dev.map(g.domid, refs, True)

    class Cycle:
        pass

    c = Cycle()
    c.me, c.view = c, memoryview(m.mem)  # a reference cycle holding the last view
    del c
    gc.disable()
    try:
        assert dev.unmap(m) is True
    finally:
        gc.enable()
    assert dev.live == {} and dev.stuck == {} and dev.unmaps == 1


def test_close_unmaps_what_is_live(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = grants(kernel, 3)
    dev = Gntdev()
    dev.map(g.domid, refs[:2], True)
    dev.map(g.domid, refs[2:], False)
    dev.close()
    assert dev.live == {} and dev.unmaps == 2 and dev.fd == -1
    assert [g.end_access(r) for r in refs] == [True, True, True]


def segment(src: tuple, dst: tuple, length: int, flags: int) -> bytes:
    """A gntdev_grant_copy_segment: a side is ("gref", ref, offset, domid) or ("virt", addr)."""

    def side(s: tuple) -> bytes:
        return uapi.FOREIGN.pack(*s[1:]) if s[0] == "gref" else uapi.VIRT.pack(s[1])

    return uapi.SEGMENT.pack(side(src), side(dst), length, flags, 99)


def test_grant_copy_moves_bytes_both_ways_and_writes_statuses(kernel: FakeXenKernel) -> None:
    g, gfns, refs = grants(kernel, 2)
    local = bytearray(b"L" * PAGE * 2)
    here = ctypes.addressof(ctypes.c_char.from_buffer(local))
    to_guest, from_guest = uapi.GNTCOPY_dest_gref, uapi.GNTCOPY_source_gref
    segs = bytearray(
        segment(("virt", here + 10), ("gref", refs[0], 100, g.domid), 20, to_guest)
        + segment(("gref", refs[1], 0, g.domid), ("virt", here + PAGE), 8, from_guest)
        + segment(("gref", 4000, 0, g.domid), ("virt", here), 8, from_guest)  # no such ref
    )
    dev = Gntdev()
    dev.grant_copy(segs, 3)
    assert kernel.calls("gntdev") == [
        ("GRANT_COPY", uapi.COPY.pack(3, devices.buffer_address(segs)))]  # fmt: skip
    statuses = [uapi.SEGMENT.unpack_from(segs, i * 24)[4] for i in range(3)]
    assert statuses == [0, 0, gnttab.GNTST_bad_gntref]
    assert g.read(gfns[0], 98, 24) == b"\x01\x01" + b"L" * 20 + b"\x01\x01"
    assert bytes(local[PAGE : PAGE + 9]) == b"\x02" * 8 + b"L"
    assert bytes(local[:8]) == b"L" * 8 and dev.copies == 1
    assert kernel.hypercalls == {"copy": 1}


def test_grant_copy_needs_room_for_every_segment(kernel: FakeXenKernel) -> None:
    dev = Gntdev()
    segs = bytearray(2 * 24 - 1)
    with pytest.raises(ValueError) as info:
        dev.grant_copy(segs, 2)
    assert str(info.value) == "grant copy: 47 B cannot hold 2 segments"
    dev.grant_copy(bytearray(48), 0)  # exactly two segments' room is enough; none is copied
    assert kernel.calls("gntdev")[-1][0] == "GRANT_COPY" and dev.copies == 1


def test_grant_copy_error_names_the_ioctl(kernel: FakeXenKernel) -> None:
    dev = Gntdev()
    local = bytearray(PAGE)
    here = devices.buffer_address(local)
    segs = bytearray(segment(("virt", here), ("virt", here + 8), 8, 0))  # local to local
    with pytest.raises(DeviceError) as info:
        dev.grant_copy(segs, 1)
    assert (info.value.errno, info.value.op) == (errno.EINVAL, "GRANT_COPY")
    assert dev.copies == 0


def test_buffer_address_is_the_buffer_s_first_byte() -> None:
    buf = bytearray(b"xyz")
    assert ctypes.string_at(devices.buffer_address(buf), 3) == b"xyz"


def test_device_error_without_errno_is_eio() -> None:
    err = DeviceError("/dev/xen/evtchn", "NOTIFY port 3", OSError("no errno"))
    assert (err.errno, err.device, err.op) == (errno.EIO, "/dev/xen/evtchn", "NOTIFY port 3")
    assert err.strerror == "/dev/xen/evtchn: NOTIFY port 3: Input/output error"
