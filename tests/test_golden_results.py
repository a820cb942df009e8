"""Simulated results are pinned: the fio JSON of every examples/ job through every data path, and
of every examples/ scenario, equals the committed golden file (tests/golden_runs.py says how they
are made). A timing-model change that moves them on purpose regenerates them and says so."""

from __future__ import annotations

import json

import pytest

from golden_runs import RESULTS, first_difference, normalise, run_json, runs


@pytest.mark.parametrize(("name", "args"), runs(), ids=[n for n, _ in runs()])
def test_fio_json_matches_golden(name: str, args: list[str]) -> None:
    golden = json.loads((RESULTS / f"{name}.json").read_text())
    new = json.loads(json.dumps(normalise(run_json(args))))  # the same float round trip
    diff = first_difference(golden, new)
    assert diff is None, f"{name}: results moved at {diff} (python tests/golden_runs.py {name})"
