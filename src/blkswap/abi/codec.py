"""Field tables and the generated per-ABI struct codecs.

A C struct is declared ONCE as a :class:`Decl` (an ordered table of :class:`Field` rows: name and
C type, nested structs/unions and arrays allowed). :func:`build_struct` lays the table out with the
C rules of one ABI (``ctypes_model.CTYPES``) and returns a :class:`Struct` codec with a precompiled
little-endian ``struct.Struct``. Offsets are never written by hand: they are checked against
``tests/golden/abi_sizes.txt`` and against gcc on the real headers (tests/interop).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from blkswap.abi.ctypes_model import CTYPES, Scalar
from blkswap.abi.errors import AbiError

#: what a codec reads from or packs into: a slot copy, a ring page, an argument batch
Buffer: TypeAlias = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class Field:
    """One row of a field table: C member ``name`` of type ``ctype`` (scalar name or nested Decl).

    ``count`` > 1 declares an array; ``abis`` restricts the member to some ABIs (e.g. the i386-only
    ``pad`` of blkif_request_indirect); ``opaque`` byte arrays get an offset but carry no value.
    """

    name: str
    ctype: str | Decl
    count: int = 1
    abis: frozenset[str] | None = None
    opaque: bool = False


@dataclass(frozen=True, slots=True)
class Decl:
    """A C struct or union declaration (``kind`` "struct" | "union").

    ``c_name`` / ``c_prefix`` say how tests/interop reaches the same members in the real headers
    (``offsetof(c_name, c_prefix + field)``); ``c_name`` None means the lab invented it.
    For a union, only the first member carries values; the others are offset-only aliases.
    """

    name: str
    fields: tuple[Field, ...]
    kind: str = "struct"
    c_name: str | None = None
    c_prefix: str = ""
    pad_to: int = 0  # union-variant views are padded to the union's size
    doc: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Leaf:
    """A laid-out member: dotted name, byte offset, scalar type (None = container/opaque)."""

    name: str
    offset: int
    scalar: Scalar | None
    value: bool


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _shape(decl: Decl, abi: str) -> tuple[int, int, list[Leaf]]:
    """Size, alignment and leaves (offsets relative to the start) of ``decl`` under ``abi``."""
    types = CTYPES[abi]
    off = size = 0
    align = 1
    leaves: list[Leaf] = []
    first = True
    for f in decl.fields:
        if f.abis is not None and abi not in f.abis:
            continue
        values = (decl.kind == "struct" or first) and not f.opaque
        first = False
        if isinstance(f.ctype, Decl):
            esize, ealign, inner = _shape(f.ctype, abi)
            if f.opaque:
                inner = []  # layout-only member (e.g. sring.ring): offset, no sub-fields
        else:
            sc = types[f.ctype]
            esize, ealign, inner = sc.size, sc.align, []
        start = 0 if decl.kind == "union" else _align(off, ealign)
        align = max(align, ealign)
        leaves.append(Leaf(f.name, start, None, False))
        for i in range(f.count):
            base = start + i * esize
            elem = f.name if f.count == 1 else f"{f.name}[{i}]"
            if isinstance(f.ctype, Decl):
                if f.count > 1:
                    leaves.append(Leaf(elem, base, None, False))
                for lf in inner:
                    keep = values and lf.value
                    leaves.append(Leaf(f"{elem}.{lf.name}", base + lf.offset, lf.scalar, keep))
            elif not f.opaque:
                if f.count == 1:
                    leaves[-1] = Leaf(elem, base, types[f.ctype], values)
                else:
                    leaves.append(Leaf(elem, base, types[f.ctype], values))
        end = start + f.count * esize
        off = end if decl.kind == "struct" else 0
        size = max(size, end)
    return max(_align(size, align), decl.pad_to), align, leaves


def _format(values: list[Leaf], size: int) -> str:
    parts = ["<"]
    pos = 0
    for lf in values:
        assert lf.scalar is not None
        if lf.offset > pos:
            parts.append(f"{lf.offset - pos}x")
        parts.append(lf.scalar.fmt)
        pos = lf.offset + lf.scalar.size
    if size > pos:
        parts.append(f"{size - pos}x")
    return "".join(parts)


class Struct:
    """Codec for one C struct on one ABI (see module docstring).

    ``fields`` maps every C member name (containers like ``seg``/``source`` and dotted leaves like
    ``source.domid``, ``seg[3].gref``) to its byte offset; ``names`` lists the value-carrying
    leaves in the order ``st.unpack_from`` yields them.
    """

    __slots__ = ("name", "abi", "decl", "size", "fields", "names", "st", "_index", "_leaf", "_zero")

    def __init__(self, decl: Decl, abi: str) -> None:
        size, _align_, leaves = _shape(decl, abi)
        values = sorted((lf for lf in leaves if lf.value), key=lambda lf: lf.offset)
        self.name = decl.name
        self.abi = abi
        self.decl = decl
        self.size = size
        self.fields: dict[str, int] = {lf.name: lf.offset for lf in leaves}
        self.names: tuple[str, ...] = tuple(lf.name for lf in values)
        self.st = struct.Struct(_format(values, size))
        if self.st.size != size:  # pragma: no cover - guards the layout engine itself
            raise AbiError(f"{self.name}: format {self.st.format} is {self.st.size} B, not {size}")
        self._index = {n: i for i, n in enumerate(self.names)}
        self._leaf = {
            lf.name: (struct.Struct("<" + lf.scalar.fmt), lf.offset, lf.scalar)
            for lf in values
            if lf.scalar is not None
        }
        self._zero = bytes(size)

    def __repr__(self) -> str:
        return f"Struct({self.name!r}, abi={self.abi!r}, size={self.size})"

    def field_type(self, name: str) -> Scalar:
        """The scalar type of value field ``name`` (AbiError if unknown)."""
        return self._lookup(name)[2]

    # -- packing -------------------------------------------------------------------------------
    def values_tuple(self, values: Mapping[str, int] | None = None, **kw: int) -> list[int]:
        """Values in ``names`` order (missing = 0); unknown names raise AbiError."""
        return self._ordered(values, kw)

    def _ordered(self, values: Mapping[str, int] | None, kw: dict[str, int]) -> list[int]:
        """``values_tuple`` without re-packing ``kw`` into a new dict (the pack paths call it)."""
        vals: list[int] = [0] * len(self.names)
        index = self._index
        for src in (values, kw) if values else (kw,):
            for k, v in src.items():
                i = index.get(k)
                if i is None:
                    raise AbiError(f"{self.name}: unknown field {k!r}")
                vals[i] = v
        return vals

    def check(self, vals: list[int] | tuple[int, ...]) -> None:
        """Raise AbiError naming the first value that does not fit its field."""
        for name, v in zip(self.names, vals, strict=True):
            sc = self._leaf[name][2]
            if not isinstance(v, int):
                raise AbiError(f"{self.name}.{name}: {v!r} is not an integer")
            if not sc.lo <= v <= sc.hi:
                raise AbiError(f"{self.name}.{name}: {v} does not fit {sc.label}")
        raise AbiError(f"{self.name}: values do not pack: {tuple(vals)!r}")  # pragma: no cover

    def pack(self, values: Mapping[str, int] | None = None, **kw: int) -> bytes:
        """Pack to exactly ``size`` bytes; missing fields are 0, padding is 0."""
        if not values and not kw:
            return self._zero
        vals = self._ordered(values, kw)
        try:
            return self.st.pack(*vals)
        except struct.error:
            self.check(tuple(vals))
            raise

    def pack_into(
        self, buf: Buffer, offset: int, values: Mapping[str, int] | None = None, **kw: int
    ) -> None:
        """Pack into ``buf`` at ``offset`` (whole struct incl. padding is written)."""
        self.pack_values_into(buf, offset, self._ordered(values, kw))

    def pack_values_into(self, buf: Buffer, offset: int, vals: Sequence[int]) -> None:
        """``pack_into`` with every value given positionally, in ``names`` order (hot paths
        build the values in that order and skip the name lookups)."""
        self._need(buf, offset)
        try:
            self.st.pack_into(buf, offset, *vals)
        except struct.error:
            self.check(tuple(vals))
            raise

    # -- unpacking -----------------------------------------------------------------------------
    def unpack(self, buf: Buffer) -> dict[str, int]:
        """Decode a buffer of exactly ``size`` bytes into {field: value}."""
        n = len(buf) if not isinstance(buf, memoryview) else buf.nbytes
        if n != self.size:
            kind = "short" if n < self.size else "oversized"
            raise AbiError(f"{self.name}: {kind} buffer, {n} bytes, need exactly {self.size}")
        return dict(zip(self.names, self.st.unpack(buf), strict=True))

    def unpack_from(self, buf: Buffer, offset: int = 0) -> dict[str, int]:
        """Decode ``size`` bytes of ``buf`` starting at ``offset``."""
        self._need(buf, offset)
        return dict(zip(self.names, self.st.unpack_from(buf, offset), strict=True))

    def read_field(self, buf: Buffer, offset: int, name: str) -> int:
        """Read one value field of the struct located at ``offset`` in ``buf``."""
        st, off, _sc = self._lookup(name)
        self._need(buf, offset)
        return int(st.unpack_from(buf, offset + off)[0])

    def write_field(self, buf: Buffer, offset: int, name: str, value: int) -> None:
        """Write one value field (range checked) of the struct located at ``offset``."""
        st, off, sc = self._lookup(name)
        self._need(buf, offset)
        if not isinstance(value, int):
            raise AbiError(f"{self.name}.{name}: {value!r} is not an integer")
        if not sc.lo <= value <= sc.hi:
            raise AbiError(f"{self.name}.{name}: {value} does not fit {sc.label}")
        st.pack_into(buf, offset + off, value)

    def _lookup(self, name: str) -> tuple[struct.Struct, int, Scalar]:
        try:
            return self._leaf[name]
        except KeyError:
            raise AbiError(f"{self.name}: unknown field {name!r}") from None

    def _need(self, buf: Buffer, offset: int) -> None:
        n = len(buf) if not isinstance(buf, memoryview) else buf.nbytes
        if offset < 0 or offset + self.size > n:
            raise AbiError(
                f"{self.name}: short buffer, {n} bytes cannot hold {self.size} at offset {offset}"
            )


def build_struct(decl: Decl, abi: str) -> Struct:
    """Lay out ``decl`` for ``abi`` ("x86_64" | "x86_32") and return its codec."""
    if abi not in CTYPES:
        raise AbiError(f"unknown ABI {abi!r} (known: {', '.join(CTYPES)})")
    return Struct(decl, abi)
