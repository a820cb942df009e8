"""Which build of the kernel runs: compiled (Cython) or pure Python (docs/sim.md, "Two builds,
one source").

The compiled modules sit beside their sources, and Python's import system prefers an extension
module to a .py file. So ``blkswap.sim`` calls :func:`select` before importing its modules: the
compiled build is used only if all five modules were compiled from exactly the sources now on
disk (setup.py records their digests in ``_built.json``); otherwise, or with
``BLKSWAP_PURE_PYTHON=1`` set, an import hook loads the five from their .py files. The two
builds never mix: the compiled modules share C-level types.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
COMPILED = ("heap", "events", "conditions", "resources", "core")
"""The modules setup.py compiles (it reads this tuple and ``source_digest`` from this file)."""


def source_digest(directory: Path, name: str) -> str:
    """sha256 of a module's .py and .pxd (as setup.py computes it)."""
    digest = hashlib.sha256()
    for suffix in (".py", ".pxd"):
        digest.update((directory / f"{name}{suffix}").read_bytes())
    return digest.hexdigest()


def compiled_is_current(directory: Path = HERE) -> bool:
    """True if every compiled module exists in *directory* and was built from the sources on
    disk now (``_built.json``, written by setup.py, holds the digests of a build's sources)."""
    try:
        built = json.loads((directory / "_built.json").read_text())
        for name in COMPILED:
            if not any((directory / f"{name}{s}").exists() for s in EXTENSION_SUFFIXES):
                return False
            if built.get(name) != source_digest(directory, name):
                return False
    except (OSError, ValueError, AttributeError):  # no build record, or a broken one
        return False
    return True


class _SourceFirst:
    """Meta-path finder that loads the kernel modules from their .py files."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != __package__ or name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, HERE / f"{name}.py")


def select() -> bool:
    """Arrange for the kernel modules to load from one build; True if it is the compiled one."""
    if not os.environ.get("BLKSWAP_PURE_PYTHON") and compiled_is_current():
        return True
    if not any(isinstance(finder, _SourceFirst) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())
    return False
