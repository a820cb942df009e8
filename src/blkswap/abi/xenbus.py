"""XenbusState values and the vbd ``virtual-device`` number encoding.

XenbusState: XH io/xenbus.h (xen-abi.md §4.1). Device numbers: XL docs/man/xen-vbd-interface.7
(xen-abi.md §4.2): xvd disks ≤ 15 with partitions ≤ 15 use 202<<8 | disk<<4 | part, larger ones
the extended form 1<<28 | disk<<8 | part; sd: 8<<8 | disk<<4 | part (disks 0-15);
hd: 3<<8 | disk<<6 | part (disks 0-1), 22<<8 | (disk-2)<<6 | part (disks 2-3).
"""

from __future__ import annotations

import re
from enum import IntEnum

from blkswap.abi.errors import AbiError


class XenbusState(IntEnum):
    """Value written (as a decimal string) into each side's ``state`` node."""

    Unknown = 0
    Initialising = 1
    InitWait = 2
    Initialised = 3
    Connected = 4
    Closing = 5
    Closed = 6
    Reconfiguring = 7
    Reconfigured = 8


XVD_MAJOR = 202
SD_MAJOR = 8
HD_MAJOR_0_1 = 3
HD_MAJOR_2_3 = 22
EXTENDED = 1 << 28
_NAME = re.compile(r"(xvd|sd|hd)([a-z]+)([1-9][0-9]*)?")
_MAX_EXT_DISK = (1 << 20) - 1


def _letters_to_disk(letters: str) -> int:
    n = 0
    for ch in letters:  # bijective base 26: a=0 ... z=25, aa=26
        n = n * 26 + (ord(ch) - 96)
    return n - 1


def _disk_to_letters(disk: int) -> str:
    out = ""
    n = disk + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def vdev_encode(name: str) -> int:
    """Device number for ``name`` ("xvda" -> 51712, "xvdq" -> extended, "sdb3", "hdc1" ...)."""
    m = _NAME.fullmatch(name) if isinstance(name, str) else None
    if m is None:
        raise AbiError(f"virtual-device: bad vbd name {name!r}")
    kind, disk, part = m.group(1), _letters_to_disk(m.group(2)), int(m.group(3) or 0)
    if kind == "xvd":
        if disk <= 15 and part <= 15:
            return XVD_MAJOR << 8 | disk << 4 | part
        if disk <= _MAX_EXT_DISK and part <= 255:
            return EXTENDED | disk << 8 | part
    elif kind == "sd":
        if disk <= 15 and part <= 15:
            return SD_MAJOR << 8 | disk << 4 | part
    elif disk <= 3 and part <= 63:
        major = HD_MAJOR_0_1 if disk < 2 else HD_MAJOR_2_3
        return major << 8 | (disk & 1) << 6 | part
    raise AbiError(f"virtual-device: {name!r} is out of range for the {kind} encoding")


def _name(kind: str, disk: int, part: int) -> str:
    return f"{kind}{_disk_to_letters(disk)}{part or ''}"


def vdev_decode(number: int) -> str:
    """Canonical name of device number ``number`` (inverse of :func:`vdev_encode`)."""
    if not isinstance(number, int) or number < 0:
        raise AbiError(f"virtual-device: bad device number {number!r}")
    if number >> 28 == 1:
        return _name("xvd", (number >> 8) & _MAX_EXT_DISK, number & 0xFF)
    if number >> 16 == 0:
        major, minor = number >> 8, number & 0xFF
        if major == XVD_MAJOR:
            return _name("xvd", minor >> 4, minor & 15)
        if major == SD_MAJOR:
            return _name("sd", minor >> 4, minor & 15)
        if major in (HD_MAJOR_0_1, HD_MAJOR_2_3) and minor >> 6 <= 1:
            base = 0 if major == HD_MAJOR_0_1 else 2
            return _name("hd", base + (minor >> 6), minor & 63)
    raise AbiError(f"virtual-device: {number} (0x{number:x}) is not an xvd/sd/hd device number")
