"""The import workbook (``iekg template``): generated from the contract, read back cleanly, filled and imported.

The template is written once per module; tests that fill it copy it first.  The filling tests use
openpyxl the way a script (or a person in Excel) would: typing into the pre-formatted cells below the
header, and import the result with the real command line on a graph built with ``--no-demo``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from iekg.cli import app
from iekg.loaders.examples import strip_marker
from iekg.loaders.readers import read_paths, table_for_name
from iekg.loaders.report import Report
from iekg.loaders.tables import ENUMS, PROVENANCE_COLUMNS, TABLE_ORDER, TABLES
from iekg.loaders.template import (
    CODE_KINDS,
    DATA_ROWS,
    DESCRIPTIONS,
    EXAMPLE_ROW,
    EXAMPLES,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    MARKER,
    all_columns,
    header_text,
    number_format,
    resolve_tables,
    write_template,
)
from iekg.loaders.values import parser_for, uscc_check_char

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "模板.xlsx")


@pytest.fixture(scope="module")
def wb(template: Path) -> Any:
    return openpyxl.load_workbook(template)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph with only the shipped reference data; tests copy it before changing it."""
    h = tmp_path_factory.mktemp("home")
    r = runner.invoke(app, ["--home", str(h), "build", "--no-demo", "--format", "json"])
    assert r.exit_code == 0, r.output
    return h


def _fresh_home(home: Path, tmp_path: Path) -> Path:
    h = tmp_path / "home"
    shutil.copytree(home, h)
    return h


def _header(ws: Any) -> list[Any]:
    return [c.value for c in ws[HEADER_ROW]]


def _col(ws: Any, key: str) -> int:
    """1-based column of ``key`` in a template sheet."""
    for i, v in enumerate(_header(ws), start=1):
        if v and str(v).split("\n")[1] == key:
            return i
    raise KeyError(key)


def _validations(ws: Any) -> dict[int, list[str]]:
    """Column → values of the drop-down list covering that column's data cells."""
    out: dict[int, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        for rng in dv.sqref.ranges:
            assert rng.min_col == rng.max_col and rng.min_row <= EXAMPLE_ROW + 1 and rng.max_row >= DATA_ROWS
            out[rng.min_col] = dv.formula1.strip('"').split(",")
    return out


# ------------------------------------------------------------------------------- the workbook
def test_one_sheet_per_table_after_the_instructions(wb: Any) -> None:
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *TABLE_ORDER]
    for name in TABLE_ORDER:
        assert table_for_name(name) is TABLES[name]  # the readers recognise every sheet name


def test_headers_are_exactly_the_contract_columns_bilingual(wb: Any) -> None:
    for name in TABLE_ORDER:
        ws = wb[name]
        table = TABLES[name]
        cols = (*table.columns, *PROVENANCE_COLUMNS)
        assert _header(ws) == [header_text(c) for c in cols]
        for cell, col in zip(ws[HEADER_ROW], cols, strict=True):
            zh, key = cell.value.split("\n")
            assert key == col.key and zh == col.zh + ("*" if col.required else "")
            assert cell.font.b and cell.alignment.wrap_text
            assert cell.comment is not None and ("必填 required" if col.required else "选填 optional") in cell.comment.text
            assert cell.fill.fgColor.rgb.endswith("FCE4D6") == (col.required and col not in PROVENANCE_COLUMNS)
        assert _header(ws)[-2:] == ["来源\nsource", "示意数据\nillustrative"]
        assert ws.freeze_panes == f"B{EXAMPLE_ROW}"
        assert MARKER in str(ws.cell(1, 1).value) and table.zh in str(ws.cell(1, 1).value)  # the title row


