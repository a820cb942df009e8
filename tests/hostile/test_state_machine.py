"""Stateful property test (hypothesis RuleBasedStateMachine) over ring + grant table + xenstore +
lifecycle: a hostile guest interleaves valid and malformed requests, grants and revocations,
writes to its own xenstore nodes, reconnects and closes, while a bystander keeps working.

Invariants after every step: nothing escapes the emulated host, the event queue drains, the
hypervisor audit is clean, every request on a live ring is answered once with its own id; the
bystander reads its data back and none of it reaches the hostile guest."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from blkswap.abi import blkif
from blkswap.abi.blkif import Request, Segment
from blkswap.front.bio import Bio
from blkswap.lab.fuzz_host import DEVID, FuzzHost

PATHS = ["map", "copy", "swap", "persistent", "transfer"]


class HostileGuest(RuleBasedStateMachine):
    path = "map"

    def __init__(self) -> None:
        super().__init__()
        self.host = FuzzHost(self.path)
        self.g = self.host.hostile
        self.refs: list[int] = []
        self.answered_ok = True

    # -- helpers ----------------------------------------------------------------------------------
    def _queue(self):
        q = self.g.front.queues
        return q[0] if q else None

    def _live(self) -> bool:
        vbd = self.host.back.vbd(self.g.domid, DEVID)
        return (
            vbd is not None and bool(vbd.rings) and not vbd.rings[0].broken and bool(self._queue())
        )

    def _push(self, req: Request) -> None:
        q = self._queue()
        if q is None or q.ring.full():
            return
        live = self._live()
        codec = self.g.front.codec
        q.ring.put_request(codec.encode_request(req))
        q.ring.push_requests()
        self.g.port.evtchn_send(q.evtchn)
        self.host.pump()
        got = []
        while q.ring.unconsumed_responses():
            got.append(codec.decode_response(q.ring.get_response()[: codec.response_size]).id)
        q.ring.final_check_for_responses()  # re-arm rsp_event, as blkfront does after a batch
        if live and self._live():
            self.answered_ok = self.answered_ok and got == [req.id]

    # -- grant table -------------------------------------------------------------------------
    @rule(readonly=st.booleans(), neuter=st.booleans())
    def grant(self, readonly, neuter):
        port = self.g.port
        gfn = port.alloc_page()
        self.refs.append(port.grant_access(gfn, 0, readonly))
        if neuter and not readonly and self.path == "swap":
            port.neuter(gfn)

    @precondition(lambda self: self.refs)
    @rule(i=st.integers(0, 50))
    def revoke(self, i):
        ref = self.refs[i % len(self.refs)]
        if self.g.port.end_access(ref):
            self.refs.remove(ref)

    # -- ring ------------------------------------------------------------------------------------
    @rule(op=st.sampled_from([0, 1, 3, 4, 5, 7, 255]), rid=st.integers(0, 2**64 - 1),
          sector=st.sampled_from([0, 8, 8184, 8191, 2**55, 2**64 - 1]), n=st.integers(0, 12),
          first=st.integers(0, 9), last=st.integers(0, 9), junk=st.integers(0, 2**32 - 1))  # fmt: skip
    def malformed(self, op, rid, sector, n, first, last, junk):
        refs = self.refs or [junk]
        segs = tuple(Segment(refs[(junk + k) % len(refs)] if k % 3 else junk, first, last)
                     for k in range(min(n, 11)))  # fmt: skip
        self._push(Request(op, n, 0, rid, sector, segs))

    @rule(write=st.booleans(), sector=st.integers(0, 1000))
    def valid_bio(self, write, sector):
        if not self._live():
            return
        port = self.g.port
        gfn = port.alloc_page()
        bio = Bio(blkif.BLKIF_OP_WRITE if write else blkif.BLKIF_OP_READ, sector * 8,
                  [(gfn, 0, 7)], done=self.g.done.append)  # fmt: skip
        self.g.front.on_interrupt = lambda q: q.handle_responses()
        try:
            self.g.front.submit(bio)
            self.host.pump()
        finally:
            self.g.front.on_interrupt = lambda q: None
        assert bio in self.g.done and bio.status in (0, -1)

    # -- xenstore and lifecycle ------------------------------------------------------------------
    @rule(key=st.sampled_from(["junk", "event-channel-x", "feature-persistent", "protocol"]),
          value=st.sampled_from(["", "x", "-1", "99999999999", "x86_33-abi", "1"]))  # fmt: skip
    def write_own_node(self, key, value):
        """Writes to keys the backend reads only while connecting: ignored while connected."""
        self.g.port.store.write(f"{self.g.front.fe}/{key}", value)
        self.host.pump()

    @rule()
    def reconnect(self):
        self.g.front.on_interrupt = lambda q: q.handle_responses()
        self.g.front.reconnect()
        self.host.pump()
        self.g.front.on_interrupt = lambda q: None

    @rule()
    def close(self):
        self.g.front.close()
        self.host.pump()

    # -- invariants ------------------------------------------------------------------------------
    @invariant()
    def host_is_sane(self):
        assert self.host.audit() == []
        assert self.answered_ok

    @invariant()
    def bystander_unharmed(self):
        assert self.host.secret_bytes_in(self.g.domid) == 0

    def teardown(self):
        assert self.host.bystander_ok()
        assert self.host.leaked_bytes() == 0


@pytest.mark.row("C9", "C10", "A3", "B2", "B4")
@pytest.mark.parametrize("path", PATHS)
def test_hostile_guest_state_machine(path):
    """Random interleavings of grants, revocations, valid and malformed requests, xenstore
    writes, reconnects and closes keep every invariant."""
    machine = type(f"HostileGuest_{path}", (HostileGuest,), {"path": path})
    test = machine.TestCase
    test.settings = settings(max_examples=15, stateful_step_count=20, deadline=None,
                             suppress_health_check=list(HealthCheck))  # fmt: skip
    test("runTest").runTest()
