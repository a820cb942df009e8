"""``blkswap fuzz``: a hostile frontend against the backend, from a seed (issue 14).

A *session* builds a fresh :class:`~blkswap.lab.fuzz_host.FuzzHost` (one hostile guest, one
bystander) and runs up to :data:`CASES_PER_SESSION` cases; session ``i`` of ``--seed S`` uses
seed ``S + i``, so ``blkswap fuzz --seed N --sessions 1`` replays session N exactly. A case is
one attack from a class:

* ``request`` -- a mutated blkif request (op, segment count, sectors, grefs valid / read-only /
  never granted / out of range / granted to someone else, sector bounds, ids);
* ``indirect`` -- an indirect request with random descriptors and indirect grefs;
* ``raw`` -- random bytes as a ring slot;
* ``revoke`` -- requests pushed, then their grants revoked before the backend is notified;
* ``xenstore`` -- junk written to the guest's own device keys or state node while connected;
* ``indices`` -- ``req_prod`` moved past the ring or backwards (the ring must halt; the session
  ends).

After each case: no exception escaped the backend (a *crash*), the event queue drained and
every request pushed on a live ring was answered once with its own id (else a *hang* or a
wrong answer); after each session: the bystander still reads its data back, no byte of it is in
the hostile guest's memory or disk (*leaked bytes*), and the hypervisor's audit is clean.
"""

from __future__ import annotations

import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from blkswap.abi import blkif
from blkswap.abi.blkif import DiscardRequest, IndirectRequest, Request, Segment
from blkswap.lab.fuzz_host import DEVID, FuzzHost, Hang

CASES_PER_SESSION = 40
CLASSES = ("request", "indirect", "raw", "revoke", "xenstore", "indices")
_WEIGHTS = (50, 20, 15, 12, 4, 3)
OPS = (0, 1, 2, 3, 4, 5, 6, 7, 255)


@dataclass
class FuzzReport:
    datapath: str
    seed: int
    seconds: float = 0.0
    sessions: int = 0
    cases: Counter[str] = field(default_factory=Counter)
    crashes: int = 0
    hangs: int = 0
    wrong: int = 0
    leaked_bytes: int = 0
    failures: list[str] = field(default_factory=list)
    first_failing_seed: int | None = None

    @property
    def failed(self) -> bool:
        return bool(self.crashes or self.hangs or self.wrong or self.leaked_bytes)

    def lines(self) -> list[str]:
        by_class = ", ".join(f"{c} {self.cases[c]}" for c in CLASSES)
        first = "none" if self.first_failing_seed is None else str(self.first_failing_seed)
        out = [
            f"fuzz {self.datapath}: seed {self.seed}, {self.seconds:.1f} s, {self.sessions} sessions, "
            f"{sum(self.cases.values())} cases ({by_class})",
            f"crashes: {self.crashes}, hangs: {self.hangs}, wrong answers: {self.wrong}, "
            f"leaked bytes: {self.leaked_bytes}",
            f"first failing seed: {first}",
        ]
        if self.first_failing_seed is not None:
            out.append(f"replay: blkswap fuzz --datapath {self.datapath} --seed "
                       f"{self.first_failing_seed} --sessions 1")  # fmt: skip
        return out + [f"  {f}" for f in self.failures[:10]]