def test_header_notes_state_the_rule(wb: Any) -> None:
    ws = wb["programs"]
    note = ws.cell(HEADER_ROW, _col(ws, "major_code")).comment.text
    assert "6 位专业代码" in note and "前导零" in note and "majors" in note
    note = ws.cell(HEADER_ROW, _col(ws, "employment_rate")).comment.text
    assert "85%" in note and "0.85" in note
    ws = wb["talent_demand"]
    assert "至少填一项" in ws.cell(HEADER_ROW, _col(ws, "industry_code")).comment.text
    ws = wb["institutions"]
    assert "本科、职业本科、高职专科" in ws.cell(HEADER_ROW, _col(ws, "level")).comment.text


def test_dropdowns_for_every_enum_and_bool_column(wb: Any) -> None:
    n = 0
    for name in TABLE_ORDER:
        ws = wb[name]
        lists = _validations(ws)
        expected = {}
        for i, c in enumerate(all_columns(TABLES[name]), start=1):
            if c.kind.startswith("enum:"):
                expected[i] = list(ENUMS[c.kind[5:]])
            elif c.kind == "bool":
                expected[i] = ["是", "否"]
        assert lists == expected, name
        n += len(expected)
    assert n > 40


def test_codes_are_text_and_rates_percentages(wb: Any) -> None:
    checked = 0
    for name in TABLE_ORDER:
        ws = wb[name]
        for i, c in enumerate(all_columns(TABLES[name]), start=1):
            fmt = number_format(c.kind)
            for r in (EXAMPLE_ROW, EXAMPLE_ROW + 1, EXAMPLE_ROW + DATA_ROWS - 1):
                assert ws.cell(r, i).number_format == fmt, (name, c.key, r)
            # below the formatted rows the column's own style carries the format (a cell typed there gets it)
            assert ws.column_dimensions[get_column_letter(i)].number_format == fmt, (name, c.key)
            if c.kind in CODE_KINDS or c.kind.startswith("list:"):
                assert fmt == "@"
                checked += 1
    assert checked > 60
    assert number_format("rate") == "0.0%" and number_format("year") == "0"


