"""blkswap.xen -- the emulated Xen hypervisor.

Machine memory (:mod:`~blkswap.xen.arena`), PV domains (:mod:`~blkswap.xen.domain`), v1 grant
tables with active entries and maptrack (:mod:`~blkswap.xen.grant_table`), every grant-table op
(``ops_map``, ``ops_copy``, ``ops_transfer``, ``ops_swap``, ``ops_table``; dispatch in
``gnttab_op``), multicall, page references, counters and an invariant audit. Event channels and
xenstore are ``blkswap.xen.evtchn`` / ``blkswap.xen.xenstore``. See docs/xen.md.
"""

from blkswap.xen.arena import PAGE_SIZE, POISON
from blkswap.xen.counters import Counters
from blkswap.xen.domain import Domain
from blkswap.xen.errors import (
    DomainError,
    FrameError,
    GrantError,
    NeuteredPageError,
    OutOfMemoryError,
    PageAccessError,
    XenError,
)
from blkswap.xen.hypervisor import Xen
from blkswap.xen.multicall import MulticallEntry

__all__ = [
    "PAGE_SIZE",
    "POISON",
    "Counters",
    "Domain",
    "DomainError",
    "FrameError",
    "GrantError",
    "MulticallEntry",
    "NeuteredPageError",
    "OutOfMemoryError",
    "PageAccessError",
    "Xen",
    "XenError",
]
