"""Project-wide test fixtures.

``xen_audit`` (autouse): records every :class:`blkswap.xen.Xen` built during a test (by wrapping
``Xen.__init__`` through monkeypatch -- the library keeps no registry) and, at teardown, fails the
test if any of them reports invariant violations in ``xen.audit()``, printing them.

The same fixture runs the leak oracle (tests/leak_oracle.py): every domain's pages start with its
own canary, every write to a disk is scanned, and at teardown any byte of another domain's canary
in a guest's frame, a free frame or a disk fails the test (unless the test is marked
``foreign_bytes_expected``). The bytes found are kept in the test's ``user_properties``
(``leaked_bytes``) for the reliability report (tools/reliability_doc.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blkswap.xen import hypervisor
from leak_oracle import ORACLE, LeakOracle, install


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "foreign_bytes_expected: the test shows a leak on purpose (oracle reports only)"
    )


@pytest.fixture(autouse=True)
def xen_audit(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[list[hypervisor.Xen]]:
    """Audit every Xen created during the test at teardown (yields the list of them)."""
    built: list[hypervisor.Xen] = []
    original = hypervisor.Xen.__init__
    oracle = LeakOracle(xens=built)
    install(monkeypatch, oracle)
    request.node.stash[ORACLE] = oracle

    def recording_init(self: hypervisor.Xen, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(hypervisor.Xen, "__init__", recording_init)
    yield built
    try:
        _check(built, oracle, request)
    finally:
        # pytest keeps every test item (and its stash) until the session ends: drop the hosts
        # here, or every arena of every test stays in memory (>15 GiB over the suite)
        del request.node.stash[ORACLE]
        built.clear()


def _check(built: list[hypervisor.Xen], oracle: LeakOracle, request: pytest.FixtureRequest) -> None:
    """The audit and the leak oracle, failing the test on a finding."""
    report = []
    for i, xen in enumerate(built):
        violations = xen.audit()
        if violations:
            shown = "\n    ".join(violations[:50])
            more = f"\n    ... {len(violations) - 50} more" if len(violations) > 50 else ""
            report.append(f"Xen #{i} ({xen.arena.frames} frames):\n    {shown}{more}")
    if report:
        pytest.fail("xen.audit() found invariant violations at teardown:\n" + "\n".join(report))
    findings = oracle.scan()
    leaked = sum(f.nbytes for f in findings)
    request.node.user_properties.append(("leaked_bytes", leaked))
    if findings and request.node.get_closest_marker("foreign_bytes_expected") is None:
        shown = "\n    ".join(str(f) for f in findings[:20])
        pytest.fail(f"leak oracle: {leaked} foreign bytes at teardown:\n    {shown}")
