"""blkswap.workload — fio job files, deterministic I/O generation and per-sector provenance tags.

Public API:

* :func:`parse_jobfile`, :func:`parse_jobtext` → :class:`JobFile` of :class:`JobSpec`;
  :class:`JobFileError` names file, line and option.
* :class:`IoGenerator` → :class:`Io` (read/write/trim/flush, offset, length).
* :mod:`blkswap.workload.tags`: :func:`fill`, :func:`check`, :func:`classify`, :class:`Verdict`;
  :class:`GenerationMap` tracks the expected generation of every sector.
* :data:`DEFAULT_JOB` — the built-in demo job (examples/mixed-randrw.fio).
"""

from blkswap.workload.defaults import DEFAULT_JOB
from blkswap.workload.errors import JobFileError
from blkswap.workload.generator import Io, IoGenerator
from blkswap.workload.genmap import GenerationMap
from blkswap.workload.jobspec import JobFile, JobSpec
from blkswap.workload.parser import parse_jobfile, parse_jobtext
from blkswap.workload.tags import SECTOR, TAG_MAGIC, Verdict, check, classify, fill

__all__ = [
    "DEFAULT_JOB",
    "JobFileError",
    "JobFile",
    "JobSpec",
    "parse_jobfile",
    "parse_jobtext",
    "Io",
    "IoGenerator",
    "GenerationMap",
    "SECTOR",
    "TAG_MAGIC",
    "Verdict",
    "fill",
    "check",
    "classify",
]
