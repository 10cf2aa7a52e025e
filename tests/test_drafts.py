"""Drafts: Attachment 1 and 2 of the notice (workbook) and the 8-section pilot plan."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import demo_copy

from iekg import reports, service
from iekg.graph.schema import compact_key
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.queries.alignment import alignment
from iekg.queries.scope import Scope
from iekg.settings import Settings

KAIFENG = "410200"
XUCHANG = "411000"
OUTLINE = ["一、试点建设的背景和基础", "二、试点建设目标", "三、通过试点重点解决的问题", "四、主要试点任务和改革举措",
           "五、市域内试点建设培育产教融合型行业和企业的举措", "六、产教融合重大平台载体项目建设方案", "七、试点支持政策",
           "八、加强组织实施的主要举措"]
KEY_ZONES_TEXT = "产教融合重点区域培育不足，现有产教融合重点区域0个（目标不少于1个），职教园区、院校校区、开发区等资源统筹不够"

# A small graph of one city (许昌) from user data, nothing illustrative.
SMALL = {
    "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n510201,计算机应用技术,5102,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n4141099991,测试职业技术学院,411000,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460701,2024,900,300,0.95\n4141099991,510201,2024,1200,400,0.92\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n"
                         "411000,2024,800,36,高职专科\n411000,2024,300,38,高职专科\n411000,2024,100,65,高职专科\n"
                         "411000,2024,20,64,高职专科\n411000,2024,50,44,高职专科\n",
    "city_focus.csv": "city_code,chain_id,level,integration_industry\n411000,HN-NEV-01,主导,否\n",
    "enterprises.csv": "id,name,city_code,industry_code,employees,iei_level,segment_id,chain_role\n"
                       "T-ENT-001,许昌测试整车有限公司,411000,36,1000,省级,HN-NEV-01-S4,链主\n"
                       "T-ENT-002,许昌测试电池有限公司,411000,38,300,,HN-NEV-01-S2,配套\n",
    "cooperations.csv": "institution_id,enterprise_id,type,since,students,status\n4141099991,T-ENT-001,订单班,2022,40,进行中\n",
    # 序号 2, 5, 7 (not contiguous); 7 is word for word what the key_zones rule drafts
    "problems.csv": f"city_code,seq,problem,deadline\n411000,5,本地测试问题乙,2025年6月\n411000,2,本地测试问题甲,2024年底\n"
                    f"411000,7,{KEY_ZONES_TEXT},2025年12月\n",
    "measures.csv": "city_code,seq,content,agency,deadline,problem_seq\n"
                    "411000,1,本地测试举措一,许昌市教育局;许昌市财政局,2024年12月,5\n",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    return SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("drafts_demo")) / "graph.sqlite")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("drafts_small")
    data = home / "data"
    data.mkdir()
    for name, text in SMALL.items():
        (data / name).write_text(text, encoding="utf-8")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home), [data], demo=False)
    return store


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The data rows under the header (row 2): consecutive rows whose 序号 cell is an int."""
    out = []
    for row in ws.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True):
        if not isinstance(row[0], int):
            break
        out.append(row)
    return out


def _all_text(ws: Any) -> list[str]:
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(".+?")
    return re.compile("".join(parts))


def _own(store: Store, city: str, rel: str) -> list[Any]:
    return sorted((n for _, n in store.neighbours(f"City:{city}", [rel], "out")), key=lambda n: int(n.props["seq"]))


# ------------------------------------------------------------------------------------ the rules
def test_rule_table_covers_every_gap_type_and_target_metric() -> None:
    rules = {r.key: r for r in reports.load_rules()}
    for t in ("unmet_demand", "shortage", "surplus", "uncovered_segment", "no_cooperation", "no_training_base"):
        assert (t, "") in rules
    for m in reports.TARGET_METRICS:
        assert ("target_shortfall", m) in rules
    assert len(rules) == 6 + len(reports.TARGET_METRICS)
    for r in rules.values():
        assert r.agencies and set(r.agencies) <= set(reports.AGENCIES)
        assert re.fullmatch(r"第[1-3]年(\d{1,2}月|底)", r.problem_deadline)  # year N of the pilot period
        assert re.fullmatch(r"第[1-3]年(\d{1,2}月|底)", r.measure_deadline)
        assert "试点" in r.basis and 1 <= r.task <= 6
    assert {r.task for r in rules.values()} == {1, 2, 3, 4, 5, 6}  # every pilot task gets measures


