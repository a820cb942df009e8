"""blkswap — a byte-exact laboratory for the Xen PV block data path.

Guests run a Linux-like blkfront, dom0 runs a tapdisk-like backend, and every byte moves through
grant tables and rings laid out as Xen's public headers say. See ``docs/`` and the README.

>>> from blkswap import Lab, Result

``Lab``, ``LabConfig`` and ``Result`` are imported on first use (PEP 562 ``__getattr__``), so
``import blkswap`` — and with it ``blkswap --version`` — stays fast and loads no numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Lab", "LabConfig", "Result", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from blkswap.lab import Lab, LabConfig, Result

_LAZY = {"Lab": "blkswap.lab", "LabConfig": "blkswap.lab", "Result": "blkswap.lab"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'blkswap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
