"""Fixtures for the C interop tests: a gcc that can build against the real Xen headers, for
the native x86_64 ABI and (``-m32``) the i386 / x86_32 ABI.

These tests never skip: a missing compiler or header is a test FAILURE telling what to install.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install gcc gcc-multilib libxen-dev"
XEN_INCLUDE = Path("/usr/include/xen")
HERE = Path(__file__).parent
# gcc flag per blkswap ABI name; -D__XEN_TOOLS__ selects the latest interface version.
ABI_FLAGS = {"x86_64": "-m64", "x86_32": "-m32"}

Compiler = Callable[[str, str, str], Path]


@pytest.fixture(scope="session")
def compile_c(tmp_path_factory: pytest.TempPathFactory) -> Compiler:
    """compile_c(source_text, name, abi) -> path of the built executable (cached per session)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail(f"gcc not found; the interop tests need it: {INSTALL_HINT}")
    if not (XEN_INCLUDE / "io" / "blkif.h").is_file():
        pytest.fail(f"Xen public headers missing under {XEN_INCLUDE}: {INSTALL_HINT}")
    out_dir = tmp_path_factory.mktemp("interop_bin")
    built: dict[tuple[str, str], Path] = {}

    def build(source: str, name: str, abi: str) -> Path:
        key = (name, abi)
        if key not in built:
            src = out_dir / f"{name}.c"
            src.write_text(source)
            exe = out_dir / f"{name}-{abi}"
            cmd = [gcc, ABI_FLAGS[abi], "-O1", "-Wall", "-D__XEN_TOOLS__", "-o", str(exe), str(src)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if res.returncode != 0:
                pytest.fail(
                    f"gcc {ABI_FLAGS[abi]} failed building {name} ({INSTALL_HINT} if a header or "
                    f"the 32-bit libc is missing):\n{res.stderr[-3000:]}"
                )
            built[key] = exe
        return built[key]

    return build


@pytest.fixture(scope="session")
def ring_driver_source() -> str:
    return (HERE / "ring_driver.c").read_text()
