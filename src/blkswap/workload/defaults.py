"""The built-in demo job (``DEFAULT_JOB``), identical to ``examples/mixed-randrw.fio``.

The CLI runs it when no job file is given; a test keeps the two copies byte-identical.
"""

from __future__ import annotations

__all__ = ["DEFAULT_JOB", "DEFAULT_JOB_NAME"]

DEFAULT_JOB_NAME = "mixed-randrw.fio"

DEFAULT_JOB = """\
; blkswap built-in demo: a mixed random read/write load, 70% reads, with a
; realistic spread of block sizes. Two clones per guest, each writing 24 MiB in its own 64 MiB
; region of the virtual disk, for at most 10 seconds of simulated time.
;
; Run it with:   blkswap run examples/mixed-randrw.fio
; Lab settings (guests, data path, pool, cost profile) live in a scenario TOML
; or on the command line; xen_* keys below are the lab's engine options.

[global]
ioengine=xen-blkfront
rw=randrw
rwmixread=70
bssplit=4k/60:16k/25:64k/15
iodepth=16
size=24m
offset_increment=64m
runtime=10
randrepeat=1
group_reporting

[mixed-randrw]
description=randrw 70/30, 4k/16k/64k split, QD16, 2 jobs
numjobs=2
"""
