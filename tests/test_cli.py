"""The ``iekg`` command line through typer's runner: import, validate, info, show, search and exit codes.

Exit codes: 0 success, 1 data errors (the report on stdout, JSON with ``--format json``), 2 usage errors.
Every test uses its own ``--home`` in ``tmp_path``.  (``iekg build`` is tested elsewhere.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders.values import uscc_check_char

E1 = "91410200MA44AB12CW"

SMALL = {
    "cities.csv": "行政区划代码,名称,省级代码\n410000,河南省,\n410200,开封市,410000\n",
    "industries.csv": "行业代码,行业名称,上级代码\nC,制造业,\n36,汽车制造业,C\n",
    "major_divisions.csv": "专业大类代码,专业大类名称\n46,装备制造大类\n",
    "major_categories.csv": "专业类代码,专业类名称,专业大类代码\n4607,汽车制造类,46\n",
    "majors.csv": "专业代码,专业名称,专业类代码,层次\n460701,汽车制造与试验技术,4607,高职专科\n",
    "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n4141010842,开封职业学院,410200,高职专科,公办\n",
    "enterprises.csv": f"id,name,city_code,industry_code,employees\n{E1},开封某汽车零部件有限公司,410200,36,1200\n",
    "cooperations.csv": f"学校标识码,统一社会信用代码,合作类型,起始年份,受益学生数\n4141010842,{E1},订单班,2021,45\n",
    "programs.csv": "学校标识码,专业代码,年份,在校生数,就业率\n4141010842,460701,2024,320,85%\n",
}
NODES = {"City": 1, "Enterprise": 1, "Industry": 2, "Institution": 1, "Major": 1, "MajorCategory": 1,
         "MajorDivision": 1, "Province": 1}
RELS = {"COOPERATES_WITH": 1, "IN_INDUSTRY": 1, "LOCATED_IN": 2, "OFFERS": 1, "PART_OF": 1, "SUBCLASS_OF": 3}
ZERO = {"nodes_created": 0, "nodes_updated": 0, "rels_created": 0, "rels_updated": 0, "rels_deleted": 0}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def iekg(home: Path, *args: str):
    return CliRunner().invoke(app, ["--home", str(home), *args])


def as_json(res) -> object:
    return json.loads(res.stdout)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose graph holds SMALL."""
    h = tmp_path / "home"
    res = iekg(h, "import", str(write(tmp_path / "small", SMALL)), "--format", "json")
    assert res.exit_code == 0, res.output
    return h


def test_e1_is_a_valid_credit_code():
    assert uscc_check_char(E1[:17]) == E1[17]


# -------------------------------------------------------------------------------------------- import
def test_import_json_report_and_result(tmp_path: Path):
    res = iekg(tmp_path / "home", "import", str(write(tmp_path / "small", SMALL)), "--format", "json")
    assert res.exit_code == 0, res.output
    data = as_json(res)
    assert data == {
        "ok": True, "errors": 0, "warnings": 0,
        "rows": {"cities": 2, "cooperations": 1, "enterprises": 1, "industries": 2, "institutions": 1,
                 "major_categories": 1, "major_divisions": 1, "majors": 1, "programs": 1},
        "issues": [], "changed": True,
        "result": {"nodes_created": 9, "nodes_updated": 0, "rels_created": 9, "rels_updated": 0, "rels_deleted": 0},
    }
    assert (tmp_path / "home" / "graph.sqlite").is_file()


def test_import_table_output(tmp_path: Path):
    res = iekg(tmp_path / "home", "import", str(write(tmp_path / "small", SMALL)))
    assert res.exit_code == 0
    assert "已导入: nodes_created=9, nodes_updated=0, rels_created=9" in res.stdout
    res = iekg(tmp_path / "home2", "--lang", "en", "import", str(tmp_path / "small"))
    assert res.exit_code == 0
    assert "imported: nodes_created=9" in res.stdout


