"""The emulated xenstored: :class:`XenStore`, per-domain :class:`XenstoreClient`, :class:`Transaction`.

One store per :class:`blkswap.xen.Xen` (``self.store = XenStore(self)``). Each domain talks to it
through ``store.client(domid)``, which stands for the domain's xenbus connection. Semantics are
those of ``docs/misc/xenstore.txt`` and xenstored (XG ``tools/xenstored``): see
:mod:`~blkswap.xen.xenstore_paths` (paths, permissions, quotas), :mod:`~blkswap.xen.xenstore_tree`
(nodes, operations, transactions) and :mod:`~blkswap.xen.xenstore_watch` (watches).

From ``xen`` only ``xen.deliver`` is used (watch events are always deferred). Values are stored as
bytes; ``read`` returns ``str`` (UTF-8, undecodable bytes kept via ``surrogateescape``).

Lab simplifications (declared): requests are served instantly (no ring, no request quota, no
20-outstanding-request limit); a domain's connection is implicit (no INTRODUCE handshake, no
domid reuse generation checks — reliability C2 is the toolstack's job via ``release_domain``);
SET_TARGET and DIRECTORY_PART are not modelled. Request counts per type are kept in ``ops``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from blkswap.xen import port
from blkswap.xen.xenstore_paths import (
    PAYLOAD_MAX,
    PRIVILEGED_DOMID,
    XenstoreError,
    XenstoreQuota,
    domain_home,
    normalise_perms,
    parent_of,
    resolve_path,
)
from blkswap.xen.xenstore_tree import Change, Tree, TxView, View, mkdir, read_node, rm, set_perms
from blkswap.xen.xenstore_tree import write as tree_write
from blkswap.xen.xenstore_watch import SPECIAL_WATCHES, Watch, WatchTable

__all__ = ["Transaction", "XenStore", "XenstoreClient", "XenstoreError", "XenstoreQuota"]


class Transaction:
    """An open transaction of one domain: a private overlay plus the changes to announce.

    States: open → committed | aborted | failed (EAGAIN). Only open transactions may be used.
    """

    def __init__(self, tx_id: int, domid: int, view: TxView) -> None:
        self.id = tx_id
        self.domid = domid
        self.view = view
        self.changes: list[Change] = []
        self.state = "open"

    def __repr__(self) -> str:
        return f"Transaction(id={self.id}, domid={self.domid}, state={self.state})"


class XenStore:
    """The whole store: node tree, watches, open transactions, quotas, per-domain clients."""

    def __init__(self, xen: Any, *, quota: XenstoreQuota | None = None) -> None:
        self.xen = xen
        self.quota = quota or XenstoreQuota()
        self.tree = Tree()
        self.watches = WatchTable(xen, self.quota.max_watches_per_domain)
        self._tx_ids = itertools.count(1)
        self._open_tx: dict[int, Transaction] = {}
        self._clients: dict[int, XenstoreClient] = {}
        self.ops: Counter[str] = Counter()
        """Requests served, by xenstore message type (``"READ"``, ``"WRITE"``, …)."""

    def client(self, domid: int) -> XenstoreClient:
        """The (single) connection of ``domid``."""
        if not isinstance(domid, int) or not 0 <= domid <= 0x7FEF:
            raise XenstoreError("EINVAL", f"domid {domid!r}", "not a real domain id")
        if domid not in self._clients:
            self._clients[domid] = XenstoreClient(self, domid)
        return self._clients[domid]

    # -- toolstack helpers ------------------------------------------------------------------
    def introduce_domain(self, domid: int) -> str:
        """Create ``/local/domain/<domid>`` as libxl does and fire ``@introduceDomain``.

        libxl ``libxl__domain_make``: the home dir is dom0-owned and readable by the domain
        (``roperm``); ``device``, ``data`` and ``control`` below it are owned by the domain
        (``rwperm``). Returns the home path.
        """
        dom0 = self.client(PRIVILEGED_DOMID)
        home = domain_home(domid)
        dom0.mkdir(home)
        dom0.set_perms(home, [(PRIVILEGED_DOMID, "n"), (domid, "r")])
        for sub in ("device", "data", "control"):
            dom0.mkdir(f"{home}/{sub}")
            dom0.set_perms(f"{home}/{sub}", [(domid, "n")])
        self.watches.fire_special("@introduceDomain")
        return home

    def release_domain(self, domid: int, *, remove_home: bool = True) -> None:
        """Domain death: drop its watches and transactions, remove its home, fire @releaseDomain."""
        self.watches.remove_domain(domid)
        for tx in [t for t in self._open_tx.values() if t.domid == domid]:
            tx.state = "aborted"
            del self._open_tx[tx.id]
        self._clients.pop(domid, None)
        if remove_home and self.tree.get(domain_home(domid)) is not None:
            self.client(PRIVILEGED_DOMID).rm(domain_home(domid))
        self.watches.fire_special("@releaseDomain")

    def domain_destroyed(self, domid: int) -> None:
        """Hook called by the hypervisor's domain teardown: :meth:`release_domain`."""
        self.release_domain(domid)

    # -- inspection -------------------------------------------------------------------------
    def dump(self, prefix: str = "/") -> dict[str, str]:
        """``{path: value}`` of every committed node at or below ``prefix`` (sorted by path)."""
        out, prefix = {}, prefix.rstrip("/") or "/"  # "/a/" names the node "/a"
        for path in sorted(self.tree.nodes):
            if path == prefix or prefix == "/" or path.startswith(prefix.rstrip("/") + "/"):
                out[path] = self.tree.nodes[path].value.decode("utf-8", "surrogateescape")
        return out

    def open_transactions(self, domid: int | None = None) -> list[Transaction]:
        return [t for t in self._open_tx.values() if domid is None or t.domid == domid]

    def audit(self) -> list[str]:
        """Consistency walk (reliability C7): parent links, child lists, owner counts."""
        problems = []
        nodes = self.tree.nodes
        owners: Counter[int] = Counter()
        for path, node in nodes.items():
            owners[node.perms[0][0]] += 1
            if path != "/":
                parent = nodes.get(parent_of(path))
                leaf = path.rsplit("/", 1)[1]
                if parent is None or leaf not in parent.children:
                    problems.append(f"node {path!r} is not listed by its parent")
            for child in node.children:
                full = f"{path.rstrip('/')}/{child}"
                if full not in nodes:
                    problems.append(f"node {path!r} lists missing child {child!r}")
        for domid, n in owners.items():
            if self.tree.owned(domid) != n:
                problems.append(f"domain {domid} owner count {self.tree.owned(domid)} != {n}")
        return problems

    # -- plumbing used by clients -----------------------------------------------------------
    def _view(self, domid: int, tx: Transaction | None) -> View:
        if tx is None:
            return self.tree
        if not isinstance(tx, Transaction) or self._open_tx.get(tx.id) is not tx:
            raise XenstoreError("ENOENT", f"transaction {getattr(tx, 'id', tx)!r}", "not open")
        if tx.domid != domid:
            raise XenstoreError("ENOENT", f"transaction {tx.id}", f"not owned by domain {domid}")
        return tx.view

    def _announce(self, changes: list[Change], tx: Transaction | None) -> None:
        if tx is not None:  # "Changes made in transactions cause an event only if … committed"
            tx.changes.extend(changes)
            return
        for change in changes:
            self.watches.fire(change)

    def _start(self, domid: int) -> Transaction:
        if domid != PRIVILEGED_DOMID:
            n = len(self.open_transactions(domid))
            if n >= self.quota.max_transactions_per_domain:
                raise XenstoreError("ENOSPC", "TRANSACTION_START", f"domain {domid} has {n} open")
        limit = None if domid == PRIVILEGED_DOMID else self.quota.max_nodes_per_transaction
        tx = Transaction(next(self._tx_ids), domid, TxView(self.tree, limit))
        self._open_tx[tx.id] = tx
        return tx

    def _end(self, domid: int, tx: Transaction, commit: bool) -> None:
        self._view(domid, tx)  # validates ownership / openness
        del self._open_tx[tx.id]
        if not commit:
            tx.state = "aborted"
            return
        conflicts = tx.view.conflicts()
        if conflicts:
            tx.state = "failed"
            raise XenstoreError(
                "EAGAIN", conflicts[0], f"changed since read by transaction {tx.id}"
            )
        tx.view.apply()
        tx.state = "committed"
        self._announce(tx.changes, None)


