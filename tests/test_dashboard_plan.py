"""The dashboard's plan-forward face (issue 23): the 情景 panel — a stored what-if scenario side by side with the
baseline (S, D, SAI, observed SAI, coverage, unmet demand, targets met), the industries that move with their
status words, its chart and its table as a workbook — and the 目标年份 control, which shows the target year's
alignment and readiness (预测, the methods named) beside today's.

Headless Debian Chromium driven by Playwright (no browser download), the API served on 127.0.0.1 (both as
``tests/servers.py`` starts them); skipped when either is missing, a failure under ``CI``.  Every test checks
that the page logged no console error and asked nothing of any host but 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import demo_copy
from servers import ARTIFACTS, Watched, serving, show_ranking, watch
from test_browser import _app

from iekg import service
from iekg.graph.sqlitestore import SqliteStore

pytestmark = pytest.mark.browser

KAIFENG, LUOYANG, XUCHANG = "410200", "410300", "411000"
NAME = "食品扩招"
MARKUP = "<img src=x onerror=alert(1)>方案"
ELSEWHERE = "许昌方案"
INSTITUTION, MAJOR, GRADUATES = "4141010475", "082701", 150  # a 开封 institution; 食品科学与工程, not offered there
TARGET_YEAR = 2027


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> dict[str, Any]:
    """A demo copy with three scenarios made through the service (one adding a food major in 开封, one with a
    name full of markup and no changes, one for 许昌), and the answer the service gives for the first."""
    home = demo_copy(demo_graph, tmp_path_factory.mktemp("plan_demo"))
    store = SqliteStore(home / "graph.sqlite")
    try:
        service.scenario_new(store, NAME, city=KAIFENG, note="两所院校食品专业扩招的试算")
        service.scenario_add(store, NAME, [{"kind": "add_program", "institution": INSTITUTION, "major": MAJOR,
                                            "graduates": f"{GRADUATES}人"}])
        service.scenario_new(store, MARKUP, city=KAIFENG, note="<b>note</b>")
        service.scenario_new(store, ELSEWHERE, city=XUCHANG)
        shown = service.scenario_show(store, NAME)
    finally:
        store.close()
    return {"home": home, "data": shown.data, "evaluation": shown.data["evaluation"],
            "illustrative": shown.illustrative}


@pytest.fixture(scope="module")
def served(browser: Any, made: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """:func:`made` served on 127.0.0.1 (after the browser check, so that a skip costs nothing)."""
    with serving(_app(made["home"])) as url:
        yield {**made, "url": url}


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True, locale="zh-CN")
    w = watch(context.new_page())
    dialogs: list[str] = []

    def dialog(d: Any) -> None:  # an alert() would mean a name ran as markup
        dialogs.append(d.message)
        d.dismiss()

    w.page.on("dialog", dialog)
    w.page.dialogs = dialogs  # type: ignore[attr-defined]
    yield w
    context.close()


def _api(page: Any, key: str, query: str) -> Any:
    """The JSON of the page's own route ``key`` (as the page's config names it) with ``query``."""
    return page.evaluate(
        "([k, q]) => fetch(JSON.parse(document.getElementById('dashboard-config').textContent).routes[k] + q)"
        ".then(r => r.json())", [key, query])


def _open(w: Watched, url: str, query: str, city: str = KAIFENG) -> Any:
    page = w.page
    page.goto(f"{url}/dashboard?city={city}{query}")
    page.wait_for_selector(f"body[data-city='{city}'][data-loading='0']")
    return page


def _cell(page: Any, table: str, key: str, cls: str) -> tuple[str, float | None]:
    td = page.locator(f"{table} tr[data-key='{key}'] td.{cls}")
    raw = td.get_attribute("data-value")
    text = td.locator(".v").inner_text() if td.locator(".v").count() else td.inner_text()  # .v: the value beside a badge
    return text.strip(), (float(raw) if raw else None)


# ------------------------------------------------------------------------------------------ the chart's spec
def test_scenario_chart_spec_is_the_evaluation(made: dict[str, Any]) -> None:
    """GET /charts/scenario's spec (iekg.charts.specs.scenario): per industry that moves, supply before and after
    and demand, exactly the evaluation's figures; no demand said in words, never a bar of 0."""
    from iekg.charts import specs

    ev = made["evaluation"]
    spec = specs.scenario(made["data"], made["illustrative"])
    rows = specs.scenario_rows(made["data"])
    by = {(r["code"], r["series"]): r for r in rows}
    assert {r["code"] for r in rows} == {m["code"] for m in ev["moved"]}
    for m in ev["moved"]:
        assert by[(m["code"], specs.SCENARIO_SERIES[0])]["value"] == m["supply_before"]
        assert by[(m["code"], specs.SCENARIO_SERIES[1])]["value"] == m["supply_after"]
        demand = by[(m["code"], specs.SCENARIO_DEMAND)]  # no demand moves here: one demand bar
        assert demand["value"] == m["demand_after"]
        words = "无需求 no demand" if m["demand_after"] == 0 else "无需求数据 no demand data"
        assert demand["missing"] == (words if m["status_after"] == "no_demand" else None)
    assert spec["title"]["text"] == f"开封市 情景「{NAME}」：基线与情景"
    sub = spec["title"]["subtitle"]
    assert sub[0].startswith("示意数据") and "2024 年数据" in sub
    assert f"SAI {ev['baseline']['sai']:.3f} → {ev['scenario']['sai']:.3f}" in " ".join(sub)
    assert specs.scenario_rows({"evaluation": {"moved": []}}) == []


