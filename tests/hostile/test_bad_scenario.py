"""Bad scenario files and float flags: one ``blkswap: error:`` line naming the file and key, exit
2, never a traceback (issue 14: each of these ended in exit 70)."""

from __future__ import annotations

import pytest

from blkswap.lab.config import ConfigError, LabConfig, load_scenario
from test_cli import READ_JOB, TINY, assert_one_error, cli, job  # noqa: F401 - cli is a fixture

pytestmark = pytest.mark.row("L2")

CASES = [
    ("lab = 5\n", ("s.toml", "lab = 5", "table")),
    ("lab = [1, 2]\n", ("s.toml", "lab", "table")),
    ('[lab]\nnet_rto_ms = "fast"\n', ("s.toml", "net_rto_ms", "'fast'", "number")),
    ("[lab]\nnet_rto_ms = nan\n", ("s.toml", "net_rto_ms", "nan", "finite")),
    ("net_rto_ms = inf\n", ("s.toml", "net_rto_ms", "inf", "finite")),
    ("net_rto_ms = -inf\n", ("s.toml", "net_rto_ms", "inf", "finite")),
    ("net_rto_ms = 1e308\n", ("s.toml", "net_rto_ms", "120000")),
    ("net_loss = nan\n", ("s.toml", "net_loss", "nan")),
    ("guests = 2.5\n", ("s.toml", "guests", "2.5", "int")),
    ("scrub = 1\n", ("s.toml", "scrub", "bool")),
    ("image_dir = 3\n", ("s.toml", "image_dir", "string")),
    ("pool = 5\n", ("s.toml", "[[pool]]", "array of tables")),
    ('[[pool]]\nname = "a"\nframes = "many"\n', ("s.toml", "pool[0].frames", "'many'")),
    ('[[pool]]\nname = "a"\nframes = 4.0\n', ("s.toml", "pool[0].frames", "integer")),
    ('[[pool]]\nname = "a"\nframes = 4\nguests = 1\n', ("s.toml", "pool[0].guests", "list")),
    ('[[pool]]\nname = "a"\nframes = 4\nguests = ["1"]\n', ("s.toml", "pool[0].guests")),
    ("[[pool]]\nname = 7\nframes = 4\n", ("s.toml", "pool[0].name", "string")),
    ('[[pool]]\nname = "a"\nframes = 4\nsize = 3\n', ("s.toml", "pool[0]", "size")),
    ('[[pool]]\nname = "a"\n', ("s.toml", "[[pool]] needs 'frames'")),
    ("[lab]\npools = 5\n", ("s.toml", "pools", "[[pool]]")),
    ("[lab]\ncost_overrides = 5\n", ("s.toml", "cost_overrides", "table")),
    ("[lab]\ncost_overrides = {hypercall_ns = nan}\n", ("s.toml", "cost_overrides.hypercall_ns")),
    ('[lab]\ncost_overrides = {hypercall_ns = "1"}\n', ("s.toml", "cost_overrides.hypercall_ns")),
    ("[lab]\ncost_overrides = {nope = 1}\n", ("s.toml", "cost_overrides", "'nope'")),
]


@pytest.mark.parametrize(("toml", "fragments"), CASES, ids=[c[0][:24] for c in CASES])
def test_bad_scenario_value_is_one_line_naming_the_key(cli, tmp_path, toml, fragments):  # noqa: F811
    (tmp_path / "s.toml").write_text(toml)
    p = cli("run", job(tmp_path, READ_JOB), *TINY, "--scenario", "s.toml")
    assert_one_error(p, "scenario", *fragments)


@pytest.mark.parametrize(
    "raw", [b"guests = 1 # \xff\xfe\n", b"\xef\xbb\xbfguests = 1\n\x80", b"\x00\x9f"]
)
def test_non_utf8_scenario_is_one_line(cli, tmp_path, raw):  # noqa: F811
    (tmp_path / "s.toml").write_bytes(raw)
    p = cli("run", job(tmp_path, READ_JOB), *TINY, "--scenario", "s.toml")
    assert_one_error(p, "scenario s.toml", "UTF-8")


def test_scenario_that_is_a_directory_is_one_line(cli, tmp_path):  # noqa: F811
    (tmp_path / "d.toml").mkdir()
    p = cli("run", job(tmp_path, READ_JOB), *TINY, "--scenario", "d.toml")
    assert_one_error(p, "scenario d.toml", "directory")


@pytest.mark.row("L3")
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "0", "-1", "120000.5", "x"])
def test_bad_net_rto_flag_is_one_line(cli, tmp_path, value):  # noqa: F811
    p = cli("run", job(tmp_path, READ_JOB), *TINY, f"--net-rto-ms={value}")
    assert_one_error(p, "--net-rto-ms", repr(value))


@pytest.mark.row("L3")
@pytest.mark.parametrize("value", ["nan", "inf", "1", "-0.5", "x"])
def test_bad_net_loss_flag_is_one_line(cli, tmp_path, value):  # noqa: F811
    p = cli("run", job(tmp_path, READ_JOB), *TINY, f"--net-loss={value}")
    assert_one_error(p, "--net-loss", repr(value))


def test_good_floats_still_load(tmp_path):
    (tmp_path / "s.toml").write_text(
        'device = "net"\nnet_rto_ms = 120000\nnet_loss = 0.5\n'
        '[[pool]]\nname = "a"\nframes = 4\nguests = [1]\n'
    )
    cfg = load_scenario(tmp_path / "s.toml", LabConfig(guests=2))
    assert cfg.net_rto_ms == 120000.0 and cfg.net_loss == 0.5
    assert cfg.pools == (("a", 4, (1,)),)


@pytest.mark.row("L3")
@pytest.mark.parametrize("rto", [float("nan"), float("inf"), 0.0, 1e308])
def test_python_api_refuses_non_finite_rto(rto):
    with pytest.raises(ConfigError, match="net_rto_ms"):
        LabConfig(net_rto_ms=rto).validated()
