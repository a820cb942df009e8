"""XsClient byte for byte against a scripted xenstored: one end of a socketpair, replies queued
before the request is made (requests are synchronous), requests read back and compared with
Xen's docs/misc/xenstore.txt formats (16-byte header of four little-endian u32, then payload).
Also how the client finds xenstored (socket, else /dev/xen/xenbus) and what a broken peer does."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from blkswap.abi.xs_wire import XsType
from blkswap.xen.linux import xenstore as xs_mod
from blkswap.xen.linux.xenstore import XsClient, XsTransaction
from blkswap.xen.port import StoreError

H = struct.Struct("<IIII")


def msg(kind: int, req_id: int, payload: bytes, tx: int = 0) -> bytes:
    return H.pack(kind, req_id, tx, len(payload)) + payload


class Peer:
    """The xenstored end: ``reply`` queues answers, ``requests`` reads what the client sent."""

    def __init__(self) -> None:
        self.sock, theirs = socket.socketpair()
        # a read that would wait for a reply never queued fails in 2 s instead of hanging
        theirs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 2, 0))
        self.client = XsClient("scripted", fd=theirs.detach())

    def reply(self, kind: int, req_id: int, payload: bytes = b"OK\0", tx: int = 0) -> None:
        self.sock.sendall(msg(kind, req_id, payload, tx))

    def requests(self) -> list[tuple[int, int, int, bytes]]:
        self.sock.setblocking(False)
        data = b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except BlockingIOError:
            pass
        out = []
        while data:
            kind, req, tx, n = H.unpack_from(data)
            out.append((kind, req, tx, data[16 : 16 + n]))
            data = data[16 + n :]
        return out


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    yield p
    p.client.close()
    p.sock.close()


def test_requests_are_numbered_and_formatted(peer: Peer) -> None:
    xs = peer.client
    assert (xs.domid, xs.path, repr(xs)) == (0, "scripted", "XsClient('scripted')")
    peer.reply(XsType.READ, 1, b"4")
    peer.reply(XsType.WRITE, 2)
    peer.reply(XsType.MKDIR, 3)
    peer.reply(XsType.RM, 4)
    peer.reply(XsType.DIRECTORY, 5, b"a\0bc\0")
    peer.reply(XsType.SET_PERMS, 6)
    peer.reply(XsType.GET_PERMS, 7, b"n0\0r5\0b12\0")
    tx = XsTransaction(9)
    assert xs.read("/a/b", tx) == "4"
    xs.write("/a/c", 17, tx)
    xs.mkdir("/a/d")
    xs.rm("/a/e")
    assert xs.directory("/a") == ["a", "bc"]
    xs.set_perms("/a", [(0, "n"), (5, "r")])
    assert xs.get_perms("/a") == [(0, "n"), (5, "r"), (12, "b")]
    assert peer.requests() == [
        (XsType.READ, 1, 9, b"/a/b\0"),
        (XsType.WRITE, 2, 9, b"/a/c\x0017"),  # the value is not NUL-terminated
        (XsType.MKDIR, 3, 0, b"/a/d\0"),
        (XsType.RM, 4, 0, b"/a/e\0"),
        (XsType.DIRECTORY, 5, 0, b"/a\0"),
        (XsType.SET_PERMS, 6, 0, b"/a\0n0\0r5\0"),
        (XsType.GET_PERMS, 7, 0, b"/a\0"),
    ]
    assert xs.ops == {"READ": 1, "WRITE": 1, "MKDIR": 1, "RM": 1, "DIRECTORY": 1,
                      "SET_PERMS": 1, "GET_PERMS": 1}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "wire"),
    [("text", b"text"), (b"\xff\x00raw", b"\xff\x00raw"), (0, b"0"), (-3, b"-3"),
     ("\udcff", b"\xff"), (bytearray(b"ba"), b"ba"), (memoryview(b"mv"), b"mv")],
)  # fmt: skip
def test_write_values(peer: Peer, value: object, wire: bytes) -> None:
    """ints as decimal text; str as UTF-8 with surrogate escapes (bytes read back as str
    round-trip); bytes-like as they are."""
    peer.reply(XsType.WRITE, 1)
    peer.client.write("/v", value)  # type: ignore[arg-type]
    assert peer.requests() == [(XsType.WRITE, 1, 0, b"/v\0" + wire)]


@pytest.mark.parametrize("value", [True, False, 1.5, None])
def test_write_refuses_other_types_as_the_emulated_store_does(peer: Peer, value: object) -> None:
    with pytest.raises(StoreError) as info:
        peer.client.write("/v", value)  # type: ignore[arg-type]
    assert (info.value.errno_name, info.value.path) == ("EINVAL", "/v")
    assert str(info.value).endswith(f"value of type {type(value).__name__} is not str/bytes")
    assert peer.requests() == [] and peer.client.ops == {}


def test_read_decodes_with_surrogate_escapes(peer: Peer) -> None:
    peer.reply(XsType.READ, 1, b"caf\xc3\xa9\xff")
    assert peer.client.read("/v") == "caf\u00e9\udcff"
    peer.reply(XsType.DIRECTORY, 2, b"\xff\0")
    assert peer.client.directory("/") == ["\udcff"]


def test_error_reply_raises_with_the_path(peer: Peer) -> None:
    peer.reply(XsType.ERROR, 1, b"EACCES\0")
    with pytest.raises(StoreError) as info:
        peer.client.read("/local/domain/7/x")
    assert (info.value.errno_name, info.value.path) == ("EACCES", "/local/domain/7/x")
    peer.reply(XsType.ERROR, 2, b"EACCES\0")
    assert peer.client.exists("/secret") is False
    peer.reply(XsType.ERROR, 3, b"ENOENT\0")
    assert peer.client.exists("/none") is False
    peer.reply(XsType.ERROR, 4, b"EINVAL\0")
    with pytest.raises(StoreError, match="EINVAL"):
        peer.client.exists("/bad")
    peer.reply(XsType.READ, 5, b"")
    assert peer.client.exists("/empty") is True


def test_stale_replies_and_events_are_skipped(peer: Peer) -> None:
    peer.reply(XsType.READ, 7, b"stale")  # not the request's id
    peer.reply(XsType.WATCH_EVENT, 0, b"/w/x\0tok\0")
    peer.reply(XsType.WATCH_EVENT, 0, b"no-token")  # malformed: dropped
    peer.reply(XsType.WATCH_EVENT, 0, b"/w/y\0t2")  # no trailing NUL: still path and token
    peer.reply(XsType.READ, 1, b"fresh")
    assert peer.client.read("/r") == "fresh"
    assert list(peer.client._events) == [("/w/x", "tok"), ("/w/y", "t2")]
    assert peer.client.pending_events() == 2


def test_gather_and_read_int(peer: Peer) -> None:
    peer.reply(XsType.READ, 1, b"a")
    peer.reply(XsType.READ, 2, b"b")
    assert peer.client.gather("/x", "/y") == ["a", "b"]
    peer.reply(XsType.READ, 3, b" 42\n")
    assert peer.client.read_int("/n") == 42


def test_request_ids_wrap_at_32_bits(peer: Peer) -> None:
    peer.client._req_id = 0xFFFF_FFFF
    peer.reply(XsType.READ, 0, b"w")
    assert peer.client.read("/w") == "w"
    assert peer.requests()[0][1] == 0


def test_payload_limit(peer: Peer) -> None:
    path = "/" + "p" * 4094  # 4096 bytes with its NUL: allowed
    peer.reply(XsType.READ, 1, b"v")
    assert peer.client.read(path) == "v"
    with pytest.raises(StoreError) as info:
        peer.client.read(path + "q")
    assert info.value.errno_name == "E2BIG" and str(info.value).endswith("request too big")
    assert peer.client.ops == {"READ": 1}


def test_oversized_reply_and_closed_connection(peer: Peer) -> None:
    peer.sock.sendall(H.pack(XsType.READ, 1, 0, 4097))
    with pytest.raises(StoreError) as info:
        peer.client.read("/big")
    assert info.value.errno_name == "EIO" and "reply of 4097 B over 4096" in str(info.value)
    peer.client._buf.clear()
    peer.sock.sendall(msg(XsType.READ, 2, b"x" * 4096))
    assert peer.client.read("/max") == "x" * 4096
    peer.sock.shutdown(socket.SHUT_WR)
    with pytest.raises(StoreError, match="connection closed by xenstored"):
        peer.client.read("/gone")


def test_transactions_on_the_wire(peer: Peer) -> None:
    peer.reply(XsType.TRANSACTION_START, 1, b"31\0")
    tx = peer.client.transaction_start()
    assert tx == XsTransaction(31)
    peer.reply(XsType.TRANSACTION_END, 2)
    peer.client.transaction_end(tx)
    peer.reply(XsType.TRANSACTION_END, 3)
    peer.client.transaction_end(tx, commit=False)
    assert peer.requests() == [(XsType.TRANSACTION_START, 1, 0, b"\0"),
                               (XsType.TRANSACTION_END, 2, 31, b"T\0"),
                               (XsType.TRANSACTION_END, 3, 31, b"F\0")]  # fmt: skip


def test_watch_unwatch_and_dispatch(peer: Peer) -> None:
    xs = peer.client
    seen: list[tuple[str, str]] = []
    before: list[str] = []
    peer.reply(XsType.WATCH, 1)
    assert xs.watch("/be", "tok", lambda p, t: seen.append((p, t))) == "tok"
    peer.reply(XsType.WATCH_EVENT, 0, b"/be\0tok\0")
    peer.reply(XsType.WATCH_EVENT, 0, b"/other\0unknown\0")  # no such token: not handled
    peer.reply(XsType.WATCH_EVENT, 0, b"/be/state\0tok\0")
    assert xs.dispatch(timeout=1.0, before=before.append) == 2
    assert seen == [("/be", "tok"), ("/be/state", "tok")] and before == ["tok", "tok"]
    assert xs.dispatch() == 0
    peer.reply(XsType.ERROR, 2, b"EEXIST\0")
    with pytest.raises(StoreError):
        xs.watch("/fe", "tok2", lambda p, t: None)
    assert set(xs._watches) == {"tok"}
    peer.reply(XsType.WATCH_EVENT, 0, b"/be\0tok\0")
    xs._drain(1.0)
    assert xs.pending_events() == 1
    peer.reply(XsType.UNWATCH, 3)
    xs.unwatch("/be", "tok")
    assert xs.pending_events() == 0 and xs._watches == {}
    assert [r[3] for r in peer.requests()] == [b"/be\0tok\0", b"/fe\0tok2\0", b"/be\0tok\0"]


def test_dispatch_errors_go_to_on_error_or_propagate(peer: Peer) -> None:
    xs = peer.client
    peer.reply(XsType.WATCH, 1)
    peer.reply(XsType.WATCH, 2)

    def boom(path: str, token: str) -> None:
        raise RuntimeError(path)

    got: list[str] = []
    xs.watch("/a", "bad", boom)
    xs.watch("/b", "good", lambda p, t: got.append(p))
    errors: list[tuple[str, str]] = []
    for path, tok in (("/a", "bad"), ("/b", "good")):
        peer.reply(XsType.WATCH_EVENT, 0, f"{path}\0{tok}\0".encode())
    assert xs.dispatch(1.0, on_error=lambda t, e: errors.append((t, str(e)))) == 2
    assert errors == [("bad", "/a")] and got == ["/b"]
    peer.reply(XsType.WATCH_EVENT, 0, b"/a\0bad\0")
    with pytest.raises(RuntimeError, match="/a"):
        xs.dispatch(1.0)


def test_dispatch_reassembles_a_message_sent_in_pieces(peer: Peer) -> None:
    xs = peer.client
    peer.reply(XsType.WATCH, 1)
    got: list[str] = []
    xs.watch("/a", "t", lambda p, t: got.append(p))
    event = msg(XsType.WATCH_EVENT, 0, b"/a\0t\0") + msg(XsType.WATCH_EVENT, 0, b"/b\0t\0")
    peer.sock.sendall(event[:10])  # half a header now, the rest a little later
    later = threading.Timer(0.2, peer.sock.sendall, [event[10:]])
    later.start()
    assert xs.dispatch(1.0) == 2 and got == ["/a", "/b"]
    later.join()
    xs.close()
    assert xs.dispatch(0.0) == 0 and xs.fd == -1  # a closed client reads nothing
    xs.close()


def test_default_path_prefers_xenstored_s_socket(tmp_path, monkeypatch) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    monkeypatch.setattr(xs_mod, "SOCKET_PATHS", (a, b))
    assert xs_mod.default_path() == "/dev/xen/xenbus" == xs_mod.XENBUS_DEVICE
    open(b, "w").close()
    assert xs_mod.default_path() == b
    open(a, "w").close()
    assert xs_mod.default_path() == a


def test_open_a_socket_or_the_xenbus_device(tmp_path, monkeypatch) -> None:
    """A socket path is connected to; anything else (/dev/xen/xenbus) is opened O_RDWR."""
    path = str(tmp_path / "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    xs = XsClient(path)
    conn, _ = server.accept()
    conn.sendall(msg(XsType.READ, 1, b"via socket"))
    assert xs.read("/s") == "via socket"
    xs.close()
    dev = tmp_path / "xenbus"
    dev.write_bytes(b"")
    opened: list[tuple[str, int]] = []
    real_open = os.open
    monkeypatch.setattr(
        xs_mod.os, "open", lambda p, f, *a: opened.append((p, f)) or real_open(p, f, *a)
    )
    monkeypatch.setattr(xs_mod, "SOCKET_PATHS", ())
    monkeypatch.setattr(xs_mod, "XENBUS_DEVICE", str(dev))
    xs2 = XsClient()
    assert opened == [(str(dev), os.O_RDWR | os.O_CLOEXEC)] and xs2.path == str(dev)
    xs2.close()
    conn.close()
    server.close()


def test_a_client_on_fd_0_is_closed(peer: Peer) -> None:
    saved = os.dup(0)
    try:
        os.dup2(peer.client.fd, 0)
        os.close(peer.client.fd)
        peer.client.fd = 0
        peer.reply(XsType.READ, 1, b"zero")
        assert peer.client.read("/z") == "zero"
        got: list[str] = []
        peer.reply(XsType.WATCH, 2)
        peer.client.watch("/z", "t", lambda p, t: got.append(p))
        peer.reply(XsType.WATCH_EVENT, 0, b"/z\0t\0")
        assert peer.client.dispatch(1.0) == 1 and got == ["/z"]  # events are read from fd 0
        peer.client.close()
        assert peer.client.fd == -1
        with pytest.raises(OSError):
            os.fstat(0)
        assert peer.client.dispatch() == 0
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def test_dispatch_polls_without_waiting_unless_asked(peer: Peer, monkeypatch) -> None:
    """select's timeout: the caller's for the first event only, then 0 (never block between
    events); the default is a poll."""
    timeouts: list[float] = []
    real = xs_mod.select.select

    def select(r, w, x, timeout):  # type: ignore[no-untyped-def]
        timeouts.append(timeout)
        return real(r, w, x, timeout)

    monkeypatch.setattr(xs_mod, "select", type("S", (), {"select": staticmethod(select)}))
    xs = peer.client
    peer.reply(XsType.WATCH, 1)
    xs.watch("/a", "t", lambda p, t: None)
    assert xs.dispatch() == 0 and timeouts == [0.0]
    timeouts.clear()
    for _ in range(2):
        peer.reply(XsType.WATCH_EVENT, 0, b"/a\0t\0")
    assert xs.dispatch(0.7) == 2
    assert timeouts[0] == 0.7 and set(timeouts[1:]) == {0.0} and len(timeouts) >= 3


def test_a_partial_event_read_with_a_reply_waits_for_its_rest(peer: Peer) -> None:
    """A reply read together with the first bytes of an event: dispatch does not block on the
    rest (it polls), and delivers the event once the rest arrives."""
    xs = peer.client
    peer.reply(XsType.WATCH, 1)
    got: list[str] = []
    xs.watch("/a", "t", lambda p, t: got.append(p))
    event = msg(XsType.WATCH_EVENT, 0, b"/a/0123456789abcd\0t\0")  # a 20-byte payload
    peer.sock.sendall(msg(XsType.READ, 2, b"v") + event[:24])
    assert xs.read("/r") == "v" and len(xs._buf) == 24
    assert xs.dispatch(0.05) == 0 and got == []
    peer.sock.sendall(event[24:])
    assert xs.dispatch(1.0) == 1 and got == ["/a/0123456789abcd"]


def test_a_reply_arriving_in_two_parts_is_read_whole(peer: Peer) -> None:
    reply = msg(XsType.READ, 1, b"0123456789abcdefghij")  # 20 bytes: 16 + 20, not 16 | 20
    peer.sock.sendall(reply[:20])
    later = threading.Timer(0.2, peer.sock.sendall, [reply[20:]])
    later.start()
    assert peer.client.read("/r") == "0123456789abcdefghij"
    later.join()


def test_path_by_keyword_and_fd_keyword_only() -> None:
    ours, theirs = socket.socketpair()
    xs = XsClient(path="kw", fd=theirs.detach(), domid=3)
    assert (xs.path, xs.domid) == ("kw", 3)
    with pytest.raises(TypeError):
        XsClient("kw", xs.fd)  # type: ignore[misc]
    xs.close()
    ours.close()


def test_dispatch_drops_a_stray_reply(peer: Peer) -> None:
    """Only WATCH_EVENT messages become events; a reply nobody waits for (lower type numbers)
    is dropped even if its payload looks like ``path\\0token\\0``."""
    xs = peer.client
    peer.reply(XsType.WATCH, 1)
    got: list[str] = []
    xs.watch("/x", "t", lambda p, t: got.append(p))
    peer.reply(XsType.DIRECTORY, 9, b"/x\0t\0")
    peer.reply(XsType.ERROR, 9, b"/x\0t\0")
    assert xs.dispatch(0.2) == 0 and got == [] and xs.pending_events() == 0


def test_unwatch_keeps_the_other_tokens_events(peer: Peer) -> None:
    xs = peer.client
    got: list[tuple[str, str]] = []
    for i, tok in enumerate(("a", "b", "c")):
        peer.reply(XsType.WATCH, i + 1)
        xs.watch(f"/{tok}", tok, lambda p, t: got.append((p, t)))
    for tok in ("c", "b", "a"):
        peer.reply(XsType.WATCH_EVENT, 0, f"/{tok}\0{tok}\0".encode())
    xs._drain(1.0)
    assert xs.pending_events() == 3
    peer.reply(XsType.UNWATCH, 4)
    xs.unwatch("/b", "b")
    assert xs.dispatch() == 2 and got == [("/c", "c"), ("/a", "a")]


def test_a_reply_of_another_type_is_still_the_reply(peer: Peer) -> None:
    """Any message with the request's id that is not ERROR answers it (xenstored replies with
    the request's own type; the client does not check it)."""
    peer.reply(XsType.RESUME, 1, b"odd")
    assert peer.client.read("/r") == "odd"


def test_stale_replies_with_lower_or_large_ids(peer: Peer) -> None:
    xs = peer.client
    xs._req_id = 4
    peer.reply(XsType.READ, 3, b"old")  # an older id: skipped too
    peer.reply(XsType.READ, 5, b"new")
    assert xs.read("/r") == "new"
    xs._req_id = 999  # ids past CPython's small-int cache still match by value
    peer.reply(XsType.READ, 1000, b"big")
    assert xs.read("/r") == "big"


def test_a_whole_empty_message_in_the_buffer_is_consumed_without_waiting(peer: Peer) -> None:
    xs = peer.client
    peer.sock.sendall(msg(XsType.READ, 1, b"v") + msg(XsType.WATCH_EVENT, 0, b""))
    assert xs.read("/r") == "v" and len(xs._buf) == 16  # an empty event: a header alone
    assert xs.dispatch(0.05) == 0 and xs._buf == bytearray()
