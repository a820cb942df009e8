"""The ``blkswap`` command as users meet it: subprocess runs of ``python -m blkswap`` on tiny jobs.

Errors must be one ``blkswap: error: …`` line with exit status 2; stdout must be pure JSON under
``--output-format json``; help must teach; the progress estimate (lab/progress.py) must be right.
Every run here is tiny (size=256k, 1–2 guests, --disk-size 8m) to keep the file fast.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from blkswap import __version__
from blkswap.cli import COMPARED, DATAPATH_HELP, DEVICES, main
from blkswap.lab.progress import (
    RunProgress,
    estimate_pct,
    make_progress,
    runner_fraction,
    runner_state,
)

TINY = ["--disk-size", "8m", "--eta", "never"]
READ_JOB = "[j]\nrw=read\nbs=4k\nsize=256k\n"  # 64 reads of 4 KiB: one request, one segment each
MIX_JOB = (  # two clones per guest with mixed sizes: without scrubbing, swap leaks across guests
    "[global]\nrw=randrw\nrwmixread=70\nbssplit=4k/60:16k/25:64k/15\niodepth=16\nsize=2m\n"
    "offset_increment=2m\n[mix]\nnumjobs=2\n"
)


def blkswap(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "blkswap", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """In-process ``blkswap`` in ``tmp_path`` (fast); returns what a subprocess run would."""
    monkeypatch.chdir(tmp_path)

    def call(*args: str) -> SimpleNamespace:
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return call


def job(tmp_path: Path, text: str, name: str = "job.fio") -> str:
    (tmp_path / name).write_text(text)
    return name


def assert_one_error(p: Any, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one stderr line starting ``blkswap: error:``."""
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("blkswap: error: "), lines[0]
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


# -- 1. errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[j]\nrw=read\nfoo=1\n", "job.fio:3: foo: "),
        ("[j]\nrw=read\nbs=4x\n", "job.fio:3: bs: "),
        ("bs=4k\n[j]\nrw=read\n", "job.fio:1: bs: "),
        ("[j]\nrw=read\ninclude nosuch.fio\n", "job.fio:3: include: "),
        ("[j]\nrw=sideways\n", "job.fio:2: rw: "),
    ],
    ids=["unknown-option", "bad-value", "outside-section", "missing-include", "bad-rw"],
)
def test_malformed_job_file_is_one_line_naming_file_line_and_option(cli, tmp_path, text, expected):
    line = assert_one_error(cli("run", job(tmp_path, text), *TINY), f"blkswap: error: {expected}")
    assert len(line) > len(f"blkswap: error: {expected}")  # and says why


def test_job_file_errors_in_a_real_process(tmp_path):
    p = blkswap("run", job(tmp_path, "[j]\nrw=read\nfoo=1\n"), *TINY, cwd=tmp_path)
    assert_one_error(p, "blkswap: error: job.fio:3: foo: unknown option")
    assert_one_error(blkswap("run", "nosuch.fio", cwd=tmp_path), "nosuch.fio", "cannot read")
    p = blkswap("run", job(tmp_path, READ_JOB), "--datapath", "bogus", cwd=tmp_path)
    assert_one_error(p, "--datapath", "'bogus'", "(see 'blkswap run --help')")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[j]\nrw=read\nbs=1000\nsize=256k\n", ("job.fio:3", "bs", "1000", "512")),
        ("[j]\nrw=read\nsize=256k\noffset=1g\n", ("job.fio", "beyond the disk", "--disk-size")),
        ("[global]\nrw=read\n", ("job.fio", "no job")),
    ],
    ids=["bs-not-sector-multiple", "offset-beyond-disk", "only-global"],
)
def test_job_that_cannot_run_on_this_disk_is_a_usage_error(cli, tmp_path, text, fragments):
    assert_one_error(cli("run", job(tmp_path, text), *TINY), *fragments)


