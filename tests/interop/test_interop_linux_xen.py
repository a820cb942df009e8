"""Linux dom0 device ioctls (gntdev, gntalloc, evtchn, privcmd) and the xenstore wire header vs
gcc on linux-libc-dev's ``xen/*.h`` and libxen-dev's ``xen/io/xs_wire.h`` (x86_64 only: the
dom0 process is native)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from abi_c_programs import layout_program

from blkswap.abi import linux_xen, xs_wire

INSTALL_HINT = "apt-get install gcc linux-libc-dev libxen-dev"
HEADERS = """#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/xs_wire.h>
#include <xen/gntdev.h>
#include <xen/gntalloc.h>
#include <xen/evtchn.h>
#include <xen/privcmd.h>
#define SIGNED(m) _Generic((m), signed char: 1, short: 1, int: 1, long: 1, long long: 1, default: 0)
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory):
    """Compile a C program against the headers; privcmd.h includes the kernel-internal
    ``xen/interface/xen.h``, which a one-line shim maps to the public ``xen/xen.h``."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail(f"gcc not found: {INSTALL_HINT}")
    for h in ("gntdev.h", "evtchn.h", "gntalloc.h", "privcmd.h", "io/xs_wire.h"):
        if not (Path("/usr/include/xen") / h).is_file():
            pytest.fail(f"/usr/include/xen/{h} missing: apt-get install linux-libc-dev libxen-dev")
    out = tmp_path_factory.mktemp("linux_xen")
    shim = out / "shim" / "xen" / "interface"
    shim.mkdir(parents=True)
    (shim / "xen.h").write_text("#include <xen/xen.h>\n")

    def run(source: str, name: str) -> list[str]:
        (out / f"{name}.c").write_text(source)
        exe = out / name
        cmd = [gcc, "-m64", "-Wall", "-D__XEN_TOOLS__", f"-I{out / 'shim'}", "-o", str(exe)]
        res = subprocess.run([*cmd, str(out / f"{name}.c")], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.fail(f"gcc failed building {name}:\n{res.stderr[-3000:]}")
        return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split(
            "\n"
        )[:-1]

    return run


def test_ioctl_struct_layouts_match_gcc(build) -> None:
    structs = list(linux_xen.STRUCTS.values()) + [xs_wire.HEADER]
    lines = build(layout_program(structs, HEADERS), "layout")
    gcc: dict[tuple[str, str], tuple[int, int, int]] = {}
    sizes: dict[str, int] = {}
    for line in lines:
        name, field, *rest = line.split()
        if field == "size":
            sizes[name] = int(rest[0])
        else:
            gcc[(name, field)] = (int(rest[0]), int(rest[1]), int(rest[2]))
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
                    problems.append(f"{st.name}.{field}: gcc {g_size}B signed={g_signed}")
    assert not problems, "layouts differ from the Linux headers:\n" + "\n".join(problems)
    assert len(gcc) == sum(len(st.fields) for st in structs)


def test_ioctl_numbers_and_constants_match_gcc(build) -> None:
    exprs = dict(linux_xen.CONSTANTS)
    exprs.update({f"XS_{t.name}": t.value for t in xs_wire.XsType})
    exprs["XENSTORE_PAYLOAD_MAX"] = xs_wire.PAYLOAD_MAX
    body = "".join(f'  printf("{k} %lld\\n", (long long)({k}));\n' for k in exprs)
    lines = build(HEADERS + "int main(void) {\n" + body + "  return 0;\n}\n", "constants")
    got = {k: int(v) for k, v in (line.split() for line in lines)}
    diffs = {k: (got[k], v) for k, v in exprs.items() if got[k] != v}
    assert not diffs, f"constants differ (gcc, ours): {diffs}"
    # the numbers the reference notes for Linux 6.1 headers, as a spot check of the derivation
    assert linux_xen.IOCTL_GNTDEV_MAP_GRANT_REF == 0x00184700
    assert linux_xen.IOCTL_GNTDEV_GRANT_COPY == 0x00104708
    assert linux_xen.IOCTL_PRIVCMD_HYPERCALL == 0x00305000
