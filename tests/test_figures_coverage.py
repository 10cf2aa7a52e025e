"""Issue 18, items 3–5: a fact without its figure is "no figures", never 0; thin years are flagged; the public
lists are not the user's data.  Small graphs from the worked example's template folder; exact numbers, in the
JSON, the CLI tables, the API, the drafts and the dashboard."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from servers import chromium, serving
from typer.testing import CliRunner

from iekg import reports, service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph import sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.queries.alignment import alignment
from iekg.queries.gaps import gaps
from iekg.queries.readiness import readiness
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings

WORKED = Path(__file__).parent / "fixtures" / "worked_example"
runner = CliRunner()

# the worked example's focus chain: without any figure its coverage would read 0 and every segment "uncovered"
CHAIN = {
    "chains.csv": "id,name,cluster\nCH1,测试链,测试集群",
    "chain_segments.csv": "id,chain_id,name,position,industry_codes,feeds\n"
                          "S1,CH1,零部件,上游,36,S2\nS2,CH1,电机,中游,38,S3\nS3,CH1,软件,下游,65,",
    "city_focus.csv": "city_code,chain_id,level,integration_industry\n410200,CH1,主导,是",
}
NO_FIGURES = "学校标识码,专业代码,年份,在校生数,毕业生数\n" + "\n".join(
    f"4141099999,{m},2024,," for m in ("460101", "460201", "460301"))


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def _store_from(folder: Path) -> SqliteStore:
    report = Report()
    store = SqliteStore()
    load(store, read_paths([folder], report), report)
    assert report.ok, report.as_dict()
    return store


def _home(folder: Path, home: Path, *extra: str) -> Path:
    r = runner.invoke(app, ["--home", str(home), "build", "--no-demo", "--data", str(folder), *extra])
    assert r.exit_code == 0, r.output
    return home


def cli(home: Path, *args: str) -> Any:
    r = runner.invoke(app, ["--home", str(home), *args])
    assert r.exit_code == 0, r.output
    return r


def cli_json(home: Path, *args: str) -> Any:
    return json.loads(cli(home, *args, "--format", "json").stdout)


@pytest.fixture()
def worked(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    return d


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Any]:
    clients = []

    def open_home(home: Path) -> TestClient:
        settings = Settings(home=home)
        c = TestClient(create_app(settings, service.open_store(settings)))
        clients.append(c.__enter__())
        return c

    yield open_home
    for c in clients:
        c.__exit__(None, None, None)


# ------------------------------------------------------------------- every program without a figure
def test_a_scope_whose_programs_all_lack_figures_has_no_supply_data(worked: Path, tmp_path: Path) -> None:
    """The issue's case: three programs stored without enrolment or graduates.  Supply is no data (null), not 0:
    no SAI, no "unmet" for every industry, no chain coverage 0 — and the three programs are listed."""
    _write(worked, "programs.csv", NO_FIGURES)
    for name, text in CHAIN.items():
        _write(worked, name, text)
    store = SqliteStore(_home(worked, tmp_path / "home") / "graph.sqlite")  # with the notice's targets
    scope = resolve_scope(store, city="410200")
    a = alignment(store, scope)
    assert (a["S"], a["D"], a["sai"], a["sai_observed"], a["coverage"]) == (None, 700.0, None, None, None)
    assert a["supply_data"] is False
    assert a["supply_reason"].startswith("本范围 2024 年的 3 个专业点都没有在校生或毕业生数，供给是「无数据」而不是 0")
    assert a["segments"]["covered"] is None and a["segments"]["uncovered"] == [] and a["segments"]["total"] == 3
    assert [(i["code"], i["supply"], i["demand"], i["status"], i["ratio"], i["deviation"], i["supply_data"])
            for i in a["industries"]] == [("36", None, 400.0, "no_supply_data", None, None, False),
                                          ("38", None, 200.0, "no_supply_data", None, None, False),
                                          ("65", None, 100.0, "no_supply_data", None, None, False)]
    p = a["data_coverage"]["programs"]
    assert (p["total"], p["with_graduates"], p["estimated"], p["without_figures"]) == (3, 0, 0, 3)
    assert [(x["institution"], x["major"], x["why"]) for x in p["without_figures_listed"]] == [
        ("4141099999", "460101", "no_figures"), ("4141099999", "460201", "no_figures"),
        ("4141099999", "460301", "no_figures")]
    assert p["note"].startswith("3 个专业点没有在校生或毕业生数：测试职业学院 专业A、测试职业学院 专业B、测试职业学院 专业C。")
    assert a["data_coverage"]["cities"]["without_figures"] == ["410200"]
    # gaps: no supply gap is invented from the missing figures; the reason is given
    g = gaps(store, scope)
    assert {x["type"] for x in g["gaps"]} <= {"no_cooperation", "no_training_base", "target_shortfall"}
    assert g["counts"]["unmet_demand"] == g["counts"]["shortage"] == g["counts"]["uncovered_segment"] == 0
    assert g["not_computed"]["types"] == ["unmet_demand", "shortage", "surplus", "uncovered_segment"]
    assert g["not_computed"]["reason"] == a["supply_reason"] and g["supply_data"] is False
    assert g["data_coverage"]["programs"]["without_figures"] == 3
    # readiness: the SAI condition is unmeasurable with the reason, never 0
    r = readiness(store, "410200")
    sai = next(i for i in r["items"] if i["metric"] == "condition_major_industry_relevance")
    assert (sai["measurable"], sai["value"], sai["met"]) == (False, None, None)
    assert sai["note"] == "无法计算结构匹配指数 SAI：" + a["supply_reason"]
    assert r["data_coverage"]["programs"]["without_figures"] == 3


def test_no_supply_data_in_every_face(worked: Path, tmp_path: Path, api: Any) -> None:
    _write(worked, "programs.csv", NO_FIGURES)
    home = _home(worked, tmp_path / "home")
    out = cli(home, "align", "--city", "410200").stdout
    assert "S = 无数据 no data  D = 700.0 人" in out
    row36 = next(line for line in out.splitlines() if "│ 36" in line)
    assert "无数据 no data" in row36.split("│")[3] and "无供给数据 no_supply_data" in row36 and "无供给 unmet" not in out
    assert "供给无数据 no supply data: 本范围 2024 年的 3 个专业点都没有在校生或毕业生数" in out
    assert "无数字 no figures: 3 个专业点没有在校生或毕业生数：测试职业学院 专业A" in out
    j = cli_json(home, "align", "--city", "410200")
    assert (j["S"], j["sai"], j["supply_data"]) == (None, None, False)
    assert cli_json(home, "gaps", "--city", "410200")["not_computed"]["reason"] == j["supply_reason"]
    out = cli(home, "gaps", "--city", "410200").stdout
    assert "未计算 not computed: unmet_demand, shortage, surplus, uncovered_segment" in out
    assert "无数字 no figures: 3 个专业点" in out
    out = cli(home, "readiness", "--city", "410200").stdout
    assert "无数字 no figures: 3 个专业点" in out
    # the API answers the CLI's JSON
    c = api(home)
    body = c.get("/analysis/alignment", params={"city": "410200"}).json()
    assert (body["S"], body["sai"], body["supply_data"]) == (None, None, False)
    assert [i["status"] for i in body["industries"]] == ["no_supply_data"] * 3
    assert body["data_coverage"]["programs"]["without_figures_listed"] == j["data_coverage"]["programs"][
        "without_figures_listed"]
    assert c.get("/analysis/gaps", params={"city": "410200"}).json()["supply_data"] is False
    ready = c.get("/analysis/readiness", params={"city": "410200"}).json()
    assert ready["data_coverage"]["programs"]["without_figures"] == 3
    # the drafts: the programs are named, the totals without any figure are no data, S is no data
    store = SqliteStore(home / "graph.sqlite")
    plan = reports.plan_markdown(store, "410200")
    line = next(x for x in plan.splitlines() if "共有院校" in x)
    assert "开设专业点3个，在校生无数据，毕业生无数据" in line and "0人" not in line
    assert "其中3个专业点没有在校生或毕业生数：测试职业学院专业A、测试职业学院专业B、测试职业学院专业C" in line
    assert "本市院校对口人才供给为无数据：本范围 2024 年的 3 个专业点都没有在校生或毕业生数" in plan
    assert "S = 0" not in plan
    diag = reports.diagnosis_markdown(store, "410200")
    assert "本市2024年的专业点（3个）没有在校生或毕业生数，供给为无数据（不按 0 计），无法计算结构匹配指数" in diag


def test_two_of_five_programs_without_figures_are_counted_and_listed(worked: Path, tmp_path: Path) -> None:
    """Two programs of a second institution have no volume: one with no figure at all, one with an enrolment
    whose duration cannot be told (the major has no level, the institution is a 技工 school: no duration).  Supply is that of the
    other three (S = 600, SAI 0.7976 as in metrics.md) and the two are counted and listed, not read as 0."""
    _write(worked, "institutions.csv", "学校标识码,学校名称,所在城市代码,办学层次\n4141099999,测试职业学院,410200,高职专科\n"
                                       "4141099998,第二测试学院,410200,技工")  # 技工: no duration known
    with open(worked / "majors.csv", "a", encoding="utf-8") as fh:
        fh.write("460102,专业A2,4601,\n")
    _write(worked, "programs.csv", "学校标识码,专业代码,年份,在校生数,毕业生数\n4141099999,460101,2024,,300\n"
                                   "4141099999,460201,2024,,200\n4141099999,460301,2024,,100\n"
                                   "4141099998,460101,2024,,\n4141099998,460102,2024,90,")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert (a["S"], a["D"], round(a["sai"], 4), a["supply_data"], a["supply_reason"]) == (600.0, 700.0, 0.7976, True, None)
    assert a["estimated_programs"] == 0
    p = a["data_coverage"]["programs"]
    assert (p["total"], p["with_graduates"], p["estimated"], p["without_figures"]) == (5, 3, 0, 2)
    assert p["without_figures_listed"] == [
        {"institution": "4141099998", "institution_name": "第二测试学院", "major": "460101", "major_name": "专业A",
         "city": "410200", "why": "no_figures"},
        {"institution": "4141099998", "institution_name": "第二测试学院", "major": "460102", "major_name": "专业A2",
         "city": "410200", "why": "enrollment_without_level"}]
    assert p["note"].startswith("2 个专业点没有在校生或毕业生数：第二测试学院 专业A、第二测试学院 专业A2；"
                                "其中 1 个有在校生数但不知层次、无法按学制折算。")
    assert a["data_coverage"]["cities"]["without_figures"] == []  # the city has figures, from three programs
    home = _home(worked, tmp_path / "home")
    out = cli(home, "align", "--city", "410200").stdout
    assert "无数字 no figures: 2 个专业点没有在校生或毕业生数：第二测试学院 专业A、第二测试学院 专业A2" in out
    assert "SAI = 0.7976" in out


def test_no_listing_read_when_every_program_has_figures(worked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list of programs without figures is read only when the sums count some: none here, no read."""
    from iekg.queries import coverage as cv

    store = _store_from(worked)
    calls: list[Any] = []
    real = cv.scope_programs
    monkeypatch.setattr(cv, "scope_programs", lambda *a, **k: calls.append(a) or real(*a, **k))
    a = alignment(store, resolve_scope(store, city="410200"))
    p = a["data_coverage"]["programs"]
    assert (p["total"], p["without_figures"], p["without_figures_listed"], p["note"]) == (3, 0, [], None)
    assert calls == []


