"""Per-sector provenance tags: every 512-byte sector a workload writes says who wrote it, where, when.

Layout (little-endian, 32-byte header + 480 data bytes), names after fio's ``struct verify_header``
(fio-conventions.md §4; fio verify.h). Not fio's byte layout — fio's header is 48 bytes and per
``verify_interval`` chunk; ours fits one 512-B sector, so ``version`` differs to keep fio tools from
misreading it.

=======  ======  =====  ===========================================================================
offset   field   type   meaning
=======  ======  =====  ===========================================================================
0        magic   u16    0xACCA (fio FIO_HDR_MAGIC)
2        version u8     0xB1 (high bit = versioned header as in fio; 0x31 = blkswap sector tag v1)
3        vtype   u8     4 = fio VERIFY_CRC32 (the data checksum is zlib's CRC-32)
4        thread  u16    domid of the writer (fio: job/thread number)
6        vbd     u16    virtual device id of the VBD written through
8        offset  u64    byte offset of this sector on the disk (fio: ``offset``)
16       numberio u64   write generation (fio: ``numberio``); 0 is never written
24       crc32   u32    zlib.crc32 of the 480 data bytes
28       hdr_crc u32    zlib.crc32 of bytes 0..27
32       data    480 B  60 little-endian u64 words ``w[j] = s ^ K[j]``, ``s`` = splitmix64 chain of
                        (thread, vbd, offset, numberio), ``K[j]`` = splitmix64(j + 1)
=======  ======  =====  ===========================================================================

Everything is vectorised with numpy. CRC-32 is affine over GF(2) for a fixed length
(``crc(a ^ b) = crc(a) ^ crc(b) ^ crc(0)``), so both CRCs are computed from per-byte tables with a
gather and an XOR-reduce per sector batch instead of a zlib call per sector; tests compare against
zlib. Verification compares every data byte with the regenerated pattern (stronger than the CRC).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "SECTOR",
    "TAG_MAGIC",
    "TAG_VERSION",
    "VERIFY_CRC32",
    "HEADER_SIZE",
    "DATA_SIZE",
    "UNKNOWN",
    "SECTOR_DTYPE",
    "Verdict",
    "fill",
    "render",
    "check",
    "classify",
    "pattern_seed",
]

SECTOR = 512
TAG_MAGIC = 0xACCA
TAG_VERSION = 0xB1
VERIFY_CRC32 = 4  # fio verify.h enum: NONE 0, HDR_ONLY 1, MD5 2, CRC64 3, CRC32 4
HEADER_SIZE = 32
DATA_SIZE = SECTOR - HEADER_SIZE
_WORDS = DATA_SIZE // 8
UNKNOWN = 2**64 - 1
"""An expected generation meaning "don't know": all zeros or our tag with any generation is ok
(e.g. after a discard on storage that does not guarantee zeroes)."""

SECTOR_DTYPE = np.dtype(
    {
        "names": [
            "magic",
            "version",
            "vtype",
            "thread",
            "vbd",
            "offset",
            "numberio",
            "crc32",
            "hdr_crc",
            "data",
        ],
        "formats": [
            "<u2",
            "u1",
            "u1",
            "<u2",
            "<u2",
            "<u8",
            "<u8",
            "<u4",
            "<u4",
            ("<u8", (_WORDS,)),
        ],
        "offsets": [0, 2, 3, 4, 6, 8, 16, 24, 28, 32],
        "itemsize": SECTOR,
    }
)

_M1, _M2, _GOLD = (
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
    np.uint64(0x9E3779B97F4A7C15),
)


_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrapping arithmetic)."""
    z = x + _GOLD  # a new array; the rest works in place on it (same values, fewer temporaries)
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


_P1, _P2, _P3 = (
    np.uint64(0xD6E8FEB86659FD93),
    np.uint64(0xA0761D6478BD642F),
    np.uint64(0xE7037ED1A0B428DB),
)
_U64 = 2**64 - 1
_LE_U64 = np.dtype("<u8")
_K = _splitmix(np.arange(1, _WORDS + 1, dtype=np.uint64))


