"""The ``blkswap serve`` process: the unchanged backend (BlkBack, its loop and data paths) on a
:class:`~blkswap.xen.linux.port.LinuxPort`, driven by fd readiness.

One thread. ``poll()`` waits on the event-channel fd, xenstored's socket and a signal pipe, with
a timeout as a safety net (every ring is looked at when it expires). After each round the ring's
final check is completed with a real memory fence: io/ring.h RING_FINAL_CHECK_FOR_REQUESTS stores
``req_event`` and then, after ``xen_mb()``, loads ``req_prod``; the backend loop does the store
and a load, the server fences and loads again, so a request the frontend pushed in between is not
left waiting for the timeout.

SIGTERM/SIGINT: every request already in the rings is answered, each connected device goes
Closing, the frontends' answers are followed for up to ``close_wait`` s, then whatever is left is
disconnected (rings unmapped, ports unbound) and set Closed. The counters file then records what
the process still held (all zero on a clean shutdown).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from blkswap.abi.xenbus import XenbusState
from blkswap.back.loop import BackendLoop
from blkswap.back.vbd import VbdConfig, ring_totals
from blkswap.back.xenbus import BlkBack
from blkswap.serve.clock import WallScheduler
from blkswap.serve.config import DeviceSpec, real_xen_refusal
from blkswap.storage.raw import RawImage
from blkswap.xen.linux.port import LinuxPort

FRONT_KEYS = ("protocol", "ring-page-order", "multi-queue-num-queues", "feature-persistent")


@dataclass
class Served:
    """One device as the server tracks it."""

    spec: DeviceSpec
    status: str = "waiting"  # waiting | connected | closed | failed | refused
    error: str = ""
    features: dict[str, Any] = field(default_factory=dict)
    rings: list[Any] = field(default_factory=list)  # every BackendRing it ever had
    indices: list[dict[str, Any]] = field(default_factory=list)  # ring indices, last seen


class Server:
    """Serve ``specs`` until a signal; see the module docstring."""

    def __init__(
        self,
        specs: list[DeviceSpec],
        *,
        port: LinuxPort | None = None,
        poll_timeout: float = 1.0,
        close_wait: float = 3.0,
        log: TextIO | None = None,
    ) -> None:
        self.port = port or LinuxPort()
        self.scheduler = WallScheduler()
        self.loop = BackendLoop(self.port, scheduler=self.scheduler)
        self.back = BlkBack(self.port, [self.loop], clock=self.scheduler.now)
        self.devices = {s.key: Served(s) for s in specs}
        self.poll_timeout = poll_timeout
        self.close_wait = close_wait
        self.log = log or sys.stderr
        self.stats = {"polls": 0, "timeouts": 0, "final_check_catches": 0, "events": 0}
        self.stopped_by = ""
        self._stop: int | None = None
        self._images: list[RawImage] = []

    def say(self, text: str) -> None:
        print(f"blkswap serve: {text}", file=self.log, flush=True)

    # -- start ------------------------------------------------------------------------------------
    def start(self) -> None:
        for d in self.devices.values():
            spec = d.spec
            if spec.wire:
                wire(self.port.store, spec)
            reason = spec.refusal()
            if reason is not None:
                self._refuse(d, reason)
                continue
            if spec.serving != spec.datapath:
                why = real_xen_refusal(spec.datapath)
                self.say(f"{spec.key}: fallback: {spec.datapath} served by copy: {why}")
            image = RawImage(spec.image, create=False)
            self._images.append(image)
            self.back.attach(
                VbdConfig(
                    spec.domid,
                    spec.devid,
                    image,
                    datapath=spec.serving,
                    readonly=spec.readonly,
                    name=f"{spec.backend_kind}{spec.domid}.{spec.devid}",
                    backend_kind=spec.backend_kind,
                    max_indirect_segments=spec.max_indirect_segments,
                )
            )
            self.say(f"{spec.key}: serving {spec.image} by {spec.serving} at {spec.backend_dir}")

    def _refuse(self, d: Served, reason: str) -> None:
        d.status, d.error = "refused", reason
        self.say(f"{d.spec.key}: refused: {reason}")
        st = self.port.store
        if st.exists(d.spec.backend_dir):
            st.write(f"{d.spec.backend_dir}/error", reason)
            st.write(f"{d.spec.backend_dir}/state", str(int(XenbusState.Closed)))

    # -- the loop ---------------------------------------------------------------------------------
    def run(self) -> None:
        rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        old_fd = signal.set_wakeup_fd(wfd)
        handlers = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        poller = select.poll()
        for fd in (*self.port.fds(), rfd):
            poller.register(fd, select.POLLIN)
        try:
            self._round(timed_out=True)
            while self._stop is None:
                due = self.scheduler.next_due()
                wait = self.poll_timeout if due is None else min(due, self.poll_timeout)
                ready = poller.poll(int(wait * 1000))
                self.stats["polls"] += 1
                if any(fd == rfd for fd, _ in ready):
                    os.read(rfd, 512)
                self._round(timed_out=not ready)
            self.stopped_by = signal.Signals(self._stop).name
            self.shutdown()
        finally:
            signal.set_wakeup_fd(old_fd)
            for s, h in handlers.items():
                signal.signal(s, h)
            os.close(rfd)
            os.close(wfd)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._stop = signum
        self.loop.hold = True  # out of a busy ring now; shutdown serves it again after Closing

    def _round(self, timed_out: bool) -> None:
        self.stats["events"] += self.port.poll_events()
        self.scheduler.fire_due()
        if timed_out:
            self.stats["timeouts"] += 1
            for ring in list(self.loop.rings):
                self.loop.notify(ring)
        self._final_check()
        self._dispatch_store(0.0)
        self._observe()

    def _dispatch_store(self, timeout: float) -> None:
        self.port.store.dispatch(timeout, on_error=self._callback_failed, before=self._drain)

    def _drain(self, token: str) -> None:
        """Before a device's frontend-state change is acted on, answer everything in its rings:
        blkfront pushes its last requests before it writes Closing/Closed (it stops its queues
        first), and a ring disconnected with requests in it leaves those bios hanging."""
        d = self.devices.get(_token_key(token))
        vbd = self.back.vbd(d.spec.domid, d.spec.devid) if d is not None else None
        if vbd is None:
            return
        self.port.fence()
        for ring in vbd.rings:
            if not ring.closing and ring.sring.unconsumed_requests():
                self.stats["drained_at_close"] = self.stats.get("drained_at_close", 0) + 1
                self.loop.notify(ring)

    def _final_check(self) -> None:
        self.port.fence()
        for ring in list(self.loop.rings):
            if not ring.closing and ring.sring.unconsumed_requests():
                self.stats["final_check_catches"] += 1
                self.loop.notify(ring)

    def _observe(self) -> None:
        """Track rings, log features once connected, complete failed negotiations to Closed."""
        for d in self.devices.values():
            if d.status in ("refused", "failed", "closed"):
                continue
            spec = d.spec
            vbd = self.back.vbd(spec.domid, spec.devid)
            if vbd is not None:
                d.rings.extend(r for r in vbd.rings if r not in d.rings)
                d.indices = [ring_indices(r) for r in vbd.rings]
                if d.status != "connected":
                    d.status = "connected"
                    self._log_features(d, vbd)
                continue
            dev = self.back.devices.get((spec.domid, spec.devid))
            if dev is not None and dev.errors:
                self._fail(d, dev.errors[-1])

    def _log_features(self, d: Served, vbd: Any) -> None:
        st, fe = self.port.store, d.spec.frontend_dir
        front = {k: st.read(f"{fe}/{k}") for k in FRONT_KEYS if st.exists(f"{fe}/{k}")}
        d.features = {
            "datapath": vbd.datapath,
            "protocol": vbd.protocol,
            "rings": len(vbd.rings),
            "ring_pages": vbd.rings[0].nr_pages if vbd.rings else 0,
            "max_indirect_segments": vbd.limits.max_indirect_segments,
            "frontend": front,
        }
        self.say(f"{d.spec.key}: connected: {json.dumps(d.features, sort_keys=True)}")

    def _callback_failed(self, token: str, exc: Exception) -> None:
        d = self.devices.get(_token_key(token))
        if d is None:
            raise exc
        self._fail(d, f"{type(exc).__name__}: {' '.join(str(exc).split())}")

    def _fail(self, d: Served, why: str) -> None:
        """A device the frontend's keys broke: error node, disconnected, Closed; others go on."""
        d.status, d.error = "failed", why
        spec = d.spec
        self.say(f"{spec.key}: failed: {why}")
        if (spec.domid, spec.devid) in self.back.devices:
            self.back.detach(spec.domid, spec.devid)
        st = self.port.store
        st.write(f"{spec.backend_dir}/error", why)
        st.write(f"{spec.backend_dir}/state", str(int(XenbusState.Closed)))

    # -- shutdown ---------------------------------------------------------------------------------
    def shutdown(self) -> None:
        connected = [d for d in self.devices.values() if d.status in ("connected", "waiting")]
        self.say(f"{self.stopped_by or 'stop'}: closing {len(connected)} devices")
        st = self.port.store
        for d in connected:  # first, so that each blkfront stops queueing as soon as it can
            st.write(f"{d.spec.backend_dir}/state", str(int(XenbusState.Closing)))
        self.loop.hold = False
        for ring in list(self.loop.rings):  # answer every request already in the rings
            self.loop.notify(ring)
        self._final_check()
        deadline = time.monotonic() + self.close_wait
        while time.monotonic() < deadline and any(
            self.back.vbd(d.spec.domid, d.spec.devid) is not None for d in connected
        ):  # keep serving until each frontend has closed: what it pushed meanwhile is answered
            self.port.poll_events()
            self._final_check()
            self._dispatch_store(0.05)
            self._observe()
        for d in connected:
            spec = d.spec
            if (spec.domid, spec.devid) in self.back.devices:
                self.back.detach(spec.domid, spec.devid)
            st.write(f"{spec.backend_dir}/state", str(int(XenbusState.Closed)))
            d.status = "closed"
        for image in self._images:
            image.close()

    # -- report -----------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The counters file: per device (stats and hypervisor work of its rings, per request)
        and what the process still holds."""
        return {
            "devices": {k: device_report(d) for k, d in self.devices.items()},
            "held": self.port.state(),
            "gntdev_ioctls": dict(self.port.grants.ioctls),
            "distinct_grants_mapped": len(self.port.grants.distinct_grants),
            "loop": dict(self.stats),
            "stopped_by": self.stopped_by,
        }


def _token_key(token: str) -> str:
    """The device key of BlkBack's watch token ``be:<domid>:<devid>`` ("" for other tokens)."""
    parts = token.split(":")
    return f"{parts[1]}/{parts[2]}" if len(parts) == 3 and parts[0] == "be" else ""


