"""blkif protocol constants and the ABI-independent request/response value objects.

Constants from XH io/blkif.h (xen-abi.md §3.1, §3.5). The dataclasses are what front and back
code pass around; ``blkswap.abi.abis.Abi`` turns them into ring-slot bytes for one ABI.
Indirect-page segment descriptors (8 bytes, 512 per 4 KiB page) are identical on both ABIs,
so ``encode_segments``/``decode_segments`` live here.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from blkswap.abi.errors import AbiError

BLKIF_OP_READ = 0
BLKIF_OP_WRITE = 1
BLKIF_OP_WRITE_BARRIER = 2
BLKIF_OP_FLUSH_DISKCACHE = 3
BLKIF_OP_RESERVED_1 = 4
BLKIF_OP_DISCARD = 5
BLKIF_OP_INDIRECT = 6
#: operations that carry data (or ordering) from the frontend to the disk: the backend only
#: reads guest memory for these (LB blkback.c: GNTMAP_readonly when the op is a write)
WRITE_OPS = frozenset({BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE})
BLKIF_RSP_OKAY = 0
BLKIF_RSP_ERROR = -1
BLKIF_RSP_EOPNOTSUPP = -2
BLKIF_MAX_SEGMENTS_PER_REQUEST = 11
BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8
SEGMENT_SIZE = 8  # sizeof(struct blkif_request_segment), both ABIs
SEGS_PER_INDIRECT_FRAME = 4096 // SEGMENT_SIZE  # 512
BLKIF_DISCARD_SECURE = 1 << 0
VDISK_CDROM = 0x1
VDISK_REMOVABLE = 0x2
VDISK_READONLY = 0x4
SECTOR_SIZE = 512  # ring sector fields are always 512-byte units (xen-abi.md §3.4)
SECTORS_PER_PAGE = 8
PROTOCOL_X86_32 = "x86_32-abi"  # XH io/protocols.h
PROTOCOL_X86_64 = "x86_64-abi"
PROTOCOL_ARM = "arm-abi"


@dataclass(frozen=True, slots=True)
class Segment:
    """One data segment: sectors [first_sect, last_sect] (inclusive) of the frame granted by gref."""

    gref: int
    first_sect: int
    last_sect: int


@dataclass(frozen=True, slots=True)
class Request:
    """READ/WRITE/WRITE_BARRIER/FLUSH_DISKCACHE (and any unknown op): struct blkif_request.

    ``nr_segments`` is the raw wire value; ``segments`` holds at most 11 descriptors.
    """

    operation: int
    nr_segments: int
    handle: int
    id: int
    sector_number: int
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscardRequest:
    """BLKIF_OP_DISCARD: struct blkif_request_discard (flag: BLKIF_DISCARD_SECURE or 0)."""

    operation: int
    flag: int
    handle: int
    id: int
    sector_number: int
    nr_sectors: int


@dataclass(frozen=True, slots=True)
class IndirectRequest:
    """BLKIF_OP_INDIRECT: struct blkif_request_indirect; indirect_grefs holds at most 8 grefs."""

    operation: int
    indirect_op: int
    nr_segments: int
    id: int
    sector_number: int
    handle: int
    indirect_grefs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    """struct blkif_response: id echoed from the request, operation, status (BLKIF_RSP_*)."""

    id: int
    operation: int
    status: int


AnyRequest = Request | DiscardRequest | IndirectRequest

_SEG = struct.Struct("<IBB2x")


def indirect_pages_needed(nr_segments: int) -> int:
    """ceil(nr_segments / 512): indirect pages a request of ``nr_segments`` uses (§3.5)."""
    return (nr_segments + SEGS_PER_INDIRECT_FRAME - 1) // SEGS_PER_INDIRECT_FRAME


def encode_segments(segs: Iterable[Segment]) -> bytes:
    """Pack segment descriptors back to back (8 bytes each), as in an indirect page."""
    segs = tuple(segs)
    flat = [v for s in segs for v in (s.gref, s.first_sect, s.last_sect)]
    try:
        return struct.pack("<" + "IBB2x" * len(segs), *flat)
    except struct.error:
        for i, s in enumerate(segs):
            for name, v, hi, label in (
                ("gref", s.gref, 0xFFFFFFFF, "u32"),
                ("first_sect", s.first_sect, 0xFF, "u8"),
                ("last_sect", s.last_sect, 0xFF, "u8"),
            ):
                if not isinstance(v, int) or not 0 <= v <= hi:
                    raise AbiError(
                        f"blkif_request_segment[{i}].{name}: {v!r} does not fit {label}"
                    ) from None
        raise


def decode_segments(buf: bytes | bytearray | memoryview, count: int) -> tuple[Segment, ...]:
    """Unpack ``count`` 8-byte segment descriptors from the start of ``buf``."""
    n = len(buf) if not isinstance(buf, memoryview) else buf.nbytes
    if count < 0 or count * SEGMENT_SIZE > n:
        raise AbiError(
            f"blkif_request_segment: cannot decode {count} segments from a {n}-byte buffer"
        )
    it = _SEG.iter_unpack(bytes(buf[: count * SEGMENT_SIZE]))
    return tuple(Segment(g, f, last) for g, f, last in it)
