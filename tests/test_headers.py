"""Headers read as people write them (issue 18): a user's figure is read, or the import says why not.

The city is test_real_words' 周口 (its hand-calculated alignment: S 400, D 470, SAI 1667/1880): its
programs table is written here the ways offices write it — units in brackets, count words, notes, a two-row
merged header, a group row in a CSV — and each way must give that same alignment, or stop with an error that
names the unread columns.  Never exit 0 with a figure dropped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import graph_state
from test_real_words import I1, I2, I3, PLANNER, PLANNER_GB18030, align, assert_alignment, cli

from iekg.loaders import readers
from iekg.loaders.headers import HeaderIndex, canon
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.loaders.tables import MEASURED, TABLES

FIXTURES = Path(__file__).parent / "fixtures" / "two_row_header"
# the planner's programs (graduates 200/100/100 give the hand calculation; enrollment is read too)
PROGRAMS = [(I1, "460701", "2023", "650", "200", "85%", "40%"), (I2, "510201", "2023", "310", "100", "0.9", "0.5"),
            (I3, "460701", "2023", "320", "100", "88", "30")]


def city_folder(tmp_path: Path, programs: dict[str, str | bytes] | None = None) -> Path:
    """The planner's city with its programs table replaced by ``programs`` (file name → text or bytes)."""
    data = tmp_path / "data"
    data.mkdir()
    for name, text in PLANNER.items():
        if name != "programs.csv":
            (data / name).write_text(text, encoding="utf-8")
    for name, text in PLANNER_GB18030.items():
        (data / name).write_bytes(text.encode("gb18030"))
    for name, body in (programs or {}).items():
        (data / name).write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return data


def build(tmp_path: Path, data: Path) -> tuple[int, dict[str, Any], Path]:
    home = tmp_path / "home"
    r = cli(home, "build", "--no-demo", "--data", str(data), "--format", "json")
    out = json.loads(r.stdout)
    return r.exit_code, out.get("report", out), home  # (a build that stops prints the report itself)


def csv_of(header: list[str], rows: list[tuple[str, ...]] = PROGRAMS) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def issues(report: dict[str, Any], *codes: str) -> list[dict[str, Any]]:
    return [i for i in report["issues"] if i["code"] in codes]


def read_headers(table: str, header: list[str]) -> tuple[dict[str, str], Report]:
    """What the reader makes of a one-row header (canonical key → header as written), and its report."""
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as d:  # called from Hypothesis tests too: no pytest tmp_path, nothing left behind
        f = Path(d) / f"{table}.csv"
        f.write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n", encoding="utf-8")
        report = Report()
        [st] = read_paths([f], report)
        return st.headers, report


# ---------------------------------------------------------------------------- normalisation, as rules
def _stem(zh: str) -> str:
    """A counted column's header without its count word (在校生数 → 在校生, 需求人数 → 需求, 人数 → 人数)."""
    for word in ("人数", "数"):
        if zh.endswith(word) and len(zh) - len(word) >= 2:
            return zh[: -len(word)]
    return zh


# Each rule turns a column's own Chinese header into the way people write it.  Applied to every column of
# every table (the measured ones above all), the reader must still name the right column.
RULES: dict[str, Callable[[str], str]] = {
    "spaces inside": lambda zh: " ".join(zh),
    "full-width brackets and a unit": lambda zh: zh + "（人）",
    "half-width brackets and a percent": lambda zh: zh + " (%)",
    "square brackets with a note": lambda zh: zh + "【注：按学年统计】",
    "a star and (必填)": lambda zh: "*" + zh + "(必填)",
    "a footnote mark": lambda zh: zh + "①",
    "the count word 人数": lambda zh: _stem(zh) + "人数",
    "the count word 数量": lambda zh: _stem(zh) + "数量",
    "no count word": _stem,
}
COUNT_RULES = {"the count word 人数", "the count word 数量", "no count word"}  # for columns that count people or things



@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("table", sorted(MEASURED))
def test_every_measured_column_is_read_whatever_the_spelling(table: str, rule: str) -> None:
    """For each table with measured columns: each of its columns written by the rule is still that column."""
    t = TABLES[table]
    index = HeaderIndex(t)
    for c in t.columns:
        if rule in COUNT_RULES and c.kind not in ("count", "number"):
            continue
        written = RULES[rule](c.zh)
        m = index.lookup(written)
        if m is None:  # a canonical form two columns share is not guessed: then it must not be a measured one
            assert canon(written) not in index.canonical and c.key not in MEASURED[table], (c.zh, written)
            continue
        assert m.key == c.key, (table, c.zh, written, m)


