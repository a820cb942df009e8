"""What ``blkswap serve`` serves: device specs from flags or a TOML file, checked up front.

Every problem is a :class:`ServeConfigError` with one line naming the file, key or option.
Whether a data path can run on a stock Xen is its own declaration (``Caps.real_xen``, and the
grant ops it issues against those gntdev offers); a device asking for one that cannot is
refused, or served by copy when it says ``fallback = "copy"``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blkswap.back.datapaths import DATAPATHS, caps_of

BACKEND_KINDS = ("vbd", "qdisk")
KNOWN_PATHS = tuple(p for p in DATAPATHS if p != "null")
#: the grant ops :class:`~blkswap.xen.linux.port.LinuxPort` provides
REAL_GRANT_OPS = frozenset({"map", "unmap", "copy"})
#: ops a path issues only under a retransmit-hazard policy (``replace``), which serve never sets
HAZARD_ONLY_OPS = frozenset({"unmap_and_replace"})


def real_xen_refusal(datapath: str) -> str:
    """Why ``datapath`` cannot run on a stock Xen + Linux dom0 ("" if it can): its Caps."""
    caps = caps_of(datapath)
    if caps.real_xen:
        return caps.real_xen
    missing = sorted(caps.grant_ops - REAL_GRANT_OPS - HAZARD_ONLY_OPS)
    return f"needs GNTTABOP {', '.join(missing)}, which gntdev does not offer" if missing else ""


_KEYS = (
    "domid",
    "devid",
    "image",
    "datapath",
    "backend-kind",
    "readonly",
    "fallback",
    "wire",
    "max-indirect-segments",
)


class ServeConfigError(Exception):
    """Bad serve input: printed as one line, exit status 2."""


@dataclass(frozen=True)
class DeviceSpec:
    """One disk to serve: frontend domain, device id, image and data path."""

    domid: int
    devid: int
    image: str
    datapath: str = "map"
    backend_kind: str = "vbd"
    readonly: bool = False
    fallback: str | None = None  #: "copy": serve swap/transfer by copy instead of refusing
    wire: bool = False  #: write the toolstack's xenstore keys (frontend + backend dirs) first
    #: advertised feature-max-indirect-segments (LB MAX_INDIRECT_SEGMENTS 256; 0 = no indirect)
    max_indirect_segments: int = 256

    @property
    def key(self) -> str:
        return f"{self.domid}/{self.devid}"

    @property
    def backend_dir(self) -> str:
        return f"/local/domain/0/backend/{self.backend_kind}/{self.domid}/{self.devid}"

    @property
    def frontend_dir(self) -> str:
        return f"/local/domain/{self.domid}/device/vbd/{self.devid}"

    def refusal(self) -> str | None:
        """Why this device cannot be served as asked (None: it can, maybe by fallback)."""
        reason = real_xen_refusal(self.datapath)
        return None if not reason or self.fallback == "copy" else reason

    @property
    def serving(self) -> str:
        """The data path actually used: the one asked for, or copy when that cannot run here."""
        return "copy" if real_xen_refusal(self.datapath) else self.datapath


def _int(where: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ServeConfigError(f"{where}: {value!r} is not an integer in {lo}..{hi}")
    return value


def make_spec(where: str, raw: dict[str, Any]) -> DeviceSpec:
    """A checked DeviceSpec from ``raw`` (TOML keys); ``where`` prefixes error messages."""
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ServeConfigError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})")
    for k in ("domid", "devid", "image"):
        if k not in raw:
            raise ServeConfigError(f"{where}: missing key {k!r}")
    datapath = raw.get("datapath", "map")
    if datapath not in KNOWN_PATHS:
        raise ServeConfigError(
            f"{where}.datapath: {datapath!r} is not one of {', '.join(KNOWN_PATHS)}"
        )
    kind = raw.get("backend-kind", "vbd")
    if kind not in BACKEND_KINDS:
        raise ServeConfigError(f"{where}.backend-kind: {kind!r} is not vbd or qdisk")
    fallback = raw.get("fallback")
    if fallback not in (None, "copy"):
        raise ServeConfigError(f'{where}.fallback: {fallback!r} (only "copy")')
    image = raw["image"]
    if not isinstance(image, str) or not Path(image).is_file():
        raise ServeConfigError(f"{where}.image: {image!r} is not an existing file")
    for k in ("readonly", "wire"):
        if not isinstance(raw.get(k, False), bool):
            raise ServeConfigError(f"{where}.{k}: {raw[k]!r} is not true or false")
    return DeviceSpec(
        domid=_int(f"{where}.domid", raw["domid"], 0, 0x7FEF),
        devid=_int(f"{where}.devid", raw["devid"], 0, (1 << 31) - 1),
        image=image,
        datapath=datapath,
        backend_kind=kind,
        readonly=raw.get("readonly", False),
        fallback=fallback,
        wire=raw.get("wire", False),
        max_indirect_segments=_int(
            f"{where}.max-indirect-segments", raw.get("max-indirect-segments", 256), 0, 256
        ),
    )


def load_toml(path: str) -> list[DeviceSpec]:
    """``[[device]]`` tables of a TOML file (see docs/real-xen.md)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as err:
        raise ServeConfigError(f"{path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ServeConfigError(f"{path}: not TOML: {err}") from None
    extra = sorted(set(data) - {"device"})
    if extra:
        raise ServeConfigError(f"{path}: unknown table or key {extra[0]!r} (expected [[device]])")
    devices = data.get("device")
    if not isinstance(devices, list) or not devices:
        raise ServeConfigError(f"{path}: no [[device]] tables")
    specs = [make_spec(f"{path}: device[{i}]", d) for i, d in enumerate(devices)]
    seen: set[str] = set()
    for i, s in enumerate(specs):
        if s.key in seen:
            raise ServeConfigError(f"{path}: device[{i}]: domain {s.domid} devid {s.devid} twice")
        seen.add(s.key)
    return specs
