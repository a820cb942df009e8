"""The skeleton data path documents every hook the backend calls and fails requests cleanly."""

from __future__ import annotations

import inspect

import pytest

from blkswap.abi import blkif
from blkswap.back.datapaths import DATAPATHS, register
from blkswap.back.datapaths.base import DataPath
from blkswap.back.datapaths.skeleton import SkeletonPath
from blkswap.back.request import BlkRequest, PendingReq, RequestError

HOOKS = ("frames_needed", "prepare", "finish", "teardown")


def test_skeleton_documents_every_hook_of_the_protocol_and_is_not_registered():
    assert "skeleton" not in DATAPATHS
    protocol_hooks = {
        n for n, _ in inspect.getmembers(DataPath, inspect.isfunction) if not n.startswith("_")
    }
    assert protocol_hooks == set(HOOKS)
    for hook in HOOKS:
        doc = inspect.getdoc(getattr(SkeletonPath, hook)) or ""
        assert doc.startswith(("Required", "Optional")), hook
    for name, cls in DATAPATHS.items():  # every registered path implements every hook
        assert all(callable(getattr(cls, h, None)) for h in HOOKS), name


def test_register_checks_the_api_version_and_the_skeleton_fails_data_requests():
    class Old(SkeletonPath):
        api_version = 0

    with pytest.raises(ValueError, match="api_version 0"):
        register(Old)

    class Ctx:
        def give_frames(self, req):
            req.pool_frames = []

    path = SkeletonPath(Ctx())
    read = BlkRequest(1, blkif.BLKIF_OP_READ, blkif.BLKIF_OP_READ, 0, 8)
    req = PendingReq(ring=None, request=read)  # type: ignore[arg-type]
    assert path.frames_needed(req) == 0
    with pytest.raises(RequestError) as err:
        path.prepare(req)
    assert err.value.status == blkif.BLKIF_RSP_ERROR
