"""blkswap.sim — a small deterministic discrete-event kernel (heapq; processes are generators).

It knows nothing about Xen. Its API is a subset of SimPy 4.1, close enough that
``import blkswap.sim as simpy`` runs SimPy models unchanged (see docs/sim.md for the subset and
the ordering guarantee). Modules: ``core`` (Environment and scheduling), ``events`` (Event,
Timeout, Process, Interrupt), ``conditions`` (Condition, AllOf, AnyOf, ConditionValue),
``resources`` (Resource, Store).
"""

from blkswap.sim.conditions import AllOf, AnyOf, Condition, ConditionValue
from blkswap.sim.core import EmptySchedule, Environment, Infinity, StopSimulation
from blkswap.sim.events import NORMAL, PENDING, URGENT, Event, Interrupt, Process, Timeout
from blkswap.sim.resources import Release, Request, Resource, Store, StoreGet, StorePut

__all__ = [
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
