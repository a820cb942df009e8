"""do_grant_table_op: argument checks and dispatch of HYPERVISOR_grant_table_op commands.

Return values as XG ``do_grant_table_op`` (xen-abi.md §1.5): 0 when the call ran (per-element
results are in each struct's status), -EINVAL for a negative count, continuation bits in ``cmd``,
or a "count must be 1" op called with another count, -EFAULT when ``args`` cannot hold ``count``
structs, -ENOSYS for unknown commands, dump_table (removed in 2006) and cache_flush (Arm only).
Each call is counted in ``grant_op_calls`` and its elements in ``grant_ops``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from blkswap.abi import gnttab as g
from blkswap.xen import ops_copy, ops_map, ops_swap, ops_table, ops_transfer
from blkswap.xen.ops_common import EFAULT, EINVAL, ENOSYS, STRUCTS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen

Handler = Callable[["Xen", "Domain", bytearray, int], int]

# cmd -> (counter name, struct name, handler, count_must_be_1)
_OPS: dict[int, tuple[str, str, Handler, bool]] = {
    g.GNTTABOP_map_grant_ref: ("map", "gnttab_map_grant_ref", ops_map.map_grant_ref, False),
    g.GNTTABOP_unmap_grant_ref: ("unmap", "gnttab_unmap_grant_ref", ops_map.unmap_grant_ref, False),
    g.GNTTABOP_setup_table: ("setup_table", "gnttab_setup_table", ops_table.setup_table, True),
    g.GNTTABOP_transfer: ("transfer", "gnttab_transfer", ops_transfer.transfer, False),
    g.GNTTABOP_copy: ("copy", "gnttab_copy", ops_copy.copy, False),
    g.GNTTABOP_query_size: ("query_size", "gnttab_query_size", ops_table.query_size, True),
    g.GNTTABOP_unmap_and_replace: (
        "unmap_and_replace",
        "gnttab_unmap_and_replace",
        ops_map.unmap_and_replace,
        False,
    ),
    g.GNTTABOP_set_version: ("set_version", "gnttab_set_version", ops_table.set_version, False),
    g.GNTTABOP_get_status_frames: (
        "get_status_frames",
        "gnttab_get_status_frames",
        ops_table.get_status_frames,
        True,
    ),
    g.GNTTABOP_get_version: ("get_version", "gnttab_get_version", ops_table.get_version, False),
    g.GNTTABOP_swap_grant_ref: (
        "swap_grant_ref",
        "gnttab_swap_grant_ref",
        ops_swap.swap_grant_ref,
        False,
    ),
    g.GNTTABOP_swap: ("swap", "gnttab_swap", ops_swap.swap, False),
}
_ENOSYS_OPS = {
    g.GNTTABOP_dump_table: "dump_table",  # implementation removed (ad08f1cd83)
    g.GNTTABOP_cache_flush: "cache_flush",  # CONFIG_HAS_GRANT_CACHE_FLUSH is Arm only
}
# set_version / get_version take one struct whatever the count (xen-abi.md §1.5 table)
_SINGLE = {g.GNTTABOP_set_version, g.GNTTABOP_get_version}
_WRITABLE_TYPES = (bytearray, memoryview)  # built once (``bytearray | memoryview`` is per call)


def do_grant_table_op(xen: Xen, caller: Domain, cmd: int, args: bytearray, count: int) -> int:
    """Run one grant-table hypercall for ``caller`` (the hypercall itself is counted by the
    caller of this function: Xen.grant_table_op or the multicall loop)."""
    if cmd >> g.GNTTABOP_CONTINUATION_ARG_SHIFT:
        return -EINVAL  # continuation cookie bits are only valid for cache_flush
    if count < 0 or count >= 1 << 31:
        return -EINVAL  # count is an int in Xen: negative (or >= 2^31 seen as unsigned)
    op = _OPS.get(cmd)
    if op is None:
        name = _ENOSYS_OPS.get(cmd)
        if name is not None:
            xen.count_op(caller, name, 0)
        return -ENOSYS
    name, sname, handler, must_be_1 = op
    if must_be_1 and count != 1:
        return -EINVAL
    n = 1 if cmd in _SINGLE else count
    if type(args) is bytearray:  # the usual case: writable, one byte per item
        nbytes = len(args)
    elif isinstance(args, _WRITABLE_TYPES) and not memoryview(args).readonly:
        nbytes = memoryview(args).nbytes
    else:
        return -EFAULT  # Xen must be able to write statuses back
    if n * STRUCTS[sname].size > nbytes:
        return -EFAULT
    xen.count_op(caller, name, n)
    return handler(xen, caller, args, n)
