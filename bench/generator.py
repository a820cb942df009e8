"""I/O generator speed (not a test): Io objects per second for randrw 4k, best of 3.

python bench/generator.py
"""

from __future__ import annotations

import time

from blkswap.workload import IoGenerator, parse_jobtext


def main() -> None:
    job = parse_jobtext("[j]\nrw=randrw\nbs=4k\ntime_based\n", quiet=True).jobs[0]
    best = 0.0
    for _ in range(3):
        g = IoGenerator(job, 1 << 30)
        t0 = time.perf_counter()
        for _ in range(100_000):
            g.next()
        best = max(best, 100_000 / (time.perf_counter() - t0))
    print(f"IoGenerator randrw 4k: {best:,.0f} Io/s (target ≥ 300,000)")


if __name__ == "__main__":
    main()
