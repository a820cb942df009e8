"""fio's value syntax: sizes, times, ranges, per-direction comma lists, float lists, ``(expr)``.

Rules follow fio-conventions.md §1 (fio ``parse.c``: ``str_to_decimal``, ``__get_mult_bytes``,
``get_mult_time``, ``check_range_bytes``; ``options.c``: ``split_parse_ddir``):

* sizes: optional ``0x`` (then no suffix), suffixes case-insensitive; under ``kb_base=1024`` ``k/kb/ki``
  are powers of 1024 and the IEC forms ``kib/mib/…`` are powers of **1000** (fio's "opposite units"
  quirk); ``kb_base=1000`` swaps both. ``b`` means bytes. ``%`` only where the option allows it.
* times: internal unit µs; ``us|usec``, ``ms|msec``, ``s``, ``m``, ``h``, ``d``; a bare number is seconds
  for ``is_seconds`` options and µs otherwise. Any other alphabetic suffix (``10sec``) falls through to
  a multiplier of 1 µs, exactly as ``get_mult_time`` does (it matches ``"s"`` with strcmp); we warn.
* ``(expr)``: ``+ - * / % ^`` with units inside; C integer semantics for ``/`` and ``%`` on integers,
  ``^`` is power. Inside an expression a bare time is µs (fio-conventions.md §1).

Where blkswap is *stricter* than fio (documented in docs/workload.md): unknown size suffixes
(``4x``), trailing junk and fractional sizes (``1.5m``, which fio silently reads as 1) are errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from blkswap.workload.errors import ValueProblem

__all__ = [
    "size_multiplier",
    "parse_size",
    "parse_size_or_pct",
    "parse_time",
    "parse_int",
    "parse_bool",
    "parse_float_list",
    "split_range",
    "split_ddir",
    "evaluate",
]

Warn = Callable[[str], None]

_NUM = re.compile(r"^([+-]?)(0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?|\.\d+)([A-Za-z%]*)$")
_POW = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_IEC = re.compile(r"^([kmgtp])ib$")
_DEC = re.compile(r"^([kmgtp])(?:b|i)?$")


def size_multiplier(suffix: str, kb_base: int = 1024) -> int:
    """Bytes per unit for a size suffix (without ``%``); ``ValueProblem`` if unknown.

    # fio parse.c __get_mult_bytes: the three-letter IEC forms take the "opposite" base.
    """
    s = suffix.lower()
    if s in ("", "b"):
        return 1
    m = _IEC.match(s)
    if m:
        other = 1000 if kb_base == 1024 else 1024
        return other ** _POW[m.group(1)]
    m = _DEC.match(s)
    if m:
        return kb_base ** _POW[m.group(1)]
    raise ValueProblem(f"unknown size suffix '{suffix}'")


def _split_number(text: str, what: str) -> tuple[str, str, str]:
    m = _NUM.match(text.strip())
    if not m:
        raise ValueProblem(f"invalid {what} '{text}'")
    return m.group(1), m.group(2), m.group(3)


def parse_size_or_pct(
    text: str,
    *,
    kb_base: int = 1024,
    allow_pct: bool = False,
    allow_negative: bool = False,
    warn: Warn | None = None,
) -> tuple[int | None, float | None]:
    """Parse a size: ``(bytes, None)`` or, for ``N%`` where allowed, ``(None, pct)``."""
    t = text.strip()
    if t.startswith("("):
        val = _to_int(evaluate(t, kind="size", kb_base=kb_base), t, "size")
        return _check_sign(val, t, allow_negative, "size"), None
    try:
        sign, digits, suffix = _split_number(t, "size")
    except ValueProblem:
        raise ValueProblem(f"invalid size '{text}'") from None
    if suffix == "%":
        if not allow_pct:
            raise ValueProblem(f"invalid size '{text}' (a percentage is not allowed here)")
        pct = float(digits)
        if not 0 < pct <= 100:
            raise ValueProblem(f"invalid percentage '{text}' (must be 1-100%)")
        return None, pct
    if digits.lower().startswith("0x"):
        if suffix:
            raise ValueProblem(f"invalid size '{text}' (no unit suffix after a hex number)")
        val = int(digits, 16)
    elif "." in digits:
        raise ValueProblem(
            f"invalid size '{text}' (fractional sizes are not supported; fio would truncate)"
        )
    else:
        try:
            mult = size_multiplier(suffix, kb_base)
        except ValueProblem:
            raise ValueProblem(f"invalid size '{text}'") from None
        val = int(digits) * mult
        if warn and _IEC.match(suffix.lower()) and kb_base == 1024:
            warn(
                f"'{text}' uses an IEC suffix: under the default kb_base=1024 fio reads it as "
                f"powers of 1000 ({val} bytes)"
            )
    if sign == "-":
        val = -val
    return _check_sign(val, text, allow_negative, "size"), None


def parse_size(text: str, *, kb_base: int = 1024, warn: Warn | None = None) -> int:
    """Parse a non-negative size in bytes (no ``%``)."""
    val, _ = parse_size_or_pct(text, kb_base=kb_base, warn=warn)
    assert val is not None  # allow_pct=False guarantees a byte count
    return val


def parse_int(text: str, *, kb_base: int = 1024, allow_negative: bool = False) -> int:
    """An fio ``int`` option (fio parses these with ``kilo=1``, so ``1k`` is accepted)."""
    try:
        val, _ = parse_size_or_pct(text, kb_base=kb_base, allow_negative=allow_negative)
    except ValueProblem:
        raise ValueProblem(f"invalid integer '{text}'") from None
    assert val is not None
    return val


_TIME_PREFIX = (("usec", 1), ("us", 1), ("msec", 1000), ("ms", 1000))
_TIME_EXACT = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def _time_mult(suffix: str, is_seconds: bool, text: str, warn: Warn | None) -> int:
    """# fio parse.c get_mult_time: prefix match us/ms, exact match s/m/h/d, else 1 (µs)."""
    if not suffix:
        return 1_000_000 if is_seconds else 1
    s = suffix.lower()
    for prefix, mult in _TIME_PREFIX:
        if s.startswith(prefix):
            return mult
    if s in _TIME_EXACT:
        return _TIME_EXACT[s]
    if warn:
        warn(f"'{text}': fio does not know the time suffix '{suffix}' and reads it as microseconds")
    return 1


