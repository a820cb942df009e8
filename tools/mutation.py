#!/usr/bin/env python3
"""Mutation testing of src/blkswap/xen and src/blkswap/back, one module at a time (issue 14).

    python tools/mutation.py MODULE.py [MODULE.py ...]   # e.g. src/blkswap/xen/ops_map.py
    python tools/mutation.py --all                       # every module of xen/ and back/
    python tools/mutation.py --missing                   # the modules never run
    python tools/mutation.py --list                      # modules and their targeted tests
    python tools/mutation.py --recheck MODULE.py         # re-test only its survivors
    python tools/mutation.py --report                    # the scores recorded so far

cosmic-ray (pinned, 8.7.0) enumerates and applies the mutants (its operators, occurrences and
``module:line operator #occurrence`` keys); each module is tested against ONLY its targeted tests
(``TESTS`` below: its own tests/xen or tests/back files plus the tests/hostile and lab rows
touching it). The executor (tools/mutation_exec.py) runs those tests once under coverage
(pinned) with one context per test, then per mutant only the tests that execute the mutated
statement, ``pytest -x``, in a child forked from a warm worker (``--workers``, ``nice -n 15``),
with a per-mutant timeout (a mutant that hangs counts as killed: cosmic-ray's ``timeout``
outcome). A mutant no targeted test executes survives without a run. A statement run at import
(a constant, a class body, a function called at import) gets, in a first run, the tests that
run the module's code, and on ``--recheck`` every targeted test; a ``def`` header (defaults,
decorators) gets the tests that call the function. Mutants inside annotations are not counted
(``annotations`` in the record): every module here has ``from __future__ import annotations``,
so they are strings nobody evaluates (PEP 563). Each worker works in a scratch copy of src/ and
tests/; the work tree is never touched.

Speed (this machine, 2 shared cores; the old figures are the recorded runs of the
``cosmic-ray exec`` driver this replaces, one ``pytest`` subprocess of all targeted tests per
mutant): back/indirect.py 62 mutants 181 s -> 21 s (x8.6; 31 s with the coverage run and the
workers' warm-up), xen/multicall.py 67: 129 s -> 17 s (x7.6), xen/ops_swap.py 257: 550 s -> 97 s
(x5.7), xen/ops_map.py 547: 2820 s -> 318 s (x8.9). The same survivors, key for key, on
indirect, multicall and ops_swap. These pair runs made hours apart under different load;
bench/mutation_runner.py measures old against new in one run (about 6 min).

Per module it prints the score and every survivor (line, operator, the mutated line) and records
the result in tools/mutation-scores.json, which tools/reliability_doc.py renders into
docs/reliability.md. Survivors listed in ``EQUIVALENT`` (tools/mutation_equivalent.py, with the
reason they cannot be killed) are reported separately; the "adjusted" score leaves them out of
the total. After adding tests, ``--recheck`` re-runs only the recorded survivors (a killed mutant
stays killed when tests are only added; refused if the module's source changed since the run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_equivalent import EQUIVALENT  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
CR_VERSION = "8.7.0"
COVERAGE_VERSION = "7.6.10"
SCORES = ROOT / "tools" / "mutation-scores.json"
TIMEOUT_S = 120.0  # cap per mutant; the selected tests take well under a second to 15 s here
PACKAGES = ("xen", "back")

_B = "tests/hostile/test_b_grant_table.py"
_GNT = [
    "tests/xen/test_gnttab_map.py",
    "tests/xen/test_gnttab_map_values.py",
    "tests/hostile/test_xen_rows.py", "tests/xen/test_gnttab_copy.py",
    "tests/xen/test_gnttab_swap.py", "tests/xen/test_gnttab_transfer.py",
    "tests/xen/test_gnttab_table.py", "tests/xen/test_pin_frame_checks.py",
    "tests/xen/test_multicall.py", "tests/xen/test_grant_table_layout.py",
    "tests/xen/test_gnttab_op_args.py", _B,
]  # fmt: skip
_XS = ["tests/xen/test_xenstore.py", "tests/xen/test_xenstore_tx.py", "tests/xen/test_xenstore_quota.py",
       "tests/xen/test_xenstore_watch.py", "tests/hostile/test_c_xenstore.py",
       "tests/xen/test_xenstore_watch_values.py", "tests/xen/test_xenstore_paths_values.py",
       "tests/xen/test_xenstore_values.py"]  # fmt: skip
_BACK = ["tests/back", "tests/hostile/test_a_ring.py", "tests/hostile/test_c10_negotiation.py"]
#: the end-to-end runs of every data path: the lab's and the hostile rows that drive a backend
#: (the slow ones -- state machines, fault runs, fuzz, the lab facade -- are left out: ~40 s)
_BACKEND = ["tests/back", *(f"tests/lab/test_{n}.py" for n in (
    "lab_paths", "toy_datapath", "lab_bad_front", "lab_bad_back", "lab_rings", "lab_negotiation")),
    *(f"tests/hostile/test_{n}.py" for n in (
    "a_ring", "a1_double_fetch", "d_f_lifecycle", "e_storage", "d_e_rows", "more_rows",
    "c11_hostile_backend", "f1_untrusted", "bad_scenario"))]  # fmt: skip
_LINUX = ["tests/xen_linux", "tests/serve/test_serve_config.py"]

#: module (relative to src/blkswap) -> its targeted tests
TESTS: dict[str, list[str]] = {
    "xen/ops_map.py": ["tests/xen/test_gnttab_map.py", "tests/xen/test_gnttab_map_values.py",
                       "tests/hostile/test_xen_rows.py", "tests/xen/test_pin_frame_checks.py",
                       "tests/xen/test_multicall.py", "tests/xen/test_properties.py", _B],
    "xen/ops_copy.py": ["tests/xen/test_gnttab_copy.py", "tests/xen/test_gnttab_copy_values.py",
                        "tests/xen/test_pin_frame_checks.py",
                        "tests/xen/test_properties.py", _B],
    "xen/ops_swap.py": ["tests/xen/test_gnttab_swap.py", "tests/xen/test_gnttab_swap_values.py", _B],
    "xen/ops_transfer.py": ["tests/xen/test_gnttab_transfer.py",
                            "tests/xen/test_gnttab_transfer_values.py", _B],
    "xen/ops_table.py": ["tests/xen/test_gnttab_table.py", "tests/xen/test_gnttab_table_values.py",
                         "tests/xen/test_gnttab_swap.py", _B],
    "xen/ops_common.py": [*_GNT, "tests/xen/test_ops_common_values.py"],
    "xen/gnttab_op.py": _GNT,
    "xen/grant_table.py": _GNT,
    "xen/guest_grants.py": [*_GNT, "tests/xen/test_guest_grants_values.py"],
    "xen/multicall.py": ["tests/xen/test_multicall.py"],
    "xen/evtchn.py": ["tests/xen/test_evtchn.py", "tests/xen/test_evtchn_values.py",
                       "tests/hostile/test_c10_negotiation.py"],
    "xen/arena.py": ["tests/xen", "tests/hostile/test_xen_rows.py", _B],
    "xen/audit.py": ["tests/xen/test_audit.py", "tests/xen/test_audit_messages.py"],
    "xen/domain.py": ["tests/xen", "tests/hostile/test_xen_rows.py", _B],
    "xen/lifecycle.py": ["tests/xen/test_domain.py", "tests/hostile/test_d_f_lifecycle.py",
                         "tests/xen/test_lifecycle_values.py"],
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
    "back/caps.py": _BACKEND,
    "back/hazard.py": [*_BACKEND, "tests/lab/test_hazard.py"],
    "back/sched.py": _BACKEND,
    "back/vbd.py": _BACKEND,
    "back/loop.py": [*_BACKEND, "tests/lab/test_lab_queues.py", "tests/serve/test_serve_config.py"],
    "back/xenbus.py": [*_BACKEND, "tests/hostile/test_c10_negotiation.py",
                       "tests/serve/test_serve_config.py"],
    **{f"back/datapaths/{n}.py": _BACKEND for n in (
        "base", "grant_copy", "grant_map", "grant_swap", "null", "persistent", "skeleton",
        "transfer")},
    "xen/counters.py": ["tests/xen", "tests/back", "tests/xen_linux/test_linux_grants.py",
                        "tests/hostile/test_xen_rows.py", _B],
    "xen/emulated.py": ["tests/back", "tests/xen/test_domain.py", "tests/hostile/test_xen_rows.py",
                        "tests/front/test_front_grants.py", "tests/xen/test_emulated_port.py"],
    "xen/errors.py": ["tests/xen"],
    "xen/hypervisor.py": ["tests/xen", "tests/hostile/test_xen_rows.py", _B],
    "xen/port.py": ["tests/xen", "tests/xen_linux", "tests/back", "tests/hostile/test_xen_rows.py"],
    **{f"xen/linux/{n}.py": _LINUX for n in ("devices", "grants", "memory", "port", "xenstore")},
}  # fmt: skip


def targeted(module: str) -> list[str]:
    rel = module.removeprefix("src/blkswap/")
    if rel in TESTS:
        return TESTS[rel]
    return _GNT if rel.startswith("xen/") else _BACK


def all_modules() -> list[str]:
    return sorted(
        str(m.relative_to(ROOT))
        for pkg in PACKAGES
        for m in (ROOT / "src" / "blkswap" / pkg).rglob("*.py")
        if m.name != "__init__.py"
    )


def ensure_tools() -> None:
    """cosmic-ray and coverage at their pinned versions in the venv (re-exec under it)."""
    import importlib.metadata as md

    want = {"cosmic-ray": CR_VERSION, "coverage": COVERAGE_VERSION}
    have = {}
    for name in want:
        try:
            have[name] = md.version(name)
        except md.PackageNotFoundError:
            have[name] = None
    missing = [f"{n}=={v}" for n, v in want.items() if have[n] != v]
    if missing:
        import subprocess

        subprocess.run([str(PY), "-m", "pip", "install", "-q", *missing], check=True)


def mutants(module: str) -> list[dict]:
    """cosmic-ray's own enumeration (the ``init`` command's): operator, occurrence, line."""
    from cosmic_ray.commands.init import _all_work_items

    out = []
    for item in _all_work_items([Path(module)], {}):
        m = item.mutations[0]
        key = f"{module}:{m.start_pos[0]} {m.operator_name} #{m.occurrence}"
        out.append({"key": key, "line": m.start_pos[0], "pos": tuple(m.start_pos),
                    "operator": m.operator_name, "occurrence": m.occurrence})  # fmt: skip
    return out


def run_module(module: str, ctx: dict, only: set[str] | None = None) -> dict:
    """Test every mutant of ``module`` (or only the keys in ``only``); the counts and survivors."""
    from mutation_exec import annotations, in_targets, run_jobs, select_tests, statement_spans

    tests = targeted(module)
    cover = ctx["cover"]
    pool = [t for t in cover["seconds"] if in_targets(t, tests)]
    lines = cover["lines"].get(module, {})
    # a statement run at import (a constant, a class body) can matter to any targeted test; the
    # first pass gives it only the tests that run the module's code (a heuristic: it can only
    # leave a mutant alive, never kill one wrongly) and --recheck gives its survivors them all
    reach = Counter(t for hit in lines.values() for t in hit)  # lines of the module it runs
    users = [t for t in pool if reach[t]] or pool
    source = (ROOT / module).read_text()
    spans, notes = statement_spans(source), annotations(source)
    jobs, uncovered, n_notes = [], [], 0
    for mu in mutants(module):
        if only is not None and mu["key"] not in only:
            continue
        if any(a <= mu["pos"] < b for a, b in notes):
            n_notes += 1  # a string under PEP 563: not a mutant of anything that runs
            continue
        chosen = select_tests(mu["line"], spans, lines, pool, pool if only else users)
        if not chosen:
            uncovered.append(mu | {"rc": 0, "diff": "(no targeted test executes this line)"})
            continue
        chosen.sort(key=lambda t: (-reach[t], cover["seconds"].get(t, 0.0)))
        expected = sum(cover["seconds"].get(t, 0.0) for t in chosen)
        timeout = min(ctx["timeout"], 10 * expected + 10)
        jobs.append(mu | {"file": module, "tests": chosen, "timeout": timeout})
    start, done = time.monotonic(), []
    for job, result in run_jobs(ctx["workers"], jobs):
        done.append(job | result)
        print(f"  {len(done)}/{len(jobs)} {job['key']}: {verdict(result)} "
              f"({len(job['tests'])} tests, {result['seconds']} s)", flush=True)  # fmt: skip
    seconds = round(time.monotonic() - start)
    return summarize(module, done + uncovered, tests, seconds) | {"annotations": n_notes}


def verdict(result: dict) -> str:
    if result["rc"] is None:
        return "no mutation"
    if result.get("timeout"):
        return "killed (timeout)"
    return "survived" if result["rc"] == 0 else f"killed (rc {result['rc']})"


def summarize(module: str, results: list[dict], tests: list[str], seconds: int) -> dict:
    src = (ROOT / module).read_text().splitlines()
    total = killed = 0
    survivors = []
    for r in sorted(results, key=lambda r: (r["line"], r["key"])):
        if r["rc"] is None:
            continue  # cosmic-ray found nothing to mutate (its NO_TEST outcome)
        total += 1
        if r["rc"] != 0:
            killed += 1  # killed, incompetent (the mutant does not even import), timeout
            continue
        code = src[r["line"] - 1].strip() if r["line"] <= len(src) else ""
        survivors.append({"key": r["key"], "code": code, "diff": r["diff"]})
    res = {"module": module, "tests": tests, "mutants": total, "killed": killed,
           "seconds": seconds, "all_survivors": survivors, "sha": _sha(module),
           "runner": "fork+coverage", "uncovered": sum(r["diff"].startswith("(no ") for r in results),
           "timeouts": sum(bool(r.get("timeout")) for r in results),
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


def recheck(module: str, ctx: dict) -> dict:
    """Re-test only the recorded survivors of ``module`` against its (grown) targeted tests.

    Valid because tests were only added: a mutant killed before is still killed. Refused if the
    module's source changed since the full run (its mutants would differ): run it again."""
    res = load().get(module)
    if res is None:
        raise SystemExit(f"mutation: {module} has no recorded run; run it first")
    if res.get("sha") and res["sha"] != _sha(module):
        raise SystemExit(f"mutation: {module} changed since its run; run it again in full")
    start = time.monotonic()
    now = run_module(module, ctx, only={s["key"] for s in res["all_survivors"]})
    out = res | {"tests": targeted(module), "killed": res["killed"] + now["killed"],
                 "all_survivors": now["all_survivors"], "before": res.get("before", res["score"]),
                 "rechecked": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "recheck_seconds": round(time.monotonic() - start)}  # fmt: skip
    return split(out)