def _crc_table(length: int, positions: list[list[int]]) -> tuple[np.ndarray, int]:
    """Per-byte CRC contributions: ``T[p][b] = crc(msg with byte b at positions[p]) ^ crc(0)``."""
    c0 = zlib.crc32(bytes(length))
    tab = np.zeros((len(positions), 256), dtype=np.uint32)
    for p, where in enumerate(positions):
        for b in range(1, 256):
            msg = bytearray(length)
            for i in where:
                msg[i] = b
            tab[p, b] = zlib.crc32(msg) ^ c0
    return tab, c0


_HDR_TAB, _HDR_C0 = _crc_table(28, [[p] for p in range(28)])
# byte k of the seed s lands at bytes k, k+8, …, k+472 of rep(s); crc(rep(s) ^ K) = crc(K) ^ Σ U
_DATA_TAB, _ = _crc_table(DATA_SIZE, [list(range(k, DATA_SIZE, 8)) for k in range(8)])
_K_CRC = zlib.crc32(_K.astype("<u8").tobytes())
_ROWS28, _ROWS8 = np.arange(28)[None, :], np.arange(8)[None, :]


def _hdr_crc(hdr28: np.ndarray) -> np.ndarray:
    """zlib.crc32 of each row of an (n, 28) uint8 array."""
    return np.bitwise_xor.reduce(_HDR_TAB[_ROWS28, hdr28], axis=1) ^ np.uint32(_HDR_C0)


def _data_crc(seed: np.ndarray) -> np.ndarray:
    """zlib.crc32 of the 480-byte pattern of each seed."""
    sbytes = (seed if seed.dtype == _LE_U64 else seed.astype(_LE_U64)).view(np.uint8)
    sbytes = sbytes.reshape(-1, 8)
    return np.bitwise_xor.reduce(_DATA_TAB[_ROWS8, sbytes], axis=1) ^ np.uint32(_K_CRC)


