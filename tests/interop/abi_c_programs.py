"""Generate C programs that print what gcc says about our declarations (used by the tests).

For every declared struct with a C counterpart the program prints, per member we name:
``<struct> <field> <offsetof> <sizeof member | -1> <is_signed | -1>`` and ``<struct> size <n>``.
Constants are printed as ``const <python name> <value>``.
"""

from __future__ import annotations

from blkswap.abi.codec import Struct

HEADERS = """#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include <xen/io/protocols.h>
#include <xen/event_channel.h>
#define SIGNED(m) _Generic((m), signed char: 1, short: 1, int: 1, long: 1, long long: 1, default: 0)
"""


def layout_program(structs: list[Struct], headers: str = HEADERS) -> str:
    """C source printing sizeof/offsetof/member size/signedness for every field of ``structs``."""
    lines = [headers, "int main(void) {"]
    for st in structs:
        c = st.decl.c_name
        assert c is not None
        lines.append(f'  printf("{st.name} size %zu\\n", sizeof({c}));')
        values = set(st.names)
        for field in st.fields:
            member = st.decl.c_prefix + field
            off = f"offsetof({c}, {member})"
            if field in values:
                m = f"((({c} *)0)->{member})"
                size = f"(int)sizeof({m})"
                signed = f"SIGNED({m})"
            else:
                size = signed = "-1"
            lines.append(f'  printf("{st.name} {field} %zu %d %d\\n", {off}, {size}, {signed});')
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


def constants_program(exprs: dict[str, str]) -> str:
    """C source printing ``const <name> <value>`` for each C expression (as long long)."""
    body = [f'  printf("const {k} %lld\\n", (long long)({v}));' for k, v in exprs.items()]
    msgs = [
        "  { static const char *m[] = GNTTABOP_error_msgs; unsigned i;",
        '    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) printf("msg %u %s\\n", i, m[i]); }',
    ]
    protos = [
        f'  printf("proto {k} %s\\n", {v});'
        for k, v in (("X86_32", "XEN_IO_PROTO_ABI_X86_32"), ("X86_64", "XEN_IO_PROTO_ABI_X86_64"))
    ]
    return HEADERS + "int main(void) {\n" + "\n".join(body + msgs + protos) + "\n  return 0;\n}\n"
