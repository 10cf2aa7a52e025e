"""Results people take away (issue 22, item 1): every analysis command and route answers as CSV and xlsx with
the JSON's numbers exactly (read back with csv / openpyxl), Chinese headers with units, the illustrative note,
the data-coverage lines and the source in the file; text stays text; the API negotiates ``?format=`` /
``Accept`` and answers 406 with the formats it has."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
import typer
from conftest import demo_copy
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app as cli_app
from iekg.cli.console import Fmt, render
from iekg.graph.sqlitestore import SqliteStore
from iekg.settings import Settings
from iekg.takeaway.coverage import coverage_lines
from iekg.takeaway.tabular import ILLUSTRATIVE_NOTE, Column, Sheet, Tabular
from iekg.takeaway.writers import to_csv, to_xlsx

runner = CliRunner()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example/","点击")职业学院'


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("takeaway-home"))


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    settings = Settings(home=home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        yield c


def cli(home: Path, *args: str, code: int = 0) -> Any:
    r = runner.invoke(cli_app, ["--home", str(home), *args])
    assert r.exit_code == code, r.output
    return r


# ------------------------------------------------------------------------------------- reading back
def read_csv(data: bytes) -> tuple[list[str], dict[str, tuple[list[str], list[list[str]]]]]:
    """The notes (``# `` lines before the first table) and each table: name ("" for the main one) →
    (header, rows)."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    notes, k = [], 0
    while lines[k]:
        assert lines[k][0].startswith("# ") and len(lines[k]) == 1, lines[k]
        notes.append(lines[k][0][2:])
        k += 1
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    name = ""
    while k < len(lines):
        assert lines[k] == [], lines[k]  # a blank line before each table
        k += 1
        if lines[k][0].startswith("# 表："):
            name = lines[k][0][len("# 表："):]
            k += 1
        header, rows = lines[k], []
        k += 1
        while k < len(lines) and lines[k]:
            rows.append(lines[k])
            k += 1
        tables[name] = (header, rows)
    return notes, tables


def read_xlsx(data: bytes) -> tuple[Any, dict[str, tuple[list[str], list[list[Any]]]]]:
    """The workbook and each sheet's table: name → (header, rows); the header is the row above the frozen pane."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        if ws.title == "说明":
            continue
        top = int(ws.freeze_panes[1:]) - 1
        rows = [list(r) for r in ws.iter_rows(min_row=top, values_only=True)]
        out[ws.title] = ([str(h) for h in rows[0]], rows[1:])
    return wb, out


def cell_csv(text: str, like: Any) -> Any:
    """A CSV cell read as the JSON value it stands for: empty → None, a figure → its number, text as it is."""
    if text == "":
        return None
    if isinstance(like, int) and not isinstance(like, bool):
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if isinstance(like, float):
        return float(text)
    return text


def rows_of(data: Any, key: str | None) -> list[dict[str, Any]]:
    return data if key is None or isinstance(data, list) else data[key]


# One spec per kind: where its JSON rows are, and per header the JSON value the cell must hold exactly.
Spec = tuple[str | None, dict[str, Callable[[dict[str, Any]], Any]]]
SPECS: dict[str, Spec] = {
    "alignment": ("industries", {
        "行业代码": lambda r: r["code"], "供给（人）": lambda r: r["supply"],
        "需求（人）": lambda r: r["demand"] if r["demand_data"] else None, "供需比": lambda r: r["ratio"],
        "结构偏离度": lambda r: r["deviation"], "合作密度": lambda r: r["cooperation_density"],
        "企业（家）": lambda r: r["enterprises"], "其中估算供给（人）": lambda r: r["estimated_supply"]}),
    "gaps": ("gaps", {
        "排名": lambda r: r["rank"], "对象编号": lambda r: r["entity"], "优先度": lambda r: r["priority"],
        "严重度": lambda r: r["severity"], "幅度": lambda r: r["magnitude"], "涉及人数（人）": lambda r: r["people"],
        "证据数（条）": lambda r: r["evidence_total"]}),
    "readiness": ("items", {
        "编号": lambda r: r["target"], "现值": lambda r: r["value"] if r["measurable"] else None,
        "阈值": lambda r: r["threshold"], "差距": lambda r: r["shortfall"], "期限（年）": lambda r: r["deadline"]}),
    "readiness_all": ("cities", {
        "排名": lambda r: r["rank"], "城市代码": lambda r: r["city"],
        "目标达成（项）": lambda r: r["targets_met"] if r["has_data"] else None,
        "条件满足（项）": lambda r: r["conditions_met"] if r["has_data"] else None,
        "相对差距": lambda r: r["relative_shortfall"] if r["has_data"] else None}),
    "coupling": ("scopes", {
        "城市代码": lambda r: r["city"], "教育系统综合评价 U1": lambda r: r["u1"], "产业系统综合评价 U2": lambda r: r["u2"],
        "耦合度 C": lambda r: r["c"], "综合协调指数 T": lambda r: r["t"], "耦合协调度 D": lambda r: r["ccd"],
        "协调等级": lambda r: r["grade"]}),
    "partners": ("results", {
        "编号": lambda r: r["id"], "推荐得分": lambda r: r["score"], "对口度": lambda r: r["components"]["alignment"],
        "距离得分": lambda r: r["components"]["distance"], "容量得分": lambda r: r["components"]["capacity"],
        "对口供给（人）": lambda r: r["supply"], "毕业生（人）": lambda r: r["volume"]}),
    "who_trains": ("rows", {
        "院校代码": lambda r: r["institution"], "专业代码": lambda r: r["major"], "毕业生（人）": lambda r: r["graduates"],
        "在校生（人）": lambda r: r["enrollment"], "培养量（人）": lambda r: r["volume"], "权重": lambda r: r["weight"],
        "对口供给（人）": lambda r: r["contribution"]}),
    "who_hires": ("industries", {
        "行业代码": lambda r: r["code"], "权重": lambda r: r["weight"], "企业（家）": lambda r: r["enterprises"],
        "需求（人）": lambda r: r["demand"] if r.get("demand_data", True) else None}),
    "neighbours": ("items", {"关系类型": lambda r: r["type"], "编号": lambda r: r["other_id"],
                             "名称": lambda r: r["other_name"]}),
    "search": ("items", {"实体类型": lambda r: r["label"], "编号": lambda r: r["id"], "名称": lambda r: r["name"]}),
}

# kind → (CLI arguments, API path)
CASES: dict[str, tuple[list[str], str]] = {
    "alignment": (["align", "--city", "410200"], "/analysis/alignment?city=410200"),
    "gaps": (["gaps", "--city", "410200", "--limit", "30"], "/analysis/gaps?city=410200&limit=30"),
    "readiness": (["readiness", "--city", "410200"], "/analysis/readiness?city=410200"),
    "readiness_all": (["readiness", "--all"], "/analysis/readiness/all"),
    "coupling": (["coupling"], "/analysis/coupling"),
    "partners": (["partners", "4141011069", "--limit", "5"], "/analysis/partners?id=4141011069&limit=5"),
    "who_trains": (["trains", "--industry", "36", "--city", "410200"], "/analysis/who-trains?industry=36&city=410200&limit=30"),
    "who_hires": (["hires", "460701", "--city", "410200"], "/analysis/who-hires?major=460701&city=410200"),
    "neighbours": (["neighbours", "410200", "--limit", "40"], "/relations/neighbours?id=410200&limit=40"),
    "search": (["search", "开封", "--limit", "10"], "/search?q=开封&limit=10"),
}


def expected_rows(kind: str, data: Any) -> tuple[list[str], list[list[Any]]]:
    key, cols = SPECS[kind]
    rows = rows_of(data, key)
    if kind == "readiness":
        rows = [r for r in rows if r["kind"] != "condition"]
    return list(cols), [[f(r) for f in cols.values()] for r in rows]


def main_columns(header: list[str], rows: list[list[Any]], wanted: list[str]) -> list[list[Any]]:
    idx = [header.index(h) for h in wanted]
    return [[r[i] for i in idx] for r in rows]


def assert_same(kind: str, data: Any, header: list[str], rows: list[list[Any]], *, from_csv: bool = False) -> None:
    """The table's columns hold exactly the JSON's values (every row; a missing figure an empty cell)."""
    wanted, expected = expected_rows(kind, data)
    assert expected, f"{kind}: the demo answer has rows"
    got = main_columns(header, rows, wanted)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if from_csv:
            g = [cell_csv(x, y) for x, y in zip(g, e, strict=True)]
        assert g == e, (kind, wanted, g, e)
        assert [type(x) is str for x in g] == [type(x) is str for x in e], (kind, g, e)  # a number stays a number


# ------------------------------------------------------------------------------------------ the API
@pytest.mark.parametrize("kind", list(CASES))
def test_api_csv_and_xlsx_equal_the_json(client: TestClient, kind: str) -> None:
    path = CASES[kind][1]
    data = client.get(path).json()
    r = client.get(path + "&format=csv" if "?" in path else path + "?format=csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    notes, tables = read_csv(r.content)
    header, rows = tables[""]
    assert_same(kind, data, header, rows, from_csv=True)
    assert notes[-1].startswith("来源：iekg ") and "生成于" in notes[-1]
    illustrative = data.get("illustrative", True)  # (the lists' JSON has no flag: their demo rows are illustrative)
    assert illustrative is True and r.headers["x-iekg-illustrative"] == "true"
    assert notes[1] == ILLUSTRATIVE_NOTE  # right after the title
    x = client.get(path, headers={"Accept": XLSX})
    assert x.status_code == 200 and x.headers["content-type"] == XLSX
    assert x.headers["x-iekg-illustrative"] == "true"
    wb, sheets = read_xlsx(x.content)
    header, rows = next(iter(sheets.values()))
    assert_same(kind, data, header, rows)
    assert wb.sheetnames[-1] == "说明"


@pytest.mark.parametrize("kind", list(CASES))
def test_cli_csv_and_xlsx_equal_the_json(home: Path, kind: str) -> None:
    args = CASES[kind][0]
    data = json.loads(cli(home, *args, "--format", "json").stdout)
    _, tables = read_csv(cli(home, *args, "--format", "csv").stdout_bytes)
    header, rows = tables[""]
    assert_same(kind, data, header, rows, from_csv=True)
    raw = cli(home, *args, "--format", "xlsx").stdout_bytes  # stdout is not a terminal: the bytes
    assert raw[:2] == b"PK"
    _, sheets = read_xlsx(raw)
    header, rows = next(iter(sheets.values()))
    assert_same(kind, data, header, rows)


def test_further_sheets_carry_their_numbers(client: TestClient) -> None:
    data = client.get("/analysis/readiness?city=410200").json()
    conditions = [i for i in data["items"] if i["kind"] == "condition"]
    _, tables = read_csv(client.get("/analysis/readiness?city=410200&format=csv").content)
    header, rows = tables["条件"]
    assert [r[header.index("编号")] for r in rows] == [i["target"] for i in conditions]
    assert [float(r[header.index("阈值")]) for r in rows] == [i["threshold"] for i in conditions]
    assert all(r[header.index("阈值依据")] == (i.get("threshold_label") or "") for r, i in zip(rows, conditions, strict=True))
    _, sheets = read_xlsx(client.get("/analysis/coupling?format=xlsx").content)
    res = client.get("/analysis/coupling").json()
    header, rows = sheets["城市"]
    assert rows[0][:2] == ["410100", "郑州市"]  # names from the graph (the JSON has codes only)
    header, rows = sheets["指标"]
    col = header.index("毕业生加权就业率")
    assert [r[col] for r in rows] == [s["indicators"]["employment_rate"] for s in res["scopes"]]


def test_notes_in_the_file(client: TestClient) -> None:
    data = client.get("/analysis/alignment?city=410200").json()
    assert data["illustrative"] is True
    lines = [t for t, _ in coverage_lines(data["data_coverage"])]
    assert lines and lines[0].startswith("数据覆盖 coverage 2024")
    notes, _ = read_csv(client.get("/analysis/alignment?city=410200&format=csv").content)
    assert notes[0] == "开封市 2024年 产教匹配" and notes[1] == ILLUSTRATIVE_NOTE
    assert all(line in notes for line in lines)
    assert any(n.startswith("状态阈值：供需比 < 0.8 为短缺，> 1.25 为过剩") for n in notes)
    wb, _ = read_xlsx(client.get("/analysis/alignment?city=410200&format=xlsx").content)
    main, about = wb.worksheets[0], wb["说明"]
    assert main["A1"].value == "开封市 2024年 产教匹配" and main["A2"].value == ILLUSTRATIVE_NOTE
    said = [c.value for c in about["A"]]
    assert said[0] == "开封市 2024年 产教匹配" and said[1] == ILLUSTRATIVE_NOTE
    assert all(line in said for line in lines) and said[-1].startswith("来源：iekg ")


def test_xlsx_opens_cleanly(client: TestClient) -> None:
    wb, sheets = read_xlsx(client.get("/analysis/alignment?city=410200&format=xlsx").content)
    ws = wb.worksheets[0]
    assert ws.title == "行业" and ws.freeze_panes == "A5"  # title, illustrative note, blank row, header in row 4
    header = [c.value for c in ws[4]]
    assert all(c.font.b for c in ws[4]) and ws.auto_filter.ref == f"A4:L{4 + len(sheets['行业'][1])}"
    formats = {h: ws.cell(row=5, column=header.index(h) + 1).number_format for h in ("供给（人）", "供需比", "企业（家）")}
    assert formats == {"供给（人）": "0.0", "供需比": "0.0000", "企业（家）": "0"}
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width  # widths from content (CJK count double)
    other = wb["环节覆盖"]
    assert other.freeze_panes == "A2" and other["A1"].font.b
    cw, _ = read_xlsx(client.get("/analysis/coupling?format=xlsx").content)
    ind = cw["指标"]
    col = [c.value for c in ind[1]].index("毕业生加权就业率") + 1
    assert ind.cell(row=2, column=col).number_format == "0.0%"


def test_missing_figures_stay_empty(client: TestClient) -> None:
    """An industry without demand data has an empty 需求 cell (the JSON says 0.0 with demand_data false)."""
    data = client.get("/analysis/alignment?city=410200").json()
    nodata = [i["code"] for i in data["industries"] if not i["demand_data"]]
    assert nodata
    _, tables = read_csv(client.get("/analysis/alignment?city=410200&format=csv").content)
    header, rows = tables[""]
    for r in rows:
        if r[0] in nodata:
            assert r[header.index("需求（人）")] == "" and r[header.index("状态")] == "无需求数据"


# ------------------------------------------------------------------------------------ negotiation
@pytest.mark.parametrize("path", ["/analysis/alignment?city=410200", "/analysis/readiness/all", "/search?q=开封",
                                  "/relations/neighbours?id=410200"])
def test_406_lists_the_formats(client: TestClient, path: str) -> None:
    sep = "&" if "?" in path else "?"
    for r in (client.get(f"{path}{sep}format=pdf"), client.get(path, headers={"Accept": "image/png"})):
        assert r.status_code == 406, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["type"] == "/problems/not-acceptable" and body["status"] == 406
        assert body["formats"] == ["json", "csv", "xlsx"]
        assert body["media_types"] == ["application/json", "text/csv", XLSX]


def test_format_wins_over_accept(client: TestClient) -> None:
    path = "/analysis/alignment?city=410200"
    assert client.get(path + "&format=csv", headers={"Accept": "image/png"}).headers["content-type"].startswith("text/csv")
    assert client.get(path + "&format=json", headers={"Accept": "text/csv"}).headers["content-type"] == "application/json"
    assert client.get(path, headers={"Accept": "*/*"}).headers["content-type"] == "application/json"
    assert client.get(path, headers={"Accept": "text/*"}).headers["content-type"].startswith("text/csv")
    prefer = {"Accept": "text/csv;q=0.5, application/json;q=0.9"}
    assert client.get(path, headers=prefer).headers["content-type"] == "application/json"
    assert client.get(path, headers={"Accept": "application/json;q=0, text/csv"}).headers["content-type"].startswith("text/csv")
    assert client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}).json()["scope"] == "410200"


def test_content_disposition(client: TestClient) -> None:
    r = client.get("/analysis/alignment?city=410200&format=xlsx")
    cd = r.headers["content-disposition"]
    assert cd.startswith('attachment; filename="iekg-alignment-410200.xlsx"; ')
    assert unquote(cd.split("filename*=UTF-8''", 1)[1]) == "开封市_2024年_产教匹配.xlsx"
    cd = client.get("/analysis/readiness/all?format=csv").headers["content-disposition"]
    assert 'filename="iekg-readiness-all.csv"' in cd and unquote(cd.split("''", 1)[1]) == "2024年_试点准备度排名.csv"


def test_openapi_lists_the_media_types(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/analysis/alignment", "/analysis/gaps", "/analysis/readiness", "/analysis/readiness/all",
                 "/analysis/coupling", "/analysis/partners", "/analysis/who-trains", "/analysis/who-hires",
                 "/relations/neighbours", "/search"):
        op = spec["paths"][path]["get"]
        assert set(op["responses"]["200"]["content"]) == {"application/json", "text/csv", XLSX}, path
        assert "schema" in op["responses"]["200"]["content"]["application/json"], path
        assert "406" in op["responses"] and any(p["name"] == "format" for p in op["parameters"]), path


# -------------------------------------------------------------------------------------------- CLI
def test_cli_xlsx_to_a_file_and_csv_to_a_file(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "开封.xlsx"
    r = cli(home, "align", "--city", "410200", "--format", "xlsx", "--output", str(out))
    assert r.stdout_bytes == b"" and out.read_bytes()[:2] == b"PK"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["行业", "环节覆盖", "未计入合作", "说明"]
    c = tmp_path / "gaps.csv"
    cli(home, "gaps", "--city", "410200", "--format", "csv", "-o", str(c))
    notes, tables = read_csv(c.read_bytes())
    assert notes[0] == "开封市 2024年 缺口" and tables[""][0][:3] == ["排名", "缺口类型", "类型代码"]


def test_cli_xlsx_on_a_terminal_needs_output(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    built: list[int] = []

    def take() -> Tabular:
        built.append(1)
        return Tabular("t", [Sheet("s", [Column("a", "甲")], [{"a": "x"}])])

    with pytest.raises(typer.BadParameter, match="--output"):
        render({}, Fmt.xlsx, take=take)
    assert built == []  # refused before the file is made


def test_commands_without_files_refuse_csv_before_any_work(home: Path, tmp_path: Path) -> None:
    r = cli(home, "info", "--format", "csv", code=2)
    assert "no --format csv" in r.output
    r = cli(home, "show", "410200", "--format", "xlsx", code=2)
    assert "no --format xlsx" in r.output
    fresh = tmp_path / "fresh"
    r = cli(fresh, "build", "--no-demo", "--format", "csv", code=2)  # refused before the build: nothing made
    assert "no --format csv" in r.output and not (fresh / "graph.sqlite").exists()
    r = cli(home, "align", "--city", "410200", "--output", str(tmp_path / "x.txt"), code=2)
    assert "--output" in r.output and not (tmp_path / "x.txt").exists()


def test_table_and_json_unchanged(home: Path) -> None:
    hits = json.loads(cli(home, "search", "开封", "--limit", "3", "--format", "json").stdout)
    assert isinstance(hits, list) and hits[0]["id"] == "410200"
    table = cli(home, "align", "--city", "410200").stdout
    assert "产教匹配 alignment" in table and "数据覆盖 coverage 2024" in table and "示意数据" in table


# --------------------------------------------------------------------------------------- hostile text
@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small graph (no demo) whose institution's name starts like a formula."""
    home = tmp_path_factory.mktemp("takeaway-hostile")
    data = home / "data"
    data.mkdir()
    files = {
        "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n",
        "institutions.csv": _csv([["id", "name", "city_code", "level", "ownership"],
                                  ["4141099991", FORMULA, "411000", "高职专科", "公办"]]),
        "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                        "4141099991,460701,2024,900,300,0.95\n",
        "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n411000,2024,800,36,高职专科\n",
    }
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home), [data], demo=False)
    store.close()
    return home


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def test_hostile_names_stay_text(hostile_home: Path) -> None:
    data = json.loads(cli(hostile_home, "trains", "--industry", "36", "--format", "json").stdout)
    assert data["rows"][0]["institution_name"] == FORMULA
    _, tables = read_csv(cli(hostile_home, "trains", "--industry", "36", "--format", "csv").stdout_bytes)
    header, rows = tables[""]
    assert rows[0][header.index("院校")] == "'" + FORMULA  # OWASP: a leading quote, never a formula
    raw = cli(hostile_home, "trains", "--industry", "36", "--format", "xlsx").stdout_bytes
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb.worksheets[0]
    top = int(ws.freeze_panes[1:]) - 1
    col = [c.value for c in ws[top]].index("院校") + 1
    cell = ws.cell(row=top + 1, column=col)
    assert cell.value == FORMULA and cell.data_type == "s"
    settings = Settings(home=hostile_home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        r = c.get("/search?q=HYPERLINK&format=csv")
        _, tables = read_csv(r.content)
        header, rows = tables[""]
        assert [row[header.index("名称")] for row in rows] == ["'" + FORMULA]
        notes, _ = read_csv(r.content)
        assert ILLUSTRATIVE_NOTE not in notes  # the user's own data: no illustrative note


def test_writers_never_write_formulas_nor_zero_for_missing() -> None:
    tab = Tabular("=标题", [Sheet("表[1]", [Column("a", "=甲"), Column("n", "数（人）", "int")],
                                  [{"a": "@SUM(A1)", "n": None}, {"a": "-1+2", "n": 0}])], notes=["+注"])
    notes, tables = read_csv(to_csv(tab))
    assert notes == ["=标题", "+注"]  # behind "# ": not a formula
    assert tables[""] == (["'=甲", "数（人）"], [["'@SUM(A1)", ""], ["'-1+2", "0"]])
    wb, sheets = read_xlsx(to_xlsx(tab))
    assert wb.sheetnames == ["表_1_", "说明"]
    assert sheets["表_1_"] == (["=甲", "数（人）"], [["@SUM(A1)", None], ["-1+2", 0]])
    ws = wb.worksheets[0]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_control_characters_in_the_users_text_are_shown_not_written_raw() -> None:
    """A search for text with control characters (schemathesis sends them) gives files that open: the xlsx
    cannot hold them at all (openpyxl refuses; document properties and sheet names included), so both files show
    them as \\xNN — the same text in both."""
    import openpyxl

    from iekg.takeaway.tabular import Column, Sheet, Tabular
    from iekg.takeaway.writers import to_csv, to_xlsx

    tab = Tabular("搜索 a\x01b", [Sheet("表\x02", [Column("a", "名称\x03")], [{"a": "v\x04"}, {"a": "=1+1"}])],
                  ["说明\x05"], False)
    text = to_csv(tab).decode("utf-8-sig")
    assert "\\x01" in text and "v\\x04" in text and "'=1+1" in text and "\x04" not in text
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(tab)))
    ws = wb.worksheets[0]
    assert ws.title == "表_x02" and ws["A1"].value == "搜索 a\\x01b"  # (no backslash in a sheet name)
    assert wb.properties.title == "搜索 a\\x01b"
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "v\\x04" in values and "=1+1" in values  # text, never a formula


def test_dash_as_output_is_stdout(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o -`` writes to stdout, as Unix tools read it — never a file called "-"."""
    monkeypatch.chdir(tmp_path)
    r = cli(home, "align", "--city", "410200", "--format", "csv", "-o", "-")
    assert r.stdout.lstrip("\ufeff").startswith("# 开封市") and not (tmp_path / "-").exists()
