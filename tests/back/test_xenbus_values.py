"""back/xenbus.py by value (found by mutation testing, tools/mutation.py): the keys the backend
publishes at probe and at connect (LB xenbus.c xen_blkbk_probe, connect), what a fatal device
leaves behind (xenbus_dev_fatal), pool errors, resize (LBB xen_vbd_resize) and detach."""

from __future__ import annotations

import pytest
from lab_rig import DEVID, Rig, pattern

from blkswap.abi.xenbus import XenbusState
from blkswap.back.pool import PoolError


def be_dir(rig: Rig, i: int = 0) -> str:
    return f"/local/domain/0/backend/vbd/{rig.guest(i).domid}/{DEVID}"


def keys(rig: Rig, i: int = 0) -> dict[str, str]:
    st, d = rig.port0.store, be_dir(rig, i)
    return {k: st.read(f"{d}/{k}") for k in st.directory(d)}


@pytest.mark.parametrize(
    "path,indirect,swap,transfer,persistent",
    [
        ("map", "256", "0", "0", "0"),
        ("swap", None, "1", "0", "0"),
        ("transfer", "256", "0", "1", "0"),
        ("persistent", "256", "0", "0", "1"),
    ],
)
def test_probe_and_connect_keys(path, indirect, swap, transfer, persistent):
    rig = Rig(path)
    k = keys(rig)
    assert k.get("feature-max-indirect-segments") == indirect  # swap: none (≤ 11 segments)
    assert (k["multi-queue-max-queues"], k["max-ring-page-order"]) == ("2", "4")
    assert (k["feature-swap"], k["feature-transfer"]) == (swap, transfer)
    assert k["feature-persistent"] == persistent  # written at connect (LB connect())
    assert k["state"] == str(int(XenbusState.Connected))
    assert (k["sectors"], k["info"], k["sector-size"], k["physical-sector-size"]) == (
        str((4 << 20) // 512), "0", "512", "512",
    )  # fmt: skip
    assert (k["feature-flush-cache"], k["feature-barrier"], k["feature-discard"]) == ("1", "1", "1")
    assert (k["discard-granularity"], k["discard-alignment"], k["discard-secure"]) == (
        "512",
        "0",
        "0",
    )


def test_a_read_only_disk_says_so_in_info():
    rig = Rig("copy", vbd_kwargs={"readonly": True})
    assert keys(rig)["info"] == "4"  # VDISK_READONLY


def test_the_configured_indirect_limit_is_advertised():
    rig = Rig("map", vbd_kwargs={"max_indirect_segments": 32})
    assert keys(rig)["feature-max-indirect-segments"] == "32"
    assert rig.back.vbd(rig.guest().domid, DEVID).limits.max_indirect_segments == 32


def test_a_device_with_bad_keys_fails_alone_with_an_error_node():
    rig = Rig("copy", ("x86_64-abi", "x86_64-abi"))
    g = rig.guest(0)
    g.front.close()
    rig.pump()
    fe = f"/local/domain/{g.domid}/device/vbd/{DEVID}"
    st = g.port.store
    st.write(f"{fe}/ring-ref", "banana")
    st.write(f"{fe}/state", str(int(XenbusState.Initialising)))
    rig.pump()
    assert keys(rig)["state"] == str(int(XenbusState.InitWait))
    st.write(f"{fe}/state", str(int(XenbusState.Initialised)))
    rig.pump()
    k = keys(rig)
    assert k["error"] == "ring-ref = 'banana': not a decimal number in 0..2^32-1"
    assert k["state"] == str(int(XenbusState.Closing))
    assert rig.back.vbd(g.domid, DEVID) is None
    assert rig.back.devices[(g.domid, DEVID)].errors == [k["error"]]
    other = rig.guest(1)  # the other device goes on
    assert rig.write(other, 0, pattern(4096, 3)).status == 0


def test_pool_operations_name_the_pool():
    rig = Rig("copy")
    with pytest.raises(PoolError, match=r"pool 'default': EEXIST"):
        rig.back.create_pool("default", 4)
    with pytest.raises(PoolError, match=r"pool 'fast': ENOENT \(pools: default\)"):
        rig.back.resize_pool("fast", 4)
    rig.back.create_pool("fast", 4)
    rig.back.resize_pool("fast", 8)
    assert rig.back.pools["fast"].frames == 8
    rig.back.destroy_pool("fast")
    assert list(rig.back.pools) == ["default"]


def test_resize_publishes_the_new_size_and_detach_unbinds_the_pool():
    rig = Rig("copy")
    g = rig.guest()
    g.store.size = 8 << 20
    assert rig.back.resize(g.domid, DEVID) == (8 << 20) // 512
    assert keys(rig)["sectors"] == str((8 << 20) // 512)
    assert rig.back.vbd(g.domid, DEVID).limits.sectors == (8 << 20) // 512
    assert rig.pool.bound == {f"{rig.back.vbd(g.domid, DEVID).name}"}
    rig.back.detach(g.domid, DEVID)
    assert rig.pool.bound == set() and rig.back.vbd(g.domid, DEVID) is None
    assert rig.back.devices == {}
