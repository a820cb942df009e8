"""``blkswap abi`` and ``blkswap costs``: tables (or JSON) of the guest ABI structs and of the
cost profiles; neither runs the lab."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import EXIT_OK, CliError, _default


def cmd_abi(args: argparse.Namespace) -> int:
    """``blkswap abi``: the ABI tables, optionally filtered by ABI and struct."""
    from blkswap.abi import describe, format_table

    d = describe()
    known = sorted({s for structs in d.values() for s in structs})
    unknown = [s for s in args.structs if s not in known]
    if unknown:
        raise CliError(f"abi: unknown struct {', '.join(unknown)}; known: {', '.join(known)}")
    d = {
        abi: {s: v for s, v in structs.items() if not args.structs or s in args.structs}
        for abi, structs in d.items()
        if args.abi in (None, abi)
    }
    sys.stdout.write(json.dumps(d, indent=2) + "\n" if args.json else format_table(d))
    return EXIT_OK


def cmd_costs(args: argparse.Namespace) -> int:
    """``blkswap costs``: one column per profile, unit and (for one profile) the stated basis."""
    from dataclasses import asdict

    from blkswap.sim.costs import load_profile

    names = args.profiles or [_default("costs")]
    profiles = {n: asdict(load_profile(n)) for n in names}
    if args.json:
        sys.stdout.write(json.dumps(profiles, indent=2) + "\n")
        return EXIT_OK
    notes = _profile_notes(names[0]) if len(names) == 1 else {}
    figures = [k for k in profiles[names[0]] if k != "name"]
    head = f"{'figure':<22} {'unit':<4} " + "".join(f" {p['name']:>12}" for p in profiles.values())
    lines = [head, "-" * len(head)]
    for k in figures:
        unit, scale = _unit(k)
        vals = "".join(f" {p[k] / scale:>12g}" for p in profiles.values())
        note = f"  {notes[k]}" if notes.get(k) else ""
        lines.append(f"{k:<22} {unit:<5}{vals}{note}")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _unit(figure: str) -> tuple[str, float]:
    """A figure's unit from its name (sim/costs.py): ``_ns`` nanoseconds, ``_Bps`` bytes per
    second shown as GB/s; the others are counts (``tlb_ipi_cluster``: CPUs per IPI send)."""
    if figure.endswith("_Bps"):
        return "GB/s", 1e9
    return ("ns", 1) if figure.endswith("_ns") else ("", 1)


def _profile_notes(name: str) -> dict[str, str]:
    """The trailing ``# basis`` comment of each figure in a profile's TOML text."""
    from importlib import resources

    from blkswap.sim.costs import PROFILES

    if name in PROFILES:
        text = (resources.files("blkswap.sim") / "profiles" / f"{name}.toml").read_text()
    else:
        text = Path(name).read_text()
    notes = {}
    for line in text.splitlines():
        key, eq, rest = line.partition("=")
        if eq and "#" in rest and not line.lstrip().startswith("#"):
            notes[key.strip()] = rest.split("#", 1)[1].strip()
    return notes