# ------------------------------------------------------------------------------------------ the scenario panel
def test_scenario_panel_shows_baseline_and_scenario_side_by_side(served: dict[str, Any], watched: Watched) -> None:
    page = _open(watched, served["url"], f"&scenario={quote(NAME)}")
    page.locator("#scenario-card").scroll_into_view_if_needed()
    page.wait_for_selector(f"#scenario-card[data-state='shown'][data-name='{NAME}']")
    ev = served["evaluation"]
    b, s = ev["baseline"], ev["scenario"]
    # the graph's figures, and the scenario's: 150 more graduates, spread over industries by weights that sum to 1
    assert abs((s["S"] - b["S"]) - GRADUATES) < 1e-6 and s["D"] == b["D"]
    for key, kind in (("S", "num"), ("D", "num"), ("sai", "ratio"), ("sai_observed", "ratio"), ("unmet_demand", "num")):
        shown_b, value_b = _cell(page, "#scenario-figures", key, "baseline")
        shown_s, value_s = _cell(page, "#scenario-figures", key, "scenario")
        assert (value_b, value_s) == (b[key], s[key]), key
        if kind == "ratio":
            assert (shown_b, shown_s) == (f"{b[key]:.3f}", f"{s[key]:.3f}"), key
        else:
            assert (shown_b, shown_s) == (f"{b[key]:,.0f}", f"{s[key]:,.0f}"), key
    assert _cell(page, "#scenario-figures", "sai", "baseline")[0] == "0.519"  # the demo's 开封 in 2024
    assert _cell(page, "#scenario-figures", "sai", "scenario")[0] == "0.518"
    assert page.inner_text("#scenario-figures tr[data-key='S'] td.change") == f"+{GRADUATES}"
    assert _cell(page, "#scenario-figures", "coverage", "baseline")[0] == f"{round(b['coverage'] * 100)}%"
    assert _cell(page, "#scenario-figures", "targets_met", "baseline")[0] == f"{b['targets_met']} / {b['targets_total']}"
    assert _cell(page, "#scenario-figures", "targets_met", "scenario")[0] == f"{s['targets_met']} / {s['targets_total']}"
    # the industries that move: each one of the evaluation, supply before → after, status words in Chinese
    rows = page.locator("#scenario-moved tbody tr[data-code]")
    assert sorted(r.get_attribute("data-code") for r in rows.all()) == sorted(m["code"] for m in ev["moved"])
    food = next(m for m in ev["moved"] if m["code"] == "13")  # 农副食品加工业
    row = page.locator("#scenario-moved tr[data-code='13']")
    assert row.locator("td").nth(0).inner_text() == "13 农副食品加工业"
    assert row.locator("td.supply").inner_text() == f"{food['supply_before']:,.0f} → {food['supply_after']:,.0f}"
    assert food["supply_after"] > food["supply_before"]
    words = {"surplus": "过剩", "shortage": "短缺", "balanced": "平衡", "unmet": "无供给", "no_demand": "无需求"}
    assert row.locator("td.status").inner_text() == f"{words[food['status_before']]} → {words[food['status_after']]}"
    food_made = next(m for m in ev["moved"] if m["code"] == "14")  # 食品制造业: no demand rows in the demo's 开封
    assert food_made["status_after"] == "no_demand" and not food_made["demand_after"]
    word = "无需求数据" if food_made["demand_after"] is None else "无需求"
    assert page.inner_text("#scenario-moved tr[data-code='14'] td.demand") == f"{word} → {word}"
    # the chart: drawn by vega-embed from GET /charts/scenario, bars for each industry that moves
    assert page.get_attribute("#scenario-chart", "data-rendered") == "1"
    bars = page.locator("#scenario-chart svg .mark-rect path")
    assert bars.count() >= 2 * len(ev["moved"])
    assert NAME in page.inner_text("#scenario-chart")
    # illustrative data marked; the other city's scenario not offered here, but counted
    assert served["illustrative"] and page.is_visible("#scenario-illustrative")
    options = page.locator("#scenario option").all_inner_texts()
    assert len(options) == 2 and not any(ELSEWHERE in o for o in options)
    assert "另有 1 个情景属于其他范围" in page.inner_text("#scenario-note")
    # 下载表格: the API's workbook of this scenario
    href = page.get_attribute("#dl-scenario", "href") or ""
    assert href.endswith(f"/scenarios/{quote(NAME, safe='')}?format=xlsx")
    with page.expect_download() as dl:
        page.click("#dl-scenario")
    data = Path(dl.value.path()).read_bytes()
    assert data[:2] == b"PK" and dl.value.suggested_filename.endswith(".xlsx") and NAME in dl.value.suggested_filename
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = {c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r}
    assert b["sai"] in cells and s["sai"] in cells
    page.locator("#scenario-card").screenshot(path=str(ARTIFACTS / "dashboard-scenario.png"))
    assert page.dialogs == []  # type: ignore[attr-defined]
    watched.check()


