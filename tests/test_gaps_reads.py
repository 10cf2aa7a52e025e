"""Issue 20 (national latency), the gaps' reads: the chain gaps' findings joined by the store
(``Store.chain_enterprises``: SQL on SQLite, Cypher on Neo4j) equal the rows-based default read through the
interface, on the Henan demo graph with cooperations of every status — on SQLite from the kept status counts
(``sum_ent_coops``) and, for a graph of an older layout, from the cooperations; SQLite's statements seek every row
through an index (the enterprises' segment links through their own covering index, ``rels_segment``)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import demo_copy

from iekg.graph import sqlite_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries import cooperation
from iekg.queries.alignment import focus_segments
from iekg.queries.gaps import chain_gaps
from iekg.queries.scope import Scope

WORDS = sorted(cooperation.inactive_words())


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("gaps-reads")) / "graph.sqlite")
    yield s
    s.close()


def records(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows in one order (the read promises none), each cooperation list sorted."""
    return sorted((k, e, s, r, emp, n, tuple(sorted(left))) for k, e, s, r, emp, n, left
                  in f[list(Store.CHAIN_ENTERPRISE_COLUMNS)].itertuples(index=False, name=None))


def scopes(store: Store) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Two one-city scopes, a scope of two cities (one also a scope of its own) and a city without focus chains."""
    cities = {"410200": ["410200"], "410100": ["410100"], "pair": ["410100", "410300"], "none": ["419999"]}
    segments = {k: sorted(set(focus_segments(store, Scope(tuple(cs), 2024))["segment"])) for k, cs in cities.items()}
    return cities, segments


def test_chain_enterprises_equal_the_rows_read_through_the_interface(store: SqliteStore) -> None:
    cities, segments = scopes(store)
    got = store.chain_enterprises(cities, segments, WORDS)
    want = Store.chain_enterprises(store, cities, segments, WORDS)
    assert records(got) == records(want)
    per_key = got.groupby("key").size().to_dict()
    assert per_key == {"410100": 63, "410200": 15, "pair": per_key["pair"]} and per_key["pair"] > 63
    kf = got[got["key"] == "410200"].set_index("enterprise")
    # 链主 of 开封's NEV chain: 19,614 staff, one cooperation that counts and one ended (left out)
    assert list(kf.loc["DEMO-410200-E0001", ["segment", "role", "employees", "counted"]]) == [
        "HN-NEV-01-S2", "链主", 19614, 1]
    assert kf.loc["DEMO-410200-E0001", "left_out"] == ["已结束"]
    assert kf.loc["DEMO-410200-E0009", "left_out"] == ["筹建中"] and kf.loc["DEMO-410200-E0009", "counted"] == 4
    # the enterprises without a cooperation that counts: the no_cooperation gaps of 开封
    assert sorted(kf.index[kf["counted"] == 0]) == ["DEMO-410200-E0004", "DEMO-410200-E0005", "DEMO-410200-E0008",
                                                    "DEMO-410200-E0014"]
    gaps = chain_gaps(store, Scope(("410200",), 2024), {"segments": {"uncovered": []}})
    assert sorted(g["entity"] for g in gaps if g["type"] == "no_cooperation") == [
        "Enterprise:DEMO-410200-E0004", "Enterprise:DEMO-410200-E0005", "Enterprise:DEMO-410200-E0008",
        "Enterprise:DEMO-410200-E0014"]
    # a status word changed: nothing is left out, every cooperation counts
    none = store.chain_enterprises(cities, segments, [])
    assert records(none) == records(Store.chain_enterprises(store, cities, segments, []))
    assert all(len(x) == 0 for x in none["left_out"]) and int(none["counted"].sum()) > int(got["counted"].sum())


def test_chain_enterprises_from_the_cooperations_equal_the_kept_counts(store: SqliteStore,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph of layout 3 (before ``sum_ent_coops``) reads the cooperations themselves: the same rows, for one
    city's scopes and many, with the status words and without."""
    cities, segments = scopes(store)
    assert store._kept_ent_coops()
    kept = {tuple(w): records(store.chain_enterprises(cities, segments, w)) for w in (WORDS, [])}
    monkeypatch.setattr(SqliteStore, "_kept_ent_coops", lambda self: False)
    for wide in (sqlite_sums.CHAIN_SCAN_CITIES, 1):
        monkeypatch.setattr(sqlite_sums, "CHAIN_SCAN_CITIES", wide)
        for w in (WORDS, []):
            assert records(store.chain_enterprises(cities, segments, w)) == kept[tuple(w)]


def test_chain_enterprises_of_nothing_are_empty(store: SqliteStore) -> None:
    for s in (store.chain_enterprises({}, {}, WORDS), store.chain_enterprises({"a": ["410200"]}, {"a": []}, WORDS),
              Store.chain_enterprises(store, {"a": ["410200"]}, {}, WORDS)):
        assert s.empty and list(s.columns) == list(Store.CHAIN_ENTERPRISE_COLUMNS)


