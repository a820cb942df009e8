"""GntdevGrants: the backend's batched grant-op structs decoded and answered per element, with a
fake gntdev standing in for /dev/xen/gntdev (the real one is exercised by tests/realxen)."""

from __future__ import annotations

import mmap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blkswap.abi import X86_64, gnttab
from blkswap.abi import linux_xen as L
from blkswap.back.grantops import CopyOp, grant_copy, map_grants, unmap_grants
from blkswap.xen.counters import Counters
from blkswap.xen.linux.devices import DeviceError, GrantMapping
from blkswap.xen.linux.grants import GntdevGrants

SEG = L.STRUCTS["gntdev_grant_copy_segment"]


class FakeGntdev:
    """Records ioctls; refs in ``bad`` make the whole mmap fail, as gntdev does."""

    def __init__(self, bad: set[int] = frozenset()) -> None:
        self.bad = bad
        self.live: dict[int, GrantMapping] = {}
        self.next_index = 0
        self.calls: list[tuple] = []
        self.copied: list[list[tuple]] = []

    def map(self, domid: int, refs, writable: bool) -> GrantMapping:
        self.calls.append(("map", domid, tuple(refs), writable))
        if self.bad & set(refs):
            raise DeviceError("/dev/xen/gntdev", "mmap", OSError(22, "EINVAL"))
        m = GrantMapping(self.next_index, len(refs), mmap.mmap(-1, 4096 * len(refs)), domid,
                         tuple(refs), writable)  # fmt: skip
        self.next_index += len(refs) * 4096
        self.live[m.index] = m
        return m

    def unmap(self, m: GrantMapping) -> bool:
        self.calls.append(("unmap", m.index, m.count))
        for v in m.views:
            v.release()
        m.mem.close()
        del self.live[m.index]
        return True

    def grant_copy(self, segs: bytearray, count: int) -> None:
        rows = [SEG.st.unpack_from(segs, i * SEG.size) for i in range(count)]
        self.copied.append(rows)
        for i in range(count):  # status: bad ref 7 → GNTST_bad_gntref
            ref_side = rows[i][0] if rows[i][7] & 1 else rows[i][3]
            SEG.write_field(segs, i * SEG.size, "status", -3 if ref_side == 7 else 0)


class FakePort:
    def __init__(self, dev: FakeGntdev) -> None:
        self.counters = Counters()
        self.grants = GntdevGrants(dev, lambda frame: 0x7F00_0000_0000 + frame * 4096,
                                   self.counters)  # fmt: skip

    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        return self.grants.call(cmd, args, count)


VAS = [(1 << 40) + i * 4096 for i in range(16)]


def test_one_request_is_one_map_ioctl_and_one_unmap_ioctl() -> None:
    dev = FakeGntdev()
    port = FakePort(dev)
    maps = map_grants(port, 3, [10, 11, 12], VAS[:3], readonly=True)
    assert [m.status for m in maps] == [0, 0, 0]
    assert len({m.handle for m in maps}) == 3
    assert dev.calls == [("map", 3, (10, 11, 12), False)]  # readonly → no PROT_WRITE
    port.grants.view(VAS[1])[0:4] = b"abcd"  # the mapped page behind the backend's va
    assert bytes(dev.live[0].mem[4096:4100]) == b"abcd"
    assert unmap_grants(port, maps) == [0, 0, 0]
    assert dev.calls[1:] == [("unmap", 0, 3)] and not dev.live
    c = port.counters
    assert (c.hypercalls, c.grant_op_calls["map"], c.grant_ops["map"]) == (2, 1, 3)
    assert (c.grant_op_calls["unmap"], c.grant_ops["unmap"]) == (1, 3)
    assert dict(port.grants.ioctls) == {"map": 1, "unmap": 1}


def test_a_bad_ref_fails_alone_after_the_batch_fails() -> None:
    dev = FakeGntdev(bad={11})
    port = FakePort(dev)
    maps = map_grants(port, 3, [10, 11, 12], VAS[:3], readonly=False)
    assert [m.status for m in maps] == [0, gnttab.GNTST_general_error, 0]
    assert [c[2] for c in dev.calls] == [(10, 11, 12), (10,), (11,), (12,)]
    unmap_grants(port, maps)
    assert not dev.live and port.grants.live_mappings() == 0


def test_region_unmapped_when_its_last_page_is() -> None:
    dev = FakeGntdev()
    port = FakePort(dev)
    maps = map_grants(port, 3, [1, 2, 3, 4], VAS[:4], readonly=False)  # persistent: kept
    unmap_grants(port, maps[:2])  # an LRU purge of half of them
    assert len(dev.live) == 1
    unmap_grants(port, maps[2:])
    assert not dev.live


