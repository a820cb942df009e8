"""The seams type-check strictly (mypy --strict over abi/, xen/port.py, front/, back/; the file
list is pyproject.toml's [tool.mypy]), so a port or data path that does not fit the protocols is
caught before it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_seams_type_check_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # [tool.mypy] files are relative to the project root
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental"])
    assert status == 0, out + err
    assert "Success: no issues found" in out