def test_a_measured_header_in_the_ways_people_write_it_gives_the_same_figures(tmp_path: Path) -> None:
    # every normalisation class at once, on the planner's programs: same alignment, each header a repair
    header = ["学校代码 ", "专 业 代 码", "*年份(必填)", "在校生人数（人）", "毕业生数 (人)①", "就业率（%）", "本地就业率【注】"]
    code, report, home = build(tmp_path, city_folder(tmp_path, {"programs.csv": csv_of(header)}))
    assert code == 0, report
    assert_alignment(align(home))
    got = {(i["column"], i["repaired"]) for i in issues(report, "header")}
    assert ("在校生人数（人）", "在校生数") in got and ("就业率（%）", "就业率") in got
    assert ("学校代码", "学校标识码") in got  # a synonym is a repair too
    # a mere close variant (spaces, a star, (必填)) is read silently, as values are
    assert not any(c in ("专 业 代 码", "*年份(必填)", "毕业生数 (人)①") for c, _ in got)
    assert not issues(report, "unknown_column", "extra_columns", "unread_figure")


def test_a_near_spelling_is_read_with_a_warning_and_a_far_one_stops(tmp_path: Path) -> None:
    # 在校学生数 is clearly 在校生数 (and nothing else): read, with a warning
    headers, report = read_headers("programs", ["学校标识码", "专业代码", "年份", "在校学生数"])
    assert headers["enrollment"] == "在校学生数"
    [w] = report.issues
    assert (w.code, w.severity, w.repaired) == ("header", "warning", "在校生数")
    assert w.message == "表头相近：「在校学生数」按「在校生数」(enrollment) 读入 (header read as enrollment)"
    # 在籍学生数 only resembles 在校生数: the figure would be lost, so the import stops, naming both
    programs = csv_of(["学校代码", "专业代码", "年份", "在籍学生数", "毕业生数", "就业率"],
                      [r[:5] + r[5:6] for r in PROGRAMS])
    data = city_folder(tmp_path, {"programs.csv": programs})
    code, report, home = build(tmp_path, data)
    assert code == 1
    [e] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (e["code"], e["column"], e["row"]) == ("unread_figure", "在籍学生数", 1)
    assert e["message"].startswith("不认识的表头「在籍学生数」最接近「在校生数」(enrollment)，这是度量要用的数字列")
    assert "请把表头改成「在校生数」" in e["fix"]
    assert not (home / "graph.sqlite").exists()
    # once the table has its enrollment column, a look-alike is only a warning (nothing is lost)
    headers, report = read_headers("programs", ["学校标识码", "专业代码", "年份", "在校生数", "在籍学生数"])
    assert [(i.severity, i.code) for i in report.issues] == [("warning", "unknown_column")]
    assert "最接近：在校生数" in report.issues[0].message


def test_a_programs_table_without_figure_columns_while_unread_columns_hold_numbers_stops(tmp_path: Path) -> None:
    programs = csv_of(["学校代码", "专业代码", "年份", "规模", "备注"], [r[:3] + ("650", "订单班") for r in PROGRAMS])
    code, report, _ = build(tmp_path, city_folder(tmp_path, {"programs.csv": programs}))
    assert code == 1
    [e] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (e["code"], e["value"]) == ("figures_unread", "「规模」")  # 备注 holds no number: not named
    assert e["message"].startswith("本表没有在校生数、毕业生数列，而未读入的列 「规模」 有数字：这些数字会丢失")
    # without numbers in unread columns, a programs table without figures imports (and coverage says so)
    programs = csv_of(["学校代码", "专业代码", "年份", "备注"], [r[:3] + ("订单班",) for r in PROGRAMS])
    other = tmp_path / "b"
    other.mkdir()
    code, report, _ = build(other, city_folder(other, {"programs.csv": programs}))
    assert code == 0, report


def test_a_duplicate_header_is_an_error_naming_both_columns(tmp_path: Path) -> None:
    headers, report = read_headers("institutions", ["id", "name", "name", "city_code", "level"])
    [e] = report.errors
    assert (e.code, e.column, e.row) == ("duplicate_column", "name", 1)
    assert e.message == "第 B 列「name」和第 C 列「name」都是「学校名称」(name)，不知道该用哪一列 (two columns are the same column)"
    # two spellings of one column are duplicates too
    _, report = read_headers("programs", ["学校标识码", "专业代码", "年份", "在校生数", "在校生人数"])
    assert [(i.code, i.column) for i in report.errors] == [("duplicate_column", "在校生人数")]


