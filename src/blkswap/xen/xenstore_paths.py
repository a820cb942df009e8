"""XenStore vocabulary: errors, quotas, path validation and the permission model.

Lives here: :class:`XenstoreError`, :class:`XenstoreQuota`, :func:`resolve_path`,
:func:`is_child`, :func:`normalise_perms`, :func:`can_access`. Pure functions, no state.

Semantics follow ``docs/misc/xenstore.txt`` (XG): absolute paths start with ``/``; relative paths
are taken relative to ``/local/domain/<domid>``; allowed characters are ASCII alphanumerics and
``-/_@``; doubled and trailing slashes (except the root) and the empty path are forbidden; absolute
paths are limited to 3072 bytes, relative ones to 2048 (xs_wire.h XENSTORE_*_PATH_MAX). Watch paths
may instead be special ``@<name>`` words (``@introduceDomain``, ``@releaseDomain``).

Permissions (xenstore.txt GET_PERMS/SET_PERMS; xenstored ``perm_for_conn``): a node carries a list
of (domid, perm) with perm in ``r`` read, ``w`` write, ``b`` both, ``n`` none. The first entry names
the owner and the default access for every domain not listed later. The owner and the privileged
domain (dom0) always have full access.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from blkswap.xen.port import StoreError

__all__ = [
    "ABS_PATH_MAX",
    "PAYLOAD_MAX",
    "REL_PATH_MAX",
    "Perms",
    "XenstoreError",
    "XenstoreQuota",
    "can_access",
    "domain_home",
    "is_child",
    "normalise_perms",
    "parent_of",
    "resolve_path",
]

ABS_PATH_MAX = 3072  # xs_wire.h XENSTORE_ABS_PATH_MAX
REL_PATH_MAX = 2048  # xs_wire.h XENSTORE_REL_PATH_MAX
PAYLOAD_MAX = 4096  # xs_wire.h XENSTORE_PAYLOAD_MAX (one message, both directions)
PRIVILEGED_DOMID = 0  # dom0 runs the toolstack and is privileged (domain_is_unprivileged)

_PATH_CHARS = frozenset(string.ascii_letters + string.digits + "-/_@")
_PERM_CHARS = frozenset("rwbn")

Perms = tuple[tuple[int, str], ...]
"""A node's access list: ((owner, default_perm), (domid, perm), …)."""

_ERRNO_TEXT = {
    "ENOENT": "no such node",
    "EACCES": "permission denied",
    "EAGAIN": "transaction conflict, retry",
    "E2BIG": "too big",
    "EINVAL": "invalid argument",
    "EEXIST": "already exists",
    "ENOSPC": "quota exceeded",
    "EISDIR": "is a directory",
    "EPERM": "operation not permitted",
    "EBUSY": "busy",
}


class XenstoreError(StoreError):
    """A xenstore request failed; ``errno_name`` is what xenstored would send in an ERROR reply.

    ``path`` is the path as the caller gave it (or the resolved one when more useful).
    """

    def __init__(self, errno_name: str, path: str, detail: str = "") -> None:
        super().__init__(errno_name, path, detail or _ERRNO_TEXT.get(errno_name, errno_name))


@dataclass(frozen=True)
class XenstoreQuota:
    """Per-domain limits, applied to unprivileged domains only (as xenstored).

    Defaults are xenstored's (XG ``tools/xenstored/domain.c``/``core.c``; reliability-catalog.md §1).
    """

    max_nodes_per_domain: int = 1000
    """Nodes a domain may own (quota_nb_entry_per_domain). Exceeding → ENOSPC."""
    max_value_size: int = 2048
    """Bytes in one node value. Exceeding → E2BIG. Lab simplification: xenstored (node-size
    quota 2048) measures the whole stored record (header, perms, value, child names) and answers
    ENOSPC; the lab measures the value alone and answers E2BIG, as the module contract asks."""
    max_watches_per_domain: int = 128
    """Registered watches (quota_nb_watch_per_domain). Exceeding → E2BIG (xenstored do_watch)."""
    max_transactions_per_domain: int = 10
    """Open transactions (quota_max_transaction). Exceeding → ENOSPC (do_transaction_start)."""
    max_perms_per_node: int = 5
    """Entries in one access list (quota_nb_perms_per_node). Exceeding → ENOSPC."""
    max_nodes_per_transaction: int = 1024
    """Nodes one transaction may read or write (quota_trans_nodes). Exceeding → ENOSPC."""


