"""Talks to ring_driver.c (the real io/ring.h macros) over stdin/stdout, one command at a time."""

from __future__ import annotations

import subprocess
from pathlib import Path

from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Segment


class CRingPeer:
    """A running ring_driver process sharing the ring page file ``page_file``."""

    def __init__(self, exe: Path, page_file: Path) -> None:
        self.proc = subprocess.Popen(
            [str(exe), str(page_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = self._block()
        self.sizes = tuple(int(x) for x in ready[0].split()[1:])  # sizeof request, response

    def _block(self) -> list[str]:
        assert self.proc.stdout is not None
        out: list[str] = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"ring_driver exited unexpectedly: {err}")
            line = line.rstrip("\n")
            if line == "end":
                return out
            if line.startswith("error"):
                raise AssertionError(f"ring_driver: {line}")
            out.append(line)

    def cmd(self, line: str) -> list[str]:
        """Send one command; return its output lines (without the closing ``end``)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._block()

    def one(self, line: str) -> list[int]:
        """A command answering one line "<tag> <ints...>": return the ints."""
        (out,) = self.cmd(line)
        return [int(x) for x in out.split()[1:]]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=5)


def parse_request(line: str) -> Request | DiscardRequest | IndirectRequest:
    """Turn a ``req``/``discard``/``indirect`` line printed by ring_driver into a value."""
    tag, *rest = line.split()
    v = [int(x) for x in rest]
    if tag == "discard":
        return DiscardRequest(*v)
    if tag == "indirect":
        return IndirectRequest(*v[:6], tuple(v[6:]))
    assert tag == "req", line
    segs = tuple(Segment(*v[i : i + 3]) for i in range(5, len(v), 3))
    return Request(*v[:5], segs)
