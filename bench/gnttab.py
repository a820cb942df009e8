"""Benchmark (not a test): grant map+unmap and grant copy of 11-segment batches per second.

Prints, for one request of 11 x 4 KiB segments: map+unmap (two hypercalls) and copy (one
hypercall) rates in batches/s and segments/s, next to a plain numpy memcpy of the same 44 KiB in
the same run. Run: ``.venv/bin/python bench/gnttab.py [--seconds 1.0]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from blkswap.abi import X86_64
from blkswap.abi import gnttab as g
from blkswap.xen import Xen

SEGS = 11


def _rate(fn, seconds: float) -> float:
    n = 0
    t0 = time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = ap.parse_args()
    xen = Xen(frames=4096)
    d0 = xen.create_domain(pages=256, vcpus=4)
    d1 = xen.create_domain(pages=256, vcpus=2)
    gfns = [d1.alloc_page() for _ in range(SEGS)]
    refs = [d1.grant_access(gfn, 0, False) for gfn in gfns]
    base = d0.grant_va_base

    m = X86_64.struct("gnttab_map_grant_ref")
    u = X86_64.struct("gnttab_unmap_grant_ref")
    maps = bytearray(
        b"".join(
            m.pack(host_addr=base + (i << 12), flags=g.GNTMAP_host_map, ref=r, dom=1)
            for i, r in enumerate(refs)
        )
    )
    unmaps = bytearray(u.size * SEGS)

    def map_unmap() -> None:
        xen.grant_table_op(0, g.GNTTABOP_map_grant_ref, maps, SEGS)
        for i in range(SEGS):
            h = m.st.unpack_from(maps, i * m.size)[5]
            u.st.pack_into(unmaps, i * u.size, base + (i << 12), 0, h, 0)
        xen.grant_table_op(0, g.GNTTABOP_unmap_grant_ref, unmaps, SEGS)

    c = X86_64.struct("gnttab_copy")
    own = [d0.gfn_to_mfn(d0.alloc_page()) for _ in range(SEGS)]
    copies = bytearray(
        b"".join(
            c.pack(
                {"source.u": r, "source.domid": 1, "dest.u": mfn, "dest.domid": g.DOMID_SELF},
                len=4096,
                flags=g.GNTCOPY_source_gref,
            )
            for r, mfn in zip(refs, own, strict=True)
        )
    )

    def copy() -> None:
        xen.grant_table_op(0, g.GNTTABOP_copy, copies, SEGS)

    src = np.random.default_rng(0).integers(0, 255, SEGS * 4096, dtype=np.uint8)
    dst = np.empty_like(src)

    def memcpy() -> None:
        dst[:] = src

    map_unmap()
    copy()
    rows = [
        ("map+unmap (2 hypercalls)", _rate(map_unmap, args.seconds)),
        ("copy (1 hypercall)", _rate(copy, args.seconds)),
        ("numpy memcpy 44 KiB", _rate(memcpy, args.seconds)),
    ]
    print(f"{'11 x 4 KiB segments':28s} {'batches/s':>12s} {'segments/s':>12s} {'us/batch':>10s}")
    for name, r in rows:
        print(f"{name:28s} {r:12.0f} {r * SEGS:12.0f} {1e6 / r:10.2f}")
    if xen.audit():
        raise SystemExit(f"audit failed: {xen.audit()}")


if __name__ == "__main__":
    main()
