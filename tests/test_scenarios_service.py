"""Named what-if scenarios (issue 23 item 2): the service — validation in the import vocabulary (every problem at
once, nothing saved), everyday numbers, the graph untouched, and figures equal to an import of the same changes
(programs, demand, a cooperation, a training base) into a copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import demo_copy

from iekg import service
from iekg.plan.figures import figures
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings

CITY = "410200"  # 开封
KAIDA, KZY = "4141011069", "4141014794"  # 开封大学, 开封职业学院 (高职专科)


@pytest.fixture(scope="module")
def homes(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("scenarios")
    return demo_copy(demo_graph, base / "a"), demo_copy(demo_graph, base / "b")


def open_(home: Path):  # type: ignore[no-untyped-def]
    return service.open_store(Settings(home=home), lambda m: None)


def summary(f: dict) -> dict:
    keep = ("S", "D", "sai", "sai_observed", "coverage", "unmet_demand", "cooperating_enterprises", "targets_met",
            "conditions_met")
    return {"summary": {k: f.get(k) for k in keep},
            "industries": sorted((c, i["supply"], i["demand"], i["status"], i["cooperating"])
                                 for c, i in f["industries"].items()),
            "items": sorted((t, i["value"], i["effective_met"]) for t, i in (f.get("items") or {}).items())}


CHANGES = [
    {"kind": "新增专业点", "institution": "开封大学", "major": "食品检验检测技术", "graduates": "150人"},
    {"kind": "add_program", "institution": KZY, "major": "490104", "enrollment": "１，２００"},
    {"kind": "add_demand", "city": "开封市", "industry": "农副食品加工业", "headcount": "1,200"},
    {"kind": "add_cooperation", "institution": "开封大学", "enterprise": "DEMO-410200-E0004", "type": "订单班"},
    {"kind": "add_training_base", "city": CITY, "name": "开封食品实训基地", "level": "省级", "industries": "13、14"},
]


def test_a_scenario_equals_the_same_changes_imported_and_touches_nothing(homes: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    store = open_(homes[0])
    before, version = store.snapshot(), store.version()
    service.scenario_new(store, "食品", city=CITY, note="两个食品专业")
    doc = service.scenario_add(store, "食品", CHANGES).data
    # stored in ids and codes, the numbers as numbers
    assert [c["kind"] for c in doc["changes"]] == ["add_program", "add_program", "add_demand", "add_cooperation",
                                                   "add_training_base"]
    assert doc["changes"][0]["institution"] == KAIDA and doc["changes"][0]["graduates"] == 150
    assert doc["changes"][1]["enrollment"] == 1200 and doc["changes"][2]["headcount"] == 1200
    assert doc["changes"][2]["industry"] == "13" and doc["changes"][3]["status"] == "进行中"
    assert doc["changes"][4]["industries"] == ["13", "14"]
    major = doc["changes"][0]["major"]
    shown = service.scenario_show(store, "食品")
    assert shown.illustrative  # the demo's figures
    ev = shown.data["evaluation"]
    assert store.snapshot() == before and store.version() == version  # the graph, untouched
    # the same rows imported into a copy
    data = tmp_path / "changes"
    data.mkdir()
    (data / "programs.csv").write_text("institution_id,major_code,year,graduates,enrollment\n"
                                       f"{KAIDA},{major},2024,150,\n{KZY},490104,2024,,1200\n", encoding="utf-8")
    (data / "talent_demand.csv").write_text(f"city_code,year,headcount,industry_code\n{CITY},2024,1200,13\n",
                                            encoding="utf-8")
    (data / "cooperations.csv").write_text("institution_id,enterprise_id,type,status\n"
                                           f"{KAIDA},DEMO-410200-E0004,订单班,进行中\n", encoding="utf-8")
    (data / "training_bases.csv").write_text("id,name,city_code,level,industry_codes\n"
                                             f"X-TB-1,开封食品实训基地,{CITY},省级,13;14\n", encoding="utf-8")
    other = open_(homes[1])
    out = service.import_paths(other, [data], demo_rows="keep")
    assert out.report.ok, out.report
    scope = resolve_scope(other, city=CITY)
    imported = figures(other, scope)
    from iekg.plan.scenario import Changes, overlay

    ov, sc = overlay(store, resolve_scope(store, city=CITY), service.scenarios._changes(doc))
    laid = figures(ov, sc)
    assert summary(laid) == summary(imported)
    # the evaluation says it: baseline → scenario, with what moved
    assert ev["scenario"]["cooperating_enterprises"] == ev["baseline"]["cooperating_enterprises"] + 1
    assert ev["scenario"]["D"] == pytest.approx(ev["baseline"]["D"] + 1200)
    moved = {m["code"]: m for m in ev["moved"]}
    assert moved["13"]["demand_after"] == pytest.approx(moved["13"]["demand_before"] + 1200)
    items = {i["metric"]: i for i in ev["readiness_moved"]}
    assert items["high_level_training_bases"]["value_after"] == items["high_level_training_bases"]["value_before"] + 1
    assert items["condition_training_platforms"]["value_after"] == \
        items["condition_training_platforms"]["value_before"] + 1
    assert Changes() == Changes() and not Changes()


def test_every_problem_at_once_and_nothing_saved(homes: tuple[Path, Path]) -> None:
    store = open_(homes[0])
    service.scenario_new(store, "坏", city=CITY)
    bad = [
        {"kind": "add_program", "institution": "不存在的学校", "major": "080901", "graduates": 10},
        {"kind": "add_program", "institution": "开封大学", "major": "999999", "graduates": "-5"},
        {"kind": "close_program", "institution": "郑州大学", "major": "080901"},
        {"kind": "add_demand", "city": "开封", "industry": "13", "headcount": "很多"},
        {"kind": "飞行", "institution": "开封大学"},
        {"kind": "add_program", "institution": "开封大学", "major": "食品检验检测技术"},
        {"kind": "add_demand", "city": "郑州市", "industry": "13", "headcount": 10},
        {"kind": "add_program", "institution": "开封大学", "major": "食品检验检测技术", "graduates": 200000},
    ]
    with pytest.raises(service.ScenarioError) as exc:
        service.scenario_add(store, "坏", bad)
    where = [(p["change"], p["field"]) for p in exc.value.problems]
    assert where == [(1, "institution"), (2, "major"), (2, "graduates"), (3, "institution"), (4, "headcount"),
                     (5, "kind"), (6, "graduates"), (7, "city"), (8, "graduates")]
    assert all(p["fix"] for p in exc.value.problems)
    assert store.scenario("坏")["changes"] == []  # nothing saved
    # what the graph says: an offered program cannot be added, one not offered cannot be closed
    with pytest.raises(service.ScenarioError) as exc:
        service.scenario_add(store, "坏", [{"kind": "close_program", "institution": KAIDA, "major": "080901"}])
    assert "add_program" in exc.value.problems[0]["fix"]


def test_names_scope_and_lifecycle(homes: tuple[Path, Path]) -> None:
    store = open_(homes[0])
    service.scenario_new(store, "甲", city=CITY)
    with pytest.raises(ValueError, match="exists"):
        service.scenario_new(store, "甲", city=CITY)
    with pytest.raises(service.ArgumentError):
        service.scenario_new(store, "乙", city=CITY, province="410000")
    with pytest.raises(LookupError, match="甲"):
        service.scenario_show(store, "甲乙")
    assert "甲" in [r["name"] for r in service.scenario_list(store).data["scenarios"]]
    service.scenario_delete(store, "甲")
    with pytest.raises(LookupError):
        service.scenario_delete(store, "甲")


def test_compare_and_a_saved_doc(homes: tuple[Path, Path]) -> None:
    store = open_(homes[0])
    service.scenario_save(store, {"name": "少", "scope": {"city": CITY}, "origin": "optimiser",
                                  "constraints": {"max_change_share": 0.5},
                                  "changes": [{"kind": "add_demand", "city": CITY, "industry": "13", "headcount": 100}]})
    service.scenario_save(store, {"name": "多", "scope": {"city": CITY},
                                  "changes": [{"kind": "add_demand", "city": CITY, "industry": "13", "headcount": 300}]})
    res = service.scenario_compare(store, ["少", "多"]).data
    d0 = res["baseline"]["D"]
    assert [s["figures"]["D"] - d0 for s in res["scenarios"]] == pytest.approx([100, 300])
    assert store.scenario("少")["origin"] == "optimiser" and store.scenario("少")["constraints"] == {"max_change_share": 0.5}


def test_a_scenario_survives_build(tmp_path: Path) -> None:
    from iekg.graph.sqlitestore import SqliteStore

    store = SqliteStore(tmp_path / "graph.sqlite")
    service.build(store, Settings(home=tmp_path))
    service.scenario_new(store, "留", city=CITY)
    service.build(store, Settings(home=tmp_path))
    assert store.scenario("留")["scope"] == {"city": CITY}
    store.close()


@pytest.mark.neo4j
def test_the_same_scenario_answer_on_neo4j(neo4j_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore
    from iekg.graph.sqlitestore import SqliteStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    neo = Neo4jStore(driver)
    neo.clear()
    lite = SqliteStore(tmp_path / "graph.sqlite")
    try:
        answers = []
        for store in (lite, neo):
            service.build(store, Settings(home=tmp_path))
            service.scenario_new(store, "同", city=CITY)
            service.scenario_add(store, "同", CHANGES)
            ev = service.scenario_show(store, "同").data["evaluation"]
            answers.append(ev)
        a, b = answers
        assert [m["code"] for m in a["moved"]] == [m["code"] for m in b["moved"]]
        for k, v in a["baseline"].items():
            assert b["baseline"][k] == pytest.approx(v), k
        for k, v in a["scenario"].items():
            assert b["scenario"][k] == pytest.approx(v), k
        assert [(i["target"], i["value_after"]) for i in a["readiness_moved"]] == \
            [(i["target"], i["value_after"]) for i in b["readiness_moved"]]
    finally:
        neo.delete_scenario("同")
        neo.clear()
        driver.close()
        lite.close()


def test_target_year_scenario_adds_demand_in_the_target_year(homes: tuple[Path, Path]) -> None:
    """Demand added in a target-year scenario is demand of that year: the projection's D grows by exactly what
    was added (laid over the data year, the trend line carried it forward fourfold); a program added is
    projected like every program (graduates carried: +150 in S)."""
    store = open_(homes[0])
    service.scenario_new(store, "目标年需求", city=CITY, target_year=2027)
    service.scenario_add(store, "目标年需求", [
        {"kind": "add_demand", "city": CITY, "industry": "13", "headcount": 1200},
        {"kind": "add_program", "institution": KAIDA, "major": "490104", "graduates": 150}])
    ev = service.scenario_show(store, "目标年需求").data["evaluation"]
    assert ev["projection"] is True and ev["target_year"] == 2027
    assert ev["scenario"]["D"] == pytest.approx(ev["baseline"]["D"] + 1200, abs=1e-9)
    assert ev["scenario"]["S"] == pytest.approx(ev["baseline"]["S"] + 150, abs=1e-9)
    food = next(m for m in ev["moved"] if m["code"] == "13")
    assert food["demand_after"] == pytest.approx(food["demand_before"] + 1200, abs=1e-9)


def test_compare_resolves_the_latest_year(homes: tuple[Path, Path]) -> None:
    """A scenario made without a year is laid over the latest one: it compares with one made for that year."""
    store = open_(homes[0])
    latest = resolve_scope(store, city=CITY).year or service.alignment(store, [CITY]).data["year"]
    service.scenario_new(store, "无年份", city=CITY)
    service.scenario_new(store, "有年份", city=CITY, year=int(latest))
    got = service.scenario_compare(store, ["无年份", "有年份"]).data
    assert got["year"] == latest and [r["name"] for r in got["scenarios"]] == ["无年份", "有年份"]
    service.scenario_new(store, "早一年", city=CITY, year=int(latest) - 1)
    with pytest.raises(ValueError, match="相同的范围"):
        service.scenario_compare(store, ["无年份", "早一年"])


def test_an_evaluation_is_kept_until_the_scenario_or_the_graph_changes(homes: tuple[Path, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard asks for a scenario's figures, then its chart: one evaluation, not two; a change to the
    scenario or an import evaluates again (the figures follow)."""
    from iekg.service import scenarios

    store = open_(homes[1])
    service.scenario_new(store, "记忆", city=CITY)
    service.scenario_add(store, "记忆", [CHANGES[2]])
    calls: list[str] = []
    real = scenarios._evaluate_now
    monkeypatch.setattr(scenarios, "_evaluate_now", lambda s, d: calls.append(d["name"]) or real(s, d))
    first = service.scenario_show(store, "记忆").data["evaluation"]
    first["scenario"]["D"] = -1  # a caller changing its answer does not change the kept one
    again = service.scenario_show(store, "记忆").data["evaluation"]
    assert calls == ["记忆"] and again["scenario"]["D"] != -1
    service.scenario_add(store, "记忆", [{**CHANGES[2], "headcount": "300"}])
    more = service.scenario_show(store, "记忆").data["evaluation"]
    assert calls == ["记忆", "记忆"] and more["scenario"]["D"] == again["scenario"]["D"] + 300
    store.forget()  # what every import does
    service.scenario_show(store, "记忆")
    assert len(calls) == 3
    store.close()
