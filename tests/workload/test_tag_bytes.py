"""render_bytes (integers, a few sectors) gives exactly the bytes of tags.render (numpy), and
those bytes are valid tags (zlib CRCs, classified as ours)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blkswap.workload.tag_bytes import SMALL, render_bytes
from blkswap.workload.tags import check, render

U64 = 2**64 - 1


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, SMALL + 3),  # both sides of the switch to numpy
    thread=st.integers(0, 0xFFFF),
    vbd=st.integers(0, 0xFFFF),
    sector=st.integers(0, 2**40),
    numberio=st.one_of(st.integers(1, 1000), st.integers(0, U64)),
)
def test_same_bytes_as_the_numpy_render(
    n: int, thread: int, vbd: int, sector: int, numberio: int
) -> None:
    kw = {"thread": thread, "vbd": vbd, "offset": sector * 512, "numberio": numberio}
    got = render_bytes(n, **kw)
    assert got == render(n, **kw).tobytes()
    assert len(got) == 512 * n


def test_the_bytes_are_valid_tags() -> None:
    raw = render_bytes(8, thread=3, vbd=51712, offset=4096 * 9, numberio=77)
    for i in range(8):
        sector = raw[512 * i : 512 * (i + 1)]
        magic, offset, numberio, crc, hdr_crc = struct.unpack_from("<IxxxxQQII", sector)
        assert magic & 0xFFFF == 0xACCA
        assert (offset, numberio) == (4096 * 9 + 512 * i, 77)
        assert crc == zlib.crc32(sector[32:])
        assert hdr_crc == zlib.crc32(sector[:28])
    verdict = check(
        np.frombuffer(raw, dtype=np.uint8), thread=3, vbd=51712, offset=4096 * 9, expected=77
    )
    assert verdict.ok == 8


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"offset": 100}, "not a non-negative multiple"),
        ({"offset": -512}, "not a non-negative multiple"),
        ({"thread": 1 << 16}, "must fit in 16 bits"),
        ({"vbd": -1}, "must fit in 16 bits"),
    ],
)
def test_bad_arguments_raise_as_render_does(kw: dict[str, int], message: str) -> None:
    args = {"thread": 1, "vbd": 2, "offset": 0, "numberio": 5, **kw}
    with pytest.raises(ValueError, match=message):
        render_bytes(4, **args)
    with pytest.raises(ValueError, match=message):
        render(4, **args)
