"""Domain values (domain.py mutation survivors): a new domain is alive, and increase_reservation
populates exactly the number of holes asked for, lowest first."""

from __future__ import annotations

from blkswap.xen import Xen


def test_a_new_domain_is_alive():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=2)
    assert d.alive is True
    xen.destroy_domain(d.domid)
    assert d.alive is False


def test_increase_reservation_populates_exactly_n_holes():
    xen = Xen(frames=64)
    d = xen.create_domain(pages=4, max_pages=8)
    assert d.increase_reservation(0) == [] and d.tot_pages == 4
    assert d.increase_reservation(2) == [4, 5] and d.tot_pages == 6
    assert d.increase_reservation(5) == [6, 7] and d.tot_pages == 8  # stops at max_pages
    assert d.increase_reservation(1) == []
    d.decrease_reservation([4, 5, 6, 7])
