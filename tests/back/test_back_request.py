"""The pure request checks of blkswap.back.request (LB blkback.c __do_block_io_op,
dispatch_rw_block_io, xen_vbd_translate; xen-abi.md §3.4, §3.5, §5.1): every error branch."""

from __future__ import annotations

import dataclasses

import pytest

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Segment
from blkswap.back.request import (
    BlkRequest,
    PendingReq,
    RequestError,
    VbdLimits,
    check_range,
    check_segments,
    validate,
)

OK, ERR, NOTSUPP = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR, blkif.BLKIF_RSP_EOPNOTSUPP
LIM = VbdLimits(sectors=8192, max_indirect_segments=256)
SEG = Segment(8, 0, 7)


def rw(op: int, nseg: int, sector: int = 0) -> Request:
    return Request(op, nseg, 0, 1, sector, tuple([SEG] * min(nseg, 11)))


def status_of(fn, *args) -> int:
    try:
        fn(*args)
    except RequestError as err:
        assert err.reason, "a RequestError must say why"
        return err.status
    return OK


@pytest.mark.parametrize("op", [blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE])
@pytest.mark.parametrize("nseg,expect", [(0, ERR), (1, OK), (11, OK), (12, ERR), (255, ERR)])
def test_rw_segment_count(op: int, nseg: int, expect: int) -> None:
    assert status_of(validate, rw(op, nseg), LIM) == expect


@pytest.mark.parametrize("op", [blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER])
def test_flush_and_barrier_may_have_no_segments(op: int) -> None:
    assert validate(rw(op, 0), LIM) == (op, 0)
    assert status_of(validate, rw(op, 12), LIM) == ERR


def test_validate_returns_effective_op_and_count() -> None:
    assert validate(rw(blkif.BLKIF_OP_WRITE, 3), LIM) == (blkif.BLKIF_OP_WRITE, 3)
    ind = IndirectRequest(blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_READ, 32, 1, 0, 0, (9,))
    assert validate(ind, LIM) == (blkif.BLKIF_OP_READ, 32)


@pytest.mark.parametrize("op", [blkif.BLKIF_OP_RESERVED_1, 7, 200, 255])
def test_unknown_operation_is_eopnotsupp(op: int) -> None:
    assert status_of(validate, rw(op, 1), LIM) == NOTSUPP


@pytest.mark.parametrize(
    "field,op",
    [
        ("feature_flush", blkif.BLKIF_OP_FLUSH_DISKCACHE),
        ("feature_barrier", blkif.BLKIF_OP_WRITE_BARRIER),
    ],
)
def test_flush_not_offered_is_eopnotsupp(field: str, op: int) -> None:
    lim = VbdLimits(sectors=8192, **{field: False})
    assert status_of(validate, rw(op, 0), lim) == NOTSUPP


@pytest.mark.parametrize(
    "op,expect",
    [
        (blkif.BLKIF_OP_READ, OK),
        (blkif.BLKIF_OP_WRITE, ERR),
        (blkif.BLKIF_OP_FLUSH_DISKCACHE, ERR),
        (blkif.BLKIF_OP_WRITE_BARRIER, ERR),
    ],
)
def test_read_only_vbd_refuses_everything_but_reads(op: int, expect: int) -> None:
    lim = VbdLimits(sectors=8192, readonly=True)
    nseg = 0 if op in (blkif.BLKIF_OP_FLUSH_DISKCACHE, blkif.BLKIF_OP_WRITE_BARRIER) else 1
    assert status_of(validate, rw(op, nseg), lim) == expect


@pytest.mark.parametrize(
    "first,last,ok", [(0, 7, True), (3, 3, True), (4, 3, False), (0, 8, False), (7, 255, False)]
)
def test_segment_sector_bounds(first: int, last: int, ok: bool) -> None:
    segs = (Segment(8, 0, 7), Segment(9, first, last))
    if ok:
        assert check_segments(segs) == 8 + last - first + 1
    else:
        with pytest.raises(RequestError, match="bad segment gref=9") as err:
            check_segments(segs)
        assert err.value.status == ERR


def test_check_segments_empty_is_zero() -> None:
    assert check_segments(()) == 0


@pytest.mark.parametrize(
    "sector,n,ok",
    [
        (0, 8192, True),
        (8191, 1, True),
        (8184, 9, False),
        (8192, 1, False),
        (2**64 - 1, 2, False),  # u64 sector_number wrap: end < start must not pass
        (2**63, 2**63, False),
    ],
)
def test_range_inside_device(sector: int, n: int, ok: bool) -> None:
    if ok:
        check_range(sector, n, LIM)
    else:
        with pytest.raises(RequestError, match="beyond the device") as err:
            check_range(sector, n, LIM)
        assert err.value.status == ERR


