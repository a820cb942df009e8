"""Build script. The package metadata lives in pyproject.toml; this file only adds the optional
compiled build of the simulation kernel (docs/sim.md, "Two builds, one source").

``blkswap.sim``'s heap, core, events, conditions and resources are compiled with Cython in its "pure
Python mode": the .py files stay the one source, and the .pxd files beside them only declare
types. Without Cython or a C compiler, or with ``BLKSWAP_PURE_PYTHON=1``, nothing is compiled
and the package is plain Python (the extensions are ``optional``: a failed compile is a warning).
``src/blkswap/sim/_built.json`` records a digest of the sources each build came from, so that ``blkswap.sim``
never runs a compiled module older than its source (an editable install after an edit).
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

from setuptools import setup

SIM = Path("src/blkswap/sim")
DIRECTIVES = {
    "language_level": 3,
    "binding": True,  # functions behave as Python functions (introspection, methods)
    "annotation_typing": False,  # int/float stay Python numbers: results are bit-identical
}


def _select() -> ModuleType:
    """blkswap.sim._select (standard library only), loaded from its file: the build and the
    import-time check share its module list and its digest."""
    spec = importlib.util.spec_from_file_location("_select", SIM / "_select.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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

    select = _select()
    try:
        modules = cythonize(
            [str(SIM / f"{name}.py") for name in select.COMPILED],
            compiler_directives=DIRECTIVES,
            quiet=True,
        )
    except CompileError as error:  # a source Cython cannot compile: install the pure build
        print(f"blkswap: not compiling blkswap.sim ({error}); it runs as pure Python")
        return []
    for module in modules:
        module.optional = True  # no compiler: a warning, and the pure-Python build
    digests = {name: select.source_digest(SIM, name) for name in select.COMPILED}
    built.write_text(json.dumps(digests, indent=1) + "\n")
    return modules


setup(ext_modules=extensions())
