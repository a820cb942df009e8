"""`blkswap serve --wire` writes a disk's xenstore keys the way libxl does; against the fake
xenstored (the lab's store semantics): every key inherits its dir's permissions, so the guest can
read the backend's keys — the mistake that left a real blkfront at "remote state 0"."""

from __future__ import annotations

import shutil
import tempfile

from fake_xenstored import FakeXenstored

from blkswap.serve.config import DeviceSpec
from blkswap.serve.server import _token_key, wire
from blkswap.xen.linux.xenstore import XsClient


def test_wire_keys_and_permissions() -> None:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")
    daemon = FakeXenstored(f"{d}/socket")
    xs = XsClient(f"{d}/socket")
    try:
        spec = DeviceSpec(domid=4, devid=51744, image="/srv/x.img", backend_kind="qdisk")
        wire(xs, spec)
        be, fe = "/local/domain/0/backend/qdisk/4/51744", "/local/domain/4/device/vbd/51744"
        assert xs.read(f"{fe}/backend") == be and xs.read(f"{be}/frontend") == fe
        assert xs.read(f"{fe}/virtual-device") == "51744" and xs.read(f"{be}/frontend-id") == "4"
        assert xs.read(f"{be}/mode") == "w" and xs.read(f"{be}/state") == "1"
        assert xs.get_perms(f"{be}/state") == [(0, "n"), (4, "r")]  # the guest may read it
        assert xs.get_perms(f"{fe}/state") == [(4, "n"), (0, "r")]  # the guest owns its dir
        guest = daemon.store.client(4)
        assert guest.read(f"{be}/state") == "1"
    finally:
        xs.close()
        daemon.close()
        shutil.rmtree(d)


def test_watch_tokens_name_devices() -> None:
    assert _token_key("be:3:51728") == "3/51728"
    assert _token_key("fe-state") == "" and _token_key("be:3") == ""
