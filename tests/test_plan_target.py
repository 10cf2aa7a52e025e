"""The target year composed (issue 23 item 1): docs/measures.md's worked example through ``target_sums`` on a small
graph built here — exact figures, every demand method (trend / held / plan / none), a program without figures
listed and never projected, and the same target-year alignment on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import ImportFailed, Report
from iekg.plan.target import target_alignment, target_sums
from iekg.queries.alignment import alignment
from iekg.queries.scope import Scope

CITY = "411000"
A, B = "4141099991", "4141099992"  # a 高职专科 (3 years) and a 本科 institution (4 years)
DATA: dict[str, str] = {
    "cities.csv": "code,name,province_code\n410000,河南省,\n411000,许昌市,410000\n",
    "industries.csv": "code,name,parent_code\nC,制造业,\nI,信息传输、软件和信息技术服务业,\n13,农副食品加工业,C\n"
                      "34,通用设备制造业,C\n36,汽车制造业,C\n38,电气机械和器材制造业,C\n"
                      "39,计算机、通信和其他电子设备制造业,C\n65,软件和信息技术服务业,I\n",
    "major_divisions.csv": "code,name,level\n46,装备制造大类,高职专科\n08,工学,本科\n",
    "major_categories.csv": "code,name,division_code,level\n4607,汽车制造类,46,高职专科\n0802,机械类,08,本科\n",
    "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n"
                  "460702,新能源汽车技术,4607,高职专科\n460703,汽车检测与维修技术,4607,高职专科\n"
                  "080207,车辆工程,0802,本科\n080208,汽车服务工程,0802,本科\n",
    "crosswalk.csv": "major_code,industry_code,weight\n460701,36,1\n080207,36,1\n460702,38,1\n460703,38,1\n080208,34,1\n",
    "institutions.csv": f"id,name,city_code,level\n{A},许昌测试职业技术学院,411000,高职专科\n{B},许昌测试学院,411000,本科\n",
    # the worked example: 900 in school (专科) → 300; 1,200 (本科) → 300; graduates 80, no enrolment → 80
    # carried; neither → no projection; graduates 40 (本科, no enrolment) → 40 carried into 34 (no demand: none)
    "programs.csv": "institution_id,major_code,year,enrollment,graduates\n"
                    f"{A},460701,2024,900,250\n{B},080207,2024,1200,280\n{A},460702,2024,,80\n{A},460703,2024,,\n"
                    f"{B},080208,2024,,40\n",
    # 36: 400, 450, 500 (2022–2024) → 600 in 2026 (trend); 38: 200 in 2024 only (held); 65: 100, 120, planned
    # 150 (plan); 39: planned 90, no history (plan); 13: 100 → 40 → the line reads −80 → 0 (trend)
    "talent_demand.csv": "city_code,year,headcount,industry_code\n411000,2022,400,36\n411000,2023,450,36\n"
                         "411000,2024,500,36\n411000,2024,200,38\n411000,2023,100,65\n411000,2024,120,65\n"
                         "411000,2023,100,13\n411000,2024,40,13\n",
    "demand_plan.csv": "city_code,year,headcount,industry_code,basis\n411000,2026,150,65,示意规划\n"
                       "411000,2026,90,39,示意规划\n411000,2027,999,36,另一年的规划\n",
}


def load(store: Any, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DATA.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = Report()
    tables = read_paths([folder], report)
    if not report.ok:
        raise ImportFailed(report)
    pipeline.load(store, tables, report)
    assert report.ok, report.errors


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    home = tmp_path_factory.mktemp("target")
    s = SqliteStore(home / "graph.sqlite")
    load(s, home / "data")
    return s


def test_target_sums_reproduce_the_worked_example(store: SqliteStore) -> None:
    sums, info = target_sums(store, Scope((CITY,), None), 2026)
    assert sums.year == 2024 and info["base_year"] == 2024 and info["target_year"] == 2026
    assert info["projection"] is True
    assert sums.supply().round(9).to_dict() == {"13": 0.0, "34": 40.0, "36": 600.0, "38": 80.0, "39": 0.0, "65": 0.0}
    assert sums.demand().round(9).to_dict() == {"13": 0.0, "34": 0.0, "36": 600.0, "38": 200.0, "39": 90.0,
                                               "65": 150.0}
    assert info["supply_methods"] == {"in_school": 2, "carried": 2}
    assert info["industry_supply_methods"] == {"34": {"carried": 1}, "36": {"in_school": 2}, "38": {"carried": 1}}
    assert info["demand_methods"] == {"13": "trend", "34": "none", "36": "trend", "38": "held", "39": "plan",
                                      "65": "plan"}
    assert info["demand_method_counts"] == {"plan": 2, "trend": 2, "held": 1}
    assert info["demand_years"] == [2022, 2023, 2024] and info["plan_rows"] == 2
    # the program with neither figure: not projected, not 0, listed by name
    assert info["not_projected"]["programs"] == 1
    assert info["not_projected"]["listed"] == [
        {"institution": A, "institution_name": "许昌测试职业技术学院", "major": "460703",
         "major_name": "汽车检测与维修技术", "city": CITY, "why": "no_figures"}]
    assert sums.programs_without_figures == 1
    # 2028 (h = 4): the 专科 program is beyond its duration (steady), the 本科 one still in school
    _, later = target_sums(store, Scope((CITY,), None), 2028)
    assert later["supply_methods"] == {"in_school": 1, "steady": 1, "carried": 2}
    assert later["plan_rows"] == 0  # the 2026 plan is not 2028's: 65 falls back to its trend, 39 has nothing
    assert later["demand_methods"]["65"] == "trend" and "39" not in later["demand_methods"]


def test_the_target_year_alignment_beside_todays(store: SqliteStore) -> None:
    scope = Scope((CITY,), None)
    now = alignment(store, scope)
    t = target_alignment(store, scope, 2026)
    assert (now["S"], now["D"]) == (650.0, 860.0)
    assert (t["S"], t["D"]) == (720.0, 1040.0)
    s = {"34": 40 / 720, "36": 600 / 720, "38": 80 / 720}
    d = {"13": 0.0, "36": 600 / 1040, "38": 200 / 1040, "39": 90 / 1040, "65": 150 / 1040}
    sai = 1 - 0.5 * sum(abs(s.get(k, 0.0) - d.get(k, 0.0)) for k in set(s) | set(d))
    assert t["sai"] == pytest.approx(sai, abs=1e-12) and round(t["sai"], 6) == 0.688034
    by = {i["code"]: i for i in t["industries"]}
    assert (by["36"]["supply"], by["36"]["demand"], by["36"]["status"], by["36"]["demand_method"]) == \
        (600.0, 600.0, "balanced", "trend")
    assert by["34"]["demand_data"] is False and by["34"]["demand_method"] == "none"
    assert by["39"]["supply"] == 0.0 and by["39"]["demand"] == 90.0 and by["39"]["demand_method"] == "plan"
    assert t["projection"] is True and t["base_year"] == 2024 and t["target_year"] == 2026
    assert "近年趋势外推" in t["methods_text"] and "采用本市规划需求 2 行" in t["methods_text"]
    # today's answer (and its coverage) is untouched by the projection, whichever was asked first
    again = alignment(store, scope)
    assert again["data_coverage"] == now["data_coverage"] and (again["S"], again["D"]) == (650.0, 860.0)
    assert t["data_coverage"]["programs"]["with_graduates"] == now["data_coverage"]["programs"]["with_graduates"] == 4


def test_plain_demand_never_includes_the_plan(store: SqliteStore) -> None:
    d = store.demand_sums([CITY], 2026)
    assert len(d) == 0  # PLANS_DEMAND rows are not DEMANDS: no observed demand for 2026
    assert float(store.demand_sums([CITY], 2024)["headcount"].sum()) == 860.0


def test_a_plan_given_by_the_caller_wins_and_a_bad_target_year_is_refused(store: SqliteStore) -> None:
    sums, info = target_sums(store, Scope((CITY,), None), 2026,
                             plan=[{"city": CITY, "target_label": "Industry", "target": "3670", "headcount": 700}])
    assert sums.demand().round(9).to_dict()["36"] == 700.0  # 3670 rolls up to 36: the plan replaces the trend
    assert info["demand_methods"]["36"] == "plan" and info["demand_methods"]["65"] == "trend"
    with pytest.raises(ValueError, match="须晚于"):
        target_sums(store, Scope((CITY,), None), 2024)
    with pytest.raises(LookupError):
        target_sums(store, Scope((CITY,), 2019), 2026)  # no programs that year: nothing to project from


@pytest.fixture(scope="module")
def neo(neo4j_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    s = Neo4jStore(driver)
    s.clear()
    load(s, tmp_path_factory.mktemp("target-neo") / "data")
    yield s
    driver.close()


def test_both_stores_give_the_same_target_year_alignment(store: SqliteStore, neo: Any) -> None:
    def figures(s: Any) -> Any:
        t = target_alignment(s, Scope((CITY,), None), 2026)
        info = t["projection_info"]
        return ({k: t[k] for k in ("S", "D", "sai", "sai_observed", "coverage", "base_year", "target_year")},
                [(i["code"], i["supply"], i["demand"], i["status"], i["demand_method"], i["supply_methods"])
                 for i in t["industries"]],
                {k: info[k] for k in ("supply_methods", "demand_methods", "demand_method_counts", "demand_years",
                                      "plan_rows", "not_projected")})

    a, b = figures(store), figures(neo)
    assert a == b
    assert a[0]["S"] == 720.0 and a[0]["D"] == 1040.0
