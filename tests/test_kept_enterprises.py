"""Issue 20 (national latency), the enterprises' located rows kept on the embedded store (sums layout 5):
``sum_ents`` (each enterprise's LOCATED_IN link with its staff and IEI level) and ``sum_ent_segs`` (each located
enterprise's chain-segment links with role and staff) answer ``located_nodes`` / ``located_sums`` of the enterprises
and the chain gaps' reads (``chain_enterprises``, ``chain_lonely_counts``) exactly as the statements over the
relationships and the nodes' JSON do — after random import sequences (staff and levels written as numbers, text,
JSON null or not at all, enterprises added, moved, deleted, their segments changed and deleted), and after
``reindex``.  Also: the reads use the kept rows (a row changed behind the store's back changes the answer); a graph
of layout 4 answers through the older statements, the same, until its next import; the programs of a few majors in
a year come from their own index (``rels_major_year``) with the rows the older statement gives; the kept statements
seek every table through an index.  Neo4j keeps each city's located enterprises with their staff and IEI level in one
node (``IekgEntCity``, sums version 7): the same reads give the rows its statements over the nodes give, after random
imports, with values of one type (packed) and of several (read from the nodes); a pack changed behind the store's back
is what Neo4j answers; a database of layout 6 reads the nodes until its next import.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sums_kept import CITIES, ENTS, SEGMENTS, base, chain_records, change, operation, seeded

from iekg.graph import sqlite_derived as derived
from iekg.graph import sqlite_sql as sql
from iekg.graph import sqlite_sums
from iekg.graph.sqlite_reads import OFFERS_OF_MAJORS_INDEXED
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.cooperation import inactive_words

# staff and IEI levels as an import may leave them: numbers, numeric text, a word, JSON null (a new enterprise
# below has no IEI level at all)
VALUES = (0, 120, 37.5, "85", "很多", None)
IEI_LEVELS = ("国家级", "省级", "市级", 3, None)

mine = st.one_of(
    st.tuples(st.just("staff value"), st.sampled_from(ENTS), st.sampled_from(VALUES)),
    st.tuples(st.just("iei"), st.sampled_from(ENTS), st.sampled_from(IEI_LEVELS)),
    # a location written again without replacing the old one (LOCATED_IN is single: the import moves it)
    st.tuples(st.just("also located"), st.sampled_from(ENTS), st.sampled_from(CITIES)),
    st.tuples(st.just("new enterprise"), st.sampled_from(("E4", "E5")), st.sampled_from(CITIES),
              st.sampled_from(SEGMENTS)),
)


def mine_change(op: tuple[Any, ...]) -> ChangeSet:
    cs = ChangeSet()
    kind, ent = op[0], op[1]
    if kind in ("staff value", "iei"):
        prop = "employees" if kind == "staff value" else "iei_level"
        cs.add_node("Enterprise", ent, {prop: op[2]})
    elif kind == "also located":
        cs.add_node("Enterprise", ent, {})
        cs.add_node("City", op[2], {})
        cs.add_rel("LOCATED_IN", f"Enterprise:{ent}", f"City:{op[2]}")
    else:
        cs.add_node("Enterprise", ent, {"name": f"企业{ent}", "employees": 10})
        cs.add_node("City", op[2], {})
        cs.add_node("ChainSegment", op[3], {})
        cs.add_rel("LOCATED_IN", f"Enterprise:{ent}", f"City:{op[2]}")
        cs.add_rel("IN_SEGMENT", f"Enterprise:{ent}", f"ChainSegment:{op[3]}", {"role": "配套"})
    return cs


def older(store: Any) -> Any:
    """The store reading as a graph of layout 4 does (the located rows and the counts not kept): its older
    statements."""
    if store.name == "neo4j":  # (the city packs of the located enterprises not read: the nodes are)
        store.ent_cities_ready = lambda: False
        return store
    store._kept_ents = lambda: False  # type: ignore[method-assign]  # (this store only)
    store._kept_counts = lambda: False  # type: ignore[method-assign]
    return store


def newer(store: Any) -> None:
    """Undo :func:`older`."""
    for name in ("ent_cities_ready", "_kept_ents", "_kept_counts"):
        store.__dict__.pop(name, None)


def frame_rows(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    """A frame's rows with their values' types, in its order (NaN as None: not equal to itself)."""
    return [tuple((type(v).__name__, None if v != v else v) for v in r) for r in f.itertuples(index=False)]


def assert_kept_enterprises_equal_rows(store: Any) -> None:
    """Every read the kept located rows answer gives the rows, values, types and order the older statements give
    (and the chain reads what the interface's default gives)."""
    assert store.ent_cities_ready() if store.name == "neo4j" else store._kept_ents() and store._kept_counts()
    words = sorted(inactive_words())
    scopes = [[CITIES[0]], [CITIES[1], CITIES[2]], list(CITIES), ["999999"]]
    reads: list[Any] = []
    for cs in scopes:
        for props in ((), ("employees",), ("iei_level",), ("employees", "iei_level")):
            reads.append(("nodes", cs, props, None))
            reads.append(("sums", cs, props, None))
        reads.append(("nodes", cs, ("iei_level",), {"iei_level": ["国家级", "省级", "3"]}))
        reads.append(("nodes", cs, ("employees", "iei_level"), {"iei_level": ["市级"]}))
    keys = [({"one": [CITIES[0]], "other": [CITIES[1]], "all": list(CITIES)},
             {"one": ["S1"], "other": list(SEGMENTS), "all": list(SEGMENTS)}),
            ({"pair": [CITIES[0], CITIES[1]], "none": ["999999"]}, {"pair": ["S2"], "none": ["S1"]})]

    def answers(s: Any) -> list[Any]:
        out: list[Any] = []
        for cs in scopes:  # the data coverage's counts (sum_counts, sum_city_years, sum_shared)
            out.append(frame_rows(s.offer_year_counts_each(cs)))
            for years in (None, [2023], [2024, 1999]):
                out.append(frame_rows(s.offer_year_counts(cs, years)))
            for y in (2023, 2024, 1999):
                out.append(frame_rows(s.offer_counts(cs, y)))
        for kind, cs, props, among in reads:
            if kind == "nodes":
                out.append(frame_rows(s.located_nodes("Enterprise", cs, props, among=among)))
            else:
                out.append(frame_rows(s.located_sums("Enterprise", cs, list(props))))
        for cities, segments in keys:
            for w in (words, []):
                out.append(frame_rows(s.chain_enterprises(cities, segments, w)))
                out.append(s.chain_lonely_counts(cities, segments, w))
        return out

    got = answers(store)
    try:
        want = answers(older(store))
    finally:
        newer(store)
    assert got == want
    for cities, segments in keys:  # and the chain reads as the interface's default reads the relationships
        for w in (words, []):
            assert chain_records(store.chain_enterprises(cities, segments, w)) == chain_records(
                Store.chain_enterprises(store, cities, segments, w))
            assert store.chain_lonely_counts(cities, segments, w) == Store.chain_lonely_counts(
                store, cities, segments, w)


def seeded_with_staff() -> ChangeSet:
    cs = seeded()
    for k, e in enumerate(ENTS):
        cs.add_node("Enterprise", e, {"name": f"企业{e}", "employees": VALUES[k], "iei_level": IEI_LEVELS[k]})
    return cs


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(operation, mine), min_size=1, max_size=8))
def test_kept_located_enterprises_equal_the_rows_after_random_imports(ops: list[tuple[Any, ...]]) -> None:
    store = SqliteStore()
    store.apply(seeded_with_staff(), fresh=True)
    imports_keep_them_equal(store, ops)


