"""XenStore watches: fire once on registration, on the path and its children, deferred, filtered by
read permission, relative event paths, recursive removal, quotas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError, XenstoreQuota


@pytest.fixture
def xen() -> FakeXen:
    return FakeXen()


@pytest.fixture
def st(xen: FakeXen) -> XenStore:
    store = XenStore(xen)
    store.introduce_domain(1)
    store.introduce_domain(2)
    xen.drain()
    return store


def recorder() -> tuple[list[tuple[str, str]], Callable[[str, str], None]]:
    events: list[tuple[str, str]] = []
    return events, lambda path, token: events.append((path, token))


def test_fires_once_on_registration_then_on_path_and_children(xen: FakeXen, st: XenStore) -> None:
    c = st.client(0)
    c.mkdir("/w")
    events, cb = recorder()
    c.watch("/w", "tok", cb)
    assert events == []  # never synchronous
    xen.drain()
    assert events == [("/w", "tok")]
    c.write("/w", "1")
    c.write("/w/child/leaf", "2")
    c.write("/other", "3")  # not below /w
    c.write("/wx", "4")  # sibling sharing a prefix: not a child
    xen.drain()
    assert events == [("/w", "tok"), ("/w", "tok"), ("/w/child/leaf", "tok")]


def test_fires_on_registration_even_if_path_absent(xen: FakeXen, st: XenStore) -> None:
    events, cb = recorder()
    st.client(0).watch("/not/yet", "t", cb)
    xen.drain()
    assert events == [("/not/yet", "t")]
    st.client(0).write("/not/yet", "x")
    xen.drain()
    assert events[-1] == ("/not/yet", "t")


def test_recursive_removal_fires_watch_below_with_its_own_path(xen: FakeXen, st: XenStore) -> None:
    c = st.client(0)
    c.write("/r/a/b", "x")
    events, cb = recorder()
    c.watch("/r/a/b", "deep", cb)
    xen.drain()
    events.clear()
    c.rm("/r")
    xen.drain()
    assert events == [("/r/a/b", "deep")]


def test_relative_watch_gets_relative_paths(xen: FakeXen, st: XenStore) -> None:
    g = st.client(1)
    events, cb = recorder()
    g.watch("device", "dev", cb)
    st.client(0).write("/local/domain/1/device/vbd/51712/state", "1")
    xen.drain()
    assert events == [("device", "dev"), ("device/vbd/51712/state", "dev")]


def test_no_events_for_nodes_the_watcher_cannot_read(xen: FakeXen, st: XenStore) -> None:
    dom0 = st.client(0)
    dom0.mkdir("/local/domain/0/backend")
    events, cb = recorder()
    st.client(1).watch("/local/domain/0/backend", "b", cb)
    xen.drain()
    events.clear()
    dom0.write("/local/domain/0/backend/secret", "1")  # XSA-115: dom 1 may not read it
    xen.drain()
    assert events == []
    dom0.set_perms("/local/domain/0/backend/secret", [(0, "n"), (1, "r")])
    xen.drain()
    dom0.write("/local/domain/0/backend/secret", "2")
    xen.drain()
    assert events == [
        ("/local/domain/0/backend/secret", "b"),  # perms change is itself an event
        ("/local/domain/0/backend/secret", "b"),
    ]


def test_an_event_still_pending_is_not_queued_twice(xen: FakeXen, st: XenStore) -> None:
    """XSA-349: a node rewritten in a loop leaves one pending event per watch and path."""
    c, g = st.client(0), st.client(1)
    events, cb = recorder()
    c.watch("/local/domain/1/data", "t", cb)
    xen.drain()
    events.clear()
    for i in range(1000):
        g.write("data/state", str(i % 6))
    g.write("data/other", "x")
    (w,) = [w for w in st.watches._watches if w.token == "t"]
    assert st.watches.pending_events(0) == 2 and w.coalesced == 999
    xen.drain()
    assert events == [("/local/domain/1/data/state", "t"), ("/local/domain/1/data/other", "t")]
    g.write("data/state", "again")  # delivered: a new change queues a new event
    xen.drain()
    assert events[-1] == ("/local/domain/1/data/state", "t")


def test_unwatch_drops_undelivered_events(xen: FakeXen, st: XenStore) -> None:
    c = st.client(0)
    events, cb = recorder()
    c.watch("/u", "t", cb)
    c.write("/u/v", "1")  # the registration event (/u) and this one (/u/v) are pending
    assert st.watches.pending_events(0) == 2
    c.unwatch("/u", "t")
    xen.drain()
    assert events == []
    assert st.watches.pending_events(0) == 0
    with pytest.raises(XenstoreError) as exc:
        c.unwatch("/u", "t")
    assert exc.value.errno_name == "ENOENT"


def test_duplicate_watch_eexist_and_same_path_other_token_ok(xen: FakeXen, st: XenStore) -> None:
    c = st.client(1)
    c.watch("data", "a", lambda p, t: None)
    with pytest.raises(XenstoreError) as exc:
        c.watch("/local/domain/1/data", "a", lambda p, t: None)  # same absolute path
    assert exc.value.errno_name == "EEXIST"
    c.watch("data", "b", lambda p, t: None)
    assert st.watches.count(1) == 2


def test_watch_quota_e2big(xen: FakeXen) -> None:
    st = XenStore(xen, quota=XenstoreQuota(max_watches_per_domain=3))
    g = st.client(1)
    for i in range(3):
        g.watch(f"w{i}", "t", lambda p, t: None)
    with pytest.raises(XenstoreError) as exc:
        g.watch("w3", "t", lambda p, t: None)
    assert exc.value.errno_name == "E2BIG"
    for i in range(5):  # dom0 is not limited
        st.client(0).watch(f"/w{i}", "t", lambda p, t: None)


def test_oversize_token_e2big(st: XenStore) -> None:
    with pytest.raises(XenstoreError) as exc:
        st.client(1).watch("data", "t" * 4096, lambda p, t: None)
    assert exc.value.errno_name == "E2BIG"


def test_callback_may_write_without_recursion(xen: FakeXen, st: XenStore) -> None:
    c = st.client(0)
    seen: list[str] = []

    def cb(path: str, token: str) -> None:
        seen.append(path)
        if path == "/ping":
            c.write("/pong", "1")  # queued, not re-entered

    c.watch("/ping", "a", cb)
    c.watch("/pong", "b", cb)
    xen.drain()
    seen.clear()
    c.write("/ping", "1")
    xen.drain()
    assert seen == ["/ping", "/pong"]


def test_special_watches_only_reach_dom0(xen: FakeXen, st: XenStore) -> None:
    d0, cb0 = recorder()
    d1, cb1 = recorder()
    st.client(0).watch("@releaseDomain", "r", cb0)
    st.client(1).watch("@releaseDomain", "r", cb1)
    xen.drain()
    d0.clear()
    d1.clear()
    st.release_domain(2)
    xen.drain()
    assert d0 == [("@releaseDomain", "r")]
    assert d1 == []
    with pytest.raises(XenstoreError) as exc:
        st.client(0).watch("@bogus", "x", cb0)
    assert exc.value.errno_name == "EINVAL"


def test_release_domain_drops_its_watches(xen: FakeXen, st: XenStore) -> None:
    events, cb = recorder()
    st.client(2).watch("data", "t", cb)
    st.release_domain(2)
    xen.drain()
    assert events == []
    assert st.watches.count(2) == 0
