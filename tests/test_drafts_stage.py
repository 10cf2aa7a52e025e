"""Drafts right for the city's stage, one list of problems and measures, plain official prose (issue 21,
points 1-3): a city already selected gets its progress or final evaluation report with the notice's 2025
targets assessed; an applicant the application with every drafted deadline in the period; an own row
whose deadline is past is marked, not redated; no drafted row repeats an own row; every problem is
numbered in a measure; shortages fed by the same majors share one measure; no weight, key or tag in the
official text."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import demo_copy
from typer.testing import CliRunner

from iekg import reports, service
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.settings import Settings

KAIFENG, LUOYANG, XUCHANG = "410200", "410300", "411000"
TODAY = date(2026, 12, 6)
# 开封's row of the public pilot-city list (/work/shared/data/public/henan_pilot_cities.csv), as
# ``iekg build --public`` puts it on the City node
KAIFENG_PILOT = {"pilot_level": "省级", "pilot_batch": "河南省首批产教融合型城市建设试点",
                 "pilot_document": "《河南省发展和改革委员会等6部门关于印发河南省首批产教融合型城市建设试点名单的通知》",
                 "pilot_issued": "2023-08-15", "pilot_source": "http://kaifeng.henan.wang/kaifeng/2023/0820/308597.html"}
EVALUATION_TITLE = "开封市省级产教融合型城市建设试点总结评估报告（草稿）"

# 许昌 from user data: two shortages (34, 35) fed by the same two 自动化类 majors; own rows that say
# what some gaps say in other words (the training-base target; the 34 shortage, naming the industry),
# an own problem no measure answers, an own deadline already past.
FIXTURE = {
    "majors.csv": "code,name,category_code,level\n460301,机电一体化技术,4603,高职专科\n460305,工业机器人技术,4603,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n4141099991,测试职业技术学院,411000,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460301,2024,600,200,0.9\n4141099991,460305,2024,450,150,0.9\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n"
                         "411000,2024,2000,34,高职专科\n411000,2024,1500,35,高职专科\n",
    "problems.csv": "city_code,seq,problem,deadline\n"
                    "411000,1,实验实训基地建设滞后，缺少高水平的实训基地,2024年12月\n"
                    "411000,2,本地测试问题甲，暂无对应举措,2027年6月\n"
                    "411000,3,通用设备制造业技术技能人才缺口较大,2027年12月\n",
    "measures.csv": "city_code,seq,content,agency,deadline,problem_seq\n"
                    "411000,1,支持企业与院校共建高水平产教融合实验实训基地,许昌市发展改革委,2025年12月,1\n",
}

# What official text never carries (issue 21): crosswalk weights after an industry, evidence tags and gap
# keys, snake_case keys, None/nan, Markdown entities and escaped underscores.
WEIGHT = r"(?<![\d.])\d{2} [\u4e00-\u9fff][^，。；|\t\n]{0,30}? \d?\.\d+"
FORBIDDEN = re.compile("|".join((WEIGHT, r"〔数据依据", r"gap [a-z_]+", r"#\d+",
                                 r"(?<![A-Za-z])[a-z][a-z0-9]*(?:_[a-z0-9]+)+", r"=None", r"(?<![A-Za-z])(None|nan)(?![A-Za-z])",
                                 r"&(gt|lt|amp);", r"\\_")))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    return SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("stage_demo")) / "graph.sqlite")


@pytest.fixture(scope="module")
def selected(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    """The demo with 开封's public pilot status (selected 2023-08-15)."""
    store = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("stage_selected")) / "graph.sqlite")
    cs = ChangeSet()
    cs.add_node("City", KAIFENG, dict(KAIFENG_PILOT))
    store.apply(cs)
    return store


@pytest.fixture(scope="module")
def fixture_city(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("stage_fixture")
    data = home / "data"
    data.mkdir()
    for name, text in FIXTURE.items():
        (data / name).write_text(text, encoding="utf-8")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home), [data], demo=False)
    return store


def _drafted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["来源"] not in (reports.OWN, reports.PLACEHOLDER)]


def _sheet(ws: Any) -> list[tuple[Any, ...]]:
    return [r for r in ws.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)]


