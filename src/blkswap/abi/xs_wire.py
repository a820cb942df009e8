"""The xenstore wire protocol: message header and types (XH ``io/xs_wire.h``).

A message is a 16-byte little-endian ``struct xsd_sockmsg`` header followed by ``len`` payload
bytes (at most ``XENSTORE_PAYLOAD_MAX``), the same over xenstored's Unix socket and over Linux's
``/dev/xen/xenbus``. Payload formats are in Xen's ``docs/misc/xenstore.txt``. ``tests/interop``
checks the layout and every value here against gcc on the header.
"""

from __future__ import annotations

from enum import IntEnum

from blkswap.abi.codec import Decl, Field, Struct, build_struct

XSD_SOCKMSG = Decl(
    "xsd_sockmsg",
    (
        Field("type", "uint32_t"),
        Field("req_id", "uint32_t"),
        Field("tx_id", "uint32_t"),
        Field("len", "uint32_t"),
    ),
    c_name="struct xsd_sockmsg",
)
HEADER: Struct = build_struct(XSD_SOCKMSG, "x86_64")  # identical on every ABI: four u32
PAYLOAD_MAX = 4096  # XENSTORE_PAYLOAD_MAX


class XsType(IntEnum):
    """``enum xsd_sockmsg_type``."""

    CONTROL = 0
    DIRECTORY = 1
    READ = 2
    GET_PERMS = 3
    WATCH = 4
    UNWATCH = 5
    TRANSACTION_START = 6
    TRANSACTION_END = 7
    INTRODUCE = 8
    RELEASE = 9
    GET_DOMAIN_PATH = 10
    WRITE = 11
    MKDIR = 12
    RM = 13
    SET_PERMS = 14
    WATCH_EVENT = 15
    ERROR = 16
    IS_DOMAIN_INTRODUCED = 17
    RESUME = 18
    SET_TARGET = 19
    RESET_WATCHES = 21
    DIRECTORY_PART = 22
