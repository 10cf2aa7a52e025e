"""Issue 20 (national latency), compare's chain gaps counted by the store: ``Store.chain_lonely_counts`` (per scope,
its focus-chain enterprises' segment links with no cooperation that counts) equals the rows of
``Store.chain_enterprises`` with ``counted`` 0, on SQLite from the kept status counts (``sum_ent_coops``) and, for
a graph of an older layout, from those rows; the statement seeks every row through an index.  Neo4j's answer is
compared with SQLite's in tests/test_parity.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import demo_copy

from iekg.graph import sqlite_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.queries import cooperation
from iekg.queries.alignment import focus_segments
from iekg.queries.scope import Scope
from iekg.service.places import all_cities

WORDS = sorted(cooperation.inactive_words())


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("chain-lonely")) / "graph.sqlite")
    yield s
    s.close()


def scopes(store: Store) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Every city its own scope, a scope of two cities (each also a scope of its own), the province's cities
    as one scope and a city without focus chains."""
    cities = {c: [c] for c in all_cities(store)}
    cities.update({"pair": ["410100", "410300"], "all": sorted(all_cities(store)), "none": ["419999"]})
    segments = {k: sorted(set(focus_segments(store, Scope(tuple(cs), 2024))["segment"])) for k, cs in cities.items()}
    return cities, segments


def counted_rows(rows: pd.DataFrame) -> dict[str, int]:
    """What chain_lonely_counts promises, from chain_enterprises' rows."""
    lonely = rows.loc[rows["counted"] == 0, "key"].value_counts()
    return {str(k): int(n) for k, n in lonely.items()}


def test_lonely_counts_equal_the_rows_with_no_cooperation_that_counts(store: SqliteStore) -> None:
    cities, segments = scopes(store)
    assert store._kept_ent_coops()
    got = store.chain_lonely_counts(cities, segments, WORDS)
    assert got == counted_rows(store.chain_enterprises(cities, segments, WORDS))
    assert got == Store.chain_lonely_counts(store, cities, segments, WORDS)  # (the default, from the rows)
    # 开封: DEMO-410200-E0004, E0005, E0008 and E0014 have no cooperation that counts (tests/test_gaps_reads.py)
    assert got["410200"] == 4 and "none" not in got
    assert got["all"] == sum(n for k, n in got.items() if k not in ("all", "pair")) > got["410200"]
    assert got["pair"] == got["410100"] + got["410300"]
    # no status word: every cooperation counts, so fewer enterprises have none
    none = store.chain_lonely_counts(cities, segments, [])
    assert none == counted_rows(store.chain_enterprises(cities, segments, []))
    assert none["all"] < got["all"]


def test_lonely_counts_of_a_graph_without_the_kept_status_counts(store: SqliteStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph of layout 3 (before ``sum_ent_coops``) counts the rows read from the cooperations: the same
    counts."""
    cities, segments = scopes(store)
    kept = {tuple(w): store.chain_lonely_counts(cities, segments, w) for w in (WORDS, [])}
    monkeypatch.setattr(SqliteStore, "_kept_ent_coops", lambda self: False)
    for w in (WORDS, []):
        assert store.chain_lonely_counts(cities, segments, w) == kept[tuple(w)]


def test_lonely_counts_of_nothing_are_empty(store: SqliteStore) -> None:
    assert store.chain_lonely_counts({}, {}, WORDS) == {}
    assert store.chain_lonely_counts({"a": ["410200"]}, {"a": []}, WORDS) == {}
    assert Store.chain_lonely_counts(store, {"a": ["410200"]}, {}, WORDS) == {}
    assert store.chain_lonely_counts({"a": ["419999"]}, {"a": ["HN-NEV-01-S2"]}, WORDS) == {}


def test_lonely_counts_statement_seeks_through_indexes(store: SqliteStore) -> None:
    con = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    try:
        params = {"cities": json.dumps([["k", "410200"]]), "segments": json.dumps([["k", "HN-NEV-01-S2"]]),
                  "inactive": json.dumps(WORDS, ensure_ascii=False)}
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sqlite_sums._CHAIN_LONELY_KEPT, params)]
    finally:
        con.close()
    assert "SEARCH l USING COVERING INDEX rels_in (dst_id=? AND type=? AND dst_label=? AND src_label=?)" in plan
    assert "SEARCH r USING COVERING INDEX rels_segment (src_id=? AND type=? AND src_label=? AND dst_label=?)" in plan
    assert "SEARCH s USING COVERING INDEX sum_ent_coops_at (enterprise=?)" in plan
    assert not [p for p in plan if p.split()[:2] in (["SCAN", "l"], ["SCAN", "r"], ["SCAN", "s"], ["SCAN", "n"])], plan