class _Attacker:
    """The hostile guest's view: its ring, some granted pages, what it pushed."""

    def __init__(self, host: FuzzHost, rng: random.Random) -> None:
        self.host, self.rng = host, rng
        g = host.hostile
        self.port, self.q = g.port, g.front.queues[0]
        self.codec = g.front.codec
        self.swap = host.datapath == "swap"
        self.rw, self.ro = (
            [self._grant(False) for _ in range(6)],
            [self._grant(True) for _ in range(2)],
        )
        other = host.bystander.domid
        self.foreign = [self.port.grant_access(self.port.alloc_page(), other, False)]
        self.ind_gfn = self.port.alloc_page()
        self.ind_ref = self.port.grant_access(self.ind_gfn, 0, True)
        self.pushed: list[int] = []

    def _grant(self, readonly: bool) -> int:
        gfn = self.port.alloc_page()
        self.port.page_view(gfn << 12)[:] = bytes([self.rng.randrange(256)]) * 4096
        ref = self.port.grant_access(gfn, 0, readonly)
        if self.swap and not readonly and self.rng.random() < 0.8:
            self.port.neuter(gfn)
        return ref

    def gref(self) -> int:
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(self.rw)
        if r < 0.7:
            return self.rng.choice(self.ro)
        if r < 0.8:
            return self.rng.choice(self.foreign)
        if r < 0.85:
            return self.ind_ref
        return self.rng.choice([0, 7, 511, 60000, 2**32 - 1, self.rng.randrange(2**32)])

    def sector(self) -> int:
        rng = self.rng
        return rng.choice(
            [0, rng.randrange(8192), 8191, 8184, 2**55, 2**64 - 1, rng.randrange(2**64)]
        )

    def segment(self) -> Segment:
        rng = self.rng
        if rng.random() < 0.7:
            first = rng.randrange(8)
            return Segment(self.gref(), first, rng.randrange(first, 8))
        return Segment(self.gref(), rng.choice([0, 3, 7, 8, 255]), rng.choice([0, 2, 7, 8, 255]))

    def push(self, raw: bytes, req_id: int) -> None:
        self.q.ring.put_request(raw)
        self.pushed.append(req_id)

    def notify(self) -> None:
        self.q.ring.push_requests()
        self.port.evtchn_send(self.q.evtchn)


def _case_request(a: _Attacker) -> None:
    rng = a.rng
    op = rng.choice(OPS)
    rid = rng.randrange(2**64)
    if op == blkif.BLKIF_OP_DISCARD:
        req = DiscardRequest(
            op, rng.choice([0, 1, 2]), 0, rid, a.sector(), rng.choice([0, 8, 2**40])
        )
    else:
        segs = tuple(a.segment() for _ in range(rng.randrange(12)))
        nseg = len(segs) if rng.random() < 0.8 else rng.choice([0, 11, 12, 255])
        req = Request(op, nseg, 0, rid, a.sector(), segs[:11])
    a.push(a.codec.encode_request(req), rid)
    a.notify()


def _case_indirect(a: _Attacker) -> None:
    rng = a.rng
    segs = [a.segment() for _ in range(rng.randrange(1, 40))]
    a.port.page_view(a.ind_gfn << 12)[: 8 * len(segs)] = blkif.encode_segments(segs)
    nseg = len(segs) if rng.random() < 0.7 else rng.choice([0, 257, 300, 512, 4096])
    grefs = tuple(a.ind_ref if rng.random() < 0.7 else a.gref() for _ in range(rng.randrange(1, 9)))
    rid = rng.randrange(2**64)
    iop = rng.choice([0, 1, 0, 1, 3, 5, 99])
    req = IndirectRequest(blkif.BLKIF_OP_INDIRECT, iop, nseg, rid, a.sector(), 0, grefs)
    a.push(a.codec.encode_request(req), rid)
    a.notify()


def _case_raw(a: _Attacker) -> None:
    raw = bytes(a.rng.randrange(256) for _ in range(a.codec.ring_entry_size))
    a.push(raw, int.from_bytes(raw[8:16], "little"))
    a.notify()


def _case_revoke(a: _Attacker) -> None:
    rng = a.rng
    ref = a.rng.choice(a.rw)
    rid = rng.randrange(2**64)
    op = rng.choice([blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE])
    a.push(
        a.codec.encode_request(Request(op, 1, 0, rid, rng.randrange(8000), (Segment(ref, 0, 7),))),
        rid,
    )
    a.q.ring.push_requests()
    if a.port.end_access(ref):  # revoked before the backend looks; re-grant a fresh page
        a.rw[a.rw.index(ref)] = a._grant(False)
    a.port.evtchn_send(a.q.evtchn)