def test_scenario_name_with_markup_is_shown_as_text(served: dict[str, Any], watched: Watched) -> None:
    page = _open(watched, served["url"], "")
    page.wait_for_selector("#scenario-card[data-state='shown']")
    page.select_option("#scenario", MARKUP)
    page.wait_for_selector("#scenario-card[data-state='shown'][data-name='" + MARKUP.replace("'", "\\'") + "']")
    assert page.inner_text("#scenario-meta .scenario-name") == MARKUP
    assert "备注 note: <b>note</b>" in page.inner_text("#scenario-meta")
    assert page.locator("#scenario-card img, #scenario-card b").count() == 0
    assert any(MARKUP in o for o in page.locator("#scenario option").all_inner_texts())
    assert page.inner_text("#scenario-moved tbody") == "没有行业的供需因本情景而变 no industry moves"
    # no changes: the scenario's figures are the baseline's
    for key in ("S", "sai", "unmet_demand"):
        assert _cell(page, "#scenario-figures", key, "baseline")[1] == _cell(page, "#scenario-figures", key, "scenario")[1]
    assert page.get_attribute("#scenario-chart", "data-rendered") == "1"
    assert MARKUP in page.inner_text("#scenario-chart")  # vega draws the title as SVG text, not markup
    assert page.locator("#scenario-chart img").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    watched.check()


def test_no_scenario_for_the_city_says_how_to_make_one(served: dict[str, Any], watched: Watched,
                                                       tmp_path: Path, demo_graph: Path) -> None:
    page = _open(watched, served["url"], "", city=LUOYANG)
    page.wait_for_selector("#scenario-card[data-state='empty']")
    text = page.inner_text("#scenario-empty")
    assert "本市还没有情景（另有 3 个属于其他范围）" in text
    assert f"iekg scenario new 名称 --city {LUOYANG}" in text
    assert not page.is_visible("#scenario-body") and not page.is_visible("#dl-scenario")
    watched.check()
    # a graph with no scenario at all
    with serving(_app(demo_copy(demo_graph, tmp_path / "none"))) as url:
        page = _open(watched, url, "")
        page.wait_for_selector("#scenario-card[data-state='empty']")
        text = page.inner_text("#scenario-empty")
        assert text.startswith("还没有情景 no scenarios yet")
        assert f"iekg scenario new 名称 --city {KAIFENG}" in text
        watched.check()


