"""The ``blkswap`` command: ``main()``, the default command and the exit status of every error.

    blkswap run [JOB.fio] [options]      fio job files through the emulated Xen host
    blkswap compare [JOB.fio] [options]  the same job through several data paths, side by side
    blkswap abi [STRUCT ...] [--json]    struct sizes and field offsets per guest ABI
    blkswap costs [PROFILE ...] [--json] the figures of cost profiles, with their basis
    blkswap serve [options]              serve disks to real Linux blkfronts (a Linux dom0)

Contracts (docs/cli.md): stdout carries only the requested output (``--output-format``); with a
JSON format on stdout it is exactly one JSON document and everything else (progress line, status,
warnings, the normal summary of a ``json,normal`` list) goes to stderr. Exit status: 0 done,
1 the run found data errors (verify errors, leaked bytes, I/O errors, teardown audit), 2 bad
input (one ``blkswap: error: …`` line, no traceback), 70 internal error, 130 interrupted.

Modules: ``common`` (constants, CliError), ``options`` (argument types, host options),
``parser`` (``build_parser``), ``config`` (lab configuration and job file), ``run`` (run and
compare), ``info`` (abi and costs).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from .common import (
    COMMANDS,
    COMPARED,
    DATAPATH_HELP,
    DEVICES,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    MAIN_REPORT_DIR,
    OUTPUT_FORMATS,
    CliError,
)
from .info import cmd_abi, cmd_costs
from .parser import build_parser
from .run import cmd_compare, cmd_run
from .serve import cmd_serve, serve_main

__all__ = [
    "COMMANDS",
    "COMPARED",
    "DATAPATH_HELP",
    "DEVICES",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAIN_REPORT_DIR",
    "OUTPUT_FORMATS",
    "CliError",
    "build_parser",
    "cmd_abi",
    "cmd_compare",
    "cmd_costs",
    "cmd_run",
    "cmd_serve",
    "main",
]


# -- entry point --------------------------------------------------------------------------------
def _with_default_command(argv: list[str]) -> list[str]:
    """No command → ``run``: bare ``blkswap``, ``blkswap --guests 2``, ``blkswap job.fio`` (an
    existing file or a ``.fio`` name); any other first word must be a command."""
    if not argv:
        return ["run"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first.startswith("-") or first.endswith(".fio") or Path(first).is_file():
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    """The console script. Returns the exit status (see the module docstring)."""
    argv = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    if argv[:1] == ["serve"]:  # a stock dom0 has no numpy: serve's parser alone, lab not loaded
        return serve_main(argv[1:])
    args = build_parser().parse_args(argv)
    handlers = {"run": cmd_run, "compare": cmd_compare, "abi": cmd_abi, "costs": cmd_costs}
    handlers["serve"] = cmd_serve
    try:
        status = handlers[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return status
    except KeyboardInterrupt:
        print("\nblkswap: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `blkswap abi | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - classify: user error (one line) or a bug
        if _is_user_error(err):
            print(f"blkswap: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        print(f"blkswap: internal error (a bug; please report it): {err!r}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(err: Exception) -> str:
    text = " ".join(str(err).split())
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or text}"
    return text


def _is_user_error(err: Exception) -> bool:
    from blkswap.lab.config import ConfigError
    from blkswap.lab.host import HostError
    from blkswap.sim.costs import CostProfileError
    from blkswap.storage import StorageError
    from blkswap.workload.errors import JobFileError

    user = (CliError, ConfigError, CostProfileError, JobFileError, StorageError, HostError)
    return isinstance(err, (*user, OSError))
