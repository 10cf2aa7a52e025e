"""Hostile and unlucky input files (issue 12, file side): bounded work, errors instead of tracebacks.

Every case goes through the real CLI (typer's runner) into a home that already holds a small graph, and
asserts the error issue (the limit named and the setting that raises it), exit code 1, no traceback and
the graph unchanged.  The crafted XLSX files (a full-range declared dimension; a zip bomb) are made here,
a few KB each.  Limits are lowered through the environment (``IEKG_MAX_ROWS`` …) where a real-size file
would be needed otherwise.
"""

from __future__ import annotations

import errno
import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from iekg import service
from iekg.cli import app
from iekg.loaders import encoding, limits
from iekg.loaders.report import ImportFailed
from iekg.settings import Settings

E1 = "91410200MA44AB12CW"
SMALL = {
    "cities.csv": "行政区划代码,名称,省级代码\n410000,河南省,\n410200,开封市,410000\n",
    "industries.csv": "行业代码,行业名称,上级代码\nC,制造业,\n36,汽车制造业,C\n",
    "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n4141010842,开封职业学院,410200,高职专科,公办\n",
}
INST_HEADER = ["学校标识码", "学校名称", "所在城市代码", "办学层次"]
SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ----------------------------------------------------------------------------------------------- helpers
def iekg(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--home", str(home), *args])


def snapshot(home: Path) -> dict[str, Any]:
    return service.open_store(Settings(home=home)).snapshot()


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    res = iekg(h, "import", str(write(tmp_path / "small", SMALL)), "--format", "json")
    assert res.exit_code == 0, res.output
    return h


def rejected(home: Path, *paths: Path, command: str = "import") -> list[dict[str, Any]]:
    """Run ``iekg import`` (or validate) on hostile input: exit 1, no traceback, graph unchanged; the issues."""
    before = snapshot(home)
    res = iekg(home, command, *map(str, paths), "--format", "json")
    assert res.exit_code == 1, res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    out = json.loads(res.stdout)
    assert out["ok"] is False and out["changed"] is False
    assert snapshot(home) == before
    return out["issues"]  # type: ignore[no-any-return]


def errors(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in issues if i["severity"] == "error"]


def institutions_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "institutions"
    ws.append(INST_HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def replace_member(path: Path, member: str, data: bytes) -> Path:
    """Rewrite one member of an xlsx (deflated at the highest level)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == member else src.read(info.filename))
    return path


def inline_row(r: int, cells: dict[str, str]) -> str:
    return f'<row r="{r}">' + "".join(
        f'<c r="{ref}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for ref, v in cells.items()) + "</row>"


def sheet_xml(dimension: str, rows: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>').encode()


HEADER_ROW = inline_row(1, dict(zip("ABCD", INST_HEADER, strict=True)))
DATA_ROW = inline_row(2, {"A": "4141019999", "B": "开封文化艺术职业学院", "C": "410200", "D": "高职专科"})


# ------------------------------------------------------------------------------ crafted XLSX: dimension
def test_a_declared_full_range_is_not_trusted(home: Path, tmp_path: Path):
    """Declared A1:XFD1048576 with two real rows: only the real extent is read (fast, exactly one row)."""
    f = replace_member(institutions_xlsx(tmp_path / "institutions.xlsx", []), SHEET,
                       sheet_xml("A1:XFD1048576", HEADER_ROW + DATA_ROW))
    assert f.stat().st_size < 10_000
    res = iekg(home, "import", str(f), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["rows"] == {"institutions": 1} and out["result"]["nodes_created"] == 1


def test_a_full_range_sheet_with_a_far_cell_stops_at_the_row_limit(home: Path, tmp_path: Path):
    """Declared full range plus a real cell at XFD1048576: stopped at the row limit, named, with its setting."""
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    f = replace_member(institutions_xlsx(tmp_path / "institutions.xlsx", []), SHEET,
                       sheet_xml("A1:XFD1048576", HEADER_ROW + DATA_ROW + far))
    assert f.stat().st_size < 10_000
    t0 = time.perf_counter()
    issues = errors(rejected(home, f))
    assert time.perf_counter() - t0 < 60  # a bound against the old unbounded run, not a benchmark
    assert [i["code"] for i in issues] == ["limit"]
    assert issues[0]["row"] == 1048576 and issues[0]["sheet"] == "institutions"
    assert "max_rows" in issues[0]["message"] and "1,048,576" in issues[0]["message"]
    assert "200,000" in issues[0]["message"] and "IEKG_MAX_ROWS" in issues[0]["fix"]


# ------------------------------------------------------------------------------------ crafted XLSX: bomb
def bomb(tmp_path: Path, mb: int = 3) -> Path:
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = HEADER_ROW + DATA_ROW + row * (mb * 1024 * 1024 // len(row))
    f = replace_member(institutions_xlsx(tmp_path / "institutions.xlsx", []), SHEET, sheet_xml("A1:D2", body))
    assert f.stat().st_size < 16_000  # a few KB that inflate to MBs
    return f


def test_a_zip_bomb_is_refused_from_its_zip_directory(home: Path, tmp_path: Path):
    issues = errors(rejected(home, bomb(tmp_path)))
    assert [i["code"] for i in issues] == ["limit"]
    assert "max_zip_ratio" in issues[0]["message"] and "sheet1.xml" in issues[0]["message"]
    assert "IEKG_MAX_ZIP_RATIO" in issues[0]["fix"]


def test_the_inflated_size_of_an_xlsx_is_bounded(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("IEKG_MAX_INFLATED_BYTES", "1000000")
    issues = errors(rejected(home, bomb(tmp_path)))
    assert "max_inflated_bytes" in issues[0]["message"] and "IEKG_MAX_INFLATED_BYTES" in issues[0]["fix"]


def test_the_member_count_of_an_xlsx_is_bounded(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_ZIP_MEMBERS", "3")
    f = institutions_xlsx(tmp_path / "institutions.xlsx", [])
    issues = errors(rejected(home, f))
    assert "max_zip_members" in issues[0]["message"] and "IEKG_MAX_ZIP_MEMBERS=6" in issues[0]["fix"]


# --------------------------------------------------------------------------------- rows, cells, time, size
def big_csv(folder: Path, n: int) -> Path:
    lines = ["学校标识码,学校名称,所在城市代码,办学层次"] + [
        f"41410{i:05d},某职业学院{i},410200,高职专科" for i in range(n)]
    return write(folder, {"institutions.csv": "\n".join(lines) + "\n"}) / "institutions.csv"


def test_rows_are_bounded_in_a_csv(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_ROWS", "100")  # the 200,000 default, lowered: the same code path
    issues = errors(rejected(home, big_csv(tmp_path / "in", 150)))
    assert [i["code"] for i in issues] == ["limit"]
    assert issues[0]["row"] == 101 and "max_rows" in issues[0]["message"]  # header + 100 rows
    assert "非空行数 (含表头) 101" in issues[0]["message"] and "上限为 100" in issues[0]["message"]
    assert "IEKG_MAX_ROWS=200" in issues[0]["fix"]


def test_rows_are_bounded_in_an_xlsx(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_ROWS", "100")
    f = institutions_xlsx(tmp_path / "institutions.xlsx",
                          [[f"41410{i:05d}", f"某职业学院{i}", "410200", "高职专科"] for i in range(150)])
    issues = errors(rejected(home, f, command="validate"))
    assert issues[0]["sheet"] == "institutions" and "max_rows" in issues[0]["message"]
    assert "IEKG_MAX_ROWS" in issues[0]["fix"]


def test_cells_are_bounded(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_CELLS", "50")
    issues = errors(rejected(home, big_csv(tmp_path / "in", 20)))
    assert "max_cells" in issues[0]["message"] and "IEKG_MAX_CELLS=100" in issues[0]["fix"]


def test_file_size_is_bounded(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_FILE_BYTES", "200")
    issues = errors(rejected(home, big_csv(tmp_path / "in", 20)))
    assert "max_file_bytes" in issues[0]["message"] and "IEKG_MAX_FILE_BYTES" in issues[0]["fix"]


def test_parse_time_is_bounded_while_streaming(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_PARSE_SECONDS", "0")
    for f in (big_csv(tmp_path / "in", 600), institutions_xlsx(tmp_path / "institutions.xlsx", [])):
        issues = errors(rejected(home, f))
        assert [i["code"] for i in issues] == ["limit"], issues
        assert "max_parse_seconds" in issues[0]["message"] and "IEKG_MAX_PARSE_SECONDS" in issues[0]["fix"]


def test_limits_print_in_the_table_report_too(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IEKG_MAX_ROWS", "100")
    res = iekg(home, "import", str(big_csv(tmp_path / "in", 150)))
    assert res.exit_code == 1 and "Traceback" not in res.output
    text = "".join(res.stdout.split())  # rich folds long cells over lines
    assert "IEKG_MAX_ROWS" in text and "max_rows" in text and "图未改变" in text


def test_official_readers_go_through_the_limits(home: Path, public_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The MOE list as .xls (xlrd) and the GB/T 4754 table as .xlsx and .csv: bounded the same way."""
    monkeypatch.setenv("IEKG_MAX_ROWS", "100")
    for name in ("moe_hei_list_2025.xls", "gbt4754_2017_industry_1d.xlsx", "gbt4754_2017_industry_1d.csv"):
        issues = errors(rejected(home, public_dir / name, command="validate"))
        assert [i["code"] for i in issues] == ["limit"], (name, issues)
        assert "max_rows" in issues[0]["message"] and "IEKG_MAX_ROWS" in issues[0]["fix"]


def test_defaults_fit_a_province_with_room_to_spare():
    lim = limits.Limits.from_settings(Settings())
    assert lim.max_rows == 200_000 and lim.max_cells >= 2_000_000
    assert lim.max_inflated_bytes == 200 * 1024 * 1024


# ------------------------------------------------------------------------------- broken and foreign files
def test_broken_sheet_xml(home: Path, tmp_path: Path):
    f = replace_member(institutions_xlsx(tmp_path / "institutions.xlsx", []), SHEET,
                       sheet_xml("A1:D2", HEADER_ROW + DATA_ROW)[:-40] + b"<row r='3'><c><<<")
    issues = errors(rejected(home, f))
    assert [i["code"] for i in issues] == ["broken_sheet"]
    assert issues[0]["sheet"] == "institutions" and "另存为" in issues[0]["fix"]


def test_a_zip_that_is_not_an_xlsx(home: Path, tmp_path: Path):
    f = tmp_path / "institutions.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("readme.txt", "hello")
    issues = errors(rejected(home, f))
    assert [i["code"] for i in issues] == ["not_xlsx"] and "zip" in issues[0]["message"]


def test_a_text_file_named_xlsx(home: Path, tmp_path: Path):
    f = tmp_path / "institutions.xlsx"
    f.write_text("学校标识码,学校名称\n", encoding="utf-8")
    assert [i["code"] for i in errors(rejected(home, f))] == ["not_xlsx"]


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    bytes(range(256)) * 8,
    b"PK\x03\x04" + b"\x00" * 100,
])
def test_a_binary_file_named_csv(home: Path, tmp_path: Path, data: bytes):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "institutions.csv").write_bytes(data)
    issues = errors(rejected(home, folder / "institutions.csv"))
    assert [i["code"] for i in issues] == ["binary"], issues
    assert issues[0]["file"].endswith("institutions.csv") and issues[0]["fix"]