# ------------------------------------------------------------------------------------------ the stage
def test_the_stage_rule(selected: Store, demo: Store) -> None:
    st = reports.stage_of(selected, KAIFENG, today=TODAY)
    assert (st.kind, st.selected_on, st.horizon, st.baseline_year) == ("evaluation", date(2023, 8, 15), 2025, 2023)
    assert st.period == reports.Period(2027, 2029)  # three years from today (December: from next year)
    assert st.title("开封市") == EVALUATION_TITLE
    assert reports.stage_of(selected, KAIFENG, today=date(2025, 3, 1)).kind == "progress"
    assert reports.stage_of(selected, KAIFENG, today=date(2023, 8, 14)).kind == "application"  # not yet selected
    assert reports.stage_of(selected, LUOYANG, today=TODAY).kind == "application"  # not on the list
    assert reports.stage_of(demo, KAIFENG, today=TODAY).kind == "application"  # no list loaded: no claim
    with pytest.raises(ValueError, match="ends before today"):
        reports.stage_of(selected, KAIFENG, today=TODAY, period="2023-2025")


def test_selected_city_gets_the_evaluation_report_with_its_2025_targets_assessed(selected: Store) -> None:
    text = reports.plan_markdown(selected, KAIFENG, today=TODAY)
    assert text.splitlines()[0] == f"# {EVALUATION_TITLE}"
    assert "试点方案" not in text.splitlines()[0] and "## 二、试点目标完成情况" in text
    assert "目标对照的基线年为2023年（列入试点当年），现状数据年度为2024年" in text
    f, d, _ = reports.facts.plan_parts(selected, KAIFENG, year=None, max_generated=10, rules=None, period=None,
                                       types=None, min_people=None, today=TODAY)
    got = {r["metric"]: (r["status"], r["baseline"], r["value"], r["gap"]) for r in reports.assess_targets(f, d)}
    assert got == {
        "policy_framework": ("met", 3.0, 3.0, None),
        "key_zones": ("behind", None, 0.0, 1.0),
        "integration_industries": ("behind", None, 0.0, 2.0),
        "provincial_iei_enterprises": ("behind", None, 3.0, 17.0),
        "high_level_training_bases": ("behind", None, 0.0, 3.0),
        "leading_institutions": ("not_measurable", None, None, None),  # no leading data for institutions
        # "新培育": leading in 2024 and not in 2023 (the baseline year): 2 of the 9
        "leading_majors": ("met", 8.0, 2.0, None),
    }
    section2 = text.split("## 二、")[1].split("## 三、")[0]
    assert "本市已达到2项、未达到4项、无法衡量0项" in section2  # the either/or target counts once, met
    assert "| 基线（2023年） | 现状（2024年） | 评估 |" in section2
    assert "| “建设3个左右高水平产教融合实验实训基地” | 3个 | 图谱只有现状数据 | 0个 | 未达到（差3个） |" in section2
    assert "2024年全省领先的专业点9个，其中2023年不在领先行列的2个，按新培育计" in section2
    # the next steps are dated from today, inside the period
    nxt = text.split("## 五、下一步工作安排（2027—2029年）")[1].split("## 六、")[0]
    deadlines = re.findall(r"完成时限：(\d{4})年(\d{1,2})月", nxt)
    assert len(deadlines) >= 5
    assert all((2027, 1) <= (int(y), int(m)) <= (2029, 12) for y, m in deadlines)


def test_progress_report_before_the_horizon(selected: Store, tmp_path: Path) -> None:
    day = date(2024, 6, 15)
    text = reports.plan_markdown(selected, KAIFENG, today=day)
    assert text.splitlines()[0] == "# 开封市省级产教融合型城市建设试点进展报告（草稿）"
    assert "## 二、试点目标进展情况" in text and "截至2024年6月15日试点正在推进" in text
    res = reports.export_attachments(selected, KAIFENG, tmp_path / "a.xlsx", today=day)
    assert (res["document"], res["period"]) == ("progress", [2024, 2026])
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert wb[reports.SHEET1]["A1"].value == reports.REPORT_TITLES[0]
    rows1, rows2 = reports.attachments(selected, KAIFENG, today=day)
    for r in _drafted(rows1) + _drafted(rows2):  # nothing drafted is due before next month
        y, m = reports.deadline_month(r.get("解决时限") or r["完成时限"])  # type: ignore[misc]
        assert (2024, 7) <= (y, m) <= (2026, 12), r


