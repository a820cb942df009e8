"""Device timing models: how long a storage device takes per I/O. Pure data and arithmetic.

Lives here: :class:`DeviceModel` (frozen), the presets :data:`DEVICE_MODELS` (``null``, ``ram``,
``nvme``, ``ssd``, ``hdd``, ``net``) and :func:`device_model` (preset + overrides). No event-engine
import: ``blkswap.sim`` (or the lab) turns these numbers into queues (docs/design.md §7).

How the simulator is meant to use a model: a device admits up to ``queue_depth`` commands; at most
``service_slots`` of them are in service at once; an I/O in service takes :meth:`~DeviceModel.
service_ns` = :meth:`~DeviceModel.latency_ns` (the size-independent part: command overhead, media
access, seek, network round trip) + :meth:`~DeviceModel.transfer_ns` (bytes over the bottleneck
bandwidth). A simulator that also wants a hard throughput ceiling across slots holds a shared
"data channel" resource for ``transfer_ns`` (one channel, or one per direction when
``bandwidth_shared`` is False).

Figures marked [M] are engineering estimates (typical datasheet / benchmark magnitudes), not
measurements of a particular device; every figure is a parameter (``device_model(name, **kw)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DEVICE_MODELS", "OPS", "DeviceModel", "device_model"]

OPS = ("read", "write", "flush", "discard")
"""Operations :meth:`DeviceModel.service_ns` knows (blkif read, write, flush-diskcache, discard)."""

_NS_PER_S = 1_000_000_000


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class DeviceModel:
    """Timing of one storage device. All times in ns, sizes in bytes, rates in bytes/s."""

    name: str
    """Preset name (free text for custom models)."""
    queue_depth: int = 32
    """Commands the device accepts at once (NVMe queue, SATA NCQ, iSCSI session queue); the
    natural size for a backend's frame pool (docs/design.md §5). Unit: requests. Default 32 (NCQ)."""
    service_slots: int = 32
    """How many admitted commands are worked on concurrently (internal parallelism: 1 for a
    disk with one actuator, many for flash). Unit: requests, 1 ≤ slots ≤ queue_depth."""
    read_latency_ns: int = 0
    """Media/controller time of one read before data moves (no seek). Unit: ns. Default 0."""
    write_latency_ns: int = 0
    """Same for one write (often a DRAM write cache absorbing it). Unit: ns. Default 0."""
    flush_latency_ns: int = 0
    """Time to make the volatile write cache durable (FLUSH CACHE / fdatasync). Unit: ns."""
    bandwidth_Bps: int | None = None
    """Media/interface data rate for the payload; None = unlimited. Unit: bytes/s."""
    bandwidth_shared: bool = True
    """True: reads and writes share ``bandwidth_Bps`` (one head, one flash array, half-duplex
    link); False: each direction has it (full-duplex network). Default True."""
    seek_ns: int = 0
    """Extra time of a non-sequential access: average seek + rotational latency on a disk, 0 for
    flash and memory. Unit: ns. Default 0."""
    per_op_overhead_ns: int = 0
    """Size-independent command cost on top of the latency (driver submit, interrupt/completion,
    protocol processing). Unit: ns. Default 0."""
    rtt_ns: int = 0
    """Network round trip per command (request out, status back); 0 = local device. Unit: ns."""
    mss: int = 0
    """TCP maximum segment size carrying the payload; 0 = local device. Unit: bytes."""
    link_Bps: int = 0
    """Network link rate (one direction; Ethernet is full duplex); 0 = local. Unit: bytes/s."""
    frame_overhead_bytes: int = 0
    """Wire bytes added per segment (preamble, Ethernet/IP/TCP headers, FCS, gap). Unit: bytes."""
    retransmit_hold_ns: int = 0
    """How long after a write completes the network stack may still reference its pages (TCP
    keeps unacked data for retransmission; docs/design.md §5 retransmit hazard). 0 for local devices.
    Unit: ns."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, int) and not isinstance(v, bool) and v < 0:
                raise ValueError(f"device {self.name!r}: {f.name} must be ≥ 0, got {v}")
        if self.queue_depth < 1:
            raise ValueError(f"device {self.name!r}: queue_depth must be ≥ 1")
        if not 1 <= self.service_slots <= self.queue_depth:
            raise ValueError(
                f"device {self.name!r}: service_slots must be in 1..queue_depth "
                f"({self.queue_depth}), got {self.service_slots}"
            )
        if self.bandwidth_Bps is not None and self.bandwidth_Bps <= 0:
            raise ValueError(f"device {self.name!r}: bandwidth_Bps must be > 0 or None")
        if (self.link_Bps > 0) != (self.mss > 0):
            raise ValueError(f"device {self.name!r}: set both link_Bps and mss, or neither")

    @property
    def is_network(self) -> bool:
        return self.link_Bps > 0

    def wire_bytes(self, nbytes: int) -> int:
        """Bytes on the wire for a payload of ``nbytes`` (payload + per-segment overhead)."""
        if not self.is_network:
            return nbytes
        return nbytes + _ceil_div(nbytes, self.mss) * self.frame_overhead_bytes

    def latency_ns(
        self, op: str, sequential: bool = False, offset: int | None = None, nbytes: int = 0
    ) -> int:
        """Size-independent part of one I/O: overhead + media latency (+ seek) (+ RTT).
        ``offset``/``nbytes`` (where the I/O is) matter only to fault rules (storage/faults.py)."""
        _check_op(self.name, op)
        media = {
            "read": self.read_latency_ns,
            "write": self.write_latency_ns,
            "flush": self.flush_latency_ns,
            "discard": self.write_latency_ns,  # lab: a trim costs like a small write, no data
        }[op]
        seek = self.seek_ns if op in ("read", "write") and not sequential else 0
        return self.per_op_overhead_ns + media + seek + self.rtt_ns

    def transfer_ns(self, op: str, nbytes: int) -> int:
        """Time to move ``nbytes`` of payload at the bottleneck rate (0 for flush/discard)."""
        _check_op(self.name, op)
        if not isinstance(nbytes, int) or nbytes < 0:
            raise ValueError(f"device {self.name!r}: nbytes must be an int ≥ 0, got {nbytes!r}")
        if op not in ("read", "write") or nbytes == 0:
            return 0
        media = _ceil_div(nbytes * _NS_PER_S, self.bandwidth_Bps) if self.bandwidth_Bps else 0
        wire = (
            _ceil_div(self.wire_bytes(nbytes) * _NS_PER_S, self.link_Bps) if self.is_network else 0
        )
        return max(media, wire)

    def service_ns(self, op: str, nbytes: int, sequential: bool = False) -> int:
        """Time the device needs for one I/O once it holds a service slot."""
        return self.latency_ns(op, sequential) + self.transfer_ns(op, nbytes)


def _check_op(name: str, op: str) -> None:
    if op not in OPS:
        raise ValueError(f"device {name!r}: unknown op {op!r}; valid ops: {', '.join(OPS)}")


_PRESETS = (
    # null_blk (Linux Documentation/block/null_blk.rst): hw_queue_depth default 64, irqmode=1
    # (softirq completion) → no media time; ~1 µs block-layer submit+complete per I/O [M].
    DeviceModel("null", queue_depth=64, service_slots=64, per_op_overhead_ns=1_000),
    # brd-style RAM disk: data moves at memcpy speed, ≈10 GB/s (docs/design.md §7); ~1 µs per op [M];
    # bio-based, no hardware queue: 128 = blk-mq default nr_requests (lab choice).
    DeviceModel(
        "ram",
        queue_depth=128,
        service_slots=128,
        per_op_overhead_ns=1_000,
        bandwidth_Bps=10_000_000_000,
    ),
    DeviceModel(
        "nvme",
        queue_depth=1023,  # Linux nvme io_queue_depth default 1024, one slot kept empty
        service_slots=64,  # [M] controller channels × dies; the bandwidth caps 4 KiB IOPS anyway
        read_latency_ns=10_000,  # low-latency NVMe class ~10 µs (mainstream TLC ~70–90 µs [M])
        write_latency_ns=20_000,  # [M] lands in the controller's DRAM write cache
        flush_latency_ns=100_000,  # [M] cache flush; ~0 with power-loss protection
        bandwidth_Bps=3_000_000_000,  # PCIe 3.0 x4 (3.9 GB/s raw); datasheets ~3–3.5 GB/s
        per_op_overhead_ns=2_000,  # [M] nvme driver submit + MSI-X completion
    ),
    DeviceModel(
        "ssd",
        queue_depth=32,  # SATA NCQ: 32 tags
        service_slots=8,  # [M] gives ~85k 4 KiB random-read IOPS at QD32, typical SATA SSD
        read_latency_ns=80_000,  # SATA SSD 4 KiB random read ~80 µs at QD1 [M]
        write_latency_ns=50_000,  # [M] absorbed by the DRAM/SLC cache
        flush_latency_ns=2_000_000,  # [M] FLUSH CACHE without power-loss protection: 1–5 ms
        bandwidth_Bps=500_000_000,  # SATA 6 Gb/s = 600 MB/s after 8b/10b; datasheets ~530 MB/s
        per_op_overhead_ns=5_000,  # [M] AHCI/libata command path
    ),
    DeviceModel(
        "hdd",
        queue_depth=32,  # SATA NCQ
        service_slots=1,  # one actuator: commands are serviced one at a time
        read_latency_ns=50_000,  # [M] command + head settle on a sequential stream
        write_latency_ns=50_000,  # [M] write cache enabled
        flush_latency_ns=10_000_000,  # [M] destage the write cache: about one seek + rotation
        bandwidth_Bps=150_000_000,  # 7200 rpm sequential ~150 MB/s (outer tracks ~200)
        # 7200 rpm: avg rotational latency 60/7200/2 = 4.17 ms + datasheet avg seek ~8.5 ms
        # ≈ 12.7 ms → ~80 random IOPS at QD1. An image confined to a few GB (short stroke) sees
        # ~1 ms seeks: override seek_ns≈5_000_000.
        seek_ns=12_500_000,
        per_op_overhead_ns=5_000,  # [M] AHCI/libata command path
    ),
    DeviceModel(
        "net",  # iSCSI-like initiator over 10GbE to a flash-backed target
        queue_depth=32,  # open-iscsi node.session.queue_depth default 32
        service_slots=32,  # the target serves the session's commands concurrently
        read_latency_ns=20_000,  # [M] target stack + flash backing store
        write_latency_ns=20_000,  # [M]
        flush_latency_ns=100_000,  # [M] SYNCHRONIZE CACHE on the target (RTT added on top)
        bandwidth_Bps=None,  # the link is the bottleneck
        bandwidth_shared=False,  # Ethernet is full duplex
        per_op_overhead_ns=10_000,  # [M] initiator + target iSCSI/TCP processing
        rtt_ns=100_000,  # 10GbE data-centre round trip incl. both stacks ~100 µs [M]
        mss=1448,  # 1500 MTU − 20 IPv4 − 20 TCP − 12 timestamp option
        link_Bps=1_250_000_000,  # 10 Gb/s
        frame_overhead_bytes=90,  # preamble 8 + Ethernet 14 + FCS 4 + gap 12 + IP 20 + TCP 32
        retransmit_hold_ns=200_000_000,  # Linux TCP_RTO_MIN = 200 ms before a retransmit
    ),
)

DEVICE_MODELS: Mapping[str, DeviceModel] = MappingProxyType({m.name: m for m in _PRESETS})
"""Read-only preset table, keyed by name."""


def device_model(name: str, **overrides: object) -> DeviceModel:
    """Preset ``name`` with fields replaced by ``overrides`` (validated like a new model)."""
    try:
        base = DEVICE_MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown device model {name!r}; valid names: {', '.join(DEVICE_MODELS)}"
        ) from None
    fields = {f.name for f in dataclasses.fields(DeviceModel)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(
            f"unknown DeviceModel field(s) {', '.join(unknown)}; valid: {', '.join(sorted(fields))}"
        )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]
