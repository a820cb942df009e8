"""GNTTABOP dispatch: the count bounds, the ops that take one struct whatever the count, and how
an unimplemented op is counted (found by mutation testing, tools/mutation.py)."""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENOSYS

from xen_helpers import host, pack

from blkswap.abi import gnttab as g


def test_count_is_a_signed_int_in_xen():
    """count >= 2^31 is negative to Xen (-EINVAL); just below passes the bound and then fails
    on the short buffer (-EFAULT)."""
    xen, d0, _ = host()
    buf = bytearray(64)
    for count, rc in (((1 << 31), -EINVAL), ((1 << 32), -EINVAL), ((1 << 31) - 1, -EFAULT),
                      ((1 << 30), -EFAULT), (-1, -EINVAL)):  # fmt: skip
        assert d0.grant_table_op(g.GNTTABOP_copy, buf, count) == rc, count


def test_version_ops_take_one_struct_whatever_the_count():
    """set_version/get_version read one struct, count ignored (xen/common/grant_table.c passes
    no count to gnttab_set_version/get_version); unmap_and_replace takes any count."""
    xen, d0, _ = host()
    for count in (0, 1, 3):
        buf = pack(g.GNTTABOP_get_version, [dict(dom=0x7FF0, pad=0, version=0)])
        assert d0.grant_table_op(g.GNTTABOP_get_version, buf, count) == 0, count
        buf = pack(g.GNTTABOP_set_version, [dict(version=1)])
        assert d0.grant_table_op(g.GNTTABOP_set_version, buf, count) == 0, count
    assert (
        d0.counters.grant_ops["get_version"] == 3 and d0.counters.grant_op_calls["get_version"] == 3
    )
    rows = [dict(host_addr=0, new_addr=0, handle=h) for h in (7, 8)]
    buf = pack(g.GNTTABOP_unmap_and_replace, rows)
    assert d0.grant_table_op(g.GNTTABOP_unmap_and_replace, buf, 2) == 0


def test_an_unimplemented_op_is_one_call_of_no_element():
    """dump_table and cache_flush answer -ENOSYS; each counts a call with 0 elements."""
    xen, d0, _ = host()
    assert d0.grant_table_op(g.GNTTABOP_dump_table, bytearray(16), 1) == -ENOSYS
    c = d0.counters
    assert (c.grant_op_calls["dump_table"], c.grant_ops["dump_table"]) == (1, 0)
    assert (xen.counters.grant_op_calls["dump_table"], xen.counters.grant_ops["dump_table"]) == (
        1,
        0,
    )


def test_the_argument_buffer_must_be_writable():
    """Xen writes statuses back: a bytearray or a writable memoryview is taken, a read-only
    buffer is -EFAULT."""
    xen, d0, _ = host()
    buf = pack(g.GNTTABOP_get_version, [dict(dom=0x7FF0, pad=0, version=0)])
    assert d0.grant_table_op(g.GNTTABOP_get_version, memoryview(buf), 1) == 0
    assert d0.grant_table_op(g.GNTTABOP_get_version, memoryview(bytes(buf)), 1) == -EFAULT
    assert d0.grant_table_op(g.GNTTABOP_get_version, bytes(buf), 1) == -EFAULT