# ------------------------------------------------------------------------------------------ the target year
def test_target_year_shows_the_projection_beside_today(served: dict[str, Any], watched: Watched) -> None:
    page = _open(watched, served["url"], "")
    assert not page.is_visible("#target-card") and page.locator(".k-target").count() == 0
    assert page.locator("#readiness th.target-col").count() == 0
    page.fill("#target-year", str(TARGET_YEAR))
    page.press("#target-year", "Enter")
    page.wait_for_selector(f"body[data-target='{TARGET_YEAR}'][data-loading='0']")
    align = _api(page, "alignment", f"?city={KAIFENG}&target_year={TARGET_YEAR}")
    ready = _api(page, "readiness", f"?city={KAIFENG}&target_year={TARGET_YEAR}")
    ta, tr = align["target"], ready["target"]
    assert ta["projection"] is True and ta["target_year"] == TARGET_YEAR and ta["base_year"] == 2024
    for key, now in (("S", align["S"]), ("D", align["D"]), ("sai", align["sai"]), ("sai_observed", align["sai_observed"])):
        shown_now, value_now = _cell(page, "#target-figures", key, "today")
        shown_then, value_then = _cell(page, "#target-figures", key, "target")
        assert (value_now, value_then) == (now, ta[key]), key
        assert shown_then == (f"{ta[key]:.3f}" if key.startswith("sai") else f"{ta[key]:,.0f}"), key
    assert _cell(page, "#target-figures", "targets_met", "target") == (
        f"{tr['targets_met']} / {tr['targets_total']}", float(tr["targets_met"]))
    assert page.locator("#target-figures td.target .badge.projection").count() >= 5
    methods = page.inner_text("#target-methods")
    assert methods == ta["methods_text"] and "在校生÷学制" in methods and "趋势外推" in methods
    assert page.inner_text("[data-kpi='kpi-sai']") == f"{TARGET_YEAR} 预测 {ta['sai']:.3f}"
    # the readiness table: a column of the target year's values, each item as the API gives it
    assert page.inner_text("#readiness th.target-col").split("\n")[0] == f"{TARGET_YEAR} 预测"
    by = {i["target"]: i for i in tr["items"]}
    rows = page.locator("#readiness tbody tr[data-metric]")
    assert rows.count() == len(tr["items"])
    projected = 0
    for k in range(rows.count()):
        metric = rows.nth(k).get_attribute("data-metric")
        item = next(i for i in by.values() if i["metric"] == metric)
        cell = rows.nth(k).locator("td.target-cell")
        raw = cell.get_attribute("data-value")
        assert (float(raw) if raw else None) == (item["value"] if item["measurable"] else None), metric
        assert cell.get_attribute("data-projected") == str(bool(item["projected"])).lower(), metric
        projected += bool(item["projected"])
    sai_item = rows.locator("xpath=self::tr[@data-metric='condition_major_industry_relevance']").locator("td.target-cell")
    assert sai_item.inner_text().split("\n")[0] == f"✗ {ta['sai']:.3f}" and projected >= 1
    # the downloads carry the target year
    assert f"target_year={TARGET_YEAR}" in (page.get_attribute("#dl-alignment", "href") or "")
    assert f"target_year={TARGET_YEAR}" in (page.get_attribute("#dl-ranking", "href") or "")
    # the ranking of all cities: a column of each city's targets met in the target year, as the API gives it
    show_ranking(page, "body[data-ranking='1'] #ranking-target-th")
    ranked = _api(page, "ranking", f"?target_year={TARGET_YEAR}")["cities"]
    assert page.inner_text("#ranking-target-th").split("\n")[0] == f"{TARGET_YEAR} 预测目标达成"
    cells = {r.get_attribute("data-city"): r.locator("td[data-projected]").inner_text()
             for r in page.locator("#ranking tbody tr").all()}
    assert cells == {r["city"]: (f"{r['target']['targets_met']} / {r['target']['targets_total']}" if r.get("target")
                                 else "—") for r in ranked}
    assert any(c != "—" for c in cells.values())
    page.locator("#target-card").screenshot(path=str(ARTIFACTS / "dashboard-target-year.png"))
    # off again: the page as before
    page.fill("#target-year", "")
    page.press("#target-year", "Enter")
    page.wait_for_selector("body[data-target=''][data-loading='0']")
    assert not page.is_visible("#target-card") and page.locator(".k-target").count() == 0
    assert page.locator("#readiness th.target-col, #readiness td.target-cell").count() == 0
    page.wait_for_selector("body[data-ranking='1']")
    assert page.locator("#ranking-target-th, #ranking td[data-projected]").count() == 0
    watched.check()


def test_a_target_year_not_after_the_data_says_why(served: dict[str, Any], watched: Watched) -> None:
    page = _open(watched, served["url"], "")
    page.fill("#target-year", "2024")
    page.press("#target-year", "Enter")
    page.wait_for_selector("body[data-target=''][data-loading='0']")
    assert page.is_visible("#target-card")
    assert "目标年份 2024 须晚于数据年份 2024" in page.inner_text("#target-note")
    assert page.locator("#target-figures tbody tr").count() == 0 and page.locator(".k-target").count() == 0
    assert page.inner_text("#kpi-sai") == "0.519"  # today's page as it was
    watched.check()
