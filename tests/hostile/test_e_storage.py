"""Catalog E: storage faults under every data path (storage/faults.py, storage/durability.py):
a failed I/O is answered BLKIF_RSP_ERROR and hands the guest no bytes it did not ask for;
writes acknowledged before a completed flush survive a power cut; a seed replays its faults."""

from __future__ import annotations

import errno

import pytest
from lab_rig import Rig, pattern, store_bytes

from blkswap.abi import blkif
from blkswap.abi.blkif import Segment
from blkswap.back.io import flush_supported, perform
from blkswap.back.request import BlkRequest, PendingReq
from blkswap.front.bio import Bio
from blkswap.lab import Lab
from blkswap.storage import RamStore
from blkswap.storage.base import StorageError
from blkswap.storage.durability import CachedDisk, lost_acknowledged_writes
from blkswap.storage.faults import FaultPlan, FaultRule, FaultyStore

OK, ERR = blkif.BLKIF_RSP_OKAY, blkif.BLKIF_RSP_ERROR
READ, WRITE, FLUSH = blkif.BLKIF_OP_READ, blkif.BLKIF_OP_WRITE, blkif.BLKIF_OP_FLUSH_DISKCACHE
BARRIER, DISCARD = blkif.BLKIF_OP_WRITE_BARRIER, blkif.BLKIF_OP_DISCARD
NOTSUPP = blkif.BLKIF_RSP_EOPNOTSUPP
PATHS = ["map", "copy", "swap", "persistent", "transfer"]
DISK = 4 << 20


def faulty_rig(path: str, *rules: FaultRule, seed: int = 0) -> tuple[Rig, FaultyStore]:
    fs = FaultyStore(RamStore(DISK), FaultPlan(rules, seed))
    return Rig(path, ("x86_64-abi", "x86_64-abi"), stores=[fs, RamStore(DISK)]), fs


@pytest.mark.row("E1", "F4")
@pytest.mark.parametrize("path", PATHS)
def test_eio_on_read_is_an_error_and_the_buffer_gets_nothing(path):
    """A read that fails is BLKIF_RSP_ERROR; the guest's buffer keeps its own bytes or is zero
    (no pool frame handed over on swap/transfer); the other guest is unaffected."""
    rig, fs = faulty_rig(path, FaultRule("eio", op="read", offset=64 * 512, length=4096))
    g = rig.guest()
    rig.write(g, 64, pattern(4096, 1))
    bio = rig.bio(g, READ, 64, [(0, 7)])
    gfn = bio.segments[0][0]
    before = bytes(g.port.page_view(gfn << 12))
    rig.submit(g, bio)
    assert bio.status == ERR and g.done.count(bio) == 1
    if gfn in g.port.dom.neutered:
        g.port.restore(gfn)
    # its own bytes, or (transfer: the ballooned-out hole refilled) a zeroed page, nothing else
    assert bytes(g.port.page_view(gfn << 12)) in (before, bytes(4096))
    other = rig.guest(1)
    rig.write(other, 64, pattern(4096, 2))
    assert rig.read(other, 64, 4096)[1] == pattern(4096, 2)
    assert fs.plan.injected()["eio"] == 1


@pytest.mark.row("E2")
@pytest.mark.parametrize("path", PATHS)
def test_eio_on_write_is_an_error_and_the_old_data_stays(path):
    rig, fs = faulty_rig(path, FaultRule("eio", op="write", after=1, count=1))
    g = rig.guest()
    assert rig.write(g, 8, pattern(4096, 1)).status == OK
    assert rig.write(g, 8, pattern(4096, 9)).status == ERR
    bio, got = rig.read(g, 8, 4096)
    assert bio.status == OK and got == pattern(4096, 1)


@pytest.mark.row("E4")
@pytest.mark.parametrize("path", PATHS)
def test_a_torn_write_leaves_each_sector_old_or_new(path):
    rig, fs = faulty_rig(path, FaultRule("torn", op="write", fraction=0.4, after=1, count=1))
    g = rig.guest()
    old, new = pattern(8192, 1), pattern(8192, 2)
    assert rig.write(g, 0, old).status == OK
    assert rig.write(g, 0, new).status == ERR
    got = store_bytes(fs, 0, 8192)
    sectors = [got[i : i + 512] for i in range(0, 8192, 512)]
    assert all(s in (old[i * 512 : i * 512 + 512], new[i * 512 : i * 512 + 512])
               for i, s in enumerate(sectors))  # fmt: skip
    assert sectors[:6] == [new[i * 512 : i * 512 + 512] for i in range(6)]  # 40 % of 16


