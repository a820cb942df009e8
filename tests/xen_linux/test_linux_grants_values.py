"""GntdevGrants end to end: batches of Xen grant-op structs carried out with the real
devices.Gntdev over the fake kernel (fake_kernel.py), so statuses come from the emulated Xen.
Every element's outputs are checked (status, handle, dev_bus_addr; copy statuses and counters),
with failing elements placed first, in the middle and last."""

from __future__ import annotations

import errno

import pytest
from fake_kernel import FakeXenKernel

from blkswap.abi import X86_64, gnttab
from blkswap.xen.counters import Counters
from blkswap.xen.linux.devices import PAGE, Gntdev
from blkswap.xen.linux.grants import GntdevGrants
from blkswap.xen.linux.memory import PageArena

pytestmark = pytest.mark.usefixtures("kernel")
_MAP = X86_64.struct("gnttab_map_grant_ref")
_UNMAP = X86_64.struct("gnttab_unmap_grant_ref")
_COPY = X86_64.struct("gnttab_copy")
HOST, RO = gnttab.GNTMAP_host_map, gnttab.GNTMAP_readonly
VA = 1 << 40
FRAME = 0x100  # the port's frame numbers: arena page + 0x100


class Port:
    def __init__(self) -> None:
        self.dev = Gntdev()
        self.arena = PageArena(4)
        self.counters = Counters()
        self.grants = GntdevGrants(self.dev, self.frame_address, self.counters)

    def frame_address(self, frame: int) -> int:
        """As LinuxPort._frame_address: ValueError for a frame that is not an arena page."""
        if not 0 <= frame - FRAME < self.arena.pages:
            raise ValueError(f"frame {frame:#x} is not a page of this port")
        return self.arena.address(frame - FRAME)

    def map(self, rows: list[tuple[int, int, int]], first_va: int = 0) -> list[dict]:
        """GNTTABOP_map_grant_ref of (flags, ref, dom) rows at VA + (first_va + i) pages."""
        buf = bytearray(b"".join(
            _MAP.pack(dict(host_addr=VA + (first_va + i) * PAGE, flags=f, ref=r, dom=d,
                           status=99, handle=77, dev_bus_addr=55))
            for i, (f, r, d) in enumerate(rows)))  # fmt: skip
        assert self.grants.call(gnttab.GNTTABOP_map_grant_ref, buf, len(rows)) == 0
        return [_MAP.unpack_from(buf, i * _MAP.size) for i in range(len(rows))]

    def unmap(self, rows: list[tuple[int, int]]) -> list[int]:
        """GNTTABOP_unmap_grant_ref of (va page, handle) rows: the statuses."""
        buf = bytearray(b"".join(
            _UNMAP.pack(dict(host_addr=VA + p * PAGE, dev_bus_addr=0, handle=h, status=99))
            for p, h in rows))  # fmt: skip
        assert self.grants.call(gnttab.GNTTABOP_unmap_grant_ref, buf, len(rows)) == 0
        return [_UNMAP.unpack_from(buf, i * _UNMAP.size)["status"] for i in range(len(rows))]


def guest(kernel: FakeXenKernel, n: int, readonly: bool = False) -> tuple:
    g = kernel.guest()
    gfns = [g.alloc_page() for _ in range(n)]
    for i, gfn in enumerate(gfns):
        g.write(gfn, 0, bytes([0x10 + i]) * PAGE)
    return g, gfns, [g.grant_access(gfn, 0, readonly) for gfn in gfns]


