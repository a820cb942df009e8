#!/usr/bin/env python3
"""Mutation testing of src/blkswap/xen and src/blkswap/back, one module at a time (issue 14).

    python tools/mutation.py MODULE.py [MODULE.py ...]   # e.g. src/blkswap/xen/ops_map.py
    python tools/mutation.py --list                      # modules and their targeted tests
    python tools/mutation.py --recheck MODULE.py         # re-test only its survivors
    python tools/mutation.py --report                    # the scores recorded so far

Each module runs against ONLY its targeted tests (``TESTS`` below: its own tests/xen or tests/back
files plus the tests/hostile rows touching it), with ``pytest -x -q -p no:cacheprovider``, under
``nice -n 15``, with a per-mutant timeout (a mutant that hangs counts as killed: cosmic-ray's
``timeout`` outcome). cosmic-ray (pinned, 8.7.0) mutates files in place, so each run happens in
a scratch copy of src/, tests/ and pyproject.toml; the work tree is never touched.

Per module it prints the score and every survivor (line, operator, the mutated line) and records
the result in tools/mutation-scores.json, which tools/reliability_doc.py renders into
docs/reliability.md. Survivors listed in ``EQUIVALENT`` (with the reason they cannot be killed)
are reported separately; the "adjusted" score leaves them out of the total. After adding tests,
``--recheck`` re-runs only the recorded survivors (a killed mutant stays killed when tests are
only added; refused if the module's source changed since the full run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
CR = ROOT / ".venv" / "bin" / "cosmic-ray"
CR_VERSION = "8.7.0"
SCORES = ROOT / "tools" / "mutation-scores.json"
TIMEOUT_S = 120.0  # per mutant; the targeted tests take 2-15 s here

_B = "tests/hostile/test_b_grant_table.py"
_GNT = [
    "tests/xen/test_gnttab_map.py",
    "tests/xen/test_gnttab_map_values.py",
    "tests/hostile/test_xen_rows.py", "tests/xen/test_gnttab_copy.py",
    "tests/xen/test_gnttab_swap.py", "tests/xen/test_gnttab_transfer.py",
    "tests/xen/test_gnttab_table.py", "tests/xen/test_pin_frame_checks.py",
    "tests/xen/test_multicall.py", _B,
]  # fmt: skip
_XS = ["tests/xen/test_xenstore.py", "tests/xen/test_xenstore_tx.py",
       "tests/xen/test_xenstore_watch.py", "tests/hostile/test_c_xenstore.py"]  # fmt: skip
_BACK = ["tests/back", "tests/hostile/test_a_ring.py", "tests/hostile/test_c10_negotiation.py"]

#: module (relative to src/blkswap) -> its targeted tests
TESTS: dict[str, list[str]] = {
    "xen/ops_map.py": ["tests/xen/test_gnttab_map.py", "tests/xen/test_gnttab_map_values.py",
                       "tests/hostile/test_xen_rows.py", "tests/xen/test_pin_frame_checks.py",
                       "tests/xen/test_multicall.py", "tests/xen/test_properties.py", _B],
    "xen/ops_copy.py": ["tests/xen/test_gnttab_copy.py", "tests/xen/test_pin_frame_checks.py",
                        "tests/xen/test_properties.py", _B],
    "xen/ops_swap.py": ["tests/xen/test_gnttab_swap.py", "tests/xen/test_gnttab_swap_values.py", _B],
    "xen/ops_transfer.py": ["tests/xen/test_gnttab_transfer.py", _B],
    "xen/ops_table.py": ["tests/xen/test_gnttab_table.py", "tests/xen/test_gnttab_swap.py", _B],
    "xen/ops_common.py": _GNT,
    "xen/gnttab_op.py": _GNT,
    "xen/grant_table.py": _GNT,
    "xen/guest_grants.py": _GNT,
    "xen/multicall.py": ["tests/xen/test_multicall.py"],
    "xen/evtchn.py": ["tests/xen/test_evtchn.py", "tests/hostile/test_c10_negotiation.py"],
    "xen/arena.py": ["tests/xen/test_arena.py", "tests/xen/test_domain.py"],
    "xen/audit.py": ["tests/xen/test_audit.py"],
    "xen/domain.py": ["tests/xen/test_domain.py", "tests/xen/test_arena.py"],
    "xen/lifecycle.py": ["tests/xen/test_domain.py", "tests/hostile/test_d_f_lifecycle.py"],
    "xen/xenstore.py": _XS,
    "xen/xenstore_tree.py": _XS,
    "xen/xenstore_paths.py": _XS,
    "xen/xenstore_watch.py": _XS,
    "back/negotiate.py": ["tests/back/test_negotiate.py", "tests/hostile/test_c10_negotiation.py",
                          "tests/lab/test_lab_negotiation.py"],
    "back/rings.py": ["tests/back", "tests/hostile/test_c10_negotiation.py",
                      "tests/hostile/test_a_ring.py"],
    "back/request.py": ["tests/back/test_back_request.py", "tests/hostile/test_a_ring.py"],
    "back/grantops.py": ["tests/back/test_back_grantops.py", "tests/back/test_persistent_purge.py",
                         "tests/hostile/test_d_f_lifecycle.py"],
    "back/indirect.py": ["tests/back/test_indirect_pages.py", "tests/back/test_back_request.py",
                         "tests/hostile/test_a1_double_fetch.py"],
    "back/io.py": ["tests/hostile/test_e_storage.py"],
    "back/frames.py": ["tests/back/test_back_frames.py"],
    "back/pool.py": ["tests/back/test_pool.py", "tests/lab/test_pool_lab.py"],
}  # fmt: skip

#: "module:line operator #occurrence" -> why no test can tell the mutant from the original
EQUIVALENT: dict[str, str] = {
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Sub #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Mul #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_FloorDiv #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Mod #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Pow #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_RShift #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_LShift #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_BitAnd #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Mul #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Div #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_FloorDiv #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Mod #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Pow #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_RShift #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_LShift #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceOrWithAnd #7": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:99 core/ReplaceComparisonOperator_Is_Eq #0": (
        "Domain objects compare by identity: == is is"
    ),
    "src/blkswap/xen/ops_swap.py:141 core/NumberReplacer #40": (
        "callers test the result with < 0: -2 is -1"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "GTF_type_mask, GTF_sub_page, GTF_readonly are disjoint bits: ^ is |"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "disjoint bits: ^ is |"
    ),
    "src/blkswap/xen/ops_swap.py:85 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "GNTST codes are 0 or negative: >= 0 is == 0"
    ),
    "src/blkswap/xen/ops_swap.py:105 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "both sides are small ints (one object each in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_swap.py:138 core/NumberReplacer #36": (
        "callers test the result with < 0: -2 is -1"
    ),
    "src/blkswap/xen/ops_swap.py:141 core/ReplaceUnaryOperator_USub_Invert #1": (
        "callers test the result with < 0: ~1 (-2) is -1"
    ),
    "src/blkswap/xen/multicall.py:59 core/ReplaceComparisonOperator_Eq_Is #0": (
        "13 is a small int (one object in CPython) and op is checked to be an int: is == =="
    ),
    "src/blkswap/xen/multicall.py:67 core/ReplaceComparisonOperator_Is_Eq #0": (
        "type objects compare by identity: type(rc) == int is type(rc) is int"
    ),
    "src/blkswap/xen/multicall.py:46 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "type objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/multicall.py:57 core/ReplaceComparisonOperator_IsNot_NotEq #1": (
        "type objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/multicall.py:28 core/ReplaceTrueWithFalse #0": (
        "slots only changes memory layout and forbids new attributes; no code path adds one"
    ),
    "src/blkswap/back/indirect.py:30 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one, XSA-316): < 0 is != 0"
    ),
    "src/blkswap/back/indirect.py:30 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_map.py:176 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "kinds are 0/1; for a LOCAL alias at new_addr no live handle has va == new_addr, so the loop finds nothing"
    ),
    "src/blkswap/xen/ops_map.py:176 core/ReplaceComparisonOperator_Eq_Is #1": (
        "GRANT is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/xen/ops_map.py:181 core/ReplaceComparisonOperator_GtE_Gt #2": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, > 0 is >= 0"
    ),
    "src/blkswap/xen/ops_map.py:181 core/NumberReplacer #72": (
        "mfn 0 is RESERVED in the arena: >= 1 is >= 0"
    ),
    "src/blkswap/xen/ops_map.py:38 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "_HOST, _DEV, _RO are disjoint bits (2, 1, 4): + and ^ give 7 like |"
    ),
    "src/blkswap/xen/ops_map.py:38 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "disjoint bits: 2 | (1 + 4) == 7"
    ),
    "src/blkswap/xen/ops_map.py:38 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "disjoint bits: (2 ^ 1) | 4 == 7"
    ),
    "src/blkswap/xen/ops_map.py:38 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "disjoint bits: 2 | (1 ^ 4) == 7"
    ),
    "src/blkswap/xen/ops_map.py:58 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "disjoint bits: 2 + 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:156 core/ReplaceBinaryOperator_BitOr_Add #3": (
        "disjoint bits: 2 + 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:156 core/ReplaceBinaryOperator_BitOr_BitXor #3": (
        "disjoint bits: 2 ^ 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:157 core/ReplaceBinaryOperator_BitOr_Add #4": (
        "drop holds only host/device bits, never RO: + == |"
    ),
    "src/blkswap/xen/ops_map.py:157 core/ReplaceBinaryOperator_BitOr_BitXor #4": (
        "drop holds only host/device bits, never RO: ^ == |"
    ),
    "src/blkswap/xen/ops_map.py:157 core/ReplaceBinaryOperator_BitOr_Sub #4": (
        "drop < 4, so drop - 4 has bit 2 set and the same low bits: pin_increment reads only bits 0-2"
    ),
    "src/blkswap/xen/ops_map.py:176 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "vmap kinds are GRANT 0 and LOCAL 1: <= 0 is == 0"
    ),
    "src/blkswap/xen/ops_map.py:144 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "vmap kinds are 0 and 1: > 0 is != 0"
    ),
    "src/blkswap/xen/ops_map.py:144 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "GRANT is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_map.py:144 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "a LOCAL alias maps one of the mapper's own frames, never the foreign frame of the handle: the mfn test already refuses it"
    ),
    "src/blkswap/xen/ops_map.py:144 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "the PTE's frame and act_mfn are the same int object (map stores pin_entry's act_mfn[ref])"
    ),
    "src/blkswap/xen/ops_map.py:73 core/ReplaceComparisonOperator_Lt_LtE #1": (
        "mfn 0 is RESERVED in the arena: pin_entry never returns 0"
    ),
    "src/blkswap/xen/ops_map.py:73 core/NumberReplacer #24": (
        "mfn 0 is RESERVED in the arena: mfn < 1 is mfn < 0"
    ),
    "src/blkswap/xen/ops_map.py:115 core/ReplaceFalseWithTrue #1": (
        "replace=True with new_addr 0 takes the plain-unmap branch"
    ),
    "src/blkswap/xen/ops_map.py:115 core/NumberReplacer #46": (
        "new_addr is read only when replace is True"
    ),
    "src/blkswap/xen/ops_map.py:115 core/NumberReplacer #47": (
        "new_addr is read only when replace is True"
    ),
}


def targeted(module: str) -> list[str]:
    rel = module.removeprefix("src/blkswap/")
    if rel in TESTS:
        return TESTS[rel]
    return _GNT if rel.startswith("xen/") else _BACK


def ensure_cosmic_ray() -> None:
    try:
        out = subprocess.run([str(PY), "-c", "import importlib.metadata as m; "
                              "print(m.version('cosmic-ray'))"], capture_output=True, text=True)  # fmt: skip
        if out.stdout.strip() == CR_VERSION:
            return
    except OSError:
        pass
    subprocess.run([str(PY), "-m", "pip", "install", "-q", f"cosmic-ray=={CR_VERSION}"], check=True)


def run_module(module: str, timeout: float) -> dict:
    tests = targeted(module)
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        for part in ("src", "tests"):
            shutil.copytree(ROOT / part, work / part, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", work)
        cmd = (f"env PYTHONPATH={work}/src {PY} -m pytest -x -q -p no:cacheprovider "
               + " ".join(tests))  # fmt: skip
        (work / "cr.toml").write_text(
            f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = {timeout}\n'
            f'excluded-modules = []\ntest-command = "{cmd}"\n\n'
            '[cosmic-ray.distributor]\nname = "local"\n'
        )
        start = time.monotonic()
        nice = ["nice", "-n", "15"]
        subprocess.run([*nice, str(CR), "init", "cr.toml", "s.sqlite"], cwd=work, check=True)
        subprocess.run([*nice, str(CR), "exec", "cr.toml", "s.sqlite"], cwd=work, check=True)
        dump = subprocess.run([str(CR), "dump", "s.sqlite"], cwd=work, capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        seconds = round(time.monotonic() - start)
    return summarize(module, dump, tests, seconds)


def summarize(module: str, dump: str, tests: list[str], seconds: int) -> dict:
    src = (ROOT / module).read_text().splitlines()
    total = killed = 0
    survivors = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            continue
        total += 1
        if result["test_outcome"] != "survived" or result["worker_outcome"] != "normal":
            killed += 1  # killed, incompetent (the mutant does not even import), timeout
            continue
        m = item["mutations"][0]
        lineno = m["start_pos"][0]
        key = f"{module}:{lineno} {m['operator_name']} #{m['occurrence']}"
        code = src[lineno - 1].strip() if lineno <= len(src) else ""
        survivors.append({"key": key, "code": code, "diff": _changed(result.get("diff") or "")})
    res = {"module": module, "tests": tests, "mutants": total, "killed": killed,
           "seconds": seconds, "all_survivors": survivors, "sha": _sha(module),
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip
    return split(res)


def split(res: dict) -> dict:
    """Score, survivors and equivalents of a result under the current ``EQUIVALENT`` list."""
    every = res["all_survivors"]
    equivalent = [s for s in every if s["key"] in EQUIVALENT]
    survivors = [s for s in every if s["key"] not in EQUIVALENT]
    total, killed = res["mutants"], res["killed"]
    score = 100.0 * killed / total if total else 100.0
    live = total - len(equivalent)
    adjusted = 100.0 * killed / live if live else 100.0
    return res | {"survived": len(survivors), "equivalent": len(equivalent),
                  "score": round(score, 1), "adjusted": round(adjusted, 1),
                  "survivors": survivors, "equivalents": equivalent}  # fmt: skip


def _changed(diff: str) -> str:
    plus = [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("+") and not ln.startswith("+++")
    ]
    return " | ".join(plus)[:160]


def recheck(module: str, timeout: float) -> dict:
    """Re-test only the recorded survivors of ``module`` against its (grown) targeted tests.

    Valid because tests were only added: a mutant killed before is still killed. Refused if the
    module's source changed since the full run (its mutants would differ): run it again."""
    scores = json.loads(SCORES.read_text()) if SCORES.exists() else {}
    res = scores.get(module)
    if res is None:
        raise SystemExit(f"mutation: {module} has no recorded run; run it first")
    if res.get("sha") and res["sha"] != _sha(module):
        raise SystemExit(f"mutation: {module} changed since its run; run it again in full")
    tests = targeted(module)
    left, start = [], time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        for part in ("src", "tests"):
            shutil.copytree(ROOT / part, work / part, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", work)
        env = os.environ | {"PYTHONPATH": str(work / "src")}
        for s in res["all_survivors"]:
            where, operator, occurrence = s["key"].split(" ")
            target = work / where.split(":")[0]
            subprocess.run([str(CR), "apply", str(target), operator, occurrence.lstrip("#")],
                           cwd=work, check=True, capture_output=True)  # fmt: skip
            cmd = ["nice", "-n", "15", str(PY), "-m", "pytest", "-x", "-q", "-p",
                   "no:cacheprovider", *tests]  # fmt: skip
            try:
                rc = subprocess.run(cmd, cwd=work, env=env, capture_output=True,
                                    timeout=timeout).returncode  # fmt: skip
            except subprocess.TimeoutExpired:
                rc = -1
            shutil.copy(ROOT / where.split(":")[0], target)  # undo the mutation
            if rc == 0:
                left.append(s)
    killed_now = len(res["all_survivors"]) - len(left)
    out = res | {"tests": tests, "killed": res["killed"] + killed_now, "all_survivors": left,
                 "before": res.get("before", res["score"]),
                 "rechecked": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "recheck_seconds": round(time.monotonic() - start)}  # fmt: skip
    return split(out)


def _sha(module: str) -> str:
    import hashlib

    return hashlib.sha256((ROOT / module).read_bytes()).hexdigest()[:16]


def record(res: dict) -> None:
    scores = json.loads(SCORES.read_text()) if SCORES.exists() else {}
    prev = scores.get(res["module"])
    if prev is not None and "before" not in res:
        res["before"] = prev.get("before", prev["score"])
    scores[res["module"]] = res
    SCORES.write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


def show(res: dict) -> None:
    print(f"mutation {res['module']}: {res['mutants']} mutants, {res['killed']} killed, "
          f"{res['survived']} survived, {res['equivalent']} equivalent, score {res['score']} % "
          f"(adjusted {res['adjusted']} %), {res['seconds']} s")  # fmt: skip
    for s in res["survivors"]:
        print(f"  survivor {s['key']}: {s['code']}  ->  {s['diff']}")
    for s in res["equivalents"]:
        print(f"  equivalent {s['key']}: {EQUIVALENT.get(s['key'], '')}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--report", action="store_true")
    ap.add_argument(
        "--recheck",
        action="store_true",
        help="re-test only the recorded survivors (after adding tests)",
    )
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S)
    args = ap.parse_args(argv)
    if args.list:
        for m in sorted(TESTS):
            print(f"src/blkswap/{m}: {' '.join(TESTS[m])}")
        return 0
    if args.report:
        for res in json.loads(SCORES.read_text()).values() if SCORES.exists() else []:
            show(split(res))
        return 0
    if not args.modules:
        ap.error("name at least one module (or --list / --report)")
    os.chdir(ROOT)
    ensure_cosmic_ray()
    for module in args.modules:
        if not (ROOT / module).is_file():
            print(f"mutation: no such module {module}", file=sys.stderr)
            return 2
        res = recheck(module, args.timeout) if args.recheck else run_module(module, args.timeout)
        record(res)
        show(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
