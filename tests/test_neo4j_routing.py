"""``neo4j://`` routing URIs (clusters, read replicas): the store works through a routing driver on the local
server, every read goes through a read transaction (so the driver may send it to a reader), every write
through a write transaction, and a query's answer is the one over ``bolt://``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from iekg import service
from iekg.graph.neo4jstore import Neo4jStore
from iekg.graph.store import ChangeSet, Node, Rel, StoreError
from iekg.queries import alignment as al
from iekg.queries import paths
from iekg.queries import scope as qscope
from iekg.settings import Settings

pytestmark = pytest.mark.neo4j


class Recording:
    """The driver, with every transaction's access mode written down: ``("r"|"w", how)``."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.calls: list[tuple[str, str]] = []

    def execute_query(self, query: Any, parameters: Any = None, **kw: Any) -> Any:
        self.calls.append((kw.get("routing_", "w"), "execute_query"))
        return self._driver.execute_query(query, parameters, **kw)

    def session(self, **kw: Any) -> Any:
        from neo4j import READ_ACCESS

        self.calls.append(("r" if kw.get("default_access_mode") == READ_ACCESS else "w", "session"))
        return self._driver.session(**kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)


def settings_for(server: Any, scheme: str, home: Any) -> Settings:
    return Settings(home=home, store="neo4j", neo4j_uri=server.uri.replace("bolt://", f"{scheme}://"),
                    neo4j_user=server.user, neo4j_password=server.password)


@pytest.fixture(scope="module")
def stores(neo4j_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    if not neo4j_server.uri.startswith("bolt://"):
        pytest.skip("an external test server given by a non-bolt URI")
    home = tmp_path_factory.mktemp("routing")
    routed = Neo4jStore.from_settings(settings_for(neo4j_server, "neo4j", home))
    direct = Neo4jStore.from_settings(settings_for(neo4j_server, "bolt", home))
    assert routed.driver.__class__.__name__ == "Neo4jDriver" and direct.driver.__class__.__name__ == "BoltDriver"
    service.build(routed, Settings(home=home))  # a whole build written through the routing driver
    yield routed, direct
    routed.close()
    direct.close()


def answer(store: Neo4jStore) -> str:
    scope = qscope.resolve_scope(store, city="410200")
    out = {"alignment": al.alignment(store, scope),
           "path": paths.shortest_path(store, "Institution:4141012058", "IndustryChain:HN-AE-01"),
           "counts": store.counts(), "search": [n.uid for n in store.search("开封")]}
    return json.dumps(out, default=str, sort_keys=True, ensure_ascii=False)


def test_same_answers_over_neo4j_and_bolt(stores: tuple[Neo4jStore, Neo4jStore]) -> None:
    routed, direct = stores
    labels, _ = routed.counts()
    assert labels.get("City") == 18  # the demo, built through neo4j://
    a, b = answer(routed), answer(direct)
    assert a == b
    assert routed.snapshot() == direct.snapshot()


def test_a_write_through_neo4j_is_read_back_over_bolt(stores: tuple[Neo4jStore, Neo4jStore]) -> None:
    routed, direct = stores
    ch = ChangeSet()
    n = Node("Zone:ROUTING-TEST", "Zone", {"id": "ROUTING-TEST", "name": "路由测试区", "kind": "test"})
    ch.nodes[n.uid] = n
    r = Rel("LOCATED_IN", n.uid, "City:410200", {})
    ch.rels[r.key] = r
    res = routed.apply(ch, audit={"at": "2026-12-06T00:00:00+00:00", "who": "routing", "via": "test", "files": []})
    assert res.nodes_created == 1 and res.rels_created == 1
    got = direct.get(n.uid)
    assert got is not None and got.props["name"] == "路由测试区"
    assert routed.import_history(1)[0]["who"] == direct.import_history(1)[0]["who"] == "routing"
    assert any(x.uid == "City:410200" for _, x in routed.neighbours(n.uid, direction="out"))


def test_reads_are_read_transactions(stores: tuple[Neo4jStore, Neo4jStore]) -> None:
    """Every read method of the store asks the driver for a read transaction, never a write one."""
    from neo4j.exceptions import ClientError

    routed, _ = stores
    rec = Recording(routed.driver)
    store = Neo4jStore(rec, routed.database)
    store.forget()
    cities = ["410200", "410100"]
    scope = qscope.resolve_scope(routed, city="410200")
    year = scope.year
    reads = [
        lambda: store.version(), lambda: store.get("City:410200"), lambda: store.existing("City", cities),
        lambda: store.nodes("Province"), lambda: store.neighbours("City:410200"),
        lambda: store.links(["City:410200"]), lambda: store.get_many(["City:410200", "Major:460701"]),
        lambda: store.search("开封"), store.counts, store.source_kind_counts,
        lambda: store.node_frame("City", ["name"]), lambda: store.rel_frame("LOCATED_IN", dst_ids=cities),
        lambda: store.sources_with("OFFERS", "Institution", ["4141012058"]),
        lambda: store.rel_max("OFFERS", "year"), lambda: store.offer_sums(cities, year),
        lambda: store.offer_years(cities), lambda: store.offer_year_counts(cities),
        lambda: store.located_sums("Institution", cities), lambda: store.demand_sums(cities, year),
        lambda: store.cooperation_counts(cities, year, {"36": ["460701"]}),
        lambda: store.cooperation_list(cities, year, {"36": ["460701"]}, ["进行中"]),
        lambda: store.top_offers(cities, year, {"36": [("460701", 1.0)]}, {"": 3.0}, 5),
        lambda: store.import_history(5), lambda: al.alignment(store, scope), store.snapshot,
    ]
    for read in reads:
        read()
    assert rec.calls, "nothing was read"
    writes = [c for c in rec.calls if c[0] != "r"]
    assert not writes, f"reads that asked for write transactions: {writes}"
    # and a read transaction is one: the server refuses a write in it
    with pytest.raises(ClientError):
        routed._read("CREATE (:`Zone` {id: $id})", id="MUST-NOT-EXIST")
    assert routed.get("Zone:MUST-NOT-EXIST") is None


def test_unknown_scheme_is_refused(tmp_path: Any) -> None:
    with pytest.raises(StoreError, match="scheme"):
        Neo4jStore.from_settings(Settings(home=tmp_path, store="neo4j", neo4j_uri="http://127.0.0.1:7474"))


def test_the_server_s_notices_are_not_printed(stores: tuple[Neo4jStore, Neo4jStore], neo4j_server: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """A statement naming a label the graph does not hold (a fresh database has no import log yet) makes the
    server send a notice, which the driver logs as a warning — printed on a user's terminal when nothing sets up
    logging (``iekg sync`` into an empty Neo4j printed dozens).  The store's driver asks for none."""
    from neo4j import GraphDatabase

    absent = "MATCH (n:`NoSuchLabelInThisGraph`) RETURN count(n) AS n"
    with GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password)) as plain:
        with caplog.at_level("WARNING", logger="neo4j.notifications"):
            plain.execute_query(absent)
    assert any("NoSuchLabelInThisGraph" in r.getMessage() for r in caplog.records)  # the premise: a plain driver does
    caplog.clear()
    _, direct = stores
    with caplog.at_level("DEBUG", logger="neo4j.notifications"):
        assert direct._read(absent)[0]["n"] == 0
        assert direct.import_history() is not None
    assert not [r for r in caplog.records if r.name.startswith("neo4j.notifications")]
