"""The tag bytes of a few sectors, in Python integers: :func:`render_bytes`.

:func:`blkswap.workload.tags.render` is vectorised: about 30 numpy calls whatever the number of
sectors, which is most of its cost for the one 4 KiB write (8 sectors) a request usually carries.
Below ``SMALL`` sectors this module builds the same bytes with integer arithmetic and two
``zlib.crc32`` calls per sector, about twice as fast there. Above it, numpy wins and is used.
``tests/workload/test_tag_bytes.py`` checks that both give the same bytes.

A sector's 60 data words are ``s ^ K[j]``: as one 480-byte little-endian integer that is
``(s * R) ^ K`` with ``R = Σ 2**(64·j)`` (``s < 2**64``, so the product has no carries between
words) and ``K`` the 60 constant words as one integer.
"""

from __future__ import annotations

import struct
import zlib

from blkswap.workload import tags as _tags

__all__ = ["SMALL", "render_bytes"]

SMALL = 8
"""Up to this many sectors (4 KiB), integers beat numpy (measured: docs/performance.md)."""

_U64 = 2**64 - 1
_P1, _P2, _P3 = int(_tags._P1), int(_tags._P2), int(_tags._P3)
_M1, _M2, _GOLD = int(_tags._M1), int(_tags._M2), int(_tags._GOLD)
_R = sum(1 << (64 * j) for j in range(_tags._WORDS))
_K = int.from_bytes(_tags._K.astype("<u8").tobytes(), "little")
_W0 = _tags.TAG_MAGIC | _tags.TAG_VERSION << 16 | _tags.VERIFY_CRC32 << 24
_HDR = struct.Struct("<QQQI")  # magic..vbd as one word, offset, numberio, crc32 (28 bytes)
_DATA = _tags.DATA_SIZE


def render_bytes(n: int, *, thread: int, vbd: int, offset: int, numberio: int) -> bytes:
    """``render(n, ...).tobytes()`` for one generation ``numberio`` (an int, as every write has)."""
    if n > SMALL or type(numberio) is not int or not 0 <= numberio <= _U64:
        return bytes(
            _tags.render(n, thread=thread, vbd=vbd, offset=offset, numberio=numberio).tobytes()
        )
    if offset % _tags.SECTOR or offset < 0:
        raise ValueError(f"tag offset {offset} is not a non-negative multiple of {_tags.SECTOR}")
    if not (0 <= thread < 1 << 16 and 0 <= vbd < 1 << 16):
        raise ValueError(f"thread {thread} / vbd {vbd} must fit in 16 bits")
    # pattern_seed's terms that do not depend on the sector, folded once
    tv = ((((thread << 16) | vbd) * _P1) ^ (numberio * _P3)) & _U64
    w0 = _W0 | thread << 32 | vbd << 48
    pack, crc32, parts = _HDR.pack, zlib.crc32, []
    for off in range(offset, offset + n * _tags.SECTOR, _tags.SECTOR):
        z = ((((off * _P2) & _U64) ^ tv) + _GOLD) & _U64  # splitmix64, as tags._splitmix
        z ^= z >> 30
        z = (z * _M1) & _U64
        z ^= z >> 27
        z = (z * _M2) & _U64
        z ^= z >> 31
        data = ((z * _R) ^ _K).to_bytes(_DATA, "little")
        hdr = pack(w0, off, numberio, crc32(data))
        parts += (hdr, crc32(hdr).to_bytes(4, "little"), data)
    return b"".join(parts)
