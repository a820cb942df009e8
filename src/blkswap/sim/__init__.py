"""blkswap.sim — a small deterministic discrete-event kernel (heapq; processes are generators).

It knows nothing about Xen. Its API is a subset of SimPy 4.1, close enough that
``import blkswap.sim as simpy`` runs SimPy models unchanged (see docs/sim.md for the subset and
the ordering guarantee). Modules: ``core`` (Environment and scheduling), ``events`` (Event,
Timeout, Process, Interrupt), ``conditions`` (Condition, AllOf, AnyOf, ConditionValue),
``resources`` (Resource, Store).

The kernel runs compiled (Cython) when the install built it, else as plain Python: the same
source, the same results (docs/sim.md, "Two builds, one source"). ``COMPILED`` says which.
"""

from blkswap.sim._select import select

COMPILED: bool = select()
"""True if the kernel modules were loaded from the compiled build."""

# The build is chosen before the kernel modules are imported.
from blkswap.sim.conditions import AllOf, AnyOf, Condition, ConditionValue  # noqa: E402
from blkswap.sim.core import EmptySchedule, Environment, Infinity, StopSimulation  # noqa: E402
from blkswap.sim.events import NORMAL, PENDING, URGENT, Event, Interrupt, Process, Timeout  # noqa: E402
from blkswap.sim.resources import Release, Request, Resource, Store, StoreGet, StorePut  # noqa: E402

__all__ = [
    "COMPILED",
    "NORMAL",
    "PENDING",
    "URGENT",
    "AllOf",
    "AnyOf",
    "Condition",
    "ConditionValue",
    "EmptySchedule",
    "Environment",
    "Event",
    "Infinity",
    "Interrupt",
    "Process",
    "Release",
    "Request",
    "Resource",
    "StopSimulation",
    "Store",
    "StoreGet",
    "StorePut",
    "Timeout",
]
