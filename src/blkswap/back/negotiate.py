"""What the backend makes of a frontend's xenstore keys: pure, no hypervisor, no store.

:func:`negotiate` takes the frontend's keys (a lookup function), the toolstack's device config,
the backend's limits and the data paths' :class:`~blkswap.back.caps.Caps`, and returns a typed
:class:`Negotiated` or raises :class:`NegotiationError` naming the key, the value and why — what
Linux blkback reports through ``xenbus_dev_fatal`` (LB xenbus.c connect_ring,
read_per_ring_refs). Every value is parsed and range-checked here, before anything reaches the
hypervisor; mapping the rings and binding the ports (which can still fail: a ring-ref nobody
granted, an unbound event channel) is ``back/xenbus.py``'s job.

Keys (values / default / notes, as blkif.h documents them):

* ``protocol`` — "x86_64-abi" | "x86_32-abi" (its first word, as ``%63s`` reads it); absent or
  blank → x86_32-abi, as Linux blkback on x86 (BLKIF_PROTOCOL_DEFAULT) although the header says
  "native". Anything else → fatal.
* ``ring-page-order`` — 0..max-ring-page-order; absent or not a number → one page with
  ``ring-ref`` (Linux: ``xenbus_scanf(... "%u") != 1``); above the maximum → fatal.
* ``ring-ref`` / ``ring-ref<i>`` — a grant reference, decimal u32; missing or bad → fatal.
* ``event-channel`` — a port, decimal u32; missing or bad → fatal.
* ``multi-queue-num-queues`` — 1..multi-queue-max-queues; absent or not a number → 1
  (``xenbus_read_unsigned``); 0 or above the maximum → fatal. With more than one queue the ring
  keys live in ``queue-<q>/``.
* ``feature-persistent`` / ``feature-swap`` / ``feature-transfer`` — non-zero = offered;
  absent or not a number → 0 (``xenbus_read_unsigned``). A path whose feature is not offered
  falls back (its ``Caps.fallback``).

Lab simplification: Linux's ``%u`` truncates a number above 2³²−1 silently; the lab refuses it
(a truncated gref would only fail later, at map time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from blkswap.abi import ABIS
from blkswap.back.caps import Caps

U32_MAX = 0xFFFF_FFFF
DEFAULT_PROTOCOL = ABIS["x86_32"].protocol  # LB common.h BLKIF_PROTOCOL_DEFAULT on x86
PROTOCOLS = tuple(abi.protocol for abi in ABIS.values())

#: reads one frontend key, relative to the frontend's device directory; None if absent
Lookup = Callable[[str], str | None]


class NegotiationError(Exception):
    """The frontend's keys cannot be used: the device fails (Linux ``xenbus_dev_fatal``)."""

    def __init__(self, key: str, value: str | None, why: str) -> None:
        shown = "absent" if value is None else repr(value[:32])
        super().__init__(f"{key} = {shown}: {why}")
        self.key = key
        self.value = value
        self.why = why


@dataclass(frozen=True, slots=True)
class BackendLimits:
    """What the backend offers (its probe-time keys; LB module parameters)."""

    #: LB ``max_queues`` (default num_online_cpus(): dom0's vCPUs)
    max_queues: int
    #: LB ``max_ring_page_order`` (default XENBUS_MAX_RING_GRANT_ORDER = 4)
    max_ring_page_order: int = 4
    #: LB MAX_INDIRECT_SEGMENTS, advertised as ``feature-max-indirect-segments``
    max_indirect_segments: int = 256


@dataclass(frozen=True, slots=True)
class QueueKeys:
    """One ring as the frontend described it."""

    ring_refs: tuple[int, ...]
    event_channel: int
    dir: str  #: "" or "queue-<q>/" (prefix of its keys)


@dataclass(frozen=True, slots=True)
class Negotiated:
    """Everything the backend needs to connect a device."""

    protocol: str
    ring_page_order: int | None  #: None: the single-page ``ring-ref`` layout
    queues: tuple[QueueKeys, ...]
    datapath: str  #: the path in use (after falling back)
    asked_datapath: str  #: what the toolstack configured
    frontend_features: frozenset[str]  #: ``feature-*`` names the frontend set non-zero
    max_indirect_segments: int  #: 0 = indirect not offered for this device

    @property
    def nr_pages(self) -> int:
        return 1 if self.ring_page_order is None else 1 << self.ring_page_order

    @property
    def fell_back(self) -> bool:
        return self.datapath != self.asked_datapath


