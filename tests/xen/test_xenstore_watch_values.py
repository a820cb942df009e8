"""Watch-table values at the edges (xenstore_watch.py mutation survivors): the payload limit of a
watch, watches of other domains and of neighbouring paths/tokens never mistaken for the one
named, per-domain counts, the special-watch words, non-recursive changes above a watch, and the
fired counter. Domids above 256 and strings built at run time: identity is not equality."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError
from blkswap.xen.xenstore_tree import Change
from blkswap.xen.xenstore_watch import Watch, WatchTable


def fresh(x):
    """An equal value that is another object (as parsed from a message)."""
    return int(str(x)) if isinstance(x, int) else "".join(list(x))


def recorder() -> tuple[list[tuple[str, str]], Callable[[str, str], None]]:
    events: list[tuple[str, str]] = []
    return events, lambda path, token: events.append((path, token))


def errno_of(call) -> str:
    with pytest.raises(XenstoreError) as info:
        call()
    return info.value.errno_name


def test_watch_path_plus_token_plus_two_nuls_fit_in_one_payload():
    wt = WatchTable(FakeXen(), 8)
    cb = recorder()[1]
    wt.add(1, "/w", False, "t" * 4092, cb)  # 2 + 4092 + 2 = 4096: fits
    assert errno_of(lambda: wt.add(1, "/w", False, "u" * 4093, cb)) == "E2BIG"
    long_path = "/" + "a" * 2047
    assert errno_of(lambda: wt.add(1, long_path, False, "v" * 2048, cb)) == "E2BIG"
    assert wt.count(1) == 1


def test_duplicates_are_per_domain_path_and_token():
    wt = WatchTable(FakeXen(), 8)
    cb = recorder()[1]
    wt.add(302, "/w", False, "t", cb)
    wt.add(301, "/w", False, "b", cb)
    wt.add(301, "/w", False, "t", cb)  # another domain's (path, token): fine
    wt.add(301, "/w", False, "a", cb)  # a token below an existing one: fine
    assert errno_of(lambda: wt.add(fresh(301), fresh("/w"), False, fresh("t"), cb)) == "EEXIST"
    assert [wt.count(fresh(d)) for d in (300, 301, 302, 303)] == [0, 3, 1, 0]


def test_the_quota_holds_above_256_watches():
    wt = WatchTable(FakeXen(), 300)
    cb = recorder()[1]
    for i in range(300):
        wt.add(5, f"/w{i}", False, "t", cb)
    assert errno_of(lambda: wt.add(5, "/w300", False, "t", cb)) == "E2BIG"
    for i in range(301):
        wt.add(0, f"/w{i}", False, "t", cb)  # dom0 has no quota
    assert wt.count(5) == 300 and wt.count(0) == 301


def test_remove_takes_exactly_the_named_watch():
    wt = WatchTable(FakeXen(), 16)
    cb = recorder()[1]
    rows = [(299, "/w", "t"), (301, "/w", "t"), (300, "/v", "t"), (300, "/x", "t"),
            (300, "/w", "s"), (300, "/w", "u"), (300, "/w", "t"), (300, "/y", "z")]  # fmt: skip
    watches = [wt.add(d, p, False, t, cb) for d, p, t in rows]
    wt.remove(fresh(300), fresh("/w"), fresh("t"))
    left = [(w.domid, w.path, w.token) for w in wt._watches]
    assert left == rows[:6] + rows[7:]
    assert watches[6].active is False and all(w.active for w in watches[:6] + watches[7:])
    assert errno_of(lambda: wt.remove(300, "/w", "t")) == "ENOENT"


def test_remove_domain_count_and_pending_are_per_domain():
    xen = FakeXen()
    wt = WatchTable(xen, 16)
    cb = recorder()[1]
    for d, n in ((299, 1), (300, 2), (301, 3)):
        for i in range(n):
            wt.add(d, f"/p{i}", False, "t", cb)
    assert [wt.count(fresh(d)) for d in (299, 300, 301)] == [1, 2, 3]
    assert [wt.pending_events(fresh(d)) for d in (299, 300, 301)] == [1, 2, 3]
    assert wt.remove_domain(fresh(300)) == 2
    assert [wt.count(d) for d in (299, 300, 301)] == [1, 0, 3]
    assert wt.pending_events(301) == 3 and wt.pending_events(300) == 0
    assert xen.drain() == 6  # the removed domain's events are dropped at delivery


def test_special_words_fire_only_their_own_watchers():
    xen = FakeXen()
    st = XenStore(xen)
    dom0 = st.client(0)
    intro, on_intro = recorder()
    release, on_release = recorder()
    dom0.watch("@introduceDomain", "i", on_intro)
    dom0.watch("@releaseDomain", "r", on_release)
    xen.drain()
    del intro[:], release[:]
    st.introduce_domain(7)
    xen.drain()
    assert intro == [("@introduceDomain", "i")] and release == []
    st.release_domain(7)
    xen.drain()
    assert intro == [("@introduceDomain", "i")] and release == [("@releaseDomain", "r")]


def test_a_special_watch_does_not_hide_the_ones_after_it():
    xen = FakeXen()
    st = XenStore(xen)
    dom0 = st.client(0)
    events, cb = recorder()
    dom0.watch("@releaseDomain", "r", recorder()[1])
    dom0.watch("/w", "t", cb)
    xen.drain()
    dom0.write("/w/x", "1")
    xen.drain()
    assert events == [("/w", "t"), ("/w/x", "t")]


def test_a_plain_write_above_a_watch_does_not_fire_it():
    xen = FakeXen()
    st = XenStore(xen)
    dom0 = st.client(0)
    dom0.write("/a/b/c", "1")
    events, cb = recorder()
    dom0.watch("/a/b/c", "t", cb)
    xen.drain()
    dom0.write("/a", "2")  # not a removal: only watches at or above /a fire
    xen.drain()
    assert events == [("/a/b/c", "t")]
    dom0.rm("/a")  # a recursive removal fires the watch below with its own path
    xen.drain()
    assert events == [("/a/b/c", "t"), ("/a/b/c", "t")]


def test_fired_counts_deliveries_and_watches_hash_by_identity():
    xen = FakeXen()
    wt = WatchTable(xen, 8)
    cb = recorder()[1]
    w = wt.add(1, "/w", False, "t", cb)
    assert (w.fired, w.pending) == (0, 1)
    xen.drain()
    assert (w.fired, w.pending) == (1, 0)
    wt.fire(Change("/w/x", ((1, "n"),)))
    wt.fire(Change("/w/y", ((1, "n"),)))
    xen.drain()
    assert w.fired == 3
    twin = Watch(1, "/w", "t", cb, False)
    assert twin.fired == 0 and len({w, twin, Watch(1, "/w", "t", cb, False)}) == 3
