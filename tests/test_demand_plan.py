"""The ``demand_plan`` import table (issue 23): the planner's own demand for a target year, stored as PLANS_DEMAND
with its source, never summed with the observed demand, checked like every table (all errors at once, nothing
changed on error), in the import template, and the same on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_plan_target import DATA, load

from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import ImportFailed, Report
from iekg.loaders.tables import TABLES
from iekg.loaders.template import write_template

PROPS = ["year", "headcount", "city_code", "basis", "source_kind", "source_file", "source_row"]


def plan_rows(store: Any) -> list[tuple[Any, ...]]:
    f = store.rel_frame("PLANS_DEMAND", PROPS, src_label="City")
    return sorted((r["src"], r["dst"], int(r["year"]), int(r["headcount"]), r["basis"], r["source_kind"],
                   Path(str(r["source_file"])).name, int(r["source_row"])) for _, r in f.iterrows())


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "home" / "graph.sqlite")
    load(s, tmp_path / "base")
    return s


def _import(store: Any, folder: Path, files: dict[str, str]) -> Report:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = Report()
    tables = read_paths([folder], report)
    if not report.ok:
        raise ImportFailed(report)
    pipeline.load(store, tables, report)
    return report


def test_plan_rows_are_stored_with_their_source_apart_from_demand(store: SqliteStore) -> None:
    assert plan_rows(store) == [
        ("411000", "36", 2027, 999, "另一年的规划", "user", "demand_plan.csv", 4),
        ("411000", "39", 2026, 90, "示意规划", "user", "demand_plan.csv", 3),
        ("411000", "65", 2026, 150, "示意规划", "user", "demand_plan.csv", 2),
    ]
    assert len(store.rel_frame("DEMANDS", ["year"], where={"year": [2026, 2027]})) == 0
    # the headers people write for it: 年份 / 计划需求人数 (aliases), a major as the target
    assert store.path is not None
    _import(store, store.path.parent / "more", {"规划需求.csv": "城市代码,年份,计划需求人数,专业代码\n411000,2030,60,460701\n"})
    f = store.rel_frame("PLANS_DEMAND", ["year", "headcount"], src_label="City", dst_label="Major")
    assert [(r["dst"], int(r["year"]), int(r["headcount"])) for _, r in f.iterrows()] == [("460701", 2030, 60)]


def test_bad_plan_rows_are_all_reported_and_nothing_changes(store: SqliteStore, tmp_path: Path) -> None:
    before = store.snapshot()
    with pytest.raises(ImportFailed) as info:
        _import(store, tmp_path / "bad", {"demand_plan.csv": (
            "城市代码,目标年份,规划需求人数,行业代码,专业代码\n"
            "411000,2O26,100,36,\n"    # 2: not a year
            "411000,2026,-5,36,\n"     # 3: not a count
            "419999,2026,100,36,\n"    # 4: a city the graph does not have
            "411000,2026,100,99,\n"    # 5: an industry the graph does not have
            "411000,2026,100,,\n")})   # 6: neither an industry nor a major
    got = sorted((i.row, i.column, i.code) for i in info.value.report.errors)
    assert [(row, col) for row, col, _ in got] == [(2, "目标年份"), (3, "规划需求人数"), (4, "城市代码"), (5, "行业代码"),
                                                   (6, "行业代码")]
    assert got[-1][2] == "one_of" and got[0][2] == "invalid" and got[1][2] == "invalid"
    assert store.snapshot() == before


def test_the_template_has_the_sheet(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx", tables=["demand_plan"])
    wb = openpyxl.load_workbook(path, read_only=True)
    assert "demand_plan" in wb.sheetnames
    header = [c.value for c in next(wb["demand_plan"].iter_rows(min_row=2, max_row=2))]
    assert header == ["城市代码*\ncity_code", "目标年份*\nyear", "规划需求人数*\nheadcount", "行业代码\nindustry_code",
                      "专业代码\nmajor_code", "依据\nbasis", "来源\nsource", "示意数据\nillustrative"]
    assert TABLES["demand_plan"].zh == "规划需求" and TABLES["demand_plan"].extension


def test_the_neo4j_store_holds_the_same_plan_rows(neo4j_server: Any, store: SqliteStore,
                                                  tmp_path: Path) -> None:
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    try:
        neo = Neo4jStore(driver)
        neo.clear()
        load(neo, tmp_path / "neo")
        assert plan_rows(neo) == plan_rows(store)
        assert len(DATA["demand_plan.csv"].splitlines()) - 1 == len(plan_rows(neo))
    finally:
        driver.close()