def test_import_twice_changes_nothing(home: Path, tmp_path: Path):
    before = SqliteStore(home / "graph.sqlite").snapshot()
    res = iekg(home, "import", str(tmp_path / "small"), "--format", "json")
    assert res.exit_code == 0
    data = as_json(res)
    assert (data["changed"], data["result"]) == (False, ZERO)
    assert SqliteStore(home / "graph.sqlite").snapshot() == before


def test_import_single_files_and_multiple_paths(tmp_path: Path):
    folder = write(tmp_path / "small", SMALL)
    first = [folder / n for n in ("cities.csv", "industries.csv")]
    res = iekg(tmp_path / "home", "import", *map(str, first), "--format", "json")
    assert res.exit_code == 0
    assert as_json(res)["rows"] == {"cities": 2, "industries": 2}
    res = iekg(tmp_path / "home", "info", "--format", "json")
    assert as_json(res)["nodes"] == {"City": 1, "Industry": 2, "Province": 1}


# ---------------------------------------------------------------------------------------------- info
def test_info_json_counts(home: Path):
    res = iekg(home, "info", "--format", "json")
    assert res.exit_code == 0
    info = as_json(res)
    storage = info.pop("storage")  # the graph file's pages (free pages: iekg build --compact)
    assert info == {
        "store": "sqlite", "nodes": NODES, "relationships": RELS, "total_nodes": 9, "total_relationships": 9,
        "nodes_by_source_kind": {"user": 9},
    }
    assert storage["pages"] > 0 and 0 <= storage["free_pages"] <= storage["pages"]


def test_info_of_an_empty_home(tmp_path: Path):
    res = iekg(tmp_path / "empty", "info", "--format", "json")
    assert res.exit_code == 0
    assert as_json(res) == {"store": "sqlite", "nodes": {}, "relationships": {}, "total_nodes": 0,
                            "total_relationships": 0, "nodes_by_source_kind": {}}


def test_info_table(home: Path):
    res = iekg(home, "info")
    assert res.exit_code == 0
    assert "Institution 院校" in res.stdout
    assert "COOPERATES_WITH 校企合作" in res.stdout
    assert "sources: {'user': 9}" in res.stdout


# ---------------------------------------------------------------------------------------------- show
def test_show_json_shape(home: Path):
    res = iekg(home, "show", "410200", "--format", "json")
    assert res.exit_code == 0
    data = as_json(res)
    assert set(data) == {"uid", "label", "props", "relationship_counts", "relationships"}
    assert data["relationship_counts"] == {"LOCATED_IN in": 2, "PART_OF out": 1}
    assert (data["uid"], data["label"]) == ("City:410200", "City")
    assert data["props"] == {"id": "410200", "name": "开封市", "source": "cities.csv 第3行", "source_kind": "user",
                             "source_file": "cities.csv", "source_row": 3}
    assert [(r["type"], r["direction"], r["other"], r["other_label"], r["other_name"]) for r in data["relationships"]] == [
        ("LOCATED_IN", "in", f"Enterprise:{E1}", "Enterprise", "开封某汽车零部件有限公司"),
        ("LOCATED_IN", "in", "Institution:4141010842", "Institution", "开封职业学院"),
        ("PART_OF", "out", "Province:410000", "Province", "河南省"),
    ]
    assert all(set(r) == {"type", "direction", "other", "other_label", "other_name", "props"}
               for r in data["relationships"])


def test_show_relationship_properties(home: Path):
    data = as_json(iekg(home, "show", "Institution:4141010842", "--format", "json"))
    rels = {r["type"]: r for r in data["relationships"]}
    assert sorted(rels) == ["COOPERATES_WITH", "LOCATED_IN", "OFFERS"]
    offers = rels["OFFERS"]["props"]
    assert (offers["year"], offers["enrollment"], offers["employment_rate"]) == (2024, 320, 0.85)
    coop = rels["COOPERATES_WITH"]["props"]
    assert (coop["type"], coop["since"], coop["students"]) == ("订单班", 2021, 45)


