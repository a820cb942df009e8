"""Xen 4.17 under QEMU (TCG): `blkswap serve` serving a real Linux blkfront (./dev realxen).

One boot (tests/realxen/realxen_boot.py): a PV dom0 runs tools/realxen/vm/scenario.py, which
starts `blkswap serve` for five disks of a PV guest — map, copy, persistent, swap (refused),
transfer (fallback to copy) — plus two hostile devices, lets the guest's busybox init run its
checks and fio verify jobs, then SIGTERMs the server in the middle of a fio. No throughput is
asserted (TCG). The same fio jobs run through the emulated lab for the op-count comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from realxen_boot import REPO, Boot

from blkswap.back.datapaths import caps_of

pytestmark = pytest.mark.realxen

SERVED = {"xvdb": "map", "xvdc": "copy", "xvdd": "persistent", "xvdf": "transfer"}
DEVIDS = {"xvdb": 51728, "xvdc": 51744, "xvdd": 51760, "xvde": 51776, "xvdf": 51792}
JOBS = ("randwrite-verify", "seq44k-verify")


def _device(boot: Boot, disk: str) -> dict:
    devices = boot.one("counters")["counters"]["devices"]
    return next(d for d in devices.values() if d["devid"] == DEVIDS[disk])


def test_boot_ran_to_the_end_and_dom0_devices_work(boot: Boot) -> None:
    assert boot.ok, f"no REALXEN-DONE in {boot.out / 'serial.log'}"
    s = boot.one("selftest")
    assert s["map_reads_granted_page"] and s["map_writes_granted_page"]
    assert s["copy_status"] == [0, 0] and s["copy_from_grant"] and s["copy_to_grant"]
    assert s["copy_bad_ref_status"] == -3  # GNTST_bad_gntref from the real Xen
    assert s["evtchn_loopback"] and s["xs_dom0_name"] == "Domain-0"
    assert s["xs_dir"] == ["a", "b", "c"] and s["xs_tx_attempts"] == 1


@pytest.mark.parametrize("disk", sorted(SERVED))
def test_guest_data_is_right(boot: Boot, disk: str) -> None:
    path = SERVED[disk]
    assert boot.domu[(disk, "present")]["ok"]
    assert boot.domu[(disk, "marker")]["read"] == f"REALXEN-MARKER-{path}"[:20]
    pattern = boot.domu[("all", "pattern")]["md5"]
    image = boot.one("images")["disks"][disk]
    assert boot.domu[(disk, "odirect")]["md5"] == pattern == image["md5"]
    assert image["sector8"] == f"DOMU-WROTE-{disk}"
    for job in JOBS:
        run = boot.domu[(disk, job)]
        assert (run["rc"], run["errors"]) == (0, 0), f"{disk} {job}: {run}"


@pytest.mark.parametrize("disk", sorted(SERVED))
def test_negotiated_features_and_no_backend_errors(boot: Boot, disk: str) -> None:
    dev = _device(boot, disk)
    serving = "copy" if SERVED[disk] == "transfer" else SERVED[disk]
    assert dev["datapath"] == dev["features"]["datapath"] == serving
    assert dev["features"]["protocol"] == "x86_64-abi"
    assert dev["backend"].get("errors", 0) == 0 and dev["requests"] > 1000
    assert dev["backend"]["responses"] == dev["requests"]  # every request answered once
    lines = boot.dmesg
    line = next(x for x in lines if f"blkfront: {disk}:" in x and "flush diskcache" in x)
    persistent = "enabled" if SERVED[disk] == "persistent" else "disabled"
    assert f"persistent grants: {persistent}" in line and "indirect descriptors: disabled" in line
    assert not [x for x in lines if "failed" in x or "illegal" in x]


def test_swap_is_refused_and_transfer_falls_back_with_the_reason(boot: Boot) -> None:
    assert boot.domu[("xvde", "absent")]["ok"]
    swap = _device(boot, "xvde")
    assert (swap["status"], swap["error"]) == ("refused", caps_of("swap").real_xen)
    back = boot.one("shutdown")["backend"]
    assert back["xvde"] == {"state": "6", "error": caps_of("swap").real_xen}
    log = "\n".join(boot.one("serve-log")["lines"])
    assert f"fallback: transfer served by copy: {caps_of('transfer').real_xen}" in log
    assert _device(boot, "xvdf")["datapath_requested"] == "transfer"


def test_hostile_frontends_fail_alone(boot: Boot) -> None:
    back = boot.one("shutdown")["backend"]
    assert back["51808"]["state"] == "6" and "ring-ref" in back["51808"]["error"]
    assert "4294967296" in back["51808"]["error"]
    assert back["51824"]["state"] == "6" and "event-channel" in back["51824"]["error"]
    assert "4000" in back["51824"]["error"]


def test_sigterm_mid_fio_closes_cleanly(boot: Boot) -> None:
    assert boot.one("domu-phase")["longfio_started"]
    down = boot.one("shutdown")
    assert down["rc"] == 0 and down["seconds"] < 30
    report = boot.one("counters")["counters"]
    assert report["stopped_by"] == "SIGTERM"
    assert report["held"] == {"live_mappings": 0, "gntdev_regions": 0, "bound_ports": 0}
    for disk in SERVED:
        assert down["frontend"][disk] in ("5", "6"), f"{disk} blkfront: {down['frontend']}"
        assert down["backend"][disk]["state"] == "6"
    assert boot.domu[("xvdb", "longfio")]["rc"] != 0  # its disk went away under it


def _lab_per_request(path: str) -> dict[str, float]:
    from blkswap import Lab

    calls: dict[str, int] = {}
    requests = 0
    for job in JOBS:
        r = Lab(guests=1, datapath=path).run(
            REPO / "tools" / "realxen" / "vm" / "jobs" / f"{job}.fio"
        )
        back = r.run.jobs[0].blkswap["backend"]
        requests += back.get("rd_req", 0) + back.get("wr_req", 0)
        for op, n in r.counters["grant_op_calls"].items():
            calls[op] = calls.get(op, 0) + n
    return {op: n / requests for op, n in calls.items() if n}


def _real_per_request(dev: dict) -> dict[str, float]:
    data = dev["backend"].get("rd_req", 0) + dev["backend"].get("wr_req", 0)
    return {op: n / data for op, n in dev["counters"]["grant_op_calls"].items() if n}


def test_same_ops_per_request_as_the_emulated_lab(boot: Boot) -> None:
    rows = []
    for disk, path in (("xvdb", "map"), ("xvdc", "copy"), ("xvdd", "persistent")):
        real, lab = _real_per_request(_device(boot, disk)), _lab_per_request(path)
        rows.append(f"{path:<11} real {_fmt(real):<40} lab {_fmt(lab)}")
        if path == "persistent":  # maps only grants not seen before; nothing is unmapped
            dev = _device(boot, disk)
            assert "unmap" not in real and "unmap" not in lab
            distinct = boot.one("counters")["counters"]["distinct_grants_mapped"]
            assert dev["counters"]["grant_ops"]["map"] <= min(distinct, 1056)
            assert real.get("map", 0) < 0.1 and lab.get("map", 0) < 0.1
        else:  # the lab's host-wide counts also hold the ring page's map at connect (~0.003)
            assert _per_request_ops(real) == _per_request_ops(lab), rows
            for op in _per_request_ops(real):
                assert abs(real[op] - lab[op]) < 0.01, rows
    print("\ngrant-op calls per data request, real Xen vs emulated lab:\n" + "\n".join(rows))


def _per_request_ops(d: dict[str, float]) -> set[str]:
    return {op for op, v in d.items() if v >= 0.05}


def _fmt(d: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in sorted(d.items())) or "-"


def test_serial_log_kept(boot: Boot) -> None:
    assert Path(boot.out / "serial.log").stat().st_size > 10_000