def _as_bytes(path: str, value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()  # xenbus_printf("%d") convenience
    raise XenstoreError("EINVAL", path, f"value of type {type(value).__name__} is not str/bytes")


class XenstoreClient:
    """One domain's xenbus connection. Every method accepts ``tx=None | Transaction``."""

    def __init__(self, store: XenStore, domid: int) -> None:
        self.store = store
        self.domid = domid

    def _path(self, path: str) -> str:
        return resolve_path(self.domid, path)[0]

    def _count(self, op: str) -> None:
        self.store.ops[op] += 1

    # -- reads ------------------------------------------------------------------------------
    def read_bytes(self, path: str, tx: Transaction | None = None) -> bytes:
        self._count("READ")
        full = self._path(path)
        return read_node(self.store._view(self.domid, tx), self.domid, full).value

    def read(self, path: str, tx: Transaction | None = None) -> str:
        """READ: the value at ``path`` (ENOENT if absent, EACCES if not readable)."""
        return self.read_bytes(path, tx).decode("utf-8", "surrogateescape")

    def read_int(self, path: str, default: int | None = None, tx: Transaction | None = None) -> int:
        """Read a decimal integer (:func:`blkswap.xen.port.read_int`: Linux
        ``xenbus_read_unsigned`` with a default)."""
        return port.read_int(self, path, default, tx, error=XenstoreError)

    def gather(self, *paths: str, tx: Transaction | None = None) -> list[str]:
        """Read several nodes (Linux ``xenbus_gather``); the first failure raises."""
        return [self.read(p, tx) for p in paths]

    def directory(self, path: str, tx: Transaction | None = None) -> list[str]:
        """DIRECTORY: child leaf names in creation order (E2BIG if the reply exceeds 4096 B)."""
        self._count("DIRECTORY")
        full = self._path(path)
        children = list(read_node(self.store._view(self.domid, tx), self.domid, full).children)
        if sum(len(c) + 1 for c in children) > PAYLOAD_MAX:  # XSA-72: reply too big → E2BIG
            raise XenstoreError("E2BIG", full, f"{len(children)} children exceed {PAYLOAD_MAX} B")
        return children

    def exists(self, path: str, tx: Transaction | None = None) -> bool:
        """True if the node exists and is readable (Linux ``xenbus_exists``)."""
        self._count("DIRECTORY")
        full = self._path(path)
        try:
            read_node(self.store._view(self.domid, tx), self.domid, full)
        except XenstoreError as exc:
            if exc.errno_name in ("ENOENT", "EACCES"):
                return False
            raise
        return True

    def get_perms(self, path: str, tx: Transaction | None = None) -> list[tuple[int, str]]:
        """GET_PERMS: the access list, owner entry first (needs read access)."""
        self._count("GET_PERMS")
        full = self._path(path)
        return list(read_node(self.store._view(self.domid, tx), self.domid, full).perms)

    # -- writes -----------------------------------------------------------------------------
    def write(self, path: str, value: str | bytes | int, tx: Transaction | None = None) -> None:
        """WRITE: set ``value``, creating missing parents (they inherit the parent's perms)."""
        self._count("WRITE")
        full = self._path(path)
        data = _as_bytes(full, value)
        if self.domid != PRIVILEGED_DOMID and len(data) > self.store.quota.max_value_size:
            raise XenstoreError(
                "E2BIG", full, f"value of {len(data)} B over {self.store.quota.max_value_size} B"
            )
        if len(full) + 1 + len(data) > PAYLOAD_MAX:
            raise XenstoreError("E2BIG", full, f"request over {PAYLOAD_MAX} B payload")
        view = self.store._view(self.domid, tx)
        self.store._announce(tree_write(view, self.domid, full, data, self.store.quota), tx)

    def mkdir(self, path: str, tx: Transaction | None = None) -> None:
        """MKDIR: ensure ``path`` exists (existing values are left alone)."""
        self._count("MKDIR")
        full = self._path(path)
        view = self.store._view(self.domid, tx)
        self.store._announce(mkdir(view, self.domid, full, self.store.quota), tx)

    def rm(self, path: str, tx: Transaction | None = None) -> None:
        """RM: remove ``path`` and everything below it."""
        self._count("RM")
        full = self._path(path)
        self.store._announce(rm(self.store._view(self.domid, tx), self.domid, full), tx)

    def set_perms(
        self, path: str, perms: Iterable[Sequence[object]], tx: Transaction | None = None
    ) -> None:
        """SET_PERMS: replace the access list (owner or dom0 only)."""
        self._count("SET_PERMS")
        full = self._path(path)
        checked = normalise_perms(perms, full)
        view = self.store._view(self.domid, tx)
        self.store._announce(set_perms(view, self.domid, full, checked, self.store.quota), tx)

    # -- watches ----------------------------------------------------------------------------
    def watch(self, path: str, token: str, callback: Callable[[str, str], None]) -> Watch:
        """WATCH: ``callback(event_path, token)`` on changes at/below ``path``; fires once now."""
        self._count("WATCH")
        full, relative = resolve_path(self.domid, path, allow_special=True)
        if full.startswith("@") and full not in SPECIAL_WATCHES:
            raise XenstoreError("EINVAL", full, f"special watches are {', '.join(SPECIAL_WATCHES)}")
        return self.store.watches.add(self.domid, full, relative, token, callback)

    def unwatch(self, path: str, token: str) -> None:
        """UNWATCH: remove the watch; events not yet delivered are dropped."""
        self._count("UNWATCH")
        full, _ = resolve_path(self.domid, path, allow_special=True)
        self.store.watches.remove(self.domid, full, token)

    # -- transactions -----------------------------------------------------------------------
    def transaction_start(self) -> Transaction:
        """TRANSACTION_START (ENOSPC over the per-domain transaction quota)."""
        self._count("TRANSACTION_START")
        return self.store._start(self.domid)

    def transaction_end(self, tx: Transaction, commit: bool = True) -> None:
        """TRANSACTION_END: commit (EAGAIN on conflict, nothing applied) or abort."""
        self._count("TRANSACTION_END")
        self.store._end(self.domid, tx, commit)

    def write_all(self, base: str, keys: dict[str, str]) -> int:
        """Write ``base/key = value`` for every key in ONE transaction, retried on EAGAIN as
        every xenbus driver does (:func:`blkswap.xen.port.write_all`); the attempts it took."""
        return port.write_all(self, base, keys)

    def __repr__(self) -> str:
        return f"XenstoreClient(domid={self.domid})"
