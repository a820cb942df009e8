"""Cost profiles: what each action the emulator counts costs on the modelled host, in ns.

A :class:`CostProfile` turns a delta of the hypervisor's counters (``blkswap.xen`` records what
each hypercall did; it never measures time) plus explicit CPU charges (memcpy, per-request work)
into nanoseconds, split by cause so reports can show where CPU time goes. Profiles are TOML files
(``sim/profiles/*.toml``, every figure commented with its basis; ``docs/costs.md`` explains each)
selected by name or path (``--costs``). This module knows nothing about Xen beyond the counter
names; it prices, it does not schedule (``blkswap.timing`` decides *when* and *on which vCPU*).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

PROFILES = ("x86-2010", "x86-modern")
DEFAULT_PROFILE = "x86-modern"
TABLES = ("hypervisor", "cpu")  #: the TOML tables a profile may have (figures are flat inside)

#: grant op name (xen.counters.grant_ops keys) → profile field charged per element
GRANT_OP_COST = {
    "map": "grant_map_ns",
    "unmap": "grant_unmap_ns",
    "unmap_and_replace": "grant_unmap_ns",
    "copy": "grant_copy_op_ns",
    "transfer": "grant_transfer_ns",
    "swap": "grant_swap_ns",
}

#: explicit charge cause → how it converts to ns (bytes at a bandwidth, or count × a fixed cost)
CHARGE_BYTES = {"memcpy": "memcpy_Bps", "scrub": "scrub_Bps"}
CHARGE_COUNT = {
    "request": "backend_request_ns",
    "front_request": "front_request_ns",
    "front_completion": "front_completion_ns",
    "irq": "irq_ns",
    "guest_io": "guest_io_ns",
}


class CostProfileError(ValueError):
    """A cost profile file is missing, malformed, or has an unknown/missing/invalid figure."""


@dataclass(frozen=True, slots=True)
class CostProfile:
    """Every figure of one modelled host; ``docs/costs.md`` says what each stands for."""

    name: str
    hypercall_ns: float  #: ring transition into Xen and back, per hypercall (a multicall once)
    multicall_entry_ns: float  #: extra dispatch work of one multicall hypercall
    grant_map_ns: float  #: per GNTTABOP_map_grant_ref element
    grant_unmap_ns: float  #: per unmap element (flush excluded)
    grant_copy_op_ns: float  #: per GNTTABOP_copy element (bytes priced at memcpy_Bps)
    grant_transfer_ns: float  #: per GNTTABOP_transfer element
    grant_swap_ns: float  #: per lab GNTTABOP_swap element
    grant_other_ns: float  #: per element of any other grant op
    pte_update_ns: float  #: one PTE installed/removed/moved
    p2m_update_ns: float  #: one P2M or M2P entry
    tlb_flush_local_ns: float  #: the initiator's own flush (every flush)
    tlb_flush_ns: float  #: remote shootdown round trip to the first target (under flush lock)
    tlb_ipi_per_vcpu_ns: float  #: each further remote target (under the flush lock)
    tlb_ipi_handler_ns: float  #: time each remote target vCPU loses to one flush IPI
    evtchn_send_ns: float  #: EVTCHNOP_send work beyond the hypercall
    scrub_Bps: float  #: clear_page bandwidth
    memcpy_Bps: float  #: one core's memcpy bandwidth
    irq_ns: float  #: one upcall/interrupt activation of a handler or backend loop
    backend_request_ns: float  #: backend per-request work
    front_request_ns: float  #: blkfront per-request submission work
    front_completion_ns: float  #: blkfront per-request completion work
    # host model only ([host] pcpus); optional in a profile file, 0 when absent
    #: per map/unmap element held under the mapping domain's grant-table lock (2012 era: one
    #: spinlock per domain); 0 = per-active-entry locks and per-CPU rwlock (Xen ≥ 4.6/4.7)
    gnttab_lock_hold_ns: float = 0.0
    #: a contended spinlock's cache line moving to one more waiter at each hand-over
    lock_bounce_ns: float = 0.0
    #: Xen switching a pCPU to another domain's vCPU (state save/restore, CR3, TLB refill)
    vcpu_switch_ns: float = 0.0
    # optional in a profile file (0 when absent: the behaviour before they existed)
    #: logical CPUs one IPI send reaches (x2APIC cluster mode: 16, one ICR write per cluster);
    #: 0 or 1 = one send per target (xAPIC / x2APIC physical mode)
    tlb_ipi_cluster: float = 0.0
    #: the guest's own work outside blkfront, charged on each side of an I/O: at submission
    #: fio's io_submit system call (a 64-bit PV guest's syscalls bounce through Xen) and the
    #: block layer's submission; at completion the block layer's completion and aio_complete
    guest_io_ns: float = 0.0

    def with_overrides(self, **kw: float) -> CostProfile:
        """A copy with some figures replaced (validated like a profile file)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for k, v in kw.items():
            if k not in data or k == "name":
                raise CostProfileError(f"unknown cost figure {k!r}; known: {', '.join(FIGURES)}")
            data[k] = _figure(k, v, "override")
        return CostProfile(**data)

    # -- conversions ---------------------------------------------------------------------------
    def charge_ns(self, cause: str, amount: int) -> float:
        """Price an explicit charge: bytes at a bandwidth or a count at a fixed cost."""
        if cause in CHARGE_BYTES:
            return amount * 1e9 / getattr(self, CHARGE_BYTES[cause])
        if cause in CHARGE_COUNT:
            return amount * getattr(self, CHARGE_COUNT[cause])
        raise CostProfileError(
            f"no cost for charge cause {cause!r}; known: "
            f"{', '.join(sorted(CHARGE_BYTES) + sorted(CHARGE_COUNT))}"
        )

    @staticmethod
    def remote_flush_targets(flushes: float, ipis: float) -> tuple[float, float]:
        """``(flushes_with_remote_targets, remote_target_vcpus)`` for counted flushes.

        ``ipis`` is the hypervisor's ``tlb_flush_ipis``: the target vCPUs that need an IPI — all
        of a flushed *other* domain's, all but the initiator's own for its own domain (XG
        flush_area_mask: local flush, then IPIs to the rest of the mask). A flush has remote
        targets at all only if there are some for it."""
        remote = max(0, ipis)
        return min(flushes, remote), remote

    def flush_hold_ns(self, flushes: float, ipis: float) -> float:
        """Time the initiator holds Xen's host-wide flush lock for the flushes in ``delta``: the
        IPI round trip to the first remote target plus each further target (XG smp.c
        flush_area_mask: send_IPI_mask, spin until every target acked)."""
        with_remote, remote = self.remote_flush_targets(flushes, ipis)
        if self.tlb_ipi_cluster > 1 and with_remote:
            # x2APIC cluster mode (XG xen/arch/x86/genapic/x2apic.c send_IPI_mask_x2apic_cluster):
            # one ICR write per cluster of up to 16 logical CPUs; the lab spreads the targets
            # evenly over the flushes and packs them into as few clusters as they fill
            sends = with_remote * math.ceil(remote / with_remote / self.tlb_ipi_cluster)
            return (
                with_remote * self.tlb_flush_ns + (sends - with_remote) * self.tlb_ipi_per_vcpu_ns
            )
        return with_remote * self.tlb_flush_ns + (remote - with_remote) * self.tlb_ipi_per_vcpu_ns

    def hypervisor_ns(self, delta: Any, out: dict[str, float] | None = None) -> float:
        """Cost of a counters delta (what one domain's hypercalls did); with ``out``, the cost is
        also added into it by cause. Called on every metered event, so kept to plain arithmetic.
        ``delta`` needs the scalar counters and ``grant_ops`` (a namespace of floats will do)."""
        if out is not None:
            return self._hypervisor_ns_by_cause(delta, out)
        # Fast path (no breakdown): the same terms as _hypervisor_ns_by_cause, added in the same
        # order, so the float result is bit-identical; a zero term is skipped there and adding
        # 0.0 to a non-negative-zero running total changes nothing, so the guards only save work.
        total = 0.0
        if delta.hypercalls:
            total += delta.hypercalls * self.hypercall_ns
        multicalls = getattr(delta, "multicalls", 0)
        if multicalls:
            total += multicalls * self.multicall_entry_ns
        if delta.bytes_copied:
            total += delta.bytes_copied * 1e9 / self.memcpy_Bps
        if delta.tlb_flushes:
            total += delta.tlb_flushes * self.tlb_flush_local_ns + self.flush_hold_ns(
                delta.tlb_flushes, delta.tlb_flush_ipis
            )
        if delta.p2m_updates or delta.m2p_updates:
            total += (delta.p2m_updates + delta.m2p_updates) * self.p2m_update_ns
        if delta.pte_updates:
            total += delta.pte_updates * self.pte_update_ns
        if delta.evtchn_sends:
            total += delta.evtchn_sends * self.evtchn_send_ns
        if delta.frames_scrubbed:
            total += delta.frames_scrubbed * 4096 * 1e9 / self.scrub_Bps
        for op, n in delta.grant_ops.items():
            if n:
                total += n * getattr(self, GRANT_OP_COST.get(op, "grant_other_ns"))
        return total

    def _hypervisor_ns_by_cause(self, delta: Any, out: dict[str, float]) -> float:
        """:meth:`hypervisor_ns` with the breakdown by cause added into ``out``."""
        parts = [
            ("hypercall", delta.hypercalls * self.hypercall_ns),
            ("multicall", getattr(delta, "multicalls", 0) * self.multicall_entry_ns),
            ("grant_copy", delta.bytes_copied * 1e9 / self.memcpy_Bps),
            (
                "tlb_flush",
                delta.tlb_flushes * self.tlb_flush_local_ns
                + self.flush_hold_ns(delta.tlb_flushes, delta.tlb_flush_ipis),
            ),
            ("p2m", (delta.p2m_updates + delta.m2p_updates) * self.p2m_update_ns),
            ("pte", delta.pte_updates * self.pte_update_ns),
            ("evtchn", delta.evtchn_sends * self.evtchn_send_ns),
            ("scrub", delta.frames_scrubbed * 4096 * 1e9 / self.scrub_Bps),
        ]
        for op, n in delta.grant_ops.items():
            if n:
                parts.append(
                    (f"grant_{op}", n * getattr(self, GRANT_OP_COST.get(op, "grant_other_ns")))
                )
        total = 0.0
        for cause, ns in parts:
            if ns:
                total += ns
                out[cause] = out.get(cause, 0.0) + ns
        return total


