"""Event channels of the emulated hypervisor: ports, interdomain binding, pending/mask, upcalls.

Lives here: :class:`EventChannels` (one per :class:`blkswap.xen.Xen`, created as
``self.evtchn = EventChannels(self)``) and :class:`EvtchnError`.

Modelled on Xen's 2-level event channels (XG ``xen/common/event_channel.c``; op numbers in
xen-abi.md §1.5: EVTCHNOP_bind_interdomain 0, close 3, send 4, alloc_unbound 6, unmask 9; use in
blkif, §2.2 last bullet). Each port of a domain is in one of these states:

* ``free`` — never allocated or closed; reported by :meth:`EventChannels.status` as ``"closed"``
  (Xen's EVTCHNSTAT_closed). The lowest free port is reused by the next allocation, as Xen's
  ``get_free_port`` does. Port 0 is reserved (ECS_RESERVED) so ports start at 1.
* ``unbound`` — allocated by ``alloc_unbound``, waiting for ``remote_domid`` to bind; also the
  state a port falls back to when its interdomain peer closes (Xen sets the survivor to
  ECS_UNBOUND with remote_domid = the closer, so the closer may bind again).
* ``interdomain`` — connected to (remote_domid, remote_port).

Delivery: ``send`` sets the peer port's pending bit. Only a 0→1 transition of an unmasked port
schedules an upcall through ``xen.deliver`` (never synchronously); later sends before the upcall
runs coalesce into it, exactly like the shared-info pending bit. The upcall clears the bit and calls
the handler the domain's kernel bound with :meth:`bind_handler`. A masked port keeps its pending bit
and gets its upcall scheduled on :meth:`unmask` (Xen ``evtchn_unmask``).

Simplifications (declared): no vCPU binding, no IPI/VIRQ/PIRQ channels, no FIFO ABI (reliability
C13 is therefore out of scope); mask/unmask and handler binding are guest-kernel work and do not
count as hypercalls (Linux unmasks in shared memory; the EVTCHNOP_unmask hypercall path is not
modelled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blkswap.xen.port import EventChannelError

__all__ = ["DOMID_SELF", "EvtchnError", "EventChannels", "MAX_PORTS_2L"]

DOMID_SELF = 0x7FF0
"""xen.h DOMID_SELF: accepted as ``remote_domid`` of alloc_unbound / bind_interdomain."""

MAX_PORTS_2L = 4096
"""Ports per 64-bit domain with the 2-level ABI (EVTCHN_2L_NR_CHANNELS = 64 × 64)."""

_ERRNO_TEXT = {
    "EINVAL": "invalid argument",
    "ESRCH": "no such domain",
    "EBADF": "bad port",
    "ENOSPC": "no free port",
    "EPERM": "operation not permitted",
}


class EvtchnError(EventChannelError):
    """An event-channel operation failed the way Xen fails it (``-errno``).

    ``errno_name`` is the Linux/Xen errno name (``"EINVAL"``, ``"ESRCH"``, ``"ENOSPC"`` …);
    the message names the domain and port involved.
    """

    def __init__(self, errno_name: str, message: str) -> None:
        super().__init__(errno_name, message)
        text = _ERRNO_TEXT.get(errno_name, errno_name)
        self.args = (f"{errno_name} ({text}): {message}",)


@dataclass
class _Port:
    """One allocated port. ``remote_port`` is 0 while unbound."""

    state: str  # "unbound" | "interdomain"
    remote_domid: int
    remote_port: int = 0
    pending: bool = False
    masked: bool = False
    handler: Callable[[int], None] | None = None


class EventChannels:
    """All event channels of one emulated host, keyed by (domid, port).

    Uses from ``xen`` only ``xen.counters`` (``hypercalls``, ``evtchn_sends``), ``xen.domains``
    (existence checks) and ``xen.deliver(fn)`` (FIFO, deferred). Statistics kept here:
    ``upcalls`` (handler invocations), ``coalesced`` (sends absorbed by an already pending port),
    ``dropped_sends`` (sends on an unbound port — silently ignored, as Xen).
    """

    def __init__(self, xen: Any, *, max_ports: int = MAX_PORTS_2L) -> None:
        self.xen = xen
        self.max_ports = max_ports
        self._ports: dict[int, dict[int, _Port]] = {}
        self.upcalls = 0
        self.coalesced = 0
        self.dropped_sends = 0

    # -- helpers --------------------------------------------------------------------------
    def _hypercall(self, domid: int) -> None:
        """Count one event-channel hypercall, host-wide and for the calling domain (the timing
        layer charges the caller's vCPU)."""
        self.xen.counters.hypercalls += 1
        dom = self.xen.domains.get(domid)
        c = getattr(dom, "counters", None)  # a test stand-in's domains may have none
        if c is not None:
            c.hypercalls += 1

    def _check_domain(self, domid: int, what: str) -> int:
        if domid not in self.xen.domains:
            raise EvtchnError("ESRCH", f"{what} domain {domid} does not exist")
        return domid

    def _resolve_remote(self, domid: int, remote_domid: int) -> int:
        remote = domid if remote_domid == DOMID_SELF else remote_domid
        return self._check_domain(remote, "remote")

    def _port(self, domid: int, port: int) -> _Port:
        p = self._ports.get(domid, {}).get(port)
        if p is None:
            raise EvtchnError("EINVAL", f"domain {domid} port {port} is not allocated")
        return p

    def _free_port(self, domid: int) -> int:
        table = self._ports.setdefault(domid, {})
        for port in range(1, self.max_ports):  # XG get_free_port: lowest free, 0 reserved
            if port not in table:
                return port
        raise EvtchnError("ENOSPC", f"domain {domid} has no free port (max {self.max_ports})")

    # -- EVTCHNOP_* ------------------------------------------------------------------------
    def alloc_unbound(self, domid: int, remote_domid: int) -> int:
        """EVTCHNOP_alloc_unbound: a new port of ``domid`` that ``remote_domid`` may bind."""
        self._hypercall(domid)
        self._check_domain(domid, "local")
        remote = self._resolve_remote(domid, remote_domid)
        port = self._free_port(domid)
        self._ports[domid][port] = _Port("unbound", remote)
        return port

    def bind_interdomain(self, domid: int, remote_domid: int, remote_port: int) -> int:
        """EVTCHNOP_bind_interdomain: connect a new local port to an unbound remote port.

        The remote port must be unbound *for this domain* (XG ``evtchn_bind_interdomain``:
        ``rchn->state != ECS_UNBOUND || rchn->u.unbound.remote_domid != ld`` → -EINVAL).
        """
        self._hypercall(domid)
        self._check_domain(domid, "local")
        remote = self._resolve_remote(domid, remote_domid)
        rp = self._ports.get(remote, {}).get(remote_port)
        if rp is None:
            raise EvtchnError("EINVAL", f"remote domain {remote} port {remote_port} not allocated")
        if rp.state != "unbound" or rp.remote_domid != domid:
            raise EvtchnError(
                "EINVAL",
                f"remote domain {remote} port {remote_port} is {rp.state} "
                f"(for domain {rp.remote_domid}), not unbound for domain {domid}",
            )
        port = self._free_port(domid)
        if remote == domid and port == remote_port:  # loopback onto itself is impossible
            raise EvtchnError("EINVAL", f"domain {domid} port {port} cannot bind to itself")
        self._ports[domid][port] = _Port("interdomain", remote, remote_port)
        rp.state, rp.remote_port = "interdomain", port
        # XG evtchn_bind_interdomain: notifications sent to the still-unbound remote port were
        # dropped, so Xen conservatively marks the new *local* port pending (one spurious upcall
        # once the binder installs its handler).
        self._set_pending(domid, port)
        return port

    def send(self, domid: int, port: int) -> None:
        """EVTCHNOP_send: notify the peer of ``port``; a no-op on an unbound port (as Xen)."""
        self._hypercall(domid)
        self.xen.counters.evtchn_sends += 1
        dom = self.xen.domains.get(domid)
        c = getattr(dom, "counters", None)
        if c is not None:
            c.evtchn_sends += 1
        p = self._port(domid, port)
        if p.state != "interdomain":  # XG evtchn_send: ECS_UNBOUND → silently dropped
            self.dropped_sends += 1
            return
        self._set_pending(p.remote_domid, p.remote_port)

    def close(self, domid: int, port: int) -> None:
        """EVTCHNOP_close: free ``port``; an interdomain peer falls back to unbound."""
        self._hypercall(domid)
        self._close(domid, port)

    def _close(self, domid: int, port: int) -> None:
        p = self._port(domid, port)
        if p.state == "interdomain":
            peer = self._ports.get(p.remote_domid, {}).get(p.remote_port)
            if peer is not None:
                peer.state, peer.remote_domid, peer.remote_port = "unbound", domid, 0
        del self._ports[domid][port]

    def close_all(self, domid: int) -> int:
        """Close every port of ``domid`` (Xen ``evtchn_destroy`` at domain death, no hypercall);
        peers fall back to unbound. Returns the number of ports closed."""
        ports = list(self._ports.get(domid, {}))
        for port in ports:
            self._close(domid, port)
        self._ports.pop(domid, None)
        return len(ports)

    def domain_destroyed(self, domid: int) -> None:
        """Hook called by the hypervisor's domain teardown."""
        self.close_all(domid)

    def status(self, domid: int, port: int) -> str:
        """EVTCHNOP_status: ``"unbound"``, ``"interdomain"`` or ``"closed"`` (free)."""
        if not 0 < port < self.max_ports:
            raise EvtchnError("EINVAL", f"domain {domid} port {port} out of range")
        p = self._ports.get(domid, {}).get(port)
        return "closed" if p is None else p.state

    def peer(self, domid: int, port: int) -> tuple[int, int]:
        """(remote_domid, remote_port) of a port; remote_port is 0 while unbound."""
        p = self._port(domid, port)
        return p.remote_domid, p.remote_port

    # -- guest-kernel side (no hypercall) --------------------------------------------------
    def bind_handler(self, domid: int, port: int, handler: Callable[[int], None]) -> None:
        """Install what ``domid``'s kernel runs on an upcall for ``port``: ``handler(port)``.

        An event already pending on the port is delivered (Linux binds the irq, then unmasks).
        """
        if not callable(handler):
            raise EvtchnError("EINVAL", f"handler for domain {domid} port {port} is not callable")
        p = self._port(domid, port)
        p.handler = handler
        if p.pending and not p.masked:
            self._schedule(domid, port)

    def mask(self, domid: int, port: int) -> None:
        """Set the mask bit: events stay pending and are not delivered."""
        self._port(domid, port).masked = True

    def unmask(self, domid: int, port: int) -> None:
        """Clear the mask bit; a pending event is delivered (XG ``evtchn_unmask``)."""
        p = self._port(domid, port)
        p.masked = False
        if p.pending:
            self._schedule(domid, port)

    def is_pending(self, domid: int, port: int) -> bool:
        return self._port(domid, port).pending

    def ports(self, domid: int) -> list[int]:
        """Allocated (unbound or interdomain) ports of ``domid``, ascending."""
        return sorted(self._ports.get(domid, {}))

    # -- delivery --------------------------------------------------------------------------
    def _set_pending(self, domid: int, port: int) -> None:
        p = self._ports.get(domid, {}).get(port)
        if p is None:
            return
        if p.pending:  # the pending bit coalesces repeated notifications
            self.coalesced += 1
            return
        p.pending = True
        if not p.masked:
            self._schedule(domid, port)

    def _schedule(self, domid: int, port: int) -> None:
        self.xen.deliver(lambda: self._upcall(domid, port))

    def _upcall(self, domid: int, port: int) -> None:
        p = self._ports.get(domid, {}).get(port)
        # Stale deliveries (port closed, masked meanwhile, already delivered) do nothing.
        if p is None or not p.pending or p.masked or p.handler is None:
            return
        p.pending = False
        self.upcalls += 1
        p.handler(port)

    # -- audit -----------------------------------------------------------------------------
    def audit(self) -> list[str]:
        """Inconsistencies: one-sided bindings, ports of vanished domains. Empty = clean."""
        problems: list[str] = []
        for domid, table in sorted(self._ports.items()):
            if domid not in self.xen.domains and table:
                problems.append(f"domain {domid} no longer exists but holds ports {sorted(table)}")
            for port, p in sorted(table.items()):
                if p.state != "interdomain":
                    continue
                peer = self._ports.get(p.remote_domid, {}).get(p.remote_port)
                if peer is None or (peer.remote_domid, peer.remote_port) != (domid, port):
                    problems.append(
                        f"domain {domid} port {port} bound to domain {p.remote_domid} port "
                        f"{p.remote_port}, which does not point back"
                    )
        return problems