def test_show_by_exact_name_and_limit(home: Path):
    data = as_json(iekg(home, "show", "开封职业学院", "--format", "json"))
    assert data["uid"] == "Institution:4141010842"
    # --limit caps each relationship type and direction; the counts stay complete
    data = as_json(iekg(home, "show", "410200", "--limit", "1", "--format", "json"))
    assert [(r["type"], r["other"]) for r in data["relationships"]] == [
        ("LOCATED_IN", f"Enterprise:{E1}"), ("PART_OF", "Province:410000")]
    assert data["relationship_counts"] == {"LOCATED_IN in": 2, "PART_OF out": 1}


def test_show_table(home: Path):
    res = iekg(home, "show", "410200")
    assert res.exit_code == 0
    assert "City:410200 城市" in res.stdout
    assert "开封职业学院 (4141010842)" in res.stdout


def test_show_not_found(home: Path):
    res = iekg(home, "show", "999999", "--format", "json")
    assert res.exit_code == 1
    assert as_json(res) == {"error": "not_found", "id": "999999"}
    res = iekg(home, "show", "999999")
    assert res.exit_code == 1
    assert "找不到: 999999" in res.stdout


# -------------------------------------------------------------------------------------------- search
def test_search_chinese_text_json(home: Path):
    res = iekg(home, "search", "开封", "--format", "json")
    assert res.exit_code == 0
    assert as_json(res) == [
        {"uid": "City:410200", "label": "City", "id": "410200", "name": "开封市", "source_kind": "user"},
        {"uid": "Institution:4141010842", "label": "Institution", "id": "4141010842", "name": "开封职业学院",
         "source_kind": "user"},
        {"uid": f"Enterprise:{E1}", "label": "Enterprise", "id": E1, "name": "开封某汽车零部件有限公司",
         "source_kind": "user"},
    ]


def test_search_label_filter_exact_match_first_and_limit(home: Path):
    res = iekg(home, "search", "汽车", "--label", "Major", "--label", "Industry", "--format", "json")
    assert [h["uid"] for h in as_json(res)] == ["Industry:36", "Major:460701"]
    res = iekg(home, "search", "汽车制造类", "--format", "json")
    assert [h["uid"] for h in as_json(res)] == ["MajorCategory:4607"]
    res = iekg(home, "search", "汽车", "--limit", "2", "--format", "json")
    assert len(as_json(res)) == 2
    res = iekg(home, "search", "4141010842", "--format", "json")
    assert [h["uid"] for h in as_json(res)] == ["Institution:4141010842"]
    res = iekg(home, "search", "没有这个", "--format", "json")
    assert (res.exit_code, as_json(res)) == (0, [])


def test_search_table(home: Path):
    res = iekg(home, "search", "开封")
    assert res.exit_code == 0
    assert "开封职业学院" in res.stdout and "4141010842" in res.stdout


# ------------------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize("args", [
    ["info", "--bogus"],
    ["info", "--format", "xml"],
    ["import", "somewhere", "--format", "yaml"],
    ["import"],
    ["validate"],
    ["show"],
    ["show", "410200", "--limit", "0"],
    ["search", "开封", "--label", "Nonsense"],
    ["frobnicate"],
    ["--lang", "fr", "info"],
    ["schema", "--format", "xml"],
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]):
    res = iekg(tmp_path / "home", *args)
    assert res.exit_code == 2, (args, res.output)
    assert not (tmp_path / "home" / "graph.sqlite").exists()


# -------------------------------------------------------------------------------------- data errors
BROKEN = {
    "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,高职专科\n"
                        "4141019998,开封某学院,410900,高职专科\n",
    "programs.csv": "学校标识码,专业代码,年份,就业率\n4141019999,460701,2024,101%\n",
}


