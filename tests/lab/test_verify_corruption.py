"""Verification stays honest after it got cheap: one byte corrupted on its way from the disk to
a guest is found in every data path, as one bad sector, whether the sector held written tags (the
truth compares with the tags it kept) or was never written (it expects zeros)."""

from __future__ import annotations

import pytest

from blkswap.lab import Lab
from blkswap.storage import ram

WRITE_THEN_READ = "[w]\nrw=write\nbs=16k\nsize=256k\n\n[r]\nstonewall\nrw=read\nbs=16k\nsize=256k\n"
READ_ONLY = "[r]\nrw=read\nbs=16k\nsize=256k\n"
PATHS = ["map", "copy", "swap", "persistent", "transfer"]


def _corrupt_one_read(monkeypatch, nth: int, at: int) -> list[int]:
    """Flip byte *at* of the *nth* read the RAM disk serves (counted from 1); returns the
    offsets of the reads corrupted (one)."""
    original = ram.RamStore.readv
    seen, hit = [0], []

    def readv(self, offset, bufs):
        done = original(self, offset, bufs)
        seen[0] += 1
        if seen[0] == nth:
            view = bufs[0].cast("B") if bufs[0].format != "B" else bufs[0]
            view[at] ^= 0x5A
            hit.append(offset)
        return done

    monkeypatch.setattr(ram.RamStore, "readv", readv)
    return hit


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("job", "what"),
    [
        pytest.param(WRITE_THEN_READ, "tags", id="tags"),
        pytest.param(READ_ONLY, "zeros", id="zeros"),
    ],
)
def test_one_corrupted_byte_is_one_verify_error(monkeypatch, path, job, what):
    hit = _corrupt_one_read(monkeypatch, nth=3, at=700)  # byte 188 of the 2nd sector
    result = Lab(datapath=path, storage="ram", device="ram", disk_size=1 << 20).run(job)
    assert len(hit) == 1
    reader = result.job("r")
    assert reader.blkswap["verify_errors"] == 1, (path, what)
    assert reader.blkswap["verified_sectors"] == 512
    assert reader.error == 84  # EILSEQ, as fio's verify
    assert f"read at offset {hit[0]}," in reader.blkswap["first_error"]
    assert result.total("leaked_bytes") == 0


@pytest.mark.parametrize("path", PATHS)
def test_clean_run_has_no_verify_error(path):
    result = Lab(datapath=path, storage="ram", device="ram", disk_size=1 << 20).run(WRITE_THEN_READ)
    assert result.job("r").blkswap["verify_errors"] == 0
    assert result.job("r").blkswap["verified_sectors"] == 512
