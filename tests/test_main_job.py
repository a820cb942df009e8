"""``blkswap run`` with no arguments — the main job — in a fresh folder, as a new user runs it.

The one slow test of the CLI (~25 s): the built-in mixed random job on 4 guests through all five
data paths, a comparison table on stdout, a report folder in ./blkswap-report/, and (with
``--eta always``) fio's progress line on stderr only.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from blkswap.cli import COMPARED

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_main_job_table_report_and_progress(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "blkswap", "run", "--eta", "always"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    # the table: a header, a rule, then one row per compared path, in order
    lines = p.stdout.splitlines()
    assert lines[0].split()[:3] == ["datapath", "IOPS", "BW"]
    assert [ln.split()[0] for ln in lines[2:7]] == list(COMPARED)
    assert "Jobs:" not in p.stdout and "\r" not in p.stdout
    # progress and status only on stderr; each path's run takes well over 2 s of wall time
    for i, name in enumerate(COMPARED, 1):
        assert f"blkswap: [{i}/5] {name} …" in p.stderr
    progress = [seg for seg in p.stderr.replace("\n", "\r").split("\r") if seg.startswith("Jobs:")]
    assert progress, p.stderr
    assert all("%]" in seg and "[eta " in seg and "[sim " in seg for seg in progress)
    assert "blkswap: report: " in p.stderr

    report = tmp_path / "blkswap-report"
    results = json.loads((report / "results.json").read_text())
    assert list(results) == list(COMPARED)
    for name in COMPARED:
        doc = json.loads((report / "fio" / f"{name}.json").read_text())
        assert doc["fio version"].startswith("fio-3.")
        assert doc["blkswap"]["guests"] == 4 and doc["blkswap"]["datapath"] == name
        assert all(j["blkswap"]["datapath"] == name for j in doc["jobs"])
        assert sum(j["read"]["io_bytes"] + j["write"]["io_bytes"] for j in doc["jobs"]) > 0
        assert all(j["blkswap"]["verify_errors"] == 0 for j in doc["jobs"])
    with (report / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["datapath"] for r in rows} == set(COMPARED)
    pngs = sorted(report.glob("*.png"))
    assert pngs and all(png.read_bytes()[:8] == PNG_MAGIC for png in pngs)
