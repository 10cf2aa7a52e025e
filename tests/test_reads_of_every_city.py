"""Issue 20: what ``compare`` and ``readiness --all`` read once for every city — each city's years with programs
and their thin-year counts (Store.offer_year_counts_each, from the kept sums on both stores; the data coverage of
each city built from it equal to the city's own) and the nodes located in the cities with their properties
(Store.located_nodes: the readiness metrics' frames) — with the numbers of the reads city by city.  Exact numbers
on the worked example."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.queries.coverage import data_coverage, years_each
from iekg.queries.scope import Scope
from iekg.queries.supply import program_years

WORKED = Path(__file__).parent / "fixtures" / "worked_example"


def _load(target: Store, tmp_path: Path) -> None:
    """The worked example with two institutions in 410200 (programs in 2022, 2023 and 2024) and one in 410300
    (programs in 2024 only)."""
    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    with open(d / "cities.csv", "a", encoding="utf-8") as fh:
        fh.write("410300,洛阳市\n")
    (d / "institutions.csv").write_text(
        "学校标识码,学校名称,所在城市代码,办学层次\n4141099999,测试职业学院,410200,高职专科\n"
        "4141099998,第二测试学院,410200,高职专科\n4141099997,第三测试学院,410300,高职专科\n", encoding="utf-8")
    (d / "programs.csv").write_text(
        "学校标识码,专业代码,年份,在校生数,毕业生数\n4141099999,460101,2024,,300\n4141099999,460201,2024,,200\n"
        "4141099998,460101,2024,,100\n4141099999,460101,2023,,250\n4141099999,460101,2022,,240\n"
        "4141099998,460201,2022,,90\n4141099998,460301,2022,,80\n4141099997,460101,2024,,60\n", encoding="utf-8")
    report = Report()
    load(target, read_paths([d], report), report)
    assert report.ok, report.as_dict()


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore()
    _load(s, tmp_path)
    return s


def _rows(store: Store, cities: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.offer_year_counts_each(cities).itertuples(index=False, name=None)]


EXPECTED = [("410200", 2022, 3, 2), ("410200", 2023, 1, 1), ("410200", 2024, 3, 2), ("410300", 2024, 1, 1)]


def test_year_counts_of_every_city_in_one_read(store: SqliteStore) -> None:
    assert store.sums_ready()  # read from the kept sums
    assert _rows(store, ["410300", "410200", "999999"]) == EXPECTED
    assert [tuple(r) for r in Store.offer_year_counts_each(store, ["410200", "410300"]).itertuples(
        index=False, name=None)] == EXPECTED  # the default, city by city: the same
    assert list(store.offer_year_counts_each(["999999"]).columns) == ["city", "year", "programs", "institutions"]
    assert store.offer_year_counts_each(["999999"]).empty


def test_each_citys_coverage_from_the_read_of_all_is_its_own(store: SqliteStore) -> None:
    own = {}
    for c, y in (("410200", 2023), ("410300", 2024)):
        store.forget()
        own[c] = data_coverage(store, Scope((c,), y), y)
    store.forget()
    years_each(store, ["410200", "410300"], {"410200": 2023, "410300": 2024})
    assert program_years(store, ["410200"]) == [2022, 2023, 2024]
    for c, y in (("410200", 2023), ("410300", 2024)):
        assert data_coverage(store, Scope((c,), y), y) == own[c]
    # 2023 beside its neighbours 2022 and 2024 (3 programs at 2 institutions each): 1 at 1, not below half of them
    assert [(r["year"], r["programs"], r["institutions"]) for r in own["410200"]["years"]["counts"]] == [
        (2022, 3, 2), (2023, 1, 1), (2024, 3, 2)]
    assert (own["410200"]["years"]["partial"], own["410200"]["years"]["thin"]) == (False, [])
    assert [(r["year"], r["programs"]) for r in own["410300"]["years"]["counts"]] == [(2024, 1)]


LOCATED = [("4141099997", "高职专科", "410300"), ("4141099998", "高职专科", "410200"),
           ("4141099999", "高职专科", "410200")]


def test_located_nodes_with_their_properties(store: SqliteStore) -> None:
    got = store.located_nodes("Institution", ["410300", "410200", "999999"], ["level", "no_such"])
    rows = sorted(tuple(r) for r in got[["id", "level", "city"]].itertuples(index=False, name=None))
    assert rows == LOCATED
    assert list(got.columns) == ["id", "level", "no_such", "city"] and got["no_such"].isna().all()
    default = Store.located_nodes(store, "Institution", ["410300", "410200"], ["level", "no_such"])
    assert default.sort_values("id").reset_index(drop=True).equals(got.sort_values("id").reset_index(drop=True))
    assert sorted(store.located_nodes("Institution", ["410200"])["id"]) == ["4141099998", "4141099999"]
    assert store.located_nodes("Enterprise", ["410200"], ["iei_level"]).empty


def test_neo4j_reads_as_the_embedded_store(store: SqliteStore, neo4j_server: Any, tmp_path: Path) -> None:
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    neo = Neo4jStore(driver)
    try:
        neo.clear()
        _load(neo, tmp_path / "neo")
        assert neo.sums_ready()
        assert _rows(neo, ["410300", "410200", "999999"]) == EXPECTED
        assert neo.offer_year_counts_each(["999999"]).empty
        got = neo.located_nodes("Institution", ["410300", "410200", "999999"], ["level", "no_such"])
        assert sorted(tuple(r) for r in got[["id", "level", "city"]].itertuples(index=False, name=None)) == LOCATED
        assert list(got.columns) == ["id", "level", "no_such", "city"] and got["no_such"].isna().all()
    finally:
        neo.clear()
        driver.close()
