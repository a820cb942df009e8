"""Differential tests: every model in simpy_models runs on SimPy 4.1 and on blkswap.sim and must
produce the same trace (times, order, values)."""

from __future__ import annotations

import pytest
import simpy
from simpy_models import MODELS

import blkswap.sim


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_same_trace_as_simpy(model, seed):
    expected = model(simpy, seed)
    got = model(blkswap.sim, seed)
    assert len(expected) > 3, "model too small to be a meaningful comparison"
    assert got == expected
