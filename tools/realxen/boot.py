#!/usr/bin/env python3
"""Boot the cached real-Xen images once under QEMU (TCG) with the code under test appended.

    python3 tools/realxen/boot.py --cache DIR --out DIR [--timeout S] [--env K=V ...]

``--cache`` is what tools/realxen/build.sh printed. The code under test (src/blkswap and
tools/realxen/vm/) goes into an extra newc cpio that is appended to the cached dom0 rootfs (Linux
unpacks concatenated archives); the domU's initramfs is the cached busybox+fio one with the
guest script appended the same way. Results come back over the serial console: every line
``REALXEN-RESULT <json>`` is collected into OUT/results.json; OUT/serial.log keeps the whole log
(CRLF line ends, as QEMU writes them). Exit status 0 iff the dom0 script printed REALXEN-DONE.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
XEN_ARGS = (
    "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot"
)


def _pad4(n: int) -> bytes:
    return b"\0" * (-n % 4)


def cpio_entry(name: str, mode: int, data: bytes = b"", ino: int = 0) -> bytes:
    """One 'newc' (070701) cpio record (Linux Documentation/driver-api/early-userspace)."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    rec = head + name.encode() + b"\0"
    return rec + _pad4(len(rec)) + data + _pad4(len(data))


def cpio_archive(files: dict[str, tuple[int, bytes]]) -> bytes:
    """``{path: (mode, data)}`` → archive; parent directories are added, then the trailer."""
    dirs: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    out = [cpio_entry(d, 0o40755, ino=i + 1) for i, d in enumerate(sorted(dirs))]
    base = len(out) + 1
    for i, (path, (mode, data)) in enumerate(sorted(files.items())):
        out.append(cpio_entry(path, mode, data, ino=base + i))
    out.append(cpio_entry("TRAILER!!!", 0))
    return b"".join(out)


def tree_files(root: Path, prefix: str, suffixes: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
    files = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts:
            mode = 0o100755 if os.access(p, os.X_OK) else 0o100644
            files[f"{prefix}/{p.relative_to(root)}"] = (mode, p.read_bytes())
    return files


def compose(cache: Path, out: Path, env: dict[str, str]) -> Path:
    """Write OUT/boot.cpio = cached dom0 rootfs + the code under test; return its path."""
    vm = tree_files(HERE / "vm", "realxen", (".py", ".sh", ".cfg", ".toml", ".fio", ""))
    jobs = {k.replace("realxen/", "", 1): v for k, v in vm.items() if k.startswith("realxen/jobs/")}
    domu = cpio_archive({"init": vm.pop("realxen/domu-init"), **jobs})
    files = {
        **vm,
        **tree_files(REPO / "src" / "blkswap", "opt/blkswap/blkswap", (".py", ".toml", ".fio")),
        "realxen/domu.cpio": (0o100644, (cache / "domu-base.cpio").read_bytes() + domu),
        "realxen/env": (0o100644, "".join(f"export {k}='{v}'\n" for k, v in env.items()).encode()),
    }
    target = out / "boot.cpio"
    with open(target, "wb") as f:
        with open(cache / "dom0-rootfs.cpio", "rb") as base:
            shutil.copyfileobj(base, f, 1 << 20)
        f.write(cpio_archive(files))
    return target


def boot(cache: Path, cpio: Path, log: Path, timeout: float) -> int:
    cmd = [
        "qemu-system-x86_64", "-accel", "tcg,thread=multi", "-cpu", "qemu64", "-m", "2048",
        "-smp", "1", "-nographic", "-no-reboot", "-monitor", "none", "-display", "none",
        "-net", "none", "-serial", f"file:{log}",
        "-kernel", str(cache / "xen"), "-append", XEN_ARGS,
        "-initrd", f"{cache / 'vmlinuz'} console=hvc0 earlyprintk=xen rdinit=/realxen/dom0-init,{cpio}",
    ]  # fmt: skip
    try:
        return subprocess.run(
            cmd, stdin=subprocess.DEVNULL, timeout=timeout, check=False
        ).returncode
    except subprocess.TimeoutExpired:
        return -1


def collect(log: Path) -> tuple[list[dict], bool]:
    results, done = [], False
    for raw in log.read_bytes().decode(errors="replace").splitlines():
        line = raw.strip("\r\n ")
        at = line.find("REALXEN-RESULT ")
        if at >= 0:
            results.append(json.loads(line[at + len("REALXEN-RESULT ") :]))
        done = done or "REALXEN-DONE" in line
    return results, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--env", action="append", default=[], help="K=V exported in the dom0 script")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(kv.split("=", 1) for kv in args.env)
    t0 = time.monotonic()
    cpio = compose(args.cache, args.out, env)
    rc = boot(args.cache, cpio, args.out / "serial.log", args.timeout)
    cpio.unlink()
    results, done = collect(args.out / "serial.log")
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"realxen-boot: qemu rc={rc} done={done} results={len(results)} "
          f"{time.monotonic() - t0:.0f}s", file=sys.stderr)  # fmt: skip
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
