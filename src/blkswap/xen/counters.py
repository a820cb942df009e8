"""Cumulative cost counters of the emulated hypervisor (hypercalls, grant ops, flushes, bytes).

One :class:`Counters` lives on the :class:`~blkswap.xen.Xen` object (host-wide) and one on each
:class:`~blkswap.xen.domain.Domain` (the same events attributed to the *calling* domain, so the
timing layer can charge that domain's vCPUs). No timing lives here: these are event counts only.
"""

from __future__ import annotations

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


class Counters:
    """Counters: the ints in :data:`SCALARS` plus two dicts keyed by :data:`GRANT_OPS`.

    ``grant_ops[name]`` counts *elements* (a map hypercall with count=11 adds 11);
    ``grant_op_calls[name]`` counts hypercalls (or multicall sub-calls) of that op.
    ``snapshot()`` copies; ``a - b`` is the delta; ``as_dict()`` is JSON-ready.
    """

    __slots__ = SCALARS + ("grant_ops", "grant_op_calls")

    def __init__(self) -> None:
        # One plain store per scalar (a loop of setattr calls cost ~17 calls per request: the
        # timing layer builds one Counters per metered work slice). A test keeps this list
        # equal to SCALARS.
        self.hypercalls = self.multicalls = self.tlb_flushes = self.tlb_flush_vcpus = 0
        self.tlb_flush_ipis = self.bytes_copied = self.copy_ops = self.copy_buf_reuses = 0
        self.p2m_updates = self.m2p_updates = self.pte_updates = self.frames_scrubbed = 0
        self.evtchn_sends = self.frames_allocated = self.frames_freed = 0
        self.grant_ops: dict[str, int] = dict.fromkeys(GRANT_OPS, 0)
        self.grant_op_calls: dict[str, int] = dict.fromkeys(GRANT_OPS, 0)

    def snapshot(self) -> Counters:
        """An independent copy of the current values."""
        c = Counters()
        for name in SCALARS:
            setattr(c, name, getattr(self, name))
        c.grant_ops = dict(self.grant_ops)
        c.grant_op_calls = dict(self.grant_op_calls)
        return c

    def __sub__(self, other: Counters) -> Counters:
        if not isinstance(other, Counters):
            return NotImplemented
        c = Counters()
        for name in SCALARS:
            setattr(c, name, getattr(self, name) - getattr(other, name))
        c.grant_ops = {k: v - other.grant_ops.get(k, 0) for k, v in self.grant_ops.items()}
        c.grant_op_calls = {
            k: v - other.grant_op_calls.get(k, 0) for k, v in self.grant_op_calls.items()
        }
        return c

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Counters) and self.as_dict() == other.as_dict()

    def as_dict(self) -> dict[str, Any]:
        """Plain dict: every scalar plus ``grant_ops`` and ``grant_op_calls`` (copied)."""
        d: dict[str, Any] = {name: getattr(self, name) for name in SCALARS}
        d["grant_ops"] = dict(self.grant_ops)
        d["grant_op_calls"] = dict(self.grant_op_calls)
        return d

    def __repr__(self) -> str:
        nz = {k: v for k, v in self.as_dict().items() if v and not isinstance(v, dict)}
        ops = {k: v for k, v in self.grant_ops.items() if v}
        return f"Counters({nz}, grant_ops={ops})"
