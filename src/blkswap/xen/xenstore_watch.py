"""XenStore watches: registration, matching a change against watches, deferred delivery.

Lives here: :class:`Watch` and :class:`WatchTable`. Rules (``docs/misc/xenstore.txt`` WATCH /
WATCH_EVENT; xenstored ``watch.c``):

* a change of ``path`` fires every watch whose path is a parent of (or equal to) ``path``; a
  *recursive removal* also fires watches set below the removed node, with the watch's own path;
* a watch fires once straight away when registered, with the path it was registered with;
* a watch registered with a relative path gets relative event paths;
* a domain is only told about nodes it may read (XSA-115; checked against the node's access list
  at the time of the change — for a removal, the list it had before removal);
* ``@introduceDomain`` / ``@releaseDomain`` are special words; their events go to dom0 watchers
  only (XSA-115 "allow special watches for privileged callers only"; the lab does not model
  SET_PERMS on special nodes);
* duplicate (path, token) per domain → EEXIST; over the watch quota → E2BIG.

Events are handed to ``xen.deliver`` (never run synchronously) and dropped at delivery time if the
watch was removed meanwhile (as Linux xenbus does for unregistered watches). An event identical to
one still pending for the same watch (same event path) is not queued again: a watcher reads the
node when the event arrives, so the second copy carries nothing new, and a guest rewriting a node
in a loop cannot grow another domain's queue without bound (XSA-349: Linux "xenbus/xenbus_backend:
Disallow pending watch messages" drops them for the backend's watch on the frontend; xenstored
keeps unread events bounded, XSA-326). ``pending_events(domid)`` exposes the queue length per
domain and ``Watch.coalesced`` the events dropped so (reliability C8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blkswap.xen.xenstore_paths import (
    PAYLOAD_MAX,
    PRIVILEGED_DOMID,
    XenstoreError,
    can_access,
    domain_home,
    is_child,
)
from blkswap.xen.xenstore_tree import Change

__all__ = ["SPECIAL_WATCHES", "Watch", "WatchTable"]

SPECIAL_WATCHES = ("@introduceDomain", "@releaseDomain")

WatchCallback = Callable[[str, str], None]


@dataclass(eq=False)
class Watch:
    """One registered watch. ``path`` is absolute (or an ``@`` word); ``relative`` as registered."""

    domid: int
    path: str
    token: str
    callback: WatchCallback
    relative: bool
    active: bool = True
    pending: int = field(default=0)
    fired: int = field(default=0)
    coalesced: int = field(default=0)  #: events not queued: the same one was still pending
    pending_paths: set[str] = field(default_factory=set)

    def event_path(self, abs_path: str) -> str:
        if self.relative:
            home = domain_home(self.domid) + "/"
            if abs_path.startswith(home):
                return abs_path[len(home) :]
        return abs_path


class WatchTable:
    """All watches of one store, in registration order (delivery order is deterministic)."""

    def __init__(self, xen: Any, max_per_domain: int) -> None:
        self.xen = xen
        self.max_per_domain = max_per_domain
        self._watches: list[Watch] = []

    def add(
        self, domid: int, abs_path: str, relative: bool, token: str, callback: WatchCallback
    ) -> Watch:
        if not isinstance(token, str):
            raise XenstoreError("EINVAL", abs_path, f"watch token {token!r} is not a str")
        if not callable(callback):
            raise XenstoreError("EINVAL", abs_path, "watch callback is not callable")
        if len(abs_path) + len(token) + 2 > PAYLOAD_MAX:
            raise XenstoreError("E2BIG", abs_path, f"watch path + token over {PAYLOAD_MAX} B")
        mine = [w for w in self._watches if w.domid == domid]
        if any(w.path == abs_path and w.token == token for w in mine):
            raise XenstoreError("EEXIST", abs_path, f"domain {domid} already has token {token!r}")
        if domid != PRIVILEGED_DOMID and len(mine) >= self.max_per_domain:
            raise XenstoreError("E2BIG", abs_path, f"domain {domid} has {len(mine)} watches")
        watch = Watch(domid, abs_path, token, callback, relative)
        self._watches.append(watch)
        # xenstored do_watch: "We fire once up front: simplifies clients and restart."
        self._queue(watch, abs_path)
        return watch

    def remove(self, domid: int, abs_path: str, token: str) -> None:
        for w in self._watches:
            if w.domid == domid and w.path == abs_path and w.token == token:
                w.active = False
                self._watches.remove(w)
                return
        raise XenstoreError("ENOENT", abs_path, f"domain {domid} has no watch with token {token!r}")

    def remove_domain(self, domid: int) -> int:
        mine = [w for w in self._watches if w.domid == domid]
        for w in mine:
            w.active = False
            self._watches.remove(w)
        return len(mine)

    def count(self, domid: int) -> int:
        return sum(1 for w in self._watches if w.domid == domid)

    def pending_events(self, domid: int) -> int:
        return sum(w.pending for w in self._watches if w.domid == domid)

    def fire(self, change: Change) -> None:
        """Queue events for every watch ``change`` concerns and its domain may read."""
        for w in list(self._watches):
            if w.path.startswith("@"):
                continue
            if is_child(change.path, w.path):
                epath = change.path
            elif change.recursive and is_child(w.path, change.path):
                epath = w.path  # xenstore.txt: recursive removal of a parent → <wpath>
            else:
                continue
            if can_access(w.domid, change.perms, "r"):
                self._queue(w, epath)

    def fire_special(self, name: str) -> None:
        for w in list(self._watches):
            if w.path == name and w.domid == PRIVILEGED_DOMID:
                self._queue(w, name)

    def _queue(self, watch: Watch, abs_path: str) -> None:
        epath = watch.event_path(abs_path)
        if epath in watch.pending_paths:
            watch.coalesced += 1
            return
        watch.pending += 1
        watch.pending_paths.add(epath)
        self.xen.deliver(lambda: self._deliver(watch, epath))

    @staticmethod
    def _deliver(watch: Watch, epath: str) -> None:
        watch.pending -= 1
        watch.pending_paths.discard(epath)
        if watch.active:
            watch.fired += 1
            watch.callback(epath, watch.token)
