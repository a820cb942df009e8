"""Exceptions raised by the ABI layer (codecs, rings, xenbus names).

Every message names the struct and field (or the ring / name) that was wrong, e.g.
``blkif_request.nr_segments: 300 does not fit u8``.
"""

from __future__ import annotations


class AbiError(ValueError):
    """A value or buffer does not fit the Xen ABI declaration it was used with."""


class RingError(AbiError):
    """A shared-ring operation was refused (bad page list, full ring, bad entry size)."""
