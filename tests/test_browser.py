"""The dashboard and the network pages in headless Chromium (Debian's ``chromium`` driven by Playwright's
Python package; no browser download).  The pages are served over HTTP on 127.0.0.1 by the API (or a small
stand-in app when the API is not there).  Every page must load with no console error, no request may
leave 127.0.0.1, the network canvas must show nodes, and choosing another city must update the figures.
Screenshots go to ``test-artifacts/browser/``.

Skipped when Chromium or Playwright is missing, unless ``CI`` is set: then those are failures (the ``browser``
fixture of ``conftest.py``; the server and the browser are started as ``tests/servers.py`` starts them).
Install them with ``scripts/ci-deps`` and ``pip install playwright`` (never ``playwright install``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_copy
from servers import ARTIFACTS, TIMEOUT_MS, Watched, serving, watch

from iekg import service
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.settings import Settings

pytestmark = pytest.mark.browser

CITY, OTHER_CITY = "410200", "410300"  # 开封市, 洛阳市
CHAIN = "HN-NEV-01"
ALLIANCE = "DEMO-AL-410200-01"


# ------------------------------------------------------------------------------------------ the server
def _stub_app(store: Store) -> Any:
    """Stand-in for the API when iekg.api is missing: the dashboard's JSON routes over the query functions."""
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import Response

    from iekg import reports
    from iekg.queries.alignment import alignment
    from iekg.queries.gaps import gaps
    from iekg.queries.readiness import readiness
    from iekg.queries.scope import resolve_scope

    app = FastAPI()
    app.state.store = store

    def scope(city: str) -> Any:
        try:
            return resolve_scope(store, city=city)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None

    @app.get("/api/cities")
    def cities() -> dict[str, Any]:
        items = [{"id": n.id, "name": n.name} for n in sorted(store.nodes("City"), key=lambda n: n.id)]
        return {"items": items, "total": len(items)}

    @app.get("/api/analysis/alignment")
    def align(city: str) -> dict[str, Any]:
        return {**alignment(store, scope(city)), "illustrative": service.scope_is_illustrative(store, [city])}

    @app.get("/api/analysis/readiness")
    def ready(city: str) -> dict[str, Any]:
        return {**readiness(store, city), "illustrative": service.scope_is_illustrative(store, [city])}

    @app.get("/api/analysis/gaps")
    def gap_list(city: str, limit: int = 50) -> dict[str, Any]:
        g = gaps(store, scope(city))
        g["gaps"] = g["gaps"][:limit]
        return {**g, "illustrative": service.scope_is_illustrative(store, [city])}

    @app.get("/api/exports/attachments")
    def attachments(city: str) -> Response:
        with tempfile.TemporaryDirectory() as tmp:
            res = reports.export_attachments(store, city, Path(tmp) / "a.xlsx")
            data = Path(res["path"]).read_bytes()
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="attachments-{city}.xlsx"'})

    @app.get("/api/exports/plan")
    def plan(city: str) -> Response:
        return Response(reports.plan_markdown(store, city).encode("utf-8"), media_type="text/markdown",
                        headers={"Content-Disposition": f'attachment; filename="plan-{city}.md"'})

    return app


def _app(home: Path) -> Any:
    from iekg.api.routers.pictures import viz_router

    try:
        from iekg.api.main import create_app
    except ImportError:
        app = _stub_app(SqliteStore(home / "graph.sqlite"))
    else:
        app = create_app(Settings(home=home))
    paths = {getattr(r, "path", "") for r in app.routes} | set(app.openapi().get("paths", {}))
    if "/dashboard" not in paths:
        app.include_router(viz_router())
    return app


@pytest.fixture(scope="module")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Iterator[str]:
    """The demo graph served on 127.0.0.1 (after the browser check, so that a skip costs nothing)."""
    with serving(_app(demo_copy(demo_graph, tmp_path_factory.mktemp("browser_demo")))) as url:
        yield url


