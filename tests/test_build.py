"""End to end: `iekg build` makes the Henan demo graph from the shipped reference data and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    r = runner.invoke(app, ["--home", str(home), "build", "--format", "json"])
    assert r.exit_code == 0, r.output
    return home


def _info(home: Path) -> dict:
    r = runner.invoke(app, ["--home", str(home), "info", "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_demo_graph_has_what_the_issue_asks_for(demo_home: Path) -> None:
    info = _info(demo_home)
    n, r = info["nodes"], info["relationships"]
    assert n["City"] == 18 and n["Province"] == 1
    assert n["Institution"] >= 60 and n["Enterprise"] >= 300
    assert r["OFFERS"] >= 3000
    assert n["IndustryCluster"] == 7 and n["IndustryChain"] == 28
    assert n["Target"] == 12 and n["Task"] == 6
    for label in ("TrainingBase", "Alliance", "Platform", "Zone", "Problem", "Measure", "Policy", "Agency"):
        assert n.get(label, 0) > 0, label
    for rel in ("COOPERATES_WITH", "DEMANDS", "MEMBER_OF", "FOCUSES_ON", "IN_SEGMENT", "ALIGNS_WITH", "SERVES",
                "GRADUATES_TO", "RAISES", "PROPOSES", "RESPONSIBLE", "SETS_TARGET", "CITES", "ISSUED_BY"):
        assert r.get(rel, 0) > 0, rel
    assert set(info["nodes_by_source_kind"]) >= {"public", "reference", "document", "illustrative"}


def test_provenance_public_vs_illustrative(demo_home: Path) -> None:
    store = SqliteStore(demo_home / "graph.sqlite")
    inst = store.get("Institution:4141010459")  # 郑州大学, from the MOE list
    assert inst is not None and inst.props["name"] == "郑州大学"
    assert inst.props["source_kind"] == "public" and "教育部" in inst.props["source"] or "MOE" in inst.props["source"]
    ents = store.nodes("Enterprise")
    assert ents and all(e.props["source_kind"] == "illustrative" for e in ents)
    assert all(len(e.id) != 18 for e in ents)  # demo ids cannot be mistaken for 统一社会信用代码
    notice = store.get("Policy:豫发改社会〔2022〕646号")
    assert notice is not None and notice.props["source_kind"] == "document"
    cited = {n.id for _, n in store.neighbours(notice.uid, ["CITES"], "out")}
    assert cited == {"发改社会〔2019〕1558号", "豫政办〔2018〕47号"}  # the notice's misprints repaired
    issuers = [n.id for _, n in store.neighbours(notice.uid, ["ISSUED_BY"], "out")]
    assert len(issuers) == 6 and "河南省发展和改革委员会" in issuers
    for r, _ in store.neighbours("City:410200", direction="both"):
        assert r.props.get("source_kind") in {"public", "reference", "document", "illustrative"}


def test_build_is_deterministic_and_import_twice_changes_nothing(demo_home: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    r = runner.invoke(app, ["--home", str(other), "build", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert SqliteStore(other / "graph.sqlite").snapshot() == SqliteStore(demo_home / "graph.sqlite").snapshot()
    demo = Path(__file__).resolve().parent.parent / "iekg" / "data" / "demo"
    r = runner.invoke(app, ["--home", str(other), "import", str(demo), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["changed"] is True  # provenance kind differs (user vs demo): the graph records the new source
    r = runner.invoke(app, ["--home", str(other), "import", str(demo), "--format", "json"])
    assert json.loads(r.stdout)["changed"] is False


def test_show_and_search_on_the_demo(demo_home: Path) -> None:
    r = runner.invoke(app, ["--home", str(demo_home), "show", "410200", "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["uid"] == "City:410200" and data["props"]["name"] == "开封市"
    assert any(x["type"] == "LOCATED_IN" and x["other_label"] == "Institution" for x in data["relationships"])
    r = runner.invoke(app, ["--home", str(demo_home), "search", "河南大学", "--format", "json"])
    hits = json.loads(r.stdout)
    assert hits[0]["name"] == "河南大学" and hits[0]["label"] == "Institution"
    r = runner.invoke(app, ["--home", str(demo_home), "show", "no-such-thing"])
    assert r.exit_code == 1


def test_no_demo_with_public_lists(public_dir: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["--home", str(tmp_path), "build", "--no-demo", "--public", str(public_dir),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    n = json.loads(r.stdout)["nodes"]
    assert n["Institution"] == 178 and n["Major"] == 2255 and n["Industry"] == 1957 and n["City"] == 18
    assert "Enterprise" not in n
    store = SqliteStore(tmp_path / "graph.sqlite")
    assert store.get("Industry:37").props["name"] == "铁路、船舶、航空航天和其他运输设备制造业"  # reference wins
    renamed = store.get("Institution:4141010472")
    assert renamed is not None


def test_build_with_bad_data_changes_nothing(demo_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert runner.invoke(app, ["--home", str(home), "build", "--no-demo"]).exit_code == 0
    before = graph_state(home / "graph.sqlite")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "institutions.csv").write_text("学校标识码,学校名称,所在城市代码,办学层次\n414101045,某学院,410100,本科\n",
                                          encoding="utf-8")
    r = runner.invoke(app, ["--home", str(home), "build", "--no-demo", "--data", str(bad), "--format", "json"])
    assert r.exit_code == 1
    issues = json.loads(r.stdout)["issues"]
    errors = [(i["row"], i["column"], i["code"]) for i in issues if i["severity"] == "error"]
    assert errors == [(2, "学校标识码", "leading_zero")]
    assert graph_state(home / "graph.sqlite") == before
