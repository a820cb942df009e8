"""Cost profiles: what each action the emulator counts costs on the modelled host, in ns.

A :class:`CostProfile` turns a delta of the hypervisor's counters (``blkswap.xen`` records what
each hypercall did; it never measures time) plus explicit CPU charges (memcpy, per-request work)
into nanoseconds, split by cause so reports can show where CPU time goes. Profiles are TOML files
(``sim/profiles/*.toml``, every figure commented with its basis) selected by name or path
(``--costs``). This module knows nothing about Xen beyond the counter names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

PROFILES = ("x86-2010", "x86-modern")
DEFAULT_PROFILE = "x86-modern"

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
}


class CostProfileError(ValueError):
    """A cost profile file is missing, malformed, or has an unknown/missing figure."""


@dataclass(frozen=True, slots=True)
class CostProfile:
    name: str
    hypercall_ns: float
    multicall_entry_ns: float
    grant_map_ns: float
    grant_unmap_ns: float
    grant_copy_op_ns: float
    grant_transfer_ns: float
    grant_swap_ns: float
    grant_other_ns: float
    pte_update_ns: float
    p2m_update_ns: float
    tlb_flush_ns: float
    tlb_ipi_per_vcpu_ns: float
    tlb_ipi_handler_ns: float
    evtchn_send_ns: float
    scrub_Bps: float
    memcpy_Bps: float
    irq_ns: float
    backend_request_ns: float
    front_request_ns: float
    front_completion_ns: float

    def with_overrides(self, **kw: float) -> CostProfile:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for k, v in kw.items():
            if k not in data:
                raise CostProfileError(f"unknown cost figure {k!r}")
            data[k] = float(v)
        return CostProfile(**data)

    # -- conversions ---------------------------------------------------------------------------
    def charge_ns(self, cause: str, amount: int) -> float:
        if cause in CHARGE_BYTES:
            return amount * 1e9 / getattr(self, CHARGE_BYTES[cause])
        if cause in CHARGE_COUNT:
            return amount * getattr(self, CHARGE_COUNT[cause])
        raise CostProfileError(f"no cost for charge cause {cause!r}")

    def hypervisor_ns(self, delta: Any, out: dict[str, float] | None = None) -> float:
        """Cost of a counters delta (what one domain's hypercalls did); with ``out``, the cost is
        also added into it by cause. Called on every metered event, so kept to plain arithmetic."""
        parts = [
            ("hypercall", delta.hypercalls * self.hypercall_ns),
            ("grant_copy", delta.bytes_copied * 1e9 / self.memcpy_Bps),
            (
                "tlb_flush",
                delta.tlb_flushes * self.tlb_flush_ns
                + max(0, delta.tlb_flush_vcpus - delta.tlb_flushes) * self.tlb_ipi_per_vcpu_ns,
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
                if out is not None:
                    out[cause] = out.get(cause, 0.0) + ns
        return total


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> CostProfile:
    """A built-in profile by name, or a TOML file with the same two tables."""
    text, label = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CostProfileError(f"{label}: {err}") from None
    flat: dict[str, Any] = {}
    for table in ("hypervisor", "cpu"):
        flat.update(data.get(table, {}))
    names = {f.name for f in fields(CostProfile)} - {"name"}
    unknown = set(flat) - names
    missing = names - set(flat)
    if unknown:
        raise CostProfileError(f"{label}: unknown cost figure(s): {', '.join(sorted(unknown))}")
    if missing:
        raise CostProfileError(f"{label}: missing cost figure(s): {', '.join(sorted(missing))}")
    for k, v in flat.items():
        if not isinstance(v, int | float) or v < 0 or (k.endswith("_Bps") and v == 0):
            raise CostProfileError(
                f"{label}: {k} = {v!r} must be a non-negative number (bandwidths > 0)"
            )
    return CostProfile(name=str(Path(label).stem), **{k: float(v) for k, v in flat.items()})


def _read(name_or_path: str | Path) -> tuple[str, str]:
    if str(name_or_path) in PROFILES:
        res = resources.files("blkswap.sim") / "profiles" / f"{name_or_path}.toml"
        return res.read_text(), f"{name_or_path}.toml"
    path = Path(name_or_path)
    if not path.is_file():
        raise CostProfileError(
            f"cost profile {str(name_or_path)!r}: not a built-in ({', '.join(PROFILES)}) and no such file"
        )
    return path.read_text(), str(path)
