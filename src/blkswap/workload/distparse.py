"""Parsing fio's zoned random distributions (``random_distribution=zoned:…`` and
``zoned_abs:…``) into ``("zoned", ((access %, size % or bytes), …))``."""

from __future__ import annotations

from collections.abc import Callable

from blkswap.workload.errors import ValueProblem
from blkswap.workload.units import parse_int

__all__ = ["parse_zoned"]


def parse_zoned(
    kind: str, rest: str, kb_base: int, size: Callable[[str], int]
) -> tuple[object, ...]:
    """# fio options.c zone_split_ddir: ``access%/size%`` (zoned) or ``access%/bytes`` (zoned_abs)
    entries; access must add up to 100; a blank size% shares what is left. One list for all
    directions (the lab draws offsets per job, not per direction)."""
    parts = [p for p in rest.split(",") if p.strip()]
    if len(set(parts)) > 1:
        raise ValueProblem(f"unsupported by blkswap: per-direction {kind} zones (one list only)")
    entries: list[tuple[int, int | None]] = []
    for item in (parts[0] if parts else "").split(":"):
        acc_s, _, size_s = item.partition("/")
        try:
            acc = int(acc_s)
        except ValueError:
            raise ValueProblem(f"invalid {kind} entry '{item}'") from None
        if not size_s.strip():
            size = None
        elif kind == "zoned":
            size = parse_int(size_s, kb_base=kb_base)
        else:
            size = size(size_s)
        entries.append((acc, size))
    if not entries or sum(a for a, _ in entries) != 100:
        raise ValueProblem(f"{kind}: access percentages must add up to 100 in '{rest}'")
    if kind == "zoned":
        given = sum(s for _, s in entries if s is not None)
        missing = sum(1 for _, s in entries if s is None)
        if given > 100:
            raise ValueProblem(f"zoned: size percentages add up to more than 100 in '{rest}'")
        share = (100 - given) // missing if missing else 0
        entries = [(a, share if s is None else s) for a, s in entries]
    elif any(s is None for _, s in entries):
        raise ValueProblem(f"zoned_abs: every zone needs a size in '{rest}'")
    return (kind, tuple(entries))
