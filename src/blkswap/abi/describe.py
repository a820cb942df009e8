"""Machine- and human-readable descriptions of every declared struct on both ABIs.

``describe()`` feeds ``tests/golden/abi_sizes.txt`` (via :func:`golden_lines`) and docs.
"""

from __future__ import annotations

from typing import Any

from blkswap.abi.abis import ABIS


def describe() -> dict[str, dict[str, dict[str, Any]]]:
    """{abi: {struct: {"size": n, "fields": {C name (dotted for nested): offset}}}}."""
    return {
        abi.name: {
            name: {"size": st.size, "fields": dict(st.fields)} for name, st in abi.structs.items()
        }
        for abi in ABIS.values()
    }


def golden_lines(d: dict[str, dict[str, dict[str, Any]]] | None = None) -> list[str]:
    """Lines ``<abi> <struct> size <n>`` and ``<abi> <struct>.<field> <offset>``, stable order."""
    d = describe() if d is None else d
    out: list[str] = []
    for abi, structs in d.items():
        for name, info in structs.items():
            out.append(f"{abi} {name} size {info['size']}")
            out.extend(f"{abi} {name}.{f} {off}" for f, off in info["fields"].items())
    return out


def format_table(d: dict[str, dict[str, dict[str, Any]]] | None = None) -> str:
    """A human table: one line per struct (with its size) and one per field (with its offset)."""
    d = describe() if d is None else d
    lines = [f"{'abi':<7} {'struct / field':<48} {'offset':>6} {'size':>5}"]
    for abi, structs in d.items():
        for name, info in structs.items():
            lines.append(f"{abi:<7} {name:<48} {'':>6} {info['size']:>5}")
            lines.extend(f"{'':<7}   .{f:<45} {off:>6}" for f, off in info["fields"].items())
    return "\n".join(lines) + "\n"