def parse_time(text: str, *, is_seconds: bool, warn: Warn | None = None) -> int:
    """Parse an fio time value into µs (bare number: s if ``is_seconds`` else µs)."""
    t = text.strip()
    if t.startswith("("):
        return _check_sign(_to_int(evaluate(t, kind="time"), t, "time"), t, False, "time")
    try:
        sign, digits, suffix = _split_number(t, "time")
    except ValueProblem:
        raise ValueProblem(f"invalid time '{text}'") from None
    if "." in digits or digits.lower().startswith("0x") and suffix or suffix == "%":
        raise ValueProblem(f"invalid time '{text}' (use an integer with a unit, e.g. 500ms)")
    base = int(digits, 16) if digits.lower().startswith("0x") else int(digits)
    val = base * _time_mult(suffix, is_seconds, text, warn)
    return _check_sign(-val if sign == "-" else val, text, False, "time")


def parse_bool(text: str) -> bool:
    """An fio ``bool``: ``0`` or ``1`` (fio parses it as an int limited to 0..1)."""
    t = text.strip()
    if t in ("0", "1"):
        return t == "1"
    raise ValueProblem(f"invalid boolean '{text}' (use 0 or 1)")


def parse_float_list(text: str, *, max_entries: int = 20) -> tuple[float, ...]:
    """A ``:``-separated float list (``percentile_list``); at most ``max_entries`` entries."""
    parts = [p.strip() for p in text.split(":")]
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueProblem(f"invalid float list '{text}'") from None
    if len(vals) > max_entries:
        raise ValueProblem(f"too many entries in '{text}' ({len(vals)} > {max_entries})")
    return vals


def split_range(text: str) -> tuple[str, str]:
    """Split ``lo-hi`` or ``lo:hi`` at the first top-level separator (``-`` preferred, as fio).

    A single value gives ``(v, v)``. Parenthesised expressions are not split inside.
    """
    for sep in "-:":
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if ch == sep and depth == 0 and i > 0:
                return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), text.strip()


def split_ddir(text: str, *, also: str = "") -> list[str | None]:
    """Per-direction values (read, write, trim) with fio's comma rules.

    ``a`` → a,a,a; ``a,b`` → a,b,b; ``a,b,`` → a,b,(keep); ``,b`` → (keep),b,b. ``None`` means
    "leave that direction as it was". ``also`` lists extra separator characters (``/`` for bsrange).
    # fio parse.c handle_option: a value not followed by a comma fills the later directions.
    """
    for ch in also:
        text = text.replace(ch, ",")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 3:
        raise ValueProblem(f"too many per-direction values in '{text}' (at most read,write,trim)")
    out: list[str | None] = [None, None, None]
    for i, p in enumerate(parts):
        if not p:
            continue
        out[i] = p
        if i == len(parts) - 1:
            for j in range(i + 1, 3):
                out[j] = p
    if all(v is None for v in out):
        raise ValueProblem(f"empty value '{text}'")
    return out


def _check_sign(val: int, text: str, allow_negative: bool, what: str) -> int:
    if val < 0 and not allow_negative:
        raise ValueProblem(f"invalid {what} '{text}' (negative)")
    return val


def _to_int(val: int | float, text: str, what: str) -> int:
    if isinstance(val, float) and (val != val or val in (float("inf"), float("-inf"))):
        raise ValueProblem(f"invalid {what} expression '{text}'")
    return int(val)