@pytest.mark.parametrize(
    ("flags", "fragments"),
    [
        (["--datapath", "bogus"], ("--datapath", "'bogus'", "map, copy, swap")),
        (["--output-format", "xml"], ("--output-format", "'xml'", "normal, json, json+")),
        (["--output-format", "json,xml"], ("--output-format", "'xml'")),
        (["--guests", "0"], ("--guests", "≥ 1", "0")),
        (["--guests", "two"], ("--guests", "'two'")),
        (["--costs", "nosuch"], ("cost profile", "'nosuch'", "x86-modern")),
        (["--device", "floppy"], ("--device", "'floppy'", "nvme")),
        (["--disk-size", "1k"], ("--disk-size", "4096")),
        (["--disk-size", "3x"], ("--disk-size", "'3x'")),
        (["--ring-page-order", "9"], ("--ring-page-order", "9")),
        (["--eta", "sometimes"], ("--eta", "'sometimes'")),
        (["--output", "nodir/out.json"], ("--output", "nodir", "does not exist")),
    ],
)
def test_bad_flag_is_one_line(cli, tmp_path, flags, fragments):
    assert_one_error(cli("run", job(tmp_path, READ_JOB), *TINY, *flags), *fragments)


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('guests = "4"\n', ("scenario", "guests", "'4'", "int")),
        ("nope = 1\n", ("scenario", "unknown setting", "nope")),
        ("guests = \n", ("scenario", "s.toml")),
        ("guests = 0\n", ("scenario", "guests", "≥ 1")),
        ('device = "floppy"\n', ("scenario s.toml: device: 'floppy'", "nvme")),
    ],
    ids=["wrong-type", "unknown-key", "toml-syntax", "invalid-value", "unknown-device"],
)
def test_bad_scenario_file_is_one_line(cli, tmp_path, toml, fragments):
    (tmp_path / "s.toml").write_text(toml)
    assert_one_error(cli("run", job(tmp_path, READ_JOB), *TINY, "--scenario", "s.toml"), *fragments)


def test_missing_scenario_file(cli, tmp_path):
    p = cli("run", job(tmp_path, READ_JOB), "--scenario", "no.toml")
    assert_one_error(p, "no.toml", "no such file")


def test_compare_unknown_datapath_and_unknown_command(cli, tmp_path):
    assert_one_error(cli("compare", job(tmp_path, READ_JOB), "--datapaths", "map,bogus"), "'bogus'")
    assert_one_error(cli("rnu"), "'rnu'", "'run', 'compare'", "blkswap --help")


def test_output_error_comes_before_the_run(cli, tmp_path):
    (tmp_path / "adir").mkdir()
    assert_one_error(
        cli("run", job(tmp_path, READ_JOB), *TINY, "--output", "adir"), "--output adir"
    )
    assert list((tmp_path / "adir").iterdir()) == []


# -- 2. output contracts -------------------------------------------------------------------------
JOB_KEYS = {
    "guest", "datapath", "requests", "segments", "hypercalls", "grant_ops", "tlb_flushes",
    "bytes_copied", "verify_errors", "leaked_bytes", "dom0_frames_peak",
}  # fmt: skip


