"""Crosswalk review (issue 13, item 7): the fixed rows, their recorded basis, and the answers they change
on the demo (机电一体化技术 reaches 35; 生物医学工程 is no longer a machinery firm's top partner link)."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import demo_copy

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.queries.partners import partners_for_enterprise
from iekg.settings import PACKAGE_DATA

REF = PACKAGE_DATA / "reference"
AUTOMATION = ("6603", "4603", "2603")  # 自动化类, 中职 / 高职专科 / 职业本科
BME = "0826"  # 生物医学工程类 (本科)


def _weights() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in csv.DictReader((REF / "crosswalk.csv").open(encoding="utf-8")):
        out[r["category_code"]][r["industry_code"]] = float(r["weight"])
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    return SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("cw_demo")) / "graph.sqlite")


def test_fixed_rows_and_their_basis() -> None:
    w = _weights()
    for cat in AUTOMATION:
        assert w[cat] == {"34": 0.3, "35": 0.25, "38": 0.2, "40": 0.15, "65": 0.1}
    assert w[BME] == {"84": 0.5, "35": 0.4, "73": 0.1}
    assert max(w[BME], key=lambda k: w[BME][k]) != "35"
    rows = [r for r in csv.DictReader((REF / "crosswalk.csv").open(encoding="utf-8"))
            if r["category_code"] in (*AUTOMATION, BME)]
    assert len(rows) == 3 * 5 + 3
    for r in rows:
        assert "复核2026-12" in r["source"] and "复核依据" in r["basis"], r
        assert f"{r['industry_code']} " in r["basis"] and f"（权重{float(r['weight']):g}）" in r["basis"]
    assert all("6-21" in r["basis"] for r in rows if r["category_code"] in AUTOMATION)
    sources = (REF / "SOURCES.md").read_text(encoding="utf-8")
    n = sum(1 for _ in csv.DictReader((REF / "crosswalk.csv").open(encoding="utf-8")))
    assert n == 988 and f"{n} rows, for all 365 categories" in sources and "复核2026-12" in sources


def test_review_note_lists_every_change(repo: Path) -> None:
    note = (repo / "docs" / "crosswalk-review.md").read_text(encoding="utf-8")
    for cat in (*AUTOMATION, BME):
        assert cat in note
    assert "major_occupation_mapping_2023.csv" in note and "Plain sense" in note


def test_mechatronics_reaches_35_on_the_graph(demo: Store) -> None:
    cat = demo.rel_frame("SUBCLASS_OF", src_label="Major", src_ids=["460301"], dst_label="MajorCategory")
    assert list(cat["dst"]) == ["4603"]
    aligned = demo.rel_frame("ALIGNS_WITH", ["weight"], src_label="MajorCategory", src_ids=["4603"])
    weights = dict(zip(aligned["dst"], aligned["weight"], strict=True))
    assert weights.get("35") == 0.25


def test_no_machinery_firm_has_a_biomedical_top_partner_link(demo: Store) -> None:
    ents = demo.rel_frame("IN_INDUSTRY", src_label="Enterprise", dst_label="Industry", dst_ids=["35"])
    assert len(ents) >= 10
    for e in sorted(ents["src"]):
        res = partners_for_enterprise(demo, e, limit=1)
        (top,) = res["results"]
        assert top["majors"]
        assert not top["majors"][0]["code"].startswith(BME), (e, top["name"], top["majors"][0])
        assert top["name"] != "河南中医药大学", e


def test_review_script_no_longer_flags_the_fixed_rows(repo: Path, public_dir: Path) -> None:
    out = subprocess.run([sys.executable, str(repo / "scripts" / "crosswalk_review.py"), str(public_dir)],
                         check=True, capture_output=True, text=True).stdout
    lines = [line.split("\t") for line in out.splitlines()[1:]]
    assert lines  # it still reports the rows left as they are (transport categories …)
    assert not [x for x in lines if x[0] in AUTOMATION and x[2] == "35"]
    assert not [x for x in lines if x[0] in AUTOMATION and x[2] == "38" and x[5] == "unsupported"]
