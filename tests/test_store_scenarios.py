"""Named what-if scenarios kept by the store (issue 23 item 2): the same on SQLite and Neo4j — saved,
replaced, listed by name, deleted — and never graph content: saving one changes neither the graph's version,
nor its counts or snapshot, and a fresh build, ``clear`` and ``sync`` keep them, as they keep the history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from iekg import service
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.loaders.source import USER

SRC = Path(__file__).parent / "fixtures" / "legacy" / "src"  # a tiny complete graph (开封, 郑州)

DOC = {"name": "开封 食品专业扩招", "scope": {"city": "410200"}, "year": 2024, "target_year": None,
       "note": '备注 "引号", <b>不是标记</b>\n第二行', "origin": "manual",
       "changes": [{"kind": "add_program", "institution": "4141010001", "major": "490101", "graduates": 150.0,
                    "enrollment": None}]}


def _base(store: Store) -> None:
    report = Report()
    pipeline.load(store, read_paths([SRC], report, kind=USER), report, fresh=True)


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s: Store = SqliteStore(tmp_path / "graph.sqlite")
        _base(s)
        yield s
        s.close()
        return
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    server = request.getfixturevalue("neo4j_server")
    driver = GraphDatabase.driver(server.uri, auth=(server.user, server.password))
    s = Neo4jStore(driver)
    for doc in s.scenarios():  # the session's server is shared: start without scenarios
        s.delete_scenario(doc["name"])
    _base(s)
    yield s
    for doc in s.scenarios():
        s.delete_scenario(doc["name"])
    s.clear()
    driver.close()


def test_saved_read_replaced_listed_deleted(store: Store) -> None:
    assert store.scenarios() == [] and store.scenario(DOC["name"]) is None
    store.save_scenario(DOC)
    assert store.scenario(DOC["name"]) == DOC  # as given: Chinese, quotes, markup-like text, None, floats
    other = {**DOC, "name": "A 方案", "changes": []}
    store.save_scenario(other)
    assert [d["name"] for d in store.scenarios()] == ["A 方案", DOC["name"]]  # sorted by name
    changed = {**DOC, "note": "改过"}
    store.save_scenario(changed)  # same name: replaced, not a second one
    assert store.scenario(DOC["name"]) == changed and len(store.scenarios()) == 2
    assert store.delete_scenario(DOC["name"]) is True
    assert store.delete_scenario(DOC["name"]) is False
    assert [d["name"] for d in store.scenarios()] == ["A 方案"]


def test_not_graph_content(store: Store) -> None:
    version, counts, kinds = store.version(), store.counts(), store.source_kind_counts()  # type: ignore[attr-defined]
    snap = store.snapshot()
    store.save_scenario(DOC)
    store.delete_scenario("无此方案")
    assert store.version() == version  # type: ignore[attr-defined]
    assert store.counts() == counts and store.source_kind_counts() == kinds
    assert store.snapshot() == snap
    assert store.search("食品专业扩招") == []  # not a node anyone finds


def test_kept_through_build_and_clear(store: Store) -> None:
    store.save_scenario(DOC)
    _base(store)  # a fresh build
    assert store.scenario(DOC["name"]) == DOC
    store.clear()
    assert store.counts() == ({}, {})
    assert store.scenario(DOC["name"]) == DOC


def test_a_scenario_needs_a_name(store: Store) -> None:
    for bad in ({"changes": []}, {"name": "  "}, {"name": 3}):
        with pytest.raises(ValueError, match="name"):
            store.save_scenario(bad)
    assert store.scenarios() == []


def test_an_older_graph_without_the_table(tmp_path: Path) -> None:
    """A graph file written before scenarios were kept: reads find none, the first save makes the table."""
    path = tmp_path / "graph.sqlite"
    s = SqliteStore(path)
    _base(s)
    s.close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE scenarios")
    con.commit()
    con.close()
    s = SqliteStore(path)
    try:
        assert s.scenarios() == [] and s.scenario("x") is None and s.delete_scenario("x") is False
        s.save_scenario(DOC)
        assert s.scenarios() == [DOC]
    finally:
        s.close()


def test_sync_brings_the_scenarios(tmp_path: Path) -> None:
    src = SqliteStore(tmp_path / "a.sqlite")
    dst = SqliteStore(tmp_path / "b.sqlite")
    try:
        _base(src)
        src.save_scenario(DOC)
        dst.apply(ChangeSet(), fresh=True)
        dst.save_scenario({"name": "B 自有", "changes": []})
        service.sync(src, dst)
        assert [d["name"] for d in dst.scenarios()] == ["B 自有", DOC["name"]]
        assert dst.counts() == src.counts()
    finally:
        src.close()
        dst.close()