def test_applicant_gets_the_application_with_deadlines_in_the_period(demo: Store) -> None:
    text = reports.plan_markdown(demo, LUOYANG, today=TODAY)
    assert text.splitlines()[0] == "# 洛阳市建设省级产教融合型城市试点方案（草稿）" and "试点期 2027—2029年" in text
    for period, first, last in ((None, (2027, 1), (2029, 12)), ("2026-2028", (2027, 1), (2028, 12))):
        rows1, rows2 = reports.attachments(demo, LUOYANG, today=TODAY, period=period)
        dates = [r["解决时限"] for r in _drafted(rows1)] + [r["完成时限"] for r in _drafted(rows2)]
        assert len(dates) >= 10
        for text_date in dates:
            ym = reports.deadline_month(text_date)
            assert ym is not None and first <= ym <= last, (period, text_date)
    # 2026's months before December are past: a rule's 第1年6月 in 2026-2028 moves to January 2027
    stage = reports.stage_of(demo, LUOYANG, today=TODAY, period="2026-2028")
    assert stage.dated("第1年6月") == "2027年1月" and stage.dated("第3年12月") == "2028年12月"
    assert reports.stage_of(demo, LUOYANG, today=TODAY, period="2026-2026").dated("第1年6月") == "2026年12月"


def test_own_rows_with_a_past_deadline_are_marked_not_redated(selected: Store, demo: Store, tmp_path: Path) -> None:
    d = reports.compose(selected, KAIFENG, today=TODAY)
    own = {n.props["seq"]: n.props["deadline"] for _, n in selected.neighbours(f"City:{KAIFENG}", ["RAISES"], "out")}
    p3 = next(r for r in d.rows1 if r["来源"] == reports.OWN and r["seq"] == 3)
    assert (p3["解决时限"], p3["时限状态"]) == (own[3], "已逾期") == ("2023年12月", "已逾期")
    assert all(r["解决时限"] == own[r["seq"]] for r in d.rows1 if r["来源"] == reports.OWN)  # as written
    text = reports.plan_markdown(selected, KAIFENG, today=TODAY)
    assert ("| 3 | 高水平产教融合实验实训基地数量不足，现有基地开放共享程度低 | 2023年12月（已逾期） | 4 | "
            "仍有相应缺口（见依据表） |") in text  # own row 3 covers the training-base target, still behind
    assert "截至2026年12月6日，问题清单第1、2、3、4、5、6项、政策清单第1、2、3、4、5、6、7项的时限已过" in text
    reports.export_attachments(selected, KAIFENG, tmp_path / "a.xlsx", today=TODAY)
    rows = _sheet(openpyxl.load_workbook(tmp_path / "a.xlsx")[reports.SHEET1])
    assert rows[2][2] == "2023年12月（已逾期）"
    # due this month; not past before it
    assert reports.deadline_status("2026年12月", TODAY) == "本月到期" and reports.deadline_status("2026年底", TODAY) == "本月到期"
    assert reports.deadline_status("2027-01", TODAY) == "" and reports.deadline_status("长期坚持", TODAY) == ""
    luoyang = reports.compose(demo, LUOYANG, today=date(2024, 6, 15))
    states = {r["序号"]: r["时限状态"] for r in luoyang.rows2 if r["来源"] == reports.OWN}
    assert states == {1: "已逾期", 2: "", 3: "", 4: "", 5: "", 6: "本月到期", 7: ""}
    early = reports.compose(selected, KAIFENG, today=date(2023, 6, 1))
    assert not any(r["时限状态"] for r in early.rows1 + early.rows2)


# ------------------------------------------------------------------------------- one list of rows
def _cases(demo: Store, selected: Store, fixture_city: Store) -> list[tuple[Store, str]]:
    return [(demo, KAIFENG), (demo, LUOYANG), (selected, KAIFENG), (fixture_city, XUCHANG)]


