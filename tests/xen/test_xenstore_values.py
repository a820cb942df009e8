"""The xenstored front at its edges (xenstore.py mutation survivors): the client domid range,
value and payload limits at the byte, the directory reply limit, the transaction quota, dump
prefixes, per-domain transaction lists, domain release, value types, request counts, and the
audit of a hand-broken tree."""

from __future__ import annotations

import pytest
from fake_xen import FakeXen

from blkswap.xen.xenstore import Transaction, XenStore, XenstoreError


def errno_of(call) -> str:
    with pytest.raises(XenstoreError) as info:
        call()
    return info.value.errno_name


@pytest.fixture
def st() -> XenStore:
    store = XenStore(FakeXen())
    store.introduce_domain(1)
    store.introduce_domain(2)
    return store


def test_client_domids_are_0_to_0x7fef(st: XenStore) -> None:
    assert st.client(0x7FEF).domid == 0x7FEF and st.client(0).domid == 0
    assert st.client(1) is st.client(1)
    for bad in (-1, 0x7FF0, 0x7FF1, "1", None):
        with pytest.raises(XenstoreError, match="not a real domain id"):
            st.client(bad)  # type: ignore[arg-type]


def test_a_guest_value_may_be_2048_bytes_and_dom0_more(st: XenStore) -> None:
    g = st.client(1)
    g.write("data/v", "x" * 2048)
    assert len(g.read("data/v")) == 2048
    with pytest.raises(XenstoreError, match="value of 2049 B over 2048 B"):
        g.write("data/v", "x" * 2049)
    st.client(0).write("/big", "y" * 2049)
    assert st.client(0).read("/big") == "y" * 2049


def test_path_nul_and_value_fill_one_payload(st: XenStore) -> None:
    dom0 = st.client(0)
    dom0.write("/a", "z" * 4093)  # 2 + 1 + 4093 = 4096
    with pytest.raises(XenstoreError, match="request over 4096 B payload"):
        dom0.write("/a", "z" * 4094)
    with pytest.raises(XenstoreError, match="request over 4096 B payload"):
        dom0.write("/ab", b"z" * 4093)
    assert len(dom0.read("/a")) == 4093


def test_a_directory_reply_may_fill_the_payload_exactly(st: XenStore) -> None:
    dom0 = st.client(0)
    names = [f"{i:02d}" + "n" * 253 for i in range(16)]  # 16 x (255 + NUL) = 4096
    for n in names:
        dom0.mkdir(f"/d/{n}")
    assert dom0.directory("/d") == names
    dom0.mkdir("/d/x")  # + 2 bytes
    with pytest.raises(XenstoreError, match="17 children exceed 4096 B"):
        dom0.directory("/d")


def test_a_guest_may_hold_10_open_transactions_and_dom0_more(st: XenStore) -> None:
    g = st.client(1)
    txs = [g.transaction_start() for _ in range(10)]
    with pytest.raises(XenstoreError, match="domain 1 has 10 open"):
        g.transaction_start()
    other = st.client(2).transaction_start()
    assert st.open_transactions(1) == txs and st.open_transactions(2) == [other]
    assert len(st.open_transactions()) == 11
    g.transaction_end(txs[0], commit=False)
    assert txs[0].state == "aborted" and g.transaction_start().state == "open"
    dom0 = [st.client(0).transaction_start() for _ in range(12)]
    assert len(st.open_transactions(0)) == 12 and dom0[0].view.limit is None
    assert txs[1].view.limit == 1024


def test_dump_takes_the_prefix_node_and_what_is_below_it_only(st: XenStore) -> None:
    dom0 = st.client(0)
    for path in ("/a", "/a/b", "/ab", "/a/b/c"):
        dom0.write(path, path)
    assert st.dump("/a") == {"/a": "/a", "/a/b": "/a/b", "/a/b/c": "/a/b/c"}
    assert st.dump("/ab") == {"/ab": "/ab"}
    assert st.dump("/a/") == st.dump("/a")  # a trailing slash names the same node
    assert list(st.dump("/")) == sorted(st.tree.nodes)


def test_release_aborts_the_domains_transactions_and_keeps_home_on_request(st: XenStore) -> None:
    xen = st.xen
    g1 = st.client(1)
    tx1 = g1.transaction_start()
    tx2 = st.client(2).transaction_start()
    events = []
    st.client(0).watch("@releaseDomain", "r", lambda p, t: events.append(p))
    xen.drain()
    st.release_domain(1, remove_home=False)
    assert tx1.state == "aborted" and tx2.state == "open"
    assert st.open_transactions() == [tx2]
    assert st.client(0).exists("/local/domain/1") and st.client(1) is not g1
    xen.drain()
    assert events == ["@releaseDomain", "@releaseDomain"]
    st.release_domain(2)
    assert not st.client(0).exists("/local/domain/2") and tx2.state == "aborted"


def test_a_transaction_is_usable_only_open_and_by_its_domain(st: XenStore) -> None:
    g1, g2 = st.client(1), st.client(2)
    tx = g1.transaction_start()
    assert errno_of(lambda: g2.read("data", tx)) == "ENOENT"
    assert errno_of(lambda: g1.read("data", "not a tx")) == "ENOENT"  # type: ignore[arg-type]
    assert errno_of(lambda: g1.read("data", Transaction(tx.id, 1, tx.view))) == "ENOENT"
    g1.write("data/x", "1", tx)
    g1.transaction_end(tx)
    assert tx.state == "committed" and g1.read("data/x") == "1"
    assert errno_of(lambda: g1.transaction_end(tx)) == "ENOENT"


