"""Every interpretation labelled where it is shown (issue 21, point 4): each readiness threshold carries its
basis — ``notice`` (the notice prints the number: quoted), ``reading`` (our reading of its vague words
「若干」「一定数量」「一批」「完善的政策框架体系」「出台过…支持政策」, labelled 本工具对“若干”的解读：不少于1个)
or ``assumption`` (参考值（本工具假设，可在设置中修改）) — in the query, the CLI table, the API and the drafts;
the "new" targets (新培育 … 进入全省领先行列) count what is new since the year the city was selected, or
say they cannot be checked."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import demo_copy
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import reports, service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.alignment import ASSUMPTION_LABEL
from iekg.queries.readiness import BASES, baseline_year, readiness, threshold_basis
from iekg.settings import Settings

REPO = Path(__file__).resolve().parent.parent
KAIFENG = "410200"
KAIFENG_PILOT = {"pilot_level": "省级", "pilot_batch": "河南省首批产教融合型城市建设试点",
                 "pilot_document": "《河南省发展和改革委员会等6部门关于印发河南省首批产教融合型城市建设试点名单的通知》",
                 "pilot_issued": "2023-08-15", "pilot_source": "http://kaifeng.henan.wang/kaifeng/2023/0820/308597.html"}

# The notice's twelve targets and conditions: the basis and the exact label of each.
EXPECTED = {
    "policy_framework": ("reading", "本工具对“完善的政策框架体系”的解读：不少于1项"),
    "key_zones": ("reading", "本工具对“若干”的解读：不少于1个"),
    "integration_industries": ("notice", "通知原文：「围绕全省和本地重点产业打造2个以上产教融合型行业」"),
    "provincial_iei_enterprises": ("notice", "通知原文：「培育20个左右省级产教融合型企业」 → 按下限判定"),
    "high_level_training_bases": ("notice", "通知原文：「建设3个左右高水平产教融合实验实训基地」 → 按下限判定"),
    "leading_institutions": ("notice", "通知原文：「至少新培育1所院校或2-3个专业(群)进入全省领先行列」"),
    "leading_majors": ("notice", "通知原文：「至少新培育1所院校或2-3个专业(群)进入全省领先行列」 → 按下限判定"),
    "condition_major_industry_relevance": ("assumption", ASSUMPTION_LABEL),
    "condition_graduate_employment": ("assumption", ASSUMPTION_LABEL),
    "condition_iei_cultivation_list": ("reading", "本工具对“一定数量”的解读：不少于1家"),
    "condition_training_platforms": ("reading", "本工具对“一批”的解读：不少于1个"),
    "condition_policies_since_2016": ("reading", "本工具对“出台过支持政策”的解读：不少于1项"),
}
runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("basis_demo"))


@pytest.fixture(scope="module")
def store(home: Path) -> Store:
    return SqliteStore(home / "graph.sqlite")


@pytest.fixture(scope="module")
def selected(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    """The demo with 开封's public pilot status (selected 2023-08-15)."""
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("basis_selected")) / "graph.sqlite")
    cs = ChangeSet()
    cs.add_node("City", KAIFENG, dict(KAIFENG_PILOT))
    s.apply(cs)
    return s


def test_the_basis_of_each_target_of_the_notice() -> None:
    rows = list(csv.DictReader((REPO / "iekg/data/reference/notice_targets.csv").open(encoding="utf-8")))
    got = {r["metric"]: threshold_basis(r)[:2] for r in rows}
    assert got == EXPECTED
    # the English label says the same
    en = {r["metric"]: threshold_basis(r)[2] for r in rows}
    assert en["key_zones"] == 'our reading of "若干" (the notice gives no number): at least 1'
    assert en["integration_industries"].startswith("the notice's own target:")


def test_a_number_in_the_text_is_the_notices_and_vague_words_are_ours() -> None:
    t = {"metric": "x", "text": "建设两个产教融合园区", "value": "2", "unit": "个", "comparison": ">="}
    assert threshold_basis(t)[0] == "notice"
    # 一定数量 / 一批 contain 一 but are not the number 1
    t = {"metric": "x", "text": "已建有一批实训基地", "value": "1", "unit": "个", "comparison": ">="}
    assert threshold_basis(t)[:2] == ("reading", "本工具对“一批”的解读：不少于1个")
    # no number and no known vague word: the whole phrase is what we read
    t = {"metric": "x", "text": "产教融合氛围浓厚", "value": "1", "unit": "项", "comparison": ">="}
    assert threshold_basis(t)[:2] == ("reading", "本工具对“产教融合氛围浓厚”的解读：不少于1项")


def test_every_readiness_row_has_a_basis(store: Store) -> None:
    r = readiness(store, KAIFENG)
    assert len(r["items"]) == 12
    for i in r["items"]:
        assert i["threshold_basis"] in BASES
        assert (i["threshold_basis"], i["threshold_label"]) == EXPECTED[i["metric"]], i["metric"]