def imports_keep_them_equal(store: Any, ops: list[tuple[Any, ...]]) -> None:
    """The kept reads equal the older ones now, after each of ``ops`` imported, and after ``reindex``."""
    assert_kept_enterprises_equal_rows(store)
    for op in ops:
        store.apply(mine_change(op) if op[0] in ("staff value", "iei", "also located", "new enterprise")
                    else change(op))
        assert_kept_enterprises_equal_rows(store)
    store.reindex()
    assert_kept_enterprises_equal_rows(store)


def test_each_kind_of_change_moves_the_kept_rows() -> None:
    """Staff, level, a location written again, a move, a segment link, a deleted segment, city and enterprise: each
    reaches the kept rows (and the answer), in the import's own transaction."""
    store = SqliteStore()
    store.apply(seeded_with_staff(), fresh=True)
    steps = [("staff value", "E2", 300), ("iei", "E1", "市级"), ("also located", "E1", "410300"),
             ("move enterprise", "E2", "410300"), ("segment", "E3", "S2", "链主"), ("new enterprise", "E4", "410100", "S1"),
             ("delete", "ChainSegment:S1"), ("delete", "City:410300"), ("delete", "Enterprise:E3")]
    before = None
    for op in steps:
        store.apply(mine_change(op) if op[0] in ("staff value", "iei", "also located", "new enterprise")
                    else change(op))
        assert_kept_enterprises_equal_rows(store)
        now = store._rows("SELECT * FROM sum_ents ORDER BY 1, 2"), store._rows("SELECT * FROM sum_ent_segs ORDER BY 1, 2, 3")
        assert now != before, op  # (every step changes what is kept)
        before = now
    assert store._rows("SELECT count(*) FROM sum_dirty") == [(0,)]


