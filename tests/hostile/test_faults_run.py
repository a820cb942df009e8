"""``blkswap run JOB --faults PLAN.toml``: storage faults and a power cut from a seeded plan, in a
timed run; the report prints what was injected and ``lost acknowledged writes: 0``."""

from __future__ import annotations

import json

import pytest

from blkswap.lab import Lab
from test_cli import assert_one_error, cli, job  # noqa: F401 - cli is a fixture

JOB = ("[w]\nrw=randwrite\nbs=4k\nsize=512k\niodepth=8\n[r]\nstonewall\nrw=randread\nbs=4k\n"
       "size=512k\niodepth=8\n[f]\nstonewall\nrw=write\nbs=4k\nsize=256k\nfsync=4\n")  # fmt: skip
PLAN = ('seed = 3\n[[fault]]\nkind = "eio"\nop = "read"\nprobability = 0.05\n'
        '[[fault]]\nkind = "latency"\nop = "write"\ndelay_ms = 5\nevery = 10\n'
        "[durability]\nsurvive = 0.5\n")  # fmt: skip
TINY = ["--disk-size", "8m", "--eta", "never", "--storage", "ram"]


@pytest.mark.row("E1", "E5", "E7")
@pytest.mark.parametrize("path", ["map", "copy", "swap", "persistent", "transfer"])
def test_a_run_with_faults_reports_them_and_loses_no_acknowledged_write(cli, tmp_path, path):  # noqa: F811
    """Reads fail where the plan says (exit 1, fio's err=5), writes slow down every 10th, and
    the power cut at the end loses no write acknowledged before a completed flush."""
    (tmp_path / "p.toml").write_text(PLAN)
    name = job(tmp_path, JOB)
    p = cli("run", name, *TINY, "--datapath", path, "--faults", "p.toml")
    assert p.returncode == 1, p.stderr  # the injected EIOs are data errors
    tail = p.stdout.split("\nFaults (seed 3): injected ")[1].splitlines()
    eio = int(tail[0].split("eio=")[1].split(",")[0])
    latency = int(tail[0].split("latency=")[1].split(",")[0])
    assert eio > 0 and latency > 0
    assert tail[1].endswith("lost acknowledged writes: 0")
    again = cli("run", name, *TINY, "--datapath", path, "--faults", "p.toml")
    assert again.stdout.split("\nFaults")[1] == p.stdout.split("\nFaults")[1]  # replayed


@pytest.mark.row("E5")
def test_the_python_api_takes_a_plan_and_puts_figures_in_the_json(tmp_path):
    (tmp_path / "p.toml").write_text("seed = 1\n[durability]\nsurvive = 0.0\n")
    (tmp_path / "j.fio").write_text("[w]\nrw=randwrite\nbs=4k\nsize=256k\niodepth=4\n")
    res = Lab(guests=1, storage="ram", disk_size=8 << 20, faults=str(tmp_path / "p.toml")).run(
        str(tmp_path / "j.fio")
    )
    faults = json.loads(json.dumps(res.run.blkswap["faults"]))
    assert faults["lost_acknowledged_writes"] == 0 and faults["seed"] == 1
    assert faults["cut_sectors"] > 0  # no flush in the job: the cut dropped cached writes


@pytest.mark.row("L2")
@pytest.mark.parametrize(
    ("text", "fragment"),
    [("[[fault]]\nkind = 'melt'\n", "fault[0].kind"), ("seed = nan\n", "seed"),
     ("[durability]\nsurvive = 7\n", "durability.survive")],
)  # fmt: skip
def test_a_bad_plan_is_one_line_naming_the_key(cli, tmp_path, text, fragment):  # noqa: F811
    (tmp_path / "p.toml").write_text(text)
    p = cli("run", job(tmp_path, JOB), *TINY, "--faults", "p.toml")
    assert_one_error(p, "--faults", "p.toml", fragment)


@pytest.mark.row("L2")
def test_a_missing_plan_is_one_line(cli, tmp_path):  # noqa: F811
    assert_one_error(cli("run", job(tmp_path, JOB), *TINY, "--faults", "none.toml"),
                     "--faults", "no such file")  # fmt: skip