def pattern_seed(thread, vbd, offset, numberio) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The 64-bit seed of the data pattern for (thread, vbd, offset, numberio); broadcasts.

    ``splitmix64(((thread << 16) | vbd)·P1 ^ offset·P2 ^ numberio·P3)`` with odd constants P1..P3.
    """

    def u64(a) -> np.ndarray:  # type: ignore[no-untyped-def]
        return np.atleast_1d(np.asarray(a, dtype=np.uint64))  # arrays wrap silently, scalars warn

    tv = (u64(thread) << np.uint64(16)) | u64(vbd)
    return _splitmix(tv * _P1 ^ u64(offset) * _P2 ^ u64(numberio) * _P3)


def _as_bytes(buf: memoryview | np.ndarray | bytearray | bytes, writable: bool) -> np.ndarray:
    if isinstance(buf, np.ndarray):
        if not buf.flags.c_contiguous:
            raise ValueError("tag buffer must be C-contiguous")
        arr = buf.reshape(-1).view(np.uint8)
    else:
        arr = np.frombuffer(buf, dtype=np.uint8)
    if arr.size % SECTOR:
        raise ValueError(f"tag buffer length {arr.size} is not a multiple of {SECTOR}")
    if writable and not arr.flags.writeable:
        raise ValueError("tag buffer is read-only")
    return arr


def render(n: int, *, thread: int, vbd: int, offset: int, numberio) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The tag bytes of ``n`` sectors as an ``(n, 512)`` uint8 array (sector i at offset + 512·i)."""
    if offset % SECTOR or offset < 0:
        raise ValueError(f"tag offset {offset} is not a non-negative multiple of {SECTOR}")
    if not (0 <= thread < 1 << 16 and 0 <= vbd < 1 << 16):
        raise ValueError(f"thread {thread} / vbd {vbd} must fit in 16 bits")
    words = np.empty((n, SECTOR // 8), dtype="<u8")
    offs = np.arange(offset, offset + n * SECTOR, SECTOR, dtype=np.uint64)
    # pattern_seed with the scalar terms folded in Python (mod 2**64, as numpy wraps): the
    # (thread, vbd) term always, the generation's too when it is one number (every write)
    tv = (((thread << 16) | vbd) * int(_P1)) & _U64
    if type(numberio) is int and 0 <= numberio <= _U64:
        gen = numberio
        seed = _splitmix(offs * _P2 ^ np.uint64(tv ^ (numberio * int(_P3)) & _U64))
    else:
        gen = np.asarray(numberio, dtype=np.uint64)
        gen = np.broadcast_to(gen, (n,)) if gen.ndim else gen.reshape(1)  # a scalar broadcasts
        seed = _splitmix(np.uint64(tv) ^ offs * _P2 ^ gen * _P3)
    words[:, 0] = TAG_MAGIC | TAG_VERSION << 16 | VERIFY_CRC32 << 24 | thread << 32 | vbd << 48
    words[:, 1], words[:, 2] = offs, gen
    words[:, 3] = _data_crc(seed)  # crc32 in the low half; hdr_crc (high half) filled below
    np.bitwise_xor(seed[:, None], _K[None, :], out=words[:, 4:])
    raw = words.view(np.uint8)
    words[:, 3] |= _hdr_crc(raw[:, :28]).astype(np.uint64) << np.uint64(32)
    return raw


def fill(buf: memoryview | np.ndarray, *, thread: int, vbd: int, offset: int, numberio) -> None:  # type: ignore[no-untyped-def]
    """Write tags into ``buf`` (length a multiple of 512); ``numberio`` scalar or per sector."""
    dst = _as_bytes(buf, writable=True)
    dst[:] = render(
        dst.size // SECTOR, thread=thread, vbd=vbd, offset=offset, numberio=numberio
    ).reshape(-1)


@dataclass
class Verdict:
    """Per-sector classification of a buffer; the counters partition its sectors.

    ok: matches the expectation (our valid tag with the right vbd/offset/generation, or all zeros
    where nothing was written); mismatched: OUR valid header but wrong vbd/offset/generation,
    corrupt data or CRC, or a tag where zeros were expected; foreign: valid tags of another thread
    (domid) → count; poison: sectors equal to the poison pattern; zero: all-zero sectors where data
    was expected (``check``) or any all-zero sector (``classify``); garbage: everything else.
    ``first_bad``: index of the first sector that is not ok (``check``) / leaked (``classify``).
    """

    ok: int = 0
    mismatched: int = 0
    foreign: dict[int, int] = field(default_factory=dict)
    poison: int = 0
    zero: int = 0
    garbage: int = 0
    first_bad: int | None = None

    @property
    def total(self) -> int:
        """Number of sectors classified."""
        return (
            self.ok
            + self.mismatched
            + sum(self.foreign.values())
            + self.poison
            + self.zero
            + self.garbage
        )

    @property
    def leaked(self) -> int:
        """Sectors carrying another domain's data or freed-frame poison."""
        return sum(self.foreign.values()) + self.poison

    def __add__(self, other: Verdict) -> Verdict:
        foreign = dict(self.foreign)
        for dom, cnt in other.foreign.items():
            foreign[dom] = foreign.get(dom, 0) + cnt
        first = self.first_bad if self.first_bad is not None else other.first_bad
        return Verdict(
            self.ok + other.ok,
            self.mismatched + other.mismatched,
            foreign,
            self.poison + other.poison,
            self.zero + other.zero,
            self.garbage + other.garbage,
            first,
        )


def _scan(buf, thread: int, poison: bytes | None):  # type: ignore[no-untyped-def]
    """Shared per-sector masks: (sectors, arr, zero, poison, own, foreign, data_ok)."""
    raw = _as_bytes(buf, writable=False)
    n = raw.size // SECTOR
    rows = raw.reshape(n, SECTOR)
    arr = raw.view(SECTOR_DTYPE)
    zero = ~rows.any(axis=1)
    if poison:
        # the pattern repeated over one sector (what np.resize does, without its overhead)
        pat = np.frombuffer((poison * (SECTOR // len(poison) + 1))[:SECTOR], dtype=np.uint8)
        pois = (rows == pat[None, :]).all(axis=1) & ~zero
    else:
        pois = np.zeros(n, dtype=bool)
    hdr_ok = (arr["magic"] == TAG_MAGIC) & (arr["version"] == TAG_VERSION)
    hdr_ok &= arr["hdr_crc"] == _hdr_crc(rows[:, :28])
    seed = pattern_seed(arr["thread"], arr["vbd"], arr["offset"], arr["numberio"])
    data_ok = (arr["data"] == (seed[:, None] ^ _K[None, :])).all(axis=1)
    data_ok &= (arr["crc32"] == _data_crc(seed)) & (arr["vtype"] == VERIFY_CRC32)
    own = hdr_ok & (arr["thread"] == thread)
    return n, arr, zero, pois & ~hdr_ok, own, hdr_ok & ~own, data_ok


def _verdict(n: int, arr: np.ndarray, ok, mism, zero, pois, foreign, bad) -> Verdict:  # type: ignore[no-untyped-def]
    doms, counts = (
        np.unique(arr["thread"][foreign], return_counts=True) if foreign.any() else ((), ())
    )
    known = ok | mism | zero | pois | foreign
    idx = np.flatnonzero(bad)
    return Verdict(
        ok=int(np.count_nonzero(ok)),
        mismatched=int(np.count_nonzero(mism)),
        foreign={int(d): int(c) for d, c in zip(doms, counts, strict=True)},
        poison=int(np.count_nonzero(pois)),
        zero=int(np.count_nonzero(zero)),
        garbage=int(n - np.count_nonzero(known)),
        first_bad=int(idx[0]) if idx.size else None,
    )


def check(
    buf, *, thread: int, vbd: int, offset: int, expected, poison: bytes | None = None
) -> Verdict:  # type: ignore[no-untyped-def]
    """Verify a read of ``buf`` at disk ``offset`` written by ``thread`` through ``vbd``.

    ``expected``: generation per sector (array) or one for all; 0 = never written → must be zeros;
    :data:`UNKNOWN` = zeros or our tag with any generation.
    """
    sectors = _all_as_expected(buf, thread, vbd, offset, expected)
    if sectors:
        return Verdict(ok=sectors)
    n, arr, zero, pois, own, foreign, data_ok = _scan(buf, thread, poison)
    exp = np.broadcast_to(np.asarray(expected, dtype=np.uint64), (n,))
    exp_off = np.uint64(offset) + np.arange(n, dtype=np.uint64) * np.uint64(SECTOR)
    unknown = exp == np.uint64(UNKNOWN)
    good_gen = ((arr["numberio"] == exp) | unknown) & (exp != 0)
    own_ok = own & data_ok & (arr["vbd"] == vbd) & (arr["offset"] == exp_off) & good_gen
    zero_ok = zero & ((exp == 0) | unknown)
    ok = own_ok | zero_ok
    return _verdict(n, arr, ok, own & ~own_ok, zero & ~zero_ok, pois, foreign, ~ok)


def _all_as_expected(buf, thread: int, vbd: int, offset: int, expected) -> int:  # type: ignore[no-untyped-def]
    """Fast path of :func:`check`: is ``buf`` byte for byte what a correct read returns (our
    tags with the expected generations, zeros where ``expected`` is 0)? Then every sector is ok
    and the full scan would say so too: returns the sector count. 0: take the full scan (any
    other buffer, an empty one, or arguments :func:`render` would not take)."""
    ints = type(thread) is int and type(vbd) is int and type(offset) is int
    if (
        not ints
        or offset < 0
        or offset % SECTOR
        or not (0 <= thread < 1 << 16 and 0 <= vbd < 1 << 16)
    ):
        return 0
    raw = _as_bytes(buf, writable=False)
    n = raw.size // SECTOR
    if n == 0:
        return 0
    exp = np.broadcast_to(np.asarray(expected, dtype=np.uint64), (n,))
    want = render(n, thread=thread, vbd=vbd, offset=offset, numberio=exp)
    unwritten = exp == 0
    if unwritten.any():
        want[unwritten] = 0
    return n if np.array_equal(raw.reshape(n, SECTOR), want) else 0


def classify(buf, *, thread: int, poison: bytes | None = None) -> Verdict:  # type: ignore[no-untyped-def]
    """Who owns each sector of an arbitrary buffer (leak scans); no expectation of content."""
    raw = _as_bytes(buf, writable=False)
    if not np.count_nonzero(raw):  # all zeros (e.g. a fresh frame swapped in): one C count
        return Verdict(zero=raw.size // SECTOR)  # what the scan below finds for zeros
    n, arr, zero, pois, own, foreign, data_ok = _scan(raw, thread, poison)
    ok = own & data_ok
    return _verdict(n, arr, ok, own & ~data_ok, zero, pois, foreign, foreign | pois)
