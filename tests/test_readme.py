"""README's code blocks run as written: every `$B …` shell command and the Python example, with
a short job in place of the example job files (the commands and options are the README's)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from blkswap.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SHORT = "[short]\nrw=randrw\nbs=4k\niodepth=4\nsize=1m\nnumber_ios=16\n"
#: commands whose point is a finding (exit 1: other guests' data seen) — README says so
FINDINGS_OK = ("--no-swap-scrub",)


def _block(heading: str, lang: str) -> str:
    section = README.split(heading, 1)[1]
    return re.search(rf"```{lang}\n(.*?)```", section, re.S).group(1)


def _commands() -> list[str]:
    lines = [ln.split("  #")[0].strip() for ln in _block("## Using it", "sh").splitlines()]
    return [ln[3:] for ln in lines if ln.startswith("$B ")]


def _short(tmp: Path) -> Path:
    job = tmp / "short.fio"
    job.write_text(SHORT)
    return job


def test_readme_has_the_blocks() -> None:
    assert len(_commands()) >= 8 and "from blkswap import Lab, Result" in README


@pytest.mark.parametrize("command", _commands())
def test_readme_shell_command_runs(
    command: str, tmp_path: Path, monkeypatch, capsys, request: pytest.FixtureRequest
) -> None:
    if any(f in command for f in FINDINGS_OK):  # whether a leaked frame is still held at
        request.node.add_marker(pytest.mark.foreign_bytes_expected)  # teardown is timing
    monkeypatch.chdir(tmp_path)
    job = _short(tmp_path)
    args = [
        str(job) if a.startswith("examples/") and a.endswith(".fio") else
        str(ROOT / a) if a.startswith("examples/") else a
        for a in shlex.split(command)
    ]  # fmt: skip
    status = main(args)
    err = capsys.readouterr().err
    allowed = (0, 1) if any(f in command for f in FINDINGS_OK) else (0,)
    assert status in allowed, err
    assert "Traceback" not in err


def test_readme_python_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    job = _short(tmp_path)
    code = re.sub(r'"examples/[\w-]+\.fio"', repr(str(job)), _block("From Python:", "python"))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    result = namespace["result"]
    assert result.counters["hypercalls"] > 0 and "xen" in capsys.readouterr().out
    assert result.config.datapath == "swap" and result.config.guests == 4