SEGMENT_SEEK = "SEARCH r USING COVERING INDEX rels_segment (src_id=? AND type=? AND src_label=? AND dst_label=?)"


def plan_of(path: Path, statement: str) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        params = {"cities": json.dumps([["k", "410200"]]), "segments": json.dumps([["k", "HN-NEV-01-S2"]]),
                  "inactive": json.dumps(WORDS, ensure_ascii=False)}
        return [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + statement, params)]
    finally:
        con.close()


def test_chain_enterprises_statement_seeks_through_indexes(store: SqliteStore) -> None:
    plan = plan_of(store.path, sqlite_sums._CHAIN_ENTERPRISES)
    assert "SEARCH l USING COVERING INDEX rels_in (dst_id=? AND type=? AND dst_label=? AND src_label=?)" in plan
    assert SEGMENT_SEEK in plan  # from each enterprise, its links and their roles from the index alone
    assert "SEARCH c USING INDEX rels_in (dst_id=? AND type=? AND dst_label=?)" in plan
    assert any(p.startswith("SEARCH n USING PRIMARY KEY") for p in plan)
    assert not [p for p in plan if p.split()[:2] in (["SCAN", "l"], ["SCAN", "r"], ["SCAN", "c"], ["SCAN", "n"])], plan


def test_chain_enterprises_from_the_kept_counts_seek_through_indexes(store: SqliteStore) -> None:
    plan = plan_of(store.path, sqlite_sums._CHAIN_ENTERPRISES_KEPT)
    assert "SEARCH l USING COVERING INDEX rels_in (dst_id=? AND type=? AND dst_label=? AND src_label=?)" in plan
    assert SEGMENT_SEEK in plan
    assert "SEARCH s USING COVERING INDEX sum_ent_coops_at (enterprise=?)" in plan  # each enterprise's few rows
    assert any(p.startswith("SEARCH n USING PRIMARY KEY") for p in plan)
    assert not [p for p in plan if p.split()[:2] in (["SCAN", "l"], ["SCAN", "r"], ["SCAN", "s"], ["SCAN", "n"])], plan


def test_a_graph_without_the_segment_index_reads_the_links_through_rels_out(store: SqliteStore,
                                                                              tmp_path: Path) -> None:
    """A graph written before ``rels_segment`` was kept (it gets it at its next import or reindex): the planner
    takes rels_out and the table's rows instead, with the same answer."""
    path = tmp_path / "graph.sqlite"
    shutil.copy(store.path, path)
    con = sqlite3.connect(path)
    con.execute("DROP INDEX rels_segment")
    con.commit()
    con.close()
    assert "SEARCH r USING INDEX rels_out (src_id=? AND type=? AND src_label=?)" in plan_of(
        path, sqlite_sums._CHAIN_ENTERPRISES_KEPT)
    older = SqliteStore(path)
    try:
        cities, segments = scopes(store)
        assert records(older.chain_enterprises(cities, segments, WORDS)) == records(
            store.chain_enterprises(cities, segments, WORDS))
        older.apply(ChangeSet())  # its next import makes the index
        assert SEGMENT_SEEK in plan_of(path, sqlite_sums._CHAIN_ENTERPRISES_KEPT)
    finally:
        older.close()


def test_chain_enterprises_of_many_cities_read_the_cooperations_in_one_pass(store: SqliteStore,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Scopes of many cities (``CHAIN_SCAN_CITIES`` or more: the province, compare's cities) read every cooperation
    in one pass through the index on type, grouped per enterprise: the same rows as the seeks from each enterprise
    and as the rows read through the interface, with the status words and without."""
    cities, segments = scopes(store)
    seeks = {tuple(w): store.chain_enterprises(cities, segments, w) for w in (WORDS, [])}
    monkeypatch.setattr(sqlite_sums, "CHAIN_SCAN_CITIES", 1)
    for w in (WORDS, []):
        got = store.chain_enterprises(cities, segments, w)
        assert records(got) == records(seeks[tuple(w)]) == records(Store.chain_enterprises(store, cities, segments, w))
        assert len(got) > 100 and any(len(x) for x in got["left_out"]) == bool(w)
    con = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    try:
        params = {"cities": json.dumps([["k", "410200"]]), "segments": json.dumps([["k", "HN-NEV-01-S2"]])}
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sqlite_sums._CHAIN_ENTERPRISES_WIDE, params)]
    finally:
        con.close()
    assert "SEARCH c USING INDEX rels_type (type=?)" in plan, plan  # one pass over the cooperations
    assert not [p for p in plan if p.startswith("SEARCH c USING") and "rels_type" not in p], plan
