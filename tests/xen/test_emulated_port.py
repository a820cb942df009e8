"""xen/emulated.py and xen/errors.py: the EmulatedPort's identity properties and DomainError's
message (found by mutation testing, tools/mutation.py: no targeted test read them)."""

from __future__ import annotations

import pytest
from xen_helpers import host

from blkswap.xen.emulated import EmulatedPort
from blkswap.xen.errors import DomainError


def test_an_emulated_port_names_its_domain_and_shares_its_counters():
    """domid, vcpus, the domain's own xenstore client and the domain's counters object."""
    xen, d0, (d1,) = host(dom0_vcpus=4, vcpus=2)
    port = EmulatedPort(xen, d1.domid)
    assert (port.domid, port.vcpus) == (1, 2)
    assert port.counters is d1.counters
    assert port.store.domid == 1 and port.store.store is xen.store
    assert EmulatedPort(xen, 0).vcpus == 4


def test_a_domain_error_prints_its_message_not_a_key_repr():
    """DomainError is a KeyError too, whose str() would quote the message: it prints it bare."""
    assert str(DomainError("no domain d9")) == "no domain d9"
    assert str(DomainError()) == "" and str(DomainError("first", "second")) == "first"
    xen, _d0, _ = host()
    with pytest.raises(DomainError) as exc:
        xen.domain(9)
    assert str(exc.value) == "no domain d9"
