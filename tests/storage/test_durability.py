"""The volatile write cache and the power cut (storage/durability.py): acknowledged-then-flushed
writes survive; a device that acknowledges a flush before doing it loses them."""

from __future__ import annotations

from blkswap.storage import RamStore
from blkswap.storage.durability import CachedDisk, durability_line, lost_acknowledged_writes


def w(disk: CachedDisk, sector: int, byte: int, n: int = 1) -> None:
    disk.writev(sector * 512, [memoryview(bytes([byte]) * 512 * n)])


def media(disk: CachedDisk, sector: int) -> bytes:
    buf = bytearray(512)
    disk.media.readv(sector * 512, [memoryview(buf)])
    return bytes(buf)


def test_reads_see_the_cache_and_flush_destages_it():
    disk = CachedDisk(RamStore(1 << 20))
    w(disk, 3, 0xAA, 2)
    buf = bytearray(1536)
    disk.readv(3 * 512, [memoryview(buf)])
    assert buf == b"\xaa" * 1024 + bytes(512)
    assert media(disk, 3) == bytes(512)
    disk.flush()
    assert media(disk, 3) == b"\xaa" * 512 and disk.durable_seq == 1


def test_flushed_writes_survive_a_power_cut_whatever_the_seed():
    for seed in range(20):
        disk = CachedDisk(RamStore(1 << 20), seed=seed)
        for i in range(50):
            w(disk, i, i + 1)
        disk.flush()
        for i in range(50):  # rewrites after the flush: may or may not survive
            w(disk, i, 200 + i % 50)
        lost_sectors = disk.power_cut(survive=0.5)
        assert lost_acknowledged_writes(disk) == 0
        assert all(
            media(disk, i) in (bytes([i + 1]) * 512, bytes([200 + i]) * 512) for i in range(50)
        )
        assert 0 < lost_sectors < 50  # the cut really dropped some unflushed sectors
        assert durability_line(disk) == "lost acknowledged writes: 0"


def test_a_flush_acknowledged_before_it_is_done_loses_acknowledged_writes():
    disk = CachedDisk(RamStore(1 << 20), honest=False, seed=1)
    for i in range(50):
        w(disk, i, i + 1)
    disk.flush()  # answered at once: nothing reached the media
    assert disk.durable_seq == 50  # yet the host was told these writes are durable
    disk.power_cut(survive=0.5)
    lost = lost_acknowledged_writes(disk)
    assert 0 < lost < 50
    assert durability_line(disk) == f"lost acknowledged writes: {lost}"
