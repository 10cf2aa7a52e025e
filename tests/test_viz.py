"""Network pages and the dashboard (iekg.viz) on the demo graph: fully offline HTML (no http(s) load), the
expected nodes, legends, the illustrative banner, capping notes, the HTML routes and ``iekg viz``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.routers.pictures import viz_router
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.queries.alignment import Thresholds, alignment, status_of
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings
from iekg.viz import (
    Page,
    alliance_view,
    chain_view,
    city_network,
    dashboard_html,
    ego_network,
    external_loads,
)
from iekg.viz.page import vis_css, vis_js
from iekg.viz.style import STATUS_STYLE

CITY = "410200"  # 开封市
BIG_CITY = "410100"  # 郑州市: more majors than fit
CHAIN = "HN-NEV-01"
BANNER = "示意数据 (illustrative)"


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("viz_demo")
    service.build(SqliteStore(h / "graph.sqlite"), Settings(home=h))
    return h


@pytest.fixture(scope="module")
def demo(home: Path) -> Store:
    return SqliteStore(home / "graph.sqlite")


@pytest.fixture(scope="module")
def reference_only(tmp_path_factory: pytest.TempPathFactory) -> Store:
    h = tmp_path_factory.mktemp("viz_reference")
    store = SqliteStore(h / "graph.sqlite")
    service.build(store, Settings(home=h), demo=False)
    return store


def graph_data(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert m, "the page carries its graph as JSON"
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def node_ids(page: str) -> set[str]:
    return {n["id"] for n in graph_data(page)["nodes"]}


def assert_offline(page: str) -> None:
    assert external_loads(page) == [], external_loads(page)[:3]
    # belt and braces: no element attribute or CSS points at another host
    for m in re.finditer(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page):
        assert not re.match(r"(?:https?:)?//", m.group(1).strip(), re.I), m.group(0)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "bootstrap" not in page.lower()


def institutions_of(store: Store, city: str) -> dict[str, str]:
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=[city])
    names = store.node_frame("Institution", ["name"], ids=sorted(loc["src"]))
    return dict(zip(names["id"], names["name"], strict=True))


# ------------------------------------------------------------------------------------------- offline
def test_vis_network_is_inlined_from_pyvis_without_source_map() -> None:
    js, css = vis_js(), vis_css()
    assert "vis-network" in js and len(js) > 100_000
    assert "sourceMappingURL" not in js and "sourceMappingURL" not in css
    assert "</script" not in js
    assert external_loads(js) == [] and external_loads(css) == []


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.jsdelivr.net/npm/bootstrap.js"></script>',
    "<link rel=stylesheet href='http://example.org/x.css'>",
    '<img src="//cdn.example.org/a.png">',
    "body { background: url( 'https://example.org/bg.png') }",
    '@import "https://fonts.googleapis.com/css";',
    "@import url(http://example.org/a.css);",
    'fetch("https://example.org/data.json")',
])
def test_external_loads_finds_remote_resources(snippet: str) -> None:
    assert external_loads(f"<html>{snippet}</html>")


@pytest.mark.parametrize("snippet", [
    'document.createElementNS("http://www.w3.org/2000/svg", "svg")',
    '<link rel="icon" href="data:,">',
    "url(data:image/png;base64,AAAA)",
    '<a href="/viz/city/410200">城市网络</a>',
])
def test_external_loads_ignores_what_loads_nothing_remote(snippet: str) -> None:
    assert external_loads(snippet) == []


# ---------------------------------------------------------------------------------------- city network
def test_city_network_shows_the_citys_chains_offline(demo: Store) -> None:
    page = city_network(demo, CITY)
    assert isinstance(page, Page) and isinstance(page, str)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert_offline(page)
    data = graph_data(page)
    ids = {n["id"] for n in data["nodes"]}
    names = " ".join(n["title"] for n in data["nodes"])
    insts = institutions_of(demo, CITY)
    assert insts and {f"Institution:{i}" for i in insts} <= ids
    for name in insts.values():
        assert name in names  # full names in the tooltips
    labels = {n["id"].split(":")[0] for n in data["nodes"]}
    assert {"Institution", "Industry", "Enterprise"} <= labels and labels & {"Major", "MajorCategory"}
    # legend, banner, physics settles then stops (the page script turns it off after stabilization)
    assert "图例" in page and "legend" in page and "校企合作" in page
    assert BANNER in page and page.meta["illustrative"]
    assert data["options"]["physics"]["stabilization"]["enabled"] is True
    assert 'network.once("stabilizationIterationsDone"' in page and "physics: false" in page
    # Chinese labels, English in the tooltip
    inst = next(n for n in data["nodes"] if n["id"].startswith("Institution:"))
    assert "institution" in inst["title"] and "毕业生 graduates" in inst["title"]


def test_city_network_highlights_the_gap_industries_alignment_finds(demo: Store) -> None:
    page = city_network(demo, CITY)
    a = alignment(demo, resolve_scope(demo, city=CITY))
    gaps = {i["code"]: i["status"] for i in a["industries"] if i["status"] in ("unmet", "shortage", "surplus")}
    assert gaps and sorted(gaps) == page.meta["gap_industries"]
    nodes = {n["id"]: n for n in graph_data(page)["nodes"]}
    for code, status in gaps.items():
        n = nodes[f"Industry:{code}"]
        assert n["color"]["border"] == STATUS_STYLE[status]["border"]
        assert n["borderWidth"] >= 2
    balanced = [i["code"] for i in a["industries"] if i["status"] == "balanced"]
    for code in balanced:
        assert nodes[f"Industry:{code}"]["color"]["border"] not in {s["border"] for s in STATUS_STYLE.values()}
    # lines into a gap industry carry its colour
    edges = graph_data(page)["edges"]
    into_gap = [e for e in edges if e["to"].startswith("Industry:") and e["to"].split(":")[1] in gaps]
    assert into_gap and all(e["color"] == STATUS_STYLE[gaps[e["to"].split(":")[1]]]["border"] for e in into_gap)
    # the tooltip carries the figures of iekg align
    one = next(iter(gaps))
    fig = next(i for i in a["industries"] if i["code"] == one)
    assert f"{fig['supply']:,.0f}" in nodes[f"Industry:{one}"]["title"]
    assert f"{fig['demand']:,.0f}" in nodes[f"Industry:{one}"]["title"]


def test_city_network_groups_majors_then_caps_with_a_note(demo: Store) -> None:
    big = city_network(demo, BIG_CITY)
    assert len(graph_data(big)["nodes"]) <= 300
    assert big.meta["middle"] == "MajorCategory"
    small = city_network(demo, CITY, max_nodes=60)
    nodes = graph_data(small)["nodes"]
    assert len(nodes) <= 60
    assert small.meta["capped"] and "已截断 capped" in small
    assert f"{len(nodes)} / {small.meta['total_nodes']}" in small
    with pytest.raises(LookupError):
        city_network(demo, "999999")


# ------------------------------------------------------------------------------------------- chain view
def test_chain_view_colours_segments_by_supply_and_demand(demo: Store) -> None:
    page = chain_view(demo, CHAIN, cities=[CITY])
    assert_offline(page)
    data = graph_data(page)
    segs = demo.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=[CHAIN])
    ids = {n["id"] for n in data["nodes"]}
    assert {f"ChainSegment:{s}" for s in segs["src"]} <= ids
    feeds = demo.rel_frame("FEEDS", src_ids=sorted(segs["src"]))
    drawn = {(e["from"], e["to"]) for e in data["edges"]}
    assert {(f"ChainSegment:{a}", f"ChainSegment:{b}") for a, b in zip(feeds["src"], feeds["dst"], strict=True)} <= drawn
    # colours follow the status of the segment's industries (supply and demand summed)
    a = alignment(demo, resolve_scope(demo, city=CITY, chain=CHAIN))
    fig = {i["code"]: i for i in a["industries"]}
    maps = demo.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=sorted(segs["src"]))
    for seg, g in maps.groupby("src"):
        codes = {c[:2] for c in g["dst"]}
        s = sum(fig.get(c, {}).get("supply", 0.0) for c in codes)
        d = sum(fig.get(c, {}).get("demand", 0.0) for c in codes)
        st = status_of(s, d, Thresholds())
        node = next(n for n in data["nodes"] if n["id"] == f"ChainSegment:{seg}")
        assert node["color"]["border"] == STATUS_STYLE[st]["border"], seg
        assert page.meta["statuses"][seg] == st
    # upstream to the left of downstream; institutions under the segments they train for
    x = {n["id"]: n["x"] for n in data["nodes"]}
    for a_, b_ in zip(feeds["src"], feeds["dst"], strict=True):
        assert x[f"ChainSegment:{a_}"] < x[f"ChainSegment:{b_}"]
    insts = [n for n in data["nodes"] if n["id"].startswith("Institution:")]
    assert insts and all(n["id"].split(":")[1] in institutions_of(demo, CITY) for n in insts)
    assert data["options"]["physics"] == {"enabled": False}
    assert "图例" in page and BANNER in page


def test_chain_view_defaults_to_the_cities_focusing_on_it(demo: Store) -> None:
    focus = demo.rel_frame("FOCUSES_ON", src_label="City", dst_ids=[CHAIN])
    page = chain_view(demo, CHAIN)
    assert page.meta["cities"] == sorted(set(focus["src"]))
    with pytest.raises(LookupError):
        chain_view(demo, "NO-SUCH-CHAIN")


# ------------------------------------------------------------------------------------------ ego network
def test_ego_network_one_hop_shows_every_neighbour_under_the_cap(demo: Store) -> None:
    uid = f"City:{CITY}"
    page = ego_network(demo, uid, hops=1, cap=500)
    assert_offline(page)
    others = {o.uid for _, o in demo.neighbours(uid)}
    assert node_ids(page) == others | {uid}
    assert not page.meta["capped"] and "已截断" not in page
    centre = next(n for n in graph_data(page)["nodes"] if n["id"] == uid)
    assert centre["fixed"] is True and "城市 city" in centre["title"]
    assert "图例" in page and BANNER in page


def test_ego_network_caps_and_says_so(demo: Store) -> None:
    page = ego_network(demo, f"City:{CITY}", hops=1, cap=20)
    data = graph_data(page)
    assert len(data["nodes"]) == 20
    assert page.meta["capped"] and "已截断 capped" in page and "19/" in page
    # neighbours of several relationship types are kept, not only the first type
    labels = {n["id"].split(":")[0] for n in data["nodes"]}
    assert len(labels) >= 4
    two = ego_network(demo, "Institution:4141010459", hops=2, cap=80)
    assert len(graph_data(two)["nodes"]) <= 80 and two.meta["capped"]
    assert two.meta["total_second"] > 0


def test_ego_network_resolves_names_and_rejects_bad_input(demo: Store) -> None:
    page = ego_network(demo, "开封市")
    assert page.meta["uid"] == f"City:{CITY}"
    with pytest.raises(LookupError):
        ego_network(demo, "City:999999")
    with pytest.raises(ValueError):
        ego_network(demo, f"City:{CITY}", hops=3)


def test_no_banner_when_nothing_shown_is_illustrative(reference_only: Store) -> None:
    page = ego_network(reference_only, f"IndustryChain:{CHAIN}")
    assert BANNER not in page and not page.meta["illustrative"]
    assert len(graph_data(page)["nodes"]) > 1


# --------------------------------------------------------------------------------------- alliance view
def test_alliance_view_shows_lead_members_cities_and_industries(demo: Store) -> None:
    al = sorted(demo.nodes("Alliance"), key=lambda n: n.uid)[0]
    members = demo.neighbours(al.uid, ["MEMBER_OF"], "in")
    page = alliance_view(demo, al.id)
    assert_offline(page)
    data = graph_data(page)
    ids = {n["id"] for n in data["nodes"]}
    assert {o.uid for _, o in members} <= ids and al.uid in ids
    assert any(i.startswith("City:") for i in ids) and any(i.startswith("Industry:") for i in ids)
    leads = [o.uid for r, o in members if r.props.get("role") == "牵头"]
    assert leads
    for u in leads:
        n = next(x for x in data["nodes"] if x["id"] == u)
        assert n["borderWidth"] == 5 and "牵头 lead" in n["title"]
    assert "牵头单位" in page and BANNER in page
    with pytest.raises(LookupError):
        alliance_view(demo, "NO-SUCH-ALLIANCE")


def test_page_writes_itself(demo: Store, tmp_path: Path) -> None:
    page = alliance_view(demo, sorted(demo.nodes("Alliance"), key=lambda n: n.uid)[0].id)
    out = page.write(tmp_path / "sub" / "alliance.html")
    assert out.read_text(encoding="utf-8") == str(page)


# ------------------------------------------------------------------------------------------- dashboard
def test_dashboard_is_one_offline_page_with_its_routes(demo: Store) -> None:
    page = dashboard_html(demo)
    assert_offline(page)
    m = re.search(r'<script type="application/json" id="dashboard-config">(.*?)</script>', page, re.S)
    assert m
    config = json.loads(m.group(1))
    assert config["routes"]["alignment"] == "/api/analysis/alignment"
    assert config["routes"]["vizCity"] == "/viz/city/"
    assert {c["id"] for c in config["cities"]} == {n.id for n in demo.nodes("City")}
    for words in ("产教融合分析看板", "结构匹配指数 SAI", "试点准备度", "主要缺口", "下载附件1、2", "示意数据 (illustrative)"):
        assert words in page
    other = dashboard_html(None, routes={"alignment": "/v2/alignment"}, default_city=CITY)
    config = json.loads(re.search(r'id="dashboard-config">(.*?)</script>', other, re.S).group(1))  # type: ignore[union-attr]
    assert config["routes"]["alignment"] == "/v2/alignment" and config["cities"] == []
    assert config["default_city"] == CITY


# ----------------------------------------------------------------------------------------------- routes
@pytest.fixture(scope="module")
def client(demo: Store) -> TestClient:
    app = FastAPI()
    app.state.store = demo
    app.include_router(viz_router())
    return TestClient(app)


@pytest.mark.parametrize("path, words", [
    ("/dashboard", "产教融合分析看板"),
    (f"/viz/city/{CITY}", "开封市产教融合网络"),
    (f"/viz/chain/{CHAIN}?city={CITY}", "新能源汽车"),
    ("/viz/ego/Industry:36", "汽车制造业"),
    ("/viz/ego/City%3A410200?hops=2&cap=40", "开封市"),
    ("/viz/alliance/DEMO-AL-410200-01", "开封"),
])
def test_routes_serve_the_pages(client: TestClient, path: str, words: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert words in r.text
    assert_offline(r.text)


def test_routes_link_pages_together(client: TestClient) -> None:
    page = client.get(f"/viz/city/{CITY}").text
    assert graph_data(page)["linkPrefix"] == "/viz"
    config = re.search(r'id="dashboard-config">(.*?)</script>', client.get("/dashboard").text, re.S)
    assert config and json.loads(config.group(1))["routes"]["alignment"] == "/api/analysis/alignment"


@pytest.mark.parametrize("path, status", [
    ("/viz/city/999999", 404), ("/viz/chain/NOPE", 404), ("/viz/ego/City:999999", 404),
    ("/viz/alliance/NOPE", 404), ("/viz/city/12", 422), ("/viz/ego/City:410200?hops=3", 422),
])
def test_routes_answer_errors(client: TestClient, path: str, status: int) -> None:
    assert client.get(path).status_code == status


# -------------------------------------------------------------------------------------------------- CLI
def test_cli_writes_each_page(home: Path, tmp_path: Path) -> None:
    from iekg.cli import app
    from iekg.cli.viz import viz_app

    if not any(g.name == "viz" for g in app.registered_groups):
        app.add_typer(viz_app, name="viz")
    runner = CliRunner()
    al = "DEMO-AL-410200-01"
    for args, name in ((["city", CITY], "city"), (["chain", CHAIN, "--city", CITY], "chain"),
                       (["ego", f"City:{CITY}", "--hops", "2", "--cap", "50"], "ego"), (["alliance", al], "alliance")):
        out = tmp_path / f"{name}.html"
        res = runner.invoke(app, ["--home", str(home), "viz", *args, "-o", str(out)])
        assert res.exit_code == 0, res.output
        text = out.read_text(encoding="utf-8")
        assert "vis-network" in text and 'id="graph-data"' in text  # the library and the data are inlined
        assert_offline(text)
        assert "示意数据" in res.output
    bad = runner.invoke(app, ["--home", str(home), "viz", "city", "999999", "-o", str(tmp_path / "x.html")])
    assert bad.exit_code == 1 and "999999" in bad.output
    wrong = runner.invoke(app, ["--home", str(home), "viz", "city", CITY, "-o", str(tmp_path / "x.txt")])
    assert wrong.exit_code == 2
