"""HYPERVISOR_multicall (13): run a list of hypercalls in one entry (XG multicall.c; §1.10).

Simplification (docs/xen.md): an entry carries Python objects instead of guest pointers --
``MulticallEntry(op, args)`` where a grant op is ``op=20, args=(cmd, bytearray, count)``. Each
sub-call's return value goes to ``entry.result`` (the only field callers may rely on, as debug
Xen scribbles over the rest). A failing sub-call does not stop the list; a nested multicall gives
-EINVAL; an unknown hypercall -ENOSYS; an entry whose argument list is missing or not a
sequence, and a handler given args it cannot use, return -EFAULT (Xen: a bad pointer). An entry
that is not a ``MulticallEntry`` at all gets -EFAULT in the returned list (there is no entry to
write to). Validation happens here, once, for every entry: nothing a caller puts in the list
can raise out of the hypervisor. The whole list is one hypercall in the counters. Other subsystems may add handlers to
``xen.hypercall_table`` (number -> handler(caller_domain, *args) -> int).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blkswap.abi import gnttab as g
from blkswap.xen.ops_common import EFAULT, EINVAL, ENOSYS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen


@dataclass(slots=True)
class MulticallEntry:
    """One multicall entry: hypercall number ``op``, its ``args``, and the ``result`` Xen wrote."""

    op: int
    args: tuple[Any, ...]
    result: int | None = None


def run_multicall(xen: Xen, caller: Domain, entries: Any) -> list[int]:
    """Execute ``entries`` in order for ``caller``; returns the results (also in each entry).

    ``entries`` that is not a list or tuple is a bad list pointer: no entry runs, ``[]``."""
    results: list[int] = []
    if not isinstance(entries, (list, tuple)):
        return results
    table = xen.hypercall_table
    for e in entries:
        if type(e) is not MulticallEntry:
            results.append(-EFAULT)
            continue
        rc = _run_one(table, caller, e)
        e.result = rc
        results.append(rc)
    return results


def _run_one(table: dict, caller: Domain, e: MulticallEntry) -> int:
    op, args = e.op, e.args
    if type(op) is not int:
        return -ENOSYS  # not a hypercall number
    if op == g.HYPERVISOR_multicall:
        return -EINVAL  # no nesting
    handler = table.get(op)
    if handler is None:
        return -ENOSYS
    if not isinstance(args, (tuple, list)):
        return -EFAULT  # argument list missing
    rc = handler(caller, *args)
    return rc if type(rc) is int else -EFAULT
