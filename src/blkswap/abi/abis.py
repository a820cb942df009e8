"""One codec object per ABI: :class:`Abi`, the instances ``X86_64`` / ``X86_32`` and lookup.

A backend picks its ``Abi`` once at connect time from the frontend's ``protocol`` key
(:func:`by_protocol`) and then only calls its methods -- nothing else in blkswap switches on
the ABI (docs/design.md "switching on the ABI everywhere"). Request decoding follows Linux blkback
(LB common.h ``blkif_get_x86_{32,64}_req``; xen-abi.md §3.3): only min(nr_segments, 11)
segments and min(pages needed, 8) indirect grefs are copied out; raw ``nr_segments`` is kept.
"""

from __future__ import annotations

import struct

from blkswap.abi.blkif import (
    BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
    BLKIF_MAX_SEGMENTS_PER_REQUEST,
    BLKIF_OP_DISCARD,
    BLKIF_OP_INDIRECT,
    AnyRequest,
    DiscardRequest,
    IndirectRequest,
    Request,
    Response,
    Segment,
    indirect_pages_needed,
)
from blkswap.abi.codec import Buffer, Struct, build_struct
from blkswap.abi.decls import ALL_DECLS
from blkswap.abi.errors import AbiError

_REQ_HEAD = ("operation", "nr_segments", "handle", "id", "sector_number")
_IND_HEAD = ("operation", "indirect_op", "nr_segments", "id", "sector_number", "handle")
_MAXSEG = BLKIF_MAX_SEGMENTS_PER_REQUEST
_MAXIND = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST


def _expect_names(st: Struct, head: tuple[str, ...]) -> None:
    if st.names[: len(head)] != head:  # guards decls.py against reordering
        raise AbiError(f"{st.name}: field order {st.names[: len(head)]} != {head}")


def _buflen(buf: Buffer) -> int:
    return buf.nbytes if isinstance(buf, memoryview) else len(buf)


