"""fio's progress line: format, TTY auto-detection, rate limiting, padding."""

from __future__ import annotations

import io
import re

from blkswap.report import Progress
from blkswap.report.progress import format_progress_line, run_string


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


LINE_RE = re.compile(
    r"Jobs: (\d+) \(f=\1\): \[([A-Za-z_/](\(\d+\))?,?)+\]\[(\d+\.\d%|-\.-%)\]"
    r"(\[[rwt]=[^\]]+\]\[[rwt]=[^\]]+ IOPS\])?\[eta (\d\dd:)?(\d\dh:)?\d\dm:\d\ds\]\[sim \d+\.\d{3}s\]"
)


def test_run_string() -> None:
    assert run_string("mm") == "m(2)"
    assert run_string("RRRWWR") == "R(3),W(2),R(1)"
    assert run_string("") == ""


def test_line_format_like_fio() -> None:
    line = format_progress_line(
        "mm",
        45.0,
        {"read": 125952, "write": 1024},
        {"read": 31500, "write": 1000},
        11,
        1_234_000_000,
    )
    assert (
        line
        == "Jobs: 2 (f=2): [m(2)][45.0%][r=123MiB/s,w=1024KiB/s][r=31.5k,w=1000 IOPS][eta 00m:11s][sim 1.234s]"
    )
    idle = format_progress_line("RE", None, {}, {}, None, 0)
    assert idle == "Jobs: 1 (f=1): [R(1),E(1)][-.-%][eta --][sim 0.000s]"


def test_disabled_when_not_a_tty() -> None:
    stream = io.StringIO()
    p = Progress(stream)
    assert p.enabled is False
    assert p.update(10**9, 5.0, 100, {"read": 409600}, 50.0, "r") is False
    p.close()
    assert stream.getvalue() == ""


def test_tty_updates_rate_limited_and_padded() -> None:
    stream = FakeTTY()
    p = Progress(stream)
    assert p.enabled is True
    assert p.update(500_000_000, 1.0, 10, {"read": 40960}, 10.0, "r") is False  # < 2 s wall
    assert p.update(1_000_000_000, 2.5, {"read": 1000}, {"read": 4096000}, 25.0, "r") is True
    first = stream.getvalue()
    assert first.endswith("\r") and LINE_RE.fullmatch(first[:-1].rstrip())
    # 1000 reads and 4096000 B in 1 s simulated -> 1000 IOPS, 4000 KiB/s; eta = 2.5 * 75 / 25
    assert "[r=4000KiB/s][r=1000 IOPS][eta 00m:07s][sim 1.000s]" in first
    assert (
        p.update(1_100_000_000, 3.0, {"read": 1100}, {"read": 4505600}, 30.0, "r") is False
    )  # < 1 s later
    assert p.update(2_000_000_000, 4.0, {"read": 2000}, {"read": 8192000}, None, "E") is True
    second = stream.getvalue()[len(first) :]
    assert second.startswith("Jobs: 0 (f=0): [E(1)][-.-%]")
    body = second[:-1]
    assert len(body) == len(first) - 1  # shorter line padded to overwrite the previous one
    p.close()
    assert stream.getvalue().endswith("\r\n")


def test_total_ios_split_by_bytes() -> None:
    stream = FakeTTY()
    p = Progress(stream, min_wall_s=0.0)
    assert p.update(1_000_000_000, 1.0, 300, {"read": 100 * 4096, "write": 200 * 4096}, 50.0, "m")
    assert "[r=100,w=200 IOPS]" in stream.getvalue()
