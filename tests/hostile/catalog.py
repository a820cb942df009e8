"""The reliability catalog: every class of hostile or careless input the lab is tried with.

Row ids, bug classes and expected outcomes follow docs/reference/reliability-catalog.md (Xen
advisories XSA-n, Linux blkback/blkfront "LBB/LBF", xenstored, fio and xfstests practice, with
their sources); docs/reliability.md is the generated table of results. Rows L* are the lab's own (issue 14). Sources are
short keys; the test docstrings say what exactly is modelled.
"""

from __future__ import annotations

# id -> (source, bug class, expected outcome)
ROWS: dict[str, tuple[str, str, str]] = {
    # A. ring / blkif request parsing
    "A1": ("XSA-155", "double fetch of shared ring/indirect memory", "backend acts on its private copy; each shared byte read once"),
    "A2": ("LBB, RING_REQUEST_PROD_OVERFLOW", "req_prod running ahead / backwards", "ring halted, no crash, other rings unaffected"),
    "A3": ("LBB dispatch_rw_block_io", "segment count", "BLKIF_RSP_ERROR, nothing mapped; empty FLUSH accepted"),
    "A4": ("LBB indirect checks", "indirect descriptor abuse", "BLKIF_RSP_ERROR; indirect pages unmapped again"),
    "A5": ("LBB, QEMU xen-block", "sector bounds inside a frame", "BLKIF_RSP_ERROR; nothing touched outside the frame"),
    "A6": ("LBB xen_vbd_translate", "range overflow", "BLKIF_RSP_ERROR; no I/O at a wrapped offset"),
    "A7": ("LBB", "write to a read-only disk", "BLKIF_RSP_ERROR; image unchanged"),
    "A8": ("LBB dispatch_other_io", "unknown opcode", "BLKIF_RSP_EOPNOTSUPP, id echoed, ring continues"),
    "A9": ("LBB, Xen blkif.h sector units", "alignment vs logical block size", "BLKIF_RSP_ERROR"),
    "A10": ("LBB dispatch_discard_io", "discard abuse", "ERROR / EOPNOTSUPP"),
    "A11": ("XSA-216", "uninitialised response padding", "pad bytes never carry backend memory"),
    "A12": ("LBB get/add_persistent_gnt", "same gref twice / table full", "served or errored; purge never unmaps an active grant"),
    "A13": ("XSA-448", "zero-length copy elements", "GNTST_okay without touching refs"),
    "A14": ("XSA-155 frontend side, LBF", "hostile backend responses", "queue ERROR, no OOB; unknown status never OK"),
    "A15": ("XSA-229", "segments spanning non-contiguous frames", "every segment in one granted frame; bytes exact"),
    # B. grant table and the frame-swap op
    "B1": ("Xen map_grant_ref", "ref out of range", "GNTST_bad_gntref, no state change"),
    "B2": ("Xen map_grant_ref", "wrong entry state", "general_error / bad_domain / permission_denied; READ into RO grant fails"),
    "B3": ("Xen map (5 cmpxchg tries)", "granter races flags during map", "general_error in bounded time"),
    "B4": ("XSA-218, XSA-228", "unmap races, double unmap", "second unmap GNTST_bad_handle; flags cleared with the last pin"),
    "B5": ("Xen maptrack", "maptrack exhaustion", "GNTST_no_space; backend errors and recovers"),
    "B6": ("XSA-224", "refcount mishandling on partial unmaps", "refcounts back to baseline"),
    "B7": ("XSA-234, XSA-316", "unmap_and_replace theft; positive error", "status exactly -1, type counts intact"),
    "B8": ("XSA-230, XSA-236", "status bits vs real use; dying granter", "flags stay while pinned; copy fails cleanly"),
    "B9": ("XSA-226, XSA-411, XSA-500", "copy checks one frame, moves another", "same frame or error; transitive/sub-page refused"),
    "B10": ("XSA-380, XSA-394", "unbounded teardown; refcount underflow", "bounded teardown; underflow impossible"),
    "B11": ("XSA-26, XSA-255, XSA-379", "grant-table version switch", "v2 refused; v1 a no-op"),
    "B12": ("XSA-18, XSA-134", "swap_grant_ref unchecked refs", "bad_gntref / general_error; no OOB"),
    "B13": ("Xen gnttab_copy_buf", "copy bounds", "bad_copy_arg / general_error; never partial data with OK"),
    "B14": ("x86 steal_page", "moving a frame that is still referenced", "GNTST_bad_page, no owner change"),
    "B15": ("XSA-217", "ownership change under stale mappings", "op flushes or refuses"),
    "B16": ("Xen gnttab_transfer, XSA-284", "transfer bookkeeping", "defined error; accounting consistent"),
    "B17": ("XSA-346", "frame freed before a deferred flush", "frame not reusable before the flush"),
    # C. xenstore / xenbus / event channels
    "C1": ("XSA-115", "watch events leak other domains' paths", "events only for readable nodes"),
    "C2": ("XSA-322", "permissions survive domid reuse", "new domain has no rights on old nodes"),
    "C3": ("XSA-324, XSA-72", "oversize event / reply", "E2BIG / dropped; store alive"),
    "C4": ("XSA-325", "bad client, spurious @releaseDomain", "no @releaseDomain for a live domain"),
    "C5": ("XSA-326", "memory DoS via unread events, big transactions", "bounded; quota error"),
    "C6": ("xenstored quotas", "per-domain quotas", "quota error for that domain only"),
    "C7": ("XSA-206, XSA-414..421", "transaction storms; broken error paths", "store consistent; others progress"),
    "C8": ("XSA-349", "backend watch queue growth", "pending events bounded"),
    "C9": ("XSA-350", "fast Connected/Closing toggling", "no crash; resources back to baseline"),
    "C10": ("LBX connect_ring", "hostile frontend xenstore values", "device error node, Closing; nothing mapped; others served"),
    "C11": ("LBF talk_to_blkback", "hostile backend xenstore values", "clamped or refused; no crash"),
    "C12": ("XSA-332, XSA-391", "event storms", "spurious events bounded"),
    "C13": ("XSA-505", "FIFO event channel control race", "not modelled: 2-level only"),
    # D. backend lifecycle / grant errors
    "D1": ("XSA-365", "earlier batch error discarded", "BLKIF_RSP_ERROR; every handle unmapped once"),
    "D2": ("XSA-361, XSA-362", "BUG() on a map error", "request fails, backend survives"),
    "D3": ("XSA-371", "persistent grants leaked on error paths", "0 mappings after teardown"),
    "D4": ("XSA-396", "page reused while the backend maps it", "end-access fails, page never reused"),
    "D5": ("LBF blkif_recover", "reconnect with I/O in flight", "every bio completes once; image = oracle"),
    "D6": ("LBF blkback_changed", "backend closes with I/O in flight", "outstanding I/O fails, no hang"),
    "D7": ("lab design", "backend restart, ring kept", "every id answered exactly once"),
    "D8": ("blkif.h barrier", "ordering", "barrier after all earlier writes"),
    "D9": ("LBB __end_block_io_op", "unsupported flush", "EOPNOTSUPP; frontend drops flush"),
    "D10": ("LBB alloc_req, 704-frame pool", "pool exhaustion", "requests wait, never fail; all progress"),
    # E. storage faults
    "E1": ("xfstests dmerror", "EIO on read", "BLKIF_RSP_ERROR; no unfilled buffer handed over"),
    "E2": ("xfstests dmerror", "EIO on write", "BLKIF_RSP_ERROR; later read old data or error"),
    "E3": ("fio short reads", "short read", "BLKIF_RSP_ERROR; never pool residue"),
    "E4": ("fio verify", "torn / misdirected writes", "each sector old or new"),
    "E5": ("dmflakey, dmlogwrites", "crash consistency", "every write acknowledged before a FLUSH survives"),
    "E6": ("fsyncgate", "lying fsync", "error latched"),
    "E7": ("dmdelay, dmdust", "latency, bad sectors from a seed", "same outcome from the same seed"),
    "E8": ("fio trim_verify_zero", "discard semantics", "zeros as advertised"),
    "E9": ("LBB xen_vbd_resize", "resize under I/O", "out-of-range requests ERROR"),
    "E10": ("lab net storage", "retransmit / duplicate / timeout", "server content = intended bytes"),
    # F. cross-domain leaks
    "F1": ("XSA-403", "frontend over-shares a page", "backend sees only the I/O bytes"),
    "F2": ("XSA-216", "response padding", "0 canary bytes"),
    "F3": ("XSA-396/230/218", "page reused while still accessible", "end-access only with no pins"),
    "F4": ("lab pools", "pool frame reuse across domains", "0 bytes of A reach B"),
    "F5": ("lab swap path", "swapped-in frame carries residue", "outside the segment: zero or the guest's own"),
    "F6": ("XSA-217, steal_page", "stale access after ownership change", "only the new owner reads it"),
    "F7": ("XSA-115", "metadata leak via xenstore", "no foreign key names"),
    # L. the lab's own boundaries (issue 14)
    "L1": ("Xen do_multicall", "malformed multicall entry", "that entry's error code; the rest run"),
    "L2": ("lab CLI", "bad scenario TOML", "one line naming file and key, exit 2"),
    "L3": ("lab CLI", "non-finite or huge float flags", "one line naming the option, exit 2"),
    "L4": ("blkswap fuzz", "random hostile frontend, seeded", "0 crashes, hangs, wrong answers, leaked bytes; a seed replays"),
}  # fmt: skip

GROUPS = {
    "A": "Ring / blkif request parsing",
    "B": "Grant table and the frame-swap op",
    "C": "Xenstore, xenbus, event channels",
    "D": "Backend lifecycle and grant errors",
    "E": "Storage faults",
    "F": "Cross-domain leaks",
    "L": "The lab's own input boundaries",
}
