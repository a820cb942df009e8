"""Build (cached) and boot the real-Xen guest once per test session; load what it reported.

tools/realxen/build.sh makes/caches the images, tools/realxen/boot.py boots them with the code
under test. The serial log and results are kept in ``REALXEN_OUT`` (default: a fresh folder
under /tmp, printed) so a failing CI run leaves them behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "realxen"


@dataclass
class Boot:
    out: Path
    results: list[dict[str, Any]]
    build_seconds: float
    boot_seconds: float
    ok: bool
    domu: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    dmesg: list[str] = field(default_factory=list)  #: the guest's blkfront/xvd kernel lines

    def one(self, check: str) -> dict[str, Any]:
        found = [r for r in self.results if r.get("check") == check]
        assert len(found) == 1, f"{check}: {len(found)} results (serial log: {self.out})"
        return found[0]


def _load(out: Path, ok: bool, build_s: float, boot_s: float) -> Boot:
    results = (
        json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else []
    )
    boot = Boot(out, results, build_s, boot_s, ok)
    for r in results:
        if r.get("check") == "dmesg":
            boot.dmesg.append(r["line"])
        elif "disk" in r:
            boot.domu[(r["disk"], r["check"])] = r
    return boot


def build_and_boot() -> Boot:
    reuse = os.environ.get("REALXEN_REUSE")  # re-assert an earlier boot's results (debugging)
    if reuse:
        serial = (Path(reuse) / "serial.log").read_bytes()
        return _load(Path(reuse), b"REALXEN-DONE" in serial, 0.0, 0.0)
    out = Path(os.environ.get("REALXEN_OUT") or tempfile.mkdtemp(prefix="realxen-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"\nrealxen: serial log and results in {out}", flush=True)
    t0 = time.monotonic()
    built = subprocess.run([str(TOOLS / "build.sh")], capture_output=True, text=True)
    (out / "build.log").write_text(built.stderr)
    if built.returncode != 0:
        raise AssertionError(f"tools/realxen/build.sh failed:\n{built.stderr[-3000:]}")
    cache = built.stdout.strip().splitlines()[-1]
    t1 = time.monotonic()
    booted = subprocess.run(
        ["python3", str(TOOLS / "boot.py"), "--cache", cache, "--out", str(out), "--timeout", "720"],
        capture_output=True, text=True,
    )  # fmt: skip
    t2 = time.monotonic()
    (out / "boot.log").write_text(booted.stderr)
    boot = _load(out, booted.returncode == 0, t1 - t0, t2 - t1)
    print(f"realxen: build {boot.build_seconds:.0f} s, boot {boot.boot_seconds:.0f} s", flush=True)
    return boot
