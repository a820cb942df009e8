"""XenbusState values and virtual-device numbers (xen-abi.md §4.1, §4.2; XL xen-vbd-interface.7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blkswap.abi import AbiError, XenbusState, vdev_decode, vdev_encode

TABLE = [  # (name, number) computed by hand from the encoding rules in xen-abi.md §4.2
    ("xvda", 202 << 8), ("xvdb", 51728), ("xvda1", 51713), ("xvdp15", (202 << 8) | (15 << 4) | 15),
    ("xvdq", (1 << 28) | (16 << 8)), ("xvdq1", (1 << 28) | (16 << 8) | 1),
    ("xvdz", (1 << 28) | (25 << 8)), ("xvdaa", (1 << 28) | (26 << 8)), ("xvdzz", (1 << 28) | (701 << 8)),
    ("xvdaaa", (1 << 28) | (702 << 8)), ("xvda16", (1 << 28) | 16), ("xvdb255", (1 << 28) | (1 << 8) | 255),
    ("sda", 8 << 8), ("sdb3", (8 << 8) | (1 << 4) | 3), ("sdp15", (8 << 8) | (15 << 4) | 15),
    ("hda", 3 << 8), ("hdb", (3 << 8) | (1 << 6)), ("hda63", (3 << 8) | 63),
    ("hdc", 22 << 8), ("hdc1", (22 << 8) | 1), ("hdd63", (22 << 8) | (1 << 6) | 63),
]  # fmt: skip


@pytest.mark.parametrize(("name", "number"), TABLE)
def test_vdev_table(name: str, number: int) -> None:
    assert vdev_encode(name) == number
    assert vdev_decode(number) == name


def test_xvda_is_51712() -> None:
    assert vdev_encode("xvda") == 51712


@pytest.mark.parametrize(
    "name",
    [
        "xvd",
        "xvda0",
        "xvda01",
        "xvdA",
        "vda",
        "nvme0n1",
        "sdq",
        "sda16",
        "hde",
        "hda64",
        "xvda256",
        5,
    ],
)
def test_bad_names(name) -> None:
    with pytest.raises(AbiError, match="virtual-device"):
        vdev_encode(name)


@pytest.mark.parametrize(
    "number",
    [-1, 0, 1 << 29, (7 << 8), (3 << 8) | (2 << 6), (22 << 8) | (3 << 6), 1 << 16, "51712"],
)
def test_bad_numbers(number) -> None:
    with pytest.raises(AbiError, match="virtual-device"):
        vdev_decode(number)


@given(disk=st.integers(0, (1 << 20) - 1), part=st.integers(0, 255))
def test_extended_xvd_round_trip(disk: int, part: int) -> None:
    number = (1 << 28) | (disk << 8) | part
    name = vdev_decode(number)
    assert name.startswith("xvd")
    # canonical names of small disks/partitions use the short form (xen-vbd-interface.7)
    expected = number if disk > 15 or part > 15 else (202 << 8) | (disk << 4) | part
    assert vdev_encode(name) == expected


def test_xenbus_states() -> None:
    assert [s.name for s in XenbusState] == [
        "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
        "Closing", "Closed", "Reconfiguring", "Reconfigured",
    ]  # fmt: skip
    assert [int(s) for s in XenbusState] == list(range(9))
    assert str(int(XenbusState.Connected)) == "4"