def test_no_generated_row_duplicates_an_own_row(demo: Store, selected: Store, fixture_city: Store) -> None:
    for store, city in _cases(demo, selected, fixture_city):
        d = reports.compose(store, city, today=TODAY, max_generated=20, min_people=0)
        own1 = [r["主要问题"] for r in d.rows1 if r["来源"] == reports.OWN]
        own2 = [r["政策内容"] for r in d.rows2 if r["来源"] == reports.OWN]
        assert own1 and own2
        kinds = []
        for r in _drafted(d.rows1):
            (c,) = r["candidates"]
            assert not any(reports.covers(c.rule, c.subjects, c.problem, o) for o in own1), (city, r["主要问题"])
            kinds.append((c.rule.key, tuple(g["entity"] for g in c.members)))
        for r in _drafted(d.rows2):
            c = r["candidates"][0]
            subjects = [x for k in r["candidates"] for x in k.subjects]
            assert not any(reports.covers(c.rule, subjects, r["政策内容"], o) for o in own2), (city, r["政策内容"])
        assert len(kinds) == len(set(kinds))  # no gap drafted twice
    # the fixture's own rows say what three gaps say, in other words: none of them is drafted again
    d = reports.compose(fixture_city, XUCHANG, today=TODAY, max_generated=20, min_people=0)
    entities = [g["entity"] for r in _drafted(d.rows1) for g in r["gaps"]]
    assert "Target:T-646-05" not in entities  # 高水平实训基地: own problem 1 (and own measure 1)
    assert "Industry:34" not in entities and "Industry:35" in entities  # own problem 3 names 通用设备制造业 only
    assert not any("实验实训基地" in r["政策内容"] for r in _drafted(d.rows2))
    assert any(s["type"] == "target_shortfall" and "问题清单第1项，政策清单第1项" in s["reason"] for s in d.skipped)
    # a general own row covers no particular shortage; it must name the industry (or one of its majors)
    rule = reports.load_rules()[1]
    assert rule.gap_type == "shortage"
    assert not reports.covers(rule, ["汽车制造业"], "汽车制造业技术技能人才供给不足", "重点产业技术技能人才供给不足")
    assert reports.covers(rule, ["汽车制造业"], "汽车制造业技术技能人才供给不足", "汽车制造业技能人才缺口大")


def test_every_problem_is_numbered_in_a_measure(demo: Store, selected: Store, fixture_city: Store,
                                                tmp_path: Path) -> None:
    for store, city in _cases(demo, selected, fixture_city):
        rows1, rows2 = reports.attachments(store, city, today=TODAY, max_generated=20, min_people=0)
        seqs = [r["序号"] for r in rows1]
        assert seqs == list(range(1, len(rows1) + 1)) and [r["序号"] for r in rows2] == list(range(1, len(rows2) + 1))
        answered = {s for r in rows2 for s in r["problem_seq"]}
        assert set(seqs) <= answered, (city, set(seqs) - answered)
        assert answered <= set(seqs)
    rows1, rows2 = reports.attachments(fixture_city, XUCHANG, today=TODAY)
    (todo,) = [r for r in rows2 if r["来源"] == reports.PLACEHOLDER]  # own problem 2: nothing answered it
    assert todo["problem_seq"] == [2] and todo["政策内容"].startswith("针对问题清单第2项“本地测试问题甲”")
    assert todo["完成时限"] == "2027年6月"  # with the problem, not yet past
    reports.export_attachments(fixture_city, XUCHANG, tmp_path / "a.xlsx", today=TODAY)
    sheet2 = _sheet(openpyxl.load_workbook(tmp_path / "a.xlsx")[reports.SHEET2])
    assert [row[4] for row in sheet2] == ["、".join(map(str, r["problem_seq"])) for r in rows2]


def test_shortages_fed_by_the_same_majors_get_one_measure(fixture_city: Store) -> None:
    rows1, rows2 = reports.attachments(fixture_city, XUCHANG, today=TODAY)
    short = [r for r in rows2 if r["rule"] and r["rule"]["gap_type"] == "shortage"]
    assert len(short) == 1  # 34 and 35 are both fed by 机电一体化技术 and 工业机器人技术
    (m,) = short
    p35 = next(r["序号"] for r in rows1 if any(g["entity"] == "Industry:35" for g in r["gaps"]))
    assert m["problem_seq"] == [3, p35]  # own problem 3 (the 34 shortage) and the drafted 35 one
    assert "通用设备制造业、专用设备制造业" in m["政策内容"]
    assert {x["name"] for x in m["majors"]} == {"机电一体化技术", "工业机器人技术"}
    gap = round(sum(g["magnitude"] for g in m["gaps"]))
    assert len(m["gaps"]) == 2 and f"约{gap}人" in m["政策内容"]


