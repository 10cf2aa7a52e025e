"""A fresh Neo4j build through Neo4j's offline bulk importer (scripts/neo4j-local import) gives exactly the graph
the batched UNWIND path gives: the same nodes, relationships, properties and value types, the same ``_key``
relationship identities, the same constraints and indexes, the import history kept.  And what the importer's
CSV cannot say exactly, or a server that is not neo4j-local's, loads with UNWIND."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from iekg import service
from iekg.graph import cypher as cy
from iekg.graph import neo4j_bulk
from iekg.graph.neo4jstore import Neo4jStore
from iekg.graph.schema import AUDIT_LABEL
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Node, Rel
from iekg.settings import Settings

pytestmark = pytest.mark.neo4j

AUDIT = {"at": "2026-12-06T00:00:00+00:00", "who": "tester", "via": "test", "files": [{"name": "a.csv", "size": 12, "sha256": "ab" * 32}]}


def typed(v: Any) -> Any:
    """A value with its type, so that 1 and 1.0 and True, or a list and a text, never compare equal."""
    if isinstance(v, (list, tuple)):
        return ("list", tuple(typed(x) for x in v))
    return (type(v).__name__, v)


def dump(store: Neo4jStore) -> dict[str, Any]:
    """Everything in the database but the version node and the scenarios (asserted apart): nodes (labels, typed properties), relationships
    (type, ends, typed properties with ``_key``), the import history, constraints and indexes."""
    nodes = sorted((tuple(r["l"]), tuple(sorted((k, typed(v)) for k, v in r["p"].items())))
                   for r in store._read(f"MATCH (n) WHERE NOT n:{cy.META} AND NOT n:{cy.AUDIT} AND NOT n:{cy.SCENARIO} "
                                        "RETURN labels(n) AS l, properties(n) AS p"))
    rels = sorted((r["t"], tuple(r["a"]), r["ai"], tuple(r["b"]), r["bi"],
                   tuple(sorted((k, typed(v)) for k, v in r["p"].items())))
                  for r in store._read("MATCH (a)-[r]->(b) RETURN type(r) AS t, labels(a) AS a, a.id AS ai, "
                                       "labels(b) AS b, b.id AS bi, properties(r) AS p"))
    cons = sorted((r["name"], r["type"], r["entityType"], tuple(r["labelsOrTypes"]), tuple(r["properties"]))
                  for r in store._read("SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties "
                                       "RETURN *"))
    idx = sorted((r["type"], r["entityType"], tuple(r["labelsOrTypes"] or ()), tuple(r["properties"] or ()),
                  r["state"], r["owningConstraint"])
                 for r in store._read("SHOW INDEXES YIELD type, entityType, labelsOrTypes, properties, state, "
                                      "owningConstraint RETURN *"))
    return {"nodes": nodes, "rels": rels, "constraints": cons, "indexes": idx}


def odd_values(changes: ChangeSet) -> ChangeSet:
    """The demo with values a CSV file gets wrong if it can: quotes, commas, new lines, empty and padded text,
    64-bit integers, small and negative floats, booleans, lists with separators, and one property that is an
    integer on one node and a text on another (the importer's columns have one type each)."""
    out = copy.copy(changes)
    out.nodes = dict(changes.nodes)
    cities = sorted(u for u in out.nodes if u.startswith("City:"))
    odd = [
        {"note": 'a "quoted", comma\nand a new line\r\nand 河南 ；', "extra": 2 ** 62, "flag": False,
         "ratio": 1e-05, "tags": ['x,y', 'say "hi"', "semi;colon", " padded "]},
        {"note": "", "extra": "text here", "flag": True, "ratio": -2.5, "tags": ["only"], "blank": "   "},
        {"extra": -(2 ** 63), "ratio": 3.0, "counts": [1, 2, 3], "fractions": [0.5, 1e300], "switches": [True, False]},
    ]
    for u, extra in zip(cities, odd, strict=False):
        n = out.nodes[u]
        out.nodes[u] = Node(n.uid, n.label, {**n.props, **extra})
    out.rels = dict(changes.rels)
    key, r = next((k, r) for k, r in sorted(out.rels.items()) if r.type == "OFFERS")
    out.rels[key] = Rel(r.type, r.src, r.dst, {**r.props, "remark": 'line1\nline2 "q"', "big": 2 ** 40})
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> ChangeSet:
    home = tmp_path_factory.mktemp("bulk-demo")  # pytest's own temp dirs, kept only for the last runs
    s = SqliteStore(home / "graph.sqlite")
    service.build(s, Settings(home=home))
    changes = service.copy_graph(s)
    s.close()
    return odd_values(changes)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from neo4j_server import dedicated, stop

    srv = dedicated(tmp_path_factory.mktemp("neo4j-bulk"))
    try:
        yield srv
    finally:
        assert srv.data is not None
        stop(srv.data)


def open_store(server: Any, **kw: Any) -> Neo4jStore:
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(server.uri, auth=(server.user, server.password))
    return Neo4jStore(driver, uri=server.uri, password=server.password, local_data=server.data, **kw)


def test_bulk_import_is_the_unwind_graph(server: Any, demo: ChangeSet) -> None:
    store = open_store(server, bulk_min_rows=-1)
    scenario = {"name": "保留的方案", "changes": [{"kind": "close_program", "institution": "x", "major": "y"}]}
    try:
        store.save_scenario(scenario)  # kept by both loads (and so in both dumps)
        store.apply(demo, fresh=True, audit=AUDIT)
        assert store.last_load is not None and store.last_load.startswith("unwind")
        by_unwind = dump(store)
        first = store.import_history()
        store.bulk_min_rows = 0
        res = store.apply(demo, fresh=True, audit={**AUDIT, "who": "bulk"})
        assert store.last_load == "bulk", store.last_load
        by_bulk = dump(store)
        history = store.import_history()
        assert store.scenarios() == [scenario]  # the named scenarios survived the database's replacement
    finally:
        store.close()
    assert by_bulk["constraints"] == by_unwind["constraints"]
    assert by_bulk["indexes"] == by_unwind["indexes"]
    assert len(by_bulk["nodes"]) == len(demo.nodes) and len(by_bulk["rels"]) == len(demo.rels)
    assert by_bulk["nodes"] == by_unwind["nodes"]
    assert by_bulk["rels"] == by_unwind["rels"]
    # the history survived the database's replacement, and the bulk load counts what UNWIND counted
    assert [h["id"] for h in history] == [2, 1] and history[1] == first[0]
    assert history[0]["who"] == "bulk" and history[0]["changes"] == first[0]["changes"] == res.as_dict()
    # the odd values, read back through the store, are the values given (types included)
    city = sorted(u for u in demo.nodes if u.startswith("City:"))[0]
    again = open_store(server)
    try:
        got = again.get(city)
        assert got is not None
        assert {k: typed(v) for k, v in got.props.items()} == {k: typed(v) for k, v in demo.nodes[city].props.items()}
        assert again.version() is not None  # the version node of _finish
    finally:
        again.close()


def test_what_csv_cannot_say_loads_with_unwind(server: Any, demo: ChangeSet) -> None:
    odd = copy.copy(demo)
    odd.nodes = dict(demo.nodes)
    u = sorted(x for x in demo.nodes if x.startswith("Province:"))[0]
    odd.nodes[u] = Node(u, "Province", {**demo.nodes[u].props, "empty": []})  # an empty list has no CSV type
    store = open_store(server, bulk_min_rows=0)
    try:
        store.apply(odd, fresh=True)
        assert store.last_load is not None and store.last_load.startswith("unwind (not representable"), store.last_load
        got = store.get(u)
        assert got is not None and got.props["empty"] == []
    finally:
        store.close()


def test_only_neo4j_local_servers_of_this_machine(tmp_path: Path, server: Any) -> None:
    assert neo4j_bulk.local_data(server.uri, server.data) == server.data
    assert neo4j_bulk.local_data(server.uri.replace("bolt://", "neo4j://"), server.data) == server.data
    other = int(server.uri.rsplit(":", 1)[1]) + 1
    assert neo4j_bulk.local_data(f"bolt://127.0.0.1:{other}", server.data) is None  # another port
    assert neo4j_bulk.local_data(server.uri.replace("127.0.0.1", "db.example.org"), server.data) is None
    assert neo4j_bulk.local_data(server.uri, tmp_path / "data") is None  # no server on that folder
    store = open_store(server, bulk_min_rows=10**9)
    try:
        assert store.bulk_target(1000)[0] is None  # a small build: UNWIND (the restart costs more)
        store.bulk_min_rows = 0
        assert store.bulk_target(1000)[0] == server.data
    finally:
        store.close()


def test_csv_columns_keep_their_types(tmp_path: Path) -> None:
    nodes = [Node("City:1", "City", {"id": "1", "v": 1, "w": [1.5]}), Node("City:2", "City", {"id": "2", "v": "x"}),
             Node("City:3", "City", {"id": "3", "v": None, "w": [2.0]}),
             Node("City:4", "City", {"id": "4", "v": float("nan")})]  # NaN: no value (as UNWIND's _clean)
    rels = [("PART_OF|City:4|City:2", Rel("PART_OF", "City:4", "City:2", {"n": 1}))]
    out = neo4j_bulk.write_csv(tmp_path / "csv", nodes, rels, [{"id": 7, "who": None, "at": "t"}])
    heads = sorted(p.read_text(encoding="utf-8").splitlines()[0] for p in (tmp_path / "csv").glob("n-City-*"))
    assert heads == [":ID,id:string,v:long,w:double[]", ":ID,id:string,v:string,w:double[]", ":ID,id:string,w:double[]"]
    assert out.nodes == 4 and out.rels == 1 and "--id-type=ACTUAL" in out.args
    # the store's node ids, numbered here (0, 1, 2, …), and ``id`` an ordinary text property
    assert (tmp_path / "csv" / "n-City-2.csv").read_text(encoding="utf-8").splitlines()[1:] == ['2,"3","2.0"', '3,"4",']
    audit = (tmp_path / "csv" / f"n-{AUDIT_LABEL}-0.csv").read_text(encoding="utf-8").splitlines()
    assert audit == [":ID,at:string,id:long", '4,"t",7']
    part_of = (tmp_path / "csv" / "r-PART_OF-City-City-0.csv").read_text(encoding="utf-8").splitlines()
    assert part_of == [":START_ID,:END_ID,_key:string,n:long", '3,1,"PART_OF|City:4|City:2",1']
    with pytest.raises(neo4j_bulk.Unsupported):  # an end the build does not hold
        neo4j_bulk.write_csv(tmp_path / "dangling", nodes, [("k", Rel("PART_OF", "City:4", "City:9", {}))], [])
    for bad in ([], [1, "a"], [None], {"a": 1}, float("inf"), 2 ** 64):
        with pytest.raises(neo4j_bulk.Unsupported):
            neo4j_bulk.write_csv(tmp_path / "bad", [Node("City:1", "City", {"id": "1", "v": bad})], [], [])


def test_a_sync_streams_the_graph_in_chunks_on_both_paths(server: Any, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """``iekg sync`` reads the embedded graph as it writes it (``Store.iter_nodes`` / ``iter_rels`` into
    ``Neo4jStore.load_fresh``), never as one change set: with chunks of a few hundred rows the importer gets many files per
    label and type, and UNWIND many small writes — and both give the same graph, every node and relationship of the
    embedded one (that the importer's graph is the UNWIND graph of one change set is tested above)."""
    home = tmp_path / "home"
    src = SqliteStore(home / "graph.sqlite")
    service.build(src, Settings(home=home))
    store = open_store(server, bulk_min_rows=-1)
    try:
        def no_copy(_: Any) -> Any:
            raise AssertionError("sync held the whole graph as one change set")

        import iekg.service.stores

        monkeypatch.setattr(iekg.service.stores, "copy_graph", no_copy)
        monkeypatch.setattr(neo4j_bulk, "CHUNK", 500)
        written: list[Any] = []
        real = neo4j_bulk.write_csv
        monkeypatch.setattr(neo4j_bulk, "write_csv", lambda *a, **k: written.append(real(*a, **k)) or written[-1])
        store.bulk_min_rows = 0
        res = service.sync(src, store)
        assert store.last_load == "bulk", store.last_load
        whole = dump(store)
        labels, types = src.counts()
        assert (len(whole["nodes"]), len(whole["rels"])) == (sum(labels.values()), sum(types.values()))
        assert (res.nodes_created, res.rels_created) == (sum(labels.values()), sum(types.values()))
        files = [a for a in written[0].args if a.startswith(("--nodes=Institution=", "--relationships=OFFERS="))]
        assert len(files) >= (labels["Institution"] + types["OFFERS"]) // 500 >= 10  # (chunks of 500 rows, a file each)
        store.bulk_min_rows, store.batch_size = -1, 250  # UNWIND in writes of 250 rows, held 2,500 at most
        res = service.sync(src, store)
        assert store.last_load is not None and store.last_load.startswith("unwind")
        assert dump(store) == whole
        assert (res.nodes_created, res.rels_created) == (sum(labels.values()), sum(types.values()))
    finally:
        store.close()
        src.close()
