"""Pools through the whole lab: congestion, fairness, isolation, scenario files, bounded memory."""

from __future__ import annotations

import pytest

from blkswap.lab import ConfigError, Lab, LabConfig, load_scenario

JOB = "[j]\nrw=randrw\nbs=44k\niodepth=32\nsize=1m\n"


@pytest.mark.parametrize("datapath", ["map", "copy", "swap", "persistent", "transfer"])
def test_congested_pool_waits_round_robin_and_stays_fair(datapath):
    r = Lab(guests=6, datapath=datapath, pool_frames=44, disk_size=8 << 20, storage="ram").run(JOB)
    pool = r.run.blkswap["pool"]
    assert r.audit == [] and r.total("verify_errors") == 0
    assert pool["frames"] == 44 and pool["frames_peak"] <= 44
    assert pool["waits"] > 0 and pool["wakeups"] == pool["waits"]
    assert r.run.blkswap["fairness"]["jain_index"] > 0.95
    shares = pool["share"].values()
    assert max(shares) < 2 * min(shares)  # no VBD starved
    ios = sum(j.read.total_ios + j.write.total_ios for j in r.run.jobs)
    assert ios == 6 * -(-(1 << 20) // (44 << 10))  # every I/O of every guest completed


def test_pools_isolate_backends():
    """Guests 1-2 share a tiny pool and a slow device; guests 3-4 have their own: unaffected."""
    base = dict(guests=4, datapath="copy", disk_size=8 << 20, storage="ram", device="ram")
    alone = Lab(**{**base, "guests": 2}).run(JOB)
    mixed = Lab(**base, pool_frames=704, pools=(("tiny", 11, (1, 2)),)).run(JOB)
    pools = mixed.run.blkswap["pools"]
    assert pools["tiny"]["waits"] > 0 and pools["default"]["waits"] == 0
    assert set(pools["tiny"]["share"]) == {"xvda.1", "xvda.2"}

    def bw(result, guests):
        return sum(
            j.read.io_bytes + j.write.io_bytes
            for j in result.run.jobs
            if j.blkswap["guest"] in guests
        ) / max(j.end_ns - j.start_ns for j in result.run.jobs if j.blkswap["guest"] in guests)

    assert bw(mixed, {3, 4}) > 0.9 * bw(alone, {1, 2})  # the big pool's guests run as if alone
    assert bw(mixed, {1, 2}) < 0.7 * bw(mixed, {3, 4})  # the tiny pool throttles only its own


def test_scenario_pool_tables(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(
        '[lab]\nguests = 3\npool_frames = 800\n\n[[pool]]\nname = "slow"\nframes = 64\nguests = [3]\n'
    )
    cfg = load_scenario(f)
    assert cfg.pool_frames == 800 and cfg.pools == (("slow", 64, (3,)),)
    assert [cfg.pool_of(g) for g in (1, 2, 3)] == ["default", "default", "slow"]
    f.write_text("[[pool]]\nframes = 64\n")
    with pytest.raises(ConfigError, match="needs 'name'"):
        load_scenario(f)
    with pytest.raises(ConfigError, match="pools"):
        LabConfig(guests=2, pools=(("x", 10, (5,)),)).validated()


def test_request_larger_than_the_pool_gets_an_error_not_a_hang():
    r = Lab(guests=1, datapath="copy", pool_frames=4, disk_size=8 << 20, storage="ram").run(
        "[j]\nrw=write\nbs=64k\niodepth=2\nsize=256k\n"
    )
    assert r.run.jobs[0].error == 5  # EIO: every request failed, the run ended
    assert r.run.blkswap["pool"]["frames_peak"] == 0
