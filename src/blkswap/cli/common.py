"""What every part of the ``blkswap`` command shares: exit statuses, the names of commands, output
formats, data paths and device models, the user-error exception and the stderr status line."""

from __future__ import annotations

import sys
from typing import Any, TextIO

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130
OUTPUT_FORMATS = ("normal", "json", "json+")
COMMANDS = ("run", "compare", "abi", "costs", "serve")
MAIN_REPORT_DIR = "blkswap-report"
#: data path → one-line meaning (a test keeps the keys equal to back.datapaths.DATAPATHS)
DATAPATH_HELP = {
    "map": "Linux blkback: map each grant, I/O on the guest page, unmap + TLB flush",
    "copy": "tapdisk3 / QEMU qdisk: GNTTABOP_copy between guest grants and dom0 buffers",
    "swap": "the GNTTABOP_swap proposal: trade guest frames for dom0 reserve frames",
    "persistent": "Linux 3.8+: guest copies into grants the backend maps once and keeps",
    "transfer": "page flipping: reads handed over by GNTTABOP_transfer, writes copied",
    "null": "answers every request, moves no data (calibration, like fio's null engine)",
}
COMPARED = ("map", "copy", "swap", "persistent", "transfer")
#: device model names (a test keeps them equal to storage.DEVICE_MODELS)
DEVICES = ("null", "ram", "nvme", "ssd", "hdd", "net")


class CliError(Exception):
    """A user error: printed as ``blkswap: error: <message>``, exit status 2."""


def _default(name: str) -> Any:
    from blkswap.lab.config import LabConfig

    return getattr(LabConfig(), name)


def _status(message: str, stream: TextIO | None = None) -> None:
    print(f"blkswap: {message}", file=stream or sys.stderr, flush=True)
