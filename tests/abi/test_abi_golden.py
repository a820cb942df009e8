"""The generated layouts against the committed golden file tests/golden/abi_sizes.txt.

The golden file is the reviewed record of every size and offset (like Xen's
``xen-foreign/reference.size``); tests/interop proves it against gcc. A layout change must show
up here as a diff naming the first differing line.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from blkswap.abi import describe, format_table
from blkswap.abi.describe import golden_lines

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "abi_sizes.txt"
REGEN = (
    'regenerate (after checking tests/interop passes) with: .venv/bin/python -c "from '
    "blkswap.abi.describe import golden_lines; print('\\n'.join(golden_lines()))\""
)


def _golden() -> list[str]:
    return [ln for ln in GOLDEN.read_text().splitlines() if ln and not ln.startswith("#")]


def first_difference(expected: list[str], actual: list[str]) -> str | None:
    """Diff-style report naming the first differing line, or None when equal."""
    if expected == actual:
        return None
    pairs = enumerate(zip(expected, actual, strict=False))
    i = next((k for k, (e, a) in pairs if e != a), min(len(expected), len(actual)))
    exp = expected[i] if i < len(expected) else "<end of golden file>"
    act = actual[i] if i < len(actual) else "<end of generated layout>"
    diff = "\n".join(
        list(difflib.unified_diff(expected, actual, "golden", "generated", n=1, lineterm=""))[:40]
    )
    return f"first difference at data line {i + 1}:\n  golden:    {exp}\n  generated: {act}\n{diff}\n{REGEN}"


def test_layout_matches_golden_file() -> None:
    problem = first_difference(_golden(), golden_lines())
    assert problem is None, problem


def test_first_difference_names_the_line() -> None:
    msg = first_difference(["a size 1", "a.x 0", "a.y 4"], ["a size 1", "a.x 0", "a.y 2"])
    assert msg is not None and "line 3" in msg and "golden:    a.y 4" in msg
    assert "generated: a.y 2" in msg
    short = first_difference(["a", "b"], ["a"])
    assert short is not None and "<end of generated layout>" in short


def test_golden_contains_the_reference_blkif_sizes() -> None:
    lines = set(_golden())
    # xen-abi.md §3.2/§3.3 and §2.1
    for line in (
        "x86_64 blkif_request size 112", "x86_32 blkif_request size 108",
        "x86_64 blkif_response size 16", "x86_32 blkif_response size 12",
        "x86_64 blkif_request.id 8", "x86_32 blkif_request.id 4",
        "x86_64 blkif_request.seg 24", "x86_32 blkif_request.seg 20",
        "x86_64 blkif_sring.ring 64", "x86_32 blkif_sring.ring 64",
        "x86_64 gnttab_copy size 40", "x86_32 gnttab_copy size 24",
        "x86_32 gnttab_copy.dest 8", "x86_32 gnttab_copy.len 16",
        "x86_64 multicall_entry.args 16", "x86_32 multicall_entry size 32",
    ):  # fmt: skip
        assert line in lines, line


def test_describe_has_top_level_c_fields_and_table() -> None:
    d = describe()
    assert set(d) == {"x86_64", "x86_32"}
    rq = d["x86_64"]["blkif_request"]
    assert rq["size"] == 112
    assert [
        rq["fields"][k]
        for k in ("operation", "nr_segments", "handle", "id", "sector_number", "seg")
    ] == [0, 1, 2, 8, 16, 24]
    cp = d["x86_32"]["gnttab_copy"]["fields"]
    assert (cp["source"], cp["dest"], cp["source.domid"], cp["dest.offset"]) == (0, 8, 4, 14)
    table = format_table(d)
    assert "blkif_request" in table and len(table.splitlines()) == 1 + len(golden_lines(d))