def _flush(rig: Rig, g) -> Bio:
    bio = Bio(FLUSH, 0, [], done=g.done)
    rig.submit(g, bio)
    return bio


@pytest.mark.row("E5")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_writes_acknowledged_before_a_completed_flush_survive_a_power_cut(path, seed):
    """Guest writes, a FLUSH completes, more writes, then the power goes: every write the guest
    saw completed before the flush is on the media (lost acknowledged writes: 0)."""
    disk = CachedDisk(RamStore(DISK), seed=seed)
    rig = Rig(path, stores=[disk])
    g = rig.guest()
    for i in range(16):
        assert rig.write(g, i * 8, pattern(4096, i)).status == OK
    assert _flush(rig, g).status == OK
    for i in range(16):
        assert rig.write(g, i * 8, pattern(4096, 100 + i)).status == OK
    assert disk.power_cut(survive=0.5) > 0
    assert lost_acknowledged_writes(disk) == 0


@pytest.mark.row("E5")
@pytest.mark.parametrize("path", ["map", "copy"])
def test_a_flush_acknowledged_before_it_is_done_loses_acknowledged_writes(path):
    """The check can fail: a device (or backend) that answers FLUSH before writing its cache
    loses writes the guest was told are durable."""
    disk = CachedDisk(RamStore(DISK), honest=False, seed=4)
    rig = Rig(path, stores=[disk])
    g = rig.guest()
    for i in range(16):
        assert rig.write(g, i * 8, pattern(4096, i)).status == OK
    assert _flush(rig, g).status == OK
    disk.power_cut(survive=0.5)
    assert lost_acknowledged_writes(disk) > 0


@pytest.mark.row("E7")
@pytest.mark.parametrize("path", PATHS)
def test_a_seeded_fault_schedule_replays_the_same_outcome(path):
    """The same seed gives the same statuses and the same disk; another seed differs."""

    def run(seed: int) -> tuple[list[int], bytes]:
        rig, fs = faulty_rig(path, FaultRule("eio", op="any", probability=0.3), seed=seed)
        g = rig.guest()
        statuses = [rig.write(g, i * 8, pattern(4096, i)).status for i in range(24)]
        statuses += [rig.read(g, i * 8, 4096)[0].status for i in range(24)]
        return statuses, store_bytes(fs, 0, 24 * 4096)

    a, b, c = run(11), run(11), run(12)
    assert a == b and a != c and ERR in a[0] and OK in a[0]


@pytest.mark.row("E3", "F4")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.875])
def test_a_short_read_is_an_error_and_hands_over_no_unread_byte(path, fraction):
    """The store fills only part of the buffer and says so: BLKIF_RSP_ERROR, and the guest's
    page holds its own bytes or zeros — never pool residue (the other guest's data went
    through the same pool frames first)."""
    rig, fs = faulty_rig(
        path, FaultRule("short", op="read", fraction=fraction, offset=0, length=4096)
    )
    g, other = rig.guest(0), rig.guest(1)
    rig.write(g, 0, pattern(4096, 1))
    for i in range(8):
        rig.write(other, 8 * i, b"O" * 4096)
        rig.read(other, 8 * i, 4096)
    bio = rig.bio(g, READ, 0, [(0, 7)])
    gfn = bio.segments[0][0]
    before = bytes(g.port.page_view(gfn << 12))
    rig.submit(g, bio)
    assert bio.status == ERR and g.done.count(bio) == 1
    if gfn in g.port.dom.neutered:
        g.port.restore(gfn)
    page = bytes(g.port.page_view(gfn << 12))
    assert b"OOOO" not in page
    if path in ("copy", "swap", "transfer"):  # bytes pass through dom0 frames: none handed over
        assert page in (before, bytes(4096))
    assert fs.plan.injected()["short"] == 1


@pytest.mark.row("E3")
@pytest.mark.parametrize("path", PATHS)
def test_a_short_write_is_an_error(path):
    rig, fs = faulty_rig(path, FaultRule("short", op="write", fraction=0.5, after=1, count=1))
    g = rig.guest()
    assert rig.write(g, 0, pattern(4096, 1)).status == OK
    assert rig.write(g, 8, pattern(4096, 2)).status == ERR
    assert rig.write(g, 16, pattern(4096, 3)).status == OK


