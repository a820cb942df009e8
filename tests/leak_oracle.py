"""The leak oracle, on in every test (tests/conftest.py): every domain's memory and every disk is
canaried per domain, and at teardown nothing may hold another domain's canary.

* When a domain is created, each of its pages (but those still holding the arena's POISON, a
  leak sign of its own that tests look for) is filled with 16-byte canary records
  ``MAGIC (6 bytes) | domid (u16 LE) | b"canary!\\0"``, 256 per page (Linux hands out pages with
  whatever they last held; the lab's guests now start with bytes that say whose they are).
* Every disk a backend attaches is recorded with the domain it belongs to; every write that
  reaches it is scanned before it lands.
* At teardown the whole machine memory is scanned: a canary of domain D in a frame owned by a
  guest G != D, or in a free frame, or in a write to G's disk, is a foreign byte. dom0's own frames
  are exempt: the backend legitimately holds guests' data in its buffers. dom0's own canary in a
  guest is not counted: GNTTABOP_swap and transfer hand dom0 frames to guests by design, and
  what matters is another *guest's* bytes arriving through them (they carry that guest's
  canary or its sector tags).

Canary records are 16-byte aligned in the page they were written in; block I/O and grant copies
move whole 512-byte sectors at sector offsets, so a leaked record stays aligned (a copy at an odd
offset would hide it: the lab never issues one, and the provenance tags catch sector-level moves).

A test that shows a leak on purpose (``--no-swap-scrub``, hazard policy ``none``) carries
``@pytest.mark.foreign_bytes_expected``: the oracle still counts, but does not fail it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from blkswap.xen import lifecycle
from blkswap.xen.arena import FREE, PAGE_SIZE

MAGIC = b"\x8fC4N\x9bY"  # 6 bytes, not ASCII text, not the arena's POISON, not a sector tag
RECORD = 16
_MAGIC48 = int.from_bytes(MAGIC + b"\0\0", "little")
_MASK48 = (1 << 48) - 1


def canary_page(domid: int) -> np.ndarray:
    rec = MAGIC + struct.pack("<H", domid) + b"canary!\0"
    return np.frombuffer(rec * (PAGE_SIZE // RECORD), dtype=np.uint8)


def canary_owners(buf: Any) -> np.ndarray:
    """The domid of every aligned canary record in ``buf`` (a bytes-like of any length)."""
    raw = np.frombuffer(buf, dtype=np.uint8)
    n = raw.size // RECORD * RECORD
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    words = raw[:n].view(np.uint64).reshape(-1, 2)[:, 0]
    hits = words[(words & _MASK48) == _MAGIC48]
    return hits >> 48


@dataclass
class Finding:
    where: str
    owner: int
    foreign: int
    nbytes: int

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.nbytes} bytes of d{self.foreign}'s canary (owner d{self.owner})"
        )


@dataclass
class LeakOracle:
    """Records the hosts and disks a test builds; :meth:`scan` lists the foreign bytes."""

    xens: list[Any] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: domids whose pages were canaried: a record naming any other domid is not a canary but a
    #: partial overwrite of one (a grant copy at an odd offset ending inside the domid field,
    #: as the hypothesis tests of tests/xen issue), the remaining bytes being the page's own
    domids: set[int] = field(default_factory=set)

    # -- instrumentation ---------------------------------------------------------------------
    def wrap_create_domain(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def create(xen: Any, pages: int, vcpus: int, max_pages: int | None) -> Any:
            d = original(xen, pages, vcpus, max_pages)
            self.domids.add(d.domid)
            page = canary_page(d.domid)
            arena = xen.arena
            for mfn in d.p2m:
                if mfn >= 0 and not arena.is_poisoned(mfn):  # poison stays: it is a leak sign
                    arena.np[mfn * PAGE_SIZE : (mfn + 1) * PAGE_SIZE] = page
            return d

        return create

    def watch_disk(self, domid: int, store: Any) -> None:
        """Scan every write that reaches ``store`` (the disk of domain ``domid``)."""
        original = store.writev
        if getattr(original, "_leak_oracle", False):
            return

        def writev(offset: int, bufs: Sequence[memoryview]) -> int:
            for b in bufs:
                self._check(f"write to d{domid}'s disk at {offset}", domid, canary_owners(b))
            return original(offset, bufs)

        writev._leak_oracle = True  # type: ignore[attr-defined]
        store.writev = writev

    def _check(self, where: str, owner: int, owners: np.ndarray) -> None:
        for foreign in np.unique(owners[owners != owner]).tolist():
            if foreign not in self.domids:
                continue
            count = int((owners == foreign).sum())
            self.findings.append(Finding(where, owner, int(foreign), count * RECORD))

    # -- teardown ------------------------------------------------------------------------------
    def scan(self) -> list[Finding]:
        """Scan every recorded host's memory; returns all findings (writes included)."""
        for i, xen in enumerate(self.xens):
            self._scan_memory(i, xen)
        return self.findings

    def _scan_memory(self, index: int, xen: Any) -> None:
        arena = xen.arena
        raw = arena.np.view(np.uint64).reshape(-1, 2)[:, 0]
        hit = np.nonzero((raw & _MASK48) == _MAGIC48)[0]
        if hit.size == 0:
            return
        domids = (raw[hit] >> 48).astype(np.int64)
        frames = hit // (PAGE_SIZE // RECORD)
        owner = np.array(arena.owner, dtype=np.int64)[frames]
        # foreign: in a free frame, or in a guest's frame holding another domain's canary
        bad = (owner == FREE) | ((owner != 0) & (owner != domids) & (domids != 0))
        bad &= np.isin(domids, list(self.domids))
        for o, f in sorted(set(zip(owner[bad].tolist(), domids[bad].tolist(), strict=True))):
            sel = bad & (owner == o) & (domids == f)
            where = f"Xen #{index} {'free frames' if o == FREE else f'd{o} frames'}"
            self.findings.append(Finding(where, o, f, int(sel.sum()) * RECORD))


#: the test's LeakOracle, for tests that look at what it found (``request.node.stash[ORACLE]``)
ORACLE = pytest.StashKey["LeakOracle"]()


def install(monkeypatch: Any, oracle: LeakOracle) -> None:
    """Hook domain creation and VBD attachment (no library change: monkeypatch only)."""
    from blkswap.back.xenbus import BlkBack

    monkeypatch.setattr(
        lifecycle, "create_domain", oracle.wrap_create_domain(lifecycle.create_domain)
    )
    attach = BlkBack.attach

    def recording_attach(self: Any, config: Any) -> None:
        oracle.watch_disk(config.frontend_domid, config.store)
        attach(self, config)

    monkeypatch.setattr(BlkBack, "attach", recording_attach)