def domain_home(domid: int) -> str:
    """``/local/domain/<domid>``: the base of ``domid``'s relative paths (GET_DOMAIN_PATH)."""
    return f"/local/domain/{domid}"


def resolve_path(domid: int, path: str, *, allow_special: bool = False) -> tuple[str, bool]:
    """Validate ``path`` and return (absolute path, was_relative).

    Raises ``XenstoreError("EINVAL")`` naming the offending path for a bad character, an empty
    path, a doubled or trailing slash, or a path over the length limit.
    """
    if not isinstance(path, str):
        raise XenstoreError("EINVAL", repr(path), "path must be a str")
    if allow_special and path.startswith("@"):
        _check_chars(path)
        return path, False
    relative = not path.startswith("/")
    if relative:
        if len(path) > REL_PATH_MAX:
            raise XenstoreError("EINVAL", path[:64] + "…", f"relative path over {REL_PATH_MAX} B")
        full = f"{domain_home(domid)}/{path}"
    else:
        full = path
    if not path:
        raise XenstoreError("EINVAL", path, "empty path")
    if len(full) > ABS_PATH_MAX:
        raise XenstoreError("EINVAL", full[:64] + "…", f"path over {ABS_PATH_MAX} B")
    _check_chars(full)
    if full != "/" and (full.endswith("/") or "//" in full):
        raise XenstoreError("EINVAL", path, "doubled or trailing '/'")
    return full, relative


def _check_chars(path: str) -> None:
    bad = sorted(set(path) - _PATH_CHARS)
    if bad:
        raise XenstoreError("EINVAL", path, f"characters {''.join(bad)!r} not allowed")


def parent_of(path: str) -> str:
    """Parent of an absolute, non-root path."""
    head = path.rsplit("/", 1)[0]
    return head or "/"


def is_child(child: str, parent: str) -> bool:
    """xenstore.txt: ``child`` is a child of ``parent`` if equal, or parent is ``/``, or below."""
    return child == parent or parent == "/" or child.startswith(parent + "/")


def normalise_perms(perms: Iterable[Sequence[object]], path: str) -> Perms:
    """Check a caller's access list and return it as a tuple; bad entries → EINVAL."""
    out: list[tuple[int, str]] = []
    for entry in perms:
        if len(entry) != 2:
            raise XenstoreError("EINVAL", path, f"perm entry {entry!r} is not (domid, perm)")
        domid, perm = entry
        if not isinstance(domid, int) or isinstance(domid, bool) or not 0 <= domid <= 0xFFFF:
            raise XenstoreError("EINVAL", path, f"perm domid {domid!r} not in 0..65535")
        if not isinstance(perm, str) or perm not in _PERM_CHARS:
            raise XenstoreError("EINVAL", path, f"perm {perm!r} not one of r, w, b, n")
        out.append((domid, perm))
    if not out:
        raise XenstoreError("EINVAL", path, "empty access list")
    return tuple(out)


def can_access(domid: int, perms: Perms, want: str) -> bool:
    """May ``domid`` do ``want`` (``"r"`` or ``"w"``) on a node with access list ``perms``?"""
    owner, default = perms[0]
    if domid == PRIVILEGED_DOMID or domid == owner:
        return True
    perm = default
    for d, p in perms[1:]:
        if d == domid:
            perm = p
            break
    return perm == "b" or perm == want
