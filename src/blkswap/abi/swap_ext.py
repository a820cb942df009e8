"""The lab's response extension for the swap data path (not part of Xen's blkif.h).

A swap changes which machine frame backs each of the guest's buffer pages. The seed says the new
mfn "should be put on the response by dom0 directly or through an opaque handle". The lab does
both: Xen rewrites the grant entry's ``frame`` (the opaque handle the guest already holds), and the
backend writes ``new_frame[nr_segments]`` — little-endian u64 values — into the response slot right
after the response struct (offset 16 on x86_64, 12 on x86_32; 11 × 8 bytes fit in both 112- and
108-byte slots). The frontend checks that both agree. Because only 11 fit, swap is not offered
with indirect requests (the backend does not advertise feature-max-indirect-segments then).
"""

from __future__ import annotations

import struct

MAX_FRAMES = 11


def encode_new_frames(frames: list[int]) -> bytes:
    if len(frames) > MAX_FRAMES:
        raise ValueError(
            f"swap response extension holds at most {MAX_FRAMES} frames, got {len(frames)}"
        )
    return struct.pack(f"<{len(frames)}Q", *frames)


def decode_new_frames(slot: bytes, response_size: int, count: int) -> list[int]:
    if count > MAX_FRAMES:
        raise ValueError(f"swap response extension holds at most {MAX_FRAMES} frames, got {count}")
    return list(struct.unpack_from(f"<{count}Q", slot, response_size))