def test_the_kept_located_rows_are_what_the_reads_use(tmp_path: Path) -> None:
    """Not the older statements compared with themselves: a kept row changed behind the store's back is what the
    reads answer (until ``reindex``); a graph of layout 4 (no such tables nor their triggers) answers through the
    older statements, the same answers, and its next import completes the tables."""
    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    store.apply(seeded_with_staff(), fresh=True)
    words = sorted(inactive_words())
    cities, segments = {"all": list(CITIES)}, {"all": list(SEGMENTS)}
    first = [frame_rows(store.located_nodes("Enterprise", list(CITIES), ["employees"])),
             frame_rows(store.located_sums("Enterprise", list(CITIES), ["employees"])),
             frame_rows(store.chain_enterprises(cities, segments, words))]
    assert store.located_sums("Enterprise", list(CITIES), ["employees"])["employees_sum"].sum() == 157.5
    con = sqlite3.connect(path)
    con.execute("UPDATE sum_ents SET employees = 7, employees_t = 'integer' WHERE enterprise = 'E1'")
    con.execute("UPDATE sum_ent_segs SET employees = 7, role = '改了' WHERE enterprise = 'E1'")
    con.commit()
    assert store.located_sums("Enterprise", list(CITIES), ["employees"])["employees_sum"].sum() == 164.5
    f = store.located_nodes("Enterprise", list(CITIES), ["employees"])
    assert f.loc[f["id"] == "E1", "employees"].tolist() == [7]
    ch = store.chain_enterprises(cities, segments, words)
    assert set(ch.loc[ch["enterprise"] == "E1", "role"]) == {"改了"}
    store.reindex()  # the rows decide again
    assert [frame_rows(store.located_nodes("Enterprise", list(CITIES), ["employees"])),
            frame_rows(store.located_sums("Enterprise", list(CITIES), ["employees"])),
            frame_rows(store.chain_enterprises(cities, segments, words))] == first
    # layout 4, as the iekg before it left a graph
    con.execute("DROP TABLE sum_ents")
    con.execute("DROP TABLE sum_ent_segs")
    for t in ("ents_rel_ins", "ents_rel_del", "ents_rel_upd", "ents_node_ins", "ents_node_del", "ents_node_upd"):
        con.execute(f"DROP TRIGGER {t}")
    con.execute("UPDATE meta SET value = 4 WHERE key = 'sums'")
    con.commit()
    assert store.sums_ready() and not store._kept_ents()
    assert [frame_rows(store.located_nodes("Enterprise", list(CITIES), ["employees"])),
            frame_rows(store.located_sums("Enterprise", list(CITIES), ["employees"])),
            frame_rows(store.chain_enterprises(cities, segments, words))] == first
    store.apply(mine_change(("staff value", "E2", 5)))  # the next import: all recomputed
    assert con.execute("SELECT value FROM meta WHERE key = 'sums'").fetchone()[0] == derived.SUMS_VERSION
    assert_kept_enterprises_equal_rows(store)
    store.apply(mine_change(("staff value", "E3", 9)))  # and the triggers it got keep them
    assert_kept_enterprises_equal_rows(store)
    assert con.execute("SELECT employees FROM sum_ents WHERE enterprise = 'E3'").fetchall() == [(9,)]
    con.close()
    store.close()