def test_data_errors_exit_1_with_a_json_report(home: Path, tmp_path: Path):
    before = graph_state(home / "graph.sqlite")
    folder = write(tmp_path / "broken", BROKEN)
    res = iekg(home, "import", str(folder), "--format", "json")
    assert res.exit_code == 1
    data = as_json(res)
    assert (data["ok"], data["errors"], data["warnings"], data["changed"]) == (False, 2, 0, False)
    assert data["rows"] == {"institutions": 2, "programs": 1}
    assert data["issues"] == [
        {"severity": "error", "code": "invalid", "file": str(folder / "programs.csv"), "row": 2, "column": "就业率",
         "value": "101%", "message": "比率应在 0–1 (0%–100%) 之间，实为 '101%'", "fix": "填写如 0.85 或 85%",
         "sheet": None, "table": "programs"},
        {"severity": "error", "code": "missing_ref", "file": str(folder / "institutions.csv"), "row": 3,
         "column": "所在城市代码", "value": "410900",
         "message": "院校(institutions) 表引用的 城市(cities)「410900」在本次导入和图中都不存在",
         "fix": "先在 cities 表中添加 410900，或更正此代码", "sheet": None, "table": "institutions"},
    ]
    assert graph_state(home / "graph.sqlite") == before


def test_data_errors_table_output(home: Path, tmp_path: Path):
    res = iekg(home, "import", str(write(tmp_path / "broken", BROKEN)))
    assert res.exit_code == 1
    assert "错误: 2  提示: 0" in res.stdout
    assert "图未改变" in res.stdout
    assert "410900" in res.stdout


def test_missing_path_is_a_data_error(tmp_path: Path):
    res = iekg(tmp_path / "home", "import", str(tmp_path / "nowhere"), "--format", "json")
    assert res.exit_code == 1
    data = as_json(res)
    assert [(i["code"], i["file"]) for i in data["issues"]] == [("not_found", str(tmp_path / "nowhere"))]


def test_unknown_table_file_is_a_data_error(tmp_path: Path):
    folder = write(tmp_path / "in", {"学生名单.csv": "姓名,学号\n张三,1\n"})
    res = iekg(tmp_path / "home", "import", str(folder), "--format", "json")
    assert res.exit_code == 1
    assert [i["code"] for i in as_json(res)["issues"]] == ["unknown_table"]


