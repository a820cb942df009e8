"""Our generated struct layouts and constants vs gcc on the real Xen headers (both ABIs).

x86_64 = native ``gcc -m64``; x86_32 = ``gcc -m32`` (the headers' native i386 layout IS the
x86_32 blkif ABI, xen-abi.md §3.3). ``gnttab_swap`` is the lab's invention: checked against
the spec in docs/design.md / the brief instead.
"""

from __future__ import annotations

import subprocess

import pytest
from abi_c_programs import constants_program, layout_program

from blkswap.abi import ABIS, X86_32, X86_64, AbiError, blkif, gnttab
from blkswap.abi.xenbus import XenbusState


def _run(exe) -> list[str]:
    res = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=10)
    return res.stdout.splitlines()


@pytest.mark.parametrize("abi_name", ["x86_64", "x86_32"])
def test_layouts_match_gcc(compile_c, abi_name: str) -> None:
    abi = ABIS[abi_name]
    structs = [st for st in abi.structs.values() if st.decl.c_name is not None]
    assert len(structs) == len(abi.structs) - 1  # only gnttab_swap is lab-invented
    exe = compile_c(layout_program(structs), "layout", abi_name)
    gcc: dict[tuple[str, str], tuple[int, int, int]] = {}
    sizes: dict[str, int] = {}
    for line in _run(exe):
        parts = line.split()
        if parts[1] == "size":
            sizes[parts[0]] = int(parts[2])
        else:
            gcc[(parts[0], parts[1])] = (int(parts[2]), int(parts[3]), int(parts[4]))
    problems = []
    for st in structs:
        if sizes[st.name] != st.size:
            problems.append(f"{st.name}: sizeof {sizes[st.name]} (gcc) != {st.size} (ours)")
        for field, off in st.fields.items():
            g_off, g_size, g_signed = gcc[(st.name, field)]
            if g_off != off:
                problems.append(f"{st.name}.{field}: offsetof {g_off} (gcc) != {off} (ours)")
            if field in st.names:
                sc = st.field_type(field)
                if (g_size, bool(g_signed)) != (sc.size, sc.fmt.islower()):
                    problems.append(
                        f"{st.name}.{field}: gcc type {g_size}B signed={g_signed}, ours {sc.label}"
                    )
    assert not problems, f"{abi_name}: layout differs from the Xen headers:\n" + "\n".join(problems)
    assert len(gcc) == sum(len(st.fields) for st in structs)


@pytest.mark.parametrize("abi", [X86_64, X86_32], ids=lambda a: a.name)
def test_gnttab_swap_matches_lab_spec(abi) -> None:
    # Lab spec (brief / docs/design.md §4): frame u64 @0, ref u32 @8, dom u16 @12, status i16 @14,
    # new_frame u64 @16, flags u64 @24; 32 bytes, identical on both ABIs.
    st = abi.struct("gnttab_swap")
    spec = {"frame": (0, "u64"), "ref": (8, "u32"), "dom": (12, "u16"), "status": (14, "i16"),
            "new_frame": (16, "u64"), "flags": (24, "u64")}  # fmt: skip
    assert st.size == 32
    assert {f: (st.fields[f], st.field_type(f).label) for f in st.names} == spec


