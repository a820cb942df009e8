"""Hypothesis: random sequences of grant operations keep audit() clean and never let a domain
reach a frame it neither owns nor has mapped through a live grant handle."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xen_helpers import op, pack

from blkswap.abi import gnttab as g
from blkswap.xen import MulticallEntry, Xen
from blkswap.xen.domain import GRANT, LOCAL

OPS = ("grant", "map", "unmap", "copy", "swap", "transfer", "end", "neuter", "ref", "balloon")
step = st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6), st.booleans())


class World:
    """dom0 (backend) + two guests, and what the test driver remembers (refs, live handles)."""

    def __init__(self) -> None:
        self.xen = Xen(frames=512)
        self.doms = [self.xen.create_domain(pages=32, vcpus=v) for v in (2, 1, 2)]
        self.refs: list[tuple[int, int]] = []  # (granter domid, ref)
        self.handles: list[tuple[int, int, int, int]] = []  # (mapper, handle, va, bus)
        self.held: list[int] = []  # mfns with an extra page reference
        self.slot = 0

    def pick(self, seq, n):
        return seq[n % len(seq)] if seq else None

    def run(self, kind: str, a: int, b: int, flag: bool) -> None:
        getattr(self, kind)(a, b, flag)

    def grant(self, a, b, flag):
        granter = self.doms[1 + a % 2]
        gfn = b % granter.max_pages
        if granter.p2m[gfn] >= 0:
            grantee = 0 if a % 3 else 3 - granter.domid  # mostly dom0, sometimes the other guest
            self.refs.append((granter.domid, granter.grant_access(gfn, grantee, flag)))

    def map(self, a, b, flag):
        r = self.pick(self.refs, a)
        if r is None:
            return
        mapper = self.doms[0 if b % 4 else 1 + b % 2]
        self.slot += 1
        flags = (
            g.GNTMAP_host_map
            | (g.GNTMAP_readonly if flag else 0)
            | (g.GNTMAP_device_map * (b % 3 == 0))
        )
        addr = mapper.grant_va_base + (self.slot << 12)
        rc, out = op(
            mapper,
            g.GNTTABOP_map_grant_ref,
            [dict(host_addr=addr, flags=flags, ref=r[1], dom=r[0])],
        )
        if out[0]["status"] == 0:
            self.handles.append((mapper.domid, out[0]["handle"], addr, out[0]["dev_bus_addr"]))

    def unmap(self, a, b, flag):
        if not self.handles:
            return
        k = a % len(self.handles)
        m, h, addr, bus = self.handles.pop(k)
        rows = [dict(host_addr=addr, dev_bus_addr=bus, handle=h)]
        if flag:  # through a multicall, sometimes with a bogus second element
            buf = pack(g.GNTTABOP_unmap_grant_ref, rows + [dict(handle=b)])
            entry = MulticallEntry(
                g.HYPERVISOR_grant_table_op, (g.GNTTABOP_unmap_grant_ref, buf, 2)
            )
            self.xen.multicall(m, [entry])
        else:
            op(self.doms[m], g.GNTTABOP_unmap_grant_ref, rows)

    def copy(self, a, b, flag):
        r = self.pick(self.refs, a)
        d0 = self.doms[0]
        if r is None or not d0.free_pages:
            return
        mfn = d0.p2m[b % 32]
        if mfn < 0:
            return
        src = {"source.u": r[1], "source.domid": r[0], "dest.u": mfn, "dest.domid": g.DOMID_SELF}
        if flag:
            src = {
                "source.u": mfn,
                "source.domid": g.DOMID_SELF,
                "dest.u": r[1],
                "dest.domid": r[0],
            }
        row = {**src, "len": b % 5000, "source.offset": a % 4096, "dest.offset": b % 4096}
        row["flags"] = g.GNTCOPY_dest_gref if flag else g.GNTCOPY_source_gref
        op(d0, g.GNTTABOP_copy, [row, row])

    def swap(self, a, b, flag):
        r = self.pick(self.refs, a)
        d0 = self.doms[0]
        if r is None:
            return
        granter = self.doms[r[0]]
        fl, _dom, frame = granter.gt.read_entry(r[1])
        gfn = self.xen.arena.m2p[frame] if frame < self.xen.arena.frames else -1
        if flag and 0 <= gfn < granter.max_pages and granter.p2m[gfn] == frame:
            granter.neutered.add(gfn)
        mfn = d0.p2m[b % 32]
        op(d0, g.GNTTABOP_swap, [dict(frame=max(mfn, 0), ref=r[1], dom=r[0])])

    def transfer(self, a, b, flag):
        guest = self.doms[1 + a % 2]
        d0 = self.doms[0]
        if guest.tot_pages >= guest.max_pages - 1 and not guest.free_pages:
            return
        ref = guest.grant_transfer(0)
        mfn = d0.p2m[b % 32]
        op(d0, g.GNTTABOP_transfer, [dict(mfn=max(mfn, 0), domid=guest.domid, ref=ref)])
        guest.end_transfer(ref)
        if d0.tot_pages < 24:
            d0.increase_reservation(4)

    def end(self, a, b, flag):
        r = self.pick(self.refs, a)
        if r is not None and self.doms[r[0]].end_access(r[1]):
            self.refs.remove(r)

    def neuter(self, a, b, flag):
        d = self.doms[a % 3]
        gfn = b % d.max_pages
        if d.p2m[gfn] >= 0:
            (d.neuter if flag else (lambda n: n in d.neutered and d.restore(n)))(gfn)

    def ref(self, a, b, flag):
        if flag or not self.held:
            mfn = self.doms[a % 3].p2m[b % 32]
            if mfn >= 0:
                self.xen.get_page(mfn)
                self.held.append(mfn)
        else:
            self.xen.put_page(self.held.pop(a % len(self.held)))

    def balloon(self, a, b, flag):
        d = self.doms[a % 3]
        if flag:
            d.increase_reservation(1 + b % 3)
        elif d.free_pages > 4:
            d.decrease_reservation([d.alloc_page()])

    def check_reach(self) -> None:
        """Every page a domain can touch is its own or a grant it has a live handle for."""
        arena = self.xen.arena
        for d in self.doms:
            mt = d.maptrack
            granted = {mt.gt[h].act_mfn[mt.ref[h]] for h in mt.live()}
            for _vpn, (mfn, _ro, kind) in d.vmap.items():
                assert (kind == GRANT and mfn in granted) or (
                    kind == LOCAL and arena.owner[mfn] == d.domid
                )
            for gfn, mfn in enumerate(d.p2m):
                if mfn >= 0 and gfn not in d.neutered and gfn not in d.vmap:
                    assert arena.owner[mfn] == d.domid
                    d.read_va(gfn << 12, 1)

    def teardown(self) -> None:
        for m, h, addr, bus in self.handles:
            op(
                self.doms[m],
                g.GNTTABOP_unmap_grant_ref,
                [dict(host_addr=addr, dev_bus_addr=bus, handle=h)],
            )
        for mfn in self.held:
            self.xen.put_page(mfn)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(step, min_size=1, max_size=40))
def test_random_op_sequences_keep_invariants(steps):
    w = World()
    for kind, a, b, flag in steps:
        w.run(kind, a, b, flag)
        w.check_reach()
    assert w.xen.audit() == []
    w.teardown()
    assert w.xen.audit() == []
    for d in w.doms:
        assert d.maptrack.in_use == 0
        assert all(p == 0 for p in d.gt.pin)
