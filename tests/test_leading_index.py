"""The year's leading programs of many institutions on Neo4j (issue 20): with more start ids than
``cypher.SEEK_MAX`` and every indexed property of the type filtered, ``rel_frame`` reads the leading
relationships through the index ``iekg_offers_leading`` (made by ``ensure_schema``) and cuts them to the start
ids itself — the same rows as the read anchored on the ids, and as SQLite's, which reads them through its partial
index ``rels_leading`` (made with the other indexes; on an older graph at its next import or reindex)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from iekg.graph import cypher as cy
from iekg.graph import sqlite_sql as sql
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store

# (institution, major, year, leading): institution I3 is not asked for
PROGRAMS = [("I1", "510101", 2024, True), ("I1", "510102", 2024, False), ("I1", "510103", 2023, True),
            ("I2", "510101", 2024, True), ("I2", "510104", 2024, None), ("I3", "510101", 2024, True)]
WHERE = {"year": 2024, "leading": True}


def _build(store: Store) -> None:
    ch = ChangeSet()
    for inst in ("I1", "I2", "I3"):
        ch.add_node("Institution", inst, {"name": f"院校{inst}", "source": "t", "source_kind": "public"})
    for m in ("510101", "510102", "510103", "510104"):
        ch.add_node("Major", m, {"name": f"专业{m}", "source": "t", "source_kind": "public"})
    for inst, m, y, lead in PROGRAMS:
        ch.add_rel("OFFERS", f"Institution:{inst}", f"Major:{m}",
                   {"year": y, "leading": lead, "source": "t", "source_kind": "public"})
    store.apply(ch)


def _pairs(store: Store) -> list[tuple[str, str]]:
    f = store.rel_frame("OFFERS", src_label="Institution", src_ids=["I1", "I2"], where=WHERE)
    return sorted(zip(f["src"].tolist(), f["dst"].tolist(), strict=True))


def test_indexed_properties_are_written_out() -> None:
    match, params = cy.rel_match("OFFERS", "Institution", None, None, None, {**WHERE, "graduates": 3})
    assert "r.leading = $eq_leading AND r.year = $eq_year" in match
    assert params == {"eq_leading": True, "eq_year": 2024, "eq": {"graduates": 3}}
    match, params = cy.rel_match("DEMANDS", None, None, None, None, {"year": 2024})
    assert "r.year" not in match and params == {"eq": {"year": 2024}}


def test_sqlite_reads_the_leading_programs(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "graph.sqlite")
    _build(s)
    assert _pairs(s) == [("I1", "510101"), ("I2", "510101")]


@pytest.mark.neo4j
def test_neo4j_reads_them_through_the_index(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(neo)
    names = {r["name"] for r in neo._read("SHOW INDEXES YIELD name RETURN name")}
    assert "iekg_offers_leading" in names
    anchored = _pairs(neo)
    monkeypatch.setattr(cy, "SEEK_MAX", 1)  # two ids are "many": the index read, cut to the ids
    assert _pairs(neo) == anchored == [("I1", "510101"), ("I2", "510101")]
    match, params = cy.rel_match("OFFERS", "Institution", None, None, None, WHERE)
    with neo.driver.session(database=neo.database) as ses:
        plan = ses.run("EXPLAIN " + match + cy.REL_COLUMNS, props=[], **params).consume().plan
    ops = []
    todo = [plan]
    while todo:
        p = todo.pop()
        ops.append(p["operatorType"] + " " + str(p["args"].get("Details", "")))
        todo += p.get("children", [])
    # through the index (a seek once the graph is large: checked with 200,000 programs; a tiny graph may scan it)
    assert any("RelationshipIndex" in o and "OFFERS(leading, year)" in o for o in ops), ops


def _reads_through_the_index(s: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether ``rel_frame`` of the leading programs runs the statement of the partial index ``rels_leading``."""
    ran: list[str] = []
    rows = s._rows
    monkeypatch.setattr(s, "_rows", lambda text, params=(): ran.append(text) or rows(text, params))
    _pairs(s)
    monkeypatch.setattr(s, "_rows", rows)
    return sql.LEADING_OFFERS in ran


def _has_index(path: Path) -> bool:
    con = sqlite3.connect(path)
    try:
        return bool(con.execute(sql.HAS_LEADING_INDEX).fetchall())
    finally:
        con.close()


def test_sqlite_reads_them_through_their_partial_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new graph has the index ``rels_leading`` and the read goes through it alone (its condition written as the
    index's): the same rows as the plain filter, which reads every program of the institutions."""
    s = SqliteStore(tmp_path / "graph.sqlite")
    _build(s)
    assert _has_index(tmp_path / "graph.sqlite")
    assert _reads_through_the_index(s, monkeypatch)
    assert _pairs(s) == [("I1", "510101"), ("I2", "510101")]
    with s._use() as con:
        con.execute("ANALYZE")
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql.LEADING_OFFERS, (2024, '["I1", "I2"]'))]
        cond, params = sql.rel_filter("OFFERS", "Institution", None, ["I1", "I2"], None, WHERE)
        plain = con.execute(sql.REL_FRAME.format(columns="", cond=cond), params).fetchall()
    assert any(p.startswith("SEARCH r USING COVERING INDEX rels_leading") for p in plan), plan
    assert sorted(plain) == _pairs(s)


def test_an_older_graph_gets_the_index_at_its_next_import_or_reindex(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph written before the index was kept answers the same without it (through rels_src_year), is not
    written to by reads, and gets the index at its next import — or at ``iekg reindex``."""
    path = tmp_path / "graph.sqlite"
    s = SqliteStore(path)
    _build(s)
    s.close()

    def older() -> SqliteStore:
        con = sqlite3.connect(path)
        con.execute("DROP INDEX rels_leading")
        con.commit()
        con.close()
        return SqliteStore(path)

    s = older()
    assert _pairs(s) == [("I1", "510101"), ("I2", "510101")]
    assert not _reads_through_the_index(s, monkeypatch)
    assert not _has_index(path)  # (read only: left as it is)
    ch = ChangeSet()
    ch.add_node("Institution", "I4", {"name": "院校I4", "source": "t", "source_kind": "public"})
    s.apply(ch)
    assert _has_index(path)
    assert _reads_through_the_index(s, monkeypatch)
    assert _pairs(s) == [("I1", "510101"), ("I2", "510101")]
    s.close()
    s = older()
    s.reindex()
    assert _has_index(path)
    assert _pairs(s) == [("I1", "510101"), ("I2", "510101")]
    s.close()
