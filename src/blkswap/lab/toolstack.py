"""What the toolstack (libxl) writes to xenstore to create a vbd (XL libxl_device.c, libxl_disk.c;
xen-abi.md §4.2): the frontend dir owned by the guest (backend may read), the backend dir owned
by the backend domain (guest may read), and the keys each driver expects at probe time."""

from __future__ import annotations

from typing import Any

from blkswap.abi.xenbus import XenbusState, vdev_decode


def add_vbd(
    store0: Any,
    backend: int,
    frontend: int,
    devid: int,
    *,
    readonly: bool = False,
    params: str = "",
    protocol: str | None = None,
) -> tuple[str, str]:
    """Create the two directories; returns ``(frontend_dir, backend_dir)``."""
    fe = f"/local/domain/{frontend}/device/vbd/{devid}"
    be = f"/local/domain/{backend}/backend/vbd/{frontend}/{devid}"
    for path in (fe, be):
        store0.mkdir(path)
    store0.set_perms(fe, [(frontend, "n"), (backend, "r")])
    store0.set_perms(be, [(backend, "n"), (frontend, "r")])
    fe_keys = {
        "backend": be,
        "backend-id": str(backend),
        "state": str(int(XenbusState.Initialising)),
        "virtual-device": str(devid),
        "device-type": "disk",
        "trusted": "1",
    }
    if protocol:
        fe_keys["protocol"] = protocol  # libxl writes it for PV guests (pre-2.6.26 kernels)
    be_keys = {
        "frontend": fe,
        "frontend-id": str(frontend),
        "online": "1",
        "removable": "0",
        "bootable": "1",
        "state": str(int(XenbusState.Initialising)),
        "dev": vdev_decode(devid),
        "type": "tap",
        "mode": "r" if readonly else "w",
        "device-type": "disk",
        "params": params,
        "discard-enable": "1",
        "hotplug-status": "connected",
    }
    tx = store0.transaction_start()
    for k, v in fe_keys.items():
        store0.write(f"{fe}/{k}", v, tx=tx)
    for k, v in be_keys.items():
        store0.write(f"{be}/{k}", v, tx=tx)
    store0.transaction_end(tx, commit=True)
    return fe, be
