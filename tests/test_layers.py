"""Layers point one way (docs/design.md §2): front/ and back/ reach the hypervisor only through
``blkswap.xen.port``, never the emulator, the lab, the timing layer or the reports; and they load
on a stock dom0's python3 (no numpy, no matplotlib)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "blkswap"

#: what each package may import from blkswap (prefixes)
ALLOWED = {
    "front": ("blkswap.abi", "blkswap.front", "blkswap.xen.port"),
    "back": ("blkswap.abi", "blkswap.back", "blkswap.xen.port", "blkswap.storage.base"),
}


def blkswap_imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """``(line, module)`` of every blkswap import in ``path`` (relative imports resolved against
    ``package``, by default the file's own)."""
    tree = ast.parse(path.read_text(), str(path))
    if package is None:
        package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return [(line, m) for line, m in found if m == "blkswap" or m.startswith("blkswap.")]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    allowed = ALLOWED[package]
    bad = [
        f"{path.relative_to(SRC)}:{line}: {module}"
        for path in sorted((SRC / package).rglob("*.py"))
        for line, module in blkswap_imports(path)
        if not any(module == a or module.startswith(a + ".") for a in allowed)
    ]
    assert bad == [], f"{package}/ imports outside its layer:\n" + "\n".join(bad)


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from blkswap.xen.hypervisor import Xen\nfrom ..lab import Lab\nimport os\n")
    found = blkswap_imports(probe, "blkswap.back")
    assert found == [(1, "blkswap.xen.hypervisor"), (2, "blkswap.lab")]


def test_backend_and_port_import_without_numpy_or_matplotlib() -> None:
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None\nsys.modules['matplotlib'] = None\n"
        "import blkswap.xen.port, blkswap.back.xenbus, blkswap.back.loop\n"
        "import blkswap.back.datapaths\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
