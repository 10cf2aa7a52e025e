"""``iekg export graph`` (issue 11 item 3): the whole graph or a city's subgraph as GraphML, GEXF and
node-link JSON, read back with networkx: the store's counts and properties, hostile text as text, and a
city's subgraph fetched without reading the whole graph; on the networkx store and on Neo4j."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app as cli_app
from iekg.graph import export
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.loaders.source import USER
from iekg.settings import Settings

SRC = Path(__file__).parent / "fixtures" / "legacy" / "src"
HOSTILE = '<script>alert(1)</script> & "郑州"测试学院'
ALIASES = ["郑州测试学院", "<b>郑测</b> & 别名"]
runner = CliRunner()


def _fill(store: Store) -> None:
    report = Report()
    pipeline.load(store, read_paths([SRC], report, kind=USER), report, fresh=True)
    extra = ChangeSet()  # a list property, a bool and a float on a relationship, a self-loop
    extra.add_node("Institution", "4141099998", {"aliases": ALIASES})
    extra.add_node("Policy", "汴政〔2023〕1号", {"title": "开封 & <i>政策</i>", "kinds": ["人才", "金融"],
                                               "source_kind": "user"})
    extra.add_rel("CITES", "Policy:汴政〔2023〕1号", "Policy:汴政〔2023〕1号", {"source_kind": "user"})
    extra.add_rel("APPLIES_TO", "Policy:汴政〔2023〕1号", "City:410100", {"source_kind": "user"})
    extra.add_rel("OFFERS", "Institution:4141099998", "Major:460201",
                  {"year": 2024, "leading": True, "employment_rate": 0.925, "source_kind": "user"})
    store.apply(extra)


@pytest.fixture(params=["networkx", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "networkx":
        s: Store = SqliteStore()
        _fill(s)
        yield s
        return
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    server = request.getfixturevalue("neo4j_server")
    driver = GraphDatabase.driver(server.uri, auth=(server.user, server.password))
    s = Neo4jStore(driver)
    _fill(s)
    yield s
    s.clear()
    driver.close()


def read_back(fmt: str, path: Path) -> nx.MultiDiGraph:
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        g = nx.read_gexf(path)  # a DiGraph when no two relationships share both ends
        assert g.is_directed()
        return g if isinstance(g, nx.MultiDiGraph) else nx.MultiDiGraph(g)
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_whole_graph_round_trips(store: Store, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"g.{fmt}"
    res = service.export_graph(store, fmt, path)
    labels, types = store.counts()
    g = read_back(fmt, path)
    assert g.is_directed()
    assert res["nodes"] == g.number_of_nodes() == sum(labels.values()) == 20
    assert res["relationships"] == g.number_of_edges() == sum(types.values()) == 34
    assert Counter(d["label"] for _, d in g.nodes(data=True)) == labels
    assert Counter(d["label"] for _, _, d in g.edges(data=True)) == types  # the relationship type
    if fmt != "gexf":
        assert Counter(d["type"] for _, _, d in g.edges(data=True)) == types
    snap = store.snapshot()
    for uid, props in snap["nodes"].items():
        d = g.nodes[uid]
        assert d["iekg_id"] == props["id"] and d["label"] == uid.split(":")[0]
        assert d.get("source_kind") == props.get("source_kind")
        assert d.get("name") == props.get("name")
    inst = g.nodes["Institution:4141099998"]
    assert inst["name"] == HOSTILE  # markup and & come back as text
    assert (inst["aliases"] if fmt == "json" else json.loads(inst["aliases"])) == ALIASES
    assert g.nodes["Enterprise:91410200MA44AB12CW"]["employees"] == 1200
    assert g.nodes["Enterprise:91410200MA44AB12CW"]["备注"] == "订单班 <b>合作</b> & 实习"
    pol = g.nodes["Policy:汴政〔2023〕1号"]
    assert pol["title"] == "开封 & <i>政策</i>"
    offers = [d for a, b, d in g.edges("Institution:4141099998", data=True) if b == "Major:460201"]
    assert len(offers) == 1
    assert offers[0]["leading"] is True and offers[0]["employment_rate"] == 0.925 and offers[0]["year"] == 2024
    assert g.number_of_edges("Policy:汴政〔2023〕1号", "Policy:汴政〔2023〕1号") == 1  # the self-loop
    raw = path.read_text(encoding="utf-8")
    if fmt != "json":
        assert "<script>" not in raw and "&lt;script&gt;" in raw  # escaped in the XML, never markup


def test_city_subgraph(store: Store, tmp_path: Path) -> None:
    g = export.build_graph(store, "410100")
    assert sorted(g.nodes) == ["City:410100", "Enterprise:91410100MA45XY78D2", "Industry:38",
                               "Institution:4141099998", "Major:460101", "Major:460201",
                               "Policy:汴政〔2023〕1号", "Province:410000"]
    assert Counter(d["type"] for _, _, d in g.edges(data=True)) == {
        "LOCATED_IN": 2, "OFFERS": 3, "PART_OF": 1, "IN_INDUSTRY": 1, "COOPERATES_WITH": 1, "APPLIES_TO": 1}
    # neighbours' own relationships are not in it (the policy's self-loop, a major's SUBCLASS_OF)
    assert not g.has_edge("Policy:汴政〔2023〕1号", "Policy:汴政〔2023〕1号")
    for fmt in export.FORMATS:
        path = tmp_path / f"c.{fmt}"
        service.export_graph(store, fmt, path, city="410100")
        back = read_back(fmt, path)
        assert sorted(back.nodes) == sorted(g.nodes) and back.number_of_edges() == 9
    with pytest.raises(LookupError, match="419999"):
        export.build_graph(store, "419999")


def test_city_subgraph_never_reads_the_whole_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    s = SqliteStore()
    _fill(s)

    def whole(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a city's subgraph read a whole label or relationship type")

    for name in ("nodes", "node_frame", "rel_frame", "snapshot", "search"):
        monkeypatch.setattr(s, name, whole)
    assert sorted(export.build_graph(s, "410200").nodes) == [
        "City:410200", "Enterprise:91410200MA44AB12CW", "Industry:36", "Industry:38", "Industry:65",
        "Institution:4141099999", "Major:460101", "Major:460201", "Major:460301", "Province:410000"]


def test_control_characters_become_replacement_characters(tmp_path: Path) -> None:
    s = SqliteStore()
    _fill(s)
    c = ChangeSet()
    c.add_node("City", "410100", {"note": "旧数据\x07响铃\x1b[31m"})
    s.apply(c)
    for fmt in ("graphml", "gexf"):
        export.export_graph(s, fmt, tmp_path / f"x.{fmt}")
        assert read_back(fmt, tmp_path / f"x.{fmt}").nodes["City:410100"]["note"] == "旧数据\ufffd响铃\ufffd[31m"


def test_cli_and_api(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _fill(SqliteStore(home / "graph.sqlite"))
    out = tmp_path / "开封.gexf"
    r = runner.invoke(cli_app, ["--home", str(home), "export", "graph", "--format", "gexf", "--city", "410200",
                                "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert read_back("gexf", out).number_of_nodes() == 10
    r = runner.invoke(cli_app, ["--home", str(home), "export", "graph", "--format", "dot", "-o", str(out)])
    assert r.exit_code == 2
    r = runner.invoke(cli_app, ["--home", str(home), "export", "graph", "--city", "419999", "-o", str(out)])
    assert r.exit_code == 1 and "419999" in r.output
    r = runner.invoke(cli_app, ["--home", str(home), "export", "graph", "--format", "json", "--json",
                                "-o", str(tmp_path / "all.json")])
    assert r.exit_code == 0 and json.loads(r.stdout)["nodes"] == 20
    settings = Settings(home=home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        r = c.get("/exports/graph", params={"city": "410200", "format": "graphml"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphml+xml")
        p = tmp_path / "api.graphml"
        p.write_bytes(r.content)
        assert read_back("graphml", p).number_of_nodes() == 10
        assert c.get("/exports/graph", params={"city": "419999"}).status_code == 404
        assert c.get("/exports/graph", params={"city": "410200", "format": "dot"}).status_code == 422
