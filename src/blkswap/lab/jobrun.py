"""One fio job clone running in one guest: I/O generation, submission, completion, verification.

A :class:`JobRunner` is a simulation process. It keeps up to ``iodepth`` I/Os in flight; each I/O
is split into bios of at most the negotiated segment count, tagged (writes) in the guest's own
buffer pages, and submitted through blkfront on a guest vCPU (the submission cost is what the
meter prices: blkfront's work, grants, memcpy for persistent grants, the notify hypercall).
Completion time is taken inside the guest's interrupt handler. Reads are verified against the
disk's truth; every buffer page is scanned for other domains' tags or the freed-frame poison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import numpy as np

from blkswap.abi import blkif
from blkswap.front.bio import Bio
from blkswap.lab.truth import DiskTruth, Findings
from blkswap.report.model import JobStats
from blkswap.workload.generator import Io, IoGenerator
from blkswap.workload.tag_bytes import render_bytes
from blkswap.workload.tags import Verdict, check, classify

OPS = {
    "read": blkif.BLKIF_OP_READ,
    "write": blkif.BLKIF_OP_WRITE,
    "trim": blkif.BLKIF_OP_DISCARD,
    "flush": blkif.BLKIF_OP_FLUSH_DISKCACHE,
}
PAGE = 4096


@dataclass(slots=True)
class InFlight:
    io: Io
    slot: int
    t_issue: float
    t_submit: float = 0.0
    pending: int = 0
    status: int = 0
    expected: Any = None
    generation: int = 0
    tags: Any = None  #: the bytes _tag wrote into the buffer (a write with verification)
    bios: list[Bio] = field(default_factory=list)


class JobRunner:
    def __init__(
        self,
        host: Any,
        guest: Any,
        truth: DiskTruth,
        job: Any,
        clone: int,
        stats: JobStats,
        poison: bytes,
        verify: bool,
        seed: int,
    ) -> None:
        self.host, self.guest, self.truth, self.job = host, guest, truth, job
        self.env, self.clock = host.env, host.clock
        self.stats = stats
        self.findings = Findings()  #: what verification found for this job's I/O
        self.poison = poison
        self.verify = verify
        self.gen = IoGenerator(job, host.config.disk_size, clone=clone, seed=seed)
        self.max_pages = max(1, math.ceil(job.max_bs / PAGE))
        self.port = guest.port
        self.slots = [
            [self.port.alloc_page() for _ in range(self.max_pages)] for _ in range(job.iodepth)
        ]
        self.free_slots = list(range(job.iodepth - 1, -1, -1))
        self.inflight = 0
        self.slot_freed = self.env.event()
        self.vbd_tag = guest.index + 1
        # blk-mq: clone k runs on guest vCPU k mod vcpus, whose hardware queue is vCPU mod
        # queues (LF blk_mq_map_queues)
        self.queue = (clone % host.config.guest_vcpus) % host.config.queues
        self.done_ios = 0
        self.issued_bytes = [0, 0, 0]
        self.issued_ios = [0, 0, 0]
        #: whether a rate or rate_iops cap is set (else _throttle has nothing to do)
        self.throttled = any(job.rate) or any(job.rate_iops)

    # -- the process -------------------------------------------------------------------------------
    def run(self):
        job, env = self.job, self.env
        lo, hi = job.startdelay_us
        if hi:
            yield env.timeout(1000 * (lo + (hi - lo) * ((self.guest.index * 7919) % 101) / 100))
        t0 = env.now
        self.t0 = t0
        self.stats.start_ns = int(t0 + job.ramp_time_us * 1000)
        deadline = t0 + (job.ramp_time_us + job.runtime_us) * 1000 if job.runtime_us else math.inf
        blocks = 0
        while env.now < deadline:
            while not self.free_slots:
                yield self.slot_freed
            io = self.gen.next()
            if io is None:
                break
            if self.throttled:
                yield from self._throttle(io, t0)
            if env.now >= deadline:
                break
            yield from self._issue(io)
            blocks += 1
            if job.thinktime_us and blocks % max(1, job.thinktime_blocks) == 0:
                yield env.timeout(job.thinktime_us * 1000)
        while self.inflight:
            yield self.slot_freed
        self.stats.end_ns = int(env.now)

    def _throttle(self, io: Io, t0: float):
        d = ("read", "write", "trim").index(io.op) if io.op in ("read", "write", "trim") else None
        if d is None:
            return
        wait = 0.0
        rate, rate_iops = self.job.rate[d], self.job.rate_iops[d]
        if rate:
            wait = max(wait, t0 + self.issued_bytes[d] * 1e9 / rate - self.env.now)
        if rate_iops:
            wait = max(wait, t0 + self.issued_ios[d] * 1e9 / rate_iops - self.env.now)
        self.issued_bytes[d] += io.length
        self.issued_ios[d] += 1
        if wait > 0:
            yield self.env.timeout(wait)

    def _issue(self, io: Io):
        slot = self.free_slots.pop()
        rec = InFlight(io, slot, self.env.now)
        rec.bios = self._bios(io, rec)
        if io.op == "write" and self.verify:
            rec.generation = self.truth.begin_write(io.offset, io.length)
            self._tag(rec)
        elif io.op == "write":
            self.truth.begin_write(io.offset, io.length)
        elif io.op == "read" and self.verify:
            rec.expected = self.truth.snapshot(io.offset, io.length)
        elif io.op == "trim":
            self.truth.begin_trim(io.offset, io.length)
        self.inflight += 1
        self.stats.note_depth(self.inflight)
        # blkfront's work on a guest vCPU (timing.Cpus.run: waits for a vCPU, prices, holds it)
        yield from self.guest.cpus.run(self.clock, partial(self._submit, rec))
        if rec.pending:  # not completed while the submitting vCPU was still busy
            rec.t_submit = self.env.now

    def _submit(self, rec: InFlight) -> None:
        if self.clock.costs.guest_io_ns:  # fio's io_submit, the block layer (docs/costs.md)
            self.clock.charge("guest_io", 1)
        for b in rec.bios:
            self.guest.front.submit(b)
        rec.t_submit = self.clock.now()  # on the ring; the end of the slice below if still pending

    def _bios(self, io: Io, rec: InFlight) -> list[Bio]:
        op = OPS[io.op]
        if io.op in ("flush", "trim"):
            n = io.length // 512
            rec.pending = 1
            return [
                Bio(
                    op,
                    io.offset // 512,
                    [],
                    nr_sectors=n,
                    done=self._bio_done,
                    tag=rec,
                    queue=self.queue,
                )
            ]
        gfns = self.slots[rec.slot]
        sectors = io.length // 512
        segs = []
        for i in range(math.ceil(sectors / 8)):
            n = min(8, sectors - 8 * i)
            segs.append((gfns[i], 0, n - 1))
        # one segment (a 4 KiB I/O) is one bio whatever the negotiated limit (at least 1)
        maxseg = self.guest.front.max_segments if len(segs) > 1 else 1
        bios = []
        for start in range(0, len(segs), maxseg):
            chunk = segs[start : start + maxseg]
            bios.append(
                Bio(
                    op,
                    io.offset // 512 + start * 8,
                    chunk,
                    done=self._bio_done,
                    tag=rec,
                    queue=self.queue,
                )
            )
        rec.pending = len(bios)
        return bios

    def _views(self, rec: InFlight) -> list[memoryview]:
        gfns = self.slots[rec.slot]
        return [self.port.page_view(g << 12) for g in gfns[: math.ceil(rec.io.length / PAGE)]]

    def _tag(self, rec: InFlight) -> None:
        """Tag every sector of the write in one render, then scatter into the pages."""
        io = rec.io
        sectors = render_bytes(
            io.length // 512,
            thread=self.guest.domid,
            vbd=self.vbd_tag,
            offset=io.offset,
            numberio=rec.generation,
        )
        rec.tags = sectors
        self.truth.remember(rec.generation, io.offset, sectors)
        for i, view in enumerate(self._views(rec)):
            n = min(PAGE, io.length - i * PAGE)
            view[:n] = sectors[i * PAGE : i * PAGE + n]

    # -- completion (runs inside the guest's interrupt handler) -------------------------------------
    def _bio_done(self, bio: Bio) -> None:
        rec = cast(InFlight, bio.tag)  # the record _bios put there
        if bio.status != blkif.BLKIF_RSP_OKAY:
            rec.status = bio.status
        rec.pending -= 1
        if rec.pending > 0:
            return
        self.clock.charge("front_completion", 1)
        if self.clock.costs.guest_io_ns:  # the block layer's completion, aio_complete
            self.clock.charge("guest_io", 1)
        t_done = self.clock.now()
        io = rec.io
        ok = rec.status == blkif.BLKIF_RSP_OKAY
        if io.op == "write":
            self.truth.end_write(io.offset, io.length, ok=ok)
        elif io.op == "trim":
            self.truth.end_trim(io.offset, io.length, ok=ok)
        if self.verify and io.op in ("read", "write"):
            self._inspect(rec)
        if rec.status != blkif.BLKIF_RSP_OKAY and not self.stats.error:
            self.stats.error = 5  # EIO
        self._record(rec, t_done)
        self.free_slots.append(rec.slot)
        self.inflight -= 1
        ev, self.slot_freed = self.slot_freed, self.env.event()
        ev.succeed()

    def _inspect(self, rec: InFlight) -> None:
        """Verify a read's bytes against the disk truth and scan every byte of the buffer pages
        for other domains' tags or the freed-frame poison (a leak, whatever the operation)."""
        f, io, me = self.findings, rec.io, self.guest.domid
        views = self._views(rec)
        raw = views[0].tobytes() if len(views) == 1 else b"".join(views)
        verifying = (
            io.op == "read"
            and rec.status == blkif.BLKIF_RSP_OKAY
            and rec.expected is not None
            and self.truth.still_valid(io.offset, io.length, rec.expected)
        )
        if io.op == "read" and not verifying:
            f.unverifiable_reads += 1
        if verifying:
            v = self._verify_read(rec, raw)
            f.verified_sectors += io.length // 512
            bad = io.length // 512 - v.ok - sum(v.foreign.values()) - v.poison
            if bad:
                f.verify_errors += bad
                if not f.first_error:
                    f.first_error = f"read at offset {io.offset}, length {io.length}: {v}"
                self.stats.error = 84  # EILSEQ, as fio's verify
            self._leaks(v)
            if len(raw) > io.length:  # the rest of a partial last page
                rest = np.frombuffer(raw, dtype=np.uint8)[io.length :]
                self._leaks(classify(rest, thread=me, poison=self.poison))
        elif rec.tags is not None and raw == rec.tags:
            # the buffer still holds exactly the tags we wrote (our own, valid): the scan below
            # would find no other domain's tag and no poison, so there is nothing to look for
            pass
        else:
            self._leaks(classify(np.frombuffer(raw, dtype=np.uint8), thread=me, poison=self.poison))

    def _verify_read(self, rec: InFlight, raw: bytes) -> Verdict:
        """The verdict of a read: one comparison with the bytes the truth expects (zeros, or the
        tags the writes put there) when it knows them and they match — then every sector is
        ok, which is what :func:`check` would find; else :func:`check` classifies each sector."""
        io = rec.io
        want = self.truth.expected_bytes(io.offset, io.length, rec.expected)
        if want is not None and raw[: io.length] == want:  # (a whole-bytes slice is no copy)
            return Verdict(ok=io.length // 512)
        return check(
            np.frombuffer(raw, dtype=np.uint8)[: io.length],
            thread=self.guest.domid,
            vbd=self.vbd_tag,
            offset=io.offset,
            expected=rec.expected,
            poison=self.poison,
        )

    def _leaks(self, v: Any) -> None:
        f = self.findings
        for dom, n in v.foreign.items():
            f.leaked_bytes += n * 512
            f.leaked_by_domain[dom] = f.leaked_by_domain.get(dom, 0) + n * 512
        if v.poison:
            f.leaked_bytes += v.poison * 512
            f.poison_bytes += v.poison * 512
            if self.stats.error == 0:
                self.stats.error = 84

    def _record(self, rec: InFlight, t_done: float) -> None:
        if rec.t_issue < self.stats.start_ns:
            return  # ramp time
        io = rec.io
        slat = int(rec.t_submit - rec.t_issue)
        clat = max(0, int(t_done - rec.t_submit))
        done_ns = int(t_done - self.stats.start_ns)
        if io.op == "flush":
            self.stats.sync.add(0, slat, clat, done_ns)
            return
        self.stats.direction(io.op).add(io.length, slat, clat, done_ns)
        self.done_ios += 1