# ----------------------------------------------------------------------------------------- the browser
@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True, locale="zh-CN")
    yield watch(context.new_page())
    context.close()


def shot(w: Watched, name: str, *, full_page: bool = False) -> Path:
    path = ARTIFACTS / f"{name}.png"
    w.page.screenshot(path=str(path), full_page=full_page)
    return path


def open_network(w: Watched, url: str) -> dict[str, Any]:
    w.page.goto(url)
    w.page.wait_for_function("() => document.body.dataset.settled === '1'", timeout=TIMEOUT_MS)
    return w.page.evaluate("""() => ({
        nodes: network.body.data.nodes.length,
        edges: network.body.data.edges.length,
        visible: Object.keys(network.body.nodes).length,
        physics: network.physics.options.enabled,
        banner: !!document.getElementById('illustrative-banner'),
        legend: document.querySelectorAll('#legend li').length,
        canvas: !!document.querySelector('#network canvas'),
        title: document.querySelector('h1').textContent,
    })""")


# ------------------------------------------------------------------------------------------ the tests
def test_dashboard_loads_and_follows_the_chosen_city(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}'")
    sai = page.inner_text("#kpi-sai")
    assert sai not in ("", "—")
    assert page.inner_text("#city-name").startswith("开封市")
    assert page.is_visible("#illustrative-banner")
    page.wait_for_selector("#chart[data-rendered='1'] svg")
    assert len(axis_codes(page)) >= 5
    assert page.locator("#readiness tbody tr").count() >= 10
    assert page.locator("#gaps li").count() >= 5
    assert page.locator("#gaps a[href*='/viz/']").count() >= 1
    shot(watched, "dashboard-kaifeng", full_page=True)

    page.select_option("#city", OTHER_CITY)
    page.wait_for_function(f"() => document.body.dataset.city === '{OTHER_CITY}'")
    assert page.inner_text("#city-name").startswith("洛阳市")
    assert page.inner_text("#kpi-sai") != sai
    assert f"city={OTHER_CITY}" in (page.get_attribute("#dl-attachments", "href") or "")
    shot(watched, "dashboard-luoyang")

    with page.expect_download() as dl:
        page.click("#dl-attachments")
    assert dl.value.suggested_filename.endswith(".xlsx")
    watched.check()


def axis_codes(page: Any) -> list[str]:
    """The industry codes the Vega-Lite chart drew on its y axis, top to bottom (labels are "code name")."""
    labels = page.locator("#chart svg g.role-axis-label text").all_text_contents()
    return [t.split(" ")[0] for t in labels if t[:2].isdigit() and " " in t]  # (x-axis labels are bare numbers)


def rendered(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('chart').dataset.rendered === '1'", timeout=TIMEOUT_MS)


def test_dashboard_chart_sort_and_show_all(server: str, watched: Watched) -> None:
    """The supply/demand chart is the Vega-Lite chart of /charts/supply-demand drawn by the vendored
    vega-embed (SVG, Chinese labels as text); its sort and "show all" reorder and filter its rows."""
    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}'")
    rendered(page)
    assert len(axis_codes(page)) == 20
    assert page.locator("#chart svg g.role-title text").first.text_content().startswith("开封市 2024 年")
    page.click("#toggle-all")
    rendered(page)
    n_all = len(axis_codes(page))
    assert n_all > 20
    page.select_option("#sort", "code")
    rendered(page)
    codes = axis_codes(page)
    assert codes == sorted(codes) and codes[0].startswith("0")  # GB/T 4754 大类 codes start at 01
    # the bars are the alignment's figures: hover text (the SVG title vega writes) is not needed — the spec is
    spec = page.evaluate("() => fetch(JSON.parse(document.getElementById('dashboard-config').textContent)"
                         ".routes.chartSupplyDemand + '?format=vl.json&city=410200').then(r => r.json())")
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # an id, never fetched
    watched.check()