def test_instructions_sheet(wb: Any) -> None:
    ws = wb[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for needle in ("iekg validate", "iekg import", MARKER, "示意数据", "前导零", "85%", "0.85", "；", "、",
                   "可选值", "Allowed values", "required", "*"):
        assert needle in text, needle
    for name in TABLE_ORDER:
        assert name in text and TABLES[name].zh in text
    for values in ENUMS.values():
        if values != ENUMS["comparison"] or "targets" in TABLE_ORDER:
            assert "、".join(values) in text


def test_every_table_has_a_description_and_one_valid_example(wb: Any) -> None:
    assert set(DESCRIPTIONS) == set(TABLES) == set(EXAMPLES)
    for name in TABLE_ORDER:
        table = TABLES[name]
        ex = EXAMPLES[name]
        keys = {c.key for c in all_columns(table)}
        assert set(ex) <= keys, name
        assert all(ex.get(c.key) not in (None, "") for c in table.columns if c.required and c.key not in table.one_of)
        for c in all_columns(table):  # each value passes its rule
            if ex.get(c.key) not in (None, ""):
                parser_for(c.kind)(str(ex[c.key]))
        ws = wb[name]
        filled = [r for r in ws.iter_rows(min_row=EXAMPLE_ROW, values_only=True) if any(v not in (None, "") for v in r)]
        assert len(filled) == 1
        assert str(filled[0][0]).startswith(MARKER)


def test_untouched_template_reads_back_as_zero_rows(template: Path) -> None:
    report = Report()
    tables = read_paths([template], report)
    assert sorted(t.table for t in tables) == sorted(TABLE_ORDER)
    assert sum(len(t.rows) for t in tables) == 0
    # an import that would add nothing says so (issue 12); untouched example rows are skipped silently (issue 10)
    assert [i.code for i in report.errors] == ["nothing_to_import"]
    assert report.warnings == []


def test_examples_import_when_the_markers_are_removed(template: Path, home: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template)
    for name in TABLE_ORDER:
        cell = book[name].cell(EXAMPLE_ROW, 1)
        cell.value = strip_marker(cell.value)
    f = tmp_path / "examples.xlsx"
    book.save(f)
    h = _fresh_home(home, tmp_path)
    r = runner.invoke(app, ["--home", str(h), "import", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["errors"] == 0 and data["warnings"] == 0
    assert data["rows"] == {name: 1 for name in TABLE_ORDER}
    r = runner.invoke(app, ["--home", str(h), "show", "080901", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["props"]["name"] == "计算机科学与技术"


# -------------------------------------------------------------------------------- filling it in
E_KF = "91410200MA4KF0001"
E_KF += uscc_check_char(E_KF)


def _put(ws: Any, row: int, values: dict[str, Any]) -> None:
    for key, v in values.items():
        ws.cell(row, _col(ws, key)).value = v


def _filled(template: Path, tmp_path: Path, *, mistake: bool = False) -> Path:
    book = openpyxl.load_workbook(template)
    # majors: overwrite the example row (marker gone), then add one; codes typed as text keep their zeros
    _put(book["majors"], 3, {"code": "080901", "name": "计算机科学与技术", "category_code": "0809", "level": "本科"})
    _put(book["majors"], 4, {"code": "460701", "name": "汽车制造与试验技术", "category_code": "4607", "level": "高职专科",
                             "source": "教育部《职业教育专业目录（2021年）》"})
    _put(book["cities"], 4, {"code": "410200", "name": "开封市", "province_code": "410000", "gdp": 2707.9,
                             "population": 469.9, "year": 2023, "illustrative": "是"})
    _put(book["institutions"], 4, {"id": "4141011069", "name": "开封大学", "city_code": "410200", "level": "高职专科",
                                   "ownership": "公办", "source": "教育部《全国普通高等学校名单》"})
    _put(book["enterprises"], 4, {"id": E_KF, "name": "开封某汽车零部件有限公司", "city_code": "410200",
                                  "industry_code": "36", "employees": 850, "segment_id": "HN-NEV-01-S3",
                                  "chain_role": "配套", "illustrative": "是"})
    ws = book["programs"]
    _put(ws, 4, {"institution_id": "4141011069", "major_code": 80901 if mistake else "460701", "year": 2024,
                 "enrollment": 320, "graduates": 96, "employment_rate": 0.93, "local_employment_rate": "85%",
                 "leading": "是", "group": "汽车制造专业群", "illustrative": "是"})
    assert ws.cell(4, _col(ws, "employment_rate")).number_format == "0.0%"  # the template's format: read as 93%
    _put(book["cooperations"], 4, {"institution_id": "4141011069", "enterprise_id": E_KF, "type": "订单班",
                                   "since": 2022, "students": 45, "status": "进行中" if not mistake else "进行",
                                   "illustrative": "是"})
    _put(book["talent_demand"], 4, {"city_code": "410200", "year": 2024, "headcount": 150, "industry_code": "36",
                                    "major_code": "460701", "education_level": "高职专科", "illustrative": "是"})
    f = tmp_path / ("错误.xlsx" if mistake else "填好的模板.xlsx")
    book.save(f)
    return f


def test_filled_template_imports(template: Path, home: Path, tmp_path: Path) -> None:
    f = _filled(template, tmp_path)
    h = _fresh_home(home, tmp_path)
    r = runner.invoke(app, ["--home", str(h), "validate", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--home", str(h), "import", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["errors"] == 0
    assert data["issues"] == []  # the untouched example rows of the other sheets are skipped silently
    assert {k: v for k, v in data["rows"].items() if v} == {"cities": 1, "majors": 2, "institutions": 1, "enterprises": 1, "programs": 1,
                            "cooperations": 1, "talent_demand": 1}

    def show(ident: str) -> dict[str, Any]:
        r = runner.invoke(app, ["--home", str(h), "show", ident, "--format", "json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.output)

    kf = show("4141011069")
    assert kf["props"]["name"] == "开封大学" and kf["props"]["level"] == "高职专科"
    offers = [x for x in kf["relationships"] if x["type"] == "OFFERS"]
    assert [x["other"] for x in offers] == ["Major:460701"]
    p = offers[0]["props"]
    assert (p["employment_rate"], p["local_employment_rate"], p["leading"], p["enrollment"]) == (0.93, 0.85, True, 320)
    assert p["source_kind"] == "illustrative" and p["source_file"] == f"{f.name}#programs" and p["source_row"] == 4
    assert any(x["type"] == "COOPERATES_WITH" and x["other"] == f"Enterprise:{E_KF}" for x in kf["relationships"])
    assert show("080901")["props"]["name"] == "计算机科学与技术"  # the zero survived
    ent = show(E_KF)
    assert any(x["type"] == "DEMANDS" for x in show("410200")["relationships"])
    assert ent["props"]["name"] == "开封某汽车零部件有限公司"
    # importing the same file again changes nothing
    r = runner.invoke(app, ["--home", str(h), "import", str(f), "--format", "json"])
    assert r.exit_code == 0 and not json.loads(r.output)["changed"]


def test_filled_template_with_mistakes_names_sheet_row_and_column(template: Path, home: Path, tmp_path: Path) -> None:
    f = _filled(template, tmp_path, mistake=True)
    h = _fresh_home(home, tmp_path)
    r = runner.invoke(app, ["--home", str(h), "import", str(f), "--format", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.output)
    assert data["changed"] is False
    errors = {(i["sheet"], i["row"], i["column"], i["code"], i["value"]) for i in data["issues"] if i["severity"] == "error"}
    assert errors == {("programs", 4, "专业代码*\nmajor_code", "leading_zero", "80901")}
    # 进行 is a synonym of 进行中 (vocabularies.csv): a warning that says what it became, not an error
    warnings = {(i["sheet"], i["row"], i["column"], i["code"], i["value"], i["repaired"])
                for i in data["issues"] if i["severity"] == "warning"}
    assert warnings == {("cooperations", 4, "状态\nstatus", "synonym", "进行", "进行中")}
    fixes = {i["code"]: i["fix"] for i in data["issues"]}
    assert "080901" in fixes["leading_zero"]
    r = runner.invoke(app, ["--home", str(h), "show", "4141011069"])
    assert r.exit_code == 1  # nothing was written
    r = runner.invoke(app, ["--home", str(h), "validate", str(f)])
    assert r.exit_code == 1 and "错误.xlsx" in r.output and "major_code" in r.output and "80901" in r.output


# ------------------------------------------------------------------------------------ the command
def test_template_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["template"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook("iekg-导入模板.xlsx", read_only=True).sheetnames == [INSTRUCTIONS_SHEET, *TABLE_ORDER]
    out = tmp_path / "sub" / "part.xlsx"
    r = runner.invoke(app, ["template", "-o", str(out), "--table", "专业开设", "--table", "institutions",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"path": str(out), "tables": ["institutions", "programs"]}
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == [INSTRUCTIONS_SHEET, "institutions", "programs"]
    r = runner.invoke(app, ["--lang", "en", "template", "-o", str(tmp_path / "en.xlsx"), "--table", "programs"])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / "en.xlsx")["programs"]
    assert ws.cell(HEADER_ROW, 1).value == "institution_id*\n学校标识码"
    assert runner.invoke(app, ["template", "-o", str(tmp_path / "x.xlsx"), "--table", "nope"]).exit_code == 2
    assert runner.invoke(app, ["template", "-o", str(tmp_path / "x.csv")]).exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_resolve_tables() -> None:
    assert resolve_tables(None) == list(TABLE_ORDER)
    assert resolve_tables(["Programs", "院校", "programs"]) == ["institutions", "programs"]
    with pytest.raises(ValueError):
        resolve_tables(["programs.csv"])
    with pytest.raises(ValueError):
        write_template("x.xlsx", lang="fr")
