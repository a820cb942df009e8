"""back/vbd.py by value (found by mutation testing, tools/mutation.py): per-ring statistics and
hypervisor work summed per VBD, the per-op statistic names (LB common.h st_rd_req …), flush and
barrier withdrawal (LBB __end_block_io_op on BLK_STS_NOTSUPP), names and ring slots."""

from __future__ import annotations

from collections import Counter

from lab_rig import DEVID, Rig, pattern

from blkswap.abi import blkif
from blkswap.back.request import VbdLimits
from blkswap.back.vbd import REQS_PER_PAGE, Vbd, VbdConfig, ring_totals, stat_key
from blkswap.storage import RamStore


class FakeRing:
    def __init__(self, stats: dict[str, int], counters: dict) -> None:
        self.stats = Counter(stats)
        self.counters = counters


def test_stat_keys_follow_linux_sysfs_names():
    assert [stat_key(op) for op in (0, 1, 2, 3, 5)] == [
        "rd_req",
        "wr_req",
        "f_req",
        "f_req",
        "ds_req",
    ]
    assert stat_key(blkif.BLKIF_OP_INDIRECT) == "oo_req" and stat_key(99) == "oo_req"


def test_ring_totals_sum_stats_scalars_and_nested_counters():
    a = FakeRing({"rd_req": 2, "errors": 1}, {"hypercalls": 5, "grant_ops": {"map": 3}})
    b = FakeRing({"rd_req": 4}, {"hypercalls": 7, "grant_ops": {"map": 1, "copy": 2}})
    stats, counters = ring_totals([a, b])
    assert stats == {"rd_req": 6, "errors": 1}
    assert counters == {"hypercalls": 12, "grant_ops": {"map": 4, "copy": 2}}
    assert ring_totals([]) == ({}, {})


def test_withdraw_barrier_keeps_flush_and_withdraw_flush_drops_both():
    store = RamStore(1 << 20)
    withdrawn: list[str] = []
    vbd = Vbd(VbdConfig(3, 51712, store), VbdLimits(2048), None)  # type: ignore[arg-type]
    vbd.on_withdraw = withdrawn.append
    vbd.withdraw(blkif.BLKIF_OP_WRITE_BARRIER)
    assert (vbd.limits.feature_flush, vbd.limits.feature_barrier) == (True, False)
    vbd.withdraw(blkif.BLKIF_OP_FLUSH_DISKCACHE)
    assert (vbd.limits.feature_flush, vbd.limits.feature_barrier) == (False, False)
    assert withdrawn == ["feature-barrier", "feature-flush-cache"]
    assert vbd.limits.sectors == 2048  # nothing else changes
    quiet = Vbd(VbdConfig(3, 51712, store), VbdLimits(2048), None)  # type: ignore[arg-type]
    quiet.withdraw(blkif.BLKIF_OP_FLUSH_DISKCACHE)  # no listener: fine
    assert quiet.limits.feature_flush is False


def test_config_defaults_and_labels():
    c = VbdConfig(4, 51728, RamStore(4096))
    assert (c.datapath, c.readonly, c.sector_size, c.max_indirect_segments) == (
        "map",
        False,
        512,
        None,
    )
    assert (c.pool, c.backend_kind, c.label) == ("default", "vbd", "vbd4.51728")
    assert VbdConfig(4, 51728, RamStore(4096), name="disk0").label == "disk0"


def test_a_connected_ring_counts_its_own_work_and_slots():
    rig = Rig("copy")
    g = rig.guest()
    ring = rig.ring()
    vbd = rig.back.vbd(g.domid, DEVID)
    assert REQS_PER_PAGE == 32 and ring.max_pending == 32 * ring.nr_pages
    assert ring.name == f"{vbd.name}/q0" and ring.index == 0
    assert (vbd.datapath, vbd.frontend_domid, vbd.protocol) == ("copy", g.domid, "x86_64-abi")
    before = dict(ring.counters["grant_ops"])
    rig.write(g, 0, pattern(8192, 1))
    after = ring.counters
    assert after["grant_ops"]["copy"] - before["copy"] == 2
    assert ring.stats["wr_req"] == 1 and ring.stats["wr_sect"] == 16
    stats, counters = ring_totals(vbd.rings)
    assert stats["wr_req"] == 1 and counters["grant_ops"]["copy"] == after["grant_ops"]["copy"]
    ring.source = None
    m = ring.mark()
    assert m is None and ring.counters == {}
    ring.settle(m)  # nothing to count without a source
