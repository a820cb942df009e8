"""blkswap.xen.linux -- a :class:`~blkswap.xen.port.DomainPort` for Linux dom0 user space.

``devices`` (gntdev, gntalloc, evtchn ioctls), ``xenstore`` (the wire-protocol client),
``memory`` (a page-aligned arena), ``grants`` (grant-op batches answered through gntdev) and
``port`` (:class:`~blkswap.xen.linux.port.LinuxPort`). Standard library only: a stock dom0's
python3 imports it without numpy. See docs/real-xen.md.
"""