def test_rule_table_errors_name_the_line(tmp_path: Path) -> None:
    text = reports.RULES_FILE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "rules.csv"
    bad.write_text("\n".join([text[0], text[1].replace("{industry_name}", "{chain_name}", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2.*placeholders"):
        reports.load_rules(bad)
    bad.write_text("\n".join([text[0], text[1].replace("教育局", "宣传部", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2.*agencies"):
        reports.load_rules(bad)


# ------------------------------------------------------------------------------ the demo workbook
@pytest.fixture(scope="module")
def demo_book(demo: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    path = tmp_path_factory.mktemp("drafts_out") / "附件.xlsx"
    summary = reports.export_attachments(demo, KAIFENG, path)
    return summary, openpyxl.load_workbook(path)


def test_workbook_headers_in_row_2_and_rows_numbered(demo_book: tuple[dict[str, Any], Any]) -> None:
    summary, wb = demo_book
    assert wb.sheetnames == ["附件1 问题清单", "附件2 政策清单", "依据 evidence"]
    ws1, ws2 = wb["附件1 问题清单"], wb["附件2 政策清单"]
    assert [c.value for c in ws1[2]] == ["序号", "主要问题", "解决时限"]
    assert [c.value for c in ws2[2]] == ["序号", "政策内容", "责任部门", "完成时限", "对应问题序号"]
    assert ws1["A1"].value == "附件1  产教融合改革问题清单"
    assert ws2["A1"].value == "附件2  产教融合试点政策清单"
    rows1, rows2 = _sheet_rows(ws1), _sheet_rows(ws2)
    assert [r[0] for r in rows1] == list(range(1, len(rows1) + 1))
    assert [r[0] for r in rows2] == list(range(1, len(rows2) + 1))
    assert len(rows1) == summary["problems"] and len(rows2) == summary["measures"]
    assert 0 < summary["drafted_problems"] <= 10
    assert reports.NOTE1 in _all_text(ws1) and reports.NOTE2 in _all_text(ws2)
    assert ws1.cell(row=reports.HEADER_ROW + len(rows1) + 1, column=1).value == reports.NOTE1


def test_demo_workbook_is_marked_illustrative(demo: Store, demo_book: tuple[dict[str, Any], Any]) -> None:
    summary, wb = demo_book
    assert summary["illustrative"] and reports.uses_illustrative_data(demo, KAIFENG)
    for name in ("附件1 问题清单", "附件2 政策清单", "依据 evidence"):
        assert reports.ILLUSTRATIVE_LINE in _all_text(wb[name])
    assert "示意数据" in reports.ILLUSTRATIVE_LINE and "illustrative demo data" in reports.ILLUSTRATIVE_LINE


def test_own_rows_first_and_unchanged(demo: Store, demo_book: tuple[dict[str, Any], Any]) -> None:
    _, wb = demo_book
    rows1, rows2 = _sheet_rows(wb["附件1 问题清单"]), _sheet_rows(wb["附件2 政策清单"])
    problems, measures = _own(demo, KAIFENG, "RAISES"), _own(demo, KAIFENG, "PROPOSES")
    assert problems and measures
    # a deadline already past is kept as written, with its state (never redated)
    today = date.today()

    def cell(deadline: str) -> str:
        state = reports.deadline_status(deadline, today)
        return f"{deadline}（{state}）" if state else deadline

    for row, n in zip(rows1, problems, strict=False):
        assert row[1:] == (n.props["problem"], cell(n.props["deadline"]))
    for row, n in zip(rows2, measures, strict=False):
        assert (row[1], row[3]) == (n.props["content"], cell(n.props["deadline"]))
        agencies = {o.name for r, o in demo.neighbours(n.uid, ["RESPONSIBLE"], "out")}
        assert row[2] == n.props["agency"]  # the 责任部门 cell exactly as the city wrote it, order kept
        assert set(row[2].split("、")) == agencies


def test_drafted_rows_follow_the_rule_table(demo: Store) -> None:
    rules = {r.key: r for r in reports.load_rules()}
    rows1, rows2 = reports.attachments(demo, KAIFENG)
    own1 = [r for r in rows1 if r["来源"] == "city"]
    assert rows1[: len(own1)] == own1  # own rows first
    drafted1 = [r for r in rows1 if r["来源"] != "city"]
    drafted2 = [r for r in rows2 if r["来源"] != "city"]
    assert drafted1 and drafted2
    types = set()
    for r in drafted1:
        rule = rules[(r["rule"]["gap_type"], r["rule"]["metric"] or "")]
        types.add(rule.gap_type)
        assert _pattern(rule.problem_template).fullmatch(r["主要问题"]), r["主要问题"]
        assert r["解决时限"] == reports.Period.parse(None).deadline(rule.problem_deadline)
        assert r["gaps"] and all(g["type"] == rule.gap_type for g in r["gaps"])
        ranks = [g["rank"] for g in r["gaps"]]
        assert ranks == sorted(ranks) and r["来源"].startswith(f"gap {rule.gap_type} #{ranks[0]}")
    for r in drafted2:
        rule = rules[(r["rule"]["gap_type"], r["rule"]["metric"] or "")]
        assert _pattern(rule.measure_template).fullmatch(r["政策内容"]), r["政策内容"]
        assert r["完成时限"] == reports.Period.parse(None).deadline(rule.measure_deadline)
        assert r["责任部门"] == "、".join("开封市" + a for a in rule.agencies)
        assert all(a.startswith("开封市") for a in r["agencies"])
        (pseq,) = r["problem_seq"]
        assert rows1[pseq - 1]["gaps"] == r["gaps"]
    # grouping: all surplus industries in one row; one row per shortage industry
    assert sum(1 for r in drafted1 if r["rule"]["gap_type"] == "surplus") <= 1
    short = [r["gaps"][0]["entity"] for r in drafted1 if r["rule"]["gap_type"] == "shortage"]
    assert len(short) == len(set(short)) <= rules[("shortage", "")].max_rows
    # drafted rows come in gap-rank order
    firsts = [r["gaps"][0]["rank"] for r in drafted1]
    assert firsts == sorted(firsts)
    assert {"target_shortfall", "shortage"} <= types


def test_evidence_sheet_matches_the_rows(demo: Store, demo_book: tuple[dict[str, Any], Any]) -> None:
    _, wb = demo_book
    ws = wb["依据 evidence"]
    assert [c.value for c in ws[reports.HEADER_ROW]] == list(reports.HEADERS3)
    lines: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for row in ws.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True):
        if isinstance(row[1], int):
            lines.setdefault((row[0], row[1]), []).append(row)
    rows1, rows2 = reports.attachments(demo, KAIFENG)
    for att, rows in (("附件1", rows1), ("附件2", rows2)):
        for r in rows:
            got = lines[(att, r["序号"])]
            if r["来源"] == "city":  # its node, then the graph's gaps it covers (issue 21)
                covered = r.get("gaps_covered") or []
                assert len(got) == 1 + len(covered) and got[0][7] == r["node"]
                assert [g[5] for g in got[1:]] == [g["rank"] for g in covered]
                continue
            assert [g[5] for g in got] == [g["rank"] for g in r["gaps"]]
            assert [g[3] for g in got] == [g["type"] for g in r["gaps"]]
            assert [g[6] for g in got] == [round(g["magnitude"], 2) for g in r["gaps"]]
            assert [g[9] for g in got] == ["\n".join(compact_key(k) for k in g["evidence"]) for g in r["gaps"]]
    assert len(lines) == len(rows1) + len(rows2)
    assert any(r.get("gaps_covered") for r in rows1 + rows2)  # 开封's own rows cover some gaps


def test_max_generated_and_unknown_city(demo: Store) -> None:
    rows1, rows2 = reports.attachments(demo, KAIFENG, max_generated=0)
    assert all(r["来源"] == "city" for r in rows1 + rows2)
    assert len(rows1) == len(_own(demo, KAIFENG, "RAISES"))
    rows1, _ = reports.attachments(demo, KAIFENG, max_generated=3)
    assert sum(1 for r in rows1 if r["来源"] != "city") == 3
    with pytest.raises(LookupError):
        reports.attachments(demo, "999999")


# ----------------------------------------------------------------------- a non-illustrative graph
def test_small_graph_renumbers_dedupes_and_is_not_illustrative(small: Store, tmp_path: Path) -> None:
    assert not reports.uses_illustrative_data(small, XUCHANG)
    rows1, rows2 = reports.attachments(small, XUCHANG, max_generated=20, min_people=0)  # every gap, however small
    assert [r["序号"] for r in rows1] == list(range(1, len(rows1) + 1))
    # own 序号 2, 5, 7 become 1, 2, 3 in order, unchanged
    assert [(r["主要问题"], r["解决时限"], r["来源"]) for r in rows1[:3]] == [
        ("本地测试问题甲", "2024年底", "city"), ("本地测试问题乙", "2025年6月", "city"), (KEY_ZONES_TEXT, "2025年12月", "city")]
    assert rows2[0]["政策内容"] == "本地测试举措一" and rows2[0]["problem_seq"] == [2]
    assert set(rows2[0]["责任部门"].split("、")) == {"许昌市教育局", "许昌市财政局"}
    # the key_zones problem is not repeated; its drafted measure points to the own row
    assert [r["主要问题"] for r in rows1].count(KEY_ZONES_TEXT) == 1
    kz = [r for r in rows2 if r["rule"] and r["rule"]["metric"] == "key_zones"]
    assert len(kz) == 1 and kz[0]["problem_seq"] == [3]
    types = {r["rule"]["gap_type"] for r in rows1 if r["rule"]}
    assert {"unmet_demand", "shortage", "surplus", "uncovered_segment", "no_cooperation", "no_training_base",
            "target_shortfall"} == types
    (seg,) = [r for r in rows1 if r["rule"] and r["rule"]["gap_type"] == "uncovered_segment"]
    assert "「新能源汽车」" in seg["主要问题"] and len(seg["gaps"]) == 2  # one row per chain
    nc = next(r for r in rows1 if r["rule"] and r["rule"]["gap_type"] == "no_cooperation")
    assert "许昌测试电池有限公司" in nc["主要问题"]

    path = reports.write_attachments_xlsx(rows1, rows2, tmp_path / "a.xlsx", city_name="许昌市", illustrative=False)
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        assert not any("示意数据" in t for t in _all_text(ws))
    assert [c.value for c in wb["附件1 问题清单"][2]] == ["序号", "主要问题", "解决时限"]
    assert [r[1] for r in _sheet_rows(wb["附件1 问题清单"])] == [r["主要问题"] for r in rows1]
    assert [r[2] for r in _sheet_rows(wb["附件2 政策清单"])] == [r["责任部门"] for r in rows2]


# ---------------------------------------------------------------------------------------- the plan
def _headings(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_plan_follows_the_outline_with_the_city_figures(demo: Store, tmp_path: Path) -> None:
    text = reports.plan_markdown(demo, KAIFENG)
    assert _headings(text) == OUTLINE
    sai = alignment(demo, Scope((KAIFENG,)))["sai"]
    assert f"{sai:.4f}" in text
    assert reports.ILLUSTRATIVE_LINE in text.split("## ")[0]  # marked at the top
    for k in "一二三四五六":  # the six pilot tasks under section 四
        assert f"### （{k}）" in text.split("## 四、")[1].split("## 五、")[0]
    rows1, rows2 = reports.attachments(demo, KAIFENG)
    section7 = text.split("## 七、")[1].split("## 八、")[0]
    assert all(r["政策内容"] in section7 for r in rows2)
    section3 = text.split("## 三、")[1].split("## 四、")[0]
    assert all(r["主要问题"] in section3 for r in rows1)
    files = reports.write_plan(demo, KAIFENG, tmp_path / "plan.md")
    assert files[0] == tmp_path / "plan.md" and files[0].read_text(encoding="utf-8") == text


def test_plan_of_real_data_is_not_marked(small: Store) -> None:
    text = reports.plan_markdown(small, XUCHANG)
    assert _headings(text) == OUTLINE
    assert "示意数据" not in text
    sai = alignment(small, Scope((XUCHANG,)))["sai"]
    assert f"SAI = {sai:.4f}" in text


def test_plan_docx_when_python_docx_is_installed(demo: Store, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    files = reports.write_plan(demo, KAIFENG, tmp_path / "plan.docx")
    assert [f.name for f in files] == ["plan.md", "plan.docx", "plan-内部诊断.md", "plan-内部诊断.docx"]
    doc = docx.Document(str(files[1]))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == OUTLINE
