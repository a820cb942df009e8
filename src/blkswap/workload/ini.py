"""Lexing fio job files into sections of assignments: comments, ``include``, ``${VAR}``, keywords.

# fio init.c __parse_jobs_ini (~2081-2330), parse.c strip_blank_end (428-447),
# options.c fio_option_dup_subs / fio_keywords; fio-conventions.md §1 "Syntax".
* A line whose first non-blank character is ``;`` or ``#`` is a comment; an option line is cut at
  the first ``;`` or ``#`` (trailing comments).
* ``include FILE`` splices FILE's lines in place (path relative to the including file). Included
  files may nest but must not contain ``[sections]``.
* ``${VAR}`` expands from ``env`` (undefined → ""); ``$ncpus``, ``$pagesize``, ``$mb_memory`` expand from
  ``keywords``; a value that then contains arithmetic is evaluated as ``(expr)``, as fio pipes it to bc.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from blkswap.workload.errors import JobFileError

__all__ = ["Assignment", "Section", "read_sections", "host_keywords", "read_job_text"]

_MAX_INCLUDE_DEPTH = 16
MAX_JOB_BYTES = 4 << 20
"""Largest job or include file read (fio's own examples are under 8 KiB)."""
_ENV = re.compile(r"\$\{([^}]*)\}")
_KEYWORD = re.compile(r"\$(ncpus|pagesize|mb_memory)(?![A-Za-z0-9_])")


@dataclass(frozen=True, slots=True)
class Assignment:
    """One ``key[=value]`` line after substitutions; ``value`` is ``None`` for a bare key."""

    key: str
    value: str | None
    path: str
    line: int
    text: str


@dataclass
class Section:
    """A ``[name]`` section and its assignments in file order (includes spliced in)."""

    name: str
    path: str
    line: int
    assignments: list[Assignment] = field(default_factory=list)


def host_keywords() -> dict[str, int]:
    """Values of fio's ``$ncpus``/``$pagesize``/``$mb_memory`` for this host (callers may override)."""
    try:
        pagesize = os.sysconf("SC_PAGESIZE")
        mb = os.sysconf("SC_PHYS_PAGES") * pagesize // (1024 * 1024)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        pagesize, mb = 4096, 1024
    return {"ncpus": os.cpu_count() or 1, "pagesize": pagesize, "mb_memory": mb}


def _lines(
    text: str, path: str, base_dir: Path, env: Mapping[str, str], depth: int, in_include: bool
) -> Iterator[tuple[str, int, str]]:
    """Yield ``(path, line_no, stripped_line)`` with includes spliced and comments dropped."""
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("include ") or line.startswith("include\t"):
            target = _ENV.sub(lambda m: env.get(m.group(1), ""), line[8:]).strip()
            target = re.split(r"[;#]", target, maxsplit=1)[0].strip()
            yield from _include(target, path, no, base_dir, env, depth)
            continue
        if in_include and line.startswith("["):
            raise JobFileError(path, no, None, f"included file must not contain sections: {line}")
        yield path, no, line


def _include(
    target: str, path: str, no: int, base_dir: Path, env: Mapping[str, str], depth: int
) -> Iterator[tuple[str, int, str]]:
    if not target:
        raise JobFileError(path, no, "include", "missing file name")
    if depth >= _MAX_INCLUDE_DEPTH:
        raise JobFileError(
            path, no, "include", f"includes nested deeper than {_MAX_INCLUDE_DEPTH} (loop?)"
        )
    inc = Path(target)
    full = inc if inc.is_absolute() else base_dir / inc
    try:
        text = read_job_text(full)
    except OSError as exc:
        raise JobFileError(path, no, "include", f"cannot read '{full}': {exc.strerror}") from None
    except ValueError as exc:
        raise JobFileError(path, no, "include", f"'{full}': {exc}") from None
    yield from _lines(text, str(full), full.parent, env, depth + 1, True)


def read_job_text(path: Path) -> str:
    """A job file's text. Only regular files of at most :data:`MAX_JOB_BYTES` are read: a device,
    FIFO or ``/dev/zero`` would otherwise be read until memory runs out (ValueError says why)."""
    st = path.stat()  # stat before open: opening a FIFO without a writer would block
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("not a regular file (a device, FIFO or directory cannot be a job file)")
    if st.st_size > MAX_JOB_BYTES:
        raise ValueError(f"{st.st_size} bytes: larger than a job file can be ({MAX_JOB_BYTES})")
    with open(path, "rb") as f:
        data = f.read(MAX_JOB_BYTES + 1)
    if len(data) > MAX_JOB_BYTES:  # grew since stat
        raise ValueError(f"larger than a job file can be ({MAX_JOB_BYTES} bytes)")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise ValueError("not a text file (not UTF-8)") from None


def _keywords(value: str, keywords: Mapping[str, int]) -> str:
    replaced = False

    def kw(m: re.Match[str]) -> str:
        nonlocal replaced
        replaced = True
        return str(keywords[m.group(1)])

    value = _KEYWORD.sub(kw, value)
    if replaced and re.search(r"\d\s*[*+/%^-]\s*\d", value) and not value.startswith("("):
        value = f"({value})"  # fio hands "8*$mb_memory" to bc; we evaluate it ourselves
    return value


def _assignment(
    line: str, path: str, no: int, env: Mapping[str, str], keywords: Mapping[str, int]
) -> Assignment:
    body = re.split(r"[;#]", line, maxsplit=1)[0].strip()  # parse.c strip_blank_end
    body = _ENV.sub(lambda m: env.get(m.group(1), ""), body)  # options.c fio_option_dup_subs
    if "=" in body:
        key, value = body.split("=", 1)
        key, val = key.strip(), _keywords(value.strip(), keywords)
        if not key:
            raise JobFileError(path, no, None, f"missing option name in '{line}'")
        return Assignment(key, val, path, no, line)
    return Assignment(body.strip(), None, path, no, line)


def read_sections(
    text: str,
    name: str,
    base_dir: Path,
    env: Mapping[str, str],
    keywords: Mapping[str, int],
) -> list[Section]:
    """Split a job file into sections; options before the first section are fio's error."""
    sections: list[Section] = []
    for path, no, line in _lines(text, name, base_dir, env, 0, False):
        if line.startswith("["):
            line = re.split(r"[;#]", line, maxsplit=1)[0].strip()
            if not line.endswith("]") or len(line) < 3:
                raise JobFileError(path, no, None, f"invalid section header '{line}'")
            sections.append(Section(line[1:-1].strip(), path, no))
            continue
        a = _assignment(line, path, no, env, keywords)
        if not a.key:
            continue
        if not sections:
            # fio init.c: "fio: option <%s> outside of [] job section"
            raise JobFileError(path, no, a.key, f"option <{line}> outside of [] job section")
        sections[-1].assignments.append(a)
    return sections
