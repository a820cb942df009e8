"""tests/hostile: one test (or more) per row of the reliability catalog (catalog.py).

Each test carries ``@pytest.mark.row("B14")`` (several ids if it covers several rows); a test
parametrized by ``path`` concerns that data path. ``tools/reliability_doc.py`` runs this folder
and writes docs/reliability.md from the results. The rigs of tests/lab and the helpers of
tests/xen are used as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).parent
for sub in ("lab", "xen"):
    path = str(_HERE.parent / sub)
    if path not in sys.path:
        sys.path.insert(0, path)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "row(*ids): reliability catalog rows this test covers")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/hostile names a known catalog row (a typo would hide a row)."""
    from catalog import ROWS

    for item in items:
        if _HERE not in Path(str(item.path)).parents:
            continue
        marker = item.get_closest_marker("row")
        if marker is None or not marker.args or set(marker.args) - set(ROWS):
            raise pytest.UsageError(f"{item.nodeid}: needs @pytest.mark.row with catalog ids")
