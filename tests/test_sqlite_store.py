"""The embedded SQLite store on its own: the SQL sums equal the pandas reference versions, values keep their
types, the import audit trail and node deletion ride in the import's transaction, memoised results follow
other processes' writes, and a broken, foreign, read-only or locked database file gives a clear message,
exit code 1 and no change."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import demo_copy, graph_state

from iekg import cli
from iekg.graph import sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Rel, StoreError
from iekg.queries import facts as qfacts
from iekg.queries import scope as qscope
from iekg.queries import supply as qsupply

IEKG = str(Path(sys.executable).with_name("iekg"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> SqliteStore:
    return SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("demo")) / "graph.sqlite")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in df.to_dict("records"):
        out.append({k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else
                        (round(float(v), 9) if isinstance(v, (int, float)) and not isinstance(v, bool) else v))
                    for k, v in r.items()})
    return out


def test_sql_counts_equal_the_interfaces_reference(demo: SqliteStore) -> None:
    """The SQL versions of sources_with (one EXISTS per id) and source_kind_counts (one GROUP BY) give what
    the interface's own versions compute from rel_frame / node_frame."""
    from iekg.graph.store import Store

    insts = sorted(demo.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City")["src"])
    for where in ({"year": 2024}, {"year": 2023}, {"year": 1999}, {"year": [2023, 2024]}, None):
        got = demo.sources_with("OFFERS", "Institution", insts, where=where)
        assert got == Store.sources_with(demo, "OFFERS", "Institution", insts, where=where)
        assert (got == set()) == (where == {"year": 1999})
    assert demo.sources_with("OFFERS", "Institution", [], where={"year": 2024}) == set()
    assert demo.sources_with("LOCATED_IN", "Enterprise", ["no-such-id"]) == set()
    assert demo.source_kind_counts() == Store.source_kind_counts(demo)
    cities = sorted(n.id for n in demo.nodes("City"))
    for cs in (cities, ["410200"], ["419001", "410100"], ["999999"]):  # (999999: no such city)
        assert demo.offer_year_list(cs) == Store.offer_year_list(demo, cs) == list(demo.offer_years(cs).index)
    assert len(demo.offer_year_list(cities)) >= 2
    assert sum(demo.source_kind_counts().values()) == sum(demo.counts()[0].values())


def test_weights_cut_from_all_equal_the_weights_read_for_those_majors(demo: SqliteStore) -> None:
    majors = sorted(n.id for n in demo.nodes("Major"))
    for sub in (majors[:5], majors[100:400], majors, ["no-such-major", *majors[::7]], []):
        got, want = qsupply.Weights.of(demo, sub).frame, qsupply.Weights.load(demo, sub).frame
        assert records(got) == records(want), len(sub)
    assert len(qsupply.Weights.of(demo, majors[100:400]).frame) > 300


def test_sql_sums_equal_the_pandas_reference(demo: SqliteStore) -> None:
    cities = sorted(n.id for n in demo.nodes("City"))
    for cs, year in ((["410200"], 2024), (["410200", "410100", "419001"], 2023), (cities, 2024), (["410200"], 1999)):
        assert records(demo.offer_sums(cs, year)) == records(sums.offer_sums(demo, cs, year))
        assert records(demo.demand_sums(cs, year)) == records(sums.demand_sums(demo, cs, year))
        aligned = qfacts.ScopeSums.gather(demo, qscope.Scope(tuple(cs), year)).aligned
        got = demo.cooperation_counts(cs, year, aligned)
        assert records(got) == records(sums.cooperation_counts(demo, cs, year, aligned))
    assert demo.offer_sums(["410200"], 2024)["programs"].sum() > 0
    assert demo.offer_years(cities).to_dict() == sums.offer_years(demo, cities).to_dict() != {}
    for label, props in (("Enterprise", ["employees", "iei_level"]), ("Institution", []), ("TrainingBase", ["level"])):
        assert records(demo.located_sums(label, cities, props)) == records(sums.located_sums(demo, label, cities, props))
    w = qfacts.ScopeSums.gather(demo, qscope.Scope(tuple(cities), 2024)).weights.frame
    pairs = {c: list(zip(g["major"], g["weight"], strict=True)) for c, g in w.groupby("industry") if c in ("36", "65")}
    pairs["zero"] = [("460701", 0.0), ("460702", 0.5)]
    for cs, limit in ((cities, 20), (["410200"], 3)):
        got = demo.top_offers(cs, 2024, pairs, qsupply.DURATION, limit)
        assert records(got) == records(sums.top_offers(demo, cs, 2024, pairs, qsupply.DURATION, limit)) and len(got)


def test_values_keep_their_types_and_extra_columns(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "g.sqlite")
    c = ChangeSet()
    i = c.add_node("Institution", "1", {"name": "甲", "aliases": ["甲校", "A"], "备注 (x)": "黄河路", "n": 1.5})
    m = c.add_node("Major", "460701", {"name": "汽车", "level": "高职专科"})
    c.add_rel("OFFERS", i, m, {"year": 2024, "graduates": 10, "leading": True, "employment_rate": 0.9,
                               "group": "g", "nan": float("nan")})
    s.apply(c)
    n = SqliteStore(tmp_path / "g.sqlite").get(i)
    assert n is not None and n.props == {"aliases": ["甲校", "A"], "id": "1", "n": 1.5, "name": "甲", "备注 (x)": "黄河路"}
    assert list(n.props) == sorted(n.props)
    f = s.rel_frame("OFFERS", ["year", "leading", "graduates", "group", "missing"], where={"leading": True})
    assert f.to_dict("records") == [{"src": "1", "dst": "460701", "year": 2024, "leading": True, "graduates": 10,
                                     "group": "g", "missing": None}]
    assert s.rel_frame("OFFERS", where={"year": 2023}).empty and len(s.rel_frame("OFFERS", where={"year": [2024]})) == 1
    assert s.node_frame("Institution", ["aliases", "备注 (x)"])["aliases"].tolist() == [["甲校", "A"]]
    assert "nan" not in s.neighbours(i)[0][0].props  # NaN is no value (as on Neo4j)
    assert s.rel_max("OFFERS", "graduates") == 10.0 and s.rel_max("OFFERS", "group") is None
    assert [x.uid for x in s.search("甲校")] == [i] and s.search('"') == []


def test_audit_entry_and_delete_nodes_ride_in_the_same_transaction(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "g.sqlite")
    c = ChangeSet()
    city = c.add_node("City", "410200", {"name": "开封市"})
    p1 = c.add_node("Problem", "410200-1", {"problem": "甲"})
    p2 = c.add_node("Problem", "410200-2", {"problem": "乙"})
    c.add_rel("RAISES", city, p1)
    c.add_rel("RAISES", city, p2)
    files = [{"name": "problems.csv", "size": 10, "sha256": "ab" * 32}]
    res = s.apply(c, audit={"at": "2026-12-04T10:00:00+00:00", "who": "张三", "via": "cli", "files": files})
    assert res.nodes_created == 3
    d = ChangeSet()
    d.delete_nodes = {p1}  # type: ignore[attr-defined]
    res2 = s.apply(d, audit={"at": "2026-12-04T10:05:00+00:00", "who": "api", "via": "api", "files": []})
    assert res2.rels_deleted == 1 and s.get(p1) is None and s.get(p2) is not None
    assert s.counts() == ({"City": 1, "Problem": 1}, {"RAISES": 1})
    # a failing import writes no audit entry either
    bad = ChangeSet()
    dangling = Rel("RAISES", city, "Problem:nowhere", {})
    bad.rels[dangling.key] = dangling
    with pytest.raises(KeyError):
        s.apply(bad, audit={"at": "2026-12-04T10:06:00+00:00", "who": "x", "via": "cli", "files": []})
    hist = SqliteStore(tmp_path / "g.sqlite").import_history()
    assert [h["via"] for h in hist] == ["api", "cli"] and hist[0]["id"] > hist[1]["id"]
    assert hist[1] == {"id": hist[1]["id"], "at": "2026-12-04T10:00:00+00:00", "who": "张三", "via": "cli",
                       "files": files, "changes": res.as_dict()}
    assert hist[0]["changes"]["rels_deleted"] == 1
    assert s.import_history(limit=1) == hist[:1]


def test_memo_follows_another_process_write(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    a = SqliteStore(path)
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    a.apply(c)
    assert a.memo(("cities",), lambda: len(a.nodes("City"))) == 1
    code = ("from iekg.graph.sqlitestore import SqliteStore; from iekg.graph.store import ChangeSet; "
            f"s = SqliteStore({str(path)!r}); c = ChangeSet(); c.add_node('City', '410100', {{'name': '郑州市'}}); "
            "s.apply(c)")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert a.memo(("cities",), lambda: len(a.nodes("City"))) == 2


def test_fresh_apply_is_all_or_nothing(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "g.sqlite")
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    s.apply(c)
    before = graph_state(tmp_path / "g.sqlite")
    bad = ChangeSet()
    bad.add_node("Province", "410000", {"name": "河南省"})
    dangling = Rel("PART_OF", "City:999999", "Province:410000", {})
    bad.rels[dangling.key] = dangling
    with pytest.raises(KeyError):
        s.apply(bad, fresh=True)
    assert graph_state(tmp_path / "g.sqlite") == before


def test_an_in_memory_store_is_private() -> None:
    a, b = SqliteStore(), SqliteStore(":memory:")
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    a.apply(c)
    assert a.counts()[0] == {"City": 1} and b.counts() == ({}, {})


# ------------------------------------------------------------------------------ bad database files
def _iekg(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([IEKG, "--home", str(home), *args], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "IEKG_STORE": "sqlite", "COLUMNS": "400", **(env or {})})
    r.stderr = " ".join(r.stderr.split())  # the console wraps long messages
    return r


def _problems(tmp_path: Path) -> Path:
    p = tmp_path / "in" / "problems.csv"
    p.parent.mkdir(exist_ok=True)
    p.write_text("city_code,seq,problem,deadline\n410200,91,测试问题,2026年12月\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("content, words", [
    (b"this is not a database at all\n" * 100, "not a readable SQLite database"),
    (b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 500, "not a readable SQLite database"),
])
def test_corrupt_database_file(tmp_path: Path, content: bytes, words: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "graph.sqlite"
    db.write_bytes(content)
    for args in (["info"], ["import", str(_problems(tmp_path))], ["align", "--city", "410200"]):
        r = _iekg(home, *args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert words in r.stderr and "graph.sqlite" in r.stderr and "iekg build" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    assert db.read_bytes() == content and sorted(p.name for p in home.iterdir()) == ["graph.sqlite"]


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "graph.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO customers (name) VALUES ('甲')")
    con.close()
    before = db.read_bytes()
    for args in (["info"], ["import", str(_problems(tmp_path))]):
        r = _iekg(home, *args)
        assert r.returncode == 1 and "another program" in r.stderr and "customers" in r.stderr, r.stderr
    assert db.read_bytes() == before


def test_locked_database_waits_then_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    s = SqliteStore(home / "graph.sqlite")
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    s.apply(c)
    before = graph_state(home / "graph.sqlite")
    holder = sqlite3.connect(home / "graph.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its import
    try:
        r = _iekg(home, "import", str(_problems(tmp_path)), env={"IEKG_WRITE_WAIT": "1"})
        assert r.returncode == 1, r.stdout + r.stderr
        assert "another import is writing" in r.stderr and "IEKG_WRITE_WAIT" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert _iekg(home, "info").returncode == 0  # readers are not blocked by the writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert graph_state(home / "graph.sqlite") == before
    r = _iekg(home, "import", str(_problems(tmp_path)))  # once the other writer is done, the import lands
    assert r.returncode == 0, r.stdout + r.stderr
    assert SqliteStore(home / "graph.sqlite").get("Problem:410200-91") is not None


def test_read_only_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    db = home / "graph.sqlite"
    s = SqliteStore(db)
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    s.apply(c)
    s.close()
    before = graph_state(db)
    real = os.access

    def access(path: Any, mode: int, *a: Any, **kw: Any) -> bool:  # root ignores chmod: the check says read-only
        if Path(path) == db and mode & os.W_OK:
            return False
        return real(path, mode, *a, **kw)

    os.chmod(db, 0o444)
    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(sys, "argv", ["iekg", "--home", str(home), "import", str(_problems(tmp_path))])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    msg = "".join(capsys.readouterr().err.split())  # the terminal wraps long words (a long tmp path) anywhere
    assert "read-only" in msg and "graph.sqlite" in msg and "chmod" in msg, msg
    with pytest.raises(StoreError, match="read-only"):
        SqliteStore(db).apply(c)
    monkeypatch.undo()
    os.chmod(db, 0o644)
    assert graph_state(db) == before


def test_a_new_graph_database_uses_the_stores_page_size_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    from iekg.graph.sqlitestore import PAGE_SIZE

    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    new = tmp_path / "new" / "graph.sqlite"
    SqliteStore(new).apply(c)
    old = tmp_path / "old.sqlite"
    con = sqlite3.connect(old)
    con.execute("PRAGMA page_size = 4096")
    con.execute("VACUUM")  # an empty database of the first versions, written with SQLite's default pages
    con.close()
    SqliteStore(old).apply(c)
    sizes = [sqlite3.connect(p).execute("PRAGMA page_size").fetchone()[0] for p in (new, old)]
    assert sizes == [PAGE_SIZE, 4096] and PAGE_SIZE != 4096


def test_a_filter_equal_to_none_matches_nothing_and_keeps_the_other_filters(demo: SqliteStore) -> None:
    """``where={prop: None}`` is never true (as in pandas and Cypher), for a typed column and a JSON property alike;
    the JSON property's path parameter was once added for a condition that takes none, and every statement with
    another filter after it failed ("Incorrect number of bindings")."""
    coops = demo.rel_frame("COOPERATES_WITH", ["status", "type"])
    status = str(coops["status"].dropna().iloc[0])
    ty = str(coops.loc[coops["status"] == status, "type"].dropna().iloc[0])
    want = len(coops[(coops["status"] == status) & (coops["type"] == ty)])
    assert want > 0
    assert len(demo.rel_frame("COOPERATES_WITH", where={"status": status, "type": ty})) == want
    for where in ({"status": None}, {"status": None, "type": ty}, {"type": ty, "status": None},
                  {"year": None, "type": ty}):
        assert demo.rel_frame("COOPERATES_WITH", ["status"], where=where).empty, where
        assert demo.sources_with("COOPERATES_WITH", "Institution", list(coops["src"].unique()), where=where) == set()


def test_an_import_finds_updates_and_replaces_its_relationships_at_once(tmp_path: Path) -> None:
    """An import's relationships are looked up with one statement (not one each), and the pairs it replaces too:
    created, changed, unchanged and replaced counted as before, and two of one change set that share a key (held
    under two names) give one relationship, the later one's properties."""
    s = SqliteStore(tmp_path / "g.sqlite")
    c = ChangeSet()
    city = c.add_node("City", "410200", {"name": "开封市"})
    ps = [c.add_node("Problem", f"410200-{i}", {"problem": str(i)}) for i in range(4)]
    for p in ps[:3]:
        c.add_rel("RAISES", city, p, {"note": "a"})
    assert s.apply(c).rels_created == 3
    d = ChangeSet()
    d.add_rel("RAISES", city, ps[0], {"note": "a"})  # unchanged
    d.add_rel("RAISES", city, ps[1], {"note": "b"})  # changed
    d.add_rel("RAISES", city, ps[3], {"note": "c"})  # new
    twin = Rel("RAISES", city, ps[3], {"note": "d"})  # the same key again, later: it stays
    d.rels["another name"] = twin
    d.replace = {(city, "RAISES")}  # ps[2]'s relationship is not in d: deleted
    res = s.apply(d)
    assert (res.rels_created, res.rels_updated, res.rels_deleted) == (1, 2, 1)
    got = {o.uid: r.props.get("note") for r, o in s.neighbours(city, ["RAISES"], "out")}
    assert got == {ps[0]: "a", ps[1]: "b", ps[3]: "d"}
    assert s.counts()[1] == {"RAISES": 3}