# Python constant name -> C expression in the Xen headers.
def _c_constants() -> dict[str, str]:
    exprs: dict[str, str] = {}
    for mod in (gnttab, blkif):
        for name in dir(mod):
            if not isinstance(getattr(mod, name), int):
                continue
            if name.split("_")[0] in {
                "GTF",
                "GNTMAP",
                "GNTCOPY",
                "GNTST",
                "DOMID",
                "BLKIF",
                "VDISK",
            }:
                exprs[name] = name
            elif name.startswith(("GNTTABOP_", "GNTTAB_CACHE", "GNTTAB_RESERVED", "EVTCHNOP_")):
                exprs[name] = name
    exprs.pop("GNTTABOP_swap")  # lab extension, checked below against the spec
    exprs.pop("GNTTABOP_CONTINUATION_ARG_SHIFT")  # XG grant_table.c, not a public header
    exprs.pop("GNTMAP_guest_avail_mask")  # derived from _GNTMAP_guest_avail0 = 16
    exprs["GNTMAP_guest_avail_mask"] = "(0xFFFFFFFFu << _GNTMAP_guest_avail0) & 0xFFFFFFFFu"
    exprs["NR_RESERVED_ENTRIES"] = "GNTTAB_NR_RESERVED_ENTRIES"
    exprs["GRANT_ENTRIES_PER_FRAME_V1"] = "4096 / sizeof(grant_entry_v1_t)"
    exprs["GRANT_ENTRIES_PER_FRAME_V2"] = "4096 / sizeof(grant_entry_v2_t)"
    exprs["SEGMENT_SIZE"] = "sizeof(struct blkif_request_segment)"
    exprs["SEGS_PER_INDIRECT_FRAME"] = "4096 / sizeof(struct blkif_request_segment)"
    for hc in ("memory_op", "multicall", "grant_table_op", "event_channel_op"):
        exprs[f"HYPERVISOR_{hc}"] = f"__HYPERVISOR_{hc}"
    for st in XenbusState:
        exprs[f"XenbusState.{st.name}"] = f"XenbusState{st.name}"
    return exprs


# Constants with no header counterpart: value from xen-abi.md (section named).
SPEC_ONLY = {
    "GNTTABOP_swap": 13,  # docs/design.md §4 (lab op)
    "GNTTABOP_CONTINUATION_ARG_SHIFT": 12,  # §1.5
    "MAX_GRANT_FRAMES": 64,  # §1.1 gnttab_max_frames default
    "MAX_MAPTRACK_FRAMES": 1024,  # §1.1
    "SECTOR_SIZE": 512,  # §3.4
    "SECTORS_PER_PAGE": 8,  # §3.4
}


def _py_value(name: str) -> int:
    if name.startswith("XenbusState."):
        return int(XenbusState[name.split(".")[1]])
    for mod in (gnttab, blkif):
        if hasattr(mod, name):
            return getattr(mod, name)
    raise AssertionError(f"no Python constant {name}")


def test_every_constant_is_checked() -> None:
    exprs = _c_constants()
    public = {
        n for m in (gnttab, blkif) for n in dir(m) if n.isupper() or n[:1].isupper() and "_" in n
    }
    ints = {n for n in public if isinstance(_py_value(n), int)}
    unchecked = ints - set(exprs) - set(SPEC_ONLY)
    assert not unchecked, f"constants with neither a header nor a spec check: {sorted(unchecked)}"
    assert {n: _py_value(n) for n in SPEC_ONLY} == SPEC_ONLY


@pytest.mark.parametrize("abi_name", ["x86_64", "x86_32"])
def test_constants_and_messages_match_headers(compile_c, abi_name: str) -> None:
    exprs = _c_constants()
    exe = compile_c(constants_program(exprs), "constants", abi_name)
    c_vals: dict[str, int] = {}
    msgs: dict[int, str] = {}
    protos: dict[str, str] = {}
    for line in _run(exe):
        kind, key, rest = line.split(" ", 2)
        if kind == "const":
            c_vals[key] = int(rest)
        elif kind == "msg":
            msgs[-int(key)] = rest
        else:
            protos[key] = rest
    diffs = {n: (c_vals[n], _py_value(n)) for n in exprs if c_vals[n] != _py_value(n)}
    assert not diffs, f"constants differ (header, ours): {diffs}"
    assert msgs == gnttab.GNTST_MESSAGES
    assert protos == {"X86_32": blkif.PROTOCOL_X86_32, "X86_64": blkif.PROTOCOL_X86_64}
    assert X86_32.protocol == protos["X86_32"] and X86_64.protocol == protos["X86_64"]


def test_unknown_protocol_is_rejected() -> None:
    from blkswap.abi import by_protocol

    with pytest.raises(AbiError, match="arm-abi"):
        by_protocol("arm-abi")