def test_json_on_stdout_is_pure_and_complete(tmp_path):
    p = blkswap("run", job(tmp_path, READ_JOB), *TINY, "--guests", "2", "--output-format",
                "json", "--eta", "always", cwd=tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["fio version"].startswith("fio-3.")
    assert {"cpu_ns_by_domain", "xen_ns", "dom0_memory"} <= set(doc["blkswap"])
    assert len(doc["jobs"]) == 2  # one job in each of the two guests
    assert sorted(j["blkswap"]["guest"] for j in doc["jobs"]) == [1, 2]
    for j in doc["jobs"]:
        assert JOB_KEYS <= set(j["blkswap"]), JOB_KEYS - set(j["blkswap"])
        b = j["blkswap"]
        assert j["read"]["total_ios"] == 64 and j["read"]["io_bytes"] == 256 << 10
        # map: each 4 KiB read is one request with one segment, mapped and unmapped once
        assert b["datapath"] == "map" and b["requests"] == 64 and b["segments"] == 64
        assert b["grant_ops"]["map"] == 64 and b["grant_ops"]["unmap"] == 64
        assert b["bytes_copied"] == 0 and b["verify_errors"] == 0 and b["leaked_bytes"] == 0
        assert "bins" not in j["read"]["clat_ns"]
    assert "{" not in p.stderr


def test_json_plus_has_bins_and_combined_normal_goes_to_stderr(tmp_path):
    p = blkswap("run", job(tmp_path, READ_JOB), *TINY, "--output-format", "json+,normal",
                cwd=tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    clat = json.loads(p.stdout)["jobs"][0]["read"]["clat_ns"]
    assert sum(clat["bins"].values()) == clat["N"] == 64
    assert "Run status group 0 (all jobs):" in p.stderr and "Starting 1 process" in p.stderr
    assert "  xen          : hypercalls=" in p.stderr


def test_normal_goes_to_stdout_and_output_file_takes_everything(cli, tmp_path):
    name = job(tmp_path, READ_JOB)
    p = cli("run", name, *TINY)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("j: (g=0): rw=read") and "   READ: bw=" in p.stdout
    p = cli("run", name, *TINY, "--output-format", "json,normal", "--output", "o.txt")
    assert p.returncode == 0 and p.stdout == ""
    text = (tmp_path / "o.txt").read_text()
    end = text.index("\n}\n") + 3  # the JSON document comes first, then the normal text
    assert json.loads(text[:end])["jobs"][0]["jobname"] == "j"
    assert "Run status group 0" in text[end:]


def _table(stdout: str) -> dict[str, dict[str, str]]:
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    head = lines[0].split("  ")
    cols = [c.strip() for c in head if c.strip()]
    rows = {}
    for ln in lines[2:]:
        cells = ln.split()
        if cells and cells[0] in DATAPATH_HELP and len(cells) == len(cols):
            rows[cells[0]] = dict(zip(cols[1:], cells[1:], strict=False))
    return rows


def test_compare_table_names_each_path_with_its_figures(cli, tmp_path):
    p = cli("compare", job(tmp_path, READ_JOB), *TINY, "--datapaths", "map,copy")
    assert p.returncode == 0, p.stderr
    rows = _table(p.stdout)
    assert set(rows) == {"map", "copy"}
    # map moves no bytes through Xen; copy copies every 4 KiB read once
    assert float(rows["map"]["copied B/req"]) == 0
    assert float(rows["copy"]["copied B/req"]) == 4096
    assert "[1/2] map" in p.stderr and "[2/2] copy" in p.stderr


def test_compare_json_is_keyed_by_datapath(cli, tmp_path):
    p = cli("compare", job(tmp_path, READ_JOB), *TINY, "--datapaths", "persistent,null",
            "--output-format", "json")  # fmt: skip
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert list(doc) == ["persistent", "null"]
    for name, run in doc.items():
        assert run["jobs"][0]["blkswap"]["datapath"] == name
        assert run["jobs"][0]["read"]["total_ios"] == 64


@pytest.mark.foreign_bytes_expected
def test_data_errors_exit_1_and_scrubbing_fixes_them(cli, tmp_path):
    name = job(tmp_path, MIX_JOB)
    flags = [*TINY, "--datapath", "swap", "--guests", "2", "--output-format", "json"]
    leaky = cli("run", name, *flags, "--no-swap-scrub")
    assert leaky.returncode == 1, leaky.stderr
    leaked = sum(j["blkswap"]["leaked_bytes"] for j in json.loads(leaky.stdout)["jobs"])
    assert leaked > 0 and f"swap: {leaked} leaked bytes" in leaky.stderr
    clean = cli("run", name, *flags)
    assert clean.returncode == 0, clean.stderr
    assert all(j["blkswap"]["leaked_bytes"] == 0 for j in json.loads(clean.stdout)["jobs"])


def test_section_selects_jobs_and_default_command_is_run(cli, tmp_path):
    name = job(tmp_path, "[a]\nrw=read\nsize=256k\n[b]\nrw=write\nsize=256k\n")
    p = cli(name, *TINY, "--section", "b", "--output-format", "json")
    assert p.returncode == 0, p.stderr
    jobs = json.loads(p.stdout)["jobs"]
    assert [j["jobname"] for j in jobs] == ["b"] and jobs[0]["write"]["io_bytes"] == 256 << 10


# -- 3. help, abi, costs -------------------------------------------------------------------------
def test_top_level_help_lists_commands_and_version(tmp_path):
    p = blkswap("--help", cwd=tmp_path)
    assert p.returncode == 0
    for cmd in ("run", "compare", "abi", "costs"):
        assert f"    {cmd} " in p.stdout
    v = blkswap("--version", cwd=tmp_path)
    assert v.stdout.strip() == f"blkswap {__version__}"


@pytest.mark.parametrize("cmd", ["run", "compare"])
def test_command_help_teaches_paths_defaults_examples(cli, cmd):
    p = cli(cmd, "--help")
    assert p.returncode == 0
    for name, meaning in DATAPATH_HELP.items():
        assert f"  {name:<11} {meaning}" in p.stdout
    examples = p.stdout.split("examples:\n")[1].split("\n\n")[0]
    assert sum(ln.startswith(f"  blkswap {cmd}") for ln in examples.splitlines()) >= 3
    assert p.stdout.count("[default") >= 10
    assert "Exit status: 0 ok, 1" in p.stdout


def test_help_tables_match_the_registries():
    from blkswap.back.datapaths import COMPARED as BACK_COMPARED
    from blkswap.back.datapaths import DATAPATHS
    from blkswap.storage import DEVICE_MODELS

    assert set(DATAPATH_HELP) == set(DATAPATHS)
    assert COMPARED == BACK_COMPARED
    assert set(DEVICES) == set(DEVICE_MODELS)


def test_abi_json_shape_and_known_sizes(tmp_path):
    p = blkswap("abi", "--json", cwd=tmp_path)
    d = json.loads(p.stdout)
    assert set(d) == {"x86_64", "x86_32"}
    # blkif.h: x86_64 pads id to 8 bytes (sector_number at 16, 112 B); x86_32 packs (12, 108 B)
    assert d["x86_64"]["blkif_request"]["size"] == 112
    assert d["x86_32"]["blkif_request"]["size"] == 108
    assert d["x86_64"]["blkif_request"]["fields"]["sector_number"] == 16
    assert d["x86_32"]["blkif_request"]["fields"]["sector_number"] == 12


def test_abi_filters(cli):
    one = json.loads(cli("abi", "blkif_response", "--abi", "x86_32", "--json").stdout)
    assert list(one) == ["x86_32"] and list(one["x86_32"]) == ["blkif_response"]
    table = cli("abi", "blkif_request").stdout.splitlines()
    assert [ln.split()[:2] for ln in table if not ln.startswith(" ")][1:] == [
        ["x86_64", "blkif_request"],
        ["x86_32", "blkif_request"],
    ]
    assert table[1].split()[-1] == "112" and "operation" in table[2]
    assert_one_error(cli("abi", "nosuch"), "nosuch", "blkif_request")


def test_costs_table_and_json_show_every_figure(cli):
    from blkswap.sim.costs import load_profile

    want = {n: asdict(load_profile(n)) for n in ("x86-2010", "x86-modern")}
    assert json.loads(cli("costs", "x86-2010", "x86-modern", "--json").stdout) == want
    table = cli("costs").stdout.splitlines()
    figures = [k for k in want["x86-modern"] if k != "name"]
    assert [ln.split()[0] for ln in table[2:]] == figures
    hyp = next(ln for ln in table if ln.startswith("hypercall_ns "))
    assert float(hyp.split()[2]) == want["x86-modern"]["hypercall_ns"] and "#" not in hyp
    units = {ln.split()[0]: ln[23:28].strip() for ln in table[2:]}
    assert units["hypercall_ns"] == "ns" and units["memcpy_Bps"] == "GB/s"
    assert units["tlb_ipi_cluster"] == ""  # a count of CPUs, not a time
    assert_one_error(cli("costs", "nosuch"), "'nosuch'")


def test_closed_pipe_is_quiet(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "blkswap", "abi"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_help_defaults_come_from_labconfig(capsys):
    from blkswap.lab.config import LabConfig

    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        f"dom0 vCPUs; TLB-flush IPIs reach all of them [default {LabConfig().dom0_vcpus}]" in text
    )
    assert f"[default {LabConfig().costs}]" in text


# -- 4. progress estimate ------------------------------------------------------------------------
def fake_runner(*, limit=None, issued=0, runtime_us=0, ramp_us=0, t0=0.0, end_ns=0, rw="randrw"):
    gen = SimpleNamespace(
        limit_bytes=limit, issued_bytes={"read": issued, "write": 0, "trim": 0},
        limit_ios=None, issued_ios=0,
    )  # fmt: skip
    dirs = {d: SimpleNamespace(io_bytes=0, total_ios=0) for d in ("read", "write", "trim")}
    stats = SimpleNamespace(end_ns=end_ns, **dirs)
    jobspec = SimpleNamespace(runtime_us=runtime_us, ramp_time_us=ramp_us, rw=rw)
    r = SimpleNamespace(gen=gen, job=jobspec, stats=stats)
    if t0 is not None:
        r.t0 = t0
    return r


def test_runner_fraction_by_bytes_time_and_state():
    assert runner_fraction(fake_runner(limit=1000, issued=250), 0) == 0.25
    assert runner_fraction(fake_runner(runtime_us=1000, t0=1e6), 1.5e6) == 0.5
    # both limits: the job ends at whichever comes first
    assert runner_fraction(fake_runner(limit=1000, issued=100, runtime_us=1000), 6e5) == 0.6
    assert runner_fraction(fake_runner(runtime_us=1000, ramp_us=1000), 1e6) == 0.5
    assert runner_fraction(fake_runner(limit=1000, issued=10, end_ns=5), 0) == 1.0
    assert runner_fraction(fake_runner(limit=1000, t0=None), 0) == 0.0
    assert runner_fraction(fake_runner(), 10) is None  # time_based without runtime


def test_estimate_pct_counts_clones_not_created_yet():
    done, half = fake_runner(limit=10, end_ns=1), fake_runner(limit=10, issued=5)
    assert estimate_pct([done, half], 0) == 75.0
    assert estimate_pct([done, half], 0, expected_runners=4) == 37.5
    assert estimate_pct([done, fake_runner()], 0) is None
    assert estimate_pct([], 0) is None


def test_runner_state_uses_fio_characters():
    assert runner_state(fake_runner(end_ns=1), 0) == "_"
    assert runner_state(fake_runner(t0=None), 0) == "P"
    assert runner_state(fake_runner(ramp_us=10, t0=0), 5_000) == "/"
    assert [runner_state(fake_runner(rw=m), 0) for m in ("read", "randwrite", "randrw")] == [
        "R",
        "w",
        "m",
    ]


def test_progress_line_shows_pct_and_eta_after_two_seconds():
    wall = iter([0.0, 1.0, 3.0, 3.5, 5.0])  # t0, then one reading per call
    out = io.StringIO()
    prog = RunProgress(True, expected_runners=4, stream=out, clock=lambda: next(wall))
    host = SimpleNamespace(env=SimpleNamespace(now=2e6))
    runners = [fake_runner(limit=10, end_ns=1), fake_runner(limit=10, issued=5)]
    prog(host, runners)
    assert out.getvalue() == ""  # 1 s: too early
    prog(host, runners)  # 3 s, 37.5 % done: eta = 3 × 62.5 / 37.5 = 5 s
    line = out.getvalue()
    assert line.startswith("Jobs: 1 (f=1): [_(1),m(1)][37.5%]") and line.endswith("\r")
    assert "[eta 00m:05s]" in line and "[sim 0.002s]" in line
    prog(host, runners)  # 3.5 s: within the 1 s redraw interval
    assert out.getvalue() == line
    prog.close()
    assert out.getvalue() == line + "\n"


def test_make_progress_modes():
    assert make_progress("never") is None
    assert make_progress("always", stream=io.StringIO()).enabled
    assert not make_progress("auto", stream=io.StringIO()).enabled  # not a TTY
    with pytest.raises(ValueError, match="sometimes"):
        make_progress("sometimes")


def test_progress_on_a_real_run_ends_at_100_percent():
    from blkswap.lab import Lab

    ticks = iter(range(0, 10_000, 3))
    out = io.StringIO()
    prog = RunProgress(True, expected_runners=2, stream=out, clock=lambda: float(next(ticks)))
    Lab(guests=2, disk_size=8 << 20).run(READ_JOB, progress=prog)
    last = out.getvalue().split("\r")[-2]
    assert last.startswith("Jobs: 0 (f=0): [_(2)][100.0%]"), last


def test_docs_name_every_command_and_flag():
    import argparse

    from blkswap.cli import build_parser

    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in sub.choices.items():
        assert f"## `blkswap {name}`" in docs, name
        for action in cmd._actions:
            for flag in action.option_strings:
                assert flag in ("-h", "--help") or f"`{flag}" in docs, (name, flag)


def test_default_command_rules(tmp_path, monkeypatch):
    from blkswap.cli import _with_default_command

    monkeypatch.chdir(tmp_path)
    name = job(tmp_path, READ_JOB)
    assert _with_default_command([]) == ["run"]
    assert _with_default_command(["--guests", "2"]) == ["run", "--guests", "2"]
    assert _with_default_command([name, "-o"]) == ["run", name, "-o"]
    assert _with_default_command(["--help"]) == ["--help"]
    assert _with_default_command(["abi", "--json"]) == ["abi", "--json"]
    assert _with_default_command(["nosuch.fio"]) == ["run", "nosuch.fio"]  # "cannot read"
    assert _with_default_command(["rnu"]) == ["rnu"]  # argparse: invalid choice


def test_a_bug_is_exit_70_with_traceback(cli, monkeypatch):
    import blkswap.cli.info

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(blkswap.cli.info, "cmd_abi", broken)
    p = cli("abi")
    assert p.returncode == 70
    assert "Traceback" in p.stderr and "RuntimeError: boom" in p.stderr
    assert p.stderr.rstrip().endswith(
        "blkswap: internal error (a bug; please report it): RuntimeError('boom')"
    )


def test_help_defaults_table_equals_labconfig():
    from blkswap.cli.common import HELP_DEFAULTS
    from blkswap.lab.config import LabConfig

    assert HELP_DEFAULTS == {k: getattr(LabConfig(), k) for k in HELP_DEFAULTS}


def test_version_and_help_load_no_lab_code():
    code = (
        "import sys\nfrom blkswap.cli import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'blkswap.lab', 'blkswap.timing') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_package_exports_lab_and_result_lazily():
    code = "import sys, blkswap\nprint('numpy' in sys.modules)\nfrom blkswap import Lab, Result\nprint(Lab.__name__, Result.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "Lab", "Result"]


def test_run_datapath_all_compares_the_five_paths(cli, tmp_path, monkeypatch):
    """``run JOB --datapath all`` is ``compare`` over the five paths (its --help says so)."""
    monkeypatch.setenv("BLKSWAP_WORKERS", "1")
    name = job(tmp_path, READ_JOB)
    p = cli("run", name, "--datapath", "all", *TINY, "--output-format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert list(doc) == list(COMPARED)
    assert {path: doc[path]["jobs"][0]["read"]["total_ios"] for path in doc} == dict.fromkeys(
        COMPARED, 64
    )


def test_report_folder_that_cannot_be_written_is_named_before_the_run(cli, tmp_path):
    name = job(tmp_path, READ_JOB)
    (tmp_path / "plain").write_text("x")
    p = cli("run", name, *TINY, "--report", "plain")
    assert "--report plain: exists and is not a folder" in assert_one_error(p)
    p = cli("run", name, *TINY, "--report", "plain/sub/dir")
    assert "--report plain/sub/dir: plain is not a folder" in assert_one_error(p)


def test_report_write_failure_names_the_option(cli, tmp_path, monkeypatch):
    import blkswap.report

    def refuse(runs, folder, **figures):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(blkswap.report, "write_report", refuse)
    p = cli("run", job(tmp_path, READ_JOB), *TINY, "--report", "out")
    assert p.returncode == 2 and "read: IOPS=" in p.stdout  # the results came before the report
    assert p.stderr.splitlines()[-1] == "blkswap: error: --report out: Permission denied"
