"""HYPERVISOR_multicall (13): run a list of hypercalls in one entry (XG multicall.c; §1.10).

Simplification (docs/xen.md): an entry carries Python objects instead of guest pointers --
``MulticallEntry(op, args)`` where a grant op is ``op=20, args=(cmd, bytearray, count)``. Each
sub-call's return value goes to ``entry.result`` (the only field callers may rely on, as debug
Xen scribbles over the rest). A failing sub-call does not stop the list; a nested multicall gives
-EINVAL; an unknown hypercall -ENOSYS; a handler given args it cannot use returns -EFAULT
(Xen: a bad pointer). The whole list is one hypercall in the counters. Other subsystems may add handlers to
``xen.hypercall_table`` (number -> handler(caller_domain, *args) -> int).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blkswap.abi import gnttab as g
from blkswap.xen.ops_common import EINVAL, ENOSYS

if TYPE_CHECKING:
    from blkswap.xen.domain import Domain
    from blkswap.xen.hypervisor import Xen


@dataclass(slots=True)
class MulticallEntry:
    """One multicall entry: hypercall number ``op``, its ``args``, and the ``result`` Xen wrote."""

    op: int
    args: tuple[Any, ...]
    result: int | None = None


def run_multicall(xen: Xen, caller: Domain, entries: list[MulticallEntry]) -> list[int]:
    """Execute ``entries`` in order for ``caller``; returns the results (also in each entry)."""
    results: list[int] = []
    table = xen.hypercall_table
    for e in entries:
        if e.op == g.HYPERVISOR_multicall:
            rc = -EINVAL  # no nesting
        else:
            handler = table.get(e.op)
            if handler is None:
                rc = -ENOSYS
            else:
                rc = handler(caller, *e.args)
        e.result = rc
        results.append(rc)
    return results