@pytest.mark.row("E7")
@pytest.mark.parametrize("kind", ["latency", "hang"])
def test_timing_faults_apply_only_to_io_touching_their_range(kind):
    """A latency or hang rule with offset/length delays only I/Os overlapping [offset,
    offset + length), as eio and short do; an I/O elsewhere is untouched and does not use up
    the rule's count; a flush (the whole device) matches."""
    from blkswap.storage.devices import device_model
    from blkswap.storage.faults import FaultyDevice

    rule = FaultRule(kind, op="any", offset=8192, length=4096, delay_ms=3.0, count=3)
    dev = FaultyDevice(device_model("nvme"), FaultPlan((rule,)))
    base = device_model("nvme").latency_ns("read")
    at = [dev.latency_ns("read", False, off, n) for off, n in
          ((0, 4096), (12288, 4096), (8192, 4096), (4096, 8192), (0, 8192))]  # fmt: skip
    assert at == [base, base, base + 3_000_000, base + 3_000_000, base]
    assert dev.latency_ns("flush", False, None, 0) == (
        device_model("nvme").latency_ns("flush") + 3_000_000
    )
    assert dev.plan.injected()[kind] == 3
    assert dev.latency_ns("read", False, 8192, 4096) == base  # count exhausted


@pytest.mark.row("E7")
def test_a_timed_run_passes_each_io_offset_to_the_timing_faults(tmp_path):
    """Through the timing layer: a latency rule on a range the job never touches fires 0
    times; on the range it writes, once per write there."""
    (tmp_path / "j.fio").write_text("[w]\nrw=write\nbs=4k\nsize=64k\niodepth=1\n")

    def injected(offset: int) -> int:
        plan = tmp_path / f"p{offset}.toml"
        plan.write_text(f'[[fault]]\nkind = "latency"\nop = "write"\ndelay_ms = 1\n'
                        f"offset = {offset}\nlength = 8192\n")  # fmt: skip
        res = Lab(guests=1, storage="ram", disk_size=8 << 20, faults=str(plan)).run(
            str(tmp_path / "j.fio")
        )
        return res.run.blkswap["faults"]["injected"]["latency"]

    assert injected(4 << 20) == 0
    assert injected(16384) == 2  # the 4 KiB writes at 16 and 20 KiB


# --- back/io.py perform() by value (found by mutation testing, tools/mutation.py) --------------


class ScriptedStore(RamStore):
    """A RamStore whose flush/discard raise the next exception of a script (None: succeed)."""

    def __init__(self, flush=(), discard=()) -> None:
        super().__init__(DISK)
        self.flush_script, self.discard_script = list(flush), list(discard)
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        err = self.flush_script.pop(0) if self.flush_script else None
        if err is not None:
            raise err

    def discard(self, offset: int, length: int) -> None:
        err = self.discard_script.pop(0) if self.discard_script else None
        if err is not None:
            raise err
        super().discard(offset, length)


def _req(op: int, sector: int = 0, data: bytes = b"", ring: object = None) -> PendingReq:
    """A validated request straight to perform() (one full-page segment per 4 KiB of data)."""
    n = len(data) // 4096
    segs = tuple(Segment(100 + i, 0, 7) for i in range(n))
    nr = len(data) // 512 if op != DISCARD else 16
    req = PendingReq(ring, BlkRequest(1, op, op, sector, nr, segs))  # type: ignore[arg-type]
    req.bufs = [memoryview(bytearray(data[i * 4096 : (i + 1) * 4096])) for i in range(n)]
    return req


