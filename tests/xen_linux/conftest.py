"""Fixtures of the Linux port's tests: ``kernel`` is the fake Xen-aware Linux kernel
(fake_kernel.py) installed under blkswap.xen.linux.devices for one test."""

from __future__ import annotations

import pytest
from fake_kernel import FakeXenKernel


@pytest.fixture
def kernel(monkeypatch: pytest.MonkeyPatch) -> FakeXenKernel:
    return FakeXenKernel().install(monkeypatch)
