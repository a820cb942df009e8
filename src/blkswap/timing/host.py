"""The physical host under the vCPUs: how many pCPUs, their topology and Xen's scheduler.

``HostSpec()`` (no ``pcpus``) is the lab without a host: every vCPU runs whenever it has work, as
if it had a pCPU of its own — the behaviour before the host model existed, kept bit for bit. With
``pcpus`` set, activities need a pCPU to take time (:mod:`blkswap.timing.scheduler`), waiting for
one is *steal* time, and spinlocks burn the pCPUs of their waiters (:mod:`blkswap.timing.locks`).
Scenario TOML ``[host]`` and the flags ``--pcpus`` … use the same names (docs/costs.md "Host").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

#: credit: Xen's credit scheduler (sched_credit.c); credit2: its successor (lab: credit order,
#: no BOOST); null: one vCPU per pCPU for good (sched_null.c)
SCHEDULERS = ("credit", "credit2", "null")
#: Xen's default domain weight (sched_credit.c CSCHED_DEFAULT_WEIGHT)
DEFAULT_WEIGHT = 256


class HostSpecError(ValueError):
    """A host setting is invalid; the message starts with the key."""


@dataclass(frozen=True)
class HostSpec:
    pcpus: int = 0  #: physical CPUs (threads); 0 = one per vCPU (no host model)
    sockets: int = 1  #: sockets (pcpus must divide evenly); cross-socket lock lines bounce further
    smt: int = 1  #: hardware threads per core (1 or 2)
    dom0_pin: int = 0  #: dom0 vCPUs run only on the first N pCPUs (Xen dom0_vcpus_pin); 0 = float
    sched: str = "credit"  #: credit | credit2 | null
    dom0_weight: int = DEFAULT_WEIGHT  #: credit weight of dom0 (Xen default 256)
    guest_weight: int = DEFAULT_WEIGHT  #: credit weight of each guest

    @property
    def enabled(self) -> bool:
        return self.pcpus > 0

    def check(self, dom0_vcpus: int, total_vcpus: int) -> HostSpec:
        """Raise :class:`HostSpecError` naming the key of the first bad setting."""
        if self.pcpus < 0:
            raise HostSpecError(f"pcpus: must be ≥ 1, got {self.pcpus}")
        for key in ("sockets", "smt"):
            if getattr(self, key) < 1:
                raise HostSpecError(f"{key}: must be ≥ 1, got {getattr(self, key)}")
        for key in ("dom0_weight", "guest_weight"):
            if getattr(self, key) < 1:
                raise HostSpecError(
                    f"{key}: must be ≥ 1 (a credit weight), got {getattr(self, key)}"
                )
        if self.sched not in SCHEDULERS:
            raise HostSpecError(f"sched: {self.sched!r} is not one of {', '.join(SCHEDULERS)}")
        if self.dom0_pin < 0:
            raise HostSpecError(f"dom0_pin: must be ≥ 0, got {self.dom0_pin}")
        if not self.enabled:
            return self
        if self.pcpus % (self.sockets * self.smt):
            raise HostSpecError(
                f"pcpus: {self.pcpus} is not sockets × cores × smt ({self.sockets} × ? × {self.smt})"
            )
        if self.dom0_pin > self.pcpus or dom0_vcpus > self.dom0_pin > 0:
            raise HostSpecError(
                f"dom0_pin: {self.dom0_pin} pCPUs for {dom0_vcpus} pinned dom0 vCPUs on a "
                f"{self.pcpus}-pCPU host (need dom0_vcpus ≤ dom0_pin ≤ pcpus)"
            )
        if self.sched == "null" and total_vcpus > self.pcpus:
            raise HostSpecError(
                f"sched: null gives each vCPU a pCPU for good; {total_vcpus} vCPUs need "
                f"pcpus ≥ {total_vcpus}, got {self.pcpus}"
            )
        return self


#: the keys of a scenario's ``[host]`` table (LabConfig fields of the same names)
HOST_KEYS: tuple[str, ...] = tuple(f.name for f in fields(HostSpec))


def host_table(where: str, table: Any) -> dict[str, Any]:
    """Check a scenario's ``[host]`` table: known keys, integers (``sched`` a string)."""
    if not isinstance(table, dict):
        raise HostSpecError(f"{where}: host must be a table ([host])")
    unknown = set(table) - set(HOST_KEYS)
    if unknown:
        raise HostSpecError(
            f"{where}: host.{sorted(unknown)[0]}: unknown key; known: {', '.join(HOST_KEYS)}"
        )
    for key, value in table.items():
        want_str = key == "sched"
        ok = isinstance(value, str) if want_str else type(value) is int
        if not ok:
            raise HostSpecError(
                f"{where}: host.{key} = {value!r} must be {'a string' if want_str else 'an integer'}"
            )
        if key == "pcpus" and value < 1:
            raise HostSpecError(f"{where}: host.pcpus: must be ≥ 1, got {value}")
    return dict(table)
