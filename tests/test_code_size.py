"""Modules stay small and functions short (docs/design.md §3: "400 lines is a lot"; docs/design.md: about
60 lines per function), so each one can be read whole."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "blkswap"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    big = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        if (n := len(text.splitlines())) > MAX_MODULE_LINES:
            big.append(f"{path.relative_to(SRC)}: {n} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if (n := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                    big.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}(): {n} lines")
    assert big == []
