#!/usr/bin/env python3
"""The fast executor of tools/mutation.py: coverage-selected tests, forked pytest runs.

cosmic-ray (pinned) still enumerates and applies the mutants (its operators, occurrences and keys),
but instead of one ``pytest`` subprocess per mutant over all the module's targeted tests:

* ``cover``: the targeted tests run once under coverage (pinned) with one dynamic context per
  test node id, which gives, per source line, the tests that execute it.
* a mutant inside a function runs only the tests that execute its statement (none: it survives
  without a run, "uncovered"); a mutant on a statement that runs at import (module level, class
  bodies, ``def`` headers with their defaults and decorators) runs all the targeted tests.
* ``worker``: a long-lived process per core, in its own scratch copy of src/ and tests/, that has
  imported pytest, hypothesis, numpy and simpy (never blkswap) and warmed the tests' bytecode
  cache; per mutant it writes the mutated module (removing its cached bytecode, so a stale .pyc
  of equal size and mtime cannot be loaded), forks a child that runs ``pytest -x`` on the
  selected node ids, and restores the module. Exit status != 0, a crash or a timeout = killed.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
CACHE = Path(tempfile.gettempdir()) / "blkswap-mutation-cover"
PRELOAD = ("pytest", "hypothesis", "hypothesis.strategies", "numpy", "simpy", "json", "struct",
           "mmap", "ctypes", "subprocess", "tomllib", "csv", "zlib", "random", "socket")  # fmt: skip
PYTEST = ["-x", "-q", "-p", "no:cacheprovider"]
FIRST = 24  # a long test list runs in two parts: these first, the rest only if all pass
IMPORT = "<import>"  # the context of lines run while no test runs (collection: imports)


def scratch(tmp: Path) -> Path:
    """A copy of src/, tests/ and pyproject.toml (the work tree is never touched)."""
    for part in ("src", "tests"):
        shutil.copytree(ROOT / part, tmp / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp)
    return tmp


def _env(work: Path) -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(work / "src"), "OPENBLAS_NUM_THREADS": "1",
                         "OMP_NUM_THREADS": "1"}  # fmt: skip


# --- the coverage map -------------------------------------------------------------------------


def coverage_map(work: Path, tests: list[str], fresh: bool) -> dict:
    """{"lines": {file: {line: [node ids]}}, "seconds": {node id: s}} of ``tests`` in ``work``.

    Kept in CACHE under a digest of src/ (it takes minutes): a first run reuses a map of the same
    source that ran every test file asked for (a test added since is not selected: it can only
    leave a mutant alive); ``fresh`` (--recheck) always measures again."""
    digest = hashlib.sha256()
    for path in sorted(work.glob("src/**/*.py")):
        digest.update(str(path.relative_to(work)).encode() + path.read_bytes())
    out = work / "cover.json" if fresh else CACHE / f"{digest.hexdigest()[:24]}.json"
    if not fresh and out.exists():
        cached = json.loads(out.read_text())
        ran = {t.split("::")[0] for t in cached["seconds"]}
        if all(t in ran or any(f.startswith(t.rstrip("/") + "/") for f in ran) for t in tests):
            return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    cmd = ["nice", "-n", "15", str(PY), __file__, "cover", str(out), *tests]
    subprocess.run(cmd, cwd=work, env=_env(work), check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def _cover(out: str, tests: list[str]) -> int:
    import coverage
    import pytest

    cov = coverage.Coverage(data_file=None, source=[str(Path.cwd() / "src" / "blkswap")])
    seconds: dict[str, float] = {}

    class Contexts:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_setup(self, item: pytest.Item) -> None:
            cov.switch_context(item.nodeid)

        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            seconds[report.nodeid] = seconds.get(report.nodeid, 0.0) + report.duration

    cov.start()
    code = pytest.main([*PYTEST[1:], *tests], plugins=[Contexts()])
    cov.stop()
    data = cov.get_data()
    lines = {}
    for f in data.measured_files():
        rel = str(Path(f).relative_to(Path.cwd()))
        by_line = data.contexts_by_lineno(f).items()
        lines[rel] = {n: sorted(c or IMPORT for c in ctxs) for n, ctxs in by_line}
    Path(out).write_text(json.dumps({"lines": lines, "seconds": seconds, "rc": int(code)}))
    return 0


# --- which tests a mutant needs ---------------------------------------------------------------


def statement_spans(source: str) -> list[tuple[int, int, bool, int | None]]:
    """(first line, last line, inside a function, proxy line) of each statement's own lines (a
    compound statement's header with its decorators, a simple statement whole). The proxy of a
    ``def`` outside functions is its first body line: its defaults and decorators matter only to
    the tests that call it."""
    spans: list[tuple[int, int, bool, int | None]] = []

    def walk(node: ast.AST, in_fn: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                body = getattr(child, "body", None)
                first = min(
                    [child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])]
                )
                last = body[0].lineno - 1 if body else child.end_lineno or child.lineno
                fn = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                spans.append((first, max(first, last), in_fn, _first_code(child) if fn else None))
                walk(child, in_fn or fn)
            elif not isinstance(child, ast.expr):
                walk(child, in_fn)  # handlers, match cases: their bodies hold statements

    walk(ast.parse(source), False)
    return spans


def _first_code(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int | None:
    """The first body line that runs when ``fn`` is called (a docstring never runs)."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body[0].lineno if body else None