def test_a_few_majors_programs_come_from_their_index(tmp_path: Path) -> None:
    """``rel_frame`` of OFFERS with majors and a year reads ``rels_major_year`` where the graph has it: the rows,
    types and order of the older statement (a graph without the index); the index comes with the next import."""
    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    cs = base()
    for i, inst in enumerate(("I1", "I2", "I3", "I4")):
        for y in (2023, 2024):
            cs.add_rel("OFFERS", f"Institution:{inst}", "Major:M1", {"year": y, "graduates": 10 + i, "enrollment": 40})
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:M{2 + i % 2}", {"year": y, "enrollment": 37.5 + i})
    store.apply(cs, fresh=True)

    def reads() -> list[Any]:
        return [frame_rows(store.rel_frame("OFFERS", props, "Institution", "Major", dst_ids=majors, where={"year": y}))
                for props in (["year", "graduates", "enrollment"], ["employment_rate"], [])
                for majors in (["M1", "M3"], ["M2"], ["M9"]) for y in (2023, 2024, 1999)]

    got = reads()
    with store._use() as con:
        assert con.execute(sql.HAS_MAJOR_YEAR_INDEX).fetchall() == [(1,)]
        con.execute("DROP INDEX rels_major_year")
    assert reads() == got
    assert any(r[0] for r in got)  # (some reads have rows)
    store.apply(change(("offers", [("I1", "M2", 2024, 3, None, None, None)])))  # the next import makes it
    with store._use() as con:
        assert con.execute(sql.HAS_MAJOR_YEAR_INDEX).fetchall() == [(1,)]
    store.close()


def _plan(store: SqliteStore, text: str, params: Any) -> list[str]:
    with store._use() as con:
        con.execute("ANALYZE")
        return [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + text, params)]


@pytest.mark.parametrize("name", ["located nodes", "located values", "located sums", "chain rows", "chain counts",
                                  "majors' programs"])
def test_the_kept_statements_read_through_indexes(name: str) -> None:
    """Every read of a table of the graph in these statements is a SEARCH through an index (the only SCANs are of
    the statements' own inputs and intermediate results)."""
    store = SqliteStore()
    cs = seeded_with_staff()
    for n in range(60):
        city, ent = f"41{n:04d}", f"X{n}"
        cs.add_node("City", city, {"name": city})
        cs.add_node("Enterprise", ent, {"name": ent, "employees": n})
        cs.add_rel("LOCATED_IN", f"Enterprise:{ent}", f"City:{city}")
        cs.add_rel("IN_SEGMENT", f"Enterprise:{ent}", f"ChainSegment:{SEGMENTS[n % 2]}", {"role": "配套"})
        cs.add_rel("OFFERS", "Institution:I1", f"Major:{ent}", {"year": 2024, "graduates": n})
        cs.add_node("Major", ent, {"name": ent})
    store.apply(cs, fresh=True)
    chain = {"cities": '[["k", "410100"], ["k", "410200"]]', "segments": '[["k", "S1"]]', "inactive": '["已结束"]'}
    text, params, own, index = {
        "located nodes": (sqlite_sums._ENTS_IDS.format(among=sqlite_sums._ENTS_NODES_AMONG.format(prop="iei_level")),
                          {"cities": '["410100"]', "among_iei_level": '["省级"]'}, set(), "sum_ents_at"),
        "located values": (sqlite_sums._ENTS_VALUES.format(
            columns="s.employees", among=sqlite_sums._ENTS_NODES_AMONG.format(prop="iei_level")),
                           {"cities": '["410100"]', "among_iei_level": '["省级"]'}, set(), "sum_ents_at"),
        "located sums": (sqlite_sums._ENTS_SUMS.format(columns=sqlite_sums._ENTS_SUM_COLUMN.format(prop="employees")),
                         {"cities": '["410100"]'}, {"c"}, "sum_ents_at"),
        "chain rows": (sqlite_sums._CHAIN_ENTERPRISES_LINKS, chain, {"kc", "ks", "i", "w", "d"}, "sum_ent_segs_at"),
        "chain counts": (sqlite_sums._CHAIN_LONELY_LINKS, chain, {"kc", "ks", "i", "w"}, "sum_ent_segs_at"),
        "majors' programs": (OFFERS_OF_MAJORS_INDEXED.format(columns=", r.graduates"), ['["X1", "X2"]', 2024], set(),
                             "rels_major_year"),
    }[name]
    plan = _plan(store, text, params)
    scans = [p for p in plan if p.startswith("SCAN ") and "VIRTUAL TABLE" not in p and p.split()[1] not in own]
    assert not scans, plan
    searches = [p for p in plan if p.startswith("SEARCH ")]
    assert searches and all(" INDEX " in p or "PRIMARY KEY" in p for p in searches), plan
    assert any(index in p for p in searches), plan


