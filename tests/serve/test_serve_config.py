"""`blkswap serve` input: flags and TOML checked up front (one line naming the key, exit 2), the
real-Xen refusals taken from the data paths' Caps, and a stock dom0 without numpy/matplotlib."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from blkswap.back.datapaths import caps_of
from blkswap.cli import main
from blkswap.serve.config import ServeConfigError, load_toml, real_xen_refusal


@pytest.fixture
def image(tmp_path: Path) -> Path:
    p = tmp_path / "d.img"
    p.write_bytes(bytes(1 << 20))
    return p


def _toml(tmp_path: Path, body: str) -> str:
    p = tmp_path / "serve.toml"
    p.write_text(textwrap.dedent(body))
    return str(p)


def test_toml_devices(tmp_path: Path, image: Path) -> None:
    specs = load_toml(_toml(tmp_path, f"""
        [[device]]
        domid = 3
        devid = 51712
        image = "{image}"
        datapath = "persistent"
        backend-kind = "qdisk"
        [[device]]
        domid = 3
        devid = 51728
        image = "{image}"
        datapath = "transfer"
        fallback = "copy"
        """))  # fmt: skip
    assert [(s.key, s.serving, s.backend_dir) for s in specs] == [
        ("3/51712", "persistent", "/local/domain/0/backend/qdisk/3/51712"),
        ("3/51728", "copy", "/local/domain/0/backend/vbd/3/51728"),
    ]
    assert (
        specs[1].refusal() is None and specs[0].frontend_dir == "/local/domain/3/device/vbd/51712"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("domid = 1\ndevid = 1\nimage = '{img}'\ncolour = 1", "device[0]: unknown key 'colour'"),
        ("domid = 1\nimage = '{img}'", "device[0]: missing key 'devid'"),
        ("domid = 1\ndevid = 1\nimage = '{img}'\ndatapath = 'zap'", "device[0].datapath: 'zap'"),
        ("domid = 99999\ndevid = 1\nimage = '{img}'", "device[0].domid: 99999 is not an integer"),
        ("domid = 1\ndevid = 1\nimage = '/nonexistent'", "device[0].image: '/nonexistent'"),
        ("domid = 1\ndevid = 1\nimage = '{img}'\nfallback = 'map'", "device[0].fallback"),
    ],
)
def test_bad_toml_names_the_key(tmp_path: Path, image: Path, body: str, message: str) -> None:
    path = _toml(tmp_path, "[[device]]\n" + body.format(img=image) + "\n")
    with pytest.raises(ServeConfigError) as info:
        load_toml(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_duplicate_device_and_empty_file(tmp_path: Path, image: Path) -> None:
    dev = f"[[device]]\ndomid = 1\ndevid = 7\nimage = '{image}'\n"
    with pytest.raises(ServeConfigError, match="domain 1 devid 7 twice"):
        load_toml(_toml(tmp_path, dev + dev))
    with pytest.raises(ServeConfigError, match="no \\[\\[device\\]\\] tables"):
        load_toml(_toml(tmp_path, ""))


def test_refusals_come_from_caps() -> None:
    assert real_xen_refusal("swap") == caps_of("swap").real_xen != ""
    assert real_xen_refusal("transfer") == caps_of("transfer").real_xen != ""
    for path in ("map", "copy", "persistent"):
        assert real_xen_refusal(path) == "", path


@pytest.mark.parametrize("path", ["swap", "transfer"])
def test_cli_refuses_in_one_line(capsys, image: Path, path: str) -> None:
    argv = ["serve", "--domid", "1", "--devid", "5", "--image", str(image), "--datapath", path]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"blkswap: error: --datapath {path}: not on a stock Xen: {real_xen_refusal(path)}"
    ]


def test_cli_needs_a_device(capsys) -> None:
    assert main(["serve"]) == 2
    assert "give --config FILE, or --domid, --devid and --image" in capsys.readouterr().err


BLOCKER = """
import sys
class Block:
    def find_spec(self, name, *args):
        if name.split(".")[0] in ("numpy", "matplotlib"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
import blkswap.back.xenbus, blkswap.back.loop, blkswap.xen.linux.port, blkswap.serve.server
import blkswap.cli.serve
from blkswap.cli import main
status = main(sys.argv[1:])
assert not [m for m in sys.modules if m.split(".")[0] in ("numpy", "matplotlib")]
print("status", status)
"""


def test_serve_runs_without_numpy_or_matplotlib(image: Path) -> None:
    argv = ["serve", "--domid", "1", "--devid", "5", "--image", str(image)]
    res = subprocess.run([sys.executable, "-c", BLOCKER, *argv], capture_output=True, text=True)
    # as far as a machine without /dev/xen goes: every module loaded, then the devices are missing
    assert res.stdout.strip() == "status 2", res.stderr
    assert "cannot open the Xen devices" in res.stderr and "Traceback" not in res.stderr