@pytest.mark.row("E6")
@pytest.mark.parametrize("err", [errno.EIO, errno.ETIMEDOUT])  # below and above EOPNOTSUPP
@pytest.mark.parametrize("exc", ["os", "storage"])
def test_perform_latches_a_failed_flush_and_plain_writes_never_flush(err: int, exc: str):
    """The first flush fails (an OSError other than EOPNOTSUPP, or a StorageError) and the store
    would then succeed: every later flush or barrier is ERROR without asking the store; a plain
    WRITE neither flushes nor fails."""
    first = OSError(err, "flush failed") if exc == "os" else StorageError("flush failed")
    store = ScriptedStore(flush=[first])
    assert perform(_req(WRITE, 0, pattern(4096, 1)), store) == OK and store.flushes == 0
    assert perform(_req(FLUSH), store) == ERR and store.flushes == 1
    assert perform(_req(FLUSH), store) == ERR and store.flushes == 1  # latched: not asked
    assert perform(_req(BARRIER, 8, pattern(4096, 2)), store) == ERR
    assert store_bytes(store, 8 * 512, 4096) == bytes(4096)  # PREFLUSH failed: no data written
    assert perform(_req(WRITE, 16, pattern(4096, 3)), store) == OK and store.flushes == 1
    assert store_bytes(store, 16 * 512, 4096) == pattern(4096, 3)
    assert flush_supported(store)


@pytest.mark.row("D9")
def test_perform_answers_eopnotsupp_for_a_store_without_flush_and_latches_nothing():
    store = ScriptedStore(flush=[OSError(errno.EOPNOTSUPP, "no flush")] * 2)
    assert perform(_req(FLUSH), store) == NOTSUPP
    assert not flush_supported(store)
    assert perform(_req(BARRIER, 8, pattern(4096, 2)), store) == NOTSUPP  # asked again
    assert store.flushes == 2 and store_bytes(store, 8 * 512, 4096) == bytes(4096)
    assert perform(_req(FLUSH), store) == OK and store.flushes == 3  # the store flushes now


@pytest.mark.row("E8")
@pytest.mark.parametrize("err", [errno.EOPNOTSUPP, errno.EIO])
def test_perform_a_discard_the_store_refuses_is_an_error_and_says_nothing_of_flushes(err: int):
    store = ScriptedStore(discard=[OSError(err, "no discard")])
    assert perform(_req(WRITE, 0, pattern(16384, 4)), store) == OK
    assert perform(_req(DISCARD, 8), store) == ERR
    assert flush_supported(store) and store.flushes == 0
    assert store_bytes(store, 0, 16384) == pattern(16384, 4)


@pytest.mark.row("E8")
def test_perform_discards_exactly_the_requested_sectors():
    """DISCARD of sectors 8..23 (16 sectors): zeros there, the bytes around untouched, no flush."""
    store = ScriptedStore()
    data = pattern(32 * 512, 6)
    assert perform(_req(WRITE, 0, data), store) == OK
    assert perform(_req(DISCARD, 8), store) == OK
    assert store_bytes(store, 0, 8 * 512) == data[: 8 * 512]
    assert store_bytes(store, 8 * 512, 16 * 512) == bytes(16 * 512)
    assert store_bytes(store, 24 * 512, 8 * 512) == data[24 * 512 :]
    assert store.flushes == 0


@pytest.mark.row("E1")
def test_perform_without_a_ring_moves_bytes_and_a_fenced_ring_moves_none():
    """A request whose ring object has no ``fenced`` flag is served; a fenced one is ERROR and
    touches nothing (perform's contract for torn-down rings)."""
    store = ScriptedStore()
    assert perform(_req(WRITE, 0, pattern(4096, 7)), store) == OK
    read = _req(READ, 0, bytes(4096))
    assert perform(read, store) == OK and bytes(read.bufs[0]) == pattern(4096, 7)

    class Fenced:
        fenced = True

    assert perform(_req(WRITE, 0, pattern(4096, 8), Fenced()), store) == ERR
    assert perform(_req(FLUSH, ring=Fenced()), store) == ERR and store.flushes == 0
    assert store_bytes(store, 0, 4096) == pattern(4096, 7)


@pytest.mark.row("E3")
@pytest.mark.parametrize("delta", [-512, 512])
def test_perform_a_store_that_miscounts_the_bytes_moved_is_an_error(delta: int):
    """readv/writev must move exactly the request's bytes: a count short or beyond it (a broken
    store) is ERROR, never OKAY."""

    class Miscounting(RamStore):
        def readv(self, offset, bufs):
            return super().readv(offset, bufs) + delta

        def writev(self, offset, bufs):
            return super().writev(offset, bufs) + delta

    store = Miscounting(DISK)
    assert perform(_req(WRITE, 0, pattern(4096, 1)), store) == ERR
    assert perform(_req(READ, 0, bytes(4096)), store) == ERR
