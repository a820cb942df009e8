"""The timing layer: runs the functional front/back code on simulated vCPUs and devices.

The functional code (``front``, ``back``, ``xen``) is synchronous and knows nothing about time.
This package gives it time (docs/design.md §7; ``docs/costs.md`` is the long form):

* :class:`Meter` — while one piece of functional code runs on a vCPU, the meter prices what it
  did: the hypervisor counters of the running domain (delta since the activity began, priced by
  the cost profile) plus explicit charges (memcpy, per-request work). ``elapsed()`` at any moment
  is how far into its time slice the code has got — outbound effects (event-channel upcalls,
  storage submissions) are scheduled at ``now + elapsed()``, so they happen in the right order.
  A remote TLB flush the code caused waits for Xen's host-wide flush lock (:class:`FlushLock`)
  and costs every other vCPU of the domain its IPI handler time.
* :class:`Cpus` — a domain's vCPUs as a Resource; busy time is accounted per cause. IPI time
  other vCPUs inflicted is paid by the activity that was running when it arrived, at the end of
  its slice (the vCPU stays held), so flush IPIs slow down *other* work, not just the flusher.
* :class:`Worker` — a wakeable activity (a backend loop, a frontend interrupt handler) that runs on
  one vCPU when woken and holds it for the priced time. It is event driven (no busy polling): a
  wake while it runs makes it go round once more on the same vCPU; each activation is one
  interrupt/upcall (``irq``).
* :class:`DeviceQueue` — a storage device as a queue of ``service_slots`` slots; each I/O holds a
  slot for the device model's latency, then the data channel for its transfer time; the bytes move
  (preadv/pwritev through the real image) at completion.

No Xen import beyond :mod:`blkswap.xen.counters`; the domain objects passed in only need their
cumulative ``counters`` (a :class:`~blkswap.xen.counters.Counters`, which the hypervisor keeps per
calling domain): a meter marks them when its activity begins and prices what was counted since.
"""

from __future__ import annotations

from blkswap.timing.devices import DeviceQueue
from blkswap.timing.locks import FlushLock
from blkswap.timing.meter import Clock, Meter
from blkswap.timing.pricing import hypervisor_ns_by_cause, hypervisor_ns_since
from blkswap.timing.vcpus import Cpus, Worker

__all__ = [
    "Clock",
    "Cpus",
    "DeviceQueue",
    "FlushLock",
    "Meter",
    "Worker",
    "hypervisor_ns_by_cause",
    "hypervisor_ns_since",
]
