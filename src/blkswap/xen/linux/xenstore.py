"""A xenstore client speaking the wire protocol over xenstored's socket or ``/dev/xen/xenbus``.

Same method names and semantics as the emulated :class:`blkswap.xen.xenstore.XenstoreClient`
(read/write/directory/mkdir/rm/perms, watches with callbacks, transactions), so the backend's
xenbus code runs unchanged on a real dom0. Message formats: Xen ``docs/misc/xenstore.txt``;
header and types: :mod:`blkswap.abi.xs_wire`.

Watch events arrive on the same connection as replies, interleaved with them: a request reads
messages until its own reply and queues the events it meets; :meth:`XsClient.dispatch` hands
queued and readable events to their callbacks. ``fileno()`` is the fd to poll for readiness.
Requests are synchronous (one outstanding at a time), like libxenstore's single-threaded mode.
"""

from __future__ import annotations

import os
import select
import socket
import stat
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from blkswap.abi.xs_wire import HEADER, PAYLOAD_MAX, XsType
from blkswap.xen import port
from blkswap.xen.port import StoreError

SOCKET_PATHS = ("/run/xenstored/socket", "/var/run/xenstored/socket")
XENBUS_DEVICE = "/dev/xen/xenbus"
WatchCallback = Callable[[str, str], None]


@dataclass(frozen=True)
class XsTransaction:
    """An open transaction: its id as xenstored numbered it."""

    id: int


def default_path() -> str:
    """xenstored's socket if it exists (dom0 running xenstored), else the xenbus device."""
    for path in SOCKET_PATHS:
        if os.path.exists(path):
            return path
    return XENBUS_DEVICE


def _open(path: str) -> int:
    if stat.S_ISSOCK(os.stat(path).st_mode):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        return sock.detach()
    return os.open(path, os.O_RDWR | os.O_CLOEXEC)


def _nul(*parts: str | bytes) -> bytes:
    """Payload ``a\\0b\\0…`` with a trailing NUL (xenstore.txt ``<path>|``)."""
    return b"".join((p.encode() if isinstance(p, str) else p) + b"\0" for p in parts)


