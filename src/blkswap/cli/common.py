"""What every part of the ``blkswap`` command shares: exit statuses, the names of commands, output
formats, data paths and device models, the user-error exception and the stderr status line."""

from __future__ import annotations

import sys
from typing import Any, TextIO

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130
OUTPUT_FORMATS = ("normal", "json", "json+")
#: command → (``module:function`` adding its sub-parser, ``module:function`` running it), modules
#: under ``blkswap.cli``. One line registers a command; its module must import nothing heavy at
#: the top (every sub-parser is built for ``--help``, and start-up must stay well under 0.5 s).
COMMAND_TABLE: dict[str, tuple[str, str]] = {
    "run": ("parser:_add_run", "run:cmd_run"),
    "compare": ("parser:_add_compare", "run:cmd_compare"),
    "abi": ("parser:_add_abi", "info:cmd_abi"),
    "costs": ("parser:_add_costs", "info:cmd_costs"),
    "sweep": ("sweep:add_sweep_parser", "sweep:cmd_sweep"),
    "fuzz": ("fuzz:add_fuzz_parser", "fuzz:cmd_fuzz"),
    "serve": ("serve:add_serve_parser", "serve:cmd_serve"),
}
COMMANDS = tuple(COMMAND_TABLE)
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


#: LabConfig defaults the help texts show, held here so that ``--help`` imports no lab code (a
#: test keeps them equal to ``LabConfig()``).
HELP_DEFAULTS: dict[str, Any] = {
    "guests": 1,
    "dom0_vcpus": 4,
    "guest_vcpus": 2,
    "device": "nvme",
    "costs": "x86-modern",
}


def _default(name: str) -> Any:
    return HELP_DEFAULTS[name]


def _status(message: str, stream: TextIO | None = None) -> None:
    print(f"blkswap: {message}", file=stream or sys.stderr, flush=True)