#: every figure a profile file must give (all of CostProfile's fields but ``name``)
FIGURES: tuple[str, ...] = tuple(f.name for f in fields(CostProfile) if f.name != "name")
#: figures a profile file may leave out (the host model's; 0 = not modelled)
OPTIONAL = (
    "gnttab_lock_hold_ns",
    "lock_bounce_ns",
    "vcpu_switch_ns",
    "tlb_ipi_cluster",
    "guest_io_ns",
)


def _figure(name: str, value: Any, label: str) -> float:
    """Validate one figure: a finite number ≥ 0; bandwidths (``*_Bps``) > 0."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (name.endswith("_Bps") and value == 0):
        need = "a number > 0" if name.endswith("_Bps") else "a number ≥ 0"
        raise CostProfileError(f"{label}: {name} = {value!r} must be {need}")
    return float(value)


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> CostProfile:
    """A built-in profile by name, or a TOML file with ``[hypervisor]`` and ``[cpu]`` tables."""
    text, label = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CostProfileError(f"{label}: {err}") from None
    stray = [k for k in data if k not in TABLES]
    if stray:
        raise CostProfileError(
            f"{label}: unexpected key/table(s) {', '.join(sorted(stray))}; "
            f"figures live in the tables {', '.join(TABLES)}"
        )
    flat: dict[str, Any] = {}
    for table in TABLES:
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise CostProfileError(f"{label}: {table} must be a table")
        twice = set(flat) & set(section)
        if twice:
            raise CostProfileError(f"{label}: figure(s) given twice: {', '.join(sorted(twice))}")
        flat.update(section)
    unknown = set(flat) - set(FIGURES)
    missing = set(FIGURES) - set(flat) - set(OPTIONAL)
    if unknown:
        raise CostProfileError(f"{label}: unknown cost figure(s): {', '.join(sorted(unknown))}")
    if missing:
        raise CostProfileError(f"{label}: missing cost figure(s): {', '.join(sorted(missing))}")
    values = {k: _figure(k, v, label) for k, v in flat.items()}
    return CostProfile(name=str(Path(label).stem), **values)


def _read(name_or_path: str | Path) -> tuple[str, str]:
    if str(name_or_path) in PROFILES:
        res = resources.files("blkswap.sim") / "profiles" / f"{name_or_path}.toml"
        return res.read_text(), f"{name_or_path}.toml"
    path = Path(name_or_path)
    if not path.is_file():
        raise CostProfileError(
            f"cost profile {str(name_or_path)!r}: not a built-in ({', '.join(PROFILES)}) "
            "and no such file"
        )
    return path.read_text(), str(path)
