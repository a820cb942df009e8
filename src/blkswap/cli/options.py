"""Argument types (integers with a floor, fio sizes, name lists, probabilities) and the host options
shared by ``blkswap run`` and ``blkswap compare``, each flag named like its scenario key."""

from __future__ import annotations

import argparse

from .common import DATAPATH_HELP, DEVICES, OUTPUT_FORMATS, _default

#: Linux TCP_RTO_MAX, ms (as blkswap.lab.config.NET_RTO_MAX_MS; not imported: the parser stays
#: free of lab imports)
NET_RTO_MAX_MS = 120_000.0


# -- argument types -----------------------------------------------------------------------------
def _int_at_least(low: int):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be ≥ {low}, got {value}")
        return value

    return parse


def _size(text: str) -> int:
    from blkswap.workload.units import parse_size

    try:
        return int(parse_size(text))
    except Exception:  # noqa: BLE001 - any parse failure is a usage error
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: bytes with an optional fio suffix (512k, 256m, 1g)"
        ) from None


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(map(repr, bad)) or repr(text)}; choose from {', '.join(known)}"
        )
    return names


def _formats(text: str) -> list[str]:
    return _names(text, OUTPUT_FORMATS, "output format")


def _one_name(text: str, known: list[str] | tuple[str, ...], what: str) -> str:
    if "," in text:
        raise argparse.ArgumentTypeError(f"{text!r}: one {what}, not a list")
    return _names(text, known, what)[0]


def _probability(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= p < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: a probability in [0, 1)")
    return p


def _finite_in(low: float, high: float):  # type: ignore[no-untyped-def]
    """A float in (low, high]: nan, inf and out-of-range values are usage errors."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low < value <= high:  # false for nan
            raise argparse.ArgumentTypeError(f"{text!r}: a number in ({low:g}, {high:g}]")
        return value

    return parse


def _datapath(text: str) -> str:
    return _one_name(text, [*DATAPATH_HELP, "all"], "data path")


def _device(text: str) -> str:
    return _one_name(text, DEVICES, "device model")


def _add_lab_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "host (flags override --scenario; scenario keys of the same names, but\n"
        "direct_io, scrub and verify for --direct, --no-swap-scrub and --no-verify)"
    )
    a = g.add_argument
    a("--scenario", metavar="FILE.toml", help="lab settings from a scenario TOML file")
    a("--guests", type=_int_at_least(1), metavar="N",
      help=f"guest domains, one disk (xvda) each [default {_default('guests')}; main job 4]")  # fmt: skip
    a("--dom0-vcpus", type=_int_at_least(1), metavar="N",
      help=f"dom0 vCPUs; TLB-flush IPIs reach all of them [default {_default('dom0_vcpus')}]")  # fmt: skip
    a("--guest-vcpus", type=_int_at_least(1), metavar="N",
      help=f"vCPUs per guest [default {_default('guest_vcpus')}]")  # fmt: skip
    a("--backend-threads", type=_int_at_least(0), metavar="N",
      help="backend event loops, 0 = one per dom0 vCPU [default 0]")  # fmt: skip
    a("--device", type=_device, metavar="MODEL",
      help=f"device timing model: {', '.join(DEVICES)} [default {_default('device')}]")  # fmt: skip
    a("--costs", metavar="PROFILE",
      help=f"cost profile: x86-2010, x86-modern or a TOML file [default {_default('costs')}]")  # fmt: skip
    a("--storage", choices=("raw", "ram", "null"),
      help="disk images: raw files, RAM, or null (no data) [default raw]")  # fmt: skip
    a("--image-dir", metavar="DIR", help="where raw images go [default: a temporary folder]")
    a("--direct", dest="direct_io", action="store_true", default=None,
      help="open raw images with O_DIRECT")  # fmt: skip
    a("--disk-size", type=_size, metavar="SIZE",
      help="bytes per disk, fio suffixes (256m, 1g) [default 256m]")  # fmt: skip
    a("--guest-abi", choices=("x86_64", "x86_32", "mixed"), help="guest ABI [default x86_64]")
    a("--ring-page-order", type=int, choices=range(5), metavar="0-4",
      help="frontend ring-page-order wish (ring pages = 2^order) [default 0]")  # fmt: skip
    a("--queues", type=_int_at_least(1), metavar="N",
      help="rings per disk the frontend asks for [default 1]")  # fmt: skip
    a("--max-indirect-segments", type=_int_at_least(0), metavar="N",
      help="frontend indirect-segment cap; ≤ 11 disables indirect [default 32]")  # fmt: skip
    a("--no-swap-scrub", dest="scrub", action="store_false", default=None,
      help="swap/transfer: do NOT zero frames crossing domains (shows the leak)")  # fmt: skip
    a("--swap-copyback", action="store_true", default=None,
      help="swap: copy write data back into the guest's new frame")  # fmt: skip
    a("--copy-flavour", choices=("gntcopy", "blktap2"),
      help="copy path: GNTTABOP_copy, or blktap2's map + memcpy [default gntcopy]")  # fmt: skip
    a("--pool-frames", type=_int_at_least(0), metavar="N",
      help="frames of dom0's default pool for foreign I/O, 0 = sized from the device "
      "queue depth (≥ 704); more pools: [[pool]] in a scenario [default 0]")  # fmt: skip
    a("--net-loss", type=_probability, metavar="P",
      help="device net: probability a page's data or its TCP ACK is lost [default 0]")  # fmt: skip
    a("--net-rto-ms", type=_finite_in(0.0, NET_RTO_MAX_MS), metavar="MS",
      help="device net: TCP retransmission timeout, ms [default 200 = Linux TCP_RTO_MIN]")  # fmt: skip
    a("--hazard-policy", choices=("none", "wait", "replace", "abandon"),
      help="pages still referenced after a write completes (TCP retransmits): none (release "
      "anyway: shows the bug), wait (Linux: retry every 5 ms × attempt), replace (copy + "
      "unmap_and_replace), abandon (give the frame away, refill the pool) [default none]")  # fmt: skip
    a("--faults", metavar="PLAN.toml",
      help="inject storage faults from a seeded plan: EIO, short, torn, latency, hang, and a "
      "power cut with [durability] (docs/storage.md)")  # fmt: skip
    a("--no-verify", dest="verify", action="store_false", default=None,
      help="do not tag written sectors nor verify reads")  # fmt: skip
    a("--seed", type=int, help="run seed, mixed into job seeds when randrepeat=0 [default 0]")
    _add_host_options(p)


def _add_host_options(p: argparse.ArgumentParser) -> None:
    h = p.add_argument_group(
        'physical host ([host] in a scenario; docs/costs.md "Host")'
    ).add_argument
    h("--pcpus", type=_int_at_least(1), metavar="N",
      help="physical CPUs under the vCPUs [default: one per vCPU, no host model]")  # fmt: skip
    h("--sockets", type=_int_at_least(1), metavar="N", help="sockets [default 1]")
    h("--smt", type=_int_at_least(1), metavar="N", help="threads per core [default 1]")
    h("--dom0-pin", type=_int_at_least(0), metavar="N",
      help="dom0 vCPUs run only on the first N pCPUs, 0 = floating [default 0]")  # fmt: skip
    h("--sched", choices=("credit", "credit2", "null"), help="Xen scheduler [default credit]")
    h("--dom0-weight", type=_int_at_least(1), metavar="W",
      help="credit weight of dom0 [default 256]")  # fmt: skip
    h("--guest-weight", type=_int_at_least(1), metavar="W",
      help="credit weight of each guest [default 256]")  # fmt: skip
