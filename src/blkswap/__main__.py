"""``python -m blkswap`` — same as the ``blkswap`` console script.

A signal while the command is still loading (nothing has started, nothing to clean up) ends it
the way a later one does: one line and exit status 130, never a traceback.
"""

import signal
import sys


def _interrupted_early(signum: int, frame: object) -> None:
    sys.stderr.write("blkswap: interrupted\n")
    raise SystemExit(130)


_int_default = signal.getsignal(signal.SIGINT) is signal.default_int_handler
signal.signal(signal.SIGTERM, _interrupted_early)
if _int_default:
    signal.signal(signal.SIGINT, _interrupted_early)

from blkswap.cli import entry  # noqa: E402  (after the handlers: this import is the slow part)

signal.signal(signal.SIGTERM, signal.SIG_DFL)  # main() installs its own at once
if _int_default:
    signal.signal(signal.SIGINT, signal.default_int_handler)
entry()
