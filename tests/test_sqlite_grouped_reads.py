"""Issue 20, the embedded store's reads sending less: an answer's reads pinned to one read
transaction with each statement run once (``SqliteStore.pinned``), the ends of a relationship type asked by their
targets grouped per target (``sql.REL_FRAME_BY_DST``), the enterprises' located rows as per-city id lists
(``sqlite_sums._ENTS_IDS`` / ``_ENTS_VALUES``), the offering institutions as one JSON list, the located counts without
the nodes and the located sums grouped in index order.  Each gives the frames, values, dtypes and order the
statements before gave (those statements are written out here as the reference), and the new statements read
through the indexes named.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from iekg.graph import sqlite_sql as sql
from iekg.graph import sqlite_sums
from iekg.graph.schema import REL_TYPES
from iekg.graph.sqlite_sql import jlist
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store

CITIES = ("410100", "410200", "410300")
# staff as an import may leave it: numbers, numeric text, a word, JSON null, or not at all
STAFF: tuple[Any, ...] = (0, 120, 37.5, "85", "很多", None)
LEVELS: tuple[Any, ...] = ("国家级", "省级", 3, None)

# the statements as they were before (the reference)
OLD_ENTS_NODES = ("SELECT s.enterprise{columns}, s.city FROM (SELECT DISTINCT value AS cid FROM json_each(:cities)) c "
                  "CROSS JOIN sum_ents s ON s.city = c.cid WHERE s.node")
OLD_LOCATED_SUMS = (
    "WITH c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)) "
    "SELECT l.dst_id, count(*){columns} FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
    "l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = :label "
    "LEFT JOIN nodes n ON n.label = l.src_label AND n.id = l.src_id GROUP BY l.dst_id ORDER BY l.dst_id")
OLD_ENTS_SUMS = ("SELECT s.city, count(*){columns} FROM (SELECT DISTINCT value AS cid FROM json_each(:cities)) c "
                 "CROSS JOIN sum_ents s ON s.city = c.cid GROUP BY s.city ORDER BY s.city")


def graph() -> ChangeSet:
    """Three cities; institutions offering majors (one in two cities' lists of programs), enterprises with staff and
    IEI levels of every kind, in industries and segments, one not located anywhere."""
    cs = ChangeSet()
    for c in CITIES:
        cs.add_node("City", c, {"name": f"市{c}"})
    for m in ("M1", "M2", "M3"):
        cs.add_node("Major", m, {"name": f"专业{m}", "level": "本科"})
    for i in range(9):
        inst = f"I{i}"
        cs.add_node("Institution", inst, {"name": f"学校{i}", "level": "本科"})
        cs.add_rel("LOCATED_IN", f"Institution:{inst}", f"City:{CITIES[i % 3]}")
        for y in (2023, 2024):
            if i % 4 == 3 and y == 2024:
                continue  # an institution without programs in the last year
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:M{1 + i % 3}", {"year": y, "graduates": 10 + i})
    for ind in ("C13", "C39", "I65"):
        cs.add_node("Industry", ind, {"name": f"行业{ind}"})
    for n in range(24):
        ent = f"E{n:02d}"
        props: dict[str, Any] = {"name": f"企业{n}"}
        if n % 7:
            props["employees"] = STAFF[n % len(STAFF)]
        if n % 5:
            props["iei_level"] = LEVELS[n % len(LEVELS)]
        cs.add_node("Enterprise", ent, props)
        if n != 23:
            cs.add_rel("LOCATED_IN", f"Enterprise:{ent}", f"City:{CITIES[n % 3]}")
        cs.add_rel("IN_INDUSTRY", f"Enterprise:{ent}", f"Industry:{('C13', 'C39', 'I65')[n % 3]}")
    return cs


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "graph.sqlite")
    s.apply(graph(), fresh=True)
    assert s._kept_ents()
    return s


def rows_of(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    """A frame's rows with their values' types, in order (NaN as None), and its dtypes."""
    return [tuple((type(v).__name__, None if v != v else v) for v in r) for r in f.itertuples(index=False)] + [
        tuple(str(d) for d in f.dtypes)]


def plan(store: SqliteStore, text: str, params: Any) -> list[str]:
    with store._use() as con:
        con.execute("ANALYZE")
        return [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + text, params)]


# ------------------------------------------------------------------------------- rel_frame by targets
def test_the_ends_by_their_targets_are_the_rows_of_the_plain_statement(store: SqliteStore) -> None:
    """For every relationship type, label pair and list of targets (some missing, none at all), the grouped read
    gives the frame REL_FRAME's rows make: values, dtypes and order."""
    checked = 0
    for t, spec in sorted(REL_TYPES.items()):
        targets = [r[0] for r in store._rows("SELECT DISTINCT dst_id FROM rels WHERE type = ?", (t,))]
        for ids in (targets, targets[:1], [*targets[1:3], "no-such-id"], ["no-such-id"]):
            for a, b in [(None, None), *spec.pairs]:
                got = store.rel_frame(t, src_label=a, dst_label=b, dst_ids=ids)
                cond, params = sql.rel_filter(t, a, b, None, ids, None)
                want = store._frame(store._rows(sql.REL_FRAME.format(columns="", cond=cond), params),
                                    ["src", "dst"], (), 2)
                assert rows_of(got) == rows_of(want), (t, a, b, ids)
                checked += bool(len(want))
    assert checked > 10  # (the graph has rows for several types)


def test_the_ends_by_their_targets_read_rels_in_in_order() -> None:
    """The grouped read seeks rels_in per target, in the index's order: no temporary b-tree that could reorder a
    target's sources."""
    store = SqliteStore()
    store.apply(graph(), fresh=True)
    cond, params = sql.rel_filter("LOCATED_IN", "Institution", "City", None, list(CITIES), None)
    steps = plan(store, sql.REL_FRAME_BY_DST.format(cond=cond), params)
    assert any(p.startswith("SEARCH r USING COVERING INDEX rels_in") for p in steps), steps
    assert not any("TEMP B-TREE" in p for p in steps), steps


# ------------------------------------------------------------------------------- the enterprises' rows
@pytest.mark.parametrize("props", [(), ("employees",), ("iei_level",), ("employees", "iei_level"),
                                   ("iei_level", "employees")])
def test_the_located_enterprises_are_the_rows_of_the_single_statement(store: SqliteStore,
                                                                       props: tuple[str, ...]) -> None:
    with store._use() as con:
        con.execute("ANALYZE")  # (statistics of a small graph: the planner would rather scan the table)
    for cities in ([CITIES[0]], list(CITIES), [CITIES[2], "999999"], ["999999"]):
        for among in (None, {"iei_level": ["国家级", "3"]}, {"iei_level": ["无"]}):
            got = store.located_nodes("Enterprise", cities, props, among=among)
            params: dict[str, Any] = {"cities": jlist(cities)}
            text = OLD_ENTS_NODES.format(columns="".join(f", s.{p}" for p in props))
            for k in sorted(among or {}):
                text += sqlite_sums._ENTS_NODES_AMONG.format(prop=k)
                params[f"among_{k}"] = json.dumps((among or {})[k], ensure_ascii=False)
            want = store._frame(store._rows(text, params), ["id", *props, "city"], (), 1)
            assert rows_of(got) == rows_of(want), (cities, among)
    # and as the statement over the links and the nodes' JSON reads them (the store without the kept rows)
    store._kept_ents = lambda: False  # type: ignore[method-assign]
    try:
        older = store.located_nodes("Enterprise", list(CITIES), props)
    finally:
        del store._kept_ents
    assert rows_of(store.located_nodes("Enterprise", list(CITIES), props)) == rows_of(older)


@pytest.mark.parametrize("which", ["ids", "values"])
def test_both_reads_of_the_located_enterprises_walk_one_index_in_order(which: str) -> None:
    """The ids per city and the values must come in the same order: both through sum_ents_at, the ids' groups
    without a temporary b-tree (which could reorder a city's enterprises), even where the statistics of a small
    graph would have the planner scan the table."""
    store = SqliteStore()
    store.apply(graph(), fresh=True)
    among = sqlite_sums._ENTS_NODES_AMONG.format(prop="iei_level")
    text = (sqlite_sums._ENTS_IDS.format(among=among) if which == "ids"
            else sqlite_sums._ENTS_VALUES.format(columns="s.employees", among=among))
    steps = plan(store, text, {"cities": jlist(CITIES), "among_iei_level": '["省级"]'})
    assert any("COVERING INDEX sum_ents_at" in p for p in steps), steps
    assert not any("TEMP B-TREE" in p for p in steps), steps


def test_the_located_sums_are_the_rows_of_the_statements_before(store: SqliteStore) -> None:
    for cities in ([CITIES[0]], list(CITIES), [CITIES[1], "999999"]):
        for label in ("Institution", "Enterprise", "City"):
            got = store._rows(sql.LOCATED_SUMS.format(columns="", nodes=""), {"cities": jlist(cities), "label": label})
            assert got == store._rows(OLD_LOCATED_SUMS.format(columns=""), {"cities": jlist(cities), "label": label})
        cols = sqlite_sums._ENTS_SUM_COLUMN.format(prop="employees")
        assert store._rows(sqlite_sums._ENTS_SUMS.format(columns=cols), {"cities": jlist(cities)}) == store._rows(
            OLD_ENTS_SUMS.format(columns=cols), {"cities": jlist(cities)})
    # and through the interface, with a property (the nodes joined) and without
    assert rows_of(store.located_sums("Institution", list(CITIES))) == rows_of(
        Store.located_sums(store, "Institution", list(CITIES)))


@pytest.mark.parametrize("which", ["counts", "enterprise sums"])
def test_the_located_sums_come_in_index_order(which: str) -> None:
    """The cities as an IN list: the groups come in the index's order, no temporary b-tree sorts them."""
    store = SqliteStore()
    store.apply(graph(), fresh=True)
    if which == "counts":
        text, params = sql.LOCATED_SUMS.format(columns="", nodes=""), {"cities": jlist(CITIES), "label": "Enterprise"}
        index = "COVERING INDEX rels_in"
    else:
        text = sqlite_sums._ENTS_SUMS.format(columns=sqlite_sums._ENTS_SUM_COLUMN.format(prop="employees"))
        params, index = {"cities": jlist(CITIES)}, "COVERING INDEX sum_ents_at"
    steps = plan(store, text, params)
    assert any(index in p for p in steps), steps
    assert not any("TEMP B-TREE" in p for p in steps), steps


def test_the_offering_institutions_are_those_of_the_interface(store: SqliteStore) -> None:
    for cities in ([CITIES[0]], list(CITIES), ["999999"]):
        for year in (2023, 2024, 1999):
            got = store.offering_institutions(cities, year)
            assert got == Store.offering_institutions(store, cities, year)
            assert all(isinstance(i, str) for i in got)
    assert store.offering_institutions(list(CITIES), 2024) == {f"I{i}" for i in range(9) if i % 4 != 3}


# ------------------------------------------------------------------------------- pinned
def statements(store: SqliteStore) -> list[str]:
    """The statements this thread's connection runs from now on (appended as they run)."""
    seen: list[str] = []
    with store._use() as con:
        con.set_trace_callback(seen.append)
    return seen


def test_an_answer_runs_each_statement_once_and_reads_one_state(store: SqliteStore, tmp_path: Path) -> None:
    seen = statements(store)
    with store.pinned():
        first = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(CITIES))
        v = store.version()
        # another process imports meanwhile: this answer still reads the graph as it was when it began
        other = SqliteStore(tmp_path / "graph.sqlite")
        cs = ChangeSet()
        cs.add_node("Institution", "I99", {"name": "新校"})
        cs.add_rel("LOCATED_IN", "Institution:I99", f"City:{CITIES[0]}")
        other.apply(cs)
        again = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(CITIES))
        assert store.version() == v
        assert store.get("Institution:I99") is None
        with store.pinned():  # (nested: the outer answer's)
            assert store.version() == v
        for _ in range(3):
            store.memo(("test", 1), lambda: 1)
    assert rows_of(again) == rows_of(first)
    assert sum("json_group_array(r.src_id)" in s for s in seen) == 1
    assert sum(s == sql.VERSION for s in seen) == 1  # (the memo's version checks: read once)
    assert sum(s.startswith("BEGIN") for s in seen) == 1
    # after the answer: the import is seen
    assert store.version() > v
    assert store.get("Institution:I99") is not None
    assert len(store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(CITIES))) == 10
    other.close()


