"""The data contract end to end: template files → readers → pipeline → store (``data-contract.md``).

Every test writes small template folders in ``tmp_path`` on top of one minimal valid base (cities with
the province row, industries, the major catalogue levels, the crosswalk, institutions, enterprises, a
chain with segments and an alliance) and asserts the exact issues a user would see: file, sheet, row as
Excel shows it, column as written in the header, value and code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import ImportFailed, Issue, Report
from iekg.loaders.values import uscc_check_char
from iekg.service import copy_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# 统一社会信用代码 built with the GB 32100 check character (asserted below).
E1 = "91410200MA44AB12CW"  # 开封某汽车零部件有限公司
E2 = "91410100MA45XY78D2"  # 郑州某软件有限公司
E3 = "91410200MA44AB99CH"  # valid, but not in the base

BASE: dict[str, str] = {
    "cities.csv": (
        "行政区划代码,名称,省级代码,地区生产总值(亿元),常住人口(万人),年份\n"
        "410000,河南省,,,,\n"
        "410100,郑州市,410000,13617.8,1300.8,2023\n"
        "410200,开封市,410000,2707.9,469.9,2023\n"
    ),
    "industries.csv": (
        "行业代码,行业名称,上级代码\n"
        "C,制造业,\n36,汽车制造业,C\nI,信息传输、软件和信息技术服务业,\n65,软件和信息技术服务业,I\n"
        "651,软件开发,\n6513,应用软件开发,\n"
    ),
    "major_divisions.csv": "专业大类代码,专业大类名称,层次\n46,装备制造大类,高职专科\n51,电子与信息大类,高职专科\n",
    "major_categories.csv": (
        "专业类代码,专业类名称,专业大类代码,层次\n4607,汽车制造类,46,高职专科\n5102,计算机类,51,高职专科\n"
    ),
    "majors.csv": (
        "专业代码,专业名称,专业类代码,层次\n460701,汽车制造与试验技术,4607,高职专科\n"
        "510201,计算机应用技术,5102,高职专科\n"
    ),
    "crosswalk.csv": "专业类代码,行业代码,权重,依据\n4607,36,1,示意\n5102,65,0.6,示意\n5102,6513,0.4,示意\n",
    "institutions.csv": (
        "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n"
        "4141010842,开封职业学院,410200,高职专科,公办\n"
        "4141012345,郑州某职业技术学院,410100,高职专科,民办\n"
    ),
    "enterprises.csv": (
        "统一社会信用代码,企业名称,所在城市代码,行业代码,从业人数,产业链环节,链上角色\n"
        f"{E1},开封某汽车零部件有限公司,410200,36,1200,SEG-PARTS,配套\n"
        f"{E2},郑州某软件有限公司,410100,6513,300,,\n"
    ),
    "chains.csv": "编号,名称,产业集群\nCH-AUTO,汽车产业链,先进制造业集群\n",
    "chain_segments.csv": (
        "编号,产业链编号,名称,环节位置,对应行业,下游环节\n"
        "SEG-PARTS,CH-AUTO,汽车零部件,上游,36,SEG-VEH\n"
        "SEG-VEH,CH-AUTO,整车制造,中游,36,\n"
    ),
    "alliances.csv": "编号,名称,类型,所在城市代码,牵头单位\nAL-KF,开封汽车产教联盟,产教融合联盟,410200,4141010842\n",
}

BASE_NODES = {
    "City": 2, "Enterprise": 2, "Industry": 6, "Institution": 2, "Major": 2, "MajorCategory": 2,
    "MajorDivision": 2, "Province": 1, "IndustryChain": 1, "IndustryCluster": 1, "ChainSegment": 2, "Alliance": 1,
}
BASE_RELS = {
    "ALIGNS_WITH": 3, "IN_INDUSTRY": 2, "LOCATED_IN": 5, "PART_OF": 5, "SUBCLASS_OF": 8, "IN_SEGMENT": 1,
    "MAPS_TO": 2, "FEEDS": 1, "MEMBER_OF": 1,
}


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def load(store: SqliteStore, *paths: Path, dry_run: bool = False):
    report = Report()
    tables = read_paths(paths, report)
    if not report.ok:
        raise ImportFailed(report)
    return pipeline.load(store, tables, report, dry_run=dry_run)


def failing(store: SqliteStore, *paths: Path) -> list[Issue]:
    """Import ``paths``, which must fail; return the errors."""
    with pytest.raises(ImportFailed) as info:
        load(store, *paths)
    return info.value.report.errors


def brief(i: Issue) -> tuple:
    return Path(i.file).name, i.sheet, i.row, i.column, i.value, i.code


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    """A graph (on disk) holding the valid base."""
    s = SqliteStore(tmp_path / "home" / "graph.sqlite")
    load(s, write(tmp_path / "base", BASE))
    return s


# ------------------------------------------------------------------------------------------ the base
def test_uscc_constants_are_valid():
    for code in (E1, E2, E3):
        assert uscc_check_char(code[:17]) == code[17]


def test_base_loads_with_exact_counts(store: SqliteStore):
    nodes, rels = store.counts()
    assert nodes == dict(sorted(BASE_NODES.items()))
    assert rels == dict(sorted(BASE_RELS.items()))
    inst = store.get("Institution:4141010842")
    assert inst is not None
    assert inst.props == {
        "id": "4141010842", "name": "开封职业学院", "level": "高职专科", "ownership": "公办",
        "source": "institutions.csv 第2行", "source_kind": "user", "source_file": "institutions.csv", "source_row": 2,
    }
    city = store.get("City:410200")
    assert city is not None
    assert (city.props["gdp"], city.props["population"], city.props["year"]) == (2707.9, 469.9, 2023)
    assert store.get("Province:410000") is not None
    assert store.get("City:410000") is None
    # 651 and 6513 got their parents from the code itself
    parents = {n.id: [o.id for r, o in store.neighbours(f"Industry:{n.id}", ["SUBCLASS_OF"], "out")]
               for n in store.nodes("Industry")}
    assert parents == {"C": [], "36": ["C"], "I": [], "65": ["I"], "651": ["65"], "6513": ["651"]}
    [(rel, seg)] = store.neighbours(f"Enterprise:{E1}", ["IN_SEGMENT"], "out")
    assert (seg.id, rel.props["role"]) == ("SEG-PARTS", "配套")


# ------------------------------------------------------------------------------------------- headers
INSTITUTION_ZH = "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n4141019999,开封文化艺术职业学院,410200,高职专科,公办\n"
INSTITUTION_EN = "id,name,city_code,level,ownership\n4141019999,开封文化艺术职业学院,410200,高职专科,公办\n"
INSTITUTION_BI = (
    '学校标识码 / id,*学校名称,"所在城市代码\ncity_code",办学层次(必填),举办性质 ownership\n'
    "4141019999,开封文化艺术职业学院,410200,高职专科,公办\n"
)


@pytest.mark.parametrize("text", [INSTITUTION_ZH, INSTITUTION_EN, INSTITUTION_BI], ids=["zh", "en", "bilingual"])
def test_chinese_english_and_bilingual_headers_give_the_same_graph(tmp_path: Path, store: SqliteStore, text: str):
    report, result = load(store, write(tmp_path / "in", {"institutions.csv": text}))
    assert report.issues == []
    assert result is not None and result.as_dict() == {
        "nodes_created": 1, "nodes_updated": 0, "rels_created": 1, "rels_updated": 0, "rels_deleted": 0}
    node = store.get("Institution:4141019999")
    assert node is not None
    assert node.props == {
        "id": "4141019999", "name": "开封文化艺术职业学院", "level": "高职专科", "ownership": "公办",
        "source": "institutions.csv 第2行", "source_kind": "user", "source_file": "institutions.csv", "source_row": 2,
    }
    [(rel, city)] = store.neighbours("Institution:4141019999", ["LOCATED_IN"], "out")
    assert city.uid == "City:410200"


def test_issue_names_the_header_as_written(tmp_path: Path, store: SqliteStore):
    text = (
        '学校标识码 / id,*学校名称,"所在城市代码\ncity_code",办学层次(必填)\n'
        "414101999,开封文化艺术职业学院,41020,大学\n"
    )
    folder = write(tmp_path / "in", {"institutions.csv": text})
    errors = failing(store, folder)
    assert [brief(i) for i in errors] == [
        ("institutions.csv", None, 2, "学校标识码 / id", "414101999", "leading_zero"),
        ("institutions.csv", None, 2, "所在城市代码\ncity_code", "41020", "invalid"),
        ("institutions.csv", None, 2, "办学层次(必填)", "大学", "enum"),
    ]
    assert errors[0].file == str(folder / "institutions.csv")
    assert errors[0].table == "institutions"
    assert errors[0].fix == "改为 0414101999，并将该列设为文本格式"
    assert errors[2].fix.startswith("可选值：本科、职业本科、高职专科、中职、技工；是否应为「本科」?")


def test_a_title_row_above_the_header_shifts_the_row_numbers(tmp_path: Path, store: SqliteStore):
    text = (
        "开封市高职院校名单（2024年）,,,,\n"
        "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n"
        "4141019999,开封文化艺术职业学院,410200,高职专科,公办\n"
        "4141019998,开封某学院,410200,大学,公办\n"
    )
    errors = failing(store, write(tmp_path / "in", {"institutions.csv": text}))
    assert [brief(i) for i in errors] == [("institutions.csv", None, 4, "办学层次", "大学", "enum")]


def test_unknown_extra_columns_are_kept_as_properties(tmp_path: Path, store: SqliteStore):
    folder = write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次,备注,website\n"
                            "4141019999,开封文化艺术职业学院,410200,高职专科,2024年新建,https://example.edu.cn\n",
        "programs.csv": "学校标识码,专业代码,年份,在校生数,备注\n4141010842,460701,2024,320,订单班为主\n",
    })
    report, _ = load(store, folder)
    # listed once per table, as kept: nothing in them resembles a column of the table
    assert [(i.severity, i.code, i.table, i.value) for i in report.issues] == [
        ("warning", "extra_columns", "institutions", "备注、website"), ("warning", "extra_columns", "programs", "备注")]
    assert report.issues[0].message.startswith("2 列不是本表的列，已作为附加属性保留：「备注」、「website」")
    props = store.get("Institution:4141019999").props
    assert (props["备注"], props["website"]) == ("2024年新建", "https://example.edu.cn")
    # a table whose row is a relationship keeps its extra columns on that relationship
    [(rel, major)] = store.neighbours("Institution:4141010842", ["OFFERS"], "out")
    assert major.uid == "Major:460701"
    assert (rel.props["year"], rel.props["enrollment"], rel.props["备注"]) == (2024, 320, "订单班为主")


def test_missing_required_column(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,办学层次\n4141019999,开封文化艺术职业学院,高职专科\n"}))
    assert [brief(i) for i in errors][0] == ("institutions.csv", None, 1, "所在城市代码", None, "missing_column")


def test_required_value_empty(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,,410200,高职专科\n"}))
    assert [brief(i) for i in errors] == [("institutions.csv", None, 2, "学校名称", "", "required")]
    assert errors[0].message == "必填项「学校名称」为空"


def test_codes_with_leading_zeros_stay_strings(tmp_path: Path):
    s = SqliteStore()
    report, _ = load(s, write(tmp_path / "in", {
        "major_divisions.csv": "专业大类代码,专业大类名称,层次\n08,工学,本科\n",
        "major_categories.csv": "专业类代码,专业类名称,专业大类代码,层次\n0809,计算机类,08,本科\n",
        "majors.csv": "专业代码,专业名称,专业类代码,层次\n080901,计算机科学与技术,0809,本科\n080910T,数据科学与大数据技术,0809,本科\n",
        "industries.csv": "行业代码,行业名称,上级代码\nA,农、林、牧、渔业,\n05,农、林、牧、渔专业及辅助性活动,A\n051,农业专业及辅助性活动,\n",
    }))
    assert report.errors == []
    assert sorted(n.id for n in s.nodes("Major")) == ["080901", "080910T"]
    [(_, cat)] = s.neighbours("Major:080910T", ["SUBCLASS_OF"], "out")
    assert cat.uid == "MajorCategory:0809"
    [(_, div)] = s.neighbours("MajorCategory:0809", ["SUBCLASS_OF"], "out")
    assert div.uid == "MajorDivision:08"
    [(_, parent)] = s.neighbours("Industry:051", ["SUBCLASS_OF"], "out")
    assert parent.uid == "Industry:05"
    assert s.get("Industry:051").props["level"] == "中类"


def test_blank_lines_keep_excel_row_numbers_and_example_rows_are_skipped(tmp_path: Path, store: SqliteStore):
    text = (
        "学校标识码,学校名称,所在城市代码,办学层次\n"
        "示例：4141010000,示例学院,410200,本科\n"
        "4141019999,开封文化艺术职业学院,410200,高职专科\n"
        "\n"
        ",,,\n"
        "4141019998,开封某学院,410200,大学\n"
    )
    with pytest.raises(ImportFailed) as info:
        load(store, write(tmp_path / "in", {"institutions.csv": text}))
    report = info.value.report
    assert [brief(i) for i in report.errors] == [("institutions.csv", None, 6, "办学层次", "大学", "enum")]
    assert [brief(i) for i in report.warnings] == [
        ("institutions.csv", None, 2, None, "示例：4141010000", "example_row")]
    assert report.tables == {"institutions": 2}


def test_utf16_tab_separated_text_export(tmp_path: Path, store: SqliteStore):
    # Excel's "Unicode text" export: UTF-16 with BOM, tab-separated, CRLF
    text = "学校标识码\t学校名称\t所在城市代码\t办学层次\r\n4141019999\t开封文化艺术职业学院\t410200\t高职专科\r\n"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "institutions.txt").write_bytes(text.encode("utf-16"))
    report, result = load(store, folder)
    assert report.issues == []
    assert store.get("Institution:4141019999").props["name"] == "开封文化艺术职业学院"


def test_a_header_only_file_imports_nothing(tmp_path: Path, store: SqliteStore):
    # An import that would add nothing says so, as an error (docs/guide.md; tests/test_hostile_files.py).
    before = store.snapshot()
    with pytest.raises(ImportFailed) as exc:
        load(store, write(tmp_path / "in", {"majors.csv": "专业代码,专业名称,专业类代码\n"}))
    assert [i.code for i in exc.value.report.issues] == ["nothing_to_import"]
    assert store.snapshot() == before


# ----------------------------------------------------------------------------------------- encodings
ENCODED = {
    "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次,举办性质,备注\n"
                        "4141019999,开封文化艺术职业学院,410200,高职专科,公办,黄河路校区\n"
                        "4141019998,开封某职业学院,410200,职教本科,民办,\n",
    "cooperations.csv": f"学校标识码,统一社会信用代码,合作类型,起始年份,受益学生数,状态\n"
                        f"4141019999,{E1},订单班,2021,45,进行中\n4141019998,{E1},现代学徒制,2022,30,进行中\n",
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_read_without_being_told(tmp_path: Path, store: SqliteStore, encoding: str):
    before = store.snapshot()
    reference = SqliteStore()
    reference.apply(copy_graph(store))
    load(reference, write(tmp_path / "utf8", ENCODED))
    report, _ = load(store, write(tmp_path / encoding, ENCODED, encoding))
    assert [(i.code, i.row, i.value, i.repaired) for i in report.issues] == [
        ("extra_columns", 1, "备注", None), ("synonym", 3, "职教本科", "职业本科")]
    assert store.snapshot() == reference.snapshot() != before
    assert store.get("Institution:4141019999").props["备注"] == "黄河路校区"
    assert store.get("Institution:4141019998").props["level"] == "职业本科"  # synonym normalised


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_give_the_same_errors(tmp_path: Path, store: SqliteStore, encoding: str):
    text = "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,大学\n"
    errors = failing(store, write(tmp_path / encoding, {"institutions.csv": text}, encoding))
    assert [brief(i) for i in errors] == [("institutions.csv", None, 2, "办学层次", "大学", "enum")]
    assert errors[0].message.startswith("'大学' 不是允许的取值")


# ---------------------------------------------------------------------------------------------- XLSX
def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["本工作簿为导入模板，请勿修改表头"])
    ws = wb.create_sheet("院校")
    ws.append(["开封市院校名单"])
    ws.merge_cells("A1:F1")
    ws.append(["基本信息", None, None, "办学信息", None, None])
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:E2")
    ws.append(["学校标识码\nid", "*学校名称", "所在城市代码", "办学层次\nlevel", "举办性质", "校区"])
    ws.append([4141019999, "开封文化艺术职业学院", 410200, "高职专科", "公办", "黄河路"])
    ws.append([4141019998, "开封某学院", 410200, "大学", "公办", None])
    ws = wb.create_sheet("programs")
    ws.append(["学校标识码", "专业代码", "年份", "就业率", "本地就业率", "省级领先"])
    ws.append([4141010842, 460701, 2022, 0.85, "62%", "是"])
    ws.cell(row=2, column=4).number_format = "0%"
    ws.append([4141010842, 460701, 2023, "85%", 0.6, "否"])
    ws.append([4141010842, 460701, 2024, 85, 60, None])
    ws.append([4141010842, 510201, 2024, "92.5%", None, True])
    ws.append([4141010842, 80901, 2024, 0.9, None, None])
    ws = wb.create_sheet("Sheet3")
    ws.append(["随手记"])
    wb.save(path)
    return path


def test_xlsx_title_row_merged_group_header_numbers_and_percentages(tmp_path: Path, store: SqliteStore):
    book = _workbook(tmp_path / "开封数据.xlsx")
    before = store.snapshot()
    with pytest.raises(ImportFailed) as info:
        load(store, book)
    report = info.value.report
    assert [brief(i) for i in report.errors] == [
        ("开封数据.xlsx", "院校", 5, "办学层次\nlevel", "大学", "enum"),
        ("开封数据.xlsx", "programs", 6, "专业代码", "80901", "leading_zero"),
    ]
    assert report.errors[1].fix == "改为 080901，并将该列设为文本格式"
    assert report.errors[1].file == str(book)
    assert [(i.code, i.sheet, i.value) for i in report.warnings] == [("extra_columns", "院校", "校区"),
                                                                     ("unknown_sheet", "Sheet3", "Sheet3")]
    assert store.snapshot() == before


def test_xlsx_valid_rows_load_with_percentages_read_as_rates(tmp_path: Path, store: SqliteStore):
    book = _workbook(tmp_path / "开封数据.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["院校"].delete_rows(5)
    wb["programs"].delete_rows(6)
    wb.save(book)
    report, result = load(store, book)
    assert report.errors == []
    node = store.get("Institution:4141019999")
    assert (node.props["name"], node.props["校区"], node.props["source_file"], node.props["source_row"]) == (
        "开封文化艺术职业学院", "黄河路", "开封数据.xlsx#院校", 4)
    offers = {(o.id, r.props["year"]): r.props for r, o in store.neighbours("Institution:4141010842", ["OFFERS"], "out")}
    assert sorted(offers) == [("460701", 2022), ("460701", 2023), ("460701", 2024), ("510201", 2024)]
    assert [offers[("460701", y)]["employment_rate"] for y in (2022, 2023, 2024)] == [0.85, 0.85, 0.85]
    assert [offers[("460701", y)]["local_employment_rate"] for y in (2022, 2023, 2024)] == [0.62, 0.6, 0.6]
    assert [offers[("460701", y)].get("leading") for y in (2022, 2023, 2024)] == [True, False, None]
    assert offers[("510201", 2024)]["employment_rate"] == 0.925
    assert offers[("510201", 2024)]["leading"] is True


def test_xlsx_percentage_cell_above_100_percent_is_an_error(tmp_path: Path, store: SqliteStore):
    # The user sees 120% in Excel (the cell holds 1.2 with the number format 0%): not a rate, not 1.2%.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "programs"
    ws.append(["学校标识码", "专业代码", "年份", "就业率"])
    ws.append([4141010842, "510201", 2023, 1.2])
    ws.cell(row=2, column=4).number_format = "0%"
    wb.save(tmp_path / "p.xlsx")
    before = store.snapshot()
    with pytest.raises(ImportFailed) as info:
        load(store, tmp_path / "p.xlsx")
    [error] = info.value.report.errors
    assert brief(error) == ("p.xlsx", "programs", 2, "就业率", "120%", "invalid")
    assert store.snapshot() == before


def test_xlsx_crosswalk_weights_formatted_as_percentages(tmp_path: Path, store: SqliteStore):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "crosswalk"
    ws.append(["专业类代码", "行业代码", "权重"])
    ws.append(["5102", "651", 0.7])
    ws.append(["5102", "6513", 0.3])
    for row in (2, 3):
        ws.cell(row=row, column=3).number_format = "0%"
    wb.save(tmp_path / "c.xlsx")
    report, _ = load(store, tmp_path / "c.xlsx")
    assert report.errors == []
    assert _aligns(store, "5102") == {"651": 0.7, "6513": 0.3}


def test_xlsx_category_code_stored_as_number(tmp_path: Path, store: SqliteStore):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "majors"
    ws.append(["专业代码", "专业名称", "专业类代码"])
    ws.append(["080901", "计算机科学与技术", 809])
    wb.save(tmp_path / "m.xlsx")
    errors = failing(store, tmp_path / "m.xlsx")
    assert [brief(i) for i in errors] == [("m.xlsx", "majors", 2, "专业类代码", "809", "leading_zero")]
    assert errors[0].fix == "改为 0809，并将该列设为文本格式"


def test_csv_code_that_lost_its_leading_zero(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {"programs.csv": "学校标识码,专业代码,年份\n4141010842,80901,2024\n"}))
    assert [brief(i) for i in errors] == [("programs.csv", None, 2, "专业代码", "80901", "leading_zero")]
    assert "080901" in errors[0].fix


# ---------------------------------------------------------------------------------------- references
def _ref_message(side: str, target: str, ident: str) -> str:
    return f"{side} 表引用的 {target}「{ident}」在本次导入和图中都不存在"


ORG = "院校(institutions)或企业(enterprises)"
REF_CASES = [
    # (file, content, row, column, value, referring side, referred kind)
    ("programs.csv", "学校标识码,专业代码,年份\n4141099999,460701,2024\n",
     2, "学校标识码", "4141099999", "专业开设(programs)", "院校(institutions)"),
    ("programs.csv", "学校标识码,专业代码,年份\n4141010842,460701,2024\n4141010842,460799,2024\n",
     3, "专业代码", "460799", "专业开设(programs)", "专业(majors)"),
    ("cooperations.csv", f"学校标识码,统一社会信用代码,合作类型\n4141010842,{E3},订单班\n",
     2, "统一社会信用代码", E3, "校企合作(cooperations)", "企业(enterprises)"),
    ("enterprises.csv", "统一社会信用代码,企业名称,所在城市代码,行业代码\nQY-KF-100,开封某公司,410200,39\n",
     2, "行业代码", "39", "企业(enterprises)", "行业(industries)"),
    ("enterprises.csv", "统一社会信用代码,企业名称,所在城市代码,行业代码,产业链环节\nQY-KF-100,开封某公司,410200,36,SEG-X\n",
     2, "产业链环节", "SEG-X", "企业(enterprises)", "产业链环节(chain_segments)"),
    ("enterprises.csv", "统一社会信用代码,企业名称,所在城市代码,行业代码\nQY-KF-100,开封某公司,410300,36\n",
     2, "所在城市代码", "410300", "企业(enterprises)", "城市(cities)"),
    ("institutions.csv", "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,洛阳某学院,410300,本科\n",
     2, "所在城市代码", "410300", "院校(institutions)", "城市(cities)"),
    ("cities.csv", "行政区划代码,名称,省级代码\n420100,武汉市,\n",
     2, "省级代码", "420000", "城市(cities)", "省(cities)"),
    ("chain_segments.csv", "编号,产业链编号,名称,对应行业\nSEG-X,CH-NONE,电池,36\n",
     2, "产业链编号", "CH-NONE", "产业链环节(chain_segments)", "产业链(chains)"),
    ("chain_segments.csv", "编号,产业链编号,名称,对应行业,下游环节\nSEG-X,CH-AUTO,电池,36,SEG-NONE\n",
     2, "下游环节", "SEG-NONE", "产业链环节(chain_segments)", "产业链环节(chain_segments)"),
    ("chain_segments.csv", "编号,产业链编号,名称,对应行业\nSEG-X,CH-AUTO,电池,36;38\n",
     2, "对应行业", "38", "产业链环节(chain_segments)", "行业(industries)"),
    ("city_focus.csv", "城市代码,产业链编号,级别\n410200,CH-NONE,主导\n",
     2, "产业链编号", "CH-NONE", "城市重点产业链(city_focus)", "产业链(chains)"),
    ("city_focus.csv", "城市代码,产业链编号,级别\n410900,CH-AUTO,主导\n",
     2, "城市代码", "410900", "城市重点产业链(city_focus)", "城市(cities)"),
    ("alliance_members.csv", "联盟编号,成员编号,角色\nAL-NONE,4141010842,成员\n",
     2, "联盟编号", "AL-NONE", "联盟成员(alliance_members)", "产教联盟(alliances)"),
    ("alliance_members.csv", "联盟编号,成员编号,角色\nAL-KF,NOBODY,成员\n",
     2, "成员编号", "NOBODY", "联盟成员(alliance_members)", ORG),
    ("alliances.csv", "编号,名称,类型,牵头单位\nAL-2,联盟二,职教集团,NOBODY\n",
     2, "牵头单位", "NOBODY", "产教联盟(alliances)", ORG),
    ("training_bases.csv", "编号,名称,所在城市代码,运营主体\nTB-1,开封汽车实训基地,410200,NOBODY\n",
     2, "运营主体", "NOBODY", "实训基地(training_bases)", ORG),
    ("training_bases.csv", "编号,名称,所在城市代码,服务行业\nTB-1,开封汽车实训基地,410200,36、37\n",
     2, "服务行业", "37", "实训基地(training_bases)", "行业(industries)"),
    ("platforms.csv", f"编号,名称,所在城市代码,类型,共建主体\nPF-1,汽车产业学院,410200,产业学院,4141010842；{E3}\n",
     2, "共建主体", E3, "平台载体(platforms)", ORG),
    ("majors.csv", "专业代码,专业名称,专业类代码\n460702,汽车检测与维修技术,4699\n",
     2, "专业类代码", "4699", "专业(majors)", "专业类(major_categories)"),
    ("major_categories.csv", "专业类代码,专业类名称,专业大类代码\n4699,某类,49\n",
     2, "专业大类代码", "49", "专业类(major_categories)", "专业大类(major_divisions)"),
    ("crosswalk.csv", "专业代码,行业代码,权重\n460799,36,1\n",
     2, "专业代码", "460799", "专业-行业对应(crosswalk)", "专业(majors)"),
    ("crosswalk.csv", "专业类代码,行业代码,权重\n4699,36,1\n",
     2, "专业类代码", "4699", "专业-行业对应(crosswalk)", "专业类(major_categories)"),
    ("talent_demand.csv", "城市代码,年份,需求人数,专业代码\n410200,2024,300,460799\n",
     2, "专业代码", "460799", "人才需求(talent_demand)", "专业(majors)"),
    ("talent_demand.csv", f"城市代码,年份,需求人数,行业代码,统一社会信用代码\n410200,2024,300,36,{E3}\n",
     2, "统一社会信用代码", E3, "人才需求(talent_demand)", "企业(enterprises)"),
    ("employment.csv", "学校标识码,年份,人数,就业城市代码\n4141010842,2024,120,410900\n",
     2, "就业城市代码", "410900", "毕业生就业(employment)", "城市(cities)"),
    ("employment.csv", "学校标识码,年份,人数,专业代码,行业代码\n4141010842,2024,120,460799,36\n",
     2, "专业代码", "460799", "毕业生就业(employment)", "专业(majors)"),
    ("policies.csv", "文号,标题,发文单位,适用城市代码\n汴政〔2023〕12号,开封市产教融合实施方案,开封市人民政府,410200;410900\n",
     2, "适用城市代码", "410900", "政策文件(policies)", "城市(cities)"),
    ("policies.csv", "文号,标题,发文单位,支持行业\n汴政〔2023〕12号,开封市产教融合实施方案,开封市人民政府,36;C;A\n",
     2, "支持行业", "A", "政策文件(policies)", "行业(industries)"),
    ("targets.csv", "编号,文号,指标,指标名称,比较,目标值\nT-1,汴政〔2023〕99号,m,某指标,>=,1\n",
     2, "文号", "汴政〔2023〕99号", "目标(targets)", "政策(policies)"),
]


@pytest.mark.parametrize(("file", "content", "row", "column", "value", "side", "target"), REF_CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in REF_CASES])
def test_every_reference_kind_missing_is_an_error_naming_both_sides(
        tmp_path: Path, store: SqliteStore, file, content, row, column, value, side, target):
    before = store.snapshot()
    folder = write(tmp_path / "in", {file: content})
    errors = failing(store, folder)
    assert [brief(i) for i in errors] == [(file, None, row, column, value, "missing_ref")]
    assert errors[0].message == _ref_message(side, target, value)
    assert errors[0].file == str(folder / file)
    assert store.snapshot() == before


def test_missing_refs_on_the_same_row_of_different_sheets_are_all_reported(tmp_path: Path, store: SqliteStore):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "programs"
    ws.append(["学校标识码", "专业代码", "年份"])
    ws.append(["4141099999", "460701", 2024])
    ws = wb.create_sheet("cooperations")
    ws.append(["学校标识码", "统一社会信用代码", "合作类型"])
    ws.append(["4141099999", E1, "订单班"])
    ws = wb.create_sheet("毕业生就业")
    ws.append(["学校标识码", "年份", "人数", "就业城市代码"])
    ws.append(["4141099998", 2024, 10, "410200"])
    wb.save(tmp_path / "b.xlsx")
    errors = failing(store, tmp_path / "b.xlsx")
    assert [brief(i) for i in errors] == [
        ("b.xlsx", "programs", 2, "学校标识码", "4141099999", "missing_ref"),
        ("b.xlsx", "cooperations", 2, "学校标识码", "4141099999", "missing_ref"),
        ("b.xlsx", "毕业生就业", 2, "学校标识码", "4141099998", "missing_ref"),
    ]


def test_every_missing_item_of_a_list_cell_is_reported(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "chain_segments.csv": "编号,产业链编号,名称,对应行业\nSEG-X,CH-AUTO,电池,36；38、39\n"}))
    assert [brief(i) for i in errors] == [
        ("chain_segments.csv", None, 2, "对应行业", "38", "missing_ref"),
        ("chain_segments.csv", None, 2, "对应行业", "39", "missing_ref"),
    ]


def test_xlsx_date_cells(tmp_path: Path, store: SqliteStore):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "政策文件"
    ws.append(["文号", "标题", "发文单位", "发布日期"])
    ws.append(["汴政〔2023〕12号", "开封市产教融合实施方案", "开封市人民政府", dt.datetime(2023, 3, 1)])
    ws.append(["汴政〔2023〕13号", "开封市某方案", "开封市人民政府", dt.date(2023, 4, 2)])
    wb.save(tmp_path / "p.xlsx")
    report, _ = load(store, tmp_path / "p.xlsx")
    assert report.errors == []
    assert store.get("Policy:汴政〔2023〕12号").props["date"] == "2023-03-01"
    assert store.get("Policy:汴政〔2023〕13号").props["date"] == "2023-04-02"


def test_references_resolve_within_one_import_in_any_file_order(tmp_path: Path):
    s = SqliteStore()
    # programs.csv sorts before the files it refers to; the pipeline applies tables in dependency order
    files = {**BASE, "programs.csv": "学校标识码,专业代码,年份\n4141010842,460701,2024\n"}
    report, result = load(s, write(tmp_path / "all", files))
    assert report.errors == []
    assert s.counts()[1]["OFFERS"] == 1


def test_references_resolve_against_the_graph(tmp_path: Path, store: SqliteStore):
    report, result = load(store, write(tmp_path / "in", {
        "cooperations.csv": f"学校标识码,统一社会信用代码,合作类型,受益学生数\n4141010842,{E1},订单班,40\n"}))
    assert report.errors == []
    assert result.rels_created == 1
    [(rel, ent)] = store.neighbours("Institution:4141010842", ["COOPERATES_WITH"], "out")
    assert (ent.id, rel.props["type"], rel.props["students"]) == (E1, "订单班", 40)


@pytest.mark.parametrize(("code", "suggest"), [("3670", "36"), ("367", "36")])
def test_missing_3_or_4_digit_industry_suggests_the_2_digit_class(tmp_path: Path, store: SqliteStore, code, suggest):
    errors = failing(store, write(tmp_path / "in", {
        "enterprises.csv": f"统一社会信用代码,企业名称,所在城市代码,行业代码\nQY-KF-100,开封某公司,410200,{code}\n"}))
    assert [brief(i) for i in errors] == [("enterprises.csv", None, 2, "行业代码", code, "missing_ref")]
    assert errors[0].fix == (f"先在 industries 表中添加 {code}，或更正此代码；也可改用其所属大类代码 {suggest}，"
                             "或先导入 GB/T 4754-2017 完整行业表")


def test_missing_2_digit_industry_has_no_class_suggestion(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "enterprises.csv": "统一社会信用代码,企业名称,所在城市代码,行业代码\nQY-KF-100,开封某公司,410200,39\n"}))
    assert errors[0].fix == "先在 industries 表中添加 39，或更正此代码"


# ------------------------------------------------------------------------------ one_of and duplicates
def test_talent_demand_needs_industry_or_major(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "talent_demand.csv": "城市代码,年份,需求人数,行业代码,专业代码\n410200,2024,300,36,\n410200,2024,200,,\n"}))
    assert [brief(i) for i in errors] == [("talent_demand.csv", None, 3, "行业代码", "", "one_of")]
    assert errors[0].message == "「行业代码」 或 「专业代码」 至少要填一项"


def test_employment_needs_industry_or_city(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "employment.csv": "学校标识码,年份,人数,专业代码\n4141010842,2024,120,460701\n"}))
    assert [brief(i) for i in errors] == [("employment.csv", None, 2, "industry_code", "", "one_of")]


def test_duplicate_rows(tmp_path: Path, store: SqliteStore):
    errors = failing(store, write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n"
                            "4141019999,开封文化艺术职业学院,410200,高职专科\n"
                            "4141019998,开封某学院,410200,高职专科\n"
                            "4141019999,开封文化艺术职业学院,410200,高职专科\n",
        "programs.csv": "学校标识码,专业代码,年份\n4141010842,460701,2024\n4141010842,460701,2023\n"
                        "4141010842,460701,2024\n",
    }))
    assert [brief(i) for i in errors] == [
        ("institutions.csv", None, 4, "学校标识码", "4141019999", "duplicate"),
        ("programs.csv", None, 4, "学校标识码", "4141010842 / 460701 / 2024", "duplicate"),
    ]
    assert errors[0].message == "与第 2 行重复 (相同的 学校标识码)"


# ---------------------------------------------------------------------------------------- crosswalk
def _aligns(store: SqliteStore, category: str) -> dict[str, float]:
    return {o.id: r.props["weight"] for r, o in store.neighbours(f"MajorCategory:{category}", ["ALIGNS_WITH"], "out")}


def test_crosswalk_weights_must_sum_to_1(tmp_path: Path, store: SqliteStore):
    before = store.snapshot()
    errors = failing(store, write(tmp_path / "in", {
        "crosswalk.csv": "专业类代码,行业代码,权重\n4607,36,1\n5102,65,0.5\n5102,651,0.3\n"}))
    assert [brief(i) for i in errors] == [("crosswalk.csv", None, 3, "权重", "0.5+0.3=0.8", "weights_sum")]
    assert errors[0].message == "5102 的权重合计为 0.8，应为 1 (第 3、4 行)"
    assert store.snapshot() == before


def test_crosswalk_rows_replace_the_old_weights_of_their_category(tmp_path: Path, store: SqliteStore):
    assert _aligns(store, "5102") == {"65": 0.6, "6513": 0.4}
    report, result = load(store, write(tmp_path / "in", {
        "crosswalk.csv": "专业类代码,行业代码,权重\n5102,651,0.7\n5102,6513,0.3\n"}))
    assert report.errors == []
    assert _aligns(store, "5102") == {"651": 0.7, "6513": 0.3}
    assert _aligns(store, "4607") == {"36": 1.0}  # other categories keep theirs
    assert (result.rels_created, result.rels_updated, result.rels_deleted) == (1, 1, 1)


def test_crosswalk_by_major(tmp_path: Path, store: SqliteStore):
    report, _ = load(store, write(tmp_path / "in", {
        "crosswalk.csv": "专业代码,行业代码,权重\n510201,6513,0.75\n510201,65,0.25\n"}))
    assert report.errors == []
    got = {o.id: r.props["weight"] for r, o in store.neighbours("Major:510201", ["ALIGNS_WITH"], "out")}
    assert got == {"6513": 0.75, "65": 0.25}
    assert _aligns(store, "5102") == {"65": 0.6, "6513": 0.4}


# ------------------------------------------------------------------------------------ warnings pass
def test_repairs_are_warnings_and_do_not_block(tmp_path: Path, store: SqliteStore):
    report, result = load(store, write(tmp_path / "in", {
        "policies.csv": "文号,标题,发文单位,层级,适用城市代码,发布日期,有效性,政策类型,引用文号\n"
                        "发改社会〔20191558号,国家产教融合建设试点实施方案,国家发展改革委；教育部、工业和信息化部,"
                        "国家级,,2019-09-25,有效,方案;试点,\n"
                        "汴政[2023]12号,开封市产教融合实施方案,开封市人民政府,市级,410200000000,2023年3月1日,有效,,"
                        "发改社会〔2019〕1558号\n"}))
    assert report.errors == []
    assert [brief(i) for i in report.warnings] == [
        ("policies.csv", None, 2, "文号", "发改社会〔20191558号", "docnum_repaired"),
        ("policies.csv", None, 3, "适用城市代码", "410200000000", "repaired"),
    ]
    p = store.get("Policy:发改社会〔2019〕1558号")
    assert (p.props["title"], p.props["date"], p.props["kinds"], p.props["stub"]) == (
        "国家产教融合建设试点实施方案", "2019-09-25", ["方案", "试点"], False)
    issuers = sorted(o.id for r, o in store.neighbours(p.uid, ["ISSUED_BY"], "out"))
    assert issuers == ["国家发展改革委", "工业和信息化部", "教育部"]
    local = store.get("Policy:汴政〔2023〕12号")
    assert local.props["date"] == "2023-03-01"
    assert [o.uid for r, o in store.neighbours(local.uid, ["CITES"], "out")] == [p.uid]
    assert [o.uid for r, o in store.neighbours(local.uid, ["APPLIES_TO"], "out")] == ["City:410200"]


# ---------------------------------------------------------------------------------------- atomicity
def test_one_error_among_valid_rows_changes_nothing(tmp_path: Path, store: SqliteStore):
    graph_file = tmp_path / "home" / "graph.sqlite"
    before = store.snapshot()
    before_bytes = graph_state(graph_file)
    folder = write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,高职专科\n",
        "programs.csv": "学校标识码,专业代码,年份,在校生数\n4141019999,460701,2024,100\n4141010842,510201,2024,-3\n",
        "crosswalk.csv": "专业类代码,行业代码,权重\n5102,651,1\n",
        "cooperations.csv": f"学校标识码,统一社会信用代码,合作类型\n4141019999,{E1},订单班\n",
    })
    errors = failing(store, folder)
    assert [brief(i) for i in errors] == [("programs.csv", None, 3, "在校生数", "-3", "invalid")]
    assert store.snapshot() == before
    assert graph_state(graph_file) == before_bytes
    assert SqliteStore(graph_file).snapshot() == before
    # the same folder without the error goes in completely
    (folder / "programs.csv").write_text("学校标识码,专业代码,年份,在校生数\n4141019999,460701,2024,100\n", encoding="utf-8")
    load(store, folder)
    assert store.get("Institution:4141019999") is not None
    assert _aligns(store, "5102") == {"651": 1.0}
    assert graph_state(graph_file) != before_bytes


def test_validate_only_changes_nothing(tmp_path: Path, store: SqliteStore):
    graph_file = tmp_path / "home" / "graph.sqlite"
    before, before_bytes = store.snapshot(), graph_state(graph_file)
    report, result = load(store, write(tmp_path / "in", {
        "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,高职专科\n"}),
        dry_run=True)
    assert (report.errors, result) == ([], None)
    assert store.snapshot() == before
    assert graph_state(graph_file) == before_bytes


# --------------------------------------------------------------------------------------- idempotence
def test_loading_the_same_files_twice_changes_nothing_the_second_time(tmp_path: Path):
    s = SqliteStore(tmp_path / "graph.sqlite")
    files = {**BASE, "more_institutions.csv": ENCODED["institutions.csv"], "cooperations.csv": ENCODED["cooperations.csv"],
             "programs.csv": "学校标识码,专业代码,年份,在校生数,就业率,备注\n4141010842,460701,2024,320,85%,x\n",
             "policies.csv": "文号,标题,发文单位,引用文号\n汴政〔2023〕12号,开封市产教融合实施方案,开封市人民政府,发改社会〔2019〕1558号\n",
             "talent_demand.csv": f"城市代码,年份,需求人数,行业代码,专业代码,统一社会信用代码\n410200,2024,300,36,460701,{E1}\n",
             "employment.csv": "学校标识码,年份,人数,专业代码,就业城市代码\n4141010842,2024,120,460701,410200\n"}
    folder = write(tmp_path / "in", files)
    _, first = load(s, folder)
    assert first.nodes_created > 0 and first.rels_created > 0
    snap = s.snapshot()
    data = graph_state(tmp_path / "graph.sqlite")
    _, second = load(s, folder)
    assert second.as_dict() == {"nodes_created": 0, "nodes_updated": 0, "rels_created": 0, "rels_updated": 0,
                                "rels_deleted": 0}
    assert s.snapshot() == snap
    assert SqliteStore(tmp_path / "graph.sqlite").snapshot() == snap
    assert graph_state(tmp_path / "graph.sqlite") == data


def test_loading_the_same_workbook_twice_changes_nothing(tmp_path: Path, store: SqliteStore):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "专业开设"
    ws.append(["学校标识码", "专业代码", "年份", "就业率"])
    ws.append([4141010842, "460701", 2024, 0.85])
    ws.cell(row=2, column=4).number_format = "0%"
    wb.save(tmp_path / "p.xlsx")
    _, first = load(store, tmp_path / "p.xlsx")
    assert first.rels_created == 1
    snap = store.snapshot()
    _, second = load(store, tmp_path / "p.xlsx")
    assert not any(second.as_dict().values())
    assert store.snapshot() == snap


# -------------------------------------------------------------------------------- twenty mistakes
TWENTY = FIXTURES / "twenty_mistakes"
# (file, row, column, value, code): one per rule, see tests/fixtures/twenty_mistakes/README.md
TWENTY_EXPECTED = [
    ("institutions.csv", 3, "学校名称", "", "required"),
    ("institutions.csv", 4, "所在城市代码", "41020", "invalid"),
    ("institutions.csv", 5, "办学层次", "大学", "enum"),
    ("institutions.csv", 6, "学校标识码", "4141010842", "duplicate"),
    ("programs.csv", 4, "学校标识码", "414101084", "leading_zero"),
    ("programs.csv", 5, "专业代码", "60701", "leading_zero"),
    ("programs.csv", 6, "年份", "1999", "invalid"),
    ("programs.csv", 7, "在校生数", "-5", "invalid"),
    ("programs.csv", 8, "就业率", "120%", "invalid"),
    ("programs.csv", 9, "省级领先", "可能", "invalid"),
    ("enterprises.csv", 4, "id", "91410200MA44AB12C0", "check_char"),
    ("enterprises.csv", 5, "id", "91410200MA44AB1OCW", "invalid"),
    ("enterprises.csv", 6, "industry_code", "C36", "invalid"),
    ("cooperations.csv", 3, "学校标识码", "4141099999", "missing_ref"),
    ("crosswalk.csv", 2, "权重", "1.5", "invalid"),
    ("crosswalk.csv", 3, "权重", "0.6+0.3=0.9", "weights_sum"),
    ("talent_demand.csv", 3, "行业代码", "", "one_of"),
    ("talent_demand.csv", 4, "需求人数", "约100", "invalid"),
    ("policies.csv", 3, "文号", "关于开展试点的通知", "invalid"),
    ("policies.csv", 4, "发布日期", "2022-13-01", "invalid"),
]
TWENTY_WARNINGS = [
    ("policies.csv", 2, "文号", "发改社会〔20191558号", "docnum_repaired"),
    ("cities.csv", 4, "行政区划代码", "410200000000", "repaired"),
]


def test_twenty_mistakes_fixture_is_as_documented():
    assert len(TWENTY_EXPECTED) == 20
    assert len({(f, c, code) for f, _, c, _, code in TWENTY_EXPECTED}) == 20  # twenty different rules
    readme = (TWENTY / "README.md").read_text(encoding="utf-8")
    for n, (file, row, column, value, code) in enumerate(TWENTY_EXPECTED, start=1):
        assert f"| {n} | {file} | {row} | {column} | `{value}` | {code} |" in readme
    raw = (TWENTY / "institutions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gb18030").startswith("学校标识码,")
    assert (TWENTY / "programs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (TWENTY / "enterprises.csv").read_text(encoding="utf-8").startswith("id,name,")


def _cli(home: Path, *args: str):
    return CliRunner().invoke(app, ["--home", str(home), *args])


def _triples(issues: list[dict]) -> list[tuple]:
    return [(Path(i["file"]).name, i["row"], i["column"], i["value"], i["code"]) for i in issues]


@pytest.mark.parametrize("command", ["validate", "import"])
def test_twenty_mistakes_through_the_cli(tmp_path: Path, command: str):
    home = tmp_path / "home"
    seed = write(tmp_path / "seed", {"cities.csv": "行政区划代码,名称\n410000,河南省\n"})
    assert _cli(home, "import", str(seed)).exit_code == 0
    graph_file = home / "graph.sqlite"
    before_bytes = graph_state(graph_file)
    before = SqliteStore(graph_file).snapshot()

    res = _cli(home, command, str(TWENTY), "--format", "json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert (data["ok"], data["errors"], data["warnings"], data["changed"]) == (False, 20, 2, False)
    errors = [i for i in data["issues"] if i["severity"] == "error"]
    warnings = [i for i in data["issues"] if i["severity"] == "warning"]
    assert sorted(_triples(errors)) == sorted(TWENTY_EXPECTED)
    assert sorted(_triples(warnings)) == sorted(TWENTY_WARNINGS)
    assert all(i["file"] == str(TWENTY / i["file"].rsplit("/", 1)[-1]) for i in data["issues"])
    assert all(i["sheet"] is None for i in data["issues"])
    by_code = {(Path(i["file"]).name, i["row"]): i for i in errors}
    assert "应为 'W'" in by_code[("enterprises.csv", 4)]["message"]
    assert "060701" in by_code[("programs.csv", 5)]["fix"]
    assert "0414101084" in by_code[("programs.csv", 4)]["fix"]

    assert graph_state(graph_file) == before_bytes
    assert SqliteStore(graph_file).snapshot() == before


def test_twenty_mistakes_through_the_pipeline(store: SqliteStore):
    before = store.snapshot()
    errors = failing(store, TWENTY)
    assert sorted((Path(i.file).name, i.row, i.column, i.value, i.code) for i in errors) == sorted(TWENTY_EXPECTED)
    assert store.snapshot() == before


def test_twenty_mistakes_table_output_lists_every_error(tmp_path: Path):
    res = _cli(tmp_path / "home", "validate", str(TWENTY))
    assert res.exit_code == 1
    assert "错误: 20  提示: 2" in res.stdout
    assert "图未改变" in res.stdout
