"""Persistent-grant purge as LB purge_persistent_gnt: target from the table size, idle grants
first (counted towards it), then inactive grants in gref order."""

from __future__ import annotations

from blkswap.abi import gnttab
from blkswap.back.datapaths.base import BackendContext, DataPathOptions
from blkswap.back.datapaths.persistent import PersistentGrant, PersistentPath
from blkswap.back.frames import VaSpace
from blkswap.back.grantops import Mapping

SEC = 1_000_000_000


class Port:
    def __init__(self) -> None:
        self.unmapped = 0

    def grant_table_op(self, cmd: int, args: bytearray, count: int) -> int:
        assert cmd == gnttab.GNTTABOP_unmap_grant_ref
        self.unmapped += count
        return 0


class Pool:
    def __init__(self) -> None:
        self.returned: list[int] = []

    def give(self, frames: list[int], owner: str = "") -> None:
        self.returned += frames


def path_with(n: int, limit: int) -> tuple[PersistentPath, Port, Pool]:
    port, pool = Port(), Pool()
    ctx = BackendContext(port, 1, pool, VaSpace(), DataPathOptions(max_persistent_grants=limit))
    p = PersistentPath(ctx)
    for ref in range(8, 8 + n):
        p.grants[ref] = PersistentGrant(
            Mapping(ref << 12, ref, gnttab.GNTST_okay, ref, ref), 100 * SEC, frame=ref
        )
    return p, port, pool


def test_at_the_limit_with_overflow_cleans_count_minus_limit_plus_5_percent():
    p, port, pool = path_with(200, 200)
    p.overflow = True
    for ref in (8, 9):  # in flight: never purged
        p.grants[ref].active = 1
    for ref in (150, 151, 152):  # idle for over 60 s: pass 1 takes them
        p.grants[ref].last_used = 0
    assert p.purge(now=100 * SEC) == 10  # 200 - 200 + (200 // 100) * 5
    gone = set(range(8, 208)) - set(p.grants)
    assert gone == {150, 151, 152} | set(range(10, 17))  # then the lowest inactive grefs
    assert port.unmapped == 10 and sorted(pool.returned) == sorted(gone)
    assert p.overflow is False


def test_under_the_limit_only_idle_grants_go():
    p, _port, _pool = path_with(50, 200)
    p.grants[20].last_used = 0
    assert p.purge(now=100 * SEC) == 1 and 20 not in p.grants
    assert p.purge(now=100 * SEC) == 0


def _purge_count(n: int, limit: int, overflow: bool, percent: int | None = None) -> int:
    port, pool = Port(), Pool()
    opts = DataPathOptions(max_persistent_grants=limit)
    if percent is not None:
        opts = DataPathOptions(max_persistent_grants=limit, lru_percent_clean=percent)
    p = PersistentPath(BackendContext(port, 1, pool, VaSpace(), opts))
    for ref in range(8, 8 + n):
        p.grants[ref] = PersistentGrant(
            Mapping(ref << 12, ref, gnttab.GNTST_okay, ref, ref), 100 * SEC, frame=ref
        )
    p.overflow = overflow
    got = p.purge(now=100 * SEC)  # nothing idle: pass 2 alone meets the target
    assert port.unmapped == got and len(pool.returned) == got and len(p.grants) == n - got
    assert set(p.grants) == set(range(8 + got, 8 + n))  # the lowest grefs went
    return got


def test_purge_target_follows_the_formula_exactly():
    """num_clean = count − limit + (limit / 100) × percent, integer division as in C (LB
    purge_persistent_gnt); each case tells apart a mutant of one term."""
    assert _purge_count(257, 250, False) == 7 + (250 // 100) * 5  # 17, not 19.5 → 20
    assert _purge_count(250, 250, True) == 10  # at the limit with the overflow flag
    assert _purge_count(250, 250, False) == 0  # at the limit without it: nothing
    assert _purge_count(249, 250, True) == 0  # under the limit: nothing, flag or not
    assert _purge_count(260, 250, False, percent=3) == 10 + 2 * 3
    assert _purge_count(1100, 1056, False) == 44 + 10 * 5
    assert _purge_count(60, 50, False) == 10  # (50 // 100) × 5 = 0
    assert _purge_count(105, 100, False, percent=100) == 105  # capped at the table size
    assert _purge_count(100, 99, False) == 1  # 99 // 100 = 0: a divisor of 99 would add 5
    assert _purge_count(130, 60, False) == 70  # count − limit, not count % limit (= 10)
