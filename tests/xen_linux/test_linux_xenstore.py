"""The xenstore wire-protocol client against a fake xenstored over a Unix socket."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
from fake_xenstored import FakeXenstored
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.abi.xs_wire import HEADER, XsType
from blkswap.xen.linux.xenstore import XsClient
from blkswap.xen.port import StoreError


@pytest.fixture
def served() -> Iterator[tuple[FakeXenstored, XsClient]]:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")  # AF_UNIX paths are limited to 108 bytes
    daemon = FakeXenstored(f"{d}/socket")
    client = XsClient(f"{d}/socket")
    yield daemon, client
    client.close()
    daemon.close()
    shutil.rmtree(d)


def test_header_is_four_little_endian_u32() -> None:
    assert HEADER.pack(type=XsType.READ, req_id=7, tx_id=3, len=9) == bytes.fromhex(
        "02000000070000000300000009000000"
    )
    assert HEADER.names == ("type", "req_id", "tx_id", "len")


def test_read_write_directory_rm(served) -> None:
    daemon, xs = served
    xs.write("/local/domain/5/device/vbd/51712/state", "1")
    xs.write("/local/domain/5/device/vbd/51712/ring-ref", 4242)
    xs.mkdir("/local/domain/5/device/vbd/51712/empty")
    assert xs.read("/local/domain/5/device/vbd/51712/state") == "1"
    assert xs.read_int("/local/domain/5/device/vbd/51712/ring-ref") == 4242
    assert xs.directory("/local/domain/5/device/vbd/51712") == ["state", "ring-ref", "empty"]
    assert xs.read("/local/domain/5/device/vbd/51712/empty") == ""
    assert daemon.store.dump("/local/domain/5")["/local/domain/5/device/vbd/51712/state"] == "1"
    xs.rm("/local/domain/5/device/vbd/51712")
    assert not xs.exists("/local/domain/5/device/vbd/51712/state")
    with pytest.raises(StoreError) as info:
        xs.read("/local/domain/5/device/vbd/51712/state")
    assert info.value.errno_name == "ENOENT"
    assert xs.read_int("/local/domain/5/nothing", default=17) == 17
    xs.write("/x", "not-a-number")
    assert xs.read_int("/x", default=3) == 3
    with pytest.raises(StoreError, match="EINVAL"):
        xs.read_int("/x")
    assert xs.ops["WRITE"] == 3 and xs.ops["READ"] == 8


def test_permissions_round_trip(served) -> None:
    daemon, xs = served
    xs.write("/local/domain/0/backend/vbd/5/51712/state", "1")
    xs.set_perms("/local/domain/0/backend/vbd/5/51712", [(0, "n"), (5, "r")])
    assert xs.get_perms("/local/domain/0/backend/vbd/5/51712") == [(0, "n"), (5, "r")]
    assert daemon.store.tree.nodes["/local/domain/0/backend/vbd/5/51712"].perms == (
        (0, "n"),
        (5, "r"),
    )
    with pytest.raises(StoreError, match="EINVAL"):
        xs.set_perms("/local/domain/0/backend", [(0, "q")])


@pytest.mark.parametrize("events_first", [False, True])
def test_watch_fires_once_when_set_then_per_change(served, events_first: bool) -> None:
    daemon, xs = served
    daemon.events_first = events_first  # events may come before or after the reply
    seen: list[tuple[str, str]] = []
    xs.write("/local/domain/5/device/vbd/1/state", "1")
    xs.watch("/local/domain/5/device/vbd/1/state", "fe-state", lambda p, t: seen.append((p, t)))
    # a reply with an event queued behind or ahead of it still answers the right request
    assert xs.read("/local/domain/5/device/vbd/1/state") == "1"
    assert xs.dispatch(timeout=2.0) == 1
    assert seen == [("/local/domain/5/device/vbd/1/state", "fe-state")]
    xs.write("/local/domain/5/device/vbd/1/state", "3")
    xs.dispatch(timeout=2.0)
    assert seen[1:] == [("/local/domain/5/device/vbd/1/state", "fe-state")]
    xs.unwatch("/local/domain/5/device/vbd/1/state", "fe-state")
    xs.write("/local/domain/5/device/vbd/1/state", "4")
    assert xs.dispatch(timeout=0.2) == 0
    assert len(seen) == 2


def test_unwatch_drops_events_already_queued(served) -> None:
    daemon, xs = served
    seen: list[str] = []
    xs.watch("/a", "t1", lambda p, t: seen.append(p))
    xs.write("/a/b", "1")  # queues (initial + change) events behind the replies
    xs.read("/a/b")
    xs.unwatch("/a", "t1")
    assert xs.dispatch(timeout=0.2) == 0 and seen == []


def test_partial_reads_reassemble_messages(served) -> None:
    daemon, xs = served
    daemon.split = True
    xs.write("/p", "x" * 3000)
    assert xs.read("/p") == "x" * 3000
    assert xs.directory("/") == ["p"] or "p" in xs.directory("/")


@pytest.mark.parametrize("conflicts", [0, 1, 3])
def test_transaction_retries_on_eagain(served, conflicts: int) -> None:
    daemon, xs = served
    daemon.eagain = conflicts
    attempts = xs.write_all("/local/domain/0/backend/vbd/5/1", {"state": "2", "sectors": "128"})
    assert attempts == conflicts + 1
    assert xs.read("/local/domain/0/backend/vbd/5/1/sectors") == "128"
    ends = [r for r in daemon.requests if r[0] == "TRANSACTION_END"]
    assert len(ends) == conflicts + 1 and all(tx > 0 for _, tx in ends)
    writes = [tx for name, tx in daemon.requests if name == "WRITE"]
    assert len(writes) == 2 * (conflicts + 1) and 0 not in writes  # every write inside a tx


def test_transaction_body_error_aborts(served) -> None:
    daemon, xs = served

    def body(tx) -> None:
        xs.write("/t/a", "1", tx=tx)
        raise RuntimeError("backend changed its mind")

    with pytest.raises(RuntimeError):
        xs.transact(body)
    assert not xs.exists("/t/a")
    assert daemon.store.open_transactions() == []


def test_oversized_request_is_refused_locally(served) -> None:
    _daemon, xs = served
    with pytest.raises(StoreError, match="E2BIG"):
        xs.write("/big", "y" * 5000)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=2000))
def test_values_round_trip_byte_exact(value: bytes) -> None:
    d = tempfile.mkdtemp(prefix="xs", dir="/tmp")
    daemon = FakeXenstored(f"{d}/socket")
    xs = XsClient(f"{d}/socket")
    try:
        xs.write("/v", value)
        assert xs.read_bytes("/v") == value
    finally:
        xs.close()
        daemon.close()
        shutil.rmtree(d)
