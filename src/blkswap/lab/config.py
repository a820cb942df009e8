"""Lab settings: the modelled host (guests, vCPUs, device, data path, costs, pools …).

Every field is a documented knob with a unit and a default (docs/design.md lesson 8). The same names are
used by the command-line flags (``--guest-vcpus`` ↔ ``guest_vcpus``) and scenario TOML files.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from blkswap.back.datapaths import DATAPATHS
from blkswap.back.datapaths.grant_copy import FLAVOURS as COPY_FLAVOURS
from blkswap.timing.host import HOST_KEYS, HostSpec, HostSpecError, host_table

GUEST_ABIS = ("x86_64", "x86_32", "mixed")
STORAGE_KINDS = ("raw", "ram", "null")
#: the largest retransmission timeout, ms: Linux TCP_RTO_MAX (120 s, include/net/tcp.h)
NET_RTO_MAX_MS = 120_000.0


class ConfigError(ValueError):
    """A lab setting is invalid; the message names the setting."""


@dataclass(frozen=True)
class LabConfig:
    guests: int = 1  #: guest domains, one VBD each
    idle_guests: int = 0  #: of those, how many connect their VBD but run no job (scale tests)
    datapath: str = "map"  #: map | copy | swap | persistent | transfer | null
    dom0_vcpus: int = 4  #: vCPUs of dom0 (TLB-flush IPIs reach every one of them)
    guest_vcpus: int = 2  #: vCPUs per guest
    backend_threads: int = 0  #: backend event loops (0 = one per dom0 vCPU, like per-ring kthreads)
    device: str = "nvme"  #: device timing model: null | ram | nvme | ssd | hdd | net
    shared_device: bool = True  #: all VBDs' images live on one physical device (one queue)
    costs: str = "x86-modern"  #: cost profile name or TOML path
    storage: str = "raw"  #: raw image files | ram | null
    image_dir: str | None = None  #: where raw images go (a temporary folder when None)
    direct_io: bool = False  #: open raw images with O_DIRECT
    disk_size: int = 256 << 20  #: bytes per VBD
    guest_abi: str = "x86_64"  #: x86_64 | x86_32 | mixed (alternating)
    ring_page_order: int = 0  #: frontend's wish (Linux default 0); the backend allows ≤ 4
    queues: int = 1  #: rings per VBD the frontend asks for
    max_indirect_segments: int = 32  #: frontend cap (Linux default 32)
    scrub: bool = True  #: swap/transfer: zero frames before they cross domains
    swap_copyback: bool = False  #: swap: copy write data back into the guest's new frame
    copy_flavour: str = "gntcopy"  #: copy path: gntcopy | blktap2
    pool_frames: int = 0  #: frames of the default pool (0 = from the device's queue depth, ≥ 704)
    #: extra frame pools: (name, frames, guest numbers bound to it); other guests use "default"
    pools: tuple[tuple[str, int, tuple[int, ...]], ...] = ()
    net_loss: float = 0.0  #: device "net": probability a page's data (or its ACK) is lost
    net_rto_ms: float = 200.0  #: device "net": TCP retransmission timeout (Linux TCP_RTO_MIN)
    hazard_policy: str = (
        "none"  #: pages still referenced after a write: none | wait | replace | abandon
    )
    verify: bool = True  #: tag every written sector and verify every read
    seed: int = 0  #: run seed (mixed into job seeds when randrepeat=0)
    faults: str | None = (
        None  #: a fault plan TOML (storage/faults.py): EIO, short, torn, latency, hang
    )
    guest_pages: int = 0  #: pages per guest (0 = sized from the workload)
    cost_overrides: dict[str, float] = field(
        default_factory=dict
    )  #: per-figure overrides of the profile
    # the physical host ([host] in a scenario; blkswap.timing.host says what each means)
    pcpus: int = 0  #: physical CPUs; 0 = one per vCPU (no host model, the lab's old behaviour)
    sockets: int = 1  #: sockets of the host
    smt: int = 1  #: hardware threads per core
    dom0_pin: int = 0  #: dom0 vCPUs only on the first N pCPUs (0 = floating)
    sched: str = "credit"  #: Xen scheduler: credit | credit2 | null
    dom0_weight: int = 256  #: credit weight of dom0
    guest_weight: int = 256  #: credit weight of each guest

    @property
    def host(self) -> HostSpec:
        """The physical host these settings describe."""
        return HostSpec(**{k: getattr(self, k) for k in HOST_KEYS})

    def validated(self) -> LabConfig:
        def bad(name: str, why: str) -> ConfigError:
            return ConfigError(f"{name}: {why}")

        if self.guests < 1:
            raise bad("guests", f"must be ≥ 1, got {self.guests}")
        if not 0 <= self.idle_guests < self.guests:
            raise bad(
                "idle_guests", f"must be in 0..guests-1 ({self.guests - 1}), got {self.idle_guests}"
            )
        if self.datapath not in DATAPATHS:
            raise bad("datapath", f"{self.datapath!r} is not one of {', '.join(DATAPATHS)}")
        for name in ("dom0_vcpus", "guest_vcpus", "queues"):
            if getattr(self, name) < 1:
                raise bad(name, f"must be ≥ 1, got {getattr(self, name)}")
        if not 0 <= self.ring_page_order <= 4:
            raise bad("ring_page_order", f"must be 0..4, got {self.ring_page_order}")
        from blkswap.storage import DEVICE_MODELS

        if self.device not in DEVICE_MODELS:
            raise bad("device", f"{self.device!r} is not one of {', '.join(DEVICE_MODELS)}")
        for name in ("backend_threads", "max_indirect_segments", "guest_pages"):
            if getattr(self, name) < 0:
                raise bad(name, f"must be ≥ 0, got {getattr(self, name)}")
        if self.guest_abi not in GUEST_ABIS:
            raise bad("guest_abi", f"{self.guest_abi!r} is not one of {', '.join(GUEST_ABIS)}")
        if self.storage not in STORAGE_KINDS:
            raise bad("storage", f"{self.storage!r} is not one of {', '.join(STORAGE_KINDS)}")
        if self.disk_size < 1 << 20 or self.disk_size % 4096:
            raise bad("disk_size", f"must be a multiple of 4096 and ≥ 1 MiB, got {self.disk_size}")
        self._check_pools()
        if not 0.0 <= self.net_loss < 1.0:  # false for nan too
            raise bad("net_loss", f"must be in [0, 1), got {self.net_loss}")
        if self.net_loss and self.device != "net":
            raise bad("net_loss", f"needs device 'net' (the device is {self.device!r})")
        if not 0 < self.net_rto_ms <= NET_RTO_MAX_MS:  # false for nan too
            raise bad("net_rto_ms", f"must be in (0, {NET_RTO_MAX_MS:g}], got {self.net_rto_ms}")
        if self.hazard_policy not in ("none", "wait", "replace", "abandon"):
            raise bad(
                "hazard_policy", f"{self.hazard_policy!r} is not none, wait, replace or abandon"
            )
        if self.pool_frames < 0:
            raise bad("pool_frames", f"must be ≥ 0, got {self.pool_frames}")
        if self.faults is not None:
            _check_faults(self.faults)
        if self.copy_flavour not in COPY_FLAVOURS:
            raise bad(
                "copy_flavour", f"{self.copy_flavour!r} is not one of {', '.join(COPY_FLAVOURS)}"
            )
        try:
            self.host.check(self.dom0_vcpus, self.dom0_vcpus + self.guests * self.guest_vcpus)
        except HostSpecError as err:
            raise ConfigError(str(err)) from None
        return self

    def _check_pools(self) -> None:
        names = [p[0] for p in self.pools]
        if len(set(names)) != len(names) or "default" in names:
            raise ConfigError(f"pools: pool names must be unique and not 'default': {names}")
        for name, frames, guests in self.pools:
            if frames < 1 or any(not 1 <= g <= self.guests for g in guests):
                raise ConfigError(
                    f"pools: pool {name!r}: frames ≥ 1 and guests in 1..{self.guests}, "
                    f"got {frames}, {list(guests)}"
                )

    def pool_of(self, guest: int) -> str:
        """The pool guest number ``guest`` (1-based) binds its VBD to."""
        return next((name for name, _f, guests in self.pools if guest in guests), "default")

    def guest_protocol(self, index: int) -> str:
        if self.guest_abi == "mixed":
            return "x86_64-abi" if index % 2 == 0 else "x86_32-abi"
        return f"{self.guest_abi}-abi"

    def with_(self, **kw: Any) -> LabConfig:
        return replace(self, **kw)


def _check_faults(path: str) -> None:
    from blkswap.storage.faults import FaultPlanError, load_plan

    try:
        load_plan(path)
    except FaultPlanError as err:
        raise ConfigError(f"faults: {err}") from None


def load_scenario(path: str | Path, base: LabConfig | None = None) -> LabConfig:
    """Read lab settings from a scenario TOML file (``[lab]`` table or top-level keys).

    Every key is checked here, once, before any value is used: a wrong type, a non-finite float,
    a table where a value belongs (or the reverse) and an unreadable or non-UTF-8 file all raise
    one ConfigError naming the file and the key."""
    p = Path(path)
    data = _read_toml(p)
    base = base or LabConfig()
    if "lab" in data:
        table = data["lab"]
        if not isinstance(table, dict):
            raise ConfigError(f"scenario {p}: lab = {_show(table)} must be a table ([lab])")
        table = dict(table)
    else:
        table = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    if "pools" in table:
        raise ConfigError(f"scenario {p}: pools: write pools as [[pool]] tables")
    if "host" in data:  # [host]: the physical host's keys, LabConfig fields of the same names
        try:
            table.update(host_table(f"scenario {p}", data["host"]))
        except HostSpecError as err:
            raise ConfigError(str(err)) from None
    if "pool" in data:  # no [[pool]] tables: keep the base's pools (e.g. from flags)
        table["pools"] = _pools(p, data["pool"])
    known = {f.name for f in fields(LabConfig)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(
            f"scenario {p}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    for name, value in table.items():
        if name == "cost_overrides":
            _check_overrides(p, value)
        elif name != "pools":
            _check_type(p, name, value, getattr(base, name))
    return replace(base, **table).validated()


def _read_toml(p: Path) -> dict[str, Any]:
    try:
        text = p.read_bytes().decode("utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"scenario {p}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"scenario {p}: is a directory") from None
    except OSError as err:
        raise ConfigError(f"scenario {p}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"scenario {p}: not UTF-8 text (byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"scenario {p}: {err}") from None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pools(p: Path, pools: Any) -> tuple[tuple[str, int, tuple[int, ...]], ...]:
    """``[[pool]]`` tables: name (string), frames (integer), guests (list of integers)."""
    if not isinstance(pools, list) or any(not isinstance(t, dict) for t in pools):
        raise ConfigError(f"scenario {p}: [[pool]] must be an array of tables")
    out = []
    for i, t in enumerate(pools):
        where = f"scenario {p}: pool[{i}]"
        for key in ("name", "frames"):
            if key not in t:
                raise ConfigError(f"scenario {p}: [[pool]] needs {key!r}")
        unknown = set(t) - {"name", "frames", "guests"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        name, frames, guests = t["name"], t["frames"], t.get("guests", [])
        if not isinstance(name, str):
            raise ConfigError(f"{where}.name = {_show(name)} must be a string")
        if not _is_int(frames):
            raise ConfigError(f"{where}.frames = {_show(frames)} must be an integer")
        if not isinstance(guests, list) or not all(_is_int(g) for g in guests):
            raise ConfigError(f"{where}.guests = {_show(guests)} must be a list of integers")
        out.append((name, frames, tuple(guests)))
    return tuple(out)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_overrides(p: Path, value: Any) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"scenario {p}: cost_overrides = {_show(value)} must be a table")
    for k, v in value.items():
        if not (_is_int(v) or isinstance(v, float)) or not math.isfinite(v):
            raise ConfigError(f"scenario {p}: cost_overrides.{k} = {_show(v)} must be a number")


def _check_type(path: Path, name: str, value: Any, default: Any) -> None:
    """A scenario value must have its setting's type (an int may stand for a float); floats
    must be finite (TOML allows nan and inf)."""
    if default is None:
        ok = isinstance(value, str)
    elif isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = (_is_int(value) or isinstance(value, float)) and math.isfinite(value)
    else:
        ok = isinstance(value, type(default)) and not (
            isinstance(value, bool) and not isinstance(default, bool)
        )
    if not ok:
        want = {type(None): "a string", float: "a finite number"}.get(
            type(default), type(default).__name__
        )
        raise ConfigError(f"scenario {path}: {name} = {_show(value)} must be {want}")