def parse_u32(text: str | None) -> int | None:
    """A decimal u32 as the kernel's ``%u`` reads it (leading blanks allowed), else None."""
    if text is None:
        return None
    digits = text.strip()
    if not digits.isdigit() or not digits.isascii():
        return None
    value = int(digits, 10)
    return value if value <= U32_MAX else None


def _required(lookup: Lookup, key: str) -> int:
    text = lookup(key)
    value = parse_u32(text)
    if value is None:
        why = "missing" if text is None else "not a decimal number in 0..2^32-1"
        raise NegotiationError(key, text, why)
    return value


def _optional(lookup: Lookup, key: str, default: int) -> int:
    value = parse_u32(lookup(key))
    return default if value is None else value


def frontend_features(lookup: Lookup, names: tuple[str, ...]) -> frozenset[str]:
    """The ``feature-<name>`` keys the frontend set to a non-zero number."""
    return frozenset(n for n in names if _optional(lookup, f"feature-{n}", 0) != 0)


def choose_datapath(asked: str, caps_of: Mapping[str, Caps], offered: frozenset[str]) -> str:
    """The configured path, or its fallback chain while the frontend lacks a needed feature."""
    name = asked
    seen = {name}
    while (caps := caps_of[name]).frontend_feature is not None:
        if caps.frontend_feature in offered:
            break
        assert caps.fallback is not None  # Caps guarantees it
        name = caps.fallback
        if name in seen:
            raise ValueError(f"data path fallbacks loop at {name!r}")
        seen.add(name)
    return name


def negotiate(
    lookup: Lookup,
    limits: BackendLimits,
    asked_datapath: str,
    caps_of: Mapping[str, Caps],
    vbd_max_indirect: int | None = None,
) -> Negotiated:
    """Read and check the frontend's keys (LB xenbus.c connect_ring); see the module docstring."""
    text = lookup("protocol")
    words = (text or "").split()  # LB: xenbus_scanf("%63s"): the first word, if any
    protocol = words[0][:63] if words else DEFAULT_PROTOCOL
    if protocol not in PROTOCOLS:
        raise NegotiationError("protocol", text, f"not one of {', '.join(PROTOCOLS)}")
    names = tuple(sorted({c.frontend_feature for c in caps_of.values() if c.frontend_feature}))
    offered = frontend_features(lookup, names)
    datapath = choose_datapath(asked_datapath, caps_of, offered)
    nqueues = _optional(lookup, "multi-queue-num-queues", 1)
    if not 1 <= nqueues <= limits.max_queues:
        raise NegotiationError(
            "multi-queue-num-queues", lookup("multi-queue-num-queues"),
            f"must be 1..{limits.max_queues} (multi-queue-max-queues)",
        )  # fmt: skip
    order = parse_u32(lookup("ring-page-order"))
    if order is not None and order > limits.max_ring_page_order:
        raise NegotiationError(
            "ring-page-order", lookup("ring-page-order"),
            f"above max-ring-page-order {limits.max_ring_page_order}",
        )  # fmt: skip
    queues = tuple(_queue_keys(lookup, q, nqueues, order) for q in range(nqueues))
    cap = caps_of[datapath].max_indirect_segments
    max_indirect = limits.max_indirect_segments if vbd_max_indirect is None else vbd_max_indirect
    return Negotiated(
        protocol=protocol,
        ring_page_order=order,
        queues=queues,
        datapath=datapath,
        asked_datapath=asked_datapath,
        frontend_features=offered,
        max_indirect_segments=max_indirect if cap is None else min(cap, max_indirect),
    )


def _queue_keys(lookup: Lookup, q: int, nqueues: int, order: int | None) -> QueueKeys:
    prefix = "" if nqueues == 1 else f"queue-{q}/"
    names = ["ring-ref"] if order is None else [f"ring-ref{i}" for i in range(1 << order)]
    refs = tuple(_required(lookup, prefix + n) for n in names)
    return QueueKeys(refs, _required(lookup, prefix + "event-channel"), prefix)
