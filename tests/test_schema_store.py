"""The schema module and the embedded store: identity, persistence, all-or-nothing writes, reads."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import graph_state

from iekg.graph.schema import NODE_TYPES, REL_TYPES, markdown, rel_key
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Rel


def test_docs_schema_is_generated_from_code(repo):
    doc = (repo / "docs" / "schema.md").read_text(encoding="utf-8")
    assert doc.endswith(markdown()), "docs/schema.md is stale: regenerate with `iekg schema --format markdown`"


def test_every_relationship_joins_known_labels():
    for r in REL_TYPES.values():
        for a, b in r.pairs:
            assert a in NODE_TYPES and b in NODE_TYPES, (r.type, a, b)
        assert set(r.key) <= set(r.props), r.type


def test_offers_identity_includes_year():
    a = rel_key("OFFERS", "Institution:1", "Major:2", {"year": 2023, "graduates": 5})
    b = rel_key("OFFERS", "Institution:1", "Major:2", {"year": 2024, "graduates": 5})
    assert a != b
    assert a == rel_key("OFFERS", "Institution:1", "Major:2", {"year": 2023, "graduates": 9})


def _small() -> ChangeSet:
    c = ChangeSet()
    p = c.add_node("Province", "410000", {"name": "河南省"})
    k = c.add_node("City", "410200", {"name": "开封市"})
    z = c.add_node("City", "410100", {"name": "郑州市"})
    i = c.add_node("Institution", "4141010475", {"name": "河南大学", "level": "本科"})
    c.add_rel("PART_OF", k, p)
    c.add_rel("PART_OF", z, p)
    c.add_rel("LOCATED_IN", i, k)
    return c


def test_store_persists_in_sqlite_and_reloads(tmp_path):
    path = tmp_path / "graph.sqlite"
    s = SqliteStore(path)
    res = s.apply(_small())
    assert (res.nodes_created, res.rels_created) == (4, 3)
    with sqlite3.connect(path) as con:
        assert dict(con.execute("SELECT key, value FROM meta"))["format"] == "iekg-graph-sqlite"
        props = con.execute("SELECT props FROM nodes WHERE label = 'Institution'").fetchone()[0]
    assert json.loads(props) == {"id": "4141010475", "level": "本科", "name": "河南大学"}
    again = SqliteStore(path)
    assert again.snapshot() == s.snapshot()
    assert again.get("Institution:4141010475").props["name"] == "河南大学"


def test_apply_twice_changes_nothing(tmp_path):
    s = SqliteStore(tmp_path / "g.sqlite")
    s.apply(_small())
    before = graph_state(tmp_path / "g.sqlite")
    res = s.apply(_small())
    assert res.as_dict() == {"nodes_created": 0, "nodes_updated": 0, "rels_created": 0, "rels_updated": 0,
                             "rels_deleted": 0}
    assert graph_state(tmp_path / "g.sqlite") == before


def test_single_relationship_is_replaced(tmp_path):
    s = SqliteStore(tmp_path / "g.sqlite")
    s.apply(_small())
    c = ChangeSet()
    c.add_node("Institution", "4141010475", {"name": "河南大学"})
    c.add_rel("LOCATED_IN", "Institution:4141010475", "City:410100")
    res = s.apply(c)
    assert res.rels_deleted == 1
    cities = [n.id for _, n in s.neighbours("Institution:4141010475", ["LOCATED_IN"], "out")]
    assert cities == ["410100"]


def test_failed_apply_leaves_graph_and_file_unchanged(tmp_path):
    path = tmp_path / "g.sqlite"
    s = SqliteStore(path)
    s.apply(_small())
    before_snap, before_bytes = s.snapshot(), graph_state(path)
    bad = ChangeSet()
    bad.add_node("Institution", "4141099999", {"name": "X"})
    dangling = Rel("LOCATED_IN", "Institution:4141099999", "City:999999", {})  # the validator never lets this by
    bad.rels[dangling.key] = dangling
    with pytest.raises(KeyError):
        s.apply(bad)
    assert s.snapshot() == before_snap
    assert graph_state(path) == before_bytes
    assert s.get("Institution:4141099999") is None


def test_fresh_apply_replaces_everything(tmp_path):
    s = SqliteStore(tmp_path / "g.sqlite")
    s.apply(_small())
    c = ChangeSet()
    c.add_node("Province", "410000", {"name": "河南省"})
    s.apply(c, fresh=True)
    assert s.counts() == ({"Province": 1}, {})


def test_reads_neighbours_search_frames():
    s = SqliteStore()
    s.apply(_small())
    nb = s.neighbours("City:410200", direction="in")
    assert [(r.type, n.uid) for r, n in nb] == [("LOCATED_IN", "Institution:4141010475")]
    assert [n.uid for n in s.search("开封")] == ["City:410200"]
    assert [n.uid for n in s.search("410100")] == ["City:410100"]
    assert s.search("河南", labels=["Institution"])[0].uid == "Institution:4141010475"
    f = s.rel_frame("PART_OF", src_label="City")
    assert sorted(f["src"]) == ["410100", "410200"] and set(f["dst"]) == {"410000"}
    nf = s.node_frame("City", ["name"])
    assert dict(zip(nf["id"], nf["name"], strict=True)) == {"410200": "开封市", "410100": "郑州市"}
    assert s.counts() == ({"City": 2, "Institution": 1, "Province": 1}, {"LOCATED_IN": 1, "PART_OF": 2})