def test_the_rows_given_again_are_a_list_of_their_own(store: SqliteStore) -> None:
    with store.pinned():
        a = store._rows(sql.VERSION)
        a.append("changed")
        assert store._rows(sql.VERSION) == a[:1]


def test_a_write_inside_an_answer_ends_its_snapshot(store: SqliteStore) -> None:
    with store.pinned():
        before = store.version()
        cs = ChangeSet()
        cs.add_node("Institution", "I98", {"name": "又一校"})
        store.apply(cs)
        assert store.version() > before  # read again, as written
        assert store.get("Institution:I98") is not None
    with store._use() as con:
        assert not con.in_transaction


def test_an_answer_that_fails_leaves_no_transaction_open(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError), store.pinned():
        store.version()
        raise RuntimeError("boom")
    with store._use() as con:
        assert not con.in_transaction
    assert store._rows(sql.VERSION)  # (and nothing is given again outside an answer)
    assert getattr(store._local, "pin", None) is None


def test_the_in_memory_graph_and_a_home_without_a_graph_are_not_pinned(tmp_path: Path) -> None:
    mem = SqliteStore()
    mem.apply(graph(), fresh=True)
    with mem.pinned():
        assert mem.version() >= 1
        assert getattr(mem._local, "pin", None) is None
    empty = SqliteStore(tmp_path / "none" / "graph.sqlite")
    with empty.pinned():
        assert empty.get("City:410100") is None
        # (the empty graph read meanwhile has the indexes the reads name)
        assert empty.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(CITIES)).empty
        assert empty.located_sums("Institution", list(CITIES)).empty
        assert empty.located_nodes("Enterprise", list(CITIES), ["employees"]).empty
    assert not (tmp_path / "none" / "graph.sqlite").exists()


def test_another_connection_can_write_while_an_answer_reads(store: SqliteStore, tmp_path: Path) -> None:
    """The answer's read transaction blocks no writer (WAL): an import of another connection commits meanwhile."""
    with store.pinned():
        store.version()
        con = sqlite3.connect(tmp_path / "graph.sqlite", timeout=1)
        con.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
        con.commit()
        con.close()


def test_a_build_inside_an_answer_copies_its_spill_in(store: SqliteStore) -> None:
    """A fresh build attaches its spill file, which SQLite refuses inside a transaction: the answer's read
    transaction ends first."""
    cs = graph()
    spill = store.rel_spill()
    try:
        for seq, r in enumerate(cs.rels.values()):
            spill.put(r, seq)
        cs.rels = spill
        with store.pinned():
            before = store.version()
            store.apply(cs, fresh=True)
            assert store.version() > before
        assert len(store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(CITIES))) == 9
    finally:
        spill.close()


def test_a_parameter_that_cannot_be_a_key_is_read_as_it_is(store: SqliteStore) -> None:
    with store.pinned():
        assert store._rows("SELECT length(?)", [bytearray(b"abc")]) == [(3,)]
        assert store._rows("SELECT length(?)", [bytearray(b"abcd")]) == [(4,)]