def test_dashboard_gap_sort_puts_industries_without_demand_data_last(server: str, watched: Watched) -> None:
    """Sorted by gap (the default), industries without demand data are not ranked as if demand were 0: they
    come after the industries with demand data (largest supply first), each marked 无需求数据 where its demand
    bar would be."""
    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}'")
    rendered(page)
    industries = page.evaluate(  # the figures the page drew, from the route it calls
        "city => fetch(JSON.parse(document.getElementById('dashboard-config').textContent).routes.alignment"
        " + '?city=' + city).then(r => r.json())", CITY)["industries"]
    known = sorted((i for i in industries if i["demand_data"]), key=lambda i: (-abs(i["demand"] - i["supply"]), i["code"]))
    unknown = sorted((i for i in industries if not i["demand_data"]), key=lambda i: (-i["supply"], i["code"]))
    assert len(known) > 20 and len(unknown) >= 5  # 开封's demo data: both groups, the first longer than a page

    assert axis_codes(page) == [i["code"] for i in known[:20]]  # by |demand − supply|, no-data never in between
    assert page.get_attribute("#chart", "data-order") == ",".join(i["code"] for i in known[:20])
    assert "无需求数据 no demand data" not in page.inner_text("#chart")
    assert f"{len(unknown)} 个行业没有需求数据，单列在有需求数据的行业之后（显示全部可见）" in page.inner_text("#chart-note")
    page.click("#toggle-all")
    rendered(page)
    assert axis_codes(page) == [i["code"] for i in known + unknown]
    marks = page.locator("#chart svg text").all_text_contents()
    assert marks.count("无需求数据 no demand data") == len(unknown)  # a word where the bar would be, never a 0 bar
    assert "（图中标“无需求数据”）" in page.inner_text("#chart-note")
    shot(watched, "dashboard-gap-sort-groups", full_page=True)
    page.select_option("#sort", "supply")
    rendered(page)
    by_supply = sorted(industries, key=lambda i: (-(i["supply"] or 0), i["code"]))
    assert axis_codes(page) == [i["code"] for i in by_supply]
    watched.check()


def test_gap_link_opens_a_working_network_page(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}' && document.body.dataset.trend === '1'")
    href = page.get_attribute("#gaps a[href*='/viz/']", "href")
    assert href
    info = open_network(watched, href if href.startswith("http") else server + href)
    assert info["nodes"] > 0 and info["canvas"]
    watched.check()


@pytest.mark.parametrize("name, path, min_nodes", [
    ("city-kaifeng", f"/viz/city/{CITY}", 50),
    ("chain-nev", f"/viz/chain/{CHAIN}?city={CITY}", 5),
    ("ego-kaifeng", f"/viz/ego/City:{CITY}", 20),
    ("ego-2hops", "/viz/ego/Institution:4141010459?hops=2&cap=120", 50),
    ("alliance", f"/viz/alliance/{ALLIANCE}", 5),
])
def test_network_pages_draw_settle_and_stay_offline(server: str, watched: Watched, name: str, path: str,
                                                    min_nodes: int) -> None:
    t0 = time.perf_counter()
    info = open_network(watched, server + path)
    seconds = time.perf_counter() - t0
    assert info["canvas"], "vis-network drew its canvas"
    assert info["nodes"] >= min_nodes and info["visible"] == info["nodes"]
    assert info["physics"] is False, "physics is off once the layout has settled"
    assert info["banner"] and info["legend"] >= 4
    shot(watched, name)
    # hovering a node shows its tooltip with the figures
    box = watched.page.evaluate("""() => {
        const id = network.body.data.nodes.getIds()[0];
        const p = network.canvasToDOM(network.getPosition(id));
        const r = document.getElementById('network').getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""")
    watched.page.mouse.move(box["x"], box["y"])
    watched.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    assert watched.page.inner_text("div.vis-tooltip").strip()
    # clicking shows the same figures in the details panel
    watched.page.mouse.click(box["x"], box["y"])
    assert watched.page.inner_text("#details-body").strip() != ""
    shot(watched, f"{name}-details")
    watched.check()
    assert seconds < 30, f"{name} took {seconds:.1f} s to settle"


