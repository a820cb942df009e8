"""Public entry points of the job-file parser: :func:`parse_jobfile` and :func:`parse_jobtext`.

A malformed file raises :class:`~blkswap.workload.errors.JobFileError` naming the file, line and
option; warnings (host-only options, fio unit quirks) are collected in ``JobFile.warnings`` and,
unless ``quiet``, printed once each on stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from blkswap.workload.build import build_job
from blkswap.workload.errors import JobFileError
from blkswap.workload.ini import Section, host_keywords, read_job_text, read_sections
from blkswap.workload.jobspec import JobFile
from blkswap.workload.options import canonical

__all__ = ["parse_jobfile", "parse_jobtext"]


def parse_jobfile(
    path: str | Path,
    env: Mapping[str, str] | None = None,
    sections: Sequence[str] | None = None,
    *,
    keywords: Mapping[str, int] | None = None,
    quiet: bool = False,
) -> JobFile:
    """Parse an fio job file. ``sections`` keeps only those jobs (fio ``--section``).

    ``env`` feeds ``${VAR}`` (default: ``os.environ``); ``keywords`` overrides ``$ncpus``,
    ``$pagesize``, ``$mb_memory`` (default: this host's values).
    """
    name = str(path)
    try:
        text = read_job_text(Path(path))
    except OSError as exc:
        raise JobFileError(name, 0, None, f"cannot read job file: {exc.strerror}") from None
    except ValueError as exc:
        raise JobFileError(name, 0, None, str(exc)) from None
    return parse_jobtext(
        text, name, env, Path(path).parent, sections=sections, keywords=keywords, quiet=quiet
    )


def parse_jobtext(
    text: str,
    name: str = "<string>",
    env: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    *,
    sections: Sequence[str] | None = None,
    keywords: Mapping[str, int] | None = None,
    quiet: bool = False,
) -> JobFile:
    """Parse job-file text; ``base_dir`` resolves relative ``include`` paths (default: cwd)."""
    env_map: Mapping[str, str] = os.environ if env is None else env
    kw = {**host_keywords(), **(keywords or {})}
    secs = read_sections(text, name, base_dir or Path.cwd(), env_map, kw)
    result = JobFile(path=name)
    seen: set[str] = set()

    def warn(key: str, message: str) -> None:
        if key in seen:
            return
        seen.add(key)
        result.warnings.append(message)
        if not quiet:
            print(f"blkswap: warning: {message}", file=sys.stderr)

    globals_above: list[Section] = []
    for sec in secs:
        if sec.name == "global":
            globals_above.append(sec)
            for a in sec.assignments:
                result.global_options[canonical(a.key) or a.key] = (
                    "" if a.value is None else a.value
                )
            continue
        if sections is not None and sec.name not in sections:
            continue
        result.jobs.append(build_job(sec, list(globals_above), warn))
    if sections is not None:
        missing = [s for s in sections if s not in {j.name for j in result.jobs}]
        if missing:
            raise JobFileError(name, 0, None, f"no job section named {', '.join(missing)}")
    # Validate [global]-only files too: a bad option in a trailing [global] must still fail.
    if globals_above:
        build_job(Section("global", name, 0), list(globals_above), warn)
    return result