def _sha(module: str) -> str:
    return hashlib.sha256((ROOT / module).read_bytes()).hexdigest()[:16]


def load() -> dict:
    return json.loads(SCORES.read_text()) if SCORES.exists() else {}


def record(res: dict) -> None:
    scores = load()
    prev = scores.get(res["module"])
    if prev is not None and "before" not in res:
        res["before"] = prev.get("before", prev["score"])
    scores[res["module"]] = {k: v for k, v in res.items() if k not in ("survivors", "equivalents")}
    SCORES.write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


def show(res: dict) -> None:
    print(f"mutation {res['module']}: {res['mutants']} mutants, {res['killed']} killed, "
          f"{res['survived']} survived, {res['equivalent']} equivalent, score {res['score']} % "
          f"(adjusted {res['adjusted']} %), {res['seconds']} s")  # fmt: skip
    for s in res["survivors"]:
        print(f"  survivor {s['key']}: {s['code']}  ->  {s['diff']}")
    for s in res["equivalents"]:
        print(f"  equivalent {s['key']}: {EQUIVALENT.get(s['key'], '')}")


def start(modules: list[str], n: int, timeout: float, tmp: Path, fresh: bool = False) -> dict:
    """The coverage map of the modules' targeted tests and ``n`` warm workers."""
    from mutation_exec import Worker, coverage_map, scratch

    tests = sorted({t for m in modules for t in targeted(m)})
    t0 = time.monotonic()
    cover = coverage_map(scratch(tmp / "cover"), tests, fresh)
    print(f"mutation: coverage of {len(cover['seconds'])} tests in "
          f"{time.monotonic() - t0:.0f} s (pytest status {cover['rc']})", flush=True)  # fmt: skip
    workers = [Worker(scratch(tmp / f"w{i}"), tests) for i in range(n)]
    return {"cover": cover, "workers": workers, "timeout": timeout}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--all", action="store_true", help="every module of xen/ and back/")
    ap.add_argument("--missing", action="store_true", help="the modules with no recorded run")
    ap.add_argument("--recheck", action="store_true", help="re-test only the recorded survivors")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S, help="cap per mutant (s)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if args.list:
        for m in all_modules():
            print(f"{m}: {' '.join(targeted(m))}")
        return 0
    if args.report:
        for res in load().values():
            show(split(res))
        low = [m for m, r in load().items() if split(r)["adjusted"] < 90.0]
        unrun = [m for m in all_modules() if m not in load()]
        print(
            f"below 90 % (adjusted): {' '.join(low) or 'none'}; not run: {' '.join(unrun) or 'none'}"
        )
        return 0
    modules = all_modules() if args.all else list(args.modules)
    modules += [m for m in all_modules() if m not in load()] if args.missing else []
    if not modules:
        ap.error("name at least one module (or --all / --missing / --list / --report)")
    for module in modules:
        if not (ROOT / module).is_file():
            print(f"mutation: no such module {module}", file=sys.stderr)
            return 2
    os.chdir(ROOT)
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        ctx = start(modules, args.workers, args.timeout, Path(tmp), args.recheck)
        try:
            for module in modules:
                res = recheck(module, ctx) if args.recheck else run_module(module, ctx)
                record(res)
                show(res)
        finally:
            for w in ctx["workers"]:
                w.close()
    return 0


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() and PY.exists():
        os.execv(PY, [str(PY), __file__, *sys.argv[1:]])
    sys.exit(main())
