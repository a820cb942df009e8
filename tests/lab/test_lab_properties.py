"""Property tests end to end (hypothesis): random mixes of READ / WRITE / FLUSH / DISCARD bios with
random sizes, offsets and segment layouts, on random data paths and ABIs, submitted in random
batches. Invariants: every bio completes exactly once with OKAY, reads return the last data written
(discard reads back zeros, as RamStore documents), the disk ends equal to a plain bytearray model,
and the emulated host audits clean after the frontend closes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lab_rig import Rig, get_segments, store_bytes

from blkswap.abi import blkif
from blkswap.back.datapaths.base import DataPathOptions

DISK_SECTORS = 256  # 128 KiB: small, so random requests overlap often
PATHS = ("map", "copy", "blktap2", "swap", "persistent", "transfer")
OPS = (
    blkif.BLKIF_OP_READ,
    blkif.BLKIF_OP_WRITE,
    blkif.BLKIF_OP_FLUSH_DISKCACHE,
    blkif.BLKIF_OP_DISCARD,
)


@st.composite
def segment(draw) -> tuple[int, int]:
    first = draw(st.integers(0, 7))
    return first, draw(st.integers(first, 7))


@st.composite
def bio_spec(draw, max_segs: int) -> tuple:
    op = draw(st.sampled_from(OPS))
    if op == blkif.BLKIF_OP_DISCARD:
        n = draw(st.integers(1, 40))
        return op, draw(st.integers(0, DISK_SECTORS - n)), n, []
    flush = op == blkif.BLKIF_OP_FLUSH_DISKCACHE  # 0 segments allowed; never indirect
    layout = draw(
        st.lists(segment(), min_size=0 if flush else 1, max_size=11 if flush else max_segs)
    )
    n = sum(last - first + 1 for first, last in layout)
    return op, draw(st.integers(0, DISK_SECTORS - n)), n, layout


@st.composite
def scenario(draw) -> tuple:
    path = draw(st.sampled_from(PATHS))
    proto = draw(st.sampled_from(("x86_64-abi", "x86_32-abi")))
    max_segs = 11 if path == "swap" else 16  # > 11 goes indirect where the backend offers it
    batches = draw(
        st.lists(st.lists(bio_spec(max_segs), min_size=1, max_size=5), min_size=1, max_size=6)
    )
    return path, proto, batches


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario(), st.integers(0, 2**32 - 1))
def test_random_io_keeps_data_and_host_consistent(scn: tuple, seed: int) -> None:
    path, proto, batches = scn
    name = "copy" if path == "blktap2" else path
    opts = DataPathOptions(copy_flavour="blktap2") if path == "blktap2" else None
    rig = Rig(name, (proto,), options=opts, disk_bytes=DISK_SECTORS * 512, guest_pages=200)
    g = rig.guest()
    model = bytearray(DISK_SECTORS * 512)
    gen = seed
    for batch in batches:
        pending = []
        for op, sector, n, layout in batch:
            gen = (gen * 6364136223846793005 + 1442695040888963407) % 2**64
            if op == blkif.BLKIF_OP_DISCARD:
                bio = rig.bio(g, op, sector, [])
                bio.nr_sectors = n
            else:
                is_write = op != blkif.BLKIF_OP_READ
                data = gen.to_bytes(8, "little") * (n * 64) if is_write else None
                bio = rig.bio(g, op, sector, layout, data)
                bio.tag = data  # swap without copyback scrubs the buffer: remember what went out
            pending.append((bio, n))
            rig.submit(g, bio, pump=False)
        rig.pump()
        # SyncIo serves one ring FIFO: the model applies the batch in submission order
        for bio, n in pending:
            assert g.done.count(bio) == 1, "every bio completes exactly once"
            assert bio.status == blkif.BLKIF_RSP_OKAY, (path, bio.op, bio.sector, n)
            lo, hi = bio.sector * 512, (bio.sector + n) * 512
            if bio.op == blkif.BLKIF_OP_DISCARD:
                model[lo:hi] = bytes(hi - lo)
            elif bio.op == blkif.BLKIF_OP_READ:
                assert get_segments(g.port, bio.segments) == model[lo:hi], (path, bio.sector)
            elif bio.segments:
                model[lo:hi] = bio.tag
            for gfn, _, _ in bio.segments:
                g.port.free_page(gfn)
    assert store_bytes(g.store, 0, len(model)) == model
    assert g.front.in_flight == 0 and rig.ring().in_flight == 0
    rig.close()
    assert rig.xen.audit() == []
