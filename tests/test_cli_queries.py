"""The query commands of the CLI on the demo graph: shapes, cross-checks between commands, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from iekg.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    h = tmp_path_factory.mktemp("q-home")
    r = runner.invoke(app, ["--home", str(h), "build"])
    assert r.exit_code == 0, r.output
    return str(h)


def run(home: str, *args: str, code: int = 0) -> str:
    r = runner.invoke(app, ["--home", home, *args])
    assert r.exit_code == code, r.output
    return r.stdout


def js(home: str, *args: str) -> Any:
    return json.loads(run(home, *args, "--format", "json"))


def test_align_json_and_table(home: str) -> None:
    a = js(home, "align", "--city", "410200")
    assert isinstance(a, dict)
    assert a["scope"] == "410200" and a["year"] == 2024
    assert math.isclose(a["S"], sum(i["supply"] for i in a["industries"]))
    assert math.isclose(a["D"], sum(i["demand"] for i in a["industries"]))
    sai = 1 - 0.5 * sum(abs(i["supply"] / a["S"] - i["demand"] / a["D"]) for i in a["industries"])
    assert math.isclose(a["sai"], sai)
    assert all(isinstance(i["code"], str) and len(i["code"]) == 2 for i in a["industries"])
    table = run(home, "align", "--city", "410200")
    assert "SAI = " + f"{a['sai']:.4f}" in table and "示意数据" in table


def test_trains_total_equals_alignment_supply(home: str) -> None:
    a = js(home, "align", "--city", "410200")
    s36 = next(i["supply"] for i in a["industries"] if i["code"] == "36")
    t = js(home, "trains", "--industry", "36", "--city", "410200")
    assert math.isclose(t["total"], s36)


def test_chain_scope_restricts_industries(home: str) -> None:
    focus = js(home, "neighbours", "410200", "--type", "FOCUSES_ON")
    chain = focus[0]["other_id"]
    a = js(home, "align", "--city", "410200", "--chain", chain)
    mapped = {r["other_id"][:2] for seg in js(home, "neighbours", chain, "--type", "PART_OF", "--direction", "in")
              for r in js(home, "neighbours", seg["other_id"], "--type", "MAPS_TO")}
    assert {i["code"] for i in a["industries"]} <= mapped
    assert a["chain"] == chain


def test_gaps_ranked_with_evidence_that_opens(home: str) -> None:
    g = js(home, "gaps", "--city", "410200")
    gaps = g["gaps"]
    assert [x["rank"] for x in gaps] == list(range(1, len(gaps) + 1))
    order = [(x["minor"], -x["priority"]) for x in gaps]  # ranked by priority, minor gaps last
    assert order == sorted(order)
    assert sum(g["counts"].values()) >= len(gaps)
    node_evidence = next(e for x in gaps for e in x["evidence"] if "|" not in e)
    shown = js(home, "show", node_evidence)
    assert shown["uid"] == node_evidence
    for x in gaps[:8]:  # every cited relationship opens too
        for e in x["evidence"]:
            if "|" in e:
                rel = js(home, "show", e)
                assert rel["key"] == e and rel["type"] == e.split("|")[0]
    run(home, "show", "OFFERS|Institution:0000000000|Major:000000|year=2024", code=1)
    only = js(home, "gaps", "--city", "410200", "--type", "target_shortfall")
    assert {x["type"] for x in only["gaps"]} == {"target_shortfall"}


def test_readiness_one_and_all(home: str) -> None:
    r = js(home, "readiness", "--city", "410200")
    assert len(r["items"]) == 12
    assert {i["target"] for i in r["items"]} == {f"T-646-{k:02d}" for k in range(1, 13)}
    ranked = js(home, "readiness", "--all")
    assert [x["rank"] for x in ranked] == list(range(1, 19))
    kaifeng = next(x for x in ranked if x["city"] == "410200")
    assert kaifeng["targets_met"] == r["targets_met"]
    keys = [(-x["targets_met"], -x["conditions_met"], x["relative_shortfall"]) for x in ranked]
    assert keys == sorted(keys)


def test_coupling_formula(home: str) -> None:
    c = js(home, "coupling")
    assert len(c["scopes"]) == 18
    for s in c["scopes"]:
        assert 0 <= s["u1"] <= 1 and 0 <= s["u2"] <= 1
        assert math.isclose(s["ccd"], math.sqrt(s["c"] * s["t"]))
        assert math.isclose(s["t"], 0.5 * s["u1"] + 0.5 * s["u2"])
    assert math.isclose(sum(c["education_weights"].values()), 1)
    assert "gdp" in c["excluded"]  # the demo has no GDP: left out, not read as zero


def test_path_partners_hires(home: str) -> None:
    p = js(home, "path", "黄河水利职业技术大学", "HN-AE-01", "--type", "OFFERS", "--type", "SUBCLASS_OF",
           "--type", "ALIGNS_WITH", "--type", "MAPS_TO", "--type", "PART_OF")
    assert p[0]["length"] == 5 and p[0]["types"][0] == "OFFERS"
    many = js(home, "path", "410200", "410100", "--all", "--k", "2", "--limit", "5")
    assert 1 <= len(many) <= 5 and all(x["length"] <= 2 for x in many)
    part = js(home, "partners", "DEMO-410200-E0001", "--limit", "5")
    scores = [r["score"] for r in part["results"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    inst = js(home, "partners", "4141010475", "--limit", "3")
    assert all(r["uid"].startswith("Enterprise:") for r in inst["results"])
    h = js(home, "hires", "460701")
    assert {i["code"]: i["weight"] for i in h["industries"]}["36"] == 0.8


def test_query_errors(home: str, tmp_path: Path) -> None:
    run(home, "align", "--city", "999999", code=1)
    run(home, "readiness", code=2)
    run(home, "gaps", "--city", "410200", "--type", "nonsense", code=2)
    run(home, "partners", "410200", code=1)
    run(home, "path", "410200", "no-such-node", code=1)
    run(home, "trains", code=2)
    run(str(tmp_path / "empty"), "readiness", "--city", "410200", code=1)


def test_export_attachments_and_plan(home: str, tmp_path: Path) -> None:
    import openpyxl

    book = tmp_path / "kaifeng.xlsx"
    res = js(home, "export", "attachments", "--city", "410200", "-o", str(book))
    assert res["illustrative"] is True and res["own_problems"] >= 1
    wb = openpyxl.load_workbook(book)
    s1, s2 = wb["附件1 问题清单"], wb["附件2 政策清单"]
    assert [c.value for c in s1[2]][:3] == ["序号", "主要问题", "解决时限"]
    assert [c.value for c in s2[2]][:4] == ["序号", "政策内容", "责任部门", "完成时限"]
    seqs = [r[0].value for r in s1.iter_rows(min_row=3) if isinstance(r[0].value, int)]
    assert seqs == list(range(1, res["problems"] + 1))
    plan = tmp_path / "kaifeng.md"
    files = js(home, "export", "plan", "--city", "410200", "-o", str(plan))["files"]
    text = plan.read_text(encoding="utf-8")
    assert str(plan) in files and "## 八、加强组织实施的主要举措" in text and "示意数据" in text
    run(home, "export", "attachments", "--city", "410200", "-o", str(tmp_path / "x.csv"), code=2)
    run(home, "export", "plan", "--city", "999999", "-o", str(plan), code=1)
