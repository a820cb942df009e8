"""The retransmit hazard: network storage still reads pages after the write "completed".

Every policy on every data path that has frames to release: ``none`` must be caught resending
wrong data; ``wait``, ``replace`` and ``abandon`` must resend only the bytes first sent and lose
nothing (no verify errors, no leaks, a clean hypervisor audit).
"""

from __future__ import annotations

import pytest

from blkswap.lab import ConfigError, Lab, LabConfig

JOB = "[j]\nrw=randrw\nbssplit=4k/50:16k/50\niodepth=8\nsize=1m\n"
NET = dict(guests=3, device="net", net_loss=0.05, disk_size=8 << 20, storage="ram")


def run(datapath: str, policy: str):
    return Lab(datapath=datapath, hazard_policy=policy, **NET).run(JOB)


@pytest.mark.parametrize("datapath", ["map", "copy", "swap", "persistent"])
def test_policy_none_is_caught_resending_wrong_data(datapath):
    r = run(datapath, "none")
    h = r.run.blkswap["hazard"]
    assert h["spurious_retransmits"] > 0  # ACKs lost after the storage had completed the write
    assert h["retransmits_wrong_data"] > 0
    assert r.audit == []


def test_policy_none_puts_other_domains_data_on_the_wire_when_pool_frames_are_reused():
    h = run("copy", "none").run.blkswap["hazard"]
    assert h["leaked_bytes"] > 0 and set(h["leaked_by_domain"]) <= {"1", "2", "3"}


def test_swap_refuses_to_give_away_a_referenced_frame():
    """GNTTABOP_swap checks the caller's frame has no extra references (docs/xen.md): with policy
    none, the next swap of a still-referenced reserve frame fails and the guest gets EIO."""
    r = run("swap", "none")
    assert any(j.error == 5 for j in r.run.jobs)
    assert r.audit == []


@pytest.mark.parametrize("policy", ["wait", "replace", "abandon"])
@pytest.mark.parametrize("datapath", ["map", "copy", "swap", "persistent"])
def test_safe_policies_resend_only_the_right_bytes(datapath, policy):
    r = run(datapath, policy)
    h = r.run.blkswap["hazard"]
    assert h["retransmits"] > 0 and h["retransmits_wrong_data"] == 0 and h["leaked_bytes"] == 0
    assert h["deferred_releases"] > 0  # the policy really had referenced pages to deal with
    assert r.total("verify_errors") == 0 and r.total("leaked_bytes") == 0
    assert all(j.error == 0 for j in r.run.jobs)
    assert r.audit == []


def test_wait_retries_every_5ms_times_attempt_and_delays_the_response():
    h = run("map", "wait").run.blkswap["hazard"]
    # a spurious retransmission comes one RTO (200 ms) after the first send: the release waits
    # 5 + 10 + 15 + … ms; 200 ms needs at least 8 attempts
    assert h["unmap_retries"] >= 8 * h["deferred_releases"]
    assert 150e6 < h["extra_latency_ns"]["mean"] < 300e6


def test_abandon_gives_frames_away_and_refills_the_pool():
    r = run("copy", "abandon")
    h, pool = r.run.blkswap["hazard"], r.run.blkswap["pool"]
    assert (
        h["abandoned_frames"] > 0
        and h["refills"] == h["abandoned_frames"] == pool["abandoned_frames"]
    )
    assert pool["frames_in_use"] == 0


def test_replace_on_a_mapping_uses_unmap_and_replace():
    r = run("map", "replace")
    assert r.run.blkswap["hazard"]["replaced_frames"] > 0
    assert (
        r.counters["grant_ops"]["unmap_and_replace"] == r.run.blkswap["hazard"]["replaced_frames"]
    )


def test_no_loss_no_retransmits_and_config_errors():
    r = Lab(datapath="copy", device="net", guests=1, disk_size=8 << 20, storage="ram").run(JOB)
    assert r.run.blkswap["hazard"]["retransmits"] == 0
    with pytest.raises(ConfigError, match="net_loss.*needs device 'net'"):
        LabConfig(net_loss=0.1).validated()
    with pytest.raises(ConfigError, match="hazard_policy"):
        LabConfig(hazard_policy="pray").validated()