def test_coupling_leaves_out_graduates_a_city_has_no_figure_for(worked: Path) -> None:
    """Comparing cities: 洛阳's only program has no figure, so its graduates are no data — the indicator is
    left out of the comparison (数据不全), not read as 0 graduates."""
    from iekg.queries.coupling import coupling

    _write(worked, "cities.csv", "行政区划代码,名称\n410000,河南省\n410200,开封市\n410100,郑州市\n410300,洛阳市")
    _write(worked, "institutions.csv", "学校标识码,学校名称,所在城市代码,办学层次\n4141099999,测试职业学院,410200,高职专科\n"
                                       "4141099998,郑州测试学院,410100,高职专科\n4141099997,洛阳测试学院,410300,高职专科")
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099998,460101,2024,500\n4141099998,460201,2024,50\n4141099997,460301,2024,\n")
    with open(worked / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410100,2024,900,36\n410300,2024,30,38\n")
    store = _store_from(worked)
    res = coupling(store, ["410100", "410200", "410300"])
    assert res["compared"] == 3 and res["excluded"]["graduates"] == "数据不全 (not given for every compared city)"
    assert "graduates" not in res["education_weights"] and "programs" in res["education_weights"]
    ind = {r["city"]: r["indicators"] for r in res["scopes"]}
    assert (ind["410300"]["graduates"], ind["410300"]["programs"]) == (None, 1.0)
    assert (ind["410200"]["graduates"], ind["410100"]["graduates"]) == (600.0, 550.0)
    a = alignment(store, resolve_scope(store, city="410300"))
    assert (a["S"], a["supply_data"], a["data_coverage"]["programs"]["without_figures"]) == (None, False, 1)


# ------------------------------------------------------------------------------------------ thin years
def test_a_thin_year_is_marked_partial_with_its_counts(worked: Path, tmp_path: Path) -> None:
    """2023 holds 1 program beside 3 in 2024 at the same institution (1.0 against 3.0 per institution, under
    half): 2023 is thin wherever it is shown; 2024 says its neighbour is thin."""
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099999,460101,2023,280\n")
    with open(worked / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410200,2023,400,36\n410200,2023,200,38\n")
    home = _home(worked, tmp_path / "home")
    store = SqliteStore(home / "graph.sqlite")
    a23 = alignment(store, resolve_scope(store, city="410200", year=2023))
    y = a23["data_coverage"]["years"]
    assert y["counts"] == [{"year": 2023, "programs": 1, "institutions": 1, "per_institution": 1.0, "thin": True},
                           {"year": 2024, "programs": 3, "institutions": 1, "per_institution": 3.0, "thin": False}]
    assert (y["thin"], y["partial"], y["programs"], y["latest"]) == ([2023], True, [2023, 2024], 2024)
    assert y["note"].startswith("2023 年的专业点数据偏少，可能只导入了一部分：2023 年 1 个专业点、1 所院校（每校 1.0 个），"
                                "而相邻的 2024 年 3 个专业点、1 所院校（每校 3.0 个）")
    assert round(a23["sai"], 4) == 0.6667  # measured as defined — and said to rest on a thin year
    y24 = alignment(store, resolve_scope(store, city="410200"))["data_coverage"]["years"]
    assert (y24["thin"], y24["partial"]) == ([2023], False)
    assert y24["note"].startswith("相邻年份的专业点数据偏少，可能只导入了一部分：2023 年 1 个专业点")
    assert readiness(store, "410200", 2023)["data_coverage"]["years"]["partial"] is True
    out = cli(home, "align", "--city", "410200", "--year", "2023").stdout
    assert "年份数据偏少 partial year: 2023 年的专业点数据偏少" in out
    assert "年份数据偏少 partial year: 相邻年份的专业点数据偏少" in cli(home, "align", "--city", "410200").stdout
    assert "年份数据偏少 partial year: 2023 年" in cli(home, "gaps", "--city", "410200", "--year", "2023").stdout
    assert "年份数据偏少 partial year: 2023 年" in cli(home, "readiness", "--city", "410200", "--year", "2023").stdout
    assert "2023 年数据偏少 partial year" in cli(home, "readiness", "--all", "--year", "2023").stdout
    assert cli_json(home, "readiness", "--all", "--year", "2023")[0]["data_coverage"]["years"]["partial"] is True
    plan = reports.plan_markdown(SqliteStore(home / "graph.sqlite"), "410200", year=2023)
    assert "（注意：2023 年的专业点数据偏少，可能只导入了一部分" in plan


def test_a_year_with_few_institutions_reporting_is_thin(worked: Path) -> None:
    """2023: one institution with 3 programs; 2024: three institutions with 5 (1.67 each).  2023 has fewer than
    half of 2024's institutions reporting (1 < 1.5): thin; 2024 is not (1.67 ≥ half of 3.0)."""
    _write(worked, "institutions.csv", "学校标识码,学校名称,所在城市代码,办学层次\n4141099999,测试职业学院,410200,高职专科\n"
                                       "4141099998,乙学院,410200,高职专科\n4141099997,丙学院,410200,高职专科")
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099998,460101,2024,50\n4141099997,460201,2024,40\n"
                 "4141099999,460101,2023,300\n4141099999,460201,2023,200\n4141099999,460301,2023,100\n")
    store = _store_from(worked)
    y = alignment(store, resolve_scope(store, city="410200"))["data_coverage"]["years"]
    assert y["counts"] == [{"year": 2023, "programs": 3, "institutions": 1, "per_institution": 3.0, "thin": True},
                           {"year": 2024, "programs": 5, "institutions": 3, "per_institution": 1.67, "thin": False}]
    assert (y["thin"], y["partial"]) == ([2023], False)
    y23 = alignment(store, resolve_scope(store, city="410200", year=2023))["data_coverage"]["years"]
    assert (y23["thin"], y23["partial"]) == ([2023], True)
    # the store's counts, the SQL and the pandas reference alike (the neighbours only, when asked)
    got = store.offer_year_counts(["410200"]).to_dict("records")
    assert got == [{"year": 2023, "programs": 3, "institutions": 1}, {"year": 2024, "programs": 5, "institutions": 3}]
    assert sums.offer_year_counts(store, ["410200"]).to_dict("records") == got
    assert store.offer_year_counts(["410200"], [2023]).to_dict("records") == got[:1]
    assert sums.offer_year_counts(store, ["410200"], [2023]).to_dict("records") == got[:1]
    assert store.offer_year_counts(["410200"], [1999]).empty and sums.offer_year_counts(store, ["999999"]).empty


# --------------------------------------------------------------------------------- the public lists
def test_public_list_entries_are_not_counted_as_missing(worked: Path, tmp_path: Path, public_dir: Path,
                                                        api: Any) -> None:
    """A one-city graph built with --public: the province's 17 other cities and the listed institutions the
    user never gave figures for are "in the public lists, not in your data", not cities or institutions
    without programs."""
    home = _home(worked, tmp_path / "home", "--public", str(public_dir))
    store = SqliteStore(home / "graph.sqlite")
    cities = store.node_frame("City", ["source_kind"])
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City")
    kinds = store.node_frame("Institution", ["source_kind"], ids=loc["src"]).set_index("id")["source_kind"]
    public_insts = {i for i in loc["src"] if kinds[i] == "public"}
    kaifeng_public = {i for i in loc.loc[loc["dst"] == "410200", "src"] if kinds[i] == "public"}
    assert (len(cities), len(public_insts), len(kaifeng_public)) == (18, 178, 10)  # the lists as shipped

    j = cli_json(home, "align", "--province", "410000")
    c, i = j["data_coverage"]["cities"], j["data_coverage"]["institutions"]
    assert (c["total"], c["with_programs"], c["without_programs"], c["without_demand"]) == (1, ["410200"], [], [])
    assert c["public_only"] == sorted(set(cities["id"]) - {"410200"}) and len(c["public_only"]) == 17
    assert i == {"total": 1, "with_programs": 1, "without_programs": [], "without_programs_total": 0,
                 "public_only": 178}
    assert round(j["sai"], 4) == 0.7976
    out = cli(home, "align", "--province", "410000").stdout
    assert "院校 1/1 有专业点数据；另有城市 17 个、院校 178 所只在公开名单中、不在你的数据里，不算缺数据" in out
    assert "无专业点 no programs" not in out and "无需求数据 no demand" not in out
    k = cli_json(home, "align", "--city", "410200")["data_coverage"]["institutions"]
    assert (k["total"], k["without_programs_total"], k["public_only"]) == (1, 0, 10)
    # a question about a city only in the public lists says so
    zz = cli_json(home, "align", "--city", "410100")
    assert zz["industries"] == [] and zz["data_coverage"]["cities"]["public_only"] == ["410100"]
    assert zz["reason"].startswith("本范围的城市（410100）只在公开名单中，你的数据里没有它们的专业点或需求")
    # readiness --all: the 17 are listed apart, ranked after the city with data
    ranked = cli_json(home, "readiness", "--all")
    assert [r["city"] for r in ranked if not r["public_only"]] == ["410200"] and ranked[0]["city"] == "410200"
    assert sum(r["public_only"] for r in ranked) == 17
    assert "17 个城市只在公开名单中、不在你的数据里" in cli(home, "readiness", "--all").stdout
    # the draft plan counts the user's institutions and names the others apart
    plan = reports.plan_markdown(store, "410200")
    line = next(x for x in plan.splitlines() if "共有院校" in x)
    assert "共有院校1所（高职专科1所）。（另有10所院校只在公开名单中、本次数据未涉及，不计入以下数字。）" in line
    assert "暂无专业点数据" not in line
    # the API
    body = api(home).get("/analysis/alignment", params={"province": "410000"}).json()
    assert body["data_coverage"]["institutions"]["public_only"] == 178


# ------------------------------------------------------------------------------------------ dashboard
def test_dashboard_page_has_the_coverage_list(worked: Path, tmp_path: Path, api: Any) -> None:
    _write(worked, "programs.csv", NO_FIGURES)
    home = _home(worked, tmp_path / "home")
    html = api(home).get("/dashboard").text
    assert 'id="data-coverage"' in html and "function renderCoverage" in html and "无数字 no figures: " in html


def test_dashboard_shows_no_supply_data_and_the_list(worked: Path, tmp_path: Path) -> None:
    """In headless Chromium: the supply card reads 无数据, the coverage list names the programs without
    figures; no script error."""
    with chromium() as b:
        _write(worked, "programs.csv", NO_FIGURES)
        home = _home(worked, tmp_path / "home")
        with serving(create_app(Settings(home=home))) as url:
            page = b.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/dashboard?city=410200")
            page.wait_for_function("() => document.body.dataset.city === '410200'", timeout=60_000)
            assert page.inner_text("#kpi-sd") == "无数据 no data / 700"
            assert page.inner_text("#kpi-sai") == "—"
            cov = page.inner_text("#data-coverage")
            assert "供给无数据 no supply data: 本范围 2024 年的 3 个专业点都没有在校生或毕业生数" in cov
            assert "无数字 no figures: 3 个专业点没有在校生或毕业生数：测试职业学院 专业A" in cov
            assert page.is_visible("#data-coverage")
            page.wait_for_function("() => document.getElementById('chart').dataset.rendered === '1'", timeout=60_000)
            chart = page.inner_text("#chart")  # the Vega-Lite chart: no supply bar, its words instead
            assert "无供给数据 no supply data" in chart and "无需求数据 no demand data" not in chart
            spec = page.evaluate("() => fetch(JSON.parse(document.getElementById('dashboard-config').textContent)"
                                 ".routes.chartSupplyDemand + '?format=vl.json&city=410200').then(r => r.json())")
            rows = spec["data"]["values"] if "values" in spec.get("data", {}) else [r for v in spec["datasets"].values() for r in v]
            assert rows and {r["status"] for r in rows} == {"no_supply_data"}  # nothing graded 无供给 (unmet)
            assert all(r["value"] is None for r in rows if r["series"].startswith("供给"))
            assert errors == []