# -------------------------------------------------------------------------------------- plain prose
def _docx_text(path: Path) -> str:
    docx = pytest.importorskip("docx")
    doc = docx.Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_official_text_has_no_weight_key_or_tag(demo: Store, selected: Store, fixture_city: Store,
                                                tmp_path: Path) -> None:
    assert FORBIDDEN.search("对口13 农副食品加工业 0.45、14 食品制造业 0.45")  # the scan can fail
    assert FORBIDDEN.search("〔数据依据：gap shortage #3〕") and FORBIDDEN.search("major_code=None")
    assert FORBIDDEN.search("&gt;= 1") and FORBIDDEN.search(r"condition\_training\_platforms")
    scanned = 0
    for k, (store, city) in enumerate(_cases(demo, selected, fixture_city)):
        out = tmp_path / str(k)
        files = reports.write_plan(store, city, out / "plan.md", today=TODAY)
        reports.export_attachments(store, city, out / "a.xlsx", today=TODAY)
        wb = openpyxl.load_workbook(out / "a.xlsx")
        texts = {f.name: f.read_text(encoding="utf-8") for f in files if f.suffix == ".md"}
        texts.update({f.name: _docx_text(f) for f in files if f.suffix == ".docx"})
        for sheet in (reports.SHEET1, reports.SHEET2):
            texts[sheet] = "\n".join(str(v) for row in wb[sheet].iter_rows(values_only=True) for v in row if v is not None)
        for name, text in texts.items():
            hits = [m.group(0) for m in FORBIDDEN.finditer(text)]
            assert not hits, (city, name, hits[:5])
            scanned += len(text)
    assert scanned > 100_000


def test_evidence_sheet_labels_are_readable(selected: Store, tmp_path: Path) -> None:
    reports.export_attachments(selected, KAIFENG, tmp_path / "a.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")[reports.SHEET3]
    assert [c.value for c in ws[reports.HEADER_ROW]][12:] == ["缺口 gap", "证据说明 evidence (readable)",
                                                              "对口专业与权重 majors and weights"]
    rows = [r for r in ws.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True) if isinstance(r[1], int)]
    labels = "\n".join(str(r[13]) for r in rows if r[13])
    assert "开封市 — " in labels and "（2024年，高职专科）" in labels
    assert not re.search(r"None|nan|\|", labels)
    assert {r[2] for r in rows} == {"本市已有清单", "本市已有清单（涵盖的图谱缺口）", "据图谱缺口起草"}
    # own problem 3 (training bases) covers the 2025 target: its figures are on the sheet, under its 序号
    target = [r for r in rows if r[0] == "附件1" and r[1] == 3 and r[3]]
    assert [(r[3], r[4], r[12]) for r in target] == [
        ("target_shortfall", "high_level_training_bases", "未达到的试点目标：高水平产教融合实验实训基地（量级3）")]
    gap_words = [r[12] for r in rows if r[12]]
    assert gap_words and all(not re.search(r"[a-z]_[a-z]", g) for g in gap_words)


# ------------------------------------------------------------------------------------------- faces
def test_cli_today_and_document(tmp_path: Path) -> None:
    home = tmp_path / "h"
    runner = CliRunner()
    assert runner.invoke(app, ["--home", str(home), "build"]).exit_code == 0
    plan = tmp_path / "r.md"
    r = runner.invoke(app, ["--home", str(home), "export", "plan", "--city", KAIFENG, "-o", str(plan),
                            "--today", "2026-12-06", "--document", "evaluation"])
    assert r.exit_code == 0, r.output
    assert plan.read_text(encoding="utf-8").splitlines()[0] == f"# {EVALUATION_TITLE}"
    r = runner.invoke(app, ["--home", str(home), "export", "attachments", "--city", LUOYANG, "-o",
                            str(tmp_path / "a.xlsx"), "--today", "2026-12-06", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert '"document": "application"' in r.output and '"period": [\n    2027,\n    2029\n  ]' in r.output
    for args, word in ((["--today", "6.12.2026"], "--today"), (["--period", "2020-2022"], "ends before today"),
                       (["--document", "memo"], "memo")):
        r = runner.invoke(app, ["--home", str(home), "export", "plan", "--city", KAIFENG, "-o", str(plan), *args])
        assert r.exit_code == 2 and word in r.output, r.output
