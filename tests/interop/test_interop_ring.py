"""Differential test of blkswap.abi.ring against the real io/ring.h macros.

A C program (ring_driver.c, built with gcc for the ABI under test) and Python share ONE 4 KiB
ring page: a file in tmp_path mmap'd MAP_SHARED by both. Seeded random sequences start the
free-running indices just below 2^32 so they cross the wrap. For every push we check that the
notify decision equals notify_needed() and an independent "peer is idle" model, that request /
response bytes match our codecs, and that RING_FREE_REQUESTS & co. equal our counters.
"""

from __future__ import annotations

import mmap
import random
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from abi_ring_peer import CRingPeer, parse_request

from blkswap.abi import X86_32, X86_64, BackRing, FrontRing, SharedRing
from blkswap.abi.abis import Abi
from blkswap.abi.blkif import (
    BLKIF_OP_DISCARD,
    BLKIF_OP_INDIRECT,
    DiscardRequest,
    IndirectRequest,
    Request,
    Response,
    Segment,
    indirect_pages_needed,
)
from blkswap.abi.ring import PAGE_SIZE, notify_needed

M = 2**32
SEEDS = [1, 2, 3, 4, 5]
STEPS = 160
ABIS = pytest.mark.parametrize("abi", [X86_64, X86_32], ids=lambda a: a.name)


@pytest.fixture
def shared(tmp_path: Path, compile_c, ring_driver_source: str, request) -> Iterator[tuple]:
    abi: Abi = request.getfixturevalue("abi")
    page_file = tmp_path / "ring.page"
    page_file.write_bytes(bytes(PAGE_SIZE))
    exe = compile_c(ring_driver_source, "ring_driver", abi.name)
    with page_file.open("r+b") as fh:
        mm = mmap.mmap(fh.fileno(), PAGE_SIZE)
        peer = CRingPeer(exe, page_file)
        try:
            assert peer.sizes == (abi.ring_entry_size, abi.response_size)
            yield mm, peer
        finally:
            peer.close()
            try:
                mm.close()
            except BufferError:  # a failed test's traceback still holds the SharedRing views
                pass


def _sring(mm: mmap.mmap, abi: Abi, start: int) -> SharedRing:
    sring = SharedRing([mm], abi.ring_entry_size)
    sring.init()
    sring.req_prod = sring.rsp_prod = start
    sring.req_event = sring.rsp_event = start + 1
    return sring


def _c_request(rng: random.Random) -> Request:
    """A request the C front builds from (op, nseg, handle, id, sector) -- see put_req()."""
    rid, nseg = rng.getrandbits(64), rng.randint(0, 11)
    segs = tuple(Segment((rid * 16 + i) % M, i % 8, 7) for i in range(nseg))
    return Request(rng.randint(0, 3), nseg, rng.getrandbits(16), rid, rng.getrandbits(64), segs)


@ABIS
@pytest.mark.parametrize("seed", SEEDS)
def test_c_front_python_back(abi: Abi, seed: int, shared) -> None:
    mm, c = shared
    rng = random.Random(seed)
    start = M - rng.randint(1, 80)
    sring = _sring(mm, abi, start)
    assert c.one(f"fattach {start}") == [sring.nr_ents]
    back, mirror = BackRing(sring, start), FrontRing(sring, start)  # mirror = C front's state
    written: deque[Request] = deque()
    published = 0
    to_answer: deque[Request] = deque()
    in_flight: deque[Response] = deque()
    back_idle = front_idle = True
    for _ in range(STEPS):
        act = rng.choice("ppcrfs")
        if act == "p":
            for _ in range(rng.randint(0, mirror.free_requests())):
                req = _c_request(rng)
                free, full = c.one(
                    f"req {req.operation} {req.nr_segments} {req.handle} {req.id} {req.sector_number}"
                )
                mirror.req_prod_pvt = (mirror.req_prod_pvt + 1) % M
                assert (free, bool(full)) == (mirror.free_requests(), mirror.full())
                written.append(req)
            old, event, new = sring.req_prod, sring.req_event, mirror.req_prod_pvt
            notify, req_prod = c.one("push")
            assert req_prod == new == sring.req_prod
            assert bool(notify) == notify_needed(old, new, event) == (back_idle and new != old)
            back_idle = back_idle and new == old
            published = len(written)
        elif act == "c":
            n = back.unconsumed_requests()
            assert n == published
            for _ in range(rng.randint(0, n)):
                req = written.popleft()
                published -= 1
                raw = back.get_request()
                assert raw == abi.encode_request(req)  # every byte C wrote, padding included
                assert abi.decode_request(raw) == req
                to_answer.append(req)
            if not back.final_check_for_requests():
                back_idle = True
        elif act == "r":
            j = rng.randint(0, len(to_answer))
            for _ in range(j):
                req = to_answer.popleft()
                rsp = Response(req.id, req.operation, rng.choice((0, -1, -2)))
                back.put_response(abi.encode_response(rsp))
                in_flight.append(rsp)
            old, event = sring.rsp_prod, sring.rsp_event
            notify = back.push_responses_and_check_notify()
            assert notify == notify_needed(old, back.rsp_prod_pvt, event) == (front_idle and j > 0)
            front_idle = front_idle and j == 0
        elif act == "f":
            *rsps, final = c.cmd("fcheck")
            got = [Response(*map(int, line.split()[1:])) for line in rsps]
            assert got == [in_flight.popleft() for _ in got] and not in_flight
            mirror.rsp_cons = (mirror.rsp_cons + len(got)) % M
            more, rsp_event = map(int, final.split()[1:])
            assert rsp_event == sring.rsp_event == (mirror.rsp_cons + 1) % M and more == 0
            front_idle = True
        else:
            assert c.one("fstate") == [
                mirror.free_requests(), mirror.unconsumed_responses(), int(mirror.full()),
                int(mirror.response_prod_overflow()),
            ]  # fmt: skip
    assert (mirror.req_prod_pvt - start) % M >= M - start  # the indices crossed 2^32


