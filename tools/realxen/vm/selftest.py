"""Real-Xen self-test of the dom0 device wrappers, no guest needed: dom0 grants pages to itself
through gntalloc, maps them through gntdev, grant-copies between them; binds an event channel to
itself; and talks to the real xenstored. Prints one REALXEN-RESULT line."""

from __future__ import annotations

import json
import os
import sys
import traceback

sys.path.insert(0, "/opt/blkswap")
from blkswap.abi import linux_xen as L  # noqa: E402
from blkswap.xen.linux.devices import Evtchn, Gntalloc, Gntdev  # noqa: E402
from blkswap.xen.linux.memory import PageArena  # noqa: E402
from blkswap.xen.linux.xenstore import XsClient  # noqa: E402


def grants(out: dict) -> None:
    ga, gd = Gntalloc(), Gntdev()
    index, refs, mem = ga.alloc(0, 2)
    mem[0:5] = b"hello"
    m = gd.map(0, refs, writable=True)
    out["map_reads_granted_page"] = bytes(m.page(0)[:5]) == b"hello"
    m.page(1)[100:103] = b"xyz"
    out["map_writes_granted_page"] = bytes(mem[4096 + 100 : 4096 + 103]) == b"xyz"
    gd.unmap(m)
    arena = PageArena(2)
    seg = L.STRUCTS["gntdev_grant_copy_segment"]
    segs = bytearray(2 * seg.size)
    # gref → local page, then local page → gref (flags: GNTCOPY_source_gref 1, dest_gref 2)
    seg.pack_values_into(segs, 0, [refs[0], 0, 0, *L.virt_parts(arena.address(0)), 5, 1, 0])
    arena.view(1)[:3] = b"abc"
    seg.pack_values_into(segs, seg.size, [*L.virt_parts(arena.address(1)), refs[1], 8, 0, 3, 2, 0])
    gd.grant_copy(segs, 2)
    out["copy_status"] = [seg.read_field(segs, i * seg.size, "status") for i in range(2)]
    out["copy_from_grant"] = bytes(arena.view(0)[:5]) == b"hello"
    out["copy_to_grant"] = bytes(mem[4096 + 8 : 4096 + 11]) == b"abc"
    bad = bytearray(seg.size)
    seg.pack_values_into(bad, 0, [99999, 0, 0, *L.virt_parts(arena.address(0)), 5, 1, 0])
    gd.grant_copy(bad, 1)
    out["copy_bad_ref_status"] = seg.read_field(bad, 0, "status")
    mem.close()
    ga.dealloc(index, 2)
    out["gntdev_counts"] = [gd.maps, gd.unmaps, gd.copies]
    gd.close()
    ga.close()


def events(out: dict) -> None:
    ev = Evtchn()
    a = ev.bind_unbound(0)
    b = ev.bind_interdomain(0, a)
    ev.notify(b)
    import select

    select.select([ev.fileno()], [], [], 2.0)
    got = ev.pending()
    ev.unmask(got)
    out["evtchn_loopback"] = a in got  # NOTIFY on b raised a
    out["evtchn_bind_pending"] = b in got  # Xen marks a freshly bound interdomain port pending
    ev.close()


def store(out: dict) -> None:
    xs = XsClient()
    out["xs_path"] = xs.path
    xs.write("/local/domain/0/realxen/a", "1")
    seen = []
    xs.watch("/local/domain/0/realxen", "tok", lambda p, t: seen.append(p))
    attempts = xs.write_all("/local/domain/0/realxen", {"b": "2", "c": "3"})
    xs.dispatch(timeout=1.0)
    out["xs_dir"] = xs.directory("/local/domain/0/realxen")
    out["xs_watch_events"] = len(seen)
    out["xs_tx_attempts"] = attempts
    out["xs_dom0_name"] = xs.read("/local/domain/0/name")
    xs.rm("/local/domain/0/realxen")
    xs.close()


def main() -> None:
    out: dict = {"check": "selftest"}
    for part in (grants, events, store):
        try:
            part(out)
        except Exception:  # report, keep going: the test asserts on the fields
            out[f"{part.__name__}_error"] = traceback.format_exc(limit=3)
    out["pid"] = os.getpid()
    print("REALXEN-RESULT " + json.dumps(out), flush=True)


main()