def ring_indices(ring: Any) -> dict[str, Any]:
    """The ring's producer/consumer indices as both sides see them, and why it broke if it did."""
    back, shared = ring.sring, ring.sring.sring
    return {
        "req_prod": shared.req_prod,
        "req_cons": back.req_cons,
        "rsp_prod": shared.rsp_prod,
        "rsp_prod_pvt": back.rsp_prod_pvt,
        "req_event": shared.req_event,
        "rsp_event": shared.rsp_event,
        "in_flight": ring.in_flight,
        "broken": ring.broken_reason,
        "last_error": ring.last_error,
    }


def device_report(d: Served) -> dict[str, Any]:
    stats, counters_ = ring_totals(d.rings)
    counters: dict[str, Any] = counters_
    requests = sum(stats.get(k, 0) for k in ("rd_req", "wr_req", "f_req", "ds_req", "oo_req"))
    per = {}
    if requests:
        per = {"hypercalls": counters.get("hypercalls", 0) / requests}
        for op, n in counters.get("grant_op_calls", {}).items():
            if n:
                per[f"{op}_calls"] = n / requests
        for op, n in counters.get("grant_ops", {}).items():
            if n:
                per[f"{op}_elements"] = n / requests
    spec = d.spec
    return {
        "domid": spec.domid,
        "devid": spec.devid,
        "image": spec.image,
        "datapath_requested": spec.datapath,
        "datapath": spec.serving if d.status != "refused" else None,
        "status": d.status,
        "error": d.error,
        "features": d.features,
        "requests": requests,
        "backend": dict(sorted(stats.items())),
        "counters": counters,
        "per_request": per,
        "rings": d.indices,
    }


def wire(store: Any, spec: DeviceSpec) -> None:
    """Write the xenstore keys a toolstack writes for a disk (libxl device_disk_add): the
    frontend dir (owned by the guest, readable by dom0) and the backend dir (owned by dom0,
    readable by the guest), both at state Initialising. The permissions are set on the empty
    dirs first: nodes created below inherit them (xenstore.txt), the keys included."""
    fe, be, d = spec.frontend_dir, spec.backend_dir, spec.domid
    for path, perms in ((fe, [(d, "n"), (0, "r")]), (be, [(0, "n"), (d, "r")])):
        store.mkdir(path)
        store.set_perms(path, perms)
    front = {"backend": be, "backend-id": "0", "virtual-device": str(spec.devid)}
    store.write_all(fe, {**front, "device-type": "disk", "state": "1"})
    back = {"frontend": fe, "frontend-id": str(d), "online": "1", "state": "1"}
    mode = "r" if spec.readonly else "w"
    store.write_all(be, {**back, "mode": mode, "device-type": "disk", "params": spec.image})
