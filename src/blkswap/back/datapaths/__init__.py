"""Data-path registry: one module per path, registered by name in a plain dict (docs/design.md lesson 2).

Each class declares its :class:`~blkswap.back.caps.Caps`; :data:`CAPS` maps names to them for
negotiation (which path a frontend can get, what falls back to what: persistent → map,
swap → copy, transfer → copy) and for the backend's advertised keys.
"""

from __future__ import annotations

from blkswap.back.caps import Caps
from blkswap.back.datapaths.base import API_VERSION, BackendContext, DataPath, DataPathOptions
from blkswap.back.datapaths.grant_copy import CopyPath
from blkswap.back.datapaths.grant_map import MapPath
from blkswap.back.datapaths.grant_swap import SwapPath
from blkswap.back.datapaths.null import NullPath
from blkswap.back.datapaths.persistent import PersistentPath
from blkswap.back.datapaths.transfer import TransferPath

DATAPATHS: dict[str, type[DataPath]] = {}
CAPS: dict[str, Caps] = {}


def register(cls: type[DataPath]) -> type[DataPath]:
    """Add a data path class (checks its API version and that its fallback exists)."""
    if getattr(cls, "api_version", None) != API_VERSION:
        raise ValueError(
            f"data path {cls.__name__}: api_version {getattr(cls, 'api_version', None)} != {API_VERSION}"
        )
    caps = getattr(cls, "caps", None)
    if not isinstance(caps, Caps):
        raise ValueError(f"data path {cls.__name__}: caps must be a Caps, not {caps!r}")
    if caps.fallback is not None and caps.fallback not in DATAPATHS:
        raise ValueError(f"data path {cls.name}: fallback {caps.fallback!r} is not registered")
    DATAPATHS[cls.name] = cls
    CAPS[cls.name] = caps
    return cls


def unregister(name: str) -> None:
    """Remove a data path (tests that register a toy one clean up with this)."""
    if any(c.fallback == name for n, c in CAPS.items() if n != name):
        raise ValueError(f"data path {name!r} is another path's fallback")
    del DATAPATHS[name], CAPS[name]


_BUILT_IN: tuple[type[DataPath], ...] = (
    NullPath,
    MapPath,
    CopyPath,
    SwapPath,
    PersistentPath,
    TransferPath,
)
for _cls in _BUILT_IN:
    register(_cls)

#: The five paths the lab compares (``null`` is a calibration path, not a contender).
COMPARED = ("map", "copy", "swap", "persistent", "transfer")


def caps_of(name: str) -> Caps:
    try:
        return CAPS[name]
    except KeyError:
        raise ValueError(
            f"unknown data path {name!r}; choose one of {', '.join(DATAPATHS)}"
        ) from None


def advertised_features(phase: str) -> tuple[str, ...]:
    """The ``feature-*`` names the backend writes (1 or 0) at ``phase`` ("probe"/"connect")."""
    return tuple(
        sorted(
            {
                c.frontend_feature
                for c in CAPS.values()
                if c.frontend_feature and c.advertise == phase
            }
        )
    )


def create(name: str, ctx: BackendContext) -> DataPath:
    caps_of(name)  # a clear error for an unknown name
    return DATAPATHS[name](ctx)


__all__ = [
    "CAPS",
    "COMPARED",
    "DATAPATHS",
    "BackendContext",
    "DataPathOptions",
    "advertised_features",
    "caps_of",
    "create",
    "register",
    "unregister",
]