def annotations(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) positions of every annotation: with ``from __future__ import annotations``
    (every module of xen/ and back/) they are strings, never evaluated (PEP 563)."""
    if "from __future__ import annotations" not in source:
        return []
    lines = source.splitlines()

    def chars(line: int, col: int) -> int:  # ast counts UTF-8 bytes, parso characters
        return len(lines[line - 1].encode()[:col].decode())

    out = []
    for node in ast.walk(ast.parse(source)):
        for a in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if isinstance(a, ast.expr) and a.end_lineno is not None:
                start = (a.lineno, chars(a.lineno, a.col_offset))
                out.append((start, (a.end_lineno, chars(a.end_lineno, a.end_col_offset or 0))))
    return out


def select_tests(
    line: int, spans: list, lines: dict[str, list[str]], pool: list[str], broad: list[str]
) -> list[str]:
    """The node ids of ``pool`` that a mutant on ``line`` needs ([] = no test executes it); a
    statement run at import needs ``broad``."""
    around = [s for s in spans if s[0] <= line <= s[1]]
    best = min(around, key=lambda s: s[1] - s[0]) if around else (line, line, False, None)
    first, last, in_fn, proxy = best
    if proxy is not None and not in_fn:
        first = last = proxy  # a def header: the tests that call the function
    elif not in_fn:
        return broad  # runs at import: every test may depend on it
    hits = {t for n in range(first, last + 1) for t in lines.get(str(n), ())}
    if IMPORT in hits:
        return broad  # e.g. a function called at import (a table, a dataclass check)
    return [t for t in pool if t in hits]


def in_targets(nodeid: str, targets: list[str]) -> bool:
    path = nodeid.split("::", 1)[0]
    return any(path == t or path.startswith(t.rstrip("/") + "/") for t in targets)


# --- the worker (runs in its scratch copy) ----------------------------------------------------


def _worker(warm: list[str]) -> int:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    _fork_pytest(["--collect-only", *warm], 600.0, write_bytecode=True)  # warm the .pyc caches
    sys.dont_write_bytecode = True
    out = os.fdopen(os.dup(1), "w")
    for raw in sys.stdin:
        job = json.loads(raw)
        print(json.dumps(_one(job)), file=out, flush=True)
    return 0


def _one(job: dict) -> dict:
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    path = Path(job["file"])
    original = path.read_text()
    mutated = mutate_code(original, get_operator(job["operator"])(), job["occurrence"])
    if mutated is None:
        return {"rc": None, "diff": "", "timeout": False, "seconds": 0.0}
    start = time.monotonic()
    try:
        path.write_text(mutated)
        Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
        tests = job["tests"]  # the likeliest killers first: a kill often needs only those
        for part in [tests[:FIRST], tests[FIRST:]] if len(tests) > 2 * FIRST else [tests]:
            rc, timed_out = _fork_pytest(part, job["timeout"])
            files = sorted({t.split("::")[0] for t in part})
            if rc in (4, 5) and part != files:  # a node id not found (ids can change)
                rc, timed_out = _fork_pytest(files, job["timeout"])
            if rc != 0:
                break
    finally:
        path.write_text(original)
    plus = [ln[1:].strip() for ln in difflib.unified_diff(original.split("\n"), mutated.split("\n"),
            lineterm="") if ln.startswith("+") and not ln.startswith("+++")]  # fmt: skip
    return {"rc": rc, "timeout": timed_out, "diff": " | ".join(plus)[:160],
            "seconds": round(time.monotonic() - start, 2)}  # fmt: skip


def _fork_pytest(args: list[str], timeout: float, write_bytecode: bool = False) -> tuple[int, bool]:
    """Run pytest in a forked child; (exit status, timed out). A signal counts as status -sig."""
    pid = os.fork()
    if pid == 0:  # the child: its own process group, quiet, never returns
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            sys.dont_write_bytecode = not write_bytecode
            import pytest

            code = int(pytest.main([*PYTEST, *args]))
        except BaseException:
            code = 99
        os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return (os.waitstatus_to_exitcode(status), False)
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return (-signal.SIGKILL, True)
        time.sleep(0.005)


class Worker:
    """One worker process in its own scratch copy, fed one job (a JSON line) at a time."""

    def __init__(self, work: Path, warm: list[str]) -> None:
        self.work = work
        cmd = ["nice", "-n", "15", str(PY), __file__, "worker", *warm]
        self.proc = subprocess.Popen(cmd, cwd=work, env=_env(work), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip

    def send(self, job: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"mutation worker in {self.work} died")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def run_jobs(workers: list[Worker], jobs: list[dict]) -> Iterator[tuple[dict, dict]]:
    """Yield (job, result) as the workers finish them, keeping each worker busy."""
    todo, busy = list(reversed(jobs)), {}
    for w in workers:
        if todo:
            job = todo.pop()
            w.send(job)
            busy[w.proc.stdout.fileno()] = (w, job)
    while busy:
        ready, _, _ = select.select(list(busy), [], [])
        for fd in ready:
            w, job = busy.pop(fd)
            yield job, w.receive()
            if todo:
                nxt = todo.pop()
                w.send(nxt)
                busy[fd] = (w, nxt)


if __name__ == "__main__":
    if sys.argv[1] == "cover":
        sys.exit(_cover(sys.argv[2], sys.argv[3:]))
    if sys.argv[1] == "worker":
        sys.exit(_worker(sys.argv[2:]))
    raise SystemExit("mutation_exec: use tools/mutation.py")
