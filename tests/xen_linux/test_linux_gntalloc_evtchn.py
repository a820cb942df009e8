"""devices.Gntalloc and devices.Evtchn against the fake kernel (fake_kernel.py): argument bytes as
the uapi headers lay them out, what the emulated Xen then holds (grant entries, event-channel
ports), pending ports read as u32s and unmasked by writing them back, and the drivers' errnos."""

from __future__ import annotations

import errno
import mmap
import os

import linux_uapi as uapi
import pytest
from fake_kernel import FakeXenKernel

from blkswap.abi import X86_64, gnttab
from blkswap.xen.linux import devices
from blkswap.xen.linux.devices import PAGE, DeviceError, Evtchn, Gntalloc

pytestmark = pytest.mark.usefixtures("kernel")
_MAP = X86_64.struct("gnttab_map_grant_ref")


def guest_maps(guest, ref: int, readonly: bool) -> tuple[int, bytes]:
    """The guest maps dom0's grant ``ref``: (status, the page's first 8 bytes)."""
    va = guest.grant_va_base + 7 * PAGE
    flags = gnttab.GNTMAP_host_map | (gnttab.GNTMAP_readonly if readonly else 0)
    buf = bytearray(_MAP.pack(dict(host_addr=va, flags=flags, ref=ref, dom=0, status=0,
                                   handle=0, dev_bus_addr=0)))  # fmt: skip
    guest.grant_table_op(gnttab.GNTTABOP_map_grant_ref, buf, 1)
    status = _MAP.read_field(buf, 0, "status")
    return status, bytes(guest.page_view(va)[:8]) if status == 0 else b""


# -- gntalloc ---------------------------------------------------------------------------------------
def test_gntalloc_open_and_close(kernel: FakeXenKernel) -> None:
    ga = Gntalloc()
    assert kernel.opened == [("/dev/xen/gntalloc", os.O_RDWR | os.O_CLOEXEC)]
    assert ga.path == devices.GNTALLOC == "/dev/xen/gntalloc" and ga.fd in kernel.files
    ga.close()
    assert ga.fd == -1 and kernel.files == {}
    ga.close()
    assert ga.fd == -1


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 9])
def test_alloc_grants_writable_pages(kernel: FakeXenKernel, count: int) -> None:
    g = kernel.guest()
    ga = Gntalloc()
    index, refs, mem = ga.alloc(g.domid, count)
    size = max(24, 16 + 4 * count)  # gref_ids[count] after the 16-byte head, sizeof 24 at least
    arg = uapi.ALLOC_HEAD.pack(g.domid, uapi.GNTALLOC_FLAG_WRITABLE, count, 0)
    assert kernel.calls("gntalloc") == [("ALLOC_GREF", arg + bytes(size - 16))]
    assert index == 0 and len(mem) == count * PAGE
    assert kernel.mmaps == [("gntalloc", count * PAGE, mmap.MAP_SHARED,
                             mmap.PROT_READ | mmap.PROT_WRITE, 0)]  # fmt: skip
    assert len(set(refs)) == count and refs == sorted(refs)  # each id from its own slot
    for i, ref in enumerate(refs):
        flags, domid, _frame = kernel.dom0.grant_entry(ref)
        assert (flags & gnttab.GTF_readonly, domid) == (0, g.domid)
        mem[i * PAGE : i * PAGE + 3] = b"pg" + bytes([48 + i])
    kernel.flush()
    assert guest_maps(g, refs[-1], readonly=False) == (0, b"pg" + bytes([47 + count]) + bytes(5))
    index2, refs2, _mem2 = ga.alloc(g.domid, 1)
    assert index2 == count * PAGE and refs2[0] not in refs


