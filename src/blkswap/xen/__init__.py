"""blkswap.xen -- the emulated Xen hypervisor.

Machine memory (:mod:`~blkswap.xen.arena`), PV domains (:mod:`~blkswap.xen.domain`), v1 grant
tables with active entries and maptrack (:mod:`~blkswap.xen.grant_table`), every grant-table op
(``ops_map``, ``ops_copy``, ``ops_transfer``, ``ops_swap``, ``ops_table``; dispatch in
``gnttab_op``), multicall, page references, counters and an invariant audit. Event channels and
xenstore are ``blkswap.xen.evtchn`` / ``blkswap.xen.xenstore``. See docs/xen.md.

Importing :mod:`blkswap.xen.port` (what front/ and back/ use) loads none of the emulator: the
names below are loaded on first use (PEP 562), so a stock dom0 without numpy can import the port.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name → module that defines it
_EXPORTS = {
    "PAGE_SIZE": "arena",
    "POISON": "arena",
    "Counters": "counters",
    "Domain": "domain",
    "DomainError": "errors",
    "FrameError": "errors",
    "GrantError": "errors",
    "NeuteredPageError": "errors",
    "OutOfMemoryError": "errors",
    "PageAccessError": "errors",
    "XenError": "errors",
    "Xen": "hypervisor",
    "MulticallEntry": "multicall",
    "EmulatedPort": "emulated",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'blkswap.xen' has no attribute {name!r}")
    return getattr(importlib.import_module(f"blkswap.xen.{module}"), name)
