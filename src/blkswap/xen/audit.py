"""Invariant checks over the whole emulated host (``Xen.audit()``).

Checked (each violation is one human-readable string):

* frames: an MFN in two P2M entries (owned twice); a P2M entry whose frame's owner or M2P
  disagrees; an owned ordinary frame that is in no P2M (released-but-referenced DYING frames are
  fine); a free frame with grant pins (mapped but owned by nobody) or an M2P entry; negative
  reference or pin counts.
* grant tables: GTF_reading/GTF_writing set while the pin is 0 or clear while pinned (writing vs
  writable pins); pin counts that differ from what the mappers' maptrack entries account for (pins
  without maptrack, maptrack without pins); per-frame pin counts that differ from the active
  entries; a live handle whose host mapping is missing from the mapper's va space.
* events recorded as they happened in ``xen.violations`` (e.g. a domain destroyed while it still
  held grant mappings of others);
* a destroyed domain whose grants some domain still maps (the mapper never let go).

Copy acquisitions never outlive a hypercall, so outside a call every pin is a mapping.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from blkswap.abi import gnttab as g
from blkswap.xen.arena import DYING, FREE, RESERVED, SHARED
from blkswap.xen.domain import GRANT
from blkswap.xen.grant_table import PIN_WRITABLE, GrantTable, pin_increment

if TYPE_CHECKING:
    from blkswap.xen.hypervisor import Xen


def audit(xen: Xen) -> list[str]:
    """All violations (see module docstring); [] when the host is consistent."""
    out = list(xen.violations)
    out += _frames(xen)
    out += _grants(xen)
    return out


def _frames(xen: Xen) -> list[str]:
    out: list[str] = []
    a = xen.arena
    seen: dict[int, tuple[int, int]] = {}
    for d in xen.domains.values():
        for gfn, mfn in enumerate(d.p2m):
            if mfn < 0:
                continue
            if mfn in seen:
                od, og = seen[mfn]
                out.append(f"mfn {mfn} owned twice: d{od} gfn {og} and d{d.domid} gfn {gfn}")
                continue
            seen[mfn] = (d.domid, gfn)
            if a.owner[mfn] != d.domid:
                out.append(f"d{d.domid} gfn {gfn} -> mfn {mfn} but owner is {a.owner[mfn]}")
            if a.m2p[mfn] != gfn:
                out.append(
                    f"P2M/M2P mismatch: d{d.domid} gfn {gfn} -> mfn {mfn}, M2P says {a.m2p[mfn]}"
                )
        if d.tot_pages != sum(1 for m in d.p2m if m >= 0):
            out.append(f"d{d.domid} tot_pages {d.tot_pages} != populated gfns")
    owner = np.asarray(a.owner)
    refs = np.asarray(a.refs)
    pins = np.asarray(a.pins)
    m2p = np.asarray(a.m2p)
    flags = np.frombuffer(bytes(a.flags), dtype=np.uint8)
    for mfn in np.flatnonzero((refs < 0) | (pins < 0)).tolist():
        out.append(f"mfn {mfn}: negative count (refs {a.refs[mfn]}, pins {a.pins[mfn]})")
    free = owner == FREE
    for mfn in np.flatnonzero(free & (pins > 0)).tolist():
        out.append(f"mfn {mfn} is mapped through a grant but owned by no domain")
    for mfn in np.flatnonzero(free & (m2p != -1)).tolist():
        out.append(f"free mfn {mfn} still has M2P entry {a.m2p[mfn]}")
    ordinary = ~free & ((flags & (SHARED | RESERVED | DYING)) == 0)
    for mfn in np.flatnonzero(ordinary).tolist():
        if mfn not in seen:
            out.append(f"mfn {mfn} owned by d{a.owner[mfn]} but in no P2M")
    return out


def _tables(xen: Xen) -> list[GrantTable]:
    """Live tables plus dead ones still referenced from some maptrack."""
    tables = {id(d.gt): d.gt for d in xen.domains.values()}
    for d in xen.domains.values():
        for gt in d.maptrack.gt:
            if gt is not None:
                tables.setdefault(id(gt), gt)
    return list(tables.values())


def _grants(xen: Xen) -> list[str]:
    out: list[str] = []
    expected: Counter[tuple[int, int]] = Counter()  # (id(table), ref) -> pin from maptrack
    for d in xen.domains.values():
        mt = d.maptrack
        live_vas = {mt.va[h] >> 12 for h in mt.live() if mt.flags[h] & g.GNTMAP_host_map}
        for vpn, (mfn, _ro, kind) in d.vmap.items():
            if kind == GRANT and vpn not in live_vas:
                out.append(
                    f"d{d.domid} va {vpn << 12:#x}: grant mapping of mfn {mfn} without a handle"
                )
        for h in mt.live():
            gt, ref, flags = mt.gt[h], mt.ref[h], mt.flags[h]
            expected[(id(gt), ref)] += pin_increment(flags)
            if flags & g.GNTMAP_host_map:
                e = d.vmap.get(mt.va[h] >> 12)
                if e is None or e[2] != GRANT or e[0] != gt.act_mfn[ref]:
                    out.append(f"d{d.domid} handle {h}: host mapping at {mt.va[h]:#x} is missing")
    per_frame: Counter[int] = Counter()
    for gt in _tables(xen):
        who = f"d{gt.domid}" + (" (destroyed)" if gt.dead else "")
        if gt.dead and gt.active:
            users = sorted({gt.act_domid[r] for r in range(gt.nr_entries) if gt.pin[r]})
            out.append(
                f"d{gt.domid} destroyed, {gt.active} grant entries still mapped by "
                + ", ".join(f"d{u}" for u in users)
            )
        for ref in range(gt.nr_entries):
            pin = gt.pin[ref]
            want = expected.get((id(gt), ref), 0)
            if pin != want:
                kind = "pins without maptrack" if pin > want else "maptrack without pins"
                out.append(f"{who} ref {ref}: {kind} (pin {pin:#x}, maptrack {want:#x})")
            if pin:
                per_frame[gt.act_mfn[ref]] += 1
            if not gt.frames:
                continue
            flags = gt.flags(ref)
            if flags & g.GTF_type_mask != g.GTF_permit_access:
                continue
            reading, writing = bool(flags & g.GTF_reading), bool(flags & g.GTF_writing)
            if reading != bool(pin) or writing != bool(pin & PIN_WRITABLE):
                out.append(
                    f"{who} ref {ref}: status bits reading={reading} writing={writing} "
                    f"with pin {pin:#x}"
                )
    a = xen.arena
    want = np.zeros(a.frames, dtype=np.int64)
    for mfn, n in per_frame.items():
        want[mfn] = n
    for mfn in np.flatnonzero(np.asarray(a.pins) != want).tolist():
        out.append(f"mfn {mfn}: pin count {a.pins[mfn]} != active entries {int(want[mfn])}")
    return out
