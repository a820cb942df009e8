"""Counters() starts every scalar of SCALARS at 0 (its __init__ lists them one by one)."""

from __future__ import annotations

from blkswap.xen.counters import GRANT_OPS, SCALARS, Counters


def test_every_scalar_starts_at_zero_and_deltas_cover_them():
    fresh = Counters()
    doc = fresh.as_dict()
    assert {k: v for k, v in doc.items() if k in SCALARS} == dict.fromkeys(SCALARS, 0)
    assert set(doc) == {*SCALARS, "grant_ops", "grant_op_calls"}
    assert doc["grant_ops"] == doc["grant_op_calls"] == dict.fromkeys(GRANT_OPS, 0)
    bumped = Counters()
    for i, name in enumerate(SCALARS, 1):
        setattr(bumped, name, i)
    delta = (bumped - fresh).as_dict()
    assert [delta[name] for name in SCALARS] == list(range(1, len(SCALARS) + 1))