class XsClient:
    """One connection to xenstored. Every request method accepts ``tx=None | XsTransaction``."""

    def __init__(self, path: str | None = None, *, fd: int | None = None, domid: int = 0) -> None:
        self.domid = domid  # whose connection this is (dom0 for a backend)
        self.path = path or default_path()
        self.fd = fd if fd is not None else _open(self.path)
        self._req_id = 0
        self._buf = bytearray()
        self._events: deque[tuple[str, str]] = deque()
        self._watches: dict[str, tuple[str, WatchCallback]] = {}  # token -> (path, callback)
        self.ops: dict[str, int] = {}
        """Requests sent, by message type name (like the emulated store's ``ops``)."""

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __repr__(self) -> str:
        return f"XsClient({self.path!r})"

    # -- the wire -------------------------------------------------------------------------------
    def _recv(self) -> tuple[int, int, bytes]:
        """Read one whole message (blocking): (type, req_id, payload)."""
        while True:
            if len(self._buf) >= HEADER.size:
                kind, req_id, _tx, n = HEADER.st.unpack_from(self._buf, 0)
                if n > PAYLOAD_MAX:
                    raise StoreError("EIO", self.path, f"reply of {n} B over {PAYLOAD_MAX}")
                if len(self._buf) >= HEADER.size + n:
                    payload = bytes(self._buf[HEADER.size : HEADER.size + n])
                    del self._buf[: HEADER.size + n]
                    return kind, req_id, payload
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise StoreError("EIO", self.path, "connection closed by xenstored")
            self._buf += chunk

    def _queue_event(self, payload: bytes) -> None:
        parts = payload.split(b"\0")
        if len(parts) >= 2:
            self._events.append(
                (parts[0].decode(errors="replace"), parts[1].decode(errors="replace"))
            )

    def request(self, kind: XsType, payload: bytes, tx: XsTransaction | None = None) -> bytes:
        """Send one request and return its reply payload; an ERROR reply raises StoreError."""
        if len(payload) > PAYLOAD_MAX:
            raise StoreError("E2BIG", payload[:64].decode(errors="replace"), "request too big")
        self._req_id = (self._req_id + 1) & 0xFFFF_FFFF
        self.ops[kind.name] = self.ops.get(kind.name, 0) + 1
        msg = HEADER.st.pack(kind, self._req_id, tx.id if tx else 0, len(payload)) + payload
        os.write(self.fd, msg)  # one write per message: /dev/xen/xenbus requires it
        while True:
            got, req_id, reply = self._recv()
            if got == XsType.WATCH_EVENT:
                self._queue_event(reply)
                continue
            if req_id != self._req_id:
                continue  # a stale reply (cannot happen with one outstanding request)
            if got == XsType.ERROR:
                name = reply.rstrip(b"\0").decode(errors="replace")
                raise StoreError(name, payload.split(b"\0", 1)[0].decode(errors="replace"))
            return reply

    # -- events -----------------------------------------------------------------------------------
    def pending_events(self) -> int:
        return len(self._events)

    def dispatch(
        self,
        timeout: float = 0.0,
        on_error: Callable[[str, Exception], None] | None = None,
        before: Callable[[str], None] | None = None,
    ) -> int:
        """Read readable events (waiting up to ``timeout`` s for the first) and run callbacks.
        With ``on_error``, a callback's exception goes to ``on_error(token, exc)`` and the other
        events are still handled; ``before(token)`` runs before each callback. Returns the
        number of events handled."""
        self._drain(timeout)
        handled = 0
        while self._events:
            path, token = self._events.popleft()
            entry = self._watches.get(token)
            if entry is not None:
                try:
                    if before is not None:
                        before(token)
                    entry[1](path, token)
                except Exception as exc:
                    if on_error is None:
                        raise
                    on_error(token, exc)
                handled += 1
            self._drain(0.0)
        return handled

    def _drain(self, timeout: float) -> None:
        while self.fd >= 0:
            if (
                len(self._buf) < HEADER.size
                or len(self._buf) < HEADER.size + HEADER.st.unpack_from(self._buf)[3]
            ):
                ready, _, _ = select.select([self.fd], [], [], timeout)
                if not ready:
                    return
            got, _req, payload = self._recv()
            if got == XsType.WATCH_EVENT:
                self._queue_event(payload)
            timeout = 0.0

    # -- reads ------------------------------------------------------------------------------------
    def read_bytes(self, path: str, tx: XsTransaction | None = None) -> bytes:
        return self.request(XsType.READ, _nul(path), tx)

    def read(self, path: str, tx: XsTransaction | None = None) -> str:
        """READ: the value at ``path`` (ENOENT if absent, EACCES if not readable)."""
        return self.read_bytes(path, tx).decode("utf-8", "surrogateescape")

    def read_int(
        self, path: str, default: int | None = None, tx: XsTransaction | None = None
    ) -> int:
        """A decimal integer (:func:`blkswap.xen.port.read_int`: Linux ``xenbus_read_unsigned``
        with a default)."""
        return port.read_int(self, path, default, tx)

    def gather(self, *paths: str, tx: XsTransaction | None = None) -> list[str]:
        return [self.read(p, tx) for p in paths]

    def directory(self, path: str, tx: XsTransaction | None = None) -> list[str]:
        reply = self.request(XsType.DIRECTORY, _nul(path), tx)
        return [c.decode("utf-8", "surrogateescape") for c in reply.split(b"\0") if c]

    def exists(self, path: str, tx: XsTransaction | None = None) -> bool:
        try:
            self.read_bytes(path, tx)
        except StoreError as exc:
            if exc.errno_name in ("ENOENT", "EACCES"):
                return False
            raise
        return True

    def get_perms(self, path: str, tx: XsTransaction | None = None) -> list[tuple[int, str]]:
        """GET_PERMS: ``[(domid, "r"|"w"|"b"|"n"), …]``, owner first."""
        reply = self.request(XsType.GET_PERMS, _nul(path), tx)
        return [(int(p[1:]), p[:1]) for p in reply.decode().split("\0") if p]

    # -- writes -----------------------------------------------------------------------------------
    def write(self, path: str, value: str | bytes | int, tx: XsTransaction | None = None) -> None:
        """WRITE ``<path>|<value>`` (the value is not NUL-terminated)."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            data = value.encode("utf-8", "surrogateescape")
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
        else:  # as the emulated client (xen/xenstore.py _as_bytes): bytes(True) would be b"\0"
            raise StoreError(
                "EINVAL", path, f"value of type {type(value).__name__} is not str/bytes"
            )
        self.request(XsType.WRITE, path.encode() + b"\0" + data, tx)

    def mkdir(self, path: str, tx: XsTransaction | None = None) -> None:
        self.request(XsType.MKDIR, _nul(path), tx)

    def rm(self, path: str, tx: XsTransaction | None = None) -> None:
        self.request(XsType.RM, _nul(path), tx)

    def set_perms(
        self, path: str, perms: Iterable[Sequence[object]], tx: XsTransaction | None = None
    ) -> None:
        """SET_PERMS: ``perms`` as ``[(domid, "r"|"w"|"b"|"n"), …]``, owner first."""
        items = [f"{p}{d}" for d, p in perms]
        self.request(XsType.SET_PERMS, _nul(path, *items), tx)

    def write_all(self, base: str, keys: dict[str, str]) -> int:
        """Write ``base/key = value`` for every key in one transaction, retried on EAGAIN
        (:func:`blkswap.xen.port.write_all`); returns the number of attempts."""
        return port.write_all(self, base, keys)

    # -- watches ----------------------------------------------------------------------------------
    def watch(self, path: str, token: str, callback: WatchCallback) -> str:
        """WATCH: ``callback(event_path, token)`` on changes at/below ``path``; xenstored fires
        it once when set. Tokens are unique per client."""
        self._watches[token] = (path, callback)
        try:
            self.request(XsType.WATCH, _nul(path, token))
        except StoreError:
            del self._watches[token]
            raise
        return token

    def unwatch(self, path: str, token: str) -> None:
        """UNWATCH; events already queued for the token are dropped."""
        self._watches.pop(token, None)
        self._events = deque(e for e in self._events if e[1] != token)
        self.request(XsType.UNWATCH, _nul(path, token))

    # -- transactions -----------------------------------------------------------------------------
    def transaction_start(self) -> XsTransaction:
        reply = self.request(XsType.TRANSACTION_START, b"\0")
        return XsTransaction(int(reply.rstrip(b"\0")))

    def transaction_end(self, tx: XsTransaction, commit: bool = True) -> None:
        """TRANSACTION_END ``T`` (commit; EAGAIN on conflict) or ``F`` (abort)."""
        self.request(XsType.TRANSACTION_END, b"T\0" if commit else b"F\0", tx)

    def transact(self, body: Callable[[XsTransaction], object], attempts: int = 100) -> int:
        """Run ``body(tx)`` in a transaction, starting over on EAGAIN
        (:func:`blkswap.xen.port.transact`). Returns the attempts it took."""
        return port.transact(self, body, attempts)