def _case_xenstore(a: _Attacker) -> None:
    """Junk in the guest's own device directory while connected: negotiated keys (read only
    when connecting), or the state node (a bad or closing state ends the device)."""
    rng = a.rng
    fe = a.host.hostile.front.fe
    key = rng.choice(["ring-ref", "event-channel", "protocol", "ring-page-order",
                      "multi-queue-num-queues", "feature-persistent", "state", "state"])  # fmt: skip
    value = rng.choice(["", "x", "-1", "4294967296", "99999999999", "3", "4", "5", "6", "\x00"])
    a.port.store.write(f"{fe}/{key}", value)


def _case_indices(a: _Attacker) -> None:
    sring = a.q.ring.sring
    sring.req_prod = (sring.rsp_prod + a.rng.choice([33, 64, 2**31, -1, -5])) & 0xFFFFFFFF
    a.port.evtchn_send(a.q.evtchn)


CASES: dict[str, Callable[[_Attacker], None]] = {
    "request": _case_request,
    "indirect": _case_indirect,
    "raw": _case_raw,
    "revoke": _case_revoke,
    "xenstore": _case_xenstore,
    "indices": _case_indices,
}


def run_session(datapath: str, seed: int, report: FuzzReport, deadline: float) -> None:
    """One session (a fresh host); results are added to ``report``."""
    rng = random.Random(seed)
    where = f"session {seed}"
    try:
        host = FuzzHost(datapath)
        a = _Attacker(host, rng)
        for _ in range(CASES_PER_SESSION):
            if time.monotonic() > deadline:
                break
            kind = rng.choices(CLASSES, _WEIGHTS)[0]
            report.cases[kind] += 1
            before = len(a.pushed)
            CASES[kind](a)
            host.pump()
            if not _live(host):
                break  # the ring was halted (by design for "indices"): end the session
            _check_answers(a, before, report, seed)
        if not host.bystander_ok():
            _fail(report, seed, "wrong", f"{where}: the bystander lost its data or service")
        leaked = host.leaked_bytes()
        if leaked:
            report.leaked_bytes += leaked
            _fail(report, seed, "", f"{where}: {leaked} bystander bytes in the hostile guest")
        audit = host.audit()
        if audit:
            _fail(report, seed, "wrong", f"{where}: audit: {audit[0]}")
    except Hang as err:
        _fail(report, seed, "hangs", f"{where}: hang: {err}")
    except Exception as err:  # noqa: BLE001 - anything escaping the emulated host is a crash
        frame = traceback.extract_tb(err.__traceback__)[-1]
        _fail(report, seed, "crashes",
              f"{where}: {type(err).__name__}: {err} ({frame.filename}:{frame.lineno})")  # fmt: skip


def _live(host: FuzzHost) -> bool:
    vbd = host.back.vbd(host.hostile.domid, DEVID)
    return vbd is not None and not any(r.broken for r in vbd.rings)


def _check_answers(a: _Attacker, before: int, report: FuzzReport, seed: int) -> None:
    """Every request pushed in this case was answered once, in order, with its own id."""
    ring = a.q.ring
    got = []
    while ring.unconsumed_responses():
        got.append(a.codec.decode_response(ring.get_response()[: a.codec.response_size]).id)
    want = a.pushed[before:]
    if got != want:
        _fail(
            report, seed, "wrong", f"session {seed}: answered ids {got[:4]} for pushed {want[:4]}"
        )


def _fail(report: FuzzReport, seed: int | None, counter: str, text: str) -> None:
    if counter:
        setattr(report, counter, getattr(report, counter) + 1)
    report.failures.append(text)
    if report.first_failing_seed is None and seed is not None:
        report.first_failing_seed = seed


def fuzz(datapath: str, seed: int, seconds: float, sessions: int | None = None) -> FuzzReport:
    """Run sessions for ``seconds`` (or exactly ``sessions`` of them) against ``datapath``."""
    report = FuzzReport(datapath, seed)
    start = time.monotonic()
    deadline = start + seconds
    i = 0
    while (sessions is None and time.monotonic() < deadline) or (
        sessions is not None and i < sessions
    ):
        run_session(datapath, seed + i, report, deadline if sessions is None else float("inf"))
        i += 1
    report.sessions = i
    report.seconds = time.monotonic() - start
    return report
