"""Machine- and human-readable descriptions of every declared struct on both ABIs.

``describe()`` feeds ``tests/golden/abi_sizes.txt`` (via :func:`golden_lines`) and docs.
"""

from __future__ import annotations

from blkswap.abi.abis import ABIS

#: {abi: {struct: {"size": n, "fields": {C name: offset}}}}
Description = dict[str, dict[str, dict[str, "int | dict[str, int]"]]]


def describe() -> Description:
    """{abi: {struct: {"size": n, "fields": {C name (dotted for nested): offset}}}}."""
    return {
        abi.name: {
            name: {"size": st.size, "fields": dict(st.fields)} for name, st in abi.structs.items()
        }
        for abi in ABIS.values()
    }


def golden_lines(d: Description | None = None) -> list[str]:
    """Lines ``<abi> <struct> size <n>`` and ``<abi> <struct>.<field> <offset>``, stable order."""
    d = describe() if d is None else d
    out: list[str] = []
    for abi, structs in d.items():
        for name, info in structs.items():
            out.append(f"{abi} {name} size {info['size']}")
            out.extend(f"{abi} {name}.{f} {off}" for f, off in _fields(info).items())
    return out


def format_table(d: Description | None = None) -> str:
    """A human table: one line per struct (with its size) and one per field (with its offset)."""
    d = describe() if d is None else d
    lines = [f"{'abi':<7} {'struct / field':<48} {'offset':>6} {'size':>5}"]
    for abi, structs in d.items():
        for name, info in structs.items():
            lines.append(f"{abi:<7} {name:<48} {'':>6} {info['size']:>5}")
            lines.extend(f"{'':<7}   .{f:<45} {off:>6}" for f, off in _fields(info).items())
    return "\n".join(lines) + "\n"


def _fields(info: dict[str, int | dict[str, int]]) -> dict[str, int]:
    fields = info["fields"]
    assert isinstance(fields, dict)
    return fields
