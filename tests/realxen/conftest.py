"""The real-Xen integration test boots once per session (minutes): ``./dev realxen``."""

from __future__ import annotations

import pytest
from realxen_boot import Boot, build_and_boot


@pytest.fixture(scope="session")
def boot() -> Boot:
    return build_and_boot()
