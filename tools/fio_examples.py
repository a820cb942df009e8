"""fio 3.33's own example jobs through blkswap's job-file parser: which run, which are refused, why.

The examples are not in this repository. They are fetched when this script runs, from Debian's
``fio`` source package (bookworm ships fio 3.33): a private apt source list with one ``deb-src``
line, ``apt-get source --download-only fio``, then the tarball's ``examples/*.fio`` are read in
place. ``--fio-src DIR`` uses an unpacked fio source tree instead (for example a checkout of
github.com/axboe/fio at tag fio-3.33).

For each example it prints: runs (parsed, every clone fits the default 256 MiB disk; the
wall-time estimate for one guest; the options ignored in the lab), or refused with blkswap's
one-line reason. ``--run SECONDS`` also runs, on RAM storage with one guest, every example whose
estimate is below SECONDS and reports its exit status. ``--markdown``
prints the table docs/workload.md carries.

    python tools/fio_examples.py [--fio-src DIR] [--cache DIR] [--markdown]
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tarfile
from pathlib import Path

DISK = 256 << 20
#: variables some examples expect in the environment (their comments show how fio is run)
ENV = {"FIO_RW": "randread", "FIO_BS": "4k", "FIO_IODEPTH": "16"}


def _mirror() -> str:
    for src in glob.glob("/etc/apt/sources.list.d/*.sources"):
        for line in Path(src).read_text().splitlines():
            if line.startswith("URIs:"):
                return line.split()[1]
    for line in Path("/etc/apt/sources.list").read_text().splitlines():
        if line.startswith("deb "):
            return line.split()[1]
    return "http://deb.debian.org/debian"


def fetch(cache: Path) -> Path:
    """Debian's fio 3.33 source, unpacked under ``cache`` (downloaded once)."""
    tree = cache / "fio-3.33"
    if (tree / "examples").is_dir():
        return tree
    (cache / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (cache / "sources.list").write_text(f"deb-src {_mirror()} bookworm main\n")
    apt = [
        f"-o Dir::Etc::SourceList={cache}/sources.list",
        "-o Dir::Etc::SourceParts=/nonexistent",
        f"-o Dir::State::Lists={cache}/lists",
    ]
    opts = [w for o in apt for w in o.split(" ", 1)]
    for step in (["update"], ["source", "--download-only", "fio=3.33*"]):
        done = subprocess.run(
            ["apt-get", "-q", *opts, *step], capture_output=True, text=True, cwd=cache
        )
        if done.returncode:  # e.g. no deb-src access from this machine
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            sys.exit(
                f"fio_examples: apt-get {step[0]} failed ({last}); give an unpacked fio "
                "3.33 tree with --fio-src DIR (github.com/axboe/fio at tag fio-3.33)"
            )
    with tarfile.open(next(cache.glob("fio_3.33*.orig.tar.gz"))) as tar:
        tar.extractall(cache, filter="data")
    return tree


def classify(path: Path) -> tuple[str, str]:
    """(verdict, detail) for one example job file."""
    from blkswap.workload import JobFileError, parse_jobfile
    from blkswap.workload.generator import IoGenerator

    try:
        jf = parse_jobfile(path, env=ENV, quiet=True)
    except JobFileError as err:
        text = str(err).split(": ", 1)[1] if ": " in str(err) else str(err)
        return "refused", text
    if not jf.jobs:
        return "refused", "no job section (only [global])"
    for job in jf.jobs:
        for clone in range(job.numjobs):
            try:
                IoGenerator(job, DISK, clone=clone)
            except ValueError as err:
                return "refused", str(err)
    from blkswap.workload.estimate import describe, estimate

    ignored = sorted({w.split(": ")[1].split("=")[0] for w in jf.warnings if "ignored" in w})
    est = describe(estimate(jf, guests=1, disk_size=DISK))
    return "runs", f"{len(jf.jobs)} job(s), 1 guest: {est}; ignored: {', '.join(ignored) or '—'}"


def _run(path: Path, detail: str, limit: float) -> str:
    """Run one accepted example when its estimate is short enough; its exit status."""
    import re

    m = re.search(r"about ([\d.]+) (s|min|h) of wall", detail)
    if not m or float(m.group(1)) * {"s": 1, "min": 60, "h": 3600}[m.group(2)] > limit:
        return ""
    cmd = [sys.executable, "-m", "blkswap", "run", str(path), "--storage", "ram", "--no-report"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ENV})
    return f"; ran: exit {proc.returncode}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fio-src", type=Path, help="an unpacked fio 3.33 source tree")
    ap.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "blkswap-fio-src"
    )
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument(
        "--run", type=float, metavar="SECONDS", help="run examples estimated below this"
    )
    args = ap.parse_args()
    tree = args.fio_src or fetch(args.cache)
    files = sorted((tree / "examples").glob("*.fio"))
    rows = [(f.name, *classify(f)) for f in files]
    if args.run:
        rows = [(n, v, d + _run(tree / "examples" / n, d, args.run)) for n, v, d in rows]
    runs = sum(1 for _, v, _ in rows if v == "runs")
    if args.markdown:
        print("| fio 3.33 example | blkswap | why / what is ignored |\n|---|---|---|")
        for name, verdict, detail in rows:
            print(f"| `{name}` | {verdict} | {detail.replace('|', '/')} |")
    else:
        width = max(len(n) for n, _, _ in rows)
        for name, verdict, detail in rows:
            print(f"{name:<{width}}  {verdict:<7}  {detail}")
    print(f"\n{len(rows)} examples: {runs} run, {len(rows) - runs} refused with a reason, "
          "0 unknown options", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
