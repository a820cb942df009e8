"""Xenstore tree values (xenstore_tree.py mutation survivors): frozen nodes and changes with their
defaults, generations from 1, a transaction's node limit above 256, owner counts taken from the
owner entry, and SET_PERMS owner rules for lower domids and domids above 256 by value."""

from __future__ import annotations

import dataclasses

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import XenStore, XenstoreError
from blkswap.xen.xenstore_tree import Change, Node, Tree, TxView


def errno_of(call) -> str:
    with pytest.raises(XenstoreError) as info:
        call()
    return info.value.errno_name


def test_nodes_and_changes_are_frozen_with_their_defaults():
    node = Node(b"v", ((1, "n"),))
    change = Change("/p", ((1, "n"),))
    assert node.children == () and node.generation == 0 and change.recursive is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.value = b"w"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.recursive = True  # type: ignore[misc]


def test_generations_start_at_1_and_the_root_has_0():
    tree = Tree()
    assert tree.nodes["/"].generation == 0
    tree.put("/a", Node(b"", ((0, "n"),)))
    tree.put("/b", Node(b"", ((0, "n"),)))
    assert (tree.nodes["/a"].generation, tree.nodes["/b"].generation) == (1, 2)


def test_a_transaction_node_limit_above_256():
    view = TxView(Tree(), int("300"))
    for i in range(300):
        assert view.get(f"/n{i}") is None
    with pytest.raises(XenstoreError, match="transaction touches over 300 nodes"):
        view.get("/n300")


def test_owner_counts_follow_the_owner_entry_only():
    view = TxView(Tree(), None)
    view.put("/a", Node(b"", ((5, "n"), (6, "r"))))
    assert (view.owned(5), view.owned(6), view.owned(0)) == (1, 0, 1)
    view.put("/b", Node(b"", ((0, "n"), (5, "r"))))
    assert (view.owned(0), view.owned(5)) == (2, 1)  # 1 committed (the root) + 1
    view.put("/a", Node(b"", ((6, "n"), (5, "r"))))
    assert (view.owned(5), view.owned(6)) == (0, 1)


def test_only_the_owner_sets_perms_even_with_write_access():
    st = XenStore(FakeXen())
    dom0 = st.client(0)
    dom0.write("/n", "v")
    dom0.set_perms("/n", [(2, "n"), (1, "w")])  # owned by 2, writable by 1
    assert errno_of(lambda: st.client(1).set_perms("/n", [(2, "n"), (1, "w")])) == "EACCES"
    st.client(2).set_perms("/n", [(2, "n"), (1, "r")])
    assert dom0.get_perms("/n") == [(2, "n"), (1, "r")]


def test_an_owner_above_256_sets_perms_by_value():
    st = XenStore(FakeXen())
    dom0 = st.client(0)
    dom0.write("/n", "v")
    dom0.set_perms("/n", [(int("300"), "n")])  # owner given by dom0: another int object
    st.client(300).set_perms("/n", [(int("300"), "n"), (1, "r")])
    assert dom0.get_perms("/n") == [(300, "n"), (1, "r")]
    assert errno_of(lambda: st.client(300).set_perms("/n", [(301, "n")])) == "EPERM"