def test_cli_table_labels_readings(home: Path) -> None:
    out = runner.invoke(app, ["--home", str(home), "readiness", "--city", KAIFENG])
    assert out.exit_code == 0, out.output
    cells: dict[str, str] = {}  # each table row's threshold cell, its wrapped lines joined
    row = ""
    for line in out.stdout.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) < 8:
            continue
        if parts[1]:
            row = parts[1].split()[-1]  # T-646-01 …
        cells[row] = cells.get(row, "") + parts[4]
    assert len(cells) == 12
    got = {t: c.replace(" ", "") for t, c in cells.items()}
    for metric, (_, label) in EXPECTED.items():  # in the item's own threshold cell, after the threshold
        assert any(c.endswith(label.replace(" ", "")) for c in got.values()), (metric, got)
    assert got["T-646-02"] == ">=1个本工具对“若干”的解读：不少于1个"
    flat = out.stdout.replace("│", "").replace(" ", "").replace("\n", "")
    assert "本工具对通知中没有数字的表述" in flat  # the footnote says what a reading is
    j = json.loads(runner.invoke(app, ["--home", str(home), "readiness", "--city", KAIFENG, "--format", "json"]).stdout)
    assert {i["metric"]: i["threshold_basis"] for i in j["items"]} == {m: b for m, (b, _) in EXPECTED.items()}


def test_api_says_reading(home: Path) -> None:
    settings = Settings(home=home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        items = c.get("/analysis/readiness", params={"city": KAIFENG}).json()["items"]
        assert {i["metric"]: (i["threshold_basis"], i["threshold_label"]) for i in items} == EXPECTED
        schema = c.get("/openapi.json").json()["components"]["schemas"]["ReadinessItem"]
        assert schema["properties"]["threshold_basis"]["enum"] == ["notice", "reading", "assumption"]


def test_drafts_label_the_reading(store: Store) -> None:
    """Attachment 1 says the 1 is our reading of 若干, not the notice's number (it printed 目标不少于1个)."""
    d = reports.facts.plan_parts(store, KAIFENG, year=None, max_generated=30, rules=None, period=None, types=None,
                                 min_people=None)[1]
    zones = [r for r in d.rows1 if "产教融合重点区域" in r["主要问题"] and r["来源"] != reports.OWN]
    assert zones, [r["主要问题"] for r in d.rows1]
    assert "本工具对“若干”的解读：不少于1个" in zones[0]["主要问题"]
    assert "目标不少于" not in zones[0]["主要问题"]
    plan = reports.plan_markdown(store, KAIFENG)
    assert "培育打造若干个产教融合重点区域：现有0个，到" in plan
    assert "（本工具对“若干”的解读：不少于1个）" in plan
    assert "目标不少于1个" not in plan


def test_report_target_table_labels_readings(selected: Store) -> None:
    from datetime import date

    text = reports.plan_markdown(selected, KAIFENG, today=date(2026, 12, 6))
    assert "| “培育打造若干个产教融合重点区域” | 1个（本工具对“若干”的解读） |" in text
    assert "| “建设3个左右高水平产教融合实验实训基地” | 3个 |" in text  # the notice's number, as it is
    assert "2023年8月15日列入河南省首批产教融合型城市建设试点" in text and "2023-08-15列入" not in text


def test_new_targets_count_since_the_baseline_or_say_they_cannot(store: Store, selected: Store) -> None:
    # no pilot list: no baseline — the 9 leading programs are not claimed as new
    lm = {i["metric"]: i for i in readiness(store, KAIFENG)["items"]}["leading_majors"]
    assert (lm["measurable"], lm["value"], lm["met"]) == (False, None, None)
    assert lm["note"] == ("现有全省领先专业点9个（2024年）；“新培育”须与基线年比较，图谱中没有试点城市名单，"
                          "没有基线年（列入试点当年），无法判断是否为新培育")
    # selected in 2023: the programs leading in 2024 and not in 2023, as the report counts them
    r = readiness(selected, KAIFENG)
    assert r["baseline_year"] == 2023 == baseline_year(r["pilot"])
    items = {i["metric"]: i for i in r["items"]}
    lm = items["leading_majors"]
    assert (lm["measurable"], lm["value"], lm["met"]) == (True, 2.0, True)
    assert lm["note"] == "2024年全省领先的专业点9个，其中2023年不在领先行列的2个，按新培育计（基线年2023年：列入省级试点当年）"
    assert len(lm["evidence"]) == 2 and all(e.startswith("OFFERS") for e in lm["evidence"])
    li = items["leading_institutions"]
    assert li["measurable"] is False  # the institutions' 全省领先 has no year
    f, d, _ = reports.facts.plan_parts(selected, KAIFENG, year=None, max_generated=10, rules=None, period=None,
                                       types=None, min_people=None)
    assessed = {a["metric"]: a for a in reports.assess_targets(f, d)}
    assert assessed["leading_majors"]["value"] == lm["value"]  # readiness and the report agree
    # another city of the same graph, not on the list: cannot be checked
    other = {i["metric"]: i for i in readiness(selected, "410300")["items"]}["leading_majors"]
    assert other["measurable"] is False and "本市不在已加载的省级试点名单中" in other["note"]
