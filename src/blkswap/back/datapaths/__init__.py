"""Data-path registry: one module per path, registered by name in a plain dict (STYLE.md lesson 2).

``FALLBACK`` says what a backend uses when the frontend did not negotiate the feature a path needs
(the seed's ``if(version)``): persistent → map, swap → copy, transfer → copy.
"""

from __future__ import annotations

from blkswap.back.datapaths.base import API_VERSION, BackendContext, DataPath, DataPathOptions
from blkswap.back.datapaths.grant_copy import CopyPath
from blkswap.back.datapaths.grant_map import MapPath
from blkswap.back.datapaths.grant_swap import SwapPath
from blkswap.back.datapaths.null import NullPath
from blkswap.back.datapaths.persistent import PersistentPath
from blkswap.back.datapaths.transfer import TransferPath

DATAPATHS: dict[str, type] = {}


def register(cls: type) -> type:
    if getattr(cls, "api_version", None) != API_VERSION:
        raise ValueError(
            f"data path {cls.__name__}: api_version {getattr(cls, 'api_version', None)} != {API_VERSION}"
        )
    DATAPATHS[cls.name] = cls
    return cls


for _cls in (NullPath, MapPath, CopyPath, SwapPath, PersistentPath, TransferPath):
    register(_cls)

#: The five paths the lab compares (``null`` is a calibration path, not a contender).
COMPARED = ("map", "copy", "swap", "persistent", "transfer")

#: Feature each path needs from the frontend, and what to use instead when it is missing.
NEEDS_FEATURE = {"persistent": "persistent", "swap": "swap", "transfer": "transfer"}
FALLBACK = {"persistent": "map", "swap": "copy", "transfer": "copy"}


def create(name: str, ctx: BackendContext) -> DataPath:
    try:
        cls = DATAPATHS[name]
    except KeyError:
        raise ValueError(
            f"unknown data path {name!r}; choose one of {', '.join(DATAPATHS)}"
        ) from None
    return cls(ctx)


__all__ = [
    "COMPARED",
    "DATAPATHS",
    "FALLBACK",
    "NEEDS_FEATURE",
    "BackendContext",
    "DataPathOptions",
    "create",
    "register",
]
