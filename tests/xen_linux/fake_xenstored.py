"""A fake xenstored for the wire-protocol client's tests: a Unix socket served by a thread, the
node tree, permissions, watches and transactions being the lab's emulated store (so the client
is tested against the same semantics the lab uses), as domain 0.

Hostile knobs: ``eagain`` commits answered EAGAIN first; ``events_first`` sends the watch events
a request causes BEFORE its reply (xenstored may interleave them either way); ``split`` writes
every message in 1-byte pieces (partial reads)."""

from __future__ import annotations

import os
import socket
import threading
from types import SimpleNamespace

from blkswap.abi.xs_wire import HEADER, XsType
from blkswap.xen.xenstore import XenStore
from blkswap.xen.xenstore_paths import XenstoreError


class FakeXenstored:
    def __init__(self, path: str, *, eagain: int = 0, events_first: bool = False) -> None:
        self.path = path
        self.pending: list = []
        self.store = XenStore(SimpleNamespace(deliver=self.pending.append))
        self.dom0 = self.store.client(0)
        self.eagain = eagain
        self.events_first = events_first
        self.split = False
        self.requests: list[tuple[str, int]] = []  # (type name, tx id) as received
        self._tx: dict[int, object] = {}
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(path)
        self._sock.listen(1)
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._sock.close()
        if self._conn is not None:
            self._conn.close()
        self._thread.join(timeout=5)
        os.unlink(self.path)

    def fire(self, path: str, value: str) -> None:
        """dom0-side write by 'another client' (events go out on the connection)."""
        self.dom0.write(path, value)

    # -- serving ----------------------------------------------------------------------------------
    def _send(self, kind: int, req_id: int, tx: int, payload: bytes) -> None:
        msg = HEADER.st.pack(kind, req_id, tx, len(payload)) + payload
        assert self._conn is not None
        if self.split:
            for i in range(len(msg)):
                self._conn.sendall(msg[i : i + 1])
        else:
            self._conn.sendall(msg)

    def _flush_events(self) -> None:
        while self.pending:
            self.pending.pop(0)()

    def _serve(self) -> None:
        try:
            self._conn, _ = self._sock.accept()
        except OSError:
            return
        buf = b""
        while True:
            try:
                chunk = self._conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 16:
                kind, req_id, tx, n = HEADER.st.unpack_from(buf)
                if len(buf) < 16 + n:
                    break
                payload, buf = buf[16 : 16 + n], buf[16 + n :]
                self._handle(kind, req_id, tx, payload)

    def _handle(self, kind: int, req_id: int, tx_id: int, payload: bytes) -> None:
        self.requests.append((XsType(kind).name, tx_id))
        try:
            reply = self._do(XsType(kind), tx_id, payload)
            out = (kind, reply)
        except XenstoreError as err:
            out = (XsType.ERROR, err.errno_name.encode() + b"\0")
        if self.events_first:
            self._flush_events()
        self._send(out[0], req_id, tx_id, out[1])
        self._flush_events()

    def _watch_cb(self, path: str, token: str) -> None:
        self._send(XsType.WATCH_EVENT, 0, 0, path.encode() + b"\0" + token.encode() + b"\0")

    def _do(self, kind: XsType, tx_id: int, payload: bytes) -> bytes:
        args = payload.split(b"\0")
        path = args[0].decode()
        tx = self._tx.get(tx_id) if tx_id else None
        if tx_id and tx is None:
            raise XenstoreError("ENOENT", f"transaction {tx_id}")
        c = self.dom0
        if kind == XsType.READ:
            return c.read_bytes(path, tx=tx)
        if kind == XsType.WRITE:
            c.write(path, payload[len(args[0]) + 1 :], tx=tx)
        elif kind == XsType.DIRECTORY:
            return b"".join(x.encode() + b"\0" for x in c.directory(path, tx=tx))
        elif kind == XsType.MKDIR:
            c.mkdir(path, tx=tx)
        elif kind == XsType.RM:
            c.rm(path, tx=tx)
        elif kind == XsType.GET_PERMS:
            return b"".join(f"{p}{d}".encode() + b"\0" for d, p in c.get_perms(path, tx=tx))
        elif kind == XsType.SET_PERMS:
            c.set_perms(path, [(int(a[1:]), a[:1].decode()) for a in args[1:] if a], tx=tx)
        elif kind == XsType.WATCH:
            c.watch(path, args[1].decode(), self._watch_cb)
        elif kind == XsType.UNWATCH:
            c.unwatch(path, args[1].decode())
        elif kind == XsType.TRANSACTION_START:
            t = c.transaction_start()
            self._tx[t.id] = t
            return f"{t.id}\0".encode()
        elif kind == XsType.TRANSACTION_END:
            t = self._tx.pop(tx_id)
            if path == "T" and self.eagain > 0:
                self.eagain -= 1
                c.transaction_end(t, commit=False)
                raise XenstoreError("EAGAIN", "commit")
            c.transaction_end(t, commit=path == "T")
        else:
            raise XenstoreError("ENOSYS", kind.name)
        return b"OK\0"
