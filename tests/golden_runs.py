"""The runs whose fio JSON is pinned byte for byte (tests/test_golden_results.py).

Every job and scenario in examples/ runs through every data path with a fixed seed on RAM
storage and 2 guests (so cross-guest effects are in). A change that moves any simulated figure
must either be a bug or a documented change of the timing model: then regenerate with
``python tests/golden_runs.py`` and say why in the commit message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RESULTS = Path(__file__).resolve().parent / "golden" / "results"
DATAPATHS = ("map", "copy", "swap", "persistent", "transfer", "null")
#: fio JSON keys that carry wall-clock time (the rest is a pure function of the settings)
VOLATILE = {"timestamp", "timestamp_ms", "time", "job_start", "fio version", "blkswap version"}
#: a short job used for the scenario files (their own settings decide the host)
SCENARIO_JOB = EXAMPLES / "rand-read-4k.fio"


def runs() -> list[tuple[str, list[str]]]:
    """``(name, blkswap run arguments)`` for every pinned run."""
    out = []
    for job in sorted(EXAMPLES.glob("*.fio")):
        for dp in DATAPATHS:
            out.append(
                (
                    f"{job.stem}.{dp}",
                    [str(job), "--datapath", dp, "--guests", "2", "--storage", "ram"],
                )
            )
    for scenario in sorted(EXAMPLES.glob("*.toml")):
        out.append(
            (
                f"scenario.{scenario.stem}",
                [str(SCENARIO_JOB), "--scenario", str(scenario), "--storage", "ram"],
            )
        )
    return out


def normalise(doc: object) -> object:
    """The fio JSON without its wall-clock keys."""
    if isinstance(doc, dict):
        return {k: normalise(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [normalise(v) for v in doc]
    return doc


def run_json(args: list[str]) -> dict:
    """Run ``blkswap run ARGS --seed 11 --output-format json`` in-process; the parsed JSON."""
    import contextlib
    import io

    from blkswap.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["run", *args, "--seed", "11", "--output-format", "json", "--no-report"])
    if rc not in (0, None):
        raise RuntimeError(f"blkswap run {' '.join(args)} exited {rc}")
    return json.loads(buf.getvalue())


def first_difference(a: object, b: object, path: str = "") -> str | None:
    """Where two JSON documents first differ (a key path), or None."""
    if type(a) is not type(b):
        return f"{path or '/'}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k}: only in {'golden' if k in a else 'new'}"
            d = first_difference(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            d = first_difference(u, v, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def regenerate(only: list[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name, args in runs():
        if only and name not in only:
            continue
        doc = normalise(run_json(args))
        (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        print("wrote", name, file=sys.stderr)


if __name__ == "__main__":
    regenerate(sys.argv[1:])
