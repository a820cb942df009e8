"""The kernel's two builds (docs/sim.md, "Two builds, one source"): the compiled one that
``./dev setup`` installs, and the pure-Python one (no compiler, ``BLKSWAP_PURE_PYTHON=1``, or a
compiled module older than its source). Same source, same results; never a stale module."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import blkswap.sim as sim
from blkswap.sim import _select

ROOT = Path(__file__).resolve().parents[2]
PURE = os.environ | {"BLKSWAP_PURE_PYTHON": "1"}
COMPILED = {k: v for k, v in os.environ.items() if k != "BLKSWAP_PURE_PYTHON"}

# One run of bench/engine.py's queueing network (reneging customers, three Resources, ``req |
# timeout``): prints its statistics and the digest of every hand-over.
MODEL = """
import json, sys
sys.path.insert(0, {bench!r})
import blkswap.sim, engine
result = engine.queueing_network(blkswap.sim, 7, 2000)
print(json.dumps({{"compiled": blkswap.sim.COMPILED, "result": result}}))
"""


def run_model(env: dict[str, str]) -> dict:
    code = MODEL.format(bench=str(ROOT / "bench"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_test_install_runs_the_compiled_kernel() -> None:
    """``./dev setup`` (the README's test command) builds it; a pure run says so by its flag."""
    pure = bool(os.environ.get("BLKSWAP_PURE_PYTHON"))
    assert sim.COMPILED is not pure
    loaded = Path(sim.core.__file__).name
    assert loaded.endswith(".py") is pure, loaded
    assert _select.compiled_is_current() or pure


def test_both_builds_give_identical_results() -> None:
    compiled, pure = run_model(COMPILED), run_model(PURE)
    assert (compiled["compiled"], pure["compiled"]) == (True, False)
    assert compiled["result"] == pure["result"]
    assert compiled["result"]["served"] + compiled["result"]["reneged"] == 2000


def test_the_kernel_suite_passes_on_the_pure_python_build() -> None:
    """The differential tests against SimPy, run again on the build the suite does not use."""
    cmd = [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", "-x",
           "tests/sim", "--deselect", "tests/sim/test_builds.py"]  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, env=PURE, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    summary = out.stdout.splitlines()[-1]
    assert " passed" in summary and "deselected" in summary, summary


def copy_of_the_build(tmp_path: Path) -> Path:
    here = Path(sim.__file__).parent
    copy = tmp_path / "sim"
    copy.mkdir(parents=True)
    for name in _select.COMPILED:
        for suffix in (".py", ".pxd"):
            shutil.copy(here / f"{name}{suffix}", copy)
    digests = {name: _select.source_digest(copy, name) for name in _select.COMPILED}
    (copy / "_built.json").write_text(json.dumps(digests))
    for name in _select.COMPILED:
        (copy / f"{name}{EXTENSION_SUFFIXES[0]}").write_bytes(b"")  # only their presence counts
    return copy


def test_a_compiled_module_older_than_its_source_is_not_used(tmp_path: Path) -> None:
    copy = copy_of_the_build(tmp_path)
    assert _select.compiled_is_current(copy)
    source = copy / "events.py"
    source.write_text(source.read_text() + "\n# an edit after the build\n")
    assert not _select.compiled_is_current(copy)


def test_a_changed_declaration_file_also_makes_the_build_stale(tmp_path: Path) -> None:
    copy = copy_of_the_build(tmp_path)
    (copy / "core.pxd").write_text((copy / "core.pxd").read_text().replace("public", "readonly"))
    assert not _select.compiled_is_current(copy)


def test_no_build_record_a_broken_one_or_a_missing_module_means_pure_python(
    tmp_path: Path,
) -> None:
    copy = copy_of_the_build(tmp_path)
    (copy / f"resources{EXTENSION_SUFFIXES[0]}").unlink()
    assert not _select.compiled_is_current(copy)
    copy = copy_of_the_build(tmp_path / "2")
    (copy / "_built.json").write_text("{not json")
    assert not _select.compiled_is_current(copy)
    (copy / "_built.json").write_text("[]")
    assert not _select.compiled_is_current(copy)
    (copy / "_built.json").unlink()
    assert not _select.compiled_is_current(copy)


def test_the_pure_build_is_chosen_before_any_kernel_module_loads() -> None:
    code = ("import blkswap.sim as s, blkswap.sim.events as e, blkswap.sim.resources as r; "
            "print(s.COMPILED, e.__file__.endswith('.py'), r.__file__.endswith('.py'))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=PURE, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "True", "True"], out.stderr
