"""What a data path declares about itself, so that nothing else in the backend asks its name.

Every data path class carries one frozen :class:`Caps` (fio's ``ioengine_ops.flags``, QEMU's
``gnttab_backend_ops.features``; docs/design.md lesson 2). Negotiation (``back/negotiate.py``), the
loop's pool admission (``back/loop.py``), the retransmit-hazard policies (``back/hazard.py``) and
``blkswap serve`` on a real Xen read these fields and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Traits for reports (what kind of path this is); behaviour never depends on them.
ZERO_COPY = "zero_copy"  #: storage I/O targets guest memory directly
DOM0_FRAMES = "dom0_frames"  #: storage I/O uses dom0 frames from the VBD's pool
GUEST_COPY = "guest_copy"  #: the guest copies data (persistent grants)
OWNERSHIP = "ownership"  #: frames change owner (swap, transfer)
NO_DATA = "no_data"  #: data is not moved at all (null)


class HazardKind(Enum):
    """What holds a written page while network storage may still retransmit it (back/hazard.py).

    ``GUEST_MAPPING`` — the page is the guest's, mapped into dom0 for this request: it cannot be
    given away, so the "abandon" policy acts as "replace" (GNTTABOP_unmap_and_replace of the
    mapping with the copy); ``KEPT_MAPPING`` — the guest's page stays mapped for later requests
    (persistent grants): "replace"/"abandon" copy it and repoint the holder, nothing is unmapped;
    ``POOL_FRAME`` — the page is a dom0 pool frame: "abandon" gives it to normal page lifetime
    and the pool is refilled; ``NONE`` — nothing is held (no data moved)."""

    GUEST_MAPPING = "guest_mapping"
    KEPT_MAPPING = "kept_mapping"
    POOL_FRAME = "pool_frame"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Caps:
    """A data path's declared capabilities (read by negotiation, the loop and the hazard code).

    ``frontend_feature``: the ``feature-<name>`` key the frontend must write 1 for the path to be
    used; ``None`` = works with any blkfront. ``fallback``: the path used when the frontend did
    not offer it (the seed's ``if(version)``). ``advertise``: where the backend writes its own
    ``feature-<frontend_feature> = 1`` — ``"probe"`` (before the frontend sets up rings; the
    lab's swap/transfer keys) or ``"connect"`` (with the disk keys; Linux's feature-persistent,
    LB xenbus.c connect). ``max_indirect_segments``: 0 = the path cannot take indirect requests
    (swap carries its new frames in the response slot: ≤ 11 segments); None = the VBD's limit.
    ``reserve_frames``: the loop takes ``frames_needed(req)`` pool frames before ``prepare``.
    ``reclaims``: the path can give pool frames back under pressure (``reclaim(n)``).
    ``grant_ops``: the GNTTABOP names it issues (xen.counters.GRANT_OPS) — the lab checks runs
    against it and ``blkswap serve`` knows what the real port must provide. ``real_xen``: why the
    path cannot run on a stock Xen + Linux dom0, or ``""`` if it can.
    """

    traits: frozenset[str] = frozenset()
    frontend_feature: str | None = None
    fallback: str | None = None
    advertise: str = "probe"
    max_indirect_segments: int | None = None
    reserve_frames: bool = False
    reclaims: bool = False
    hazard: HazardKind = HazardKind.NONE
    grant_ops: frozenset[str] = frozenset()
    real_xen: str = ""

    def __post_init__(self) -> None:
        if (self.frontend_feature is None) != (self.fallback is None):
            raise ValueError("a path that needs a frontend feature must name its fallback")
        if self.advertise not in ("probe", "connect"):
            raise ValueError(f"advertise must be 'probe' or 'connect', not {self.advertise!r}")

    @property
    def runs_on_real_xen(self) -> bool:
        return not self.real_xen
