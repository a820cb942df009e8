"""Build script. The package metadata lives in pyproject.toml; this file only adds the optional
compiled build of the simulation kernel (docs/sim.md, "Two builds, one source").

``blkswap.sim``'s core, events, conditions and resources are compiled with Cython in its "pure
Python mode": the .py files stay the one source, and the .pxd files beside them only declare
types. Without Cython or a C compiler, or with ``BLKSWAP_PURE_PYTHON=1``, nothing is compiled
and the package is plain Python (the extensions are ``optional``: a failed compile is a warning).
``src/blkswap/sim/_built.json`` records a digest of the sources each build came from, so that ``blkswap.sim``
never runs a compiled module older than its source (an editable install after an edit).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from setuptools import setup

SIM = Path("src/blkswap/sim")
COMPILED = ("events", "conditions", "resources", "core")
DIRECTIVES = {
    "language_level": 3,
    "binding": True,  # functions behave as Python functions (introspection, methods)
    "annotation_typing": False,  # int/float stay Python numbers: results are bit-identical
}


def source_digest(name: str) -> str:
    """sha256 of a module's .py and .pxd (= ``blkswap.sim._select.source_digest``)."""
    digest = hashlib.sha256()
    for suffix in (".py", ".pxd"):
        digest.update((SIM / f"{name}{suffix}").read_bytes())
    return digest.hexdigest()


def extensions() -> list:
    built = SIM / "_built.json"
    built.unlink(missing_ok=True)
    if os.environ.get("BLKSWAP_PURE_PYTHON"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    from Cython.Compiler.Errors import CompileError

    try:
        modules = cythonize(
            [str(SIM / f"{name}.py") for name in COMPILED],
            compiler_directives=DIRECTIVES,
            quiet=True,
        )
    except CompileError as error:  # a source Cython cannot compile: install the pure build
        print(f"blkswap: not compiling blkswap.sim ({error}); it runs as pure Python")
        return []
    for module in modules:
        module.optional = True  # no compiler: a warning, and the pure-Python build
    digests = {name: source_digest(name) for name in COMPILED}
    built.write_text(json.dumps(digests, indent=1) + "\n")
    return modules


setup(ext_modules=extensions())