def test_alloc_read_only_grants(kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    ga = Gntalloc()
    _index, refs, mem = ga.alloc(g.domid, 1, writable=False)
    assert kernel.calls("gntalloc")[0][1][:8] == uapi.ALLOC_HEAD.pack(g.domid, 0, 1, 0)[:8]
    mem[:3] = b"ro!"  # dom0's own page stays writable for dom0
    kernel.flush()
    # Xen refuses to write-pin a read-only entry with general_error (XG map_grant_ref)
    assert guest_maps(g, refs[0], readonly=False)[0] == gnttab.GNTST_general_error
    assert guest_maps(g, refs[0], readonly=True) == (0, b"ro!" + bytes(5))


def test_dealloc_names_the_grants_and_ends_them(kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    ga = Gntalloc()
    index, refs, mem = ga.alloc(g.domid, 2)
    mem.close()
    free = kernel.dom0.free_pages
    ga.dealloc(index, 2)
    assert kernel.calls("gntalloc")[-1] == ("DEALLOC_GREF", uapi.DEALLOC.pack(index, 2))
    assert kernel.dom0.free_pages == free + 2 and kernel.gref_size == 0
    assert guest_maps(g, refs[0], readonly=True)[0] != 0  # the grant is gone
    with pytest.raises(DeviceError) as info:
        ga.dealloc(index, 2)
    assert (info.value.errno, info.value.op) == (errno.EINVAL, "DEALLOC_GREF")
    assert str(info.value) == "[Errno 22] /dev/xen/gntalloc: DEALLOC_GREF: Invalid argument"


def test_alloc_over_the_limit_is_enospc(kernel: FakeXenKernel) -> None:
    kernel.gntalloc_limit = 2
    ga = Gntalloc()
    with pytest.raises(DeviceError) as info:
        ga.alloc(1, 3)
    assert (info.value.errno, info.value.op, info.value.device) == (
        errno.ENOSPC, "ALLOC_GREF", "/dev/xen/gntalloc")  # fmt: skip


# -- evtchn -----------------------------------------------------------------------------------------
def peer(kernel: FakeXenKernel) -> tuple:
    """A guest with an unbound port for dom0 and a handler counting its upcalls."""
    g = kernel.guest()
    port = kernel.xen.evtchn.alloc_unbound(g.domid, 0)
    got: list[int] = []
    kernel.xen.evtchn.bind_handler(g.domid, port, got.append)
    return g, port, got


def test_evtchn_opens_non_blocking(kernel: FakeXenKernel) -> None:
    ev = Evtchn()
    assert kernel.opened == [("/dev/xen/evtchn", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)]
    assert ev.path == devices.EVTCHN == "/dev/xen/evtchn"
    assert ev.fileno() == ev.fd and ev.fd in kernel.files
    assert (ev.bound, ev.notifies) == (set(), 0)
    assert ev.pending() == []  # nothing pending: EAGAIN, not a hang


def test_bind_interdomain_notify_and_unbind(kernel: FakeXenKernel) -> None:
    g, gport, got = peer(kernel)
    ev = Evtchn()
    port = ev.bind_interdomain(g.domid, gport)
    assert kernel.calls("evtchn") == [("BIND_INTERDOMAIN", uapi.U32X2.pack(g.domid, gport))]
    assert port == 1 and ev.bound == {1}
    assert kernel.xen.evtchn.peer(0, port) == (g.domid, gport)
    ev.notify(port)
    assert kernel.calls("evtchn")[-1] == ("NOTIFY", uapi.U32.pack(port)) and ev.notifies == 1
    kernel.xen.run_pending()
    assert got == [gport]
    ev.unbind(port)
    assert kernel.calls("evtchn")[-1] == ("UNBIND", uapi.U32.pack(port)) and ev.bound == set()
    assert kernel.xen.evtchn.status(0, port) == "closed"


def test_bind_unbound_port(kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    ev = Evtchn()
    port = ev.bind_unbound(g.domid)
    assert kernel.calls("evtchn") == [("BIND_UNBOUND_PORT", uapi.U32.pack(g.domid))]
    assert ev.bound == {port} and kernel.xen.evtchn.peer(0, port) == (g.domid, 0)
    gport = kernel.xen.evtchn.bind_interdomain(g.domid, 0, port)
    kernel.xen.evtchn.send(g.domid, gport)
    assert ev.pending() == [port]


def test_bind_errors_name_the_operation(kernel: FakeXenKernel) -> None:
    g = kernel.guest()
    ev = Evtchn()
    with pytest.raises(DeviceError) as info:
        ev.bind_interdomain(g.domid, 77)  # no such remote port: Xen -EINVAL
    assert info.value.errno == errno.EINVAL
    assert info.value.op == f"BIND_INTERDOMAIN domain {g.domid} port 77"
    with pytest.raises(DeviceError) as info:
        ev.bind_unbound(4321)  # no such domain: Xen -ESRCH
    assert (info.value.errno, info.value.op) == (errno.ESRCH, "BIND_UNBOUND_PORT")
    assert ev.bound == set()


def test_notify_and_unbind_of_a_port_not_bound_here(kernel: FakeXenKernel) -> None:
    ev = Evtchn()
    with pytest.raises(DeviceError) as info:
        ev.notify(5)
    assert (info.value.errno, info.value.op) == (errno.ENOTCONN, "NOTIFY port 5")
    assert ev.notifies == 0
    with pytest.raises(DeviceError) as info:
        ev.unbind(5)
    assert (info.value.errno, info.value.op) == (errno.ENOTCONN, "UNBIND port 5")


def test_a_fired_port_stays_masked_until_written_back(kernel: FakeXenKernel) -> None:
    g, gport, _got = peer(kernel)
    ev = Evtchn()
    port = ev.bind_interdomain(g.domid, gport)
    assert ev.pending() == [port]  # Xen marks a newly bound port pending once
    assert kernel.calls("evtchn")[-1] == ("read", (4 * 256).to_bytes(8, "little"))
    kernel.xen.evtchn.send(g.domid, gport)
    assert ev.pending() == []  # masked: the event waits
    ev.unmask([])
    assert kernel.calls("evtchn")[-1][0] == "read"  # no write for no ports
    ev.unmask([port])
    assert kernel.calls("evtchn")[-1] == ("write", uapi.U32.pack(port))
    assert ev.pending() == [port]


def test_pending_reads_at_most_256_ports_at_a_time(kernel: FakeXenKernel) -> None:
    ev = Evtchn()
    ports = []
    for _ in range(260):
        g = kernel.guest(pages=1)
        ports.append(ev.bind_interdomain(g.domid, kernel.xen.evtchn.alloc_unbound(g.domid, 0)))
    first = ev.pending()
    assert first == ports[:256]
    assert ev.pending() == ports[256:]
    ev.unmask(first + ports[256:])
    assert kernel.calls("evtchn")[-1] == ("write", b"".join(uapi.U32.pack(p) for p in ports))


def test_close_unbinds_every_port(kernel: FakeXenKernel) -> None:
    ev = Evtchn()
    g = kernel.guest()
    a, b = ev.bind_unbound(g.domid), ev.bind_unbound(g.domid)
    ev.close()
    assert sorted(x for op, x in kernel.calls("evtchn") if op == "UNBIND") == [
        uapi.U32.pack(a), uapi.U32.pack(b)]  # fmt: skip
    assert ev.bound == set() and ev.fd == -1 and kernel.files == {}
    assert kernel.xen.evtchn.ports(0) == []
    ev.close()
    assert ev.fd == -1
