"""Issue 22, items 3 and 4: compare cities (``iekg compare``, ``GET /analysis/compare``, the comparison page with its
schematic tile map) and trends (``iekg trend``, ``GET /analysis/trend``).

Compare runs on the Henan demo graph plus one city of the user's without any data (巩义市 410181, imported from a
cities table): its figures are those of the single-city answers for the same city and year, the city without
data is listed with None and rank None after the ranked ones.  Trend runs on the worked example with 2021, a
missing 2022, a thin 2023 and 2024: exact S, D, SAI and changes; no change across the missing year."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_copy
from fastapi.testclient import TestClient
from servers import ARTIFACTS, serving, watch
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.service import ArgumentError
from iekg.settings import Settings
from iekg.viz.compare import tile_layout

WORKED = Path(__file__).parent / "fixtures" / "worked_example"
NO_DATA_CITY = "410181"  # 巩义市: a city of the user's with no programs and no demand
runner = CliRunner()


def cli(home: Path, *args: str, code: int = 0) -> Any:
    r = runner.invoke(app, ["--home", str(home), *args])
    assert r.exit_code == code, r.output
    return r


# --------------------------------------------------------------------------------------------- compare
@pytest.fixture(scope="module")
def home(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = demo_copy(demo_graph, tmp_path_factory.mktemp("compare-home"))
    data = tmp_path_factory.mktemp("nodata-city")
    (data / "cities.csv").write_text(f"行政区划代码,名称\n{NO_DATA_CITY},巩义市\n", encoding="utf-8")
    cli(h, "import", str(data))
    return h


@pytest.fixture(scope="module")
def store(home: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(home / "graph.sqlite")
    yield s
    s.close()


@pytest.fixture(scope="module")
def henan(store: SqliteStore) -> dict[str, Any]:
    return service.compare(store, province="410000").data


def test_compare_rows_equal_the_single_city_answers(store: SqliteStore, henan: dict[str, Any]) -> None:
    assert (henan["province"], henan["year"], henan["measure"], henan["ranked"], henan["unranked"]) == (
        "410000", 2024, "sai", 18, 1)
    rows = {r["city"]: r for r in henan["cities"]}
    assert len(rows) == 19
    ccd = {s["city"]: s for s in service.coupling(store, sorted(rows), 2024).data["scopes"]}
    for c, r in rows.items():
        if c == NO_DATA_CITY:
            continue
        a = service.alignment(store, [c], year=2024).data
        ready = service.readiness(store, c, 2024).data
        g = service.gaps(store, [c], year=2024).data
        assert (r["S"], r["D"], r["sai"], r["sai_observed"], r["coverage"]) == (
            a["S"], a["D"], a["sai"], a["sai_observed"], a["coverage"]), c
        assert (r["targets_met"], r["targets_total"], r["conditions_met"]) == (
            ready["targets_met"], ready["targets_total"], ready["conditions_met"]), c
        assert r["gaps"] == g["counts"] and r["gaps_total"] == g["total"], c
        assert (r["coupling"], r["coupling_grade"]) == (ccd[c]["ccd"], ccd[c]["grade"]), c
        assert r["source"] == "illustrative" and r["has_data"] is True
        inst = a["data_coverage"]["institutions"]
        assert (r["completeness"]["institutions_with_programs"], r["completeness"]["institutions_total"]) == (
            inst["with_programs"], inst["total"])
    kf = rows["410200"]  # 开封, exact
    assert (round(kf["sai"], 4), round(kf["sai_observed"], 4), kf["coverage"], kf["targets_met"], kf["rank"]) == (
        0.5189, 0.5406, 1.0, 1, 16)
    assert kf["gaps"] == {"unmet_demand": 0, "shortage": 4, "surplus": 40, "uncovered_segment": 0,
                          "no_cooperation": 4, "no_training_base": 1, "target_shortfall": 4}


def test_a_city_without_data_is_listed_last_never_ranked_as_zero(henan: dict[str, Any]) -> None:
    last = henan["cities"][-1]
    assert (last["city"], last["name"], last["source"], last["has_data"], last["rank"]) == (
        NO_DATA_CITY, "巩义市", "yours", False, None)
    assert [last[k] for k in ("S", "D", "sai", "sai_observed", "coverage", "targets_met", "coupling", "gaps",
                              "gaps_total")] == [None] * 9
    assert (last["completeness"]["has_programs"], last["completeness"]["has_demand"]) == (False, False)
    assert henan["note"].startswith("没有数据的城市标为「无数据」，排在有数据的城市之后")


@pytest.mark.parametrize("measure, key", [("sai", "sai"), ("coverage", "coverage"), ("targets", "targets_met"),
                                          ("coupling", "coupling")])
def test_compare_sorts_by_the_chosen_measure(store: SqliteStore, measure: str, key: str) -> None:
    rows = service.compare(store, province="410000", sort=measure).data["cities"]
    ranked = [r for r in rows if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, 19))
    assert [(-r[key], r["city"]) for r in ranked] == sorted((-r[key], r["city"]) for r in ranked)
    assert [r["city"] for r in rows[18:]] == [NO_DATA_CITY] and rows[18][key] is None
    if measure == "sai":
        assert [r["city"] for r in ranked[:3]] == ["411500", "410700", "411700"]  # 信阳 0.7368, 新乡, 驻马店
    if measure == "coupling":
        assert ranked[0]["city"] == "410100" and round(ranked[0]["coupling"], 4) == 0.9883  # 郑州


def test_compare_given_cities_and_argument_rules(store: SqliteStore) -> None:
    d = service.compare(store, cities=["410300", "410200", "410100"], year=2024, sort="targets").data
    assert (d["province"], d["scope_name"], d["year"]) == (None, "郑州市、开封市、洛阳市", 2024)
    assert [r["city"] for r in d["cities"]] == ["410100", "410300", "410200"]  # 2, 2, 1 targets met; ties by code
    assert [r["targets_met"] for r in d["cities"]] == [2, 2, 1]
    coupled = service.coupling(store, ["410100", "410200", "410300"], 2024).data["scopes"]
    assert {r["city"]: r["coupling"] for r in d["cities"]} == {s["city"]: s["ccd"] for s in coupled}
    with pytest.raises(ArgumentError):
        service.compare(store, sort="bogus")
    some = service.compare(store, province="410000", cities=["410200", "410100"]).data  # some of the province's
    assert (some["province"], [r["city"] for r in some["cities"]]) == ("410000", ["410100", "410200"])
    with pytest.raises(LookupError, match="city 410200 is not in province 420000|province 420000"):
        service.compare(store, province="420000", cities=["410200"])
    with pytest.raises(LookupError):
        service.compare(store, cities=["999999"])
    one = service.compare(store, cities=["410200"]).data  # one city: no coupling, and why
    assert one["cities"][0]["coupling"] is None and one["coupling_note"].startswith("耦合协调度比较多个城市")


def test_compare_cli_and_api_agree(home: Path) -> None:
    out = json.loads(cli(home, "compare", "--province", "410000", "--sort", "coverage", "--format", "json").stdout)
    with TestClient(create_app(Settings(home=home))) as client:
        r = client.get("/analysis/compare", params={"province": "410000", "sort": "coverage"})
        assert r.status_code == 200
        body = r.json()
        assert body.pop("illustrative") is True
        assert body == out
        assert client.get("/analysis/compare", params={"sort": "bogus"}).status_code == 422
        csv = client.get("/analysis/compare", params={"province": "410000", "format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")  # the numbers: below
        assert client.get("/analysis/compare", params={"city": "999999"}).status_code == 404
    assert out["measure"] == "coverage" and out["cities"][-1]["city"] == NO_DATA_CITY
    table = cli(home, "compare", "--province", "410000").stdout
    assert "巩义市 410181" in table and "无数据 no data" in table and "示意数据" in table
    assert "没有数据的城市标为「无数据」" in table
    cli(home, "compare", "--sort", "bogus", code=2)
    cli(home, "compare", "--province", "410000", "--city", "999999", code=1)
    cli(home, "compare", "--city", "999999", code=1)


def test_tile_layout_from_the_city_list() -> None:
    henan = tile_layout(["410100", "410200", "411500", NO_DATA_CITY], "410000")
    assert henan["layout"] == "grid" and (henan["rows"], henan["cols"]) == (9, 6)
    assert henan["tiles"]["410100"] == {"row": 3, "col": 2} and henan["tiles"]["411500"] == {"row": 7, "col": 3}
    assert henan["unplaced"] == [NO_DATA_CITY] and henan["tiles"][NO_DATA_CITY] == {"row": 8, "col": 0}
    other = tile_layout(["420100", "420200", "420300", "420500", "420600"], "420000")  # no grid: compact, code order
    assert other["layout"] == "compact" and other["cols"] == 3 and other["rows"] == 2
    assert other["tiles"]["420500"] == {"row": 1, "col": 0}
    full = tile_layout([f"41{k:02d}00" for k in range(1, 18)] + ["419001"], "410000")
    cells = {(t["row"], t["col"]) for t in full["tiles"].values()}
    assert len(cells) == 18 and full["unplaced"] == []


# ----------------------------------------------------------------------------------------------- trend
@pytest.fixture(scope="module")
def years_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example with 2021 (3 programs), no 2022, a thin 2023 (1 program beside 3) and 2024."""
    d = tmp_path_factory.mktemp("trend-data")
    shutil.copytree(WORKED, d, dirs_exist_ok=True)
    (d / "README.md").unlink()
    with open(d / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099999,460101,2021,250\n4141099999,460201,2021,150\n4141099999,460301,2021,100\n"
                 "4141099999,460101,2023,280\n")
    with open(d / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410200,2021,300,36\n410200,2021,100,38\n410200,2021,100,65\n410200,2023,400,36\n410200,2023,200,38\n")
    h = tmp_path_factory.mktemp("trend-home")
    r = runner.invoke(app, ["--home", str(h), "build", "--no-demo", "--data", str(d)])
    assert r.exit_code == 0, r.output
    return h


def test_trend_with_a_missing_and_a_thin_year(years_home: Path) -> None:
    s = SqliteStore(years_home / "graph.sqlite")
    t = service.trend(s, cities=["410200"], years=(2020, 2024)).data
    s.close()
    assert (t["scope"], t["from"], t["to"], t["missing_years"]) == ("410200", 2020, 2024, [2020, 2022])
    y = {r["year"]: r for r in t["years"]}
    assert list(y) == [2021, 2023, 2024]  # the missing years are absent, not 0
    assert (y[2021]["S"], y[2021]["D"], round(y[2021]["sai"], 4), y[2021]["partial"]) == (500.0, 500.0, 0.9, False)
    assert (y[2023]["S"], y[2023]["D"], round(y[2023]["sai"], 4), round(y[2023]["sai_observed"], 4)) == (
        280.0, 600.0, 0.6667, 0.6667)
    assert y[2023]["partial"] is True
    assert y[2023]["partial_reason"].startswith("2023 年的专业点数据偏少，可能只导入了一部分：2023 年 1 个专业点、1 所院校")
    assert (y[2024]["S"], y[2024]["D"], round(y[2024]["sai"], 4), y[2024]["partial"]) == (600.0, 700.0, 0.7976, False)
    assert y[2021]["change"] is None
    across = y[2023]["change"]  # from 2021 across the missing 2022: no delta, and said
    assert (across["from"], across["gap_years"], across["S"], across["D"], across["sai"]) == (2021, [2022], None, None,
                                                                                             None)
    assert across["note"].startswith("2022 年没有数据，不跨过缺的年份计算变化")
    ch = y[2024]["change"]
    assert (ch["from"], ch["gap_years"], ch["S"], ch["D"], round(ch["sai"], 6), ch["partial"]) == (
        2023, [], 320.0, 100.0, round(0.7976190476190477 - 2 / 3, 6), True)
    assert ch["note"].startswith("2023 年数据偏少或不全，变化可能来自缺的数据")
    ind = {i["code"]: i["by_year"] for i in t["industries"]}
    assert ind["38"] == [{"year": 2021, "supply": 50.0, "demand": 100.0, "change": None},
                         {"year": 2023, "supply": 0.0, "demand": 200.0, "change": None},
                         {"year": 2024, "supply": 50.0, "demand": 200.0, "change": {"supply": 50.0, "demand": 0.0}}]
    assert ind["65"][1] == {"year": 2023, "supply": 0.0, "demand": None, "change": None}  # no demand rows: no data
    assert ind["65"][2] == {"year": 2024, "supply": 200.0, "demand": 100.0, "change": {"supply": 200.0, "demand": None}}


def test_trend_default_range_and_argument_rules(years_home: Path) -> None:
    s = SqliteStore(years_home / "graph.sqlite")
    try:
        t = service.trend(s, cities=["410200"]).data  # default: the first to the last year with programs
        assert (t["from"], t["to"], [r["year"] for r in t["years"]], t["missing_years"]) == (2021, 2024,
                                                                                          [2021, 2023, 2024], [2022])
        none = service.trend(s, cities=["410200"], years=(2010, 2011)).data
        assert (none["years"], none["industries"], none["missing_years"]) == ([], [], [2010, 2011])
        assert none["reason"].startswith("本范围在所选年份没有专业点或需求数据")
        with pytest.raises(ArgumentError):
            service.trend(s, cities=["410200"], years=(2024, 2021))
        with pytest.raises(ArgumentError):
            service.trend(s)
        with pytest.raises(LookupError):
            service.trend(s, cities=["410200"], chain="NO-SUCH-CHAIN")
    finally:
        s.close()


@pytest.mark.parametrize("chain", [None, "HN-NEV-01"])
def test_trend_years_equal_the_alignment_of_each_year(store: SqliteStore, chain: str | None) -> None:
    t = service.trend(store, province="410000", chain=chain).data
    assert ([r["year"] for r in t["years"]], t["missing_years"], t["chain"]) == ([2023, 2024], [], chain)
    for r in t["years"]:
        a = service.alignment(store, province="410000", year=r["year"], chain=chain).data
        assert (r["S"], r["D"], r["sai"], r["sai_observed"], r["coverage"], r["partial"]) == (
            a["S"], a["D"], a["sai"], a["sai_observed"], a["coverage"], False)
        by_code = {i["code"]: i for i in a["industries"]}
        for ind in t["industries"]:
            cell = next(b for b in ind["by_year"] if b["year"] == r["year"])
            if ind["code"] in by_code:
                i = by_code[ind["code"]]
                assert (cell["supply"], cell["demand"]) == (i["supply"], i["demand"] if i["demand_data"] else None)
            else:
                assert (cell["supply"], cell["demand"]) == (0.0, None)
    ch = t["years"][1]["change"]
    assert ch["S"] == t["years"][1]["S"] - t["years"][0]["S"] and ch["gap_years"] == []


def test_trend_cli_and_api_agree(years_home: Path) -> None:
    out = json.loads(cli(years_home, "trend", "--city", "410200", "--from", "2021", "--to", "2024",
                         "--format", "json").stdout)
    assert [r["year"] for r in out["years"]] == [2021, 2023, 2024] and out["missing_years"] == [2022]
    with TestClient(create_app(Settings(home=years_home))) as client:
        r = client.get("/analysis/trend", params={"city": "410200", "from": 2021, "to": 2024})
        assert r.status_code == 200
        body = r.json()
        assert body.pop("illustrative") is False
        assert body == out
        assert client.get("/analysis/trend", params={"city": "410200", "from": 2024, "to": 2021}).status_code == 422
        assert client.get("/analysis/trend", params={"city": "410200", "province": "410000"}).status_code == 422
    table = cli(years_home, "trend", "--city", "410200", "--from", "2021", "--to", "2024").stdout
    assert "该年没有数据，不计为 0" in table
    assert "偏少 partial: 2023 年的专业点数据偏少" in table and "+320.0" in table
    assert "无数据的年份 years without data: 2022" in table
    cli(years_home, "trend", "--city", "410200", "--from", "2024", "--to", "2021", code=2)
    cli(years_home, "trend", "--city", "410200", "--province", "410000", code=2)
    cli(years_home, "trend", "--city", "999999", code=1)


# --------------------------------------------------------------------------------------------- the page
@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[str]:
    with serving(create_app(Settings(home=home))) as url:
        yield url


def test_the_page_is_offline_and_escapes(store: SqliteStore) -> None:
    from iekg.viz.compare import compare_html
    from iekg.viz.page import external_loads

    page = compare_html(store, province="410000")
    assert page.meta == {"cities": 19, "ranked": 18, "unranked": 1, "layout": "grid", "illustrative": True,
                         "title": "河南省 2024 城市比较"}
    assert external_loads(page) == []
    assert "不是地图，不含行政区划界线" in page and 'id="illustrative-banner"' in page
    assert "/analysis/compare?province=410000&year=2024&format=csv" in page


def test_names_never_become_markup_and_public_cities_are_marked(tmp_path: Path) -> None:
    """A city named with markup: the page's title escapes it and its data block cannot close its script element;
    the reference cities of a graph without the demo are ``public`` (only in the public lists), unranked."""
    from iekg.viz.page import external_loads

    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    (d / "cities.csv").write_text("行政区划代码,名称\n410000,河南省\n410200,开封<b>市</b><script>x</script>\n",
                                  encoding="utf-8")
    home = tmp_path / "home"
    cli(home, "build", "--no-demo", "--data", str(d))
    out = json.loads(cli(home, "compare", "--province", "410000", "--html", str(tmp_path / "p.html"),
                         "--format", "json").stdout)
    first, rest = out["cities"][0], out["cities"][1:]
    assert (first["city"], first["name"], first["source"], first["rank"], round(first["sai"], 4)) == (
        "410200", "开封<b>市</b><script>x</script>", "yours", 1, 0.7976)
    assert len(rest) == 17 and {(r["source"], r["rank"], r["sai"]) for r in rest} == {("public", None, None)}
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    head, rest_of_page = page.split('<script type="application/json" id="compare-config">', 1)
    block, tail = rest_of_page.split("</script>", 1)  # the data block ends at its own end tag, not at the name
    assert json.loads(block)["data"]["cities"][0]["name"] == "开封<b>市</b><script>x</script>"
    assert "</" not in block and "<b>" not in head + tail and "<script>x" not in head + tail
    assert external_loads(page) == []
    assert "不是地图，不含行政区划界线" in page


@pytest.mark.browser
def test_comparison_page_in_a_browser(server: str, browser: Any, home: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    w = watch(context.new_page())
    page = w.page
    try:
        page.goto(f"{server}/viz/compare?province=410000")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        names = page.locator("#compare-table tbody tr td.name").all_text_contents()
        assert len(names) == 19 and names[0] == "信阳市" and names[-1] == "巩义市"  # by SAI; no data last
        last = page.locator(f"#compare-table tbody tr[data-city='{NO_DATA_CITY}']")
        assert last.locator("td.rank").text_content() == "—" and "无数据" in (last.text_content() or "")
        assert last.locator(".tag").text_content() == "你的数据"
        assert page.locator("#compare-table tbody tr[data-city='410200'] .tag").text_content() == "示例"
        assert page.is_visible("#illustrative-banner")
        assert "不是地图，不含行政区划界线" in page.inner_text("#caption")
        assert (page.get_attribute("#download", "href") or "").endswith(
            "/analysis/compare?province=410000&year=2024&format=csv")
        assert (page.get_attribute("#download-xlsx", "href") or "").endswith(
            "/analysis/compare?province=410000&year=2024&format=xlsx")
        # the map: one tile per city, the no-data tile hatched and labelled
        assert page.locator("#tilemap .tile").count() == 19
        nodata = page.locator(f"#tilemap .tile[data-city='{NO_DATA_CITY}']")
        assert "nodata" in (nodata.get_attribute("class") or "") and "无数据" in (nodata.text_content() or "")
        assert page.locator("#tilemap .tile.nodata").count() == 1
        zz = page.locator("#tilemap .tile[data-city='410100']")
        assert page.evaluate("e => [e.style.gridRow, e.style.gridColumn]", zz.element_handle()) == ["4", "3"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare-henan.png"), full_page=True)
        # clicking a header sorts; no data stays last either way
        page.click("#compare-table th[data-key='coverage']")
        assert page.evaluate("() => [document.body.dataset.sortKey, document.body.dataset.sortDir]") == [
            "coverage", "desc"]
        cov = page.locator("#compare-table tbody tr td:nth-child(6)").all_text_contents()
        nums = [float(x) for x in cov[:18]]
        assert nums == sorted(nums, reverse=True) and cov[18] == "无数据"
        page.click("#compare-table th[data-key='coverage']")
        cov = page.locator("#compare-table tbody tr td:nth-child(6)").all_text_contents()
        assert [float(x) for x in cov[:18]] == sorted(nums) and cov[18] == "无数据"
        page.click("#compare-table th[data-key='name']")
        by_name = page.locator("#compare-table tbody tr td.name").all_text_contents()
        assert by_name[-1] == "巩义市" and by_name[:18] == page.evaluate(
            "names => names.slice().sort((a, b) => a.localeCompare(b, 'zh-CN'))", by_name[:18])
        # another measure recolours the map and ranks by it
        page.select_option("#measure", "coupling")
        first = page.locator("#compare-table tbody tr").first
        assert first.get_attribute("data-city") == "410100" and first.locator("td.rank").text_content() == "1"
        assert "0.9883" in (page.locator("#tilemap .tile[data-city='410100'] .v").text_content() or "")
        # the downloads follow the measure chosen: the file is ranked as the page is
        assert [page.get_attribute(f"#{a}", "href").split("/analysis/compare?")[1] for a in ("download", "download-xlsx")] == [
            "province=410000&year=2024&sort=coupling&format=csv", "province=410000&year=2024&sort=coupling&format=xlsx"]
        xlsx = page.request.get(page.evaluate("() => document.getElementById('download-xlsx').href"))
        assert xlsx.status == 200 and xlsx.body().startswith(b"PK")
        ranked = _tables(xlsx.body(), "xlsx")[1]["城市比较"]
        assert [(r["排名"], r["城市代码"]) for r in (ranked[0], ranked[-1])] == [(1, "410100"), (None, NO_DATA_CITY)]
        w.check()
    finally:
        context.close()


# ------------------------------------------------------------------------------ take-away files (issue 22)
GAP_HEADERS = {"unmet_demand": "缺口：有需求无供给的行业（个）", "shortage": "缺口：人才短缺行业（个）",
               "surplus": "缺口：人才供给过剩行业（个）", "uncovered_segment": "缺口：无专业支撑的产业链环节（个）",
               "no_cooperation": "缺口：无院校合作的重点产业链企业（个）",
               "no_training_base": "缺口：无实训基地服务的重点产业链（个）", "target_shortfall": "缺口：未达到的试点目标（个）"}
COMPARE_FIGURES = {"排名": "rank", "供给（人）": "S", "需求（人）": "D", "SAI（结构匹配指数）": "sai",
                   "观测SAI（有需求数据的行业）": "sai_observed", "链条覆盖率": "coverage", "目标达成（项）": "targets_met",
                   "目标总数（项）": "targets_total", "条件满足（项）": "conditions_met", "条件总数（项）": "conditions_total",
                   "耦合协调度 D": "coupling", "缺口合计（个）": "gaps_total"}
SOURCE_WORDS = {"yours": "你的数据", "illustrative": "示例（示意数据）", "public": "公开名单"}


def _tables(data: bytes, fmt: str) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """The notes and each table of a CSV or xlsx file as rows keyed by header; a CSV figure read as a number,
    an empty cell as None."""
    from test_takeaway_formats import read_csv, read_xlsx

    if fmt == "csv":
        title_and_notes, tables = read_csv(data)
        notes = title_and_notes[1:]  # as the xlsx's 说明: the title, then the notes
        named = {("逐年" if "年份" in tables[""][0] and "ΔS（人）" in tables[""][0] else "城市比较") if not k else k: v
                 for k, v in tables.items()}
    else:
        wb, named = read_xlsx(data)
        notes = [c.value for c in wb["说明"]["A"]][1:]
    out = {}
    for name, (header, rows) in named.items():
        out[name] = [{h: (None if v in ("", None) else _number(v) if fmt == "csv" else v) for h, v in
                      zip(header, r, strict=True)}
                     for r in rows]
    return notes, out


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _assert_compare_file(data: bytes, fmt: str, d: dict[str, Any]) -> list[str]:
    notes, tables = _tables(data, fmt)
    rows = tables["城市比较"]
    assert [r["城市代码"] for r in rows] == [_number(c["city"]) if fmt == "csv" else c["city"] for c in d["cities"]]
    for got, want in zip(rows, d["cities"], strict=True):
        assert (got["城市"], got["数据来源"]) == (want["name"], SOURCE_WORDS[want["source"]])
        if not want["has_data"]:  # no data: every figure an empty cell, never 0
            figures = [*COMPARE_FIGURES, *GAP_HEADERS.values(), "有专业点的院校（所）", "院校（所）", "专业点（个）"]
            assert [got[h] for h in figures] == [None] * 22, got
            assert got["有专业点数据"] == "否" and got["说明"].endswith("未参与比较（无数据，不是 0）")
            continue
        assert {h: got[h] for h in COMPARE_FIGURES} == {h: want[k] for h, k in COMPARE_FIGURES.items()}, want["city"]
        assert {t: got[h] for t, h in GAP_HEADERS.items()} == want["gaps"], want["city"]
        assert got["协调等级"] == want["coupling_grade"]
        comp = want["completeness"]
        assert (got["有专业点的院校（所）"], got["院校（所）"], got["专业点（个）"]) == (
            comp["institutions_with_programs"], comp["institutions_total"], comp["programs_total"])
    return notes


def test_compare_csv_and_xlsx_equal_the_json(home: Path) -> None:
    out = json.loads(cli(home, "compare", "--province", "410000", "--format", "json").stdout)
    with TestClient(create_app(Settings(home=home))) as client:
        files = {}
        for fmt in ("csv", "xlsx"):
            r = client.get("/analysis/compare", params={"province": "410000", "format": fmt})
            assert r.status_code == 200, r.text
            assert r.headers["x-iekg-illustrative"] == "true"
            assert "attachment" in r.headers["content-disposition"] and f".{fmt}" in r.headers["content-disposition"]
            files[fmt] = r.content
        assert client.get("/analysis/compare", params={"province": "410000"},
                          headers={"Accept": "text/csv"}).content.startswith(b"\xef\xbb\xbf")
    assert files["csv"].startswith(b"\xef\xbb\xbf") and files["xlsx"].startswith(b"PK")
    for fmt, data in files.items():
        notes = _assert_compare_file(data, fmt, out)
        assert notes[0].startswith("示意数据"), fmt
        assert any(n.startswith("排序：按 结构匹配指数 SAI 从高到低") and n.endswith("不按 0 排名：巩义市") for n in notes)
        assert any(n.startswith("数据来源为「示例（示意数据）」的行") for n in notes)
        assert notes[-1].startswith("来源：iekg ")
    _, tables = _tables(files["xlsx"], "xlsx")
    kf = next(r for r in tables["城市比较"] if r["城市代码"] == "410200")  # 开封, exact: rank 16, 40 surplus gaps
    assert (kf["排名"], kf["目标达成（项）"], kf["缺口：人才供给过剩行业（个）"], kf["链条覆盖率"]) == (16, 1, 40, 1.0)
    last = tables["城市比较"][-1]
    assert (last["城市"], last["排名"], last["数据来源"], last["SAI（结构匹配指数）"]) == ("巩义市", None, "你的数据", None)


def test_compare_cli_writes_xlsx_and_csv(home: Path, tmp_path: Path) -> None:
    out = json.loads(cli(home, "compare", "--province", "410000", "--sort", "coupling", "--format", "json").stdout)
    cli(home, "compare", "--province", "410000", "--sort", "coupling", "--format", "xlsx", "-o", str(tmp_path / "c.xlsx"))
    notes = _assert_compare_file((tmp_path / "c.xlsx").read_bytes(), "xlsx", out)
    assert any(n.startswith("排序：按 耦合协调度 从高到低") for n in notes)
    csv_text = cli(home, "compare", "--province", "410000", "--sort", "coupling", "--format", "csv").stdout_bytes
    first = _tables(csv_text, "csv")[1]["城市比较"][0]
    assert (first["排名"], first["城市代码"], first["耦合协调度 D"]) == (1, 410100, out["cities"][0]["coupling"])
    cli(home, "compare", "--province", "410000", "--format", "table", "-o", str(tmp_path / "t.txt"), code=2)


def test_compare_and_trend_refuse_a_format_they_lack(home: Path) -> None:
    with TestClient(create_app(Settings(home=home))) as client:
        for route in ("/analysis/compare", "/analysis/trend"):
            params = {"province": "410000"}
            r = client.get(route, params={**params, "format": "pdf"})
            assert (r.status_code, r.json()["formats"]) == (406, ["json", "csv", "xlsx"]), route
            r = client.get(route, params=params, headers={"Accept": "application/pdf"})
            assert (r.status_code, r.json()["formats"]) == (406, ["json", "csv", "xlsx"]), route
            r = client.get(route, params=params, headers={"Accept": "application/vnd.openxmlformats-officedocument."
                                                                     "spreadsheetml.sheet"})
            assert r.status_code == 200 and r.content.startswith(b"PK"), route


TREND_COLUMNS = {"年份": "year", "供给（人）": "S", "需求（人）": "D", "SAI（结构匹配指数）": "sai",
                 "观测SAI（有需求数据的行业）": "sai_observed", "覆盖率": "coverage", "专业点（个）": "programs"}
DELTAS = {"ΔS（人）": "S", "ΔD（人）": "D", "ΔSAI": "sai", "Δ观测SAI": "sai_observed", "Δ覆盖率": "coverage"}


def _assert_trend_file(data: bytes, fmt: str, t: dict[str, Any]) -> list[str]:
    notes, tables = _tables(data, fmt)
    rows = tables["逐年"]
    assert [r["年份"] for r in rows] == [y["year"] for y in t["years"]]  # the missing years are absent, not 0
    for got, want in zip(rows, t["years"], strict=True):
        assert {h: got[h] for h in TREND_COLUMNS} == {h: want[k] for h, k in TREND_COLUMNS.items()}
        ch = want["change"] or {}
        assert {h: got[h] for h in DELTAS} == {h: ch.get(k) for h, k in DELTAS.items()}, want["year"]
        assert got["比较年份"] == ch.get("from")
        assert (got["数据偏少"], got["原因"]) == ("是" if want["partial"] else None, want["partial_reason"])
    long = [(r["行业代码"], r["年份"], r["供给（人）"], r["需求（人）"], r["供给变化（人）"], r["需求变化（人）"])
            for r in tables["分行业"]]
    assert long == [(_number(i["code"]) if fmt == "csv" else i["code"], b["year"], b["supply"], b["demand"],
                     (b["change"] or {}).get("supply"), (b["change"] or {}).get("demand"))
                    for i in t["industries"] for b in i["by_year"]]
    return notes


def test_trend_csv_and_xlsx_equal_the_json(years_home: Path, tmp_path: Path) -> None:
    t = json.loads(cli(years_home, "trend", "--city", "410200", "--from", "2021", "--to", "2024",
                       "--format", "json").stdout)
    cli(years_home, "trend", "--city", "410200", "--from", "2021", "--to", "2024", "--format", "xlsx",
        "-o", str(tmp_path / "t.xlsx"))
    with TestClient(create_app(Settings(home=years_home))) as client:
        r = client.get("/analysis/trend", params={"city": "410200", "from": 2021, "to": 2024, "format": "csv"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.headers["x-iekg-illustrative"] == "false"
        api_xlsx = client.get("/analysis/trend", params={"city": "410200", "from": 2021, "to": 2024, "format": "xlsx"})
        assert api_xlsx.status_code == 200
    for fmt, data in (("csv", r.content), ("xlsx", (tmp_path / "t.xlsx").read_bytes()), ("xlsx", api_xlsx.content)):
        notes = _assert_trend_file(data, fmt, t)
        assert "无数据的年份：2022（不计为 0，表中没有这些年份）" in notes, fmt
        assert "2023 年与 2021 年之间缺 2022 年的数据：不跨过缺的年份计算变化（Δ 为空）" in notes
        assert not any(n.startswith("示意数据") for n in notes)
    _, tables = _tables(r.content, "csv")
    by_year = {row["年份"]: row for row in tables["逐年"]}
    assert sorted(by_year) == [2021, 2023, 2024]
    assert (by_year[2023]["ΔS（人）"], by_year[2023]["数据偏少"], by_year[2024]["ΔS（人）"], by_year[2024]["ΔD（人）"]) == (
        None, "是", 320.0, 100.0)
    assert (by_year[2021]["供给（人）"], by_year[2021]["需求（人）"], by_year[2024]["供给（人）"]) == (500.0, 500.0, 600.0)
    ind65 = [row for row in tables["分行业"] if row["行业代码"] == 65]
    assert [(x["年份"], x["供给（人）"], x["需求（人）"]) for x in ind65] == [(2021, 150.0, 100.0), (2023, 0.0, None),
                                                                         (2024, 200.0, 100.0)]


def test_compare_with_a_target_year_projects_each_city_as_align_and_readiness_do(
        store: SqliteStore, henan: dict[str, Any], home: Path) -> None:
    """``--target-year``: each city with data also its figures for the target year, equal to ``align`` and
    ``readiness --target-year`` of that city; the ranking stays the data year's; a city without data None; the
    same in the API's JSON and in its workbook (columns headed with the year, and a note that they are
    projections); a target year not after the data's is refused naming both."""
    res = service.compare(store, province="410000", target_year=2027).data
    assert res["target_year"] == 2027
    assert [(r["city"], r["rank"]) for r in res["cities"]] == [(r["city"], r["rank"]) for r in henan["cities"]]
    for r in res["cities"]:
        if r["city"] == NO_DATA_CITY:
            assert r["target"] is None
            continue
        t = service.alignment(store, [r["city"]], year=2024, target_year=2027).data["target"]
        rt = service.readiness(store, r["city"], 2024, target_year=2027).data["target"]
        assert {k: r["target"][k] for k in ("S", "D", "sai", "sai_observed", "coverage", "base_year")} == {
            k: t[k] for k in ("S", "D", "sai", "sai_observed", "coverage", "base_year")}, r["city"]
        assert (r["target"]["targets_met"], r["target"]["targets_total"]) == (rt["targets_met"], rt["targets_total"])
        assert r["target"]["projection"] is True and r["target"]["S"] != r["S"]
    with pytest.raises(ArgumentError, match="2024"):
        service.compare(store, province="410000", target_year=2024)
    by_cli = json.loads(cli(home, "compare", "--province", "410000", "--target-year", "2027", "--format", "json").stdout)
    assert [r["target"] for r in by_cli["cities"]] == [r["target"] for r in res["cities"]]
    table = cli(home, "compare", "--province", "410000", "--target-year", "2027").stdout
    assert "2027 SAI 预测" in table and "不是统计数据" in table
    assert "须晚于数据年份 2024" in cli(home, "compare", "--province", "410000", "--target-year", "2024", code=2).output
    with TestClient(create_app(Settings(home=home))) as client:
        got = client.get("/analysis/compare", params={"province": "410000", "target_year": 2027}).json()
        assert [r["target"] for r in got["cities"]] == [r["target"] for r in res["cities"]]
        assert client.get("/analysis/compare", params={"province": "410000", "target_year": 2024}).status_code == 422
        xlsx = client.get("/analysis/compare", params={"province": "410000", "target_year": 2027, "format": "xlsx"})
    notes, tables = _tables(xlsx.content, "xlsx")
    rows = {r["城市代码"]: r for r in tables["城市比较"]}
    for r in res["cities"]:
        got_row = rows[r["city"]]
        want = r["target"] or {}
        assert (got_row["2027年预测 供给（人）"], got_row["2027年预测 SAI"], got_row["2027年预测 目标达成（项）"]) == (
            want.get("S"), want.get("sai"), want.get("targets_met")), r["city"]
    assert any(n.startswith("「2027年预测」各列是按 2024年 数据预测的值，不是统计数据") for n in notes)
