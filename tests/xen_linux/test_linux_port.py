"""LinuxPort, the DomainPort of a dom0 process, over the fake kernel (fake_kernel.py) and the fake
xenstored: identity, grant ops and event channels through the devices, frame numbers and vas of
its page arena, the kernel-only operations it refuses, and what it holds and releases."""

from __future__ import annotations

import ctypes
import errno
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from fake_kernel import FakeXenKernel
from fake_xenstored import FakeXenstored

from blkswap.back import frames
from blkswap.back.grantops import map_grants, unmap_grants
from blkswap.xen.linux import port as port_mod
from blkswap.xen.linux import xenstore as xs_mod
from blkswap.xen.linux.devices import PAGE
from blkswap.xen.linux.port import FRAME_BASE, MAPPING_BASE_VA, LinuxPort
from blkswap.xen.linux.xenstore import XsClient
from blkswap.xen.port import EventChannelError, PortUnsupported


@pytest.fixture
def lp(kernel: FakeXenKernel) -> Iterator[LinuxPort]:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")
    daemon = FakeXenstored(f"{d}/socket")
    store = XsClient(f"{d}/socket")
    p = LinuxPort(pages=8, store=store)
    yield p
    p.close()
    daemon.close()
    shutil.rmtree(d)


def test_identity(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    assert (lp.domid, lp.vcpus, lp.arena.pages, lp.free_pages) == (0, 1, 8, 8)
    assert lp.store is lp._store and lp.counters is lp.grants.counters
    assert lp.grants.dev is lp.gntdev and lp.gntdev.fd in kernel.files
    assert lp.fds() == (lp.evtchn.fileno(), lp.store.fileno())
    assert lp.state() == {"live_mappings": 0, "gntdev_regions": 0, "bound_ports": 0}
    with pytest.raises(PortUnsupported, match="^multicall: not available through /dev/xen/gntdev$"):
        lp.multicall([])


def test_grant_ops_reach_the_guest(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    gfn = g.alloc_page()
    g.write(gfn, 0, b"guest data")
    ref = g.grant_access(gfn, 0, False)
    va = MAPPING_BASE_VA + 3 * PAGE
    (m,) = map_grants(lp, g.domid, [ref], [va], readonly=False)
    assert m.status == 0 and bytes(lp.page_view(va)[:10]) == b"guest data"
    assert lp.state() == {"live_mappings": 1, "gntdev_regions": 1, "bound_ports": 0}
    assert (lp.counters.hypercalls, lp.counters.grant_ops["map"]) == (1, 1)
    lp.clear_va(va)  # the slot no longer names the mapping
    with pytest.raises(ValueError, match=f"^va {va:#x} is not mapped$"):
        lp.page_view(va)
    (m2,) = map_grants(lp, g.domid, [ref], [va + PAGE], readonly=True)
    assert unmap_grants(lp, [m2]) == [0]


def test_frames_are_arena_pages_from_frame_base(lp: LinuxPort) -> None:
    frames = [lp.alloc_page() for _ in range(3)]
    assert frames == [FRAME_BASE, FRAME_BASE + 1, FRAME_BASE + 2] == [0x100, 0x101, 0x102]
    assert lp.free_pages == 5 and lp.gfn_to_mfn(0x101) == 0x101 and lp.page_refcount(0x101) == 0
    lp.page_view(0x101 << 12)[:3] = b"own"
    lp.page_view(0x100 << 12)[:4] = b"frst"  # the first frame: arena page 0
    assert bytes(lp.arena.view(1)[:3]) == b"own" and bytes(lp.arena.view(0)[:4]) == b"frst"
    assert lp._frame_address(0x100) == lp.arena.base
    assert lp._frame_address(0x102) == lp.arena.address(2)
    lp.free_page(0x101)
    assert lp.free_pages == 6 and lp.alloc_page() == 0x101
    lp.free_page(FRAME_BASE + 7 - 5)  # the last frame of the port is one of its frames
    for bad in (FRAME_BASE - 1, FRAME_BASE + 8, 0):
        with pytest.raises(ValueError, match=f"^frame {bad:#x} is not a page of this port$"):
            lp.free_page(bad)
    with pytest.raises(ValueError, match="is not a page of this port"):
        lp.page_view((FRAME_BASE + 8) << 12)
    assert lp.page_view((FRAME_BASE + 7) << 12).nbytes == PAGE


def test_event_channels(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    ev = kernel.xen.evtchn
    gport = ev.alloc_unbound(g.domid, 0)
    got_guest: list[int] = []
    ev.bind_handler(g.domid, gport, got_guest.append)
    port = lp.evtchn_bind_interdomain(g.domid, gport)
    seen: list[int] = []
    lp.evtchn_bind_handler(port, seen.append)
    assert lp.poll_events() == 1 and seen == [port]  # Xen marks a new binding pending once
    before = lp.counters.hypercalls
    lp.evtchn_send(port)
    assert (lp.counters.evtchn_sends, lp.counters.hypercalls) == (1, before + 1)
    kernel.xen.run_pending()
    assert got_guest == [gport]
    ev.send(g.domid, gport)
    assert lp.poll_events() == 1 and seen == [port, port]  # unmasked after the first
    unbound = lp.evtchn_alloc_unbound(g.domid)
    assert unbound != port and lp.state()["bound_ports"] == 2
    lp.evtchn_close(port)
    assert lp.evtchn.bound == {unbound} and port not in lp._handlers
    assert lp.poll_events() == 0


def test_events_of_ports_without_a_handler_are_unmasked(
    lp: LinuxPort, kernel: FakeXenKernel
) -> None:
    g = kernel.guest()
    gport = kernel.xen.evtchn.alloc_unbound(g.domid, 0)
    port = lp.evtchn_bind_interdomain(g.domid, gport)
    assert lp.poll_events() == 1  # no handler: nothing runs, the port is still unmasked
    assert kernel.calls("evtchn")[-1] == ("write", port.to_bytes(4, "little"))


@pytest.mark.parametrize(
    ("code", "name"),
    [(errno.EPERM, "EPERM"), (errno.ESRCH, "ESRCH"), (errno.EBADF, "EBADF"),
     (errno.EINVAL, "EINVAL"), (errno.ENOSPC, "ENOSPC"), (errno.ENOTCONN, "EINVAL"),
     (errno.EIO, "EINVAL")],
)  # fmt: skip
def test_event_channel_errors_keep_xen_s_errno_name(
    lp: LinuxPort, kernel: FakeXenKernel, code: int, name: str
) -> None:
    kernel.failures[("evtchn", "BIND_UNBOUND_PORT")] = code
    with pytest.raises(EventChannelError) as info:
        lp.evtchn_alloc_unbound(1)
    assert info.value.errno_name == name
    assert str(info.value).startswith(f"{name}: [Errno {code}] /dev/xen/evtchn: BIND_UNBOUND_PORT:")


def test_send_on_a_port_not_bound_here_is_einval(lp: LinuxPort) -> None:
    with pytest.raises(EventChannelError) as info:
        lp.evtchn_send(9)
    assert info.value.errno_name == "EINVAL" and "NOTIFY port 9" in str(info.value)
    with pytest.raises(EventChannelError, match="UNBIND port 9"):
        lp.evtchn_close(9)


@pytest.mark.parametrize(
    ("call", "args"),
    [("grant_access", (1, 2, False)), ("grant_transfer", (1,)), ("end_access", (1,)),
     ("end_transfer", (1,)), ("grant_entry", (1,)), ("increase_reservation", (1,)),
     ("decrease_reservation", ([1],)), ("populate", (1,)), ("neuter", (1,)), ("restore", (1,))],
)  # fmt: skip
def test_kernel_only_operations_are_unsupported(lp: LinuxPort, call: str, args: tuple) -> None:
    with pytest.raises(PortUnsupported) as info:
        getattr(lp, call)(*args)
    assert str(info.value) == f"{call}: needs a dom0 kernel module (not available to serve)"


def test_close_releases_everything(kernel: FakeXenKernel) -> None:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")
    daemon = FakeXenstored(f"{d}/socket")
    try:
        lp = LinuxPort(pages=2, store=XsClient(f"{d}/socket"))
        g = kernel.guest()
        ref = g.grant_access(g.alloc_page(), 0, False)
        map_grants(lp, g.domid, [ref], [MAPPING_BASE_VA], readonly=False)
        lp.evtchn_alloc_unbound(g.domid)
        lp.close()
        assert kernel.files == {} and lp.store.fd == -1 and lp.gntdev.fd == lp.evtchn.fd == -1
        assert g.end_access(ref) is True and kernel.xen.evtchn.ports(0) == []
    finally:
        daemon.close()
        shutil.rmtree(d)


def test_fence_is_a_callable_barrier() -> None:
    fence = port_mod._fence_function()
    assert fence() is None
    assert bytes(fence._page[:4]) == b"\x0f\xae\xf0\xc3"  # mfence; ret
    addr = ctypes.addressof(ctypes.c_char.from_buffer(fence._page))
    with open("/proc/self/maps") as f:
        spans = [line.split()[:2] for line in f]
    (perms,) = [
        p for rng, p in spans if int(rng.split("-")[0], 16) <= addr < int(rng.split("-")[1], 16)
    ]
    assert perms.startswith("rwx")  # readable, writable, executable


def test_fence_falls_back_to_a_system_call(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise PermissionError("no executable pages here")

    calls: list[int] = []
    monkeypatch.setattr(port_mod.mmap, "mmap", refuse)
    monkeypatch.setattr(port_mod.os, "sched_yield", lambda: calls.append(1))
    fence = port_mod._fence_function()
    assert fence() is None and calls == [1]


def test_defaults_reach_xenstored_and_size_the_arena(
    kernel: FakeXenKernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")
    daemon = FakeXenstored(f"{d}/socket")
    monkeypatch.setattr(xs_mod, "SOCKET_PATHS", (f"{d}/socket",))
    try:
        lp = LinuxPort()
        assert lp.arena.pages == 4096 and lp.free_pages == 4096
        frames = [lp.alloc_page() for _ in range(300)]  # past frame 0x1ff: 0x100 + 256 = 0x200
        assert frames == list(range(0x100, 0x100 + 300))
        lp.page_view(0x200 << 12)[:2] = b"hi"
        assert bytes(lp.arena.view(0x100)[:2]) == b"hi"
        lp.free_page(0x200)
        assert lp.alloc_page() == 0x200
        for bad in (0xFF, 0x100 + 4096):
            with pytest.raises(ValueError, match="is not a page of this port"):
                lp.free_page(bad)
        assert lp.store.path == f"{d}/socket"
        lp.store.write("/x", "1")
        assert daemon.store.dump("/x") == {"/x": "1"}
        lp.close()
    finally:
        daemon.close()
        shutil.rmtree(d)


def test_a_mapping_at_the_lowest_mapping_va(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    assert MAPPING_BASE_VA == frames.MAPPING_BASE_VA == 1 << 40  # where the backend maps grants
    g = kernel.guest()
    gfn = g.alloc_page()
    g.write(gfn, 0, b"low")
    ref = g.grant_access(gfn, 0, True)
    (m,) = map_grants(lp, g.domid, [ref], [MAPPING_BASE_VA], readonly=True)
    assert bytes(lp.page_view(MAPPING_BASE_VA)[:3]) == b"low"
    assert unmap_grants(lp, [m]) == [0]
    with pytest.raises(ValueError, match="is not a page of this port"):
        lp.page_view(MAPPING_BASE_VA - PAGE)  # below: an own frame, and not one of the arena


def test_a_port_closed_by_its_handler_is_not_unmasked(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    gport = kernel.xen.evtchn.alloc_unbound(g.domid, 0)
    port = lp.evtchn_bind_interdomain(g.domid, gport)
    lp.evtchn_bind_handler(port, lp.evtchn_close)
    assert lp.poll_events() == 1
    assert [op for op, _ in kernel.calls("evtchn")] == ["BIND_INTERDOMAIN", "read", "UNBIND"]


def test_arguments_are_keyword_only(lp: LinuxPort, kernel: FakeXenKernel) -> None:
    files = dict(kernel.files)
    with pytest.raises(TypeError):
        LinuxPort(8, lp.store)  # type: ignore[misc]
    assert kernel.files == files  # refused before opening any device
