"""The ``blkswap`` command: ``main()``, the default command and the exit status of every error.

    blkswap run [JOB.fio] [options]      fio job files through the emulated Xen host
    blkswap compare [JOB.fio] [options]  the same job through several data paths, side by side
    blkswap abi [STRUCT ...] [--json]    struct sizes and field offsets per guest ABI
    blkswap costs [PROFILE ...] [--json] the figures of cost profiles, with their basis

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
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

from .common import (
    COMMAND_TABLE,
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
from .parser import build_parser, resolve

__all__ = [
    "COMMANDS",
    "COMMAND_TABLE",
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
    "Terminated",
    "build_parser",
    "entry",
    "main",
]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the run unwinds: partial results are printed and the
    temporary disk images (``blkswap-images-*``) are removed on the way out."""


def _forward(signum: int) -> None:
    """Pass the signal on to this process's worker processes (the parallel data paths of
    ``compare``), so they stop now instead of the pool waiting for their runs to finish."""
    # Not imported (no workers to tell), or the signal arrived while it was being imported.
    active_children = getattr(sys.modules.get("multiprocessing"), "active_children", None)
    for child in active_children() if active_children is not None else ():
        try:
            os.kill(child.pid, signum)  # type: ignore[arg-type]
        except OSError:
            pass


# The signal that asked this process to stop, kept because the exception a handler raises can be
# lost: raised inside a weakref callback or ``__del__`` (importlib's module-lock callback is one)
# Python prints "Exception ignored" and goes on, possibly with a half-imported module that fails
# later with an unrelated error. ``main`` reads it to end such a run as interrupted anyway.
_signalled: list[int] = []


def _unraisable(hook: Any) -> Any:
    """``sys.unraisablehook`` that drops the interrupt a handler raised where Python cannot
    raise it (it is in ``_signalled``; main ends the run) instead of printing a traceback."""

    def drop_interrupt(unraisable: Any) -> None:
        if not (_signalled and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            hook(unraisable)

    return drop_interrupt


def _on_sigterm(signum: int, frame: Any) -> None:
    _signalled.append(signum)
    _forward(signum)
    raise Terminated


def _on_sigint(signum: int, frame: Any) -> None:
    _signalled.append(signum)
    _forward(signum)
    raise KeyboardInterrupt


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
    """The console script. Returns the exit status (see the module docstring). Heavy modules
    (numpy, the lab) load inside the command handlers, so ``--help``/``--version`` start fast
    and Ctrl-C or SIGTERM at any moment after start-up ends in one line and exit status 130."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:  # not when the parent made us ignore it
        signal.signal(signal.SIGINT, _on_sigint)
    args: Any = None
    _signalled.clear()
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)
    try:
        argv = _with_default_command(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(argv)
        status = resolve(COMMAND_TABLE[args.command][1])(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        if _signalled:  # the interrupt was swallowed on its way here: the output is complete
            return _interrupted(None)
        return status
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (Terminated)
        return _interrupted(args)
    except BrokenPipeError:  # `blkswap abi | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - classify: user error (one line) or a bug
        if _signalled:  # a consequence of the interrupt (e.g. a module it cut half-imported)
            return _interrupted(args)
        if _is_user_error(err):
            print(f"blkswap: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        print(f"blkswap: internal error (a bug; please report it): {err!r}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook


def _interrupted(args: Any) -> int:
    """Print what finished before the interruption (as fio prints its partial statistics), then
    ``blkswap: interrupted``; exit status 130."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the output
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        from .run import emit_partial

        emit_partial(args)
    except Exception as err:  # noqa: BLE001 - the partial output is best effort
        print(f"blkswap: partial results unavailable: {err!r}", file=sys.stderr)
    print("\nblkswap: interrupted", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


def entry() -> NoReturn:
    """The console script (``blkswap``) and ``python -m blkswap``: ``main()``, then exit.

    After an interrupt the process ends with ``os._exit`` once the atexit handlers ran and the
    output is flushed. CPython remembers a KeyboardInterrupt that escaped any nested
    ``PyRun_*`` evaluation (Python/pythonrun.c ``run_eval_code_obj`` sets
    ``_Py_UnhandledKeyboardInterrupt``) and, even when the program caught it, Py_RunMain
    (Modules/main.c) then ends the process by SIGINT instead of the status it returned: exit
    -2, not 130, seen about once in 60 Ctrl-Cs during start-up."""
    status = main()
    if status != EXIT_INTERRUPTED:
        sys.exit(status)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def _one_line(err: Exception) -> str:
    text = " ".join(str(err).split())
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or text}"
    return text


def _is_user_error(err: Exception) -> bool:
    if isinstance(err, (CliError, OSError)):  # decided without loading the lab (numpy): serve
        return True
    from blkswap.lab.config import ConfigError
    from blkswap.lab.host import HostError
    from blkswap.sim.costs import CostProfileError
    from blkswap.storage import StorageError
    from blkswap.workload.errors import JobFileError

    user = (CliError, ConfigError, CostProfileError, JobFileError, StorageError, HostError)
    return isinstance(err, (*user, OSError))
