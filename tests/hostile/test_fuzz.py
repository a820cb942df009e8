"""The fuzzer (blkswap.lab.fuzz, ``blkswap fuzz``): finds nothing on the current backend, replays a
session exactly from its seed, and does find planted bugs (a crash, a leak)."""

from __future__ import annotations

import pytest

from blkswap.back import loop as back_loop
from blkswap.lab import fuzz_host
from blkswap.lab.fuzz import CLASSES, fuzz
from test_cli import assert_one_error, cli  # noqa: F401 - cli is a fixture

PATHS = ["map", "copy", "swap", "persistent", "transfer"]


@pytest.mark.row("A3", "A4", "A5", "A6", "A8", "B1", "B2", "A2")
@pytest.mark.parametrize("path", PATHS)
def test_a_short_fuzz_finds_nothing(path):
    """Every attack class is tried; crashes 0, hangs 0, wrong answers 0, leaked bytes 0."""
    report = fuzz(path, seed=100, seconds=0, sessions=12)
    assert not report.failed, report.lines()
    assert all(report.cases[c] > 0 for c in CLASSES) and report.sessions == 12
    assert report.first_failing_seed is None


@pytest.mark.row("L4")
def test_a_session_replays_exactly_from_its_seed():
    a, b, c = (fuzz("copy", seed=s, seconds=0, sessions=3) for s in (7, 7, 8))
    assert a.cases == b.cases and a.cases != c.cases and a.sessions == 3


@pytest.mark.row("L4")
def test_a_planted_crash_is_found_with_its_seed(monkeypatch):
    """The check can fail: a validator that raises on DISCARD requests is a crash."""
    original = back_loop.validate

    def broken(req, limits):
        if req.operation == 5:
            raise KeyError("planted")
        return original(req, limits)

    monkeypatch.setattr(back_loop, "validate", broken)
    report = fuzz("map", seed=3, seconds=0, sessions=6)
    assert report.crashes > 0 and report.first_failing_seed is not None
    assert "KeyError" in report.failures[0] and "replay: blkswap fuzz" in "\n".join(report.lines())
    again = fuzz("map", seed=report.first_failing_seed, seconds=0, sessions=1)
    assert again.crashes == 1


@pytest.mark.row("F4")
def test_a_planted_leak_is_found(monkeypatch):
    """A backend handing the bystander's bytes to the attacker is seen as leaked bytes."""
    original = fuzz_host.FuzzHost.fill_bystander

    def leaky(self):
        original(self)
        g = self.hostile
        gfn = g.port.alloc_page()
        g.port.page_view(gfn << 12)[:] = fuzz_host.SECRET * 256

    monkeypatch.setattr(fuzz_host.FuzzHost, "fill_bystander", leaky)
    report = fuzz("copy", seed=1, seconds=0, sessions=1)
    assert report.leaked_bytes == 4096 and report.failed


@pytest.mark.row("L3")
def test_the_command_prints_the_figures_and_exits_0(cli, capsys):  # noqa: F811
    p = cli("fuzz", "--datapath", "swap", "--seed", "4", "--sessions", "2")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("fuzz swap: seed 4,") and "2 sessions" in lines[0]
    assert lines[1] == "crashes: 0, hangs: 0, wrong answers: 0, leaked bytes: 0"
    assert lines[2] == "first failing seed: none"


@pytest.mark.row("L3")
@pytest.mark.parametrize("flag", ["--seconds=nan", "--seconds=-1", "--seed=-3", "--sessions=0",
                                  "--datapath=floppy"])  # fmt: skip
def test_bad_fuzz_options_are_one_line(cli, flag):  # noqa: F811
    assert_one_error(cli("fuzz", flag), flag.split("=")[0])