def test_handles_count_from_one_and_outputs_are_written(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = guest(kernel, 4)
    port = Port()
    out = port.map([(HOST, refs[0], g.domid), (HOST, refs[1], g.domid), (HOST, refs[2], g.domid)])
    assert [(o["status"], o["handle"], o["dev_bus_addr"]) for o in out] == [
        (0, 1, 0), (0, 2, 0), (0, 3, 0)]  # fmt: skip
    assert [o["handle"] for o in port.map([(HOST, refs[3], g.domid)], first_va=3)] == [4]
    assert bytes(port.grants.view(VA + 2 * PAGE)[:2]) == b"\x12\x12"
    assert port.grants.live_mappings() == 4 and len(port.dev.live) == 2


def test_only_the_readonly_flag_makes_a_mapping_read_only(kernel: FakeXenKernel) -> None:
    g, gfns, refs = guest(kernel, 2)
    port = Port()
    app = gnttab.GNTMAP_application_map  # another flag bit: not a read-only request
    out = port.map([(HOST | app, refs[0], g.domid), (HOST | app | RO, refs[1], g.domid)])
    assert [o["status"] for o in out] == [0, 0]
    writable = {m.refs: m.writable for m in port.dev.live.values()}
    assert writable == {(refs[0],): True, (refs[1],): False}
    port.grants.view(VA)[:2] = b"rw"
    kernel.flush()
    assert g.read(gfns[0], 0, 3) == b"rw\x10"


def test_failing_groups_do_not_stop_the_groups_after_them(kernel: FakeXenKernel) -> None:
    """Groups in first-seen order: (dom g, rw) with a bad ref -> retried one by one; (dom 999)
    alone -> general_error, no retry; (dom g, ro) and (dom h, rw) -> mapped."""
    g, _gfns, refs = guest(kernel, 3)
    h, _hg, hrefs = guest(kernel, 1)
    port = Port()
    out = port.map([(HOST, 4000, g.domid), (HOST, 5, 999), (HOST, refs[0], g.domid),
                    (HOST | RO, refs[1], g.domid), (HOST, hrefs[0], h.domid)])  # fmt: skip
    err = gnttab.GNTST_general_error
    assert [o["status"] for o in out] == [err, err, 0, 0, 0]
    assert [o["handle"] for o in out] == [0, 0, 1, 2, 3]
    assert [bytes(port.grants.view(VA + p * PAGE)[:1]) for p in (2, 3, 4)] == [
        b"\x10", b"\x11", b"\x10"]  # fmt: skip
    assert port.grants.view(VA) is None and port.grants.view(VA + PAGE) is None
    assert dict(port.grants.ioctls) == {"map": 6}  # 4 groups + 2 retries of the first


def test_unmap_statuses_per_element(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = guest(kernel, 3)
    port = Port()
    out = port.map([(HOST, r, g.domid) for r in refs])
    handles = [o["handle"] for o in out]
    bad = gnttab.GNTST_bad_handle
    # a wrong handle (lower than the page's), an unknown va, then the right ones
    assert port.unmap([(0, handles[0] - 1), (9, handles[1]), (1, handles[1]), (0, handles[0]),
                       (2, handles[2] + 1)]) == [bad, bad, 0, 0, bad]  # fmt: skip
    assert port.grants.live_mappings() == 1 and len(port.dev.live) == 1
    assert port.unmap([(2, handles[2])]) == [0]
    assert port.dev.live == {} and dict(port.grants.ioctls) == {"map": 1, "unmap": 1}
    assert [g.end_access(r) for r in refs] == [True, True, True]


def test_handles_beyond_the_small_int_cache_still_match(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = guest(kernel, 1)
    port = Port()
    for _ in range(300):  # handles 1..300, each mapped and unmapped at the same va
        (o,) = port.map([(HOST | RO, refs[0], g.domid)])
        assert port.unmap([(0, o["handle"])]) == [0]
    assert o["handle"] == 300 and port.grants.live_mappings() == 0


def copy_batch(rows: list[tuple]) -> bytearray:
    """gnttab_copy elements: (source, dest, len, flags); a side is (u, domid, offset)."""
    return bytearray(b"".join(_COPY.st.pack(*s, *d, n, f, 99) for s, d, n, f in rows))


def test_copy_statuses_and_counters_per_element(kernel: FakeXenKernel) -> None:
    g, gfns, refs = guest(kernel, 2)
    port = Port()
    port.arena.view(1)[:] = bytes(range(256)) * 16
    self_, src, dst = gnttab.DOMID_SELF, gnttab.GNTCOPY_source_gref, gnttab.GNTCOPY_dest_gref
    args = copy_batch([
        ((refs[0], g.domid, 0), (FRAME + 1, self_, 0), 100, src),  # guest -> port page 1
        ((4000, g.domid, 0), (FRAME + 2, self_, 0), 200, src),  # no such ref
        ((FRAME + 1, self_, 16), (refs[1], g.domid, 32), 300, dst),  # port page 1 -> guest
    ])  # fmt: skip
    assert port.grants.call(gnttab.GNTTABOP_copy, args, 3) == 0
    statuses = [_COPY.read_field(args, i * _COPY.size, "status") for i in range(3)]
    assert statuses == [0, gnttab.GNTST_bad_gntref, 0]
    assert (port.counters.copy_ops, port.counters.bytes_copied) == (2, 400)
    assert dict(port.grants.ioctls) == {"copy": 1}
    assert bytes(port.arena.view(1)[:101]) == b"\x10" * 100 + bytes([100])
    assert g.read(gfns[1], 30, 4) == b"\x11\x11" + b"\x10\x10"  # bytes 16.. were overwritten
    assert (port.counters.grant_op_calls["copy"], port.counters.grant_ops["copy"]) == (1, 3)


def test_a_failed_ioctl_fails_every_element_sent(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = guest(kernel, 2)
    port = Port()
    port.arena.view(0)[:4] = b"mine"
    self_, src = gnttab.DOMID_SELF, gnttab.GNTCOPY_source_gref
    kernel.failures[("gntdev", "GRANT_COPY")] = errno.EFAULT
    args = copy_batch([
        ((refs[0], g.domid, 0), (FRAME + 1, self_, 0), 8, src),
        ((FRAME, self_, 0), (FRAME + 2, self_, 8), 4, 0),  # local to local: not sent
        ((refs[1], g.domid, 0), (FRAME + 3, self_, 0), 8, src),
    ])  # fmt: skip
    assert port.grants.call(gnttab.GNTTABOP_copy, args, 3) == 0
    err = gnttab.GNTST_general_error
    assert [_COPY.read_field(args, i * _COPY.size, "status") for i in range(3)] == [err, 0, err]
    assert (port.counters.copy_ops, port.counters.bytes_copied) == (1, 4)
    assert bytes(port.arena.view(2)[8:12]) == b"mine" and dict(port.grants.ioctls) == {"copy": 1}


def test_elements_xen_answers_without_copying(kernel: FakeXenKernel) -> None:
    """Checked before gntdev, as Xen checks them (ops_copy): len 0 okay; a local side must be
    DOMID_SELF and a page of the port; no side may pass its page end. Only good ones are sent:
    a gref side past its page would make gntdev fail the whole ioctl."""
    g, gfns, refs = guest(kernel, 1)
    port = Port()
    self_, src, dst = gnttab.DOMID_SELF, gnttab.GNTCOPY_source_gref, gnttab.GNTCOPY_dest_gref
    port.arena.view(3)[:] = b"\xee" * PAGE
    args = copy_batch([
        ((refs[0], g.domid, 0), (FRAME, 5, 0), 8, src),  # local side not DOMID_SELF
        ((refs[0], g.domid, 0), (FRAME, 0x7FF2, 0), 8, src | 4),  # nor DOMID_IO, unknown bit
        ((refs[0], g.domid, 0), (FRAME + 4, self_, 0), 8, src),  # not a page of the port
        ((FRAME - 1, self_, 0), (refs[0], g.domid, 0), 8, dst),
        ((refs[0], g.domid, 4000), (FRAME, self_, 0), 97, src),  # gref side past its page
        ((refs[0], g.domid, 0), (FRAME + 3, self_, 4000), 97, src),  # local side past its page
        ((refs[0], g.domid, 0), (FRAME, self_, 0), 0, src | 4),  # len 0: okay, nothing checked
        ((refs[0], g.domid, 4000), (FRAME + 2, self_, 4000), 96, src | 4),  # an unknown bit
    ])  # fmt: skip
    assert port.grants.call(gnttab.GNTTABOP_copy, args, 8) == 0
    statuses = [_COPY.read_field(args, i * _COPY.size, "status") for i in range(8)]
    assert statuses == [gnttab.GNTST_permission_denied, gnttab.GNTST_permission_denied,
                        gnttab.GNTST_bad_page,
                        gnttab.GNTST_bad_page, gnttab.GNTST_bad_copy_arg,
                        gnttab.GNTST_bad_copy_arg, 0, 0]  # fmt: skip
    assert bytes(port.arena.view(3)) == b"\xee" * PAGE  # nothing went past page 2
    assert bytes(port.arena.view(2)[4000:]) == b"\x10" * 96
    assert (port.counters.copy_ops, port.counters.bytes_copied) == (1, 96)
    (call,) = [b for op, b in kernel.calls("gntdev") if op == "GRANT_COPY"]
    assert call[:4] == (1).to_bytes(4, "little")  # only the last element was sent
    assert g.read(gfns[0], 0, 1) == b"\x10"


def test_no_ioctl_when_nothing_is_sent(kernel: FakeXenKernel) -> None:
    port = Port()
    port.arena.view(0)[:10] = b"0123456abc"
    self_ = gnttab.DOMID_SELF
    args = copy_batch([((FRAME, self_, 7), (FRAME + 1, self_, 100), 3, 0),
                       ((FRAME, self_, 0), (FRAME + 1, self_, 9), 0, 0),  # len 0: not counted
                       ((FRAME, self_, 0), (FRAME + 2, self_, 4091), 5, 0),
                       ((FRAME, self_, 1), (FRAME + 3, self_, 0), 2, 0)])  # fmt: skip
    assert port.grants.call(gnttab.GNTTABOP_copy, args, 4) == 0
    assert [_COPY.read_field(args, i * _COPY.size, "status") for i in range(4)] == [0] * 4
    assert bytes(port.arena.view(2)[4091:]) == b"01234" and bytes(port.arena.view(3)[:3]) == b"12\0"
    assert bytes(port.arena.view(1)[99:104]) == b"\0abc\0" and dict(port.grants.ioctls) == {}
    assert (port.counters.copy_ops, port.counters.bytes_copied) == (3, 10)
    assert kernel.calls("gntdev") == []


def test_close_unmaps_every_region_once(kernel: FakeXenKernel) -> None:
    g, _gfns, refs = guest(kernel, 3)
    port = Port()
    port.map([(HOST, refs[0], g.domid), (HOST, refs[1], g.domid), (HOST | RO, refs[2], g.domid)])
    assert len(port.dev.live) == 2
    port.grants.close()
    assert port.dev.live == {} and port.dev.unmaps == 2 and port.grants.live_mappings() == 0
    assert [g.end_access(r) for r in refs] == [True, True, True]