def test_a_unit_other_than_the_columns_is_an_error(tmp_path: Path) -> None:
    _, report = read_headers("cities", ["行政区划代码", "名称", "常住人口（人）", "地区生产总值（亿元）"])
    [e] = report.errors
    assert (e.code, e.column) == ("header_unit", "常住人口（人）")
    assert "本列要求「万人」" in e.message
    _, report = read_headers("cities", ["行政区划代码", "名称", "常住人口（万人）", "地区生产总值(亿)"])
    assert report.errors == []


# ------------------------------------------------------------------------------------ two-row headers
def two_row_workbook(path: Path, *, subheader: bool = True) -> Path:
    """The programs sheet as offices lay it out: 规模（人） merged over 在校生数 / 毕业生数, 就业情况 over
    就业率 / 本地就业率, the code columns merged down (``subheader=False``: the user deleted row 2)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "专业开设"
    ws.append(["学校代码", "专业代码", "年份", "规模（人）", None, "就业情况", None])
    if subheader:
        ws.append([None, None, None, "在校生数", "毕业生数", "就业率", "本地就业率"])
        for col in "ABC":
            ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("D1:E1")
    ws.merge_cells("F1:G1")
    for r in PROGRAMS:
        ws.append([r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5], r[6]])
    for row in ws.iter_rows(min_row=3 if subheader else 2):
        for c in row[:2]:
            c.number_format = "@"
    wb.save(path)
    return path


def test_the_fixture_is_the_workbook_this_module_describes(tmp_path: Path) -> None:
    fixture = openpyxl.load_workbook(FIXTURES / "专业开设-两行表头.xlsx")
    made = openpyxl.load_workbook(two_row_workbook(tmp_path / "x.xlsx"))
    a, b = fixture["专业开设"], made["专业开设"]
    assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges)) == [
        "A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:G1"]


def test_a_merged_two_row_header_loads_with_the_right_figures(tmp_path: Path) -> None:
    data = city_folder(tmp_path)
    shutil.copy(FIXTURES / "专业开设-两行表头.xlsx", data / "专业开设.xlsx")
    code, report, home = build(tmp_path, data)
    assert code == 0, report
    assert_alignment(align(home))
    [w] = issues(report, "header_block")
    assert w["severity"] == "warning" and w["message"].startswith(
        "第 1–2 行是 2 行表头，已逐列按最下一行的列名读入：「规模（人）/在校生数」→在校生数、「规模（人）/毕业生数」→毕业生数、"
        "「就业情况/就业率」→就业率、「就业情况/本地就业率」→本地就业率")
    from iekg.graph.sqlitestore import SqliteStore

    s = SqliteStore(home / "graph.sqlite")
    [(off, _)] = s.neighbours(f"Institution:{I2}", ["OFFERS"], "out")
    assert (off.props["enrollment"], off.props["graduates"], off.props["employment_rate"],
            off.props["local_employment_rate"]) == (310, 100, 0.9, 0.5)
    assert "规模（人）" not in off.props and "就业情况" not in off.props


@pytest.mark.skipif(shutil.which("soffice") is None and not __import__("os").environ.get("CI"),
                    reason="LibreOffice (soffice) not installed")
def test_the_same_workbook_saved_by_libreoffice_reads_the_same(tmp_path: Path) -> None:
    # LibreOffice writes merged cells its own way (covered cells present, styled): the reader sees the same
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "专业开设-两行表头.xlsx", src / "book.xlsx")
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src / "book.xlsx")],
                   check=True, capture_output=True, timeout=180)
    ws = openpyxl.load_workbook(out / "book.xlsx")["专业开设"]
    assert "D1:E1" in map(str, ws.merged_cells.ranges)  # really merged in LibreOffice's file
    data = city_folder(tmp_path)
    shutil.copy(out / "book.xlsx", data / "专业开设.xlsx")
    code, report, home = build(tmp_path, data)
    assert code == 0, report
    assert_alignment(align(home))


def test_the_sub_header_row_deleted_stops_naming_the_unread_columns(tmp_path: Path) -> None:
    data = city_folder(tmp_path)
    two_row_workbook(data / "专业开设.xlsx", subheader=False)
    code, report, home = build(tmp_path, data)
    assert code == 1  # never exit 0 with supply 0
    errors = [(i["code"], i["value"]) for i in report["issues"] if i["severity"] == "error"]
    assert ("figures_unread", "「规模（人）」、「就业情况」、第 E 列 (无表头)、第 G 列 (无表头)") in errors
    assert ("unread_figure", "就业情况") in errors  # nearest to 就业率, which the table lacks
    e = next(i for i in report["issues"] if i["code"] == "figures_unread")
    assert "如果原来是两行表头，请保留两行表头" in e["fix"]
    assert not (home / "graph.sqlite").exists()


def test_a_csv_with_a_group_row_reads_like_the_merged_workbook(tmp_path: Path) -> None:
    # the same shape in a CSV: a row of group words, then a row of column words
    text = ("学校代码,专业代码,年份,规模（人）,,就业情况,\n,,,在校生数,毕业生数,就业率,本地就业率\n"
            + "\n".join(",".join(r) for r in PROGRAMS) + "\n")
    code, report, home = build(tmp_path, city_folder(tmp_path, {"programs.csv": text.encode("gb18030")}))
    assert code == 0, report
    assert_alignment(align(home))


def test_a_group_title_tells_two_columns_of_the_same_word_apart(tmp_path: Path) -> None:
    f = tmp_path / "programs.csv"
    f.write_text("学校标识码,专业代码,年份,在校生,,毕业生,\n,,,人数,其中女生,人数,其中女生\n"
                 f"{I1},460701,2023,650,300,200,90\n", encoding="utf-8")
    report = Report()
    [st] = read_paths([f], report)
    [row] = list(st.rows)
    assert (row.values["enrollment"], row.values["graduates"]) == ("650", "200")
    assert st.headers["enrollment"] == "在校生/人数" and st.headers["graduates"] == "毕业生/人数"


def test_an_unreadable_second_header_row_is_one_error_not_one_per_cell(tmp_path: Path) -> None:
    text = ("学校代码,专业代码,年份,规模（人）,,就业情况,\n,,,在籍,离校,去向,本市\n"
            + "\n".join(",".join(r) for r in PROGRAMS) + "\n")
    code, report, _ = build(tmp_path, city_folder(tmp_path, {"programs.csv": text}))
    assert code == 1
    codes = [i["code"] for i in report["issues"] if i["severity"] == "error"]
    assert "required" not in codes  # no 必填项为空 on each cell of the second header row
    [e] = issues(report, "header_block")
    assert e["severity"] == "error" and e["message"].startswith("第 1–2 行像是两行表头，但第 2 行的 「在籍」、「离校」")


def test_a_title_row_above_a_one_row_header_is_not_a_header_block(tmp_path: Path) -> None:
    text = "周口市专业开设情况（2023年）,,,,,,\n" + csv_of(["学校代码", "专业代码", "年份", "在校生数", "毕业生数", "就业率",
                                                  "本地就业率"])
    code, report, home = build(tmp_path, city_folder(tmp_path, {"programs.csv": text}))
    assert code == 0, report
    assert not issues(report, "header_block")
    assert_alignment(align(home))


def test_a_big_csv_read_lazily_says_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the build's streaming reader of big CSVs checks the header the same way
    monkeypatch.setattr(readers, "LAZY_CHARS", 10)
    programs = csv_of(["学校代码", "专业代码", "年份", "规模", "就业率"], [r[:3] + ("650", r[5]) for r in PROGRAMS])
    code, report, _ = build(tmp_path, city_folder(tmp_path, {"programs.csv": programs}))
    assert code == 1
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == ["figures_unread"]
    good = csv_of(["学校代码", "专业代码", "年份", "在校生人数（人）", "毕业生数（人）", "就业率", "本地就业率"])
    other = tmp_path / "g"
    other.mkdir()
    code, report, home = build(other, city_folder(other, {"programs.csv": good}))
    assert code == 0, report
    assert_alignment(align(home))


def test_an_import_that_stops_on_a_header_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = cli(home, "build", "--no-demo", "--data", str(city_folder(tmp_path)), "--format", "json")
    assert r.exit_code == 0, r.output
    before = graph_state(home / "graph.sqlite")
    more = tmp_path / "more"
    more.mkdir()
    (more / "programs.csv").write_text(csv_of(["学校代码", "专业代码", "年份", "在籍学生数"],
                                              [(I1, "460701", "2024", "700")]), encoding="utf-8")
    r = cli(home, "import", str(more), "--format", "json")
    assert r.exit_code == 1
    assert graph_state(home / "graph.sqlite") == before
