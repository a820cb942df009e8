"""XenStore node tree and the operations on it, for the live store and for transactions.

Lives here: :class:`Node` (immutable), :class:`Tree` (the committed store), :class:`TxView` (a
transaction's private overlay with the access log used for conflict detection), :class:`Change`
(what a watch event is made of) and the operation functions :func:`read_node`, :func:`write`,
:func:`mkdir`, :func:`rm`, :func:`set_perms`. Operations take a *view* (``Tree`` or ``TxView``),
so the same code serves plain requests and requests inside a transaction.

Transactions follow xenstored since Xen 4.9 (XG ``tools/xenstored/transaction.c``): every node a
transaction reads or writes is recorded with the generation it had; commit fails with EAGAIN if any
of them has a different generation (or appeared/vanished) in the committed store. Creating or
removing a child rewrites the parent's child list, so it counts as a write of the parent.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, replace
from typing import Protocol

from blkswap.xen.xenstore_paths import (
    PRIVILEGED_DOMID,
    Perms,
    XenstoreError,
    XenstoreQuota,
    can_access,
    parent_of,
)

__all__ = ["Change", "Node", "Tree", "TxView", "View", "mkdir", "read_node", "rm", "set_perms"]
__all__ += ["write"]

ROOT_PERMS: Perms = ((PRIVILEGED_DOMID, "n"),)  # xenstored setup_structure: "/" owned by dom0


@dataclass(frozen=True)
class Node:
    """One node: value bytes, access list, child leaf names (creation order), generation."""

    value: bytes
    perms: Perms
    children: tuple[str, ...] = ()
    generation: int = 0


@dataclass(frozen=True)
class Change:
    """A modification a watch may fire for. ``recursive``: a removal (watches below fire too)."""

    path: str
    perms: Perms
    recursive: bool = False


class View(Protocol):
    def get(self, path: str) -> Node | None: ...
    def put(self, path: str, node: Node | None) -> None: ...
    def owned(self, domid: int) -> int: ...


class Tree:
    """The committed store. ``put`` stamps a fresh generation and keeps per-owner node counts."""

    def __init__(self) -> None:
        self._gen = itertools.count(1)
        self.nodes: dict[str, Node] = {"/": Node(b"", ROOT_PERMS)}
        self._owned: Counter[int] = Counter({PRIVILEGED_DOMID: 1})

    def get(self, path: str) -> Node | None:
        return self.nodes.get(path)

    def put(self, path: str, node: Node | None) -> None:
        old = self.nodes.get(path)
        if old is not None:
            self._owned[old.perms[0][0]] -= 1
        if node is None:
            self.nodes.pop(path, None)
            return
        self.nodes[path] = replace(node, generation=next(self._gen))
        self._owned[node.perms[0][0]] += 1

    def owned(self, domid: int) -> int:
        return self._owned[domid]


class TxView:
    """A transaction's overlay over :class:`Tree`, logging the generation of every node touched.

    ``limit`` (None for dom0) is the xenstored ``transaction-nodes`` quota → ENOSPC.
    """

    def __init__(self, tree: Tree, limit: int | None) -> None:
        self.tree = tree
        self.limit = limit
        self.accessed: dict[str, int | None] = {}
        self.overlay: dict[str, Node | None] = {}
        self._owned_delta: Counter[int] = Counter()

    def _note(self, path: str) -> None:
        if path in self.accessed:
            return
        if self.limit is not None and len(self.accessed) >= self.limit:
            raise XenstoreError("ENOSPC", path, f"transaction touches over {self.limit} nodes")
        live = self.tree.get(path)
        self.accessed[path] = None if live is None else live.generation

    def get(self, path: str) -> Node | None:
        if path in self.overlay:
            return self.overlay[path]
        self._note(path)
        return self.tree.get(path)

    def put(self, path: str, node: Node | None) -> None:
        old = self.get(path)
        if old is not None:
            self._owned_delta[old.perms[0][0]] -= 1
        if node is not None:
            self._owned_delta[node.perms[0][0]] += 1
        self.overlay[path] = node

    def owned(self, domid: int) -> int:
        return self.tree.owned(domid) + self._owned_delta[domid]

    def conflicts(self) -> list[str]:
        """Paths whose committed generation differs from the one this transaction saw."""
        out = []
        for path, gen in self.accessed.items():
            live = self.tree.get(path)
            if (None if live is None else live.generation) != gen:
                out.append(path)
        return out

    def apply(self) -> None:
        """Write the overlay into the tree (parents before children, removals last-first)."""
        for path in sorted(self.overlay, key=lambda p: (p.count("/"), p)):
            node = self.overlay[path]
            if node is not None:
                self.tree.put(path, node)
        for path in sorted(self.overlay, key=lambda p: -p.count("/")):
            if self.overlay[path] is None:
                self.tree.put(path, None)


# -- operations ------------------------------------------------------------------------------


def _leaf(path: str) -> str:
    return path.rsplit("/", 1)[1]


def _missing(view: View, domid: int, path: str) -> XenstoreError:
    """xenstored ``errno_from_parents``: EACCES if the nearest existing ancestor is unreadable."""
    p = path
    while p != "/":
        p = parent_of(p)
        anc = view.get(p)
        if anc is not None:
            if not can_access(domid, anc.perms, "r"):
                return XenstoreError("EACCES", path, "an ancestor is not readable")
            break
    return XenstoreError("ENOENT", path)


def read_node(view: View, domid: int, path: str, want: str = "r") -> Node:
    """The node at ``path`` if it exists and ``domid`` has ``want`` access; else the error."""
    node = view.get(path)
    if node is None:
        raise _missing(view, domid, path)
    if not can_access(domid, node.perms, want):
        raise XenstoreError("EACCES", path, f"domain {domid} lacks {want!r} permission")
    return node


def _create(view: View, domid: int, path: str, value: bytes, quota: XenstoreQuota) -> Perms:
    """Create ``path`` and its missing parents (xenstored ``construct_node``); returns its perms."""
    chain = []
    p = path
    while (anc := view.get(p)) is None:
        chain.append(p)
        p = parent_of(p)
    if not can_access(domid, anc.perms, "w"):
        raise XenstoreError("EACCES", path, f"domain {domid} may not write parent {p!r}")
    if domid != PRIVILEGED_DOMID and view.owned(domid) + len(chain) > quota.max_nodes_per_domain:
        raise XenstoreError(
            "ENOSPC", path, f"domain {domid} would own over {quota.max_nodes_per_domain} nodes"
        )
    view.put(p, replace(anc, children=anc.children + (_leaf(chain[-1]),)))
    perms = anc.perms
    for i in range(len(chain) - 1, -1, -1):
        # "Inherit permissions, except unprivileged domains own what they create" (xenstored).
        if domid != PRIVILEGED_DOMID:
            perms = ((domid, perms[0][1]),) + perms[1:]
        children = (_leaf(chain[i - 1]),) if i > 0 else ()
        view.put(chain[i], Node(value if i == 0 else b"", perms, children))
    return perms


def write(view: View, domid: int, path: str, value: bytes, quota: XenstoreQuota) -> list[Change]:
    """WRITE: set the value, creating the node and any missing parents with empty values."""
    node = view.get(path)
    if node is None:
        return [Change(path, _create(view, domid, path, value, quota))]
    if not can_access(domid, node.perms, "w"):
        raise XenstoreError("EACCES", path, f"domain {domid} lacks 'w' permission")
    view.put(path, replace(node, value=value))
    return [Change(path, node.perms)]


def mkdir(view: View, domid: int, path: str, quota: XenstoreQuota) -> list[Change]:
    """MKDIR: make sure ``path`` exists; an existing node is left unchanged (needs 'w')."""
    node = view.get(path)
    if node is not None:
        if not can_access(domid, node.perms, "w"):
            raise XenstoreError("EACCES", path, f"domain {domid} lacks 'w' permission")
        return []
    return [Change(path, _create(view, domid, path, b"", quota))]


def rm(view: View, domid: int, path: str) -> list[Change]:
    """RM: remove ``path`` and all its children; absent with an existing parent is not an error."""
    if path == "/":
        raise XenstoreError("EINVAL", path, "the root cannot be removed")
    node = view.get(path)
    if node is None:
        err = _missing(view, domid, path)
        if err.errno_name == "ENOENT" and view.get(parent_of(path)) is not None:
            return []
        raise err
    if not can_access(domid, node.perms, "w"):
        raise XenstoreError("EACCES", path, f"domain {domid} lacks 'w' permission")
    doomed = [path]
    for p in doomed:  # breadth-first over the subtree (list grows while iterating)
        child_node = view.get(p)
        if child_node is not None:
            doomed.extend(f"{p}/{c}" for c in child_node.children)
    parent = parent_of(path)
    pnode = view.get(parent)
    if pnode is None:  # internal invariant: every node's parent exists
        raise RuntimeError(f"xenstore tree corrupt: {path!r} has no parent node")
    view.put(parent, replace(pnode, children=tuple(c for c in pnode.children if c != _leaf(path))))
    for p in reversed(doomed):
        view.put(p, None)
    return [Change(path, node.perms, recursive=True)]


def set_perms(
    view: View, domid: int, path: str, perms: Perms, quota: XenstoreQuota
) -> list[Change]:
    """SET_PERMS: only the owner or dom0; unprivileged domains may not give the node away."""
    node = read_node(view, domid, path, want="w")
    owner = node.perms[0][0]
    if domid != PRIVILEGED_DOMID:
        if domid != owner:
            raise XenstoreError("EACCES", path, f"domain {domid} is not the owner ({owner})")
        if len(perms) > quota.max_perms_per_node:
            raise XenstoreError("ENOSPC", path, f"over {quota.max_perms_per_node} perm entries")
        if perms[0][0] != owner:  # xenstored do_set_perms (XSA-322 era): EPERM
            raise XenstoreError("EPERM", path, "an unprivileged domain may not change the owner")
    view.put(path, replace(node, perms=perms))
    return [Change(path, perms)]
