"""dom0 side of the real-Xen test: images, a paused PV guest, `blkswap serve` for its disks plus
two hostile devices, SIGTERM in the middle of a fio, then the checks only dom0 can make.
Prints REALXEN-RESULT lines (JSON) for tests/realxen to assert on; asserts nothing itself."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, "/opt/blkswap")
from blkswap.xen.linux.devices import Gntalloc  # noqa: E402
from blkswap.xen.linux.xenstore import XsClient  # noqa: E402

MiB = 1 << 20
#: guest disk, vbd device id (xvdb = 202<<8 | 1<<4), data path, extra TOML keys
DISKS = [
    ("xvdb", 51728, "map", {}),
    ("xvdc", 51744, "copy", {"backend-kind": "qdisk"}),
    ("xvdd", 51760, "persistent", {}),
    ("xvde", 51776, "swap", {}),
    ("xvdf", 51792, "transfer", {"fallback": "copy"}),
]
HOSTILE_RING = 51808  # ring-ref above u32, frontend = the guest
HOSTILE_EVTCHN = 51824  # a real ring page (dom0 grants it to itself), unallocated event channel
CONSOLE = "/var/log/xen/console/guest-realxen.log"


def emit(check: str, **data: object) -> None:
    print("REALXEN-RESULT " + json.dumps({"check": check, **data}), flush=True)


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()


def console() -> str:
    try:
        with open(CONSOLE, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wait_console(marker: str, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if marker in console():
            return True
        time.sleep(0.2)
    return False


def make_images() -> None:
    for dev, _devid, path, _extra in DISKS:
        with open(f"/tmp/{dev}.img", "wb") as f:
            f.truncate(64 * MiB)
            f.write(f"REALXEN-MARKER-{path}".encode())


def toml(domid: int) -> str:
    lines = []
    for dev, devid, path, extra in DISKS:
        lines += ["[[device]]", f"domid = {domid}", f"devid = {devid}",
                  f'image = "/tmp/{dev}.img"', f'datapath = "{path}"', "wire = true",
                  "max-indirect-segments = 0"]  # fmt: skip
        lines += [f'{k} = "{v}"' for k, v in extra.items()]
    for devid, dom in ((HOSTILE_RING, domid), (HOSTILE_EVTCHN, 0)):
        lines += ["[[device]]", f"domid = {dom}", f"devid = {devid}", 'image = "/tmp/xvdb.img"']
    return "\n".join(lines) + "\n"


def hostile(xs: XsClient, domid: int) -> tuple[Gntalloc, object]:
    """Two frontends whose keys are bad, written as a (broken) frontend would write them."""
    ga = Gntalloc()
    index, refs, mem = ga.alloc(0, 1)
    for devid, fdom, ring_ref, evtchn in (
        (HOSTILE_RING, domid, "4294967296", "5"),
        (HOSTILE_EVTCHN, 0, str(refs[0]), "4000"),
    ):
        fe = f"/local/domain/0/hostile/{devid}"
        be = f"/local/domain/0/backend/vbd/{fdom}/{devid}"
        xs.write_all(fe, {"backend": be, "backend-id": "0", "ring-ref": ring_ref,
                          "event-channel": evtchn, "protocol": "x86_64-abi", "state": "3"})  # fmt: skip
        xs.write_all(be, {"frontend": fe, "frontend-id": str(fdom), "online": "1", "state": "1",
                          "mode": "w", "device-type": "disk"})  # fmt: skip
    return ga, (index, mem)


def stop_serve(serve: subprocess.Popen, xs: XsClient, domid: int) -> dict:
    t0 = time.monotonic()
    serve.send_signal(signal.SIGTERM)
    fronts = {
        dev: f"/local/domain/{domid}/device/vbd/{devid}/state" for dev, devid, _p, _e in DISKS
    }
    seen: dict[str, str | None] = dict.fromkeys(fronts)
    while serve.poll() is None and time.monotonic() - t0 < 60:  # the guest may be gone soon after
        seen.update({d: xs.read(p) for d, p in fronts.items() if xs.exists(p)})
        time.sleep(0.05)
    seen.update({d: xs.read(p) for d, p in fronts.items() if xs.exists(p)})
    if serve.poll() is None:
        serve.kill()
    rc = serve.wait()
    out = {"rc": rc, "seconds": round(time.monotonic() - t0, 2), "frontend": seen, "backend": {}}
    for dev, devid, _p, extra in DISKS:
        kind = extra.get("backend-kind", "vbd")
        be = f"/local/domain/0/backend/{kind}/{domid}/{devid}"
        out["backend"][dev] = {
            k: xs.read(f"{be}/{k}") for k in ("state", "error") if xs.exists(f"{be}/{k}")
        }
    for devid, dom in ((HOSTILE_RING, domid), (HOSTILE_EVTCHN, 0)):
        be = f"/local/domain/0/backend/vbd/{dom}/{devid}"
        out["backend"][str(devid)] = {
            k: xs.read(f"{be}/{k}") for k in ("state", "error") if xs.exists(f"{be}/{k}")
        }
    return out


def image_checks() -> dict:
    out = {}
    for dev, _devid, _p, _e in DISKS:
        with open(f"/tmp/{dev}.img", "rb") as f:
            f.seek(8 * 512)
            sector8 = f.read(32).split(b"\n")[0].decode(errors="replace")
            f.seek(32 * MiB)
            md5 = hashlib.md5(f.read(8 * MiB)).hexdigest()
        out[dev] = {"sector8": sector8, "md5": md5}
    return out


def main() -> None:
    make_images()
    xs = XsClient()
    served = ",".join(d[0] for d in DISKS if d[2] != "swap")
    cfg = open("/realxen/domu.cfg").read().replace("@DISKS@", served)
    cfg = cfg.replace("@ABSENT@", ",".join(d[0] for d in DISKS if d[2] == "swap"))
    with open("/tmp/domu.cfg", "w") as f:
        f.write(cfg)
    print(sh("xl", "create", "-p", "/tmp/domu.cfg"), flush=True)
    domid = int(sh("xl", "domid", "realxen"))
    with open("/tmp/serve.toml", "w") as f:
        f.write(toml(domid))
    ga, _keep = hostile(xs, domid)
    log = open("/tmp/serve.log", "w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "blkswap", "serve", "--config", "/tmp/serve.toml",
         "--counters", "/tmp/counters.json", "--poll-timeout", "1"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": "/opt/blkswap"},
    )  # fmt: skip
    waiting = [f"/local/domain/0/backend/{e.get('backend-kind', 'vbd')}/{domid}/{devid}/state"
               for _d, devid, p, e in DISKS if p != "swap"]  # fmt: skip
    end = time.monotonic() + 120
    while time.monotonic() < end and any(not xs.exists(w) or xs.read(w) != "2" for w in waiting):
        time.sleep(0.2)
    emit(
        "xenstore-before",
        tree=sh("xenstore-ls", "-fp", f"/local/domain/{domid}/device").splitlines(),
    )
    sh("xl", "unpause", "realxen")
    t0 = time.monotonic()
    longfio = wait_console("REALXEN-DOMU-LONGFIO", float(os.environ.get("REALXEN_DOMU_WAIT", 900)))
    emit("domu-phase", longfio_started=longfio, seconds=round(time.monotonic() - t0, 1))
    time.sleep(4)  # fio is now in the middle of its I/O
    stopped = stop_serve(serve, xs, domid)
    emit("shutdown", **stopped)
    wait_console("REALXEN-DOMU-DONE", 120)
    for line in console().splitlines():
        at = line.find("REALXEN-DOMU {")
        if at >= 0:
            print("REALXEN-RESULT " + line[at + len("REALXEN-DOMU ") :].strip(), flush=True)
    emit("images", disks=image_checks())
    emit("domu-console", lines=console().splitlines()[-150:])
    try:
        counters = json.load(open("/tmp/counters.json"))
    except (OSError, ValueError) as err:
        counters = {"unreadable": str(err)}
    emit("counters", counters=counters)
    log.close()
    emit("serve-log", lines=open("/tmp/serve.log", errors="replace").read().splitlines()[-60:])
    sh("xl", "destroy", "realxen")
    ga.close()


main()
