"""The target year in every face (issue 23 item 1): ``--target-year`` on ``iekg align`` / ``iekg readiness``, the
API's ``?target_year=``, the take-away files (a sheet and the projection notes) and the annual report — exact
figures beside today's, flagged 预测 / projection with the methods named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import demo_copy
from fastapi.testclient import TestClient
from test_plan_target import CITY, load
from typer.testing import CliRunner

from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.plan.target import target_alignment
from iekg.queries.scope import Scope
from iekg.settings import Settings


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("faces")
    load(SqliteStore(h / "graph.sqlite"), h / "data")
    return h


def cli(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"IEKG_HOME": str(home), "COLUMNS": "200"})


def test_align_target_year_json_beside_today(home: Path) -> None:
    res = cli(home, "align", "--city", CITY, "--target-year", "2026", "--format", "json")
    assert res.exit_code == 0, res.output
    a = json.loads(res.stdout)
    assert (a["S"], a["D"], a["year"]) == (650.0, 860.0, 2024)  # today's, as before
    t = a["target"]
    assert (t["S"], t["D"], t["target_year"], t["base_year"], t["projection"]) == (720.0, 1040.0, 2026, 2024, True)
    by = {i["code"]: i for i in t["industries"]}
    assert (by["36"]["supply"], by["36"]["demand"], by["36"]["demand_method"], by["36"]["supply_methods"]) == \
        (600.0, 600.0, "trend", {"in_school": 2})
    assert by["65"]["demand_method"] == "plan" and by["38"]["demand_method"] == "held"
    assert "data_coverage" not in t and t["projection_info"]["not_projected"]["programs"] == 1
    plain = json.loads(cli(home, "align", "--city", CITY, "--format", "json").stdout)
    assert "target" not in plain and plain["S"] == 650.0
    table = cli(home, "align", "--city", CITY, "--target-year", "2026")
    assert "2026 年预测 projection" in table.stdout and "近年趋势外推" in table.stdout
    bad = cli(home, "align", "--city", CITY, "--target-year", "2024")
    assert bad.exit_code == 2 and "须晚于数据年份 2024" in bad.output


def _csv_rows(text: str, sheet: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    start = lines.index(f"# 表：{sheet}") + 2
    rows = {}
    for line in lines[start:]:
        if not line or line.startswith("#"):
            break
        cells = line.split(",")
        rows[cells[0]] = cells
    return rows


def test_take_away_files_carry_the_projection(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    res = cli(home, "align", "--city", CITY, "--target-year", "2026", "--format", "csv", "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "# 许昌市 2024年 产教匹配（附 2026年预测）"
    assert "# 预测 projection：「2026年预测」各列为预测值，以 2024 年数据推算，不是统计数据" in text
    assert "# 2026年预测：S = 720.0；D = 1040.0；SAI = 0.6880；观测 SAI = 0.6946；覆盖率 = —" in text
    rows = _csv_rows(text, "2026年预测")
    assert rows["36"][2:10] == ["530.0", "600.0", "500.0", "600.0", "1.0", "平衡", "trend", "in_school 2"]
    assert rows["34"][5] == "" and rows["34"][7:9] == ["无需求数据", "none"]  # no demand data: empty, never 0
    assert rows["39"][2:6] == ["0.0", "0.0", "", "90.0"] and rows["39"][8] == "plan"  # no demand rows today
    xlsx = tmp_path / "a.xlsx"
    assert cli(home, "align", "--city", CITY, "--target-year", "2026", "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    wb = openpyxl.load_workbook(xlsx)
    assert "2026年预测" in wb.sheetnames
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith("预测 projection：「2026年预测」") for c in cells)
    assert any("近年趋势外推（最小二乘直线） 2 项" in c for c in cells)


def test_the_api_answers_the_target_year(home: Path) -> None:
    c = TestClient(create_app(Settings(home=home)))
    r = c.get("/analysis/alignment", params={"city": CITY, "target_year": 2026})
    assert r.status_code == 200, r.text
    t = r.json()["target"]
    assert (t["S"], t["D"], t["projection"]) == (720.0, 1040.0, True)
    store = SqliteStore(home / "graph.sqlite")
    lib = target_alignment(store, Scope((CITY,), None), 2026)
    assert t["sai"] == lib["sai"] and [i["code"] for i in t["industries"]] == [i["code"] for i in lib["industries"]]
    assert "target" not in c.get("/analysis/alignment", params={"city": CITY}).json()
    csv = c.get("/analysis/alignment", params={"city": CITY, "target_year": 2026, "format": "csv"})
    assert "预测 projection" in csv.content.decode("utf-8-sig")
    bad = c.get("/analysis/alignment", params={"city": CITY, "target_year": 2024})
    assert bad.status_code == 422 and "须晚于" in bad.json()["detail"]


def test_the_chart_draws_the_projection(home: Path) -> None:
    """``/charts/supply-demand?target_year=`` (and ``iekg chart supply-demand --target-year``) draws the target
    year's figures, titled and noted as a projection; without it, today's."""
    c = TestClient(create_app(Settings(home=home)))
    spec = c.get("/charts/supply-demand", params={"city": CITY, "target_year": 2026, "format": "vl.json"}).json()
    assert spec["title"]["text"].endswith("2026 年 人才供需对比（预测）")
    assert any(line.startswith("预测值，基于") for line in spec["title"]["subtitle"])
    t = c.get("/analysis/alignment", params={"city": CITY, "target_year": 2026}).json()["target"]
    rows = spec["data"]["values"]
    supply = {r["code"]: r["value"] for r in rows if r["series"].startswith("供给")}
    assert supply == {i["code"]: (i["supply"] if i.get("supply_data", True) else None) for i in t["industries"]}
    today = c.get("/charts/supply-demand", params={"city": CITY, "format": "vl.json"}).json()
    assert "预测" not in today["title"]["text"]
    assert c.get("/charts/supply-demand", params={"city": CITY, "target_year": 2024}).status_code == 422


def test_the_annual_report_has_a_target_year_part(home: Path, tmp_path: Path) -> None:
    import docx  # type: ignore[import-not-found,import-untyped,unused-ignore]

    out = tmp_path / "r.docx"
    res = cli(home, "export", "report", "--city", CITY, "--target-year", "2026", "-o", str(out), "--today",
              "2026-12-06", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["target_year"] == 2026
    d = docx.Document(str(out))
    paras = [p.text for p in d.paragraphs]
    assert any(p.endswith("2026年供需预测（预测 projection）") for p in paras)
    assert "2026年预测：S = 720.0；D = 1040.0；SAI = 0.6880；观测 SAI = 0.6946；覆盖率 = —" in paras
    rows = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    assert ["36", "汽车制造业", "530.0", "600.0", "500.0", "600.0", "1.0000", "平衡", "trend", "in_school 2"] in rows


# --------------------------------------------------------------------------- readiness (the demo: the notice's targets)
@pytest.fixture(scope="module")
def demo_home(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("faces-demo"))


def test_readiness_for_the_target_year(demo_home: Path, tmp_path: Path) -> None:
    res = cli(demo_home, "readiness", "--city", "410200", "--target-year", "2027", "--format", "json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    t = r["target"]
    assert t["projection"] is True and (t["target_year"], t["base_year"]) == (2027, 2024)
    now = {i["metric"]: i for i in r["items"]}
    store = SqliteStore(demo_home / "graph.sqlite")
    sai = target_alignment(store, Scope(("410200",), None), 2027)["sai"]
    for i in t["items"]:
        if i["metric"] == "condition_major_industry_relevance":
            assert i["projected"] is True and i["value"] == sai and i["value"] != now[i["metric"]]["value"]
        elif i["metric"] == "condition_graduate_employment":
            assert i["projected"] is True
        else:  # held at today's, and said so
            assert i["projected"] is False and i["value"] == now[i["metric"]]["value"]
            assert i["held_note"] == "与供需预测无关，保持现状（2024年数据）(not projected: today's value)"
    api = TestClient(create_app(Settings(home=demo_home))).get(
        "/analysis/readiness", params={"city": "410200", "target_year": 2027}).json()
    assert api["target"]["items"] == t["items"] and api["target"]["targets_met"] == t["targets_met"]
    xlsx = tmp_path / "r.xlsx"
    assert cli(demo_home, "readiness", "--city", "410200", "--target-year", "2027", "--format", "xlsx", "-o",
               str(xlsx)).exit_code == 0
    wb = openpyxl.load_workbook(xlsx)
    assert "2027年预测" in wb.sheetnames
    held = [[c.value for c in row] for row in wb["2027年预测"].iter_rows() if row[5].value == "现状（2024年）"]
    assert len(held) == len([i for i in t["items"] if not i["projected"]]) == 10
    ranked = json.loads(cli(demo_home, "readiness", "--all", "--target-year", "2027", "--format", "json").stdout)
    kf = next(x for x in ranked if x["city"] == "410200")
    assert kf["target"]["projection"] is True
    assert (kf["target"]["targets_met"], kf["target"]["conditions_met"]) == (t["targets_met"], t["conditions_met"])