def test_an_institution_in_two_cities_counts_once_in_a_scope_of_both(tmp_path: Path) -> None:
    """The kept counts per city × year count an institution located in two of a scope's cities once per year, as
    count(DISTINCT) over its kept programs does (``sum_shared``); and not any more once it is in one city."""
    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    store.apply(seeded_with_staff(), fresh=True)
    con = sqlite3.connect(path)  # a second location beside its own (an import would move it: LOCATED_IN is single)
    con.execute("INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props) VALUES ('LOCATED_IN', "
                "'Institution', 'I1', 'City', '410200', '', '{}')")
    con.commit()
    store.apply(change(("offers", [("I2", "M1", 2024, 4, None, None, None)])))  # the marks it left: recomputed
    assert con.execute("SELECT institution FROM sum_shared").fetchall() == [("I1",)]
    assert_kept_enterprises_equal_rows(store)
    both = store.offer_year_counts([CITIES[0], CITIES[1]], [2024])
    alone = [store.offer_year_counts([c], [2024])["institutions"].sum() for c in CITIES[:2]]
    assert int(both["institutions"].iloc[0]) == sum(alone) - 1  # (I1 in both cities, once)
    con.execute("DELETE FROM rels WHERE type = 'LOCATED_IN' AND src_id = 'I1' AND dst_id = '410200'")
    con.commit()
    store.apply(change(("offers", [("I2", "M1", 2024, 5, None, None, None)])))
    assert con.execute("SELECT count(*) FROM sum_shared").fetchone()[0] == 0
    assert_kept_enterprises_equal_rows(store)
    con.close()
    store.close()


# ------------------------------------------------------------------------------------------ Neo4j (IekgEntCity)
@pytest.fixture(scope="module")
def neo(neo4j_server: Any):  # type: ignore[no-untyped-def]
    from conftest import clean_neo4j_store

    with clean_neo4j_store(neo4j_server) as store:
        yield store


def seeded_of_one_type() -> ChangeSet:
    """:func:`seeded_with_staff` with each property's values of one type (staff integers, levels text), so that
    Neo4j can pack every city."""
    cs = seeded()
    for k, e in enumerate(ENTS):
        cs.add_node("Enterprise", e, {"name": f"企业{e}", "employees": (0, 120, 85)[k], "iei_level": IEI_LEVELS[k]})
    return cs


def ent_city_packs(store: Any) -> dict[str, bool]:
    from iekg.graph import neo4j_sums

    return {r["c"]: r["p"] for r in store._read(f"MATCH (p:{neo4j_sums.ENT_CITY}) RETURN p.city AS c, p.packed AS p")}


