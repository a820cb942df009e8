"""blkswap.report — run results to fio-compatible JSON/json+, fio's normal summary, a
data-path comparison table, CSV, PNG plots and fio's progress line.

The lab fills the result model (``RunStats`` → ``JobStats`` → ``DirStats`` with fio's
``LatencyHistogram``) while a run executes; every output here reads only that model and never
imports the live lab objects. See docs/report.md.

| name | module | what |
|---|---|---|
| LatencyHistogram | histogram | fio's log-linear ns histogram, percentiles, json+ bins |
| DirStats, JobStats, RunStats | model | the result model |
| to_fio_json, dumps_fio, format_fio_json | fio_json | fio JSON / json+ document and printer |
| format_normal, format_banner | summary | fio's normal-format summary (plus an ``xen`` line) |
| format_comparison | comparison | terminal table of data paths |
| write_csv | csv_out | one CSV row per (data path, job, direction) |
| write_report | plots | report folder: JSON, CSV, PNG plots |
| Progress | progress | fio's progress line on a TTY |
"""

from .comparison import format_comparison
from .csv_out import write_csv
from .fio_json import FIO_VERSION, dumps_fio, format_fio_json, to_fio_json
from .histogram import LatencyHistogram, plat_idx_to_val, plat_val_to_idx
from .model import DEFAULT_PERCENTILES, DirStats, JobStats, RunStats
from .plots import write_report
from .progress import Progress
from .summary import format_banner, format_normal

__all__ = [
    "DEFAULT_PERCENTILES",
    "FIO_VERSION",
    "DirStats",
    "JobStats",
    "LatencyHistogram",
    "Progress",
    "RunStats",
    "dumps_fio",
    "format_banner",
    "format_comparison",
    "format_fio_json",
    "format_normal",
    "plat_idx_to_val",
    "plat_val_to_idx",
    "to_fio_json",
    "write_csv",
    "write_report",
]