def test_unknown_entity_page_is_a_plain_404(server: str, watched: Watched) -> None:
    resp = watched.page.goto(f"{server}/viz/city/999999")
    assert resp is not None and resp.status == 404
    assert "找不到" in watched.page.inner_text("h1")
    assert watched.offsite() == []


def test_dashboard_downloads_each_panel_as_a_workbook(server: str, watched: Watched) -> None:
    """Every panel has its 下载表格: the file the API's ?format=xlsx gives, for the chosen city and year —
    the same figures as the panel (checked on the alignment workbook)."""
    import io

    import openpyxl

    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}' && document.body.dataset.trend === '1'")
    for panel in ("alignment", "readiness", "gaps", "ranking", "trend"):
        href = page.get_attribute(f"#dl-{panel}", "href") or ""
        assert "format=xlsx" in href and page.is_visible(f"#dl-{panel}"), panel
    with page.expect_download() as dl:
        page.click("#dl-alignment")
    name = dl.value.suggested_filename
    assert name.endswith(".xlsx") and "开封市" in name
    wb = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    industries = page.evaluate(
        "city => fetch(JSON.parse(document.getElementById('dashboard-config').textContent).routes.alignment"
        " + '?city=' + city).then(r => r.json())", CITY)["industries"]
    ws = wb.worksheets[0]
    codes = [str(c.value) for c in ws["A"] if c.value is not None]
    assert set(i["code"] for i in industries) <= set(codes)  # every industry of the panel is in the file
    with page.expect_download() as dl2:
        page.click("#dl-gaps")
    assert dl2.value.suggested_filename.endswith(".xlsx")
    watched.check()


def test_dashboard_year_selector_and_trend_panel(server: str, watched: Watched) -> None:
    """The year selector lists the city's years with programs and asks every panel for the chosen year; the
    trend panel shows each year with data (a year without data is not a row of zeros) and its chart."""
    page = watched.page
    page.goto(f"{server}/dashboard?city={CITY}")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}' && document.body.dataset.trend === '1'")
    trend = page.evaluate(
        "city => fetch(JSON.parse(document.getElementById('dashboard-config').textContent).routes.trend"
        " + '?city=' + city).then(r => r.json())", CITY)
    years = [y["year"] for y in trend["years"]]
    assert years == [2023, 2024]  # the demo's years with programs
    rows = page.locator("#trend tbody tr")
    assert [int(r.get_attribute("data-year") or 0) for r in rows.all()] == years
    first = rows.nth(0).locator("td").all_text_contents()
    assert first[1] == f"{round(trend['years'][0]['S']):,}"  # S of 2023, as the API gives it
    page.wait_for_selector("#trend-chart[data-rendered='1'] svg")
    assert "趋势" in (page.locator("#trend-chart svg g.role-title text").first.text_content() or "")
    options = page.locator("#year option").all_text_contents()
    assert options[0].startswith("最新") and {"2023", "2024"} <= set(options)
    page.select_option("#year", "2023")
    page.wait_for_function(f"() => document.body.dataset.city === '{CITY}' && "
                           "document.getElementById('city-name').textContent.endsWith('2023')")
    assert "year=2023" in (page.get_attribute("#dl-alignment", "href") or "")
    a2023 = page.evaluate(
        "city => fetch(JSON.parse(document.getElementById('dashboard-config').textContent).routes.alignment"
        " + '?year=2023&city=' + city).then(r => r.json())", CITY)
    assert page.inner_text("#kpi-sai") == f"{a2023['sai']:.3f}"
    assert "year=2023" in page.url
    shot(watched, "dashboard-2023-trend", full_page=True)
    watched.check()
