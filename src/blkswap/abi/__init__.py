"""blkswap.abi -- byte-exact Xen ABI declarations: grant tables, shared rings, blkif, xenbus.

Submodules: ``errors`` (AbiError), ``codec`` (Struct codecs built from field tables), ``decls``
(the field tables), ``gnttab`` / ``blkif`` (constants, request dataclasses), ``abis`` (one
``Abi`` codec per ABI), ``ring`` (io/ring.h), ``xenbus`` (states, vdev numbers), ``describe``.
No behaviour beyond encode/decode lives here.
"""

from blkswap.abi.abis import ABIS, X86_32, X86_64, Abi, by_protocol
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Response, Segment
from blkswap.abi.codec import Struct
from blkswap.abi.describe import describe, format_table
from blkswap.abi.errors import AbiError, RingError
from blkswap.abi.ring import BackRing, FrontRing, SharedRing, notify_needed, ring_entries
from blkswap.abi.xenbus import XenbusState, vdev_decode, vdev_encode

__all__ = [
    "ABIS",
    "X86_32",
    "X86_64",
    "Abi",
    "AbiError",
    "BackRing",
    "DiscardRequest",
    "FrontRing",
    "IndirectRequest",
    "Request",
    "Response",
    "RingError",
    "Segment",
    "SharedRing",
    "Struct",
    "XenbusState",
    "by_protocol",
    "describe",
    "format_table",
    "notify_needed",
    "ring_entries",
    "vdev_decode",
    "vdev_encode",
]