# ----------------------------------------------------------------------------------------- validate
def test_validate_never_changes_the_graph(home: Path, tmp_path: Path):
    graph = home / "graph.sqlite"
    before = graph_state(graph)
    valid = write(tmp_path / "valid", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,高职专科\n"})
    res = iekg(home, "validate", str(valid), "--format", "json")
    assert res.exit_code == 0
    data = as_json(res)
    assert (data["ok"], data["errors"], data["changed"], data["result"]) == (True, 0, False, None)
    assert data["rows"] == {"institutions": 1}
    assert graph_state(graph) == before
    res = iekg(home, "validate", str(valid))
    assert res.exit_code == 0
    assert "校验通过: institutions 1" in res.stdout
    res = iekg(home, "validate", str(write(tmp_path / "broken", BROKEN)), "--format", "json")
    assert res.exit_code == 1
    assert as_json(res)["errors"] == 2
    assert graph_state(graph) == before
    info = as_json(iekg(home, "info", "--format", "json"))
    assert (info["nodes"], info["relationships"]) == (NODES, RELS)


def test_validate_on_an_empty_home_creates_no_graph(tmp_path: Path):
    res = iekg(tmp_path / "home", "validate", str(write(tmp_path / "small", SMALL)), "--format", "json")
    assert res.exit_code == 0
    assert as_json(res)["rows"]["institutions"] == 1
    assert not (tmp_path / "home" / "graph.sqlite").exists()


def test_validate_checks_references_against_the_graph(home: Path, tmp_path: Path):
    # the programme refers to an institution and a major that exist only in the graph
    folder = write(tmp_path / "p", {"programs.csv": "学校标识码,专业代码,年份\n4141010842,460701,2023\n"})
    res = iekg(home, "validate", str(folder), "--format", "json")
    assert res.exit_code == 0, res.stdout
    res = iekg(tmp_path / "other-home", "validate", str(folder), "--format", "json")
    assert res.exit_code == 1
    assert [i["code"] for i in as_json(res)["issues"]] == ["missing_ref", "missing_ref"]


def test_warnings_do_not_block_an_import(home: Path, tmp_path: Path):
    folder = write(tmp_path / "policies", {
        "policies.csv": "文号,标题,发文单位,层级\n发改社会〔20191558号,国家产教融合建设试点实施方案,国家发展改革委,国家级\n"})
    res = iekg(home, "import", str(folder), "--format", "json")
    assert res.exit_code == 0, res.stdout
    data = as_json(res)
    assert (data["ok"], data["errors"], data["warnings"], data["changed"]) == (True, 0, 1, True)
    [w] = data["issues"]
    assert (w["severity"], w["code"], w["row"], w["column"], w["value"]) == (
        "warning", "docnum_repaired", 2, "文号", "发改社会〔20191558号")
    shown = as_json(iekg(home, "show", "Policy:发改社会〔2019〕1558号", "--format", "json"))
    assert shown["props"]["title"] == "国家产教融合建设试点实施方案"


def test_table_output_shows_user_text_with_brackets_literally(tmp_path: Path) -> None:
    """Rich would read "[programs]" or "[/x]" as markup and drop or choke on it: cells are escaped."""
    from typer.testing import CliRunner

    from iekg.cli import app

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "institutions.csv").write_text("id,name,city_code,level\n4141099991,[b]学院[/oops],410100,大学\n",
                                             encoding="utf-8")
    r = CliRunner().invoke(app, ["--home", str(tmp_path / "h"), "validate", str(folder)])
    assert r.exit_code == 1
    assert "大学" in r.stdout and "institutions.csv" in r.stdout
    book = tmp_path / "t.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "programs"
    ws.append(["学校标识码", "专业代码", "年份"])
    ws.append(["4141099991", "80901", 2024])
    wb.save(book)
    r = CliRunner().invoke(app, ["--home", str(tmp_path / "h"), "validate", str(book)])
    assert r.exit_code == 1 and "t.xlsx [programs]" in r.stdout  # the sheet name is shown


def test_thousands_of_issues_with_one_cause_are_counted_not_listed(tmp_path: Path) -> None:
    """A user who leaves out the institutions table gets two errors per cooperation: the terminal lists the
    first 200 and counts the rest by file, column and kind; the JSON report still has every one."""
    rows = "\n".join(f"41419{i:05d},DEMO-E{i:05d},订单班,2021,30,进行中" for i in range(300))
    data = tmp_path / "cooperations.csv"
    data.write_text("学校标识码,统一社会信用代码,合作类型,起始年份,受益学生数,状态\n" + rows + "\n", encoding="utf-8")
    home = tmp_path / "home"
    res = iekg(home, "validate", str(data))
    assert res.exit_code == 1
    from iekg.cli import REPORT_ROWS

    assert res.stdout.count("cooperations.csv") == REPORT_ROWS + 2  # the listed rows, then the two counted groups
    assert "另有 400 条未逐行列出 (and 400 more; --format json lists every one)" in res.stdout
    counted = [line for line in res.stdout.splitlines() if "missing_ref" in line]
    assert len(counted) == 2 and all(line.rstrip(" │").endswith("200") for line in counted), counted
    assert "错误: 600  提示: 0" in res.stdout
    full = iekg(home, "validate", str(data), "--format", "json")
    assert len(as_json(full)["issues"]) == 600