def test_range_u64_wrap_as_the_ring_would_carry_it() -> None:
    """A 64-bit sector near 2**64 plus a few sectors wraps in C; Python ints do not — both must
    be refused. The decoded wire value is at most 2**64-1."""
    wire = blkif.Request(blkif.BLKIF_OP_READ, 1, 0, 1, 2**64 - 4, (SEG,))
    with pytest.raises(RequestError):
        check_range(wire.sector_number, 8, LIM)


def test_range_alignment_to_logical_block() -> None:
    lim = VbdLimits(sectors=8192, logical_sectors=8)
    check_range(16, 8, lim)
    for sector, n in ((4, 8), (16, 4)):
        with pytest.raises(RequestError, match="not aligned to 4096"):
            check_range(sector, n, lim)


def discard(sector: int, n: int, flag: int = 0) -> DiscardRequest:
    return DiscardRequest(blkif.BLKIF_OP_DISCARD, flag, 0, 1, sector, n)


@pytest.mark.parametrize(
    "sector,n,expect",
    [(0, 8, OK), (8184, 8, OK), (8184, 9, ERR), (0, 0, ERR), (2**64 - 1, 2, ERR)],
)
def test_discard_range(sector: int, n: int, expect: int) -> None:
    assert status_of(validate, discard(sector, n), LIM) == expect


def test_discard_returns_discard_op_and_no_segments() -> None:
    assert validate(discard(0, 8, blkif.BLKIF_DISCARD_SECURE), LIM) == (blkif.BLKIF_OP_DISCARD, 0)


def test_discard_not_offered_or_read_only() -> None:
    assert status_of(validate, discard(0, 8), VbdLimits(8192, feature_discard=False)) == NOTSUPP
    assert status_of(validate, discard(0, 8), VbdLimits(8192, readonly=True)) == ERR


def indirect(iop: int, nseg: int) -> IndirectRequest:
    return IndirectRequest(blkif.BLKIF_OP_INDIRECT, iop, nseg, 1, 0, 0, (9,))


@pytest.mark.parametrize(
    "iop,expect",
    [
        (blkif.BLKIF_OP_READ, OK),
        (blkif.BLKIF_OP_WRITE, OK),
        (blkif.BLKIF_OP_FLUSH_DISKCACHE, ERR),  # LF BUG_ON: flush is never indirect
        (blkif.BLKIF_OP_WRITE_BARRIER, ERR),
        (blkif.BLKIF_OP_DISCARD, ERR),
        (blkif.BLKIF_OP_INDIRECT, ERR),
        (99, ERR),
    ],
)
def test_indirect_op_must_be_read_or_write(iop: int, expect: int) -> None:
    assert status_of(validate, indirect(iop, 16), LIM) == expect


@pytest.mark.parametrize("nseg,expect", [(0, ERR), (1, OK), (256, OK), (257, ERR), (4096, ERR)])
def test_indirect_segment_count(nseg: int, expect: int) -> None:
    assert status_of(validate, indirect(blkif.BLKIF_OP_READ, nseg), LIM) == expect


def test_indirect_not_offered_is_eopnotsupp() -> None:
    lim = VbdLimits(sectors=8192, max_indirect_segments=0)
    assert status_of(validate, indirect(blkif.BLKIF_OP_READ, 16), lim) == NOTSUPP


def test_indirect_write_on_read_only_vbd() -> None:
    lim = VbdLimits(sectors=8192, readonly=True, max_indirect_segments=32)
    assert status_of(validate, indirect(blkif.BLKIF_OP_WRITE, 16), lim) == ERR
    assert status_of(validate, indirect(blkif.BLKIF_OP_READ, 16), lim) == OK


def test_every_segment_must_be_a_whole_logical_block():
    """LB dispatch_rw_block_io: each segment's sector count, not just the total, must be a
    multiple of logical_block_size / 512 (two 4-sector segments on a 4 KiB-sector disk fail)."""
    halves = (Segment(8, 0, 3), Segment(9, 4, 7))
    assert check_segments(halves) == 8
    with pytest.raises(RequestError, match="gref=8 of 4 sectors not aligned to 4096 bytes") as err:
        check_segments(halves, logical_sectors=8)
    assert err.value.status == blkif.BLKIF_RSP_ERROR
    assert check_segments((Segment(8, 0, 7),), logical_sectors=8) == 8


# --- values found by mutation testing (tools/mutation.py) ----------------------------------------


def test_range_alignment_checks_the_length_as_a_multiple_not_one_block():
    """16 sectors at sector 16 on a 4 KiB-sector disk is two whole blocks: accepted; 12 is not."""
    lim = VbdLimits(sectors=8192, logical_sectors=8)
    check_range(16, 16, lim)
    check_range(0, 24, lim)
    with pytest.raises(RequestError, match=r"sector 8\+12 not aligned to 4096 bytes"):
        check_range(8, 12, lim)


