"""Fault plans (storage/faults.py): parsing with one-line errors, deterministic decisions from a
seed, and what each kind does to the bytes."""

from __future__ import annotations

import pytest

from blkswap.storage import RamStore, StorageError, device_model
from blkswap.storage.faults import (
    FaultPlan,
    FaultPlanError,
    FaultRule,
    FaultyDevice,
    FaultyStore,
    load_plan,
)


def store_with(*rules: FaultRule, seed: int = 0) -> tuple[FaultyStore, RamStore]:
    ram = RamStore(1 << 20)
    return FaultyStore(ram, FaultPlan(tuple(rules), seed)), ram


def test_eio_on_reads_in_a_range_only():
    fs, ram = store_with(FaultRule("eio", op="read", offset=8192, length=4096))
    ram.writev(0, [memoryview(b"x" * 16384)])
    buf = bytearray(4096)
    assert fs.readv(0, [memoryview(buf)]) == 4096 and buf == b"x" * 4096
    with pytest.raises(StorageError, match="injected EIO"):
        fs.readv(8192 + 512, [memoryview(bytearray(512))])
    assert fs.writev(8192, [memoryview(b"y" * 4096)]) == 4096  # writes are not affected
    assert fs.plan.injected()["eio"] == 1


def test_short_read_fills_only_the_prefix_and_says_so():
    fs, ram = store_with(FaultRule("short", op="read", fraction=0.25))
    ram.writev(0, [memoryview(b"d" * 8192)])
    buf = bytearray(b"?" * 8192)
    assert fs.readv(0, [memoryview(buf)[:4096], memoryview(buf)[4096:]]) == 2048
    assert buf[:2048] == b"d" * 2048 and buf[2048:] == b"?" * 6144


def test_short_and_torn_writes_land_whole_sectors_only():
    fs, ram = store_with(FaultRule("short", op="write", fraction=0.5, count=1),
                         FaultRule("torn", op="write", fraction=0.3, after=1))  # fmt: skip
    assert fs.writev(0, [memoryview(b"a" * 4096)]) == 2048
    with pytest.raises(StorageError, match="torn write: 1024 of 4096"):
        fs.writev(8192, [memoryview(b"b" * 4096)])
    got = bytearray(16384)
    ram.readv(0, [memoryview(got)])
    assert got[:2048] == b"a" * 2048 and got[2048:8192] == bytes(6144)
    assert got[8192:9216] == b"b" * 1024 and got[9216:] == bytes(16384 - 9216)


def test_every_after_count_and_probability_replay_from_the_seed():
    rules = (FaultRule("eio", op="write", probability=0.3),)

    def pattern(seed: int) -> list[bool]:
        fs, _ = store_with(*rules, seed=seed)
        out = []
        for i in range(200):
            try:
                fs.writev(i * 512, [memoryview(bytes(512))])
                out.append(False)
            except StorageError:
                out.append(True)
        return out

    a, b, c = pattern(5), pattern(5), pattern(6)
    assert a == b and a != c and 30 < sum(a) < 90
    fs, _ = store_with(FaultRule("eio", op="flush", every=3, after=2, count=2))
    outcome = []
    for _ in range(12):
        try:
            fs.flush()
            outcome.append(0)
        except StorageError:
            outcome.append(1)
    assert outcome == [0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_latency_and_hang_are_added_by_the_device_model():
    plan = FaultPlan((FaultRule("latency", op="read", delay_ms=2.5, every=2),
                      FaultRule("hang", op="write", delay_ms=1000, count=1)))  # fmt: skip
    dev = FaultyDevice(device_model("nvme"), plan)
    base = device_model("nvme").service_ns("read", 4096)
    times = [dev.service_ns("read", 4096) for _ in range(4)]
    assert times == [base, base + 2_500_000, base, base + 2_500_000]
    wbase = device_model("nvme").service_ns("write", 4096)
    assert dev.service_ns("write", 4096) == wbase + 1_000_000_000  # the hang, once
    assert dev.service_ns("write", 4096) == wbase
    assert dev.queue_depth == device_model("nvme").queue_depth
    fs = FaultyStore(RamStore(1 << 20), plan)  # the store ignores timing rules
    fs.readv(0, [memoryview(bytearray(4096))])
    assert fs.plan.injected() == dict.fromkeys(("eio", "short", "torn", "latency", "hang"), 0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[fault]]\nkind = 'eio'\nprobability = nan\n", "fault[0].probability"),
        ("[[fault]]\nkind = 'eio'\nprobability = 2\n", "fault[0].probability"),
        ("[[fault]]\nkind = 'melt'\n", "fault[0].kind"),
        ("[[fault]]\nop = 'read'\n", "needs 'kind'"),
        ("[[fault]]\nkind = 'torn'\nop = 'read'\n", "fault[0].op"),
        ("[[fault]]\nkind = 'eio'\nevery = '3'\n", "fault[0].every"),
        ("[[fault]]\nkind = 'eio'\nevery = -1\n", "fault[0].every"),
        ("[[fault]]\nkind = 'hang'\ndelay_ms = inf\n", "fault[0].delay_ms"),
        ("[[fault]]\nkind = 'eio'\nspeed = 1\n", "speed"),
        ("fault = 3\n", "array of tables"),
        ("seed = 'x'\n", "seed"),
        ("seed = 1\nextra = 2\n", "extra"),
    ],
)
def test_bad_plans_are_one_error_naming_the_key(tmp_path, text, fragment):
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(FaultPlanError) as err:
        load_plan(tmp_path / "p.toml")
    assert fragment in str(err.value) and str(tmp_path / "p.toml") in str(err.value)
    assert "\n" not in str(err.value)


def test_unreadable_plans(tmp_path):
    (tmp_path / "bin.toml").write_bytes(b"seed = 1 # \xff\n")
    with pytest.raises(FaultPlanError, match="not UTF-8"):
        load_plan(tmp_path / "bin.toml")
    with pytest.raises(FaultPlanError, match="no such file"):
        load_plan(tmp_path / "none.toml")
    plan = tmp_path / "ok.toml"
    plan.write_text("seed = 3\n[[fault]]\nkind = 'short'\nop = 'read'\nfraction = 0.5\n")
    assert load_plan(plan) == FaultPlan((FaultRule("short", op="read", fraction=0.5),), 3)
    plan.write_text("[durability]\nsurvive = 0.25\n")
    assert load_plan(plan).durability.survive == 0.25
    plan.write_text("[durability]\nsurvive = 2\n")
    with pytest.raises(FaultPlanError, match="durability.survive"):
        load_plan(plan)
