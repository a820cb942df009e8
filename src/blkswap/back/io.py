"""Storage I/O for backend requests: what a request does to its BlockStore, and when.

:func:`perform` moves the bytes (preadv/pwritev into the request's buffers, flush, discard).
:class:`SyncIo` performs at submission and reports completion through the loop — the default
when no timing layer is attached. The timing layer supplies its own submitter that performs the
same :func:`perform` but completes at the time a device model says (``blkswap.lab``).
"""

from __future__ import annotations

import errno
import weakref
from collections.abc import Callable
from operator import attrgetter
from typing import Protocol

from blkswap.abi import blkif
from blkswap.back.request import PendingReq
from blkswap.storage.base import BlockStore, StorageError


class StorageIo(Protocol):
    def submit(
        self, req: PendingReq, store: BlockStore, done: Callable[[PendingReq], None]
    ) -> None: ...


def perform(req: PendingReq, store: BlockStore) -> int:
    """Do the storage side of ``req`` on ``store``; returns a BLKIF_RSP_* status.

    A read or write that moves fewer bytes than asked (a short ``preadv``/``pwritev``: end of a
    file, a flaky device) is an error, as a bio that did not complete all its bytes is in Linux
    (blkback answers BLKIF_RSP_ERROR for any bio error): the request's buffers then hold bytes
    that were not read for it, and the data paths hand nothing over for a failed read.

    A request whose ring was torn down while it was in flight (backend killed, device detached,
    guest destroyed) is fenced: it moves no byte and answers ERROR to nobody. Otherwise a write
    of a dead backend could land after its successor acknowledged a newer write to the same
    sectors. Linux never lets that happen: a dying process's AIO is waited for before it is gone
    (fs/aio.c exit_aio) and blkback does not finish a disconnect while requests are in flight
    (xen_blkif_disconnect returns -EBUSY). The lab simplifies by cancelling: its storage I/O
    happens atomically at completion, so a request not completed has not reached the device."""
    if getattr(req.ring, "fenced", False):
        return blkif.BLKIF_RSP_ERROR
    offset = req.sector_number * 512
    try:
        if req.op == blkif.BLKIF_OP_READ:
            if req.bufs and store.readv(offset, req.bufs) != _nbytes(req):
                return blkif.BLKIF_RSP_ERROR
        elif req.op == blkif.BLKIF_OP_DISCARD:
            store.discard(offset, req.nr_sectors * 512)
        else:
            if req.op in (blkif.BLKIF_OP_WRITE_BARRIER, blkif.BLKIF_OP_FLUSH_DISKCACHE):
                _flush(store)  # PREFLUSH before the data (LB dispatch_rw_block_io)
            if req.bufs and store.writev(offset, req.bufs) != _nbytes(req):
                return blkif.BLKIF_RSP_ERROR
    except OSError as err:
        if err.errno == errno.EOPNOTSUPP and req.op != blkif.BLKIF_OP_DISCARD:
            _NO_FLUSH.add(store)  # only _flush can raise it here: the device has no cache flush
            return blkif.BLKIF_RSP_EOPNOTSUPP  # LBB __end_block_io_op: BLK_STS_NOTSUPP
        return blkif.BLKIF_RSP_ERROR
    except StorageError:
        return blkif.BLKIF_RSP_ERROR
    return blkif.BLKIF_RSP_OKAY


#: stores whose flush answered EOPNOTSUPP (catalog D9): the backend stops advertising
#: feature-flush-cache / feature-barrier for them (LBB xen_blkbk_flush_diskcache(…, 0))
_NO_FLUSH: weakref.WeakSet[object] = weakref.WeakSet()


def flush_supported(store: BlockStore) -> bool:
    """False once a flush of ``store`` answered EOPNOTSUPP."""
    return store not in _NO_FLUSH


#: stores whose flush failed once: every later flush fails too (catalog E6). Linux reports a
#: writeback error to fsync once and may then succeed although the data never reached the media
#: (the 2018 "fsyncgate"; errseq_t in mm/filemap.c); a backend that answered a later FLUSH with
#: OKAY would tell the guest that lost writes are durable. The latch is per store (the opened
#: image), so it survives a reconnect of the frontend.
_FLUSH_FAILED: weakref.WeakSet[object] = weakref.WeakSet()


def _flush(store: BlockStore) -> None:
    if store in _FLUSH_FAILED:
        raise StorageError("an earlier flush of this store failed (latched)")
    try:
        store.flush()
    except OSError as err:
        if err.errno != errno.EOPNOTSUPP:  # "not supported" is no failure: nothing latched
            _FLUSH_FAILED.add(store)
        raise
    except StorageError:
        _FLUSH_FAILED.add(store)
        raise


def _nbytes(req: PendingReq) -> int:
    return sum(map(_NBYTES, req.bufs))  # (a C getter: no generator frame per request)


_NBYTES = attrgetter("nbytes")


class SyncIo:
    """Perform at submit, complete immediately (through the loop's completion queue)."""

    def submit(
        self, req: PendingReq, store: BlockStore, done: Callable[[PendingReq], None]
    ) -> None:
        req.status = perform(req, store)
        done(req)