# --- (expr) ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?|\.\d+)([A-Za-z]*)|(.))")


def _tokens(text: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:  # pragma: no cover - the regex matches any single character
            break
        pos = m.end()
        if m.group(1) is not None:
            out.append(("num", (m.group(1), m.group(2))))
        elif m.group(3) in "+-*/%^()":
            out.append(("op", m.group(3)))
        elif m.group(3).strip():
            raise ValueProblem(f"invalid character '{m.group(3)}' in expression '{text}'")
    return out


def evaluate(text: str, *, kind: str = "size", kb_base: int = 1024) -> int | float:
    """Evaluate an fio arithmetic expression. ``kind`` is ``size`` (units → bytes) or ``time`` (→ µs)."""
    parser = _ExprParser(_tokens(text), text, kind, kb_base)
    val = parser.expr()
    if parser.pos != len(parser.toks):
        raise ValueProblem(f"invalid expression '{text}'")
    return val


class _ExprParser:
    """Recursive descent: expr := term (+|- term)*; term := power (*|/|% power)*; power := unary (^ power)?"""

    def __init__(self, toks: list[tuple[str, object]], text: str, kind: str, kb_base: int) -> None:
        self.toks, self.pos, self.text, self.kind, self.kb_base = toks, 0, text, kind, kb_base

    def _peek(self) -> object:
        return self.toks[self.pos][1] if self.pos < len(self.toks) else None

    def _fail(self) -> ValueProblem:
        return ValueProblem(f"invalid expression '{self.text}'")

    def expr(self) -> int | float:
        val = self.term()
        while self._peek() in ("+", "-"):
            op = self.toks[self.pos][1]
            self.pos += 1
            rhs = self.term()
            val = _bounded(val + rhs if op == "+" else val - rhs, self.text)
        return val

    def term(self) -> int | float:
        val = self.power()
        while self._peek() in ("*", "/", "%"):
            op = self.toks[self.pos][1]
            self.pos += 1
            rhs = self.power()
            val = _bounded(_arith(op, val, rhs, self.text), self.text)
        return val

    def power(self) -> int | float:
        base = self.unary()
        if self._peek() == "^":
            self.pos += 1
            exp = self.power()
            return _bounded(_pow(base, exp, self.text), self.text)
        return base

    def unary(self) -> int | float:
        if self._peek() in ("-", "+"):
            op = self.toks[self.pos][1]
            self.pos += 1
            val = self.unary()
            return -val if op == "-" else val
        return self.atom()

    def atom(self) -> int | float:
        if self.pos >= len(self.toks):
            raise self._fail()
        kind, payload = self.toks[self.pos]
        self.pos += 1
        if payload == "(":
            val = self.expr()
            if self._peek() != ")":
                raise self._fail()
            self.pos += 1
            return val
        if kind != "num":
            raise self._fail()
        digits, suffix = payload  # type: ignore[misc]
        num: int | float
        if digits.lower().startswith("0x"):
            num = int(digits, 16)
        elif "." in digits:
            num = float(digits)
        else:
            num = int(digits)
        if self.kind == "time":
            return num * _time_mult(suffix, False, self.text, None)
        try:
            return num * size_multiplier(suffix, self.kb_base)
        except ValueProblem:
            raise ValueProblem(f"unknown unit '{suffix}' in expression '{self.text}'") from None


# fio's expression parser (exp/expression-parser.y) computes in C doubles and long longs, so no
# value it can use exceeds 64 bits. A tower like 9^9^9^9 would make Python build an integer of
# billions of digits (the parser hangs); any intermediate beyond this bound is refused at once.
_EXPR_LIMIT = 2**64


def _pow(base: int | float, exp: int | float, text: str) -> int | float:
    """``base ^ exp`` without ever building a number beyond :data:`_EXPR_LIMIT`."""
    too_big = ValueProblem(f"value out of range in expression '{text}' (beyond 2^64)")
    if abs(base) > 1 and exp > 64:  # |base| >= 2 here for ints: 2^65 already overflows
        if isinstance(base, int) or abs(base) >= 2:
            raise too_big
        if exp * math.log2(abs(base)) > 64:
            raise too_big
    try:
        return base**exp
    except (OverflowError, ZeroDivisionError):
        raise ValueProblem(f"invalid expression '{text}'") from None


def _bounded(val: int | float, text: str) -> int | float:
    if isinstance(val, complex) or abs(val) > _EXPR_LIMIT:
        raise ValueProblem(f"value out of range in expression '{text}' (beyond 2^64)")
    return val


def _arith(op: object, a: int | float, b: int | float, text: str) -> int | float:
    if b == 0:
        raise ValueProblem(f"division by zero in expression '{text}'")
    if op == "*":
        return a * b
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)  # C truncation
        return q if op == "/" else a - b * q
    return a / b if op == "/" else a % b
