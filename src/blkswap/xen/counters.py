"""Cumulative cost counters of the emulated hypervisor (hypercalls, grant ops, flushes, bytes).

One :class:`Counters` lives on the :class:`~blkswap.xen.Xen` object (host-wide) and one on each
:class:`~blkswap.xen.domain.Domain` (the same events attributed to the *calling* domain, so the
timing layer can charge that domain's vCPUs). No timing lives here: these are event counts only.

Counters are cumulative and never reset; whoever wants to know what a piece of code cost keeps a
:meth:`Counters.mark` before and takes :meth:`Counters.since` after (or ``c - c_before``). The
values live in one flat list of ints (:attr:`Counters.v`, layout :data:`INDEX`), so a mark is a
list copy and a delta a list comprehension; the named attributes and the ``grant_ops`` /
``grant_op_calls`` mappings are views onto it for reports and tests.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from operator import add as _add
from operator import sub as _sub
from typing import Any

#: Scalar counters (all ints, cumulative).
SCALARS: tuple[str, ...] = (
    "hypercalls",  # every hypercall entry (a multicall counts once)
    "multicalls",  # multicall hypercalls
    "tlb_flushes",  # TLB flush operations (one per flushed domain per flush point)
    "tlb_flush_vcpus",  # sum of target vCPUs (every vCPU of the flushed domain, see docs/xen.md)
    "tlb_flush_ipis",  # target vCPUs that need an IPI: all but the caller's own for its own domain
    "bytes_copied",  # bytes moved by GNTTABOP_copy
    "copy_ops",  # GNTTABOP_copy elements that moved bytes (len > 0, status okay)
    "copy_buf_reuses",  # copy elements that kept the previous element's source/dest acquisition
    "p2m_updates",
    "m2p_updates",
    "pte_updates",  # grant PTEs installed/removed/moved in a mapper's address space
    "frames_scrubbed",  # frames overwritten by Xen (poison on free, explicit scrub)
    "evtchn_sends",  # incremented by blkswap.xen.evtchn
    "frames_allocated",
    "frames_freed",
)

#: Grant-table op names (keys of ``grant_ops`` / ``grant_op_calls``), GNTTABOP order.
GRANT_OPS: tuple[str, ...] = (
    "map",
    "unmap",
    "setup_table",
    "dump_table",
    "transfer",
    "copy",
    "query_size",
    "unmap_and_replace",
    "set_version",
    "get_status_frames",
    "get_version",
    "swap_grant_ref",
    "cache_flush",
    "swap",
)

#: scalar name → index in :attr:`Counters.v`
INDEX: dict[str, int] = {name: i for i, name in enumerate(SCALARS)}
#: index of ``grant_ops[GRANT_OPS[0]]``; ``grant_op_calls`` follow the elements
OPS_AT = len(SCALARS)
CALLS_AT = OPS_AT + len(GRANT_OPS)
#: grant op name → index of its element count (its call count is ``+ len(GRANT_OPS)``)
OP_INDEX: dict[str, int] = {op: OPS_AT + i for i, op in enumerate(GRANT_OPS)}
SIZE = CALLS_AT + len(GRANT_OPS)
_POS: dict[str, int] = {op: i for i, op in enumerate(GRANT_OPS)}

# indices the hot paths use by name
HYPERCALLS = INDEX["hypercalls"]
MULTICALLS = INDEX["multicalls"]
TLB_FLUSHES = INDEX["tlb_flushes"]
TLB_FLUSH_VCPUS = INDEX["tlb_flush_vcpus"]
TLB_FLUSH_IPIS = INDEX["tlb_flush_ipis"]
BYTES_COPIED = INDEX["bytes_copied"]
P2M_UPDATES = INDEX["p2m_updates"]
M2P_UPDATES = INDEX["m2p_updates"]
PTE_UPDATES = INDEX["pte_updates"]
FRAMES_SCRUBBED = INDEX["frames_scrubbed"]
EVTCHN_SENDS = INDEX["evtchn_sends"]
FRAMES_FREED = INDEX["frames_freed"]


class OpCounts(MutableMapping[str, int]):
    """``grant_ops`` or ``grant_op_calls`` of a :class:`Counters`: a dict-like view (keys in
    :data:`GRANT_OPS` order) onto its flat list; ``c.grant_ops["map"] += 11`` writes through."""

    __slots__ = ("_v", "_at")

    def __init__(self, values: list[int], at: int) -> None:
        self._v = values
        self._at = at

    def __getitem__(self, op: str) -> int:
        return self._v[self._at + _POS[op]]

    def __setitem__(self, op: str, value: int) -> None:
        self._v[self._at + _POS[op]] = value

    def __delitem__(self, op: str) -> None:
        raise TypeError("grant op counters cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(GRANT_OPS)

    def __len__(self) -> int:
        return len(GRANT_OPS)

    def items(self) -> Any:  # a list of pairs in GRANT_OPS order (cheaper than an ItemsView)
        return list(zip(GRANT_OPS, self._v[self._at : self._at + len(GRANT_OPS)], strict=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MutableMapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _scalar(i: int) -> property:
    def get(self: Counters) -> int:
        return self.v[i]

    def put(self: Counters, value: int) -> None:
        self.v[i] = value

    return property(get, put)


class Counters:
    """Counters: the ints in :data:`SCALARS` plus two mappings keyed by :data:`GRANT_OPS`.

    ``grant_ops[name]`` counts *elements* (a map hypercall with count=11 adds 11);
    ``grant_op_calls[name]`` counts hypercalls (or multicall sub-calls) of that op.
    ``snapshot()`` copies; ``a - b`` is the delta; ``as_dict()`` is JSON-ready. ``mark()`` /
    ``since(mark)`` / ``add(delta_values)`` are the cheap forms on the flat list ``v``.
    """

    __slots__ = ("v",)

    # the scalars, as properties onto ``v`` (installed below the class)
    hypercalls: int
    multicalls: int
    tlb_flushes: int
    tlb_flush_vcpus: int
    tlb_flush_ipis: int
    bytes_copied: int
    copy_ops: int
    copy_buf_reuses: int
    p2m_updates: int
    m2p_updates: int
    pte_updates: int
    frames_scrubbed: int
    evtchn_sends: int
    frames_allocated: int
    frames_freed: int

    def __init__(self, values: list[int] | None = None) -> None:
        self.v: list[int] = [0] * SIZE if values is None else values

    @property
    def grant_ops(self) -> OpCounts:
        return OpCounts(self.v, OPS_AT)

    @property
    def grant_op_calls(self) -> OpCounts:
        return OpCounts(self.v, CALLS_AT)

    def mark(self) -> list[int]:
        """The current values (a copy of the flat list), for :meth:`since`."""
        return self.v.copy()

    def since(self, mark: list[int]) -> list[int]:
        """What was counted since ``mark`` (a flat list of deltas)."""
        return list(map(_sub, self.v, mark))

    def add(self, delta: list[int]) -> None:
        """Add a flat list of deltas (from :meth:`since`) into these counters."""
        self.v[:] = map(_add, self.v, delta)  # in place: holders of ``v`` keep seeing them

    def add_since(self, source: Counters, mark: list[int]) -> None:
        """``self.add(source.since(mark))`` without the list of deltas in between."""
        self.v[:] = map(_add, self.v, map(_sub, source.v, mark))  # two C maps, no list between

    def snapshot(self) -> Counters:
        """An independent copy of the current values."""
        return Counters(self.v.copy())

    def __sub__(self, other: Counters) -> Counters:
        if not isinstance(other, Counters):
            return NotImplemented
        return Counters(self.since(other.v))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Counters) and self.v == other.v

    __hash__ = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict: every scalar plus ``grant_ops`` and ``grant_op_calls`` (copied)."""
        v = self.v
        d: dict[str, Any] = dict(zip(SCALARS, v, strict=False))
        d["grant_ops"] = dict(zip(GRANT_OPS, v[OPS_AT:CALLS_AT], strict=True))
        d["grant_op_calls"] = dict(zip(GRANT_OPS, v[CALLS_AT:], strict=True))
        return d

    def __repr__(self) -> str:
        nz = {k: v for k, v in self.as_dict().items() if v and not isinstance(v, dict)}
        ops = {k: v for k, v in self.grant_ops.items() if v}
        return f"Counters({nz}, grant_ops={ops})"


for _i, _name in enumerate(SCALARS):
    setattr(Counters, _name, _scalar(_i))