def test_unknown_handle_is_bad_handle() -> None:
    port = FakePort(FakeGntdev())
    maps = map_grants(port, 3, [1], VAS[:1], readonly=False)
    maps[0].handle += 100
    assert unmap_grants(port, maps) == [gnttab.GNTST_bad_handle]


def test_lab_only_op_answers_enosys() -> None:
    port = FakePort(FakeGntdev())
    args = bytearray(X86_64.struct("gnttab_swap").size)
    assert port.grant_table_op(gnttab.GNTTABOP_swap, args, 1) == -38


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 4095), st.booleans()),
                min_size=1, max_size=16))  # fmt: skip
def test_copy_batch_becomes_gntdev_segments(ops: list[tuple[int, int, bool]]) -> None:
    dev = FakeGntdev()
    port = FakePort(dev)
    batch = [CopyOp(ref, 5, off & ~511, 0x100 + i, off & 511, 512, to_guest)
             for i, (ref, off, to_guest) in enumerate(ops)]  # fmt: skip
    statuses = grant_copy(port, batch)
    assert statuses == [-3 if op.ref == 7 else 0 for op in batch]
    (rows,) = dev.copied
    for op, row in zip(batch, rows, strict=True):
        gref = (op.ref, op.gref_offset, 5)
        local = L.virt_parts(0x7F00_0000_0000 + op.mfn * 4096 + op.frame_offset)
        want = (*local, *gref) if op.to_guest else (*gref, *local)
        flag = gnttab.GNTCOPY_dest_gref if op.to_guest else gnttab.GNTCOPY_source_gref
        assert row[:6] == want and row[6:8] == (512, flag)
    ok = sum(1 for s in statuses if s == 0)
    assert (port.counters.copy_ops, port.counters.bytes_copied) == (ok, 512 * ok)


@pytest.mark.parametrize("addr", [0, 0x7FFF_1234_5000, 2**64 - 4096])
def test_virt_parts_are_the_pointer_bytes(addr: int) -> None:
    buf = bytearray(SEG.size)
    SEG.pack_values_into(buf, 0, [*L.virt_parts(addr), 0, 0, 0, 0, 0, 0])
    assert int.from_bytes(buf[0:8], "little") == addr
    assert SEG.fields["source.virt"] == 0 and SEG.fields["dest.virt"] == 8


def test_map_ioctl_argument_layout() -> None:
    head, ref = L.STRUCTS["ioctl_gntdev_map_grant_ref"], L.STRUCTS["ioctl_gntdev_grant_ref"]
    assert (head.size, head.fields["index"], head.fields["refs"], ref.size) == (24, 8, 16, 8)
    assert L.IOCTL_GNTDEV_MAP_GRANT_REF == (head.size << 16) | (ord("G") << 8) | 0


def _map_batch(port: FakePort, rows: list[tuple[int, int, int]]) -> list[dict[str, int]]:
    """GNTTABOP_map_grant_ref of (flags, ref, dom) rows at VAS[i]; the structs after the call."""
    s = X86_64.struct("gnttab_map_grant_ref")
    buf = bytearray(b"".join(
        s.pack(dict(host_addr=VAS[i], flags=f, ref=r, dom=d, status=99, handle=77, dev_bus_addr=55))
        for i, (f, r, d) in enumerate(rows)))  # fmt: skip
    assert port.grant_table_op(gnttab.GNTTABOP_map_grant_ref, buf, len(rows)) == 0
    return [s.unpack_from(buf, i * s.size) for i in range(len(rows))]


def test_one_map_call_is_one_region_per_domain_and_access_mode() -> None:
    """Elements are grouped by (domid, writable) in first-seen order: dom 3 rw (two refs), dom 3
    read-only, dom 4 rw -> three MAP_GRANT_REF regions; a failing one-element group answers
    general_error without a retry; every other element gets status 0 and its own handle."""
    host, ro = gnttab.GNTMAP_host_map, gnttab.GNTMAP_readonly
    dev = FakeGntdev(bad={14})
    port = FakePort(dev)
    out = _map_batch(port, [(host, 10, 3), (host | ro, 11, 3), (host, 12, 4), (host, 13, 3),
                            (host, 14, 5)])  # fmt: skip
    assert dev.calls == [("map", 3, (10, 13), True), ("map", 3, (11,), False),
                         ("map", 4, (12,), True), ("map", 5, (14,), True)]  # fmt: skip
    assert [o["status"] for o in out] == [0, 0, 0, 0, gnttab.GNTST_general_error]
    assert len({o["handle"] for o in out[:4]}) == 4 and out[4]["handle"] == 0
    assert dict(port.grants.ioctls) == {"map": 4}
