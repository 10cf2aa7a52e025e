"""Charts (issue 22 item 2): Vega-Lite specs built from the demo's answers carry the answers' figures (a figure
without data is null, never 0); SVG and PNG rendered without a browser carry the Chinese text (``<text>``
elements; PNG glyphs that differ by character, not tofu); ``iekg chart`` writes the files; ``/charts/…``
answers the right media types and 406 for an unknown format; and an offline page draws a chart with the
vendored vega-embed, asking nothing of any host but 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import demo_copy
from servers import chromium, serving
from typer.testing import CliRunner

from iekg import service
from iekg.charts import embed, questions, render, specs, style
from iekg.graph.sqlitestore import SqliteStore
from iekg.settings import Settings

CITY = "410200"  # 开封市
GAP_CITY, GAP_CHAIN = "419001", "HN-NEV-01"  # 济源市: two of the chain's segments uncovered in the demo
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def home(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("charts"))


@pytest.fixture(scope="module")
def store(home: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(home / "graph.sqlite")
    yield s
    s.close()


def values(spec: Any) -> list[dict[str, Any]]:
    """Every inline data row of a spec (top level, layers, concatenations)."""
    rows: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows.extend(data["values"])
        for v in spec.values():
            if isinstance(v, dict | list):
                rows.extend(values(v))
    elif isinstance(spec, list):
        for v in spec:
            rows.extend(values(v))
    return rows


def unique_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for r in values(spec):
        key = json.dumps(r, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # valid XML or this raises
    assert root.tag == f"{SVG_NS}svg"
    out = []
    for t in root.iter(f"{SVG_NS}text"):  # a multi-line text is one <text> with a <tspan> per line
        spans = list(t.iter(f"{SVG_NS}tspan"))
        out += ["".join(x.itertext()) for x in spans] if spans else ["".join(t.itertext())]
    return out


def png_image(data: bytes) -> Any:
    from PIL import Image

    assert data[:8] == PNG_MAGIC
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("L")


def dark_pixels(img: Any, box: tuple[int, int, int, int]) -> int:
    return sum(1 for p in img.crop(box).tobytes() if p < 128)  # "L": one byte a pixel


# ------------------------------------------------------------------------------------------ specs
def test_supply_demand_bars_are_the_alignment_figures(store: SqliteStore) -> None:
    a = service.alignment(store, [CITY])
    spec = specs.supply_demand(a.data, a.illustrative)
    rows = unique_rows(spec)
    by = {(r["code"], r["series"]): r for r in rows}
    industries = a.data["industries"]
    assert len(by) == 2 * len(industries)
    without_demand = [i for i in industries if not i["demand_data"]]
    assert without_demand, "the demo city should have industries without demand data"
    for i in industries:
        assert by[(i["code"], specs.SUPPLY_KEY)]["value"] == i["supply"]
        d = by[(i["code"], specs.DEMAND_KEY)]
        if i["demand_data"]:
            assert d["value"] == i["demand"] and d["missing"] is None
        else:  # the answer says demand 0.0 with demand_data false: no data, not a bar of 0
            assert d["value"] is None and d["missing"].startswith("无需求数据")
    # the bars are drawn only where there is a value; the words stand where a bar would be
    layers = spec["layer"]
    assert any("datum.value != null" in json.dumps(layer.get("transform", [])) for layer in layers)
    assert spec["title"]["text"] == f"开封市 {a.data['year']} 年 人才供需对比"
    assert a.illustrative and spec["title"]["subtitle"][0] == style.ILLUSTRATIVE_NOTE
    assert any(s.startswith(specs.SOURCE_LINE) for s in spec["title"]["subtitle"])
    assert spec["config"]["font"].startswith('"Noto Sans CJK SC"')
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colours["domain"], colours["range"], strict=True))["供给·短缺"] == style.STATUS_COLOURS["shortage"]


def test_status_colours_are_the_dashboards() -> None:
    css = (Path(embed.__file__).resolve().parent.parent / "viz" / "assets" / "dashboard.css").read_text("utf-8")
    for status in ("unmet", "shortage", "surplus", "balanced", "no_demand"):
        assert f"--{status}: {style.STATUS_COLOURS[status]};" in css
    assert f"--supply: {style.SUPPLY};" in css and f"--demand: {style.DEMAND};" in css


def test_chain_tiles_follow_the_chain_and_mark_uncovered_segments(store: SqliteStore) -> None:
    a = service.alignment(store, [GAP_CITY], None, None, GAP_CHAIN)
    uncovered = set(a.data["segments"]["uncovered"])
    assert uncovered
    spec = questions.chain(store, GAP_CITY, GAP_CHAIN)
    rows = unique_rows(spec)
    segs = questions.chain_segments(store, [GAP_CHAIN])
    assert [r["id"] for r in rows] == [s["id"] for s in segs]
    assert {r["id"] for r in rows if r["state"] == "未覆盖"} == uncovered
    assert {r["id"] for r in rows if r["state"] == "已覆盖"} == {s["id"] for s in segs} - uncovered
    order = [r["position"] for r in rows]
    assert order == sorted(order, key=lambda p: specs.POSITIONS.index(p))  # upstream → downstream
    assert "新能源汽车" in spec["title"]["text"] and "济源市" in spec["title"]["text"]


def test_chain_without_supply_data_says_so() -> None:
    data = {"scope_name": "某市", "year": 2024, "supply_data": False,
            "segments": {"total": 2, "covered": None, "uncovered": []}}
    segs = [{"id": "C-S1", "name": "上游甲", "position": "上游", "chain": "C", "chain_name": "链"},
            {"id": "C-S2", "name": "下游乙", "position": "下游", "chain": "C", "chain_name": "链"}]
    spec = specs.chain(data, segs)
    assert {r["state"] for r in unique_rows(spec)} == {"无供给数据"}
    assert style.ILLUSTRATIVE_NOTE not in spec["title"]["subtitle"]


def test_ranking_lists_cities_without_data_apart() -> None:
    readiness = [
        {"city": "1", "name": "甲市", "year": 2024, "rank": 1, "has_data": True, "targets_met": 3, "targets_total": 6,
         "conditions_met": 2, "conditions_total": 4, "source": "yours"},
        {"city": "2", "name": "乙市", "year": 2024, "rank": 2, "has_data": False, "targets_met": 0,
         "targets_total": 6, "conditions_met": 0, "conditions_total": 4, "source": "public"}]
    spec = specs.ranking(readiness, "readiness")
    rows = unique_rows(spec)
    assert {r["name"] for r in rows} == {"甲市"}  # 乙市 has no data: not a bar of 0
    assert {(r["part"], r["value"]) for r in rows} == {(specs.PARTS[0], 3.0), (specs.PARTS[1], 2.0)}
    assert any("乙市" in s and "无数据" in s for s in spec["title"]["subtitle"])

    coupling = {"year": 2024, "alpha": 0.5, "beta": 0.5,
                "scopes": [{"city": "1", "ccd": 0.4, "grade": "濒临失调"}, {"city": "3", "ccd": 0.9, "grade": "优质协调"}],
                "without_data": [{"city": "2", "name": "乙市", "reason": "2024 年没有专业点数据"}]}
    spec = specs.ranking(coupling, "coupling", names={"1": "甲市", "3": "丙市"})
    rows = unique_rows(spec)
    assert [(r["name"], r["value"], r["rank"]) for r in rows] == [("丙市", 0.9, 1), ("甲市", 0.4, 2)]
    assert any("乙市" in s for s in spec["title"]["subtitle"])
    with pytest.raises(ValueError):
        specs.ranking(coupling, "gdp")


def test_trend_and_compare_from_the_demo(store: SqliteStore) -> None:
    from iekg.service.comparison import compare, trend

    t = trend(store, [CITY])
    rows = unique_rows(questions.trend(store, CITY))
    s = {r["year"]: r["value"] for r in rows if r["measure"] == specs.MEASURE_ZH["S"]}
    assert s == {y["year"]: y["S"] for y in t.data["years"] if y["S"] is not None} and s
    c = compare(store, None, None, None, "coverage")
    rows = unique_rows(questions.compare(store, measure="coverage"))
    assert {r["city"]: r["value"] for r in rows} == {x["city"]: x["coverage"] for x in c.data["cities"]
                                                    if x["coverage"] is not None}


def test_ranking_from_the_demo_is_the_readiness_order(store: SqliteStore) -> None:
    a = service.readiness_all(store)
    rows = unique_rows(questions.ranking(store, "readiness"))
    met = {r["city"]: r["value"] for r in rows if r["part"] == specs.PARTS[0]}
    assert met == {r["city"]: float(r["targets_met"]) for r in a.data if r["has_data"]}


TREND = {"scope": "410200", "scope_name": "开封市", "years": [
    {"year": 2020, "S": 100.0, "D": 120.0, "sai": 0.5, "coverage": 0.6, "partial": False},
    {"year": 2021, "S": 110.0, "D": None, "sai": None, "coverage": 0.7, "partial": True},
    {"year": 2023, "S": 130.0, "D": 150.0, "sai": 0.7, "coverage": 0.8, "partial": False}]}


def test_trend_breaks_at_missing_years_and_values() -> None:
    spec = specs.trend(TREND, illustrative=True)
    rows = unique_rows(spec)
    s = sorted((r["year"], r["value"], r["run"]) for r in rows if r["measure"] == specs.MEASURE_ZH["S"])
    assert s == [(2020, 100.0, "S-1"), (2021, 110.0, "S-1"), (2023, 130.0, "S-2")]  # 2022 absent: a new run
    d = sorted((r["year"], r["run"]) for r in rows if r["measure"] == specs.MEASURE_ZH["D"])
    assert d == [(2020, "D-1"), (2023, "D-2")]  # 2021's None is no point, not 0
    assert all(r["value"] is not None for r in rows)
    assert [r["partial"] for r in rows if r["year"] == 2021] == [True, True]
    sub = " ".join(spec["title"]["subtitle"])
    assert "2022" in sub and "2021" in sub and style.ILLUSTRATIVE_NOTE in sub
    assert spec["title"]["text"].startswith("开封市 2020–2023 年")
    wider = specs.trend({**TREND, "from": 2018, "to": 2023, "missing_years": [2018, 2019, 2022]})
    assert "2018、2019、2022" in " ".join(wider["title"]["subtitle"]) and "2018–2023 年" in wider["title"]["text"]


COMPARE = {"measure": "sai", "year": 2024, "cities": [
    {"city": "410200", "name": "开封市", "sai": 0.61, "coverage": 1.0, "source": "illustrative"},
    {"city": "410300", "name": "洛阳市", "sai": 0.74, "coverage": 0.9, "source": "yours"},
    {"city": "411200", "name": "三门峡市", "sai": None, "coverage": None, "source": "public"}]}


def test_compare_sorts_and_names_cities_without_a_value() -> None:
    spec = specs.compare(COMPARE, illustrative=True)
    rows = unique_rows(spec)
    assert [(r["name"], r["value"]) for r in rows] == [("洛阳市", 0.74), ("开封市", 0.61)]
    assert any("三门峡市" in s for s in spec["title"]["subtitle"])
    assert spec["title"]["text"] == f"2024 年 各城市比较：{specs.MEASURE_ZH['sai']}"
    targets = {"measure": "targets", "measure_name": "目标达成数", "year": 2024, "scope_name": "河南省", "cities": [
        {"city": "1", "name": "甲市", "targets_met": 2, "targets_total": 6, "rank": 2, "source": "yours"},
        {"city": "2", "name": "乙市", "targets_met": 3, "targets_total": 6, "rank": 1, "source": "yours"},
        {"city": "3", "name": "丙市", "targets_met": None, "targets_total": None, "rank": None, "source": "public"}]}
    spec = specs.compare(targets)
    assert [(r["name"], r["value"], r["label"]) for r in unique_rows(spec)] == [("乙市", 3.0, "3/6"), ("甲市", 2.0, "2/6")]
    assert spec["title"]["text"] == "2024 年 河南省比较：目标达成数"
    assert any("丙市" in x for x in spec["title"]["subtitle"])


# ------------------------------------------------------------------------------------------ files
def test_svg_carries_the_chinese_as_text(store: SqliteStore) -> None:
    spec = questions.supply_demand(store, CITY)
    svg = render.to_svg(spec)
    texts = svg_texts(svg)
    assert spec["title"]["text"] in texts
    assert style.ILLUSTRATIVE_NOTE in texts
    assert any(t.startswith("无需求数据") for t in texts)
    assert "Noto Sans CJK SC" in svg


def test_a_two_year_trend_labels_each_year_once() -> None:
    """Each year one tick: a two-year range got a tick at 2023.5, shown as a second "2024"."""
    data = {"scope": "410200", "scope_name": "开封市", "years": [
        {"year": 2023, "S": 21470.0, "D": 16714.0, "sai": 0.511, "coverage": 1.0, "partial": False},
        {"year": 2024, "S": 24252.0, "D": 19914.0, "sai": 0.519, "coverage": 1.0, "partial": False}]}
    texts = svg_texts(render.to_svg(specs.trend(data)))
    assert texts.count("2023") == texts.count("2024") == 2  # one label per year on each of the two panels


def _title_spec(title: str) -> dict[str, Any]:
    import altair as alt

    chart = alt.Chart(alt.Data(values=[{"v": 1}])).mark_bar().encode(x="v:Q").properties(width=200, height=20)
    return specs._finish(chart, title, ["副标题"])


def test_png_shows_distinct_cjk_glyphs() -> None:
    a, b = (png_image(render.to_png(_title_spec(t), scale=2)) for t in ("开封市供需", "洛阳市供需"))
    assert a.size == b.size and a.size[0] > 300
    box = (0, 0, a.size[0], 70)  # the title line (padding 12 px, 16 px bold, at scale 2)
    assert dark_pixels(a, box) > 200  # not blank: the title is drawn
    differing = sum(1 for p, q in zip(a.crop(box).tobytes(), b.crop(box).tobytes(), strict=True) if abs(p - q) > 64)
    assert differing > 100  # different characters, different pixels: real glyphs, not the same missing-glyph box


def test_png_of_a_demo_chart_is_valid_and_not_blank(store: SqliteStore) -> None:
    spec = questions.chain(store, GAP_CITY, GAP_CHAIN)
    data = render.to_png(spec)
    img = png_image(data)
    w, h = img.size
    assert w > 400 and h > 200
    assert len(set(img.tobytes())) > 20
    assert dark_pixels(img, (0, 0, w, 70)) > 200  # the Chinese title


def test_format_for() -> None:
    assert render.format_for(Path("a.PNG")) == "png" and render.format_for(Path("a.json")) == "vl.json"
    assert render.format_for(Path("a.txt"), "svg") == "svg"
    with pytest.raises(ValueError):
        render.format_for(Path("a.txt"))
    with pytest.raises(ValueError):
        render.format_for(Path("a.png"), "gif")


# ------------------------------------------------------------------------------------------ CLI
def test_cli_writes_the_files(home: Path, tmp_path: Path) -> None:
    from iekg.cli import app

    runner = CliRunner()
    cases = [["supply-demand", "--city", CITY, "-o", str(tmp_path / "sd.svg")],
             ["chain", "--city", GAP_CITY, "--chain", GAP_CHAIN, "-o", str(tmp_path / "chain.png")],
             ["ranking", "--measure", "coupling", "-o", str(tmp_path / "r.out"), "--format", "vl.json"],
             ["trend", "--city", CITY, "-o", str(tmp_path / "t.svg")],
             ["compare", "--sort", "targets", "-o", str(tmp_path / "c.svg")]]
    for args in cases:
        r = runner.invoke(app, ["--home", str(home), "chart", *args])
        assert r.exit_code == 0, r.output
        assert "示意数据" in r.output
    assert "开封市" in " ".join(svg_texts((tmp_path / "sd.svg").read_text("utf-8")))
    assert png_image((tmp_path / "chain.png").read_bytes()).size[0] > 400
    assert any(t.endswith("产教匹配趋势") for t in svg_texts((tmp_path / "t.svg").read_text("utf-8")))
    assert "2024 年 全部城市比较：目标达成数" in svg_texts((tmp_path / "c.svg").read_text("utf-8"))
    spec = json.loads((tmp_path / "r.out").read_text("utf-8"))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/") and "耦合协调度" in spec["title"]["text"]
    r = runner.invoke(app, ["--home", str(home), "chart", "ranking", "-o", str(tmp_path / "r.gif")])
    assert r.exit_code == 2 and not (tmp_path / "r.gif").exists()
    r = runner.invoke(app, ["--home", str(home), "chart", "supply-demand", "--city", "999999", "-o",
                            str(tmp_path / "x.svg")])
    assert r.exit_code == 1 and not (tmp_path / "x.svg").exists()


# ------------------------------------------------------------------------------------------ API
@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from iekg.api.main import create_app

    with TestClient(create_app(Settings(home=home))) as c:
        yield c


def test_api_media_types_and_406(client: Any) -> None:
    r = client.get("/charts/supply-demand", params={"city": CITY, "format": "svg"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.headers["x-iekg-illustrative"] == "true"
    assert "开封市" in " ".join(svg_texts(r.text))
    r = client.get("/charts/chain", params={"city": GAP_CITY, "chain": GAP_CHAIN, "format": "png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:8] == PNG_MAGIC
    r = client.get("/charts/ranking", params={"measure": "readiness", "format": "vl.json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json()["title"]["text"].endswith("各城市试点条件达成排名")
    r = client.get("/charts/trend", params={"city": CITY, "format": "vl.json"})
    assert r.status_code == 200 and r.json()["title"]["text"].startswith("开封市")
    r = client.get("/charts/compare", params={"city": [CITY, GAP_CITY, "410300"], "sort": "coverage"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "济源市" in " ".join(svg_texts(r.text))
    r = client.get("/charts/supply-demand", params={"city": CITY, "format": "gif"})
    assert r.status_code == 406 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 406 and "gif" in body["detail"] and body["instance"] == "/charts/supply-demand"
    assert body["formats"] == ["svg", "png", "vl.json"] and body["title"].startswith("Not acceptable")
    assert body["type"] == "/problems/not-acceptable"
    r = client.get("/charts/supply-demand", params={"city": "999999"})
    assert r.status_code == 404 and r.json()["type"] == "/problems/not-found"
    r = client.get("/charts/ranking", params={"measure": "gdp"})
    assert r.status_code == 422


def test_api_serves_only_the_vendored_files(client: Any) -> None:
    for name in embed.SCRIPTS:
        r = client.get(f"/charts/vendor/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
        assert r.content == (embed.VENDOR_DIR / name).read_bytes()
        assert b"sourceMappingURL" not in r.content
    for bad in ("dashboard.js", "..%2Fdashboard.js", "%2E%2E%2F%2E%2E%2Fapi%2Fmain.py", "vega.min.js.map"):
        assert client.get(f"/charts/vendor/{bad}").status_code == 404
    for lic in ("LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"):
        assert "University of Washington" in client.get(f"/charts/vendor/{lic}").text


def test_spec_json_cannot_close_its_block() -> None:
    spec = {"title": {"text": "</script><script>alert(1)</script>&\u2028"}}
    block = embed.data_block("x", spec)
    assert block.count("</script>") == 1 and "<script>alert" not in block
    inner = block.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(inner) == spec


# ------------------------------------------------------------------------------------------ browser
@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[str]:
    from iekg.api.main import create_app

    with serving(create_app(Settings(home=home))) as url:
        yield url


@pytest.mark.browser
def test_offline_page_draws_a_chart_with_the_vendored_scripts(server: str, store: SqliteStore,
                                                             tmp_path: Path) -> None:
    from iekg.api.routers.pictures import csp_hash

    spec = questions.supply_demand(store, CITY)
    page_file = tmp_path / "chart.html"
    call = f"window.done = {embed.embed_call('#chart', 'chart-spec')}.then(() => true);"
    # the dashboard's policy: scripts only from the server and inline ones by hash — no 'unsafe-eval'
    csp = f"default-src 'none'; script-src {server} {csp_hash(call)}; style-src 'unsafe-inline'; img-src data:"
    page_file.write_text(
        f'<!doctype html><html lang=zh><head><meta charset=utf-8><meta http-equiv="Content-Security-Policy" '
        f'content="{csp}">' + embed.script_tags(server) + "</head><body>"
        '<div id="chart"></div>' + embed.data_block("chart-spec", spec) + f"<script>{call}</script>"
        "</body></html>", encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.wait_for_function("window.done !== undefined && window.vegaEmbed !== undefined", timeout=30_000)
        assert page.evaluate("window.done") is True
        page.wait_for_selector("#chart svg text", timeout=30_000)
        texts = page.eval_on_selector_all(  # a multi-line text is one <text> with a <tspan> per line
            "#chart svg text", "els => els.flatMap(e => [e.textContent, "
                               "...Array.from(e.querySelectorAll('tspan'), t => t.textContent)])")
        bars = page.eval_on_selector_all("#chart svg path[aria-roledescription='bar']", "els => els.length")
    assert errors == []
    assert spec["title"]["text"] in texts and style.ILLUSTRATIVE_NOTE in texts
    assert bars > 0
    offsite = [u for u in requests if urlsplit(u).scheme not in ("file", "data", "blob", "about")
               and urlsplit(u).hostname != "127.0.0.1"]
    assert offsite == []
    assert sum(1 for u in requests if "/charts/vendor/" in u) == len(embed.SCRIPTS)


def test_names_stay_text_in_svg() -> None:
    hostile = '<script>alert("x")</script> & <b>'
    data = {"scope_name": hostile, "year": 2024, "industries": [
        {"code": "99", "name": hostile, "supply": 5.0, "demand": 7.0, "status": "shortage", "demand_data": True,
         "supply_data": True, "ratio": 0.71}]}
    svg = render.to_svg(specs.supply_demand(data))
    texts = svg_texts(svg)  # parses: the names did not break the XML
    assert f"{hostile} 2024 年 人才供需对比" in texts
    assert "<script" not in svg and "<b>" not in svg
