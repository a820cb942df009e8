"""Adding a data path is one new class: this test defines one (a "bounce" path that maps the
guest's grants, does storage I/O on dom0 pool frames and memcpys between them — blktap2's shape,
written from scratch) and runs a verified fio job through the whole timed lab with no edit
anywhere else. Everything the backend needs to know about it is in its Caps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blkswap.abi import blkif
from blkswap.back import datapaths
from blkswap.back.caps import Caps, HazardKind
from blkswap.back.datapaths.base import API_VERSION, BackendContext, use_pool_frames
from blkswap.back.grantops import map_grants, unmap_grants
from blkswap.back.request import PendingReq, RequestError
from blkswap.lab import Lab

JOB = """
[global]
ioengine=xen-blkfront
rw=randrw
bs=4k,16k
iodepth=8
size=2m
randrepeat=1
verify=crc32
do_verify=1
[toy]
"""


class BouncePath:
    name = "bounce"
    caps = Caps(
        traits=frozenset({"dom0_frames"}),
        reserve_frames=True,
        hazard=HazardKind.POOL_FRAME,
        grant_ops=frozenset({"map", "unmap"}),
    )
    api_version = API_VERSION

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.bounced = 0

    def frames_needed(self, req: PendingReq) -> int:
        return len(req.segments)

    def prepare(self, req: PendingReq) -> None:
        use_pool_frames(self.ctx, req)
        if req.is_write:
            self._bounce(req, to_guest=False)

    def finish(self, req: PendingReq) -> None:
        if not req.is_write and req.status == blkif.BLKIF_RSP_OKAY:
            self._bounce(req, to_guest=True)
        req.bufs = []
        self.ctx.give_frames(req)

    def _bounce(self, req: PendingReq, to_guest: bool) -> None:
        ctx = self.ctx
        vas = ctx.va.take(len(req.segments))
        maps = map_grants(
            ctx.port, ctx.frontend_domid, [s.gref for s in req.segments], vas, not to_guest
        )
        try:
            if any(m.status for m in maps):
                raise RequestError(blkif.BLKIF_RSP_ERROR, "bounce: map failed")
            for m, buf, s in zip(maps, req.bufs, req.segments, strict=True):
                page = ctx.port.page_view(m.va)[s.first_sect * 512 : (s.last_sect + 1) * 512]
                if to_guest:
                    page[:] = buf
                else:
                    buf[:] = page
                ctx.meter.charge("memcpy", len(buf))
                self.bounced += len(buf)
        finally:
            unmap_grants(ctx.port, maps)
            ctx.va.give(vas)

    def teardown(self) -> None:
        pass


@pytest.fixture
def bounce() -> Iterator[type]:
    datapaths.register(BouncePath)
    yield BouncePath
    datapaths.unregister("bounce")


def test_a_new_data_path_runs_a_verified_job_with_no_edit_elsewhere(bounce: type) -> None:
    result = Lab(datapath="bounce", guests=2, storage="ram", disk_size=8 << 20).run(JOB)
    assert result.audit == []
    run = result.run
    assert sum(j.total_ios for j in run.jobs) > 0
    jobs = [j["blkswap"] for j in result.to_fio_json()["jobs"]]
    assert [j["datapath"] for j in jobs] == ["bounce", "bounce"]
    assert all(j["verify_errors"] == 0 and j["leaked_bytes"] == 0 for j in jobs)
    assert all(j["verified_sectors"] > 0 for j in jobs)
    ops = result.counters["grant_ops"]
    # every data map is unmapped; the 2 ring pages stay mapped until disconnect
    assert ops["map"] > 2 and ops["map"] == ops["unmap"] + 2 and ops["copy"] == 0


def test_registration_checks_caps_and_api() -> None:
    class NoCaps:
        name, caps, api_version = "nocaps", frozenset(), API_VERSION

    class Orphan:
        name, api_version = "orphan", API_VERSION
        caps = Caps(frontend_feature="x", fallback="nowhere")

    with pytest.raises(ValueError, match="caps must be a Caps"):
        datapaths.register(NoCaps)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fallback 'nowhere' is not registered"):
        datapaths.register(Orphan)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must name its fallback"):
        Caps(frontend_feature="x")