@pytest.mark.neo4j
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.one_of(operation, mine), min_size=1, max_size=6))
def test_neo4j_kept_located_enterprises_equal_the_nodes_after_random_imports(neo: Any,
                                                                            ops: list[tuple[Any, ...]]) -> None:
    neo.apply(seeded_of_one_type(), fresh=True)
    assert ent_city_packs(neo) == {CITIES[0]: True, CITIES[1]: True}  # (E1 and E3 in the first, E2 in the second)
    imports_keep_them_equal(neo, ops)


@pytest.mark.neo4j
def test_neo4j_city_packs_are_what_it_answers(neo: Any) -> None:
    """The exact figures, from the packs: a pack changed behind the store's back is the answer; values of two types
    in a city leave it unpacked (read from the nodes, the same answer); each kind of change repacks; a database of
    layout 6 reads the nodes until its next import."""
    from iekg.graph import neo4j_sums

    neo.apply(seeded_of_one_type(), fresh=True)
    sums = neo.located_sums("Enterprise", list(CITIES), ["employees", "iei_level"])
    assert sums["employees_sum"].sum() == 205.0 and sums["nodes"].sum() == 3 and sums["iei_level_n"].sum() == 3
    first = frame_rows(sums)
    nodes = neo.located_nodes("Enterprise", list(CITIES), ["iei_level"], among={"iei_level": ["国家级", "省级"]})
    assert sorted(nodes["id"]) == ["E1", "E2"]
    neo._write(f"MATCH (p:{neo4j_sums.ENT_CITY}) SET p.emp_val = [x IN p.emp_val | x + 1]")
    neo.forget()
    assert neo.located_sums("Enterprise", list(CITIES), ["employees"])["employees_sum"].sum() == 208.0
    neo.reindex()  # the nodes decide again
    assert frame_rows(neo.located_sums("Enterprise", list(CITIES), ["employees", "iei_level"])) == first
    # staff as text in the city of E1 beside a number there: that city is read from its nodes
    cs = ChangeSet()
    cs.add_node("Enterprise", "E4", {"name": "企业E4", "employees": "很多"})
    cs.add_rel("LOCATED_IN", "Enterprise:E4", f"City:{CITIES[0]}")
    neo.apply(cs)
    packed = ent_city_packs(neo)
    assert packed[CITIES[0]] is False and packed[CITIES[1]] is True
    assert_kept_enterprises_equal_rows(neo)
    assert neo.located_sums("Enterprise", [CITIES[0]], ["employees"])[["nodes", "employees_n"]].values.tolist() == [[3, 3]]
    for op in [("staff value", "E4", 5), ("iei", "E2", "市级"), ("move enterprise", "E2", CITIES[2]),
               ("delete", "Enterprise:E3")]:
        before = sorted((r["c"], r["ids"], r["e"], r["i"]) for r in neo._read(
            f"MATCH (p:{neo4j_sums.ENT_CITY}) RETURN p.city AS c, p.ids AS ids, p.emp_val AS e, p.iei_val AS i"))
        neo.apply(mine_change(op) if op[0] in ("staff value", "iei") else change(op))
        assert all(ent_city_packs(neo).values())
        assert_kept_enterprises_equal_rows(neo)
        after = sorted((r["c"], r["ids"], r["e"], r["i"]) for r in neo._read(
            f"MATCH (p:{neo4j_sums.ENT_CITY}) RETURN p.city AS c, p.ids AS ids, p.emp_val AS e, p.iei_val AS i"))
        assert after != before, op
    # layout 6, as the iekg before it left a database: the nodes are read, the same answers; the next import packs
    want = frame_rows(neo.located_sums("Enterprise", list(CITIES), ["employees", "iei_level"]))
    neo._write(f"MATCH (p:{neo4j_sums.ENT_CITY}) DETACH DELETE p")
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 6")
    neo.forget()
    assert neo.sums_ready() and neo.ent_packs_ready() and not neo.ent_cities_ready()
    assert frame_rows(neo.located_sums("Enterprise", list(CITIES), ["employees", "iei_level"])) == want
    neo.apply(mine_change(("staff value", "E1", 7)))
    assert neo.ent_cities_ready() and set(ent_city_packs(neo)) == {CITIES[0], CITIES[2]}
    assert_kept_enterprises_equal_rows(neo)
