"""``iekg plan majors`` and ``GET /plan/majors`` (issue 23 item 3) on a small graph whose optimum is known by
hand: the table, JSON and xlsx of the CLI, the API's JSON and its infeasible problem, ``--save-as`` (the
scenario's figures equal the optimiser's) and ``--target-year``.

The graph: 许昌 (411000), one 高职 institution U with two programs in 2024 —
  460501 船舶工程技术 (类 4605 → industry 37 weight 1): 300 in school, 100 graduates → 100 places a year;
  440701 房地产经营与管理 (类 4407 → industry 70 weight 1): 600 in school, 200 graduates → 200 places a year;
demand 2024: 37 needs 400 (supply 100: shortage, 300 unmet), 70 needs 100 (supply 200: surplus; 75 above the
band 1.25 × 100).  The catalogue also has 460502 (4605: a major U may open).

With no new program (``--new-programs 0``), ±10 % (U's 300 places stay within 270–330), ±50 % per program:
460501 feeds the shortage, is never cut and grows by its most, 50 (100 → 150): unmet 300 → 250; every place
cut from 440701 lowers the surplus by ½ until it is gone at 125 (cut 75; the band allows a net −30: 50 − 75 =
−25).  So: 460501 +50, 440701 −75; unmet 300 → 250, surplus 75 → 0; SAI 1 − ½(|100/300 − 0.8| + |200/300 −
0.2|) = 0.5333… → 1 − ½(|150/275 − 0.8| + |125/275 − 0.2|) = 0.74545…
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.settings import Settings

U = "4141099991"
DATA = {
    "majors.csv": "code,name,category_code,level\n460501,船舶工程技术,4605,高职专科\n"
                  "460502,船舶机械工程技术,4605,高职专科\n460503,船舶电气工程技术,4605,高职专科\n440701,房地产经营与管理,4407,高职专科\n",
    "institutions.csv": f"id,name,city_code,level,ownership\n{U},测试职业技术学院,411000,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    f"{U},460501,2024,300,100,0.95\n{U},440701,2024,600,200,0.9\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n"
                         "411000,2024,400,37,高职专科\n411000,2024,100,70,高职专科\n",
}
SAI_BEFORE = 1 - 0.5 * (abs(100 / 300 - 0.8) + abs(200 / 300 - 0.2))
SAI_AFTER = 1 - 0.5 * (abs(150 / 275 - 0.8) + abs(125 / 275 - 0.2))
ARGS = ["plan", "majors", "--city", "411000", "--new-programs", "0"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("plan-faces")
    data = home / "data"
    data.mkdir()
    for name, text in DATA.items():
        (data / name).write_text(text, encoding="utf-8")
    settings = Settings(home=home)
    store = service.open_store(settings)
    service.build(store, settings, [data], demo=False)
    store.close()
    return home


def run(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--home", str(home), *args])


def test_the_known_optimum_as_json(home: Path) -> None:
    r = run(home, *ARGS, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    got = {c["major"]: (c["kind"], c["before"], c["after"], c["change"], c["first_graduates"]) for c in d["changes"]}
    assert got == {"460501": ("more", 100.0, 150.0, 50.0, 2028), "440701": ("fewer", 200.0, 125.0, -75.0, 2028)}
    assert d["before"]["unmet_demand"] == 300 and d["after"]["unmet_demand"] == pytest.approx(250)
    assert d["before"]["surplus"] == 75 and d["after"]["surplus"] == pytest.approx(0, abs=1e-6)
    assert d["before"]["sai"] == pytest.approx(SAI_BEFORE) and d["after"]["sai"] == pytest.approx(SAI_AFTER)
    more = next(c for c in d["changes"] if c["major"] == "460501")
    assert more["serves"] == [{"industry": "37", "weight": 1.0, "people": 50.0, "status_before": "shortage",
                               "industry_name": "铁路、船舶、航空航天和其他运输设备制造业"}]
    # 2 programs, 2 industries, no candidate (a budget of 0 new programs offers none): Δ⁺ Δ⁻ ×2, u v ×2 = 8,
    # plus the min-change binaries: 460501 may only grow (never cut: it feeds the shortage), 440701 both ways
    assert d["size"]["variables"] == 11 and d["size"]["integer_variables"] == 3 and d["size"]["candidates"] == 0
    assert d["constraints"]["band_down"] == 0.1 and d["constraints"]["min_change"] == 10
    assert d["constraints_not_set"] == ["goal"] and d["status"] == "optimal"


def test_the_table_explains_each_line(home: Path) -> None:
    r = run(home, *ARGS)
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert "100.0 → 150.0" in text and "+50.0" in text and "200.0 → 125.0" in text and "-75.0" in text
    assert "SAI 0.5333 → 0.7455" in text
    assert "未满足需求 unmet demand 300.0 → 250.0 人" in text
    assert "变量 11（整数 3）" in text and "各院校招生总量变动不超过 ±10%" in text
    assert "示意数据" not in text  # the graph's data are the test's own, not the demo's


def test_band_sides_reach_the_face(home: Path) -> None:
    # no institution may shrink: the cut of 440701 must be paid for by growth — 460501 +50 allows a cut of 50
    # (net 0) … and up to 80 (net −30 is no longer allowed): the best keeps surplus as low as the growth allows
    d = json.loads(run(home, *ARGS, "--band-down", "0", "--format", "json").stdout)
    got = {c["major"]: c["change"] for c in d["changes"]}
    assert got == {"460501": 50.0, "440701": -50.0}
    assert d["after"]["surplus"] == pytest.approx(25.0)
    assert d["constraints"]["band_down"] == 0.0 and d["constraints"]["band_up"] == 0.1


def test_xlsx_cells_are_text_and_figures_no_formulas(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    r = run(home, *ARGS, "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["调整方案", "行业前后对比", "约束与规模"]
    ws = wb["调整方案"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    head = rows[header]
    lines = {r[head.index("专业代码")]: r for r in rows[header + 1:] if r[0] is not None}
    assert lines["460501"][head.index("变动（人/年）")] == 50 and lines["440701"][head.index("调整后招生（人/年）")] == 125
    assert lines["460501"][head.index("首届毕业年份")] == 2028
    assert "铁路、船舶、航空航天和其他运输设备制造业（37）权重 1" in lines["460501"][head.index("服务行业（按权重）")]
    ind = [[c.value for c in row] for row in wb["行业前后对比"].iter_rows()]
    by_code = {r[0]: r for r in ind[1:]}
    assert by_code["37"][2:7] == [100, 150, 400, 300, 250] and by_code["70"][7:9] == ["过剩", "平衡"]
    for sheet in wb:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
    notes = "\n".join(str(r[0]) for r in wb[wb.sheetnames[-1]].iter_rows(values_only=True))
    assert "HiGHS" in notes and "MILP" in notes and "稳态假设" in notes and "首届毕业年份" in notes


def test_infeasible_exits_1_naming_the_binding_groups(home: Path) -> None:
    r = run(home, *ARGS, "--band", "0", "--goal-unmet", "0")
    assert r.exit_code == 1
    assert "无可行方案" in r.output and "未满足需求不超过 0 人" in r.output and "--goal-unmet" in r.output


def test_bad_arguments_are_a_usage_error_naming_all(home: Path) -> None:
    r = run(home, *ARGS, "--band-down", "1.5", "--min-change", "-3")
    assert r.exit_code == 2
    assert "--band-down" in r.output and "--min-change" in r.output


def test_save_as_keeps_the_plan_as_a_scenario_whose_figures_are_the_optimisers(home: Path, tmp_path: Path) -> None:
    import shutil

    h = tmp_path / "home"
    h.mkdir()
    shutil.copy(home / "graph.sqlite", h / "graph.sqlite")
    r = run(h, *ARGS, "--save-as", "船舶扩招")
    assert r.exit_code == 0, r.output
    store = service.open_store(Settings(home=h))
    doc = store.scenario("船舶扩招")
    assert doc is not None and doc["origin"] == "optimiser" and doc["constraints"]["min_change"] == 10
    changes = {c["major"]: c for c in doc["changes"]}
    # steady state: graduates + Δ, enrolment + Δ × 3
    assert (changes["460501"]["graduates"], changes["460501"]["enrollment"]) == (150, 450)
    assert (changes["440701"]["graduates"], changes["440701"]["enrollment"]) == (125, 375)
    ev = service.scenario_show(store, "船舶扩招").data["evaluation"]
    assert ev["baseline"]["sai"] == pytest.approx(SAI_BEFORE)
    assert ev["scenario"]["sai"] == pytest.approx(SAI_AFTER) and ev["scenario"]["unmet_demand"] == pytest.approx(250)


def test_target_year_plans_against_the_projection(home: Path) -> None:
    # 2026 is within the 3 years of study: supply in school ÷ 3 = 100 and 200; demand held (one year of data)
    d = json.loads(run(home, *ARGS, "--target-year", "2026", "--format", "json").stdout)
    assert d["target_year"] == 2026 and d["projection"]["base_year"] == 2024 and d["year"] == 2024
    assert {c["major"]: c["change"] for c in d["changes"]} == {"460501": 50.0, "440701": -75.0}
    assert all(c["by_target"] is False for c in d["changes"])  # first graduates 2028: after 2026


# ------------------------------------------------------------------------------------------------ API
@pytest.fixture(scope="module")
def client(home: Path) -> Any:
    settings = Settings(home=home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        yield c


def test_api_json_is_the_clis(client: TestClient, home: Path) -> None:
    r = client.get("/plan/majors", params={"city": "411000", "new_programs": 0})
    assert r.status_code == 200, r.text
    body = r.json()
    cli = json.loads(run(home, *ARGS, "--format", "json").stdout)
    assert body["illustrative"] is False
    assert body["changes"] == cli["changes"] and body["after"] == cli["after"]


def test_api_infeasible_is_a_422_problem_naming_the_groups(client: TestClient) -> None:
    r = client.get("/plan/majors", params={"city": "411000", "new_programs": 0, "band": 0, "goal_unmet": 0})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert "goal" in p["binding"] and "未满足需求不超过 0 人" in p["detail"]
    assert {e["column"] for e in p["errors"]} >= {"goal_unmet"}


def test_api_bad_arguments_and_xlsx(client: TestClient) -> None:
    r = client.get("/plan/majors", params={"city": "411000", "province": "410000"})
    assert r.status_code == 422
    assert client.get("/plan/majors", params={"city": "411000", "band_up": 3}).status_code == 422
    r = client.get("/plan/majors", params={"city": "411000", "new_programs": 0, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["x-iekg-illustrative"] == "false"
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:3] == ["调整方案", "行业前后对比", "约束与规模"]


def test_a_new_program_lists_the_majors_that_would_do_the_same(home: Path) -> None:
    # 460502 and 460503 (both 4605 → 37) are the same to the model: with a budget of 1 one is offered, the
    # lowest code, and the other is named as its alternative
    d = json.loads(run(home, "plan", "majors", "--city", "411000", "--new-programs", "1", "--format", "json").stdout)
    assert d["size"]["candidates"] == 1
    new = [c for c in d["changes"] if c["kind"] == "new"]
    assert [(c["major"], c["alternatives"]) for c in new] == [
        ("460502", [{"major": "460503", "major_name": "船舶电气工程技术"}])]
    d2 = json.loads(run(home, "plan", "majors", "--city", "411000", "--new-programs", "2", "--format", "json").stdout)
    assert d2["size"]["candidates"] == 2


def test_an_approximate_plan_reaches_every_face(demo_graph: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A province solved part by part (what national scale gets; here forced on the demo) is an answer with a plan:
    the CLI exits 0 and says 近似方案, the API answers 200, and it can be saved as a scenario — labelled."""
    from conftest import demo_copy

    from iekg.plan import majors

    monkeypatch.setattr(majors, "MAX_EXACT_VARIABLES", 0)
    h = demo_copy(demo_graph, tmp_path / "home")
    r = run(h, "plan", "majors", "--province", "410000", "--format", "json", "--save-as", "省级近似")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["status"] == "approximate" and d["message"].startswith("近似方案") and d["changes"]
    assert d["after"]["unmet_demand"] < d["before"]["unmet_demand"]
    doc = service.open_store(Settings(home=h)).scenario("省级近似")
    assert doc is not None and doc["origin"] == "optimiser" and len(doc["changes"]) == len(d["changes"])
    table = run(h, "plan", "majors", "--province", "410000")
    assert table.exit_code == 0 and "近似方案" in table.output
    api = TestClient(create_app(Settings(home=h))).get("/plan/majors", params={"province": "410000"})
    assert api.status_code == 200 and api.json()["status"] == "approximate"
