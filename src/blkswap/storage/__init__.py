"""blkswap.storage — disk images and device timing models (docs/design.md §3 storage/, §7).

Image backends implement :class:`~blkswap.storage.base.BlockStore`: :class:`RawImage` (a sparse file,
``preadv``/``pwritev`` straight into arena frames, optional ``O_DIRECT``), :class:`RamStore`
(sparse 4 KiB pages in memory), :class:`NullStore` (null_blk: writes dropped, reads zero).
:func:`open_store` builds one by kind. Timing lives apart in :mod:`blkswap.storage.devices`.
"""

from __future__ import annotations

import os
from typing import Literal

from blkswap.storage.base import BlockStore, StorageError
from blkswap.storage.devices import DEVICE_MODELS, DeviceModel, device_model
from blkswap.storage.null import NullStore
from blkswap.storage.ram import RamStore
from blkswap.storage.raw import RawImage

__all__ = [
    "DEVICE_MODELS",
    "STORE_KINDS",
    "BlockStore",
    "DeviceModel",
    "NullStore",
    "RamStore",
    "RawImage",
    "StorageError",
    "device_model",
    "open_store",
]

STORE_KINDS = ("raw", "ram", "null")


def open_store(
    kind: str,
    size: int,
    path: str | os.PathLike[str] | None = None,
    direct: bool | Literal["auto"] = False,
) -> BlockStore:
    """Make a store: ``"raw"`` (needs ``path``), ``"ram"`` or ``"null"``."""
    if kind == "raw":
        if path is None:
            raise ValueError("open_store('raw', …) needs path= (the image file)")
        return RawImage(path, size, direct=direct)
    if path is not None or direct:
        raise ValueError(f"open_store({kind!r}, …) takes no path/direct (only 'raw' does)")
    if kind == "ram":
        return RamStore(size)
    if kind == "null":
        return NullStore(size)
    raise ValueError(f"unknown store kind {kind!r}; valid kinds: {', '.join(STORE_KINDS)}")
