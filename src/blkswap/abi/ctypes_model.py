"""C scalar types of the two x86 Xen ABIs: size, alignment and `struct` format per ABI.

x86_64 (LP64) and i386 differ in exactly two ways that matter for the Xen public headers
(xen-abi.md §1.6, §3.3): ``uint64_t`` is 4-byte aligned on i386, and ``unsigned long``-sized
types (xen_pfn_t, xen_ulong_t, guest handles) are 4 bytes on i386.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scalar:
    """One C scalar type as laid out by one ABI."""

    size: int
    align: int
    fmt: str  # struct format character (little-endian is applied by the caller)

    @property
    def label(self) -> str:
        """Short human name used in error messages (u8, i16, u64 ...)."""
        return ("i" if self.fmt.islower() else "u") + str(8 * self.size)

    @property
    def lo(self) -> int:
        return -(1 << (8 * self.size - 1)) if self.fmt.islower() else 0

    @property
    def hi(self) -> int:
        bits = 8 * self.size
        return (1 << (bits - 1)) - 1 if self.fmt.islower() else (1 << bits) - 1


_U8, _U16, _I16, _U32 = Scalar(1, 1, "B"), Scalar(2, 2, "H"), Scalar(2, 2, "h"), Scalar(4, 4, "I")

_COMMON: dict[str, Scalar] = {
    "uint8_t": _U8,
    "uint16_t": _U16,
    "int16_t": _I16,
    "uint32_t": _U32,
    "domid_t": _U16,  # XH xen.h
    "grant_ref_t": _U32,  # XH grant_table.h
    "grant_handle_t": _U32,
    "grant_status_t": _U16,
    "blkif_vdev_t": _U16,  # XH io/blkif.h
    "RING_IDX": _U32,  # XH io/ring.h
}

# ABI name -> C type name -> Scalar
CTYPES: dict[str, dict[str, Scalar]] = {
    "x86_64": {
        **_COMMON,
        "uint64_t": Scalar(8, 8, "Q"),
        "blkif_sector_t": Scalar(8, 8, "Q"),
        "xen_pfn_t": Scalar(8, 8, "Q"),
        "xen_ulong_t": Scalar(8, 8, "Q"),
        "guest_handle": Scalar(8, 8, "Q"),  # XEN_GUEST_HANDLE(x): a pointer
    },
    "x86_32": {
        **_COMMON,
        "uint64_t": Scalar(8, 4, "Q"),  # i386 aligns 64-bit integers to 4
        "blkif_sector_t": Scalar(8, 4, "Q"),
        "xen_pfn_t": Scalar(4, 4, "I"),
        "xen_ulong_t": Scalar(4, 4, "I"),
        "guest_handle": Scalar(4, 4, "I"),
    },
}