def _py_request(rng: random.Random, abi: Abi) -> Request | DiscardRequest | IndirectRequest:
    kind = rng.random()
    rid, sector, handle = rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(16)
    if kind < 0.15:
        return DiscardRequest(
            BLKIF_OP_DISCARD, rng.randint(0, 1), handle, rid, sector, rng.getrandbits(64)
        )
    if kind < 0.3:
        nseg = rng.randint(1, 4096)
        grefs = tuple(rng.getrandbits(32) for _ in range(min(indirect_pages_needed(nseg), 8)))
        return IndirectRequest(
            BLKIF_OP_INDIRECT, rng.randint(0, 1), nseg, rid, sector, handle, grefs
        )
    segs = tuple(
        Segment(rng.getrandbits(32), rng.randint(0, 7), rng.randint(0, 7))
        for _ in range(rng.randint(0, 11))
    )
    return Request(rng.choice((0, 1, 2, 3, 4)), len(segs), handle, rid, sector, segs)


def _as_printed(req):
    """What ring_driver prints for ``req`` (indirect: all 8 gref slots, unused ones zero)."""
    if isinstance(req, IndirectRequest):
        grefs = req.indirect_grefs + (0,) * (8 - len(req.indirect_grefs))
        return IndirectRequest(
            *(
                getattr(req, f)
                for f in (
                    "operation",
                    "indirect_op",
                    "nr_segments",
                    "id",
                    "sector_number",
                    "handle",
                )
            ),
            grefs,
        )
    return req


@ABIS
@pytest.mark.parametrize("seed", SEEDS)
def test_python_front_c_back(abi: Abi, seed: int, shared) -> None:
    mm, c = shared
    rng = random.Random(1000 + seed)
    start = M - rng.randint(1, 80)
    sring = _sring(mm, abi, start)
    assert c.one(f"battach {start}") == [sring.nr_ents]
    front, mirror = FrontRing(sring, start), BackRing(sring, start)  # mirror = C back's state
    published: deque = deque()
    to_answer: deque = deque()
    in_flight: deque[Response] = deque()
    back_idle = front_idle = True
    for _ in range(STEPS):
        act = rng.choice("ppcrfs")
        if act == "p":
            k = rng.randint(0, front.free_requests())
            for _ in range(k):
                req = _py_request(rng, abi)
                front.put_request(abi.encode_request(req))
                published.append(req)
            old, event = sring.req_prod, sring.req_event
            notify = front.push_requests_and_check_notify()
            assert notify == notify_needed(old, front.req_prod_pvt, event) == (back_idle and k > 0)
            back_idle = back_idle and k == 0
        elif act == "c":
            expected_n = mirror.unconsumed_requests()
            *reqs, final = c.cmd("bcons")
            assert len(reqs) == expected_n == len(published)
            for line in reqs:
                assert parse_request(line) == _as_printed(published.popleft())
            to_answer.extend(parse_request(line) for line in reqs)
            mirror.req_cons = (mirror.req_cons + len(reqs)) % M
            more, req_event = map(int, final.split()[1:])
            assert more == 0 and req_event == sring.req_event == (mirror.req_cons + 1) % M
            back_idle = True
        elif act == "r":
            j = rng.randint(0, len(to_answer))
            for _ in range(j):
                req = to_answer.popleft()
                rsp = Response(req.id, req.operation, rng.choice((0, -1, -2)))
                assert c.cmd(f"rsp {rsp.id} {rsp.operation} {rsp.status}") == ["ok"]
                mirror.rsp_prod_pvt = (mirror.rsp_prod_pvt + 1) % M
                in_flight.append(rsp)
            old, event = sring.rsp_prod, sring.rsp_event
            notify, rsp_prod = c.one("bpush")
            assert rsp_prod == mirror.rsp_prod_pvt == sring.rsp_prod
            assert bool(notify) == notify_needed(old, rsp_prod, event) == (front_idle and j > 0)
            front_idle = front_idle and j == 0
        elif act == "f":
            while front.unconsumed_responses():
                raw = front.get_response()
                rsp = in_flight.popleft()
                assert raw[: abi.response_size] == abi.encode_response(rsp)
                assert abi.decode_response(raw) == rsp
            assert not in_flight
            if not front.final_check_for_responses():
                front_idle = True
        else:
            assert c.one("bstate") == [
                mirror.unconsumed_requests(), int(mirror.request_cons_overflow()),
                int(mirror.request_prod_overflow()),
            ]  # fmt: skip
    assert (front.req_prod_pvt - start) % M >= M - start  # the indices crossed 2^32
