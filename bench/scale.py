"""Scale benchmark (not a test): the seed's worst case — many guests, each keeping a full ring of
11-segment requests in flight, on ONE pool of 704 frames ("two rings worth").

For 1, 50 and 200 guests (``--guests 1,50,200``) it prints wall time, peak RSS (measured in a
fresh child process per point, so points do not inherit each other's peak), requests per wall
second, the pool's figures and Jain's fairness index. Memory must stay bounded by frames in
flight — not by the worst case (guests × 32 × 11 frames) — and the cost per request must not grow
with the number of idle guests (``--idle N`` adds N guests that connect but do no I/O).

    python bench/scale.py [--guests 1,50,200] [--datapath copy] [--requests 64] [--idle 0]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time


def point(guests: int, datapath: str, requests: int, idle: int, out: mp.Queue) -> None:
    from blkswap.lab import Lab

    job = f"[ring]\nrw=randrw\nbs=44k\niodepth=32\nio_size={requests * 44}k\nsize=16m\n"
    lab = Lab(
        guests=guests + idle,
        idle_guests=idle,  # connected VBDs that do no I/O: they must not make requests dearer
        datapath=datapath,
        pool_frames=704,
        disk_size=16 << 20,
        storage="raw",
        device="nvme",
        dom0_vcpus=8,
        guest_vcpus=1,
        verify=True,
    )
    # a short run first: the difference is the marginal cost of the extra requests, without the
    # fixed cost of building and connecting every guest
    short = (
        f"[ring]\nrw=randrw\nbs=44k\niodepth=32\nio_size={max(1, requests // 4) * 44}k\nsize=16m\n"
    )
    t0 = time.perf_counter()
    r0 = lab.run(short)
    wall0 = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = lab.run(job)
    wall = time.perf_counter() - t0
    b = r.run.blkswap
    reqs = sum(j.blkswap["requests"] for j in r.run.jobs)
    reqs0 = sum(j.blkswap["requests"] for j in r0.run.jobs)
    marginal_us = (wall - wall0) / max(1, reqs - reqs0) * 1e6
    out.put(
        {
            "guests": guests,
            "wall_s": round(wall, 2),
            "peak_rss_MiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "requests": reqs,
            "req_per_s": round(reqs / wall),
            "wall_us_per_req": round(marginal_us, 1),
            "dom0_us_per_req": round(b["cpu_ns_by_domain"]["dom0"] / max(1, reqs) / 1000, 2),
            "pool_peak": b["pool"]["frames_peak"],
            "pool_waits": b["pool"]["waits"],
            "wait_p99_us": round(b["pool"]["wait_ns"]["p99"] / 1000, 1),
            "jain": b["fairness"]["jain_index"],
            "worst_case_frames": guests * 32 * 11,
            "audit": len(r.audit),
            "verify_errors": r.total("verify_errors"),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--guests", default="1,50,200")
    ap.add_argument("--datapath", default="copy")
    ap.add_argument("--requests", type=int, default=64, help="11-segment requests per guest")
    ap.add_argument("--idle", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for n in (int(x) for x in args.guests.split(",")):
        q = ctx.Queue()
        p = ctx.Process(target=point, args=(n, args.datapath, args.requests, args.idle, q))
        p.start()
        rows.append(q.get())
        p.join()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    cols = list(rows[0])
    print("  ".join(f"{c:>12}" for c in cols))
    for row in rows:
        print("  ".join(f"{row[c]!s:>12}" for c in cols))
    base = rows[0]["wall_s"] / max(1, rows[0]["requests"])
    for row in rows[1:]:
        per = row["wall_s"] / max(1, row["requests"])
        print(
            f"wall time per request at {row['guests']} guests: {per / base:.2f}x the {rows[0]['guests']}-guest figure; "
            f"peak RSS {row['peak_rss_MiB'] / rows[0]['peak_rss_MiB']:.2f}x; pool peak {row['pool_peak']} of 704 frames "
            f"(worst case {row['worst_case_frames']})"
        )


if __name__ == "__main__":
    main()
