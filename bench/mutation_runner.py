"""How much faster tools/mutation.py's forked, coverage-selected executor is than the driver it
replaced (``cosmic-ray exec``: one ``pytest`` subprocess of all the targeted tests per mutant).

    python bench/mutation_runner.py [MODULE]     # default src/blkswap/back/indirect.py

Runs, in this one process and on this machine, the old driver (tools/mutation.py as of commit
OLD, in a scratch tree whose src/, tests/ and .venv link to this work tree) and the new executor
with one and with two workers, on the same module; prints the wall time of each, the ratios, and
whether all three found the same survivors. Nothing is recorded in tools/mutation-scores.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD = "46c6b8e"  # the last commit with the cosmic-ray exec driver
sys.path.insert(0, str(ROOT / "tools"))


def old_driver(module: str, tmp: Path) -> tuple[float, set[str]]:
    tree = tmp / "old"
    (tree / "tools").mkdir(parents=True)
    code = subprocess.run(["git", "show", f"{OLD}:tools/mutation.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    (tree / "tools" / "mutation.py").write_text(code)
    for part in ("src", "tests", "pyproject.toml", ".venv"):
        (tree / part).symlink_to(ROOT / part)
    start = time.monotonic()
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(tree / "tools" / "mutation.py"),
                    module], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    seconds = time.monotonic() - start
    res = json.loads((tree / "tools" / "mutation-scores.json").read_text())[module]
    return seconds, {s["key"] for s in res["all_survivors"]}


def new_executor(module: str, workers: int, tmp: Path) -> tuple[float, set[str]]:
    import mutation

    start = time.monotonic()
    ctx = mutation.start([module], workers, mutation.TIMEOUT_S, tmp)
    try:
        res = mutation.run_module(module, ctx)
    finally:
        for w in ctx["workers"]:
            w.close()
    return time.monotonic() - start, {s["key"] for s in res["all_survivors"]}


def main() -> int:
    module = sys.argv[1] if len(sys.argv) > 1 else "src/blkswap/back/indirect.py"
    with tempfile.TemporaryDirectory(prefix="bench-mutation-") as tmp:
        old_s, old_left = old_driver(module, Path(tmp))
        one_s, one_left = new_executor(module, 1, Path(tmp) / "one")
        two_s, two_left = new_executor(module, 2, Path(tmp) / "two")
    print(f"{module}: cosmic-ray exec {old_s:.0f} s; forked+coverage, 1 worker {one_s:.0f} s "
          f"(x{old_s / one_s:.1f}); 2 workers {two_s:.0f} s (x{old_s / two_s:.1f}); "
          f"same survivors: {old_left == one_left == two_left} ({len(old_left)})")  # fmt: skip
    return 0 if old_left == one_left == two_left else 1


if __name__ == "__main__":
    sys.exit(main())
