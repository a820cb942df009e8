"""Mapping a frontend's shared ring and binding its event channel (LB xenbus.c xen_blkif_map).

The values come from :func:`blkswap.back.negotiate.negotiate`, already parsed; what can still
fail is the hypervisor's answer — a ring-ref nobody granted us (a GNTST status), an event channel
that is unbound, someone else's, or out of range (an event-channel errno), a producer index that
is already impossible. Each failure releases what this ring had taken and raises
:class:`~blkswap.back.negotiate.NegotiationError` naming the key, as Linux's ``xenbus_dev_fatal``
"mapping ring-ref … failed" / "binding … failed".
"""

from __future__ import annotations

from dataclasses import dataclass

from blkswap.abi import Abi
from blkswap.abi.ring import BackRing, SharedRing
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import Mapping, map_grants, unmap_grants
from blkswap.back.negotiate import NegotiationError, QueueKeys
from blkswap.xen.port import DomainPort, EventChannelError


@dataclass(slots=True)
class MappedRing:
    """A ring page set mapped into the backend and its bound local port."""

    sring: BackRing
    maps: list[Mapping]
    evtchn: int


def map_ring(
    port: DomainPort, va: VaSpace, frontend: int, keys: QueueKeys, codec: Abi
) -> MappedRing:
    """Map ``keys.ring_refs`` and bind ``keys.event_channel`` (or release and raise)."""
    vas = va.take(len(keys.ring_refs))
    maps = map_grants(port, frontend, keys.ring_refs, vas, readonly=False)
    bad = next((m for m in maps if m.status != 0), None)
    if bad is not None:
        _release(port, va, maps)
        i = keys.ring_refs.index(bad.ref)
        name = "ring-ref" if len(keys.ring_refs) == 1 else f"ring-ref{i}"
        raise NegotiationError(keys.dir + name, str(bad.ref), f"mapping failed: GNTST {bad.status}")
    sring = BackRing(SharedRing([port.page_view(m.va) for m in maps], codec.ring_entry_size))
    if sring.request_prod_overflow():
        sring.sring.release()  # the views go before the mapping (a real munmap needs that)
        _release(port, va, maps)
        raise NegotiationError(
            keys.dir + "ring-ref", str(keys.ring_refs[0]), "req_prod - rsp_prod exceeds the ring"
        )
    try:
        local = port.evtchn_bind_interdomain(frontend, keys.event_channel)
    except EventChannelError as err:
        sring.sring.release()
        _release(port, va, maps)
        raise NegotiationError(
            keys.dir + "event-channel", str(keys.event_channel), f"binding failed: {err}"
        ) from None
    return MappedRing(sring, maps, local)


def unmap_ring(port: DomainPort, va: VaSpace, maps: list[Mapping], evtchn: int) -> None:
    """Undo :func:`map_ring` (LB xen_blkif_disconnect: unbind, then unmap the ring)."""
    port.evtchn_close(evtchn)
    _release(port, va, maps)


def _release(port: DomainPort, va: VaSpace, maps: list[Mapping]) -> None:
    unmap_grants(port, maps)
    va.give([m.va for m in maps])