def test_utf16_without_bom_is_read_with_a_warning(home: Path, tmp_path: Path):
    text = "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,开封文化艺术职业学院,410200,高职专科\n"
    f = write(tmp_path / "in", {"institutions.csv": text}, "utf-16-le") / "institutions.csv"
    assert not f.read_bytes().startswith(b"\xff\xfe")
    res = iekg(home, "import", str(f), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [i["code"] for i in out["issues"]] == ["encoding"] and "UTF-16" in out["issues"][0]["message"]
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["name"] == "开封文化艺术职业学院"


def test_a_symlink_loop_in_a_folder(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n"
                                                          "4141019999,开封文化艺术职业学院,410200,高职专科\n"})
    os.symlink(folder / "loop.csv", folder / "loop.csv")
    issues = errors(rejected(home, folder))
    assert [i["code"] for i in issues] == ["io_error"] and "symlink" in issues[0]["message"]
    assert issues[0]["file"].endswith("loop.csv")


def test_disk_errors_while_reading(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    f = big_csv(tmp_path / "in", 3)
    real = Path.read_bytes

    def failing(self: Path) -> bytes:
        if self.name == "institutions.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    issues = errors(rejected(home, f))
    assert [i["code"] for i in issues] == ["io_error"] and "I/O" in issues[0]["message"]


def test_disk_full_while_writing_the_graph(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from iekg.loaders import pipeline

    def full(*_a: Any, **_k: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "load", full)
    before = snapshot(home)
    res = iekg(home, "import", str(big_csv(tmp_path / "in", 3)))
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    assert "No space left on device" in res.output and "图未改变" in res.output
    assert snapshot(home) == before


# ----------------------------------------------------------------------------------------- encodings
def test_a_gb18030_file_and_a_utf8_bom_file_still_import(home: Path, tmp_path: Path):
    gb = "学校标识码,学校名称,所在城市代码,办学层次\n4141019999,濮阳职业技术学院,410200,高职专科\n"
    bom = "\ufeff学校标识码,学校名称,所在城市代码,办学层次\n4141019998,漯河食品职业学院,410200,高职专科\n"
    write(tmp_path / "gb", {"institutions.csv": gb}, "gb18030")
    write(tmp_path / "bom", {"institutions.csv": bom}, "utf-8")
    for folder in ("gb", "bom"):
        res = iekg(home, "import", str(tmp_path / folder), "--format", "json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["issues"] == []
    store = service.open_store(Settings(home=home))
    assert store.get("Institution:4141019999").props["name"] == "濮阳职业技术学院"  # type: ignore[union-attr]
    assert store.get("Institution:4141019998").props["name"] == "漯河食品职业学院"  # type: ignore[union-attr]


def test_a_big5_file_is_read_as_big5_and_said_so(home: Path, tmp_path: Path):
    text = "id,name,city_code,level\n4141019999,開封藝術職業學院,410200,本科\n"
    write(tmp_path / "in", {"institutions.csv": text}, "big5")
    res = iekg(home, "import", str(tmp_path / "in"), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [i["code"] for i in out["issues"]] == ["encoding"] and "Big5" in out["issues"][0]["message"]
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["name"] == "開封藝術職業學院"  # not garbled


def test_an_ambiguous_big5_or_gb18030_file_is_refused(home: Path, tmp_path: Path):
    # Rare Big5 characters (secondary plane, trail byte < 0x7F): valid GB18030 too, common in neither.
    rare = bytes.fromhex("c940c941c942c943")
    assert rare.decode("big5") != rare.decode("gb18030")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "institutions.csv").write_bytes(b"id,name,city_code,level\n4141019999," + rare + b",410200,x\n")
    issues = errors(rejected(home, folder))
    assert [i["code"] for i in issues] == ["ambiguous_encoding"]
    assert "Big5" in issues[0]["message"] and "GB18030" in issues[0]["message"] and "UTF-8" in issues[0]["fix"]
    assert rare.decode("big5") in issues[0]["message"]  # both readings are shown


def test_a_few_characters_that_fit_both_are_read_as_gb18030_with_a_warning():
    d = encoding.decode("code,name\n4601,A类\n".encode("gb18030"))
    assert d.encoding == "gb18030" and d.text.endswith("A类\n")
    assert d.warning is not None and "Big5" in d.warning and "类" in d.warning


# ---------------------------------------------------------------------------------------- empty imports
def test_an_empty_folder_says_so(home: Path, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    issues = errors(rejected(home, tmp_path / "empty"))
    assert [i["code"] for i in issues] == ["empty_folder"]


def test_an_empty_file_says_so(home: Path, tmp_path: Path):
    f = write(tmp_path / "in", {"institutions.csv": ""}) / "institutions.csv"
    issues = rejected(home, f)
    assert [(i["severity"], i["code"]) for i in issues] == [("warning", "empty_file"), ("error", "nothing_to_import")]


def test_a_header_only_file_says_so_in_cli_and_service(home: Path, tmp_path: Path):
    f = write(tmp_path / "in", {"institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n"}) / "institutions.csv"
    issues = errors(rejected(home, f))
    assert [i["code"] for i in issues] == ["nothing_to_import"] and "表头" in issues[0]["message"]
    store = service.open_store(Settings(home=home))
    with pytest.raises(ImportFailed) as exc:  # the API calls the same service function
        service.import_paths(store, [f], dry_run=True)
    assert [i.code for i in exc.value.report.errors] == ["nothing_to_import"]


def test_header_only_sheets_next_to_data_are_fine(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"majors.csv": "专业代码,专业名称,专业类代码\n",
                                     "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次\n"
                                                         "4141019999,开封文化艺术职业学院,410200,高职专科\n"})
    res = iekg(home, "import", str(folder), "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["issues"] == []


# ------------------------------------------------------------------------- control characters, line breaks
def inst(name: str, ident: str = "4141019999") -> dict[str, str]:
    return {"institutions.csv": f'学校标识码,学校名称,所在城市代码,办学层次\n"{ident}","{name}",410200,高职专科\n'}


@pytest.mark.parametrize("bad", ["\x1b[31m开封\x1b[0m学院", "开封\x07学院", "开封\x9b2J学院", "开封\u202e学院"])
def test_control_characters_are_rejected_with_row_and_column(home: Path, tmp_path: Path, bad: str):
    issues = errors(rejected(home, write(tmp_path / "in", inst(bad))))
    assert [(i["code"], i["row"], i["column"]) for i in issues] == [("control_char", 2, "学校名称")]
    assert "\\x" in issues[0]["value"] or "\\u" in issues[0]["value"]  # shown, not executed


def test_a_control_character_in_a_code_is_reported_once_and_never_raw(home: Path, tmp_path: Path):
    issues = errors(rejected(home, write(tmp_path / "in", inst("开封学院", "41410\x1b[2J19999"))))
    assert issues[0]["code"] == "control_char" and issues[0]["value"] == "41410\\x1b[2J19999"
    assert not any("\x1b" in str(v) for i in issues for v in i.values())  # also in later checks' issues


def test_a_newline_in_a_code_is_rejected(home: Path, tmp_path: Path):
    issues = errors(rejected(home, write(tmp_path / "in", inst("开封学院", "41410\n19999"))))
    assert ("newline", 2, "学校标识码") in [(i["code"], i["row"], i["column"]) for i in issues]
    assert "\\n" in issues[0]["value"]


def test_a_newline_in_a_name_is_folded_with_a_warning(home: Path, tmp_path: Path):
    res = iekg(home, "import", str(write(tmp_path / "in", inst("开封文化\n艺术职业学院"))), "--format", "json")
    assert res.exit_code == 0, res.output
    issues = json.loads(res.stdout)["issues"]
    assert [(i["code"], i["row"], i["column"]) for i in issues] == [("newline_folded", 2, "学校名称")]
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["name"] == "开封文化艺术职业学院"


def test_fold_rule():
    from iekg.loaders.textrules import fold_line

    assert fold_line("开封文化\n艺术学院") == "开封文化艺术学院"
    assert fold_line("Kaifeng\r\nVocational  \n College") == "Kaifeng Vocational College"
    assert fold_line("开封\tCollege") == "开封 College"


def test_multi_line_fields_keep_their_lines(home: Path, tmp_path: Path):
    problem = "校企合作不深。\r\n实训基地不足。"
    folder = write(tmp_path / "in", {"problems.csv": f'城市代码,序号,主要问题\n410200,1,"{problem}"\n'})
    res = iekg(home, "import", str(folder), "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["issues"] == []
    node = service.open_store(Settings(home=home)).get("Problem:410200-1")
    assert node is not None and node.props["problem"] == "校企合作不深。\n实训基地不足。"


def test_build_with_official_lists_over_a_limit(tmp_path: Path, public_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """``iekg build --public`` reads the official lists outside an import report: still one error, exit 1."""
    monkeypatch.setenv("IEKG_MAX_ROWS", "100")
    res = iekg(tmp_path / "home", "build", "--no-demo", "--public", str(public_dir))
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
    text = "".join(res.output.split())
    assert "IEKG_MAX_ROWS" in text and "max_rows" in text and "图未改变" in text


def test_a_fifo_named_csv_does_not_block(home: Path, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "institutions.csv")
    issues = errors(rejected(home, folder))
    assert [i["code"] for i in issues] == ["not_a_file"]


def test_the_service_refuses_a_zip_bomb_as_the_api_does(home: Path, tmp_path: Path):
    """The API's import route calls service.import_paths: the same error, nothing written."""
    store = service.open_store(Settings(home=home))
    before = store.snapshot()
    with pytest.raises(ImportFailed) as exc:
        service.import_paths(store, [bomb(tmp_path)])
    assert [i.code for i in exc.value.report.errors] == ["limit"]
    assert "IEKG_MAX_ZIP_RATIO" in exc.value.report.errors[0].fix
    assert store.snapshot() == before


def test_an_unexpected_reader_failure_is_an_issue_not_a_traceback(home: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture):
    import logging

    from iekg.loaders import readers

    caplog.set_level(logging.DEBUG, logger="iekg")

    def broken(*_a: Any, **_k: Any) -> Any:
        raise KeyError("xl/sharedStrings.xml")

    monkeypatch.setattr(readers, "read_csv", broken)
    issues = errors(rejected(home, big_csv(tmp_path / "in", 3)))
    assert [i["code"] for i in issues] == ["unreadable"] and "KeyError" in issues[0]["message"]
    # the traceback goes to the debug log only: an unconfigured logging prints WARNING and above to stderr
    logged = [r for r in caplog.records if r.name == "iekg.loaders.readers"]
    assert logged and all(r.levelno < logging.WARNING for r in logged)


def test_a_real_process_prints_the_report_and_exits_1(home: Path, tmp_path: Path):
    """The installed CLI in its own process (real stderr, no test logging): the crafted xlsx and a binary csv."""
    import subprocess
    import sys

    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    xlsx = replace_member(institutions_xlsx(tmp_path / "institutions.xlsx", []), SHEET,
                          sheet_xml("A1:XFD1048576", HEADER_ROW + DATA_ROW + far))
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "programs.csv").write_bytes(bytes(range(256)) * 8)
    env = {**os.environ, "IEKG_HOME": str(home)}
    env.pop("IEKG_MAX_ROWS", None)
    for target, words in ((xlsx, ("IEKG_MAX_ROWS", "max_rows")), (folder, ("binary",))):
        proc = subprocess.run([sys.executable, "-c", "from iekg.cli import main; main()", "validate", str(target),
                               "--format", "json"], capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.strip() == ""
        out = json.loads(proc.stdout)
        assert out["ok"] is False and all(w in proc.stdout for w in words)
