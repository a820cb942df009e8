"""Exceptions raised by the emulated hypervisor for misuse by Python callers.

Guest-visible failures of hypercalls are *not* exceptions: they are GNTST_* statuses written into
the argument structs or negative errno return values, as in Xen. The exceptions below are for
callers that break the emulator's contract (bad frame numbers, access through a neutered kernel
mapping, double frees ...). Each message names the domain, gfn, va or mfn that was wrong.
"""

from __future__ import annotations


class XenError(Exception):
    """Base class of every exception raised by :mod:`blkswap.xen`."""


class FrameError(XenError, ValueError):
    """A machine frame number is out of range, free when it must be allocated, or similar."""


class OutOfMemoryError(XenError):
    """The frame arena (or a domain's reservation / kernel allocator) has no frame left."""


class PageAccessError(XenError):
    """A domain touched memory it cannot reach: unpopulated gfn, unmapped or read-only va."""


class NeuteredPageError(PageAccessError):
    """The gfn's kernel mapping was neutered (``Domain.neuter``) and not yet restored."""


class GrantError(XenError):
    """Guest-side grant-table misuse: unknown ref, ref not allocated, table full."""


class DomainError(XenError, KeyError):
    """Unknown domid, or an operation on a destroyed domain."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