def test_an_empty_request_is_not_range_checked():
    """LB xen_vbd_translate checks the range only when nr_sects is non-zero: an empty flush may
    carry any sector, aligned or not."""
    check_range(10**9, 0, LIM)
    check_range(3, 0, VbdLimits(sectors=8192, logical_sectors=8))
    flush = Request(blkif.BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 1, 10**9, ())
    assert validate(flush, LIM) == (blkif.BLKIF_OP_FLUSH_DISKCACHE, 0)


@pytest.mark.parametrize("off", ["feature_flush", "feature_barrier"])
def test_withdrawing_flush_or_barrier_leaves_reads_and_writes_alone(off: str):
    lim = VbdLimits(sectors=8192, **{off: False})
    for op in (blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE):
        assert validate(rw(op, 2), lim) == (op, 2)
    other = (
        blkif.BLKIF_OP_WRITE_BARRIER if off == "feature_flush" else blkif.BLKIF_OP_FLUSH_DISKCACHE
    )
    assert validate(rw(other, 0), lim) == (other, 0)


def test_the_refusal_reasons_name_the_values():
    cases = [
        (rw(blkif.BLKIF_OP_READ, 12), LIM, "nr_segments 12 out of range"),
        (rw(9, 1), LIM, "unknown operation 9"),
        (indirect(blkif.BLKIF_OP_READ, 300), LIM, "indirect nr_segments 300 out of range"),
        (indirect(7, 3), LIM, "indirect_op 7 is not READ or WRITE"),
        (discard(8190, 8), LIM, "discard beyond the device: 8190+8"),
        (rw(blkif.BLKIF_OP_WRITE, 1), VbdLimits(64, readonly=True), "write to a read-only VBD"),
    ]
    for req, lim, why in cases:
        with pytest.raises(RequestError) as err:
            validate(req, lim)
        assert err.value.reason == why and str(err.value) == why
    with pytest.raises(RequestError) as err:
        check_range(8190, 8, LIM)
    assert err.value.reason == "access beyond the device: sectors 8190+8 > 8192"
    with pytest.raises(RequestError) as err:
        check_segments((Segment(5, 3, 2),))
    assert err.value.reason == "bad segment gref=5 first_sect=3 last_sect=2"


def test_a_pending_request_reads_its_fields_through_and_shows_them_once():
    """PendingReq copies the request's fields for the hot path; repr shows them once (inside
    the BlkRequest), eq compares the request itself."""
    segs = (Segment(3, 0, 7), Segment(4, 2, 5))
    r = BlkRequest(9, blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_WRITE, 16, 12, segs)
    p = PendingReq(None, r)  # type: ignore[arg-type]
    assert (p.id, p.operation, p.op, p.sector_number, p.nr_sectors, p.segments) == (
        9, blkif.BLKIF_OP_INDIRECT, blkif.BLKIF_OP_WRITE, 16, 12, segs,
    )  # fmt: skip
    assert (p.nbytes, p.is_write, r.nbytes, r.is_write) == (6144, True, 6144, True)
    odd = BlkRequest(1, 0, 0, 0, 7, (Segment(3, 1, 6), Segment(4, 3, 3)))
    assert (odd.nbytes, odd.is_write) == ((6 + 1) * 512, False)
    text = repr(p)
    for name in ("id", "operation", "op", "sector_number", "nr_sectors", "segments"):
        assert text.count(f" {name}=") + text.count(f"({name}=") == 1, name
    assert p == PendingReq(None, r)  # type: ignore[arg-type]
    assert p != PendingReq(None, r._replace(id=10))  # type: ignore[arg-type]
    assert (p.status, p.rsp_extra, p.token, p.hazard_since, p.hazard_attempts) == (
        0,
        b"",
        None,
        None,
        0,
    )
    assert p.bufs == p.pool_frames == p.frames == p.page_vas == p.replaced == []


def test_limits_defaults_are_frozen_and_a_1k_sector_disk_is_checked_too():
    lim = VbdLimits(100)
    assert (lim.readonly, lim.max_indirect_segments, lim.logical_sectors) == (False, 0, 1)
    assert (lim.feature_flush, lim.feature_barrier, lim.feature_discard) == (True, True, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lim.sectors = 5  # type: ignore[misc]
    assert status_of(validate, indirect(blkif.BLKIF_OP_READ, 1), lim) == NOTSUPP
    check_range(3, 1, lim)  # 512-byte sectors: any sector
    k1 = VbdLimits(100, logical_sectors=2)  # 1 KiB logical blocks
    check_range(2, 4, k1)
    with pytest.raises(RequestError, match="not aligned to 1024 bytes"):
        check_range(3, 2, k1)
    assert BlkRequest(1, 0, 0, 0, 8).discard_secure is False