class Abi:
    """The struct codecs and blkif request/response codec of one ABI ("x86_64" | "x86_32")."""

    def __init__(self, name: str, protocol: str) -> None:
        self.name = name
        self.protocol = protocol
        self.structs: dict[str, Struct] = {d.name: build_struct(d, name) for d in ALL_DECLS}
        self._req = self.structs["blkif_request"]
        self._disc = self.structs["blkif_request_discard"]
        self._ind = self.structs["blkif_request_indirect"]
        self._rsp = self.structs["blkif_response"]
        _expect_names(self._req, _REQ_HEAD)
        _expect_names(self._disc, (*_REQ_HEAD[:1], "flag", *_REQ_HEAD[2:], "nr_sectors"))
        _expect_names(self._ind, _IND_HEAD)
        _expect_names(self._rsp, ("id", "operation", "status"))
        # ring.h: the slot is union { request; response } -> the largest member
        self.ring_entry_size = max(s.size for s in (self._req, self._disc, self._ind, self._rsp))
        self.response_size = self._rsp.size
        # each request layout with the slot's tail padding appended: packs a whole slot at once
        self._slot_st = {
            st: struct.Struct(f"{st.st.format}{self.ring_entry_size - st.size}x")
            for st in (self._req, self._disc, self._ind)
        }
        self._ind_tail = len(self._ind.names) - len(_IND_HEAD) - _MAXIND  # i386 trailing pad
        self._seg_zero = (0,) * (3 * _MAXSEG)
        self._req_st = self._req.st
        self._rsp_st = self._rsp.st

    def __repr__(self) -> str:
        return f"Abi({self.name!r}, protocol={self.protocol!r})"

    def struct(self, name: str) -> Struct:
        """The codec of C struct ``name`` on this ABI (AbiError if not declared)."""
        try:
            return self.structs[name]
        except KeyError:
            raise AbiError(f"{self.name}: no struct named {name!r}") from None

    # -- requests ------------------------------------------------------------------------------
    def encode_request(self, req: AnyRequest) -> bytes:
        """Ring-slot bytes (exactly ``ring_entry_size``, zero padded) for ``req``."""
        if type(req) is Request:
            return self._encode_rw(req)
        if type(req) is DiscardRequest:
            vals: tuple[int, ...] = (
                req.operation,
                req.flag,
                req.handle,
                req.id,
                req.sector_number,
                req.nr_sectors,
            )
            return self._pack_slot(self._disc, vals)
        if type(req) is IndirectRequest:
            return self._encode_indirect(req)
        raise AbiError(f"{self.name}: cannot encode {type(req).__name__} as a blkif request")

    def _encode_rw(self, req: Request) -> bytes:
        segs = req.segments
        if len(segs) > _MAXSEG:
            raise AbiError(f"blkif_request.seg: {len(segs)} segments, at most {_MAXSEG}")
        flat = [v for s in segs for v in (s.gref, s.first_sect, s.last_sect)]
        vals = (req.operation, req.nr_segments, req.handle, req.id, req.sector_number,
                *flat, *self._seg_zero[len(flat):])  # fmt: skip
        return self._pack_slot(self._req, vals)

    def _encode_indirect(self, req: IndirectRequest) -> bytes:
        grefs = req.indirect_grefs
        if len(grefs) > _MAXIND:
            raise AbiError(
                f"blkif_request_indirect.indirect_grefs: {len(grefs)} grefs, at most {_MAXIND}"
            )
        vals = (req.operation, req.indirect_op, req.nr_segments, req.id, req.sector_number,
                req.handle, *grefs, *(0,) * (_MAXIND - len(grefs) + self._ind_tail))  # fmt: skip
        return self._pack_slot(self._ind, vals)

    def _pack_slot(self, st: Struct, vals: tuple[int, ...]) -> bytes:
        try:
            return self._slot_st[st].pack(*vals)  # = st.st.pack(*vals) + zero padding
        except struct.error:
            st.check(vals)
            raise

    def decode_request(self, buf: Buffer) -> AnyRequest:
        """Decode a private copy of a ring slot; dispatch on the operation byte (5, 6, else rw)."""
        if _buflen(buf) < self.ring_entry_size:
            raise AbiError(
                f"{self.name} blkif_request: short buffer, {_buflen(buf)} bytes, "
                f"need {self.ring_entry_size}"
            )
        op = buf[0]
        if op == BLKIF_OP_DISCARD:
            return DiscardRequest(*self._disc.st.unpack_from(buf, 0))
        if op == BLKIF_OP_INDIRECT:
            v = self._ind.st.unpack_from(buf, 0)
            n = min(indirect_pages_needed(v[2]), _MAXIND)
            return IndirectRequest(v[0], v[1], v[2], v[3], v[4], v[5], v[6 : 6 + n])
        v = self._req_st.unpack_from(buf, 0)
        end = 5 + 3 * min(v[1], _MAXSEG)
        segs = tuple(map(Segment, v[5:end:3], v[6:end:3], v[7:end:3]))
        return Request(v[0], v[1], v[2], v[3], v[4], segs)

    # -- responses -----------------------------------------------------------------------------
    def encode_response(self, rsp: Response) -> bytes:
        """``response_size`` bytes of struct blkif_response (written at the start of a slot)."""
        vals = (rsp.id, rsp.operation, rsp.status)
        try:
            return self._rsp_st.pack(*vals)
        except struct.error:
            self._rsp.check(vals)
            raise

    def decode_response(self, buf: Buffer) -> Response:
        """Decode the first ``response_size`` bytes of ``buf`` (a slot copy may be longer)."""
        if _buflen(buf) < self.response_size:
            raise AbiError(
                f"{self.name} blkif_response: short buffer, {_buflen(buf)} bytes, "
                f"need {self.response_size}"
            )
        return Response(*self._rsp_st.unpack_from(buf, 0))


X86_64 = Abi("x86_64", "x86_64-abi")
X86_32 = Abi("x86_32", "x86_32-abi")
ABIS: dict[str, Abi] = {X86_64.name: X86_64, X86_32.name: X86_32}
_BY_PROTOCOL = {a.protocol: a for a in ABIS.values()}


def by_protocol(protocol: str) -> Abi:
    """The Abi for a xenstore ``protocol`` value ("x86_64-abi" | "x86_32-abi").

    Note (xen-abi.md §3.3): when the key is absent Linux blkback on x86 assumes x86_32; that
    default is the caller's decision, this function only maps known strings.
    """
    try:
        return _BY_PROTOCOL[protocol]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_BY_PROTOCOL))
        raise AbiError(f"unknown blkif protocol {protocol!r} (known: {known})") from None
