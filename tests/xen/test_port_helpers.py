"""xen/port.py helpers: transact's retry count and error paths, read_int's defaults (found by
mutation testing, tools/mutation.py)."""

from __future__ import annotations

import pytest

from blkswap.xen.port import StoreError, read_int, transact


class _Store:
    """Ends the first ``conflicts`` commits with EAGAIN (or ``error``); records every end."""

    def __init__(self, conflicts: int, error: str = "EAGAIN", values: dict | None = None) -> None:
        self.conflicts, self.error, self.values = conflicts, error, values or {}
        self.ends: list[bool] = []

    def transaction_start(self) -> int:
        return len(self.ends)

    def transaction_end(self, tx: int, commit: bool = True) -> None:
        self.ends.append(commit)
        if commit and self.conflicts:
            self.conflicts -= 1
            raise StoreError(self.error, "tx")

    def read(self, path: str, tx: object = None) -> str:
        if path not in self.values:
            raise StoreError(self.values.get("_err", "ENOENT"), path)
        return self.values[path]


def test_transact_retries_eagain_and_returns_the_attempts_it_took():
    """Linux's xenbus drivers start over on -EAGAIN: 3 conflicts -> 4 attempts; with
    attempts=3 it gives up with EAGAIN after exactly 3 commits; another errno is raised at
    once; an error in the body aborts (commit=False) and propagates."""
    s = _Store(3)
    assert transact(s, lambda tx: None) == 4 and s.ends == [True] * 4
    s = _Store(3)
    with pytest.raises(StoreError, match="still conflicting after 3 tries"):
        transact(s, lambda tx: None, attempts=3)
    assert s.ends == [True] * 3
    assert transact(_Store(0), lambda tx: None, attempts=1) == 1
    for errno_name in ("EACCES", "ENOSPC"):  # sorting before and after "EAGAIN"
        s = _Store(1, error=errno_name)
        with pytest.raises(StoreError) as exc:
            transact(s, lambda tx: None)
        assert exc.value.errno_name == errno_name and s.ends == [True]
    s = _Store(0)
    with pytest.raises(ZeroDivisionError):
        transact(s, lambda tx: 1 // 0)
    assert s.ends == [False]


def test_read_int_defaults_only_for_absent_or_garbled_nodes():
    """The default answers ENOENT and a non-number; another error (EACCES) is raised; without a
    default a non-number is EINVAL naming the first 32 characters of the value."""
    s = _Store(0, values={"/n": " 42 ", "/bad": "x" * 40})
    assert read_int(s, "/n") == 42 and read_int(s, "/missing", default=7) == 7
    assert read_int(s, "/bad", default=3) == 3
    with pytest.raises(StoreError, match=repr("x" * 32) + " is not an integer") as exc:
        read_int(s, "/bad")
    assert exc.value.errno_name == "EINVAL"
    denied = _Store(0, values={"_err": "EACCES"})
    with pytest.raises(StoreError) as exc:
        read_int(denied, "/secret", default=1)
    assert exc.value.errno_name == "EACCES"


def test_transact_tries_100_times_by_default_and_other_read_errors_pass_through():
    assert transact(_Store(99), lambda tx: None) == 100
    with pytest.raises(StoreError, match="after 100 tries"):
        transact(_Store(100), lambda tx: None)
    full = _Store(0, values={"_err": "ENOSPC"})  # sorts after "ENOENT": still not a default
    with pytest.raises(StoreError) as exc:
        read_int(full, "/n", default=1)
    assert exc.value.errno_name == "ENOSPC"