@pytest.mark.parametrize(
    ("value", "stored"),
    [("é", "é"), (b"\x00\xff", "\x00\udcff"), (bytearray(b"ab"), "ab"), (memoryview(b"cd"), "cd"),
     (42, "42"), (-7, "-7")],
)  # fmt: skip
def test_values_of_every_accepted_type(st: XenStore, value, stored) -> None:
    st.client(0).write("/v", value)
    assert st.client(0).read("/v") == stored


@pytest.mark.parametrize("value", [True, 1.5, None, ["x"]])
def test_other_value_types_are_einval(st: XenStore, value) -> None:
    with pytest.raises(XenstoreError, match="is not str/bytes"):
        st.client(0).write("/v", value)


def test_requests_are_counted_by_type(st: XenStore) -> None:
    st.ops.clear()
    c = st.client(1)
    c.write("data/a", "1")
    c.read("data/a")
    c.exists("data/b")
    c.directory("data")
    c.mkdir("data/m")
    c.get_perms("data/a")
    c.set_perms("data/a", [(1, "n")])
    c.rm("data/m")
    c.watch("data", "t", lambda p, t: None)
    c.unwatch("data", "t")
    tx = c.transaction_start()
    c.transaction_end(tx, commit=False)
    assert dict(st.ops) == {
        "WRITE": 1, "READ": 1, "DIRECTORY": 2, "MKDIR": 1, "GET_PERMS": 1, "SET_PERMS": 1,
        "RM": 1, "WATCH": 1, "UNWATCH": 1, "TRANSACTION_START": 1, "TRANSACTION_END": 1,
    }  # fmt: skip


def test_exists_is_false_for_missing_or_unreadable_and_raises_otherwise(st: XenStore) -> None:
    g2 = st.client(2)
    assert g2.exists("/local/domain/2/data") and not g2.exists("/local/domain/1/data")
    assert not g2.exists("/nowhere")
    assert errno_of(lambda: g2.exists("/bad//path")) == "EINVAL"


def test_audit_names_each_broken_link(st: XenStore) -> None:
    from dataclasses import replace

    dom0 = st.client(0)
    dom0.write("/p/c", "1")
    nodes = st.tree.nodes
    assert st.audit() == []
    nodes["/p"] = replace(nodes["/p"], children=("c", "ghost"))
    nodes["/q/r"] = replace(nodes["/p/c"])  # no parent /q
    assert st.audit() == [
        "node '/p' lists missing child 'ghost'",
        "node '/q/r' is not listed by its parent",
        "domain 0 owner count "
        f"{st.tree.owned(0)} != {sum(1 for n in nodes.values() if n.perms[0][0] == 0)}",
    ]


def test_quota_and_remove_home_are_keyword_only() -> None:
    from blkswap.xen.xenstore import XenstoreQuota

    quota = XenstoreQuota(max_value_size=8)
    store = XenStore(FakeXen(), quota=quota)
    assert store.quota is quota and store.watches.max_per_domain == 128
    with pytest.raises(TypeError):
        XenStore(FakeXen(), quota)  # type: ignore[misc]
    store.introduce_domain(3)
    store.release_domain(3, remove_home=False)
    assert store.client(0).exists("/local/domain/3")
    with pytest.raises(TypeError):
        store.release_domain(3, False)  # type: ignore[misc]


def test_releasing_a_higher_domid_leaves_lower_domids_transactions_open(st: XenStore) -> None:
    tx0 = st.client(0).transaction_start()
    tx1 = st.client(1).transaction_start()
    st.release_domain(2)
    assert (tx0.state, tx1.state) == ("open", "open") and st.open_transactions() == [tx0, tx1]


def test_transactions_of_a_domid_above_256_by_value() -> None:
    from blkswap.xen.xenstore import XenstoreQuota

    st = XenStore(FakeXen(), quota=XenstoreQuota(max_transactions_per_domain=300))
    c = st.client(300)
    txs = [c.transaction_start() for _ in range(300)]
    with pytest.raises(XenstoreError, match="domain 300 has 300 open"):
        c.transaction_start()
    assert st.open_transactions(int("300")) == txs
    st.release_domain(int("300"))
    assert st.open_transactions() == [] and {t.state for t in txs} == {"aborted"}


def test_a_special_watch_can_be_removed(st: XenStore) -> None:
    dom0 = st.client(0)
    dom0.watch("@releaseDomain", "r", lambda p, t: None)
    assert st.watches.count(0) == 1
    dom0.unwatch("@releaseDomain", "r")
    assert st.watches.count(0) == 0


def test_audit_owner_counts_above_256_and_too_high(st: XenStore) -> None:
    dom0 = st.client(0)
    for i in range(300):
        dom0.write(f"/many/n{i}", "")
    assert st.tree.owned(0) > 256 and st.audit() == []
    n = sum(1 for node in st.tree.nodes.values() if node.perms[0][0] == 0)
    del st.tree.nodes["/many/n299"]  # the count still says n
    st.tree.nodes["/many"] = st.tree.nodes["/many"].__class__(
        b"", st.tree.nodes["/many"].perms, st.tree.nodes["/many"].children[:-1]
    )
    assert st.audit() == [f"domain 0 owner count {n} != {n - 1}"]


def test_transaction_ids_start_at_1_and_eagain_names_the_first_conflict(st: XenStore) -> None:
    dom0 = st.client(0)
    dom0.write("/a", "1")
    dom0.write("/b", "1")
    tx = dom0.transaction_start()
    assert tx.id == 1 and dom0.transaction_start().id == 2  # 0 means "no transaction"
    dom0.read("/b", tx)
    dom0.read("/a", tx)
    dom0.write("/a", "2")
    dom0.write("/b", "2")
    with pytest.raises(XenstoreError, match="changed since read by transaction 1") as info:
        dom0.transaction_end(tx)
    assert info.value.path == "/b" and tx.state == "failed"
