"""back/caps.py: what each data path declares about itself (found by mutation testing,
tools/mutation.py: the declarations the loop, negotiation and ``blkswap serve`` read)."""

from __future__ import annotations

import dataclasses

import pytest

from blkswap.back.caps import Caps
from blkswap.back.datapaths import CAPS


def test_a_frontend_feature_needs_a_fallback_and_a_fallback_needs_a_feature():
    """Either both are set or neither; ``advertise`` is "probe" or "connect" only."""
    with pytest.raises(ValueError, match="fallback"):
        Caps(frontend_feature="persistent")
    with pytest.raises(ValueError, match="fallback"):
        Caps(fallback="copy")
    both = Caps(frontend_feature="persistent", fallback="map", advertise="connect")
    assert (both.frontend_feature, both.fallback, both.advertise) == (
        "persistent",
        "map",
        "connect",
    )
    assert (Caps().frontend_feature, Caps().fallback, Caps().advertise) == (None, None, "probe")
    with pytest.raises(ValueError, match="advertise must be 'probe' or 'connect', not 'later'"):
        Caps(advertise="later")


def test_a_paths_caps_cannot_be_changed_after_the_fact():
    """Caps are frozen: the registry hands the same object to negotiation and the loop."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAPS["map"].reclaims = True  # type: ignore[misc]
    assert CAPS["map"].reclaims is False


def test_which_paths_reserve_pool_frames_reclaim_them_and_run_on_a_stock_xen():
    """Every path that moves data reserves pool frames before ``prepare`` (null moves none);
    only persistent grants can give idle frames back; swap and transfer need the lab's own
    grant ops, so only they cannot run on a stock Xen + Linux dom0."""
    assert {n for n, c in CAPS.items() if c.reserve_frames} == {
        "map",
        "copy",
        "swap",
        "persistent",
        "transfer",
    }
    assert {n for n, c in CAPS.items() if c.reclaims} == {"persistent"}
    assert {n for n, c in CAPS.items() if not c.runs_on_real_xen} == {"swap", "transfer"}
    assert Caps().runs_on_real_xen is True and Caps(real_xen="lab op").runs_on_real_xen is False
