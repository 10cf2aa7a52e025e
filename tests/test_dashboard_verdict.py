"""The dashboard shows the verdict (issue 21, point 6): in the readiness table the met (达成) and shortfall
(差距) columns are on screen at 1280 px and wider — checked with the elements' bounding boxes against the
viewport and the table's box, and a screenshot's size — every threshold shows its basis (通知 / 解读 / 假设),
and the readiness ranking marks each row's source (你的数据 yours / 示例 illustrative / 公开 public) when your
city is ranked among demo cities, instead of one mark for the whole table.

Headless Debian Chromium driven by Playwright (no browser download), the API served on 127.0.0.1 (both as
``tests/servers.py`` starts them); skipped when either is missing, a failure under ``CI``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_copy
from servers import ARTIFACTS, TIMEOUT_MS, serving, show_ranking
from test_browser import _app

from iekg import service
from iekg.graph.sqlitestore import SqliteStore

pytestmark = pytest.mark.browser

KAIFENG, XUCHANG = "410200", "411000"
WIDTHS = (1280, 1400, 1920)
# 许昌 from the user's own files (its demo rows replaced): ranked among the demo cities
USER_FILES = {
    "majors.csv": "code,name,category_code,level\n460301,机电一体化技术,4603,高职专科\n460305,工业机器人技术,4603,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n4141099991,测试职业技术学院,411000,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460301,2024,600,200,0.9\n4141099991,460305,2024,450,150,0.9\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n"
                         "411000,2024,2000,34,高职专科\n411000,2024,1500,35,高职专科\n",
}


@pytest.fixture(scope="module")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Iterator[str]:
    """The demo graph with 许昌 from the user's files, served on 127.0.0.1."""
    home = demo_copy(demo_graph, tmp_path_factory.mktemp("verdict_demo"))
    data = home / "mine"
    data.mkdir()
    for name, text in USER_FILES.items():
        (data / name).write_text(text, encoding="utf-8")
    store = SqliteStore(home / "graph.sqlite")
    service.import_paths(store, [data], demo_rows="replace")
    store.close()
    with serving(_app(home)) as url:
        yield url


def _open(browser: Any, server: str, width: int, city: str = KAIFENG) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/dashboard?city={city}")
    page.wait_for_selector(f"body[data-city='{city}'][data-loading='0']")
    assert page.get_attribute("body", "data-ranking") is None  # asked for only when it comes into view
    show_ranking(page)
    page.evaluate("window.scrollTo(0, 0)")
    return context, page, errors


def _inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["width"] > 0)


@pytest.mark.parametrize("width", WIDTHS)
def test_met_and_shortfall_are_on_screen(browser: Any, server: str, width: int) -> None:
    context, page, errors = _open(browser, server, width)
    try:
        view = {"x": 0.0, "y": 0.0, "width": float(width), "height": 900.0}
        wrap = page.locator("#readiness").locator("xpath=..").bounding_box()
        table = page.locator("#readiness").bounding_box()
        assert wrap is not None and table is not None
        assert _inside(table, wrap) and _inside(wrap, view), (table, wrap)
        # the table does not scroll sideways: nothing of it is hidden to the right
        sizes = page.eval_on_selector("#readiness", "t => [t.scrollWidth, t.parentElement.clientWidth]")
        assert sizes[0] <= sizes[1], sizes
        heads = page.locator("#readiness thead th.verdict")
        assert heads.count() == 2
        assert [heads.nth(k).inner_text().split("\n")[0] for k in range(2)] == ["达成", "差距"]
        for k in range(2):
            box = heads.nth(k).bounding_box()
            assert box is not None and _inside(box, wrap) and _inside(box, view), (k, box, wrap)
        rows = page.locator("#readiness tbody tr[data-metric]")
        assert rows.count() == 12
        for k in range(rows.count()):
            for sel in ("td.met-cell", "td.shortfall"):
                box = rows.nth(k).locator(sel).bounding_box()
                assert box is not None and _inside(box, wrap) and _inside(box, view), (k, sel, box)
        marks = page.locator("#readiness td.met-cell").all_inner_texts()
        assert set(marks) <= {"✓ 达成", "✗ 未达成", "— 无法衡量"} and "✗ 未达成" in marks
        # the screenshot of the table's card is the card, whole, within the page's width
        card = page.locator("#readiness").locator("xpath=ancestor::section[1]")
        path = ARTIFACTS / f"readiness-verdict-{width}.png"
        card.screenshot(path=str(path))
        from PIL import Image

        cbox = card.bounding_box()
        assert cbox is not None
        with Image.open(path) as im:
            assert abs(im.size[0] - cbox["width"]) <= 2 and im.size[0] <= width, (im.size, cbox)
            assert im.size[0] >= 560  # two columns at 1280 px: the card is about half the page
        full = ARTIFACTS / f"dashboard-{width}.png"
        page.screenshot(path=str(full))
        with Image.open(full) as im:
            assert im.size == (width, 900)
        assert errors == [], errors
    finally:
        context.close()


def test_every_threshold_shows_its_basis(browser: Any, server: str) -> None:
    context, page, errors = _open(browser, server, 1280)
    try:
        rows = page.locator("#readiness tbody tr[data-metric]")
        basis = {rows.nth(k).get_attribute("data-metric"): (rows.nth(k).get_attribute("data-basis"),
                                                             rows.nth(k).locator("td.threshold .basis").inner_text())
                 for k in range(rows.count())}
        assert basis["key_zones"] == ("reading", "解读本工具对“若干”的解读：不少于1个")
        assert basis["provincial_iei_enterprises"] == ("notice", "通知通知原文：「培育20个左右省级产教融合型企业」 → 按下限判定")
        assert basis["condition_graduate_employment"] == ("assumption", "假设参考值（本工具假设，可在设置中修改）")
        assert {b for b, _ in basis.values()} == {"notice", "reading", "assumption"}
        assert all(text for _, text in basis.values())
        assert errors == []
    finally:
        context.close()


def test_ranking_marks_each_rows_source(browser: Any, server: str) -> None:
    context, page, errors = _open(browser, server, 1400, city=XUCHANG)
    try:
        rows = page.locator("#ranking tbody tr")
        assert rows.count() == 18
        source = {rows.nth(k).get_attribute("data-city"): (rows.nth(k).get_attribute("data-source"),
                                                            rows.nth(k).locator(".src-tag").inner_text())
                  for k in range(rows.count())}
        assert source[XUCHANG] == ("yours", "你的数据")
        assert source[KAIFENG] == ("illustrative", "示例")
        assert sum(1 for s, _ in source.values() if s == "illustrative") == 17
        assert page.locator("#ranking tr.current").get_attribute("data-city") == XUCHANG
        # the page's banner speaks of the chosen city only: 许昌 rests on your data
        assert page.locator("#illustrative-banner").is_hidden()
        page.locator("#ranking-card").screenshot(path=str(ARTIFACTS / "ranking-sources.png"))
        assert errors == []
    finally:
        context.close()
