"""Issue 20: data coverage counts its programs per city × level (Store.offer_counts) and its institutions with
programs (Store.offering_institutions) from the kept sums, not from a row per major and one look-up per
institution — with the numbers of the full sums and of ``sources_with``.  Exact numbers on the worked example."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.queries.coverage import data_coverage
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import resolve_scope

WORKED = Path(__file__).parent / "fixtures" / "worked_example"


def _load(target: Store, tmp_path: Path) -> None:
    """The worked example with a second institution whose two programs have no volume (one no figure at all, one
    an enrolment of a 技工 school with a major without level: no duration), and a third one without programs."""
    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    (d / "institutions.csv").write_text(
        "学校标识码,学校名称,所在城市代码,办学层次\n4141099999,测试职业学院,410200,高职专科\n"
        "4141099998,第二测试学院,410200,技工\n4141099997,第三测试学院,410200,高职专科\n", encoding="utf-8")
    with open(d / "majors.csv", "a", encoding="utf-8") as fh:
        fh.write("460102,专业A2,4601,\n")
    (d / "programs.csv").write_text(
        "学校标识码,专业代码,年份,在校生数,毕业生数\n4141099999,460101,2024,,300\n4141099999,460201,2024,,200\n"
        "4141099999,460301,2024,120,\n4141099998,460101,2024,,\n4141099998,460102,2024,90,\n"
        "4141099999,460101,2023,,250\n", encoding="utf-8")
    report = Report()
    load(target, read_paths([d], report), report)
    assert report.ok, report.as_dict()


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore()
    _load(s, tmp_path)
    return s


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(None if v is None or v != v else v for v in r) for r in frame.itertuples(index=False, name=None)]


def test_offer_counts_are_the_offer_sums_counts_per_city_and_level(store: SqliteStore) -> None:
    got = store.offer_counts(["410200"], 2024)
    assert store.sums_ready()  # read from the kept sums
    rows = _rows(got)
    # (460102 has no level of its own: its 技工 school's is kept apart from the 高职专科 majors')
    assert rows == [("410200", "高职专科", "技工", 1, 0, 0), ("410200", "高职专科", "高职专科", 3, 2, 1),
                    ("410200", None, "技工", 1, 0, 1)]
    assert _rows(Store.offer_counts(store, ["410200"], 2024)) == rows  # the rule from offer_sums' rows per major
    assert store.offer_counts(["410200"], 2022).empty and store.offer_counts(["999999"], 2024).empty


def test_offering_institutions_are_those_sources_with_finds(store: SqliteStore) -> None:
    assert store.offering_institutions(["410200"], 2024) == {"4141099999", "4141099998"}
    assert store.offering_institutions(["410200"], 2023) == {"4141099999"}
    assert Store.offering_institutions(store, ["410200"], 2024) == {"4141099999", "4141099998"}
    assert store.offering_institutions(["410200"], 2022) == set()


@pytest.mark.parametrize("year", [None, 2023])
def test_coverage_from_the_counts_is_that_of_the_full_sums(store: SqliteStore, year: int | None) -> None:
    scope = resolve_scope(store, city="410200", year=year)
    store.forget()
    counted = data_coverage(store, scope, year)  # partners, who trains: ScopeSums.counts
    store.forget()
    full = data_coverage(store, scope, year, ScopeSums.gather(store, scope))  # the measures' sums
    assert counted == full
    if year is None:
        p, i = counted["programs"], counted["institutions"]
        assert (p["total"], p["with_graduates"], p["estimated"], p["without_figures"]) == (5, 2, 1, 2)
        assert [(x["institution"], x["major"], x["why"]) for x in p["without_figures_listed"]] == [
            ("4141099998", "460101", "no_figures"), ("4141099998", "460102", "enrollment_without_level")]
        assert (i["total"], i["with_programs"], i["without_programs"]) == (3, 2, ["4141099997"])



def test_neo4j_counts_as_the_embedded_store(store: SqliteStore, neo4j_server: Any, tmp_path: Path) -> None:
    """Neo4j's reads of its kept sum nodes give the embedded store's counts and data coverage."""
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    neo = Neo4jStore(driver)
    try:
        neo.clear()
        _load(neo, tmp_path / "neo")
        assert neo.sums_ready()
        for y in (2023, 2024):
            assert _rows(neo.offer_counts(["410200"], y)) == _rows(store.offer_counts(["410200"], y))
            assert neo.offering_institutions(["410200"], y) == store.offering_institutions(["410200"], y)
        assert _rows(neo.offer_counts(["410200"], 2024))[1] == ("410200", "高职专科", "高职专科", 3, 2, 1)
        for s in (store, neo):
            s.forget()
        scope = resolve_scope(store, city="410200")
        assert data_coverage(neo, scope, None) == data_coverage(store, scope, None)
    finally:
        neo.clear()
        driver.close()
