"""xen/counters.py: the grant-op views compare, list and print by value (found by mutation
testing, tools/mutation.py: no targeted test compared two Counters or read items())."""

from __future__ import annotations

from blkswap.xen.counters import GRANT_OPS, Counters


def test_grant_op_views_list_in_order_and_compare_with_any_mapping():
    c = Counters()
    c.grant_ops["copy"] += 3
    c.grant_op_calls["map"] += 1
    items = c.grant_ops.items()
    assert [k for k, _ in items] == list(GRANT_OPS) and dict(items)["copy"] == 3
    assert sum(v for _, v in items) == 3
    want = dict.fromkeys(GRANT_OPS, 0) | {"copy": 3}
    assert c.grant_ops == want and c.grant_ops != want | {"copy": 4}
    assert c.grant_ops != [("copy", 3)] and c.grant_op_calls == dict.fromkeys(GRANT_OPS, 0) | {
        "map": 1
    }
    assert repr(c.grant_ops) == repr(want)


def test_counters_compare_by_value_and_print_only_what_is_non_zero():
    a, b = Counters(), Counters()
    assert a == b and not (a != b) and a != a.as_dict()
    a.hypercalls += 2
    a.grant_ops["map"] += 5
    assert a != b and b != a  # either order: equality, not an ordering
    b.hypercalls += 2
    b.grant_ops["map"] += 5
    assert a == b
    assert repr(a) == "Counters({'hypercalls': 2}, grant_ops={'map': 5})"
    d = a.as_dict()
    assert d["grant_ops"]["map"] == 5 and d["grant_op_calls"] == dict.fromkeys(GRANT_OPS, 0)
