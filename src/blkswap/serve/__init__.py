"""``blkswap serve``: the lab's backend serving real Linux blkfronts from a Linux dom0.

``config`` (device specs from flags or TOML, the real-Xen refusals), ``server`` (the fd-readiness
loop around :class:`~blkswap.back.xenbus.BlkBack` on a
:class:`~blkswap.xen.linux.port.LinuxPort`). Standard library only; see docs/real-xen.md.
"""
