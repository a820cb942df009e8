"""Project-wide test fixtures.

``xen_audit`` (autouse): records every :class:`blkswap.xen.Xen` built during a test (by wrapping
``Xen.__init__`` through monkeypatch -- the library keeps no registry) and, at teardown, fails the
test if any of them reports invariant violations in ``xen.audit()``, printing them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blkswap.xen import hypervisor


@pytest.fixture(autouse=True)
def xen_audit(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[hypervisor.Xen]]:
    """Audit every Xen created during the test at teardown (yields the list of them)."""
    built: list[hypervisor.Xen] = []
    original = hypervisor.Xen.__init__

    def recording_init(self: hypervisor.Xen, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(hypervisor.Xen, "__init__", recording_init)
    yield built
    report = []
    for i, xen in enumerate(built):
        violations = xen.audit()
        if violations:
            shown = "\n    ".join(violations[:50])
            more = f"\n    ... {len(violations) - 50} more" if len(violations) > 50 else ""
            report.append(f"Xen #{i} ({xen.arena.frames} frames):\n    {shown}{more}")
    if report:
        pytest.fail("xen.audit() found invariant violations at teardown:\n" + "\n".join(report))
