"""Everything a user hands us is text, in every output (issue 12, item 3): spreadsheet cells never become
formulas, Markdown and Word keep markup as text and a line break inside its paragraph or cell, the
terminal gets no escape sequence or rich markup.  The Markdown is rendered with a standard CommonMark
renderer (markdown-it-py, raw HTML allowed as GitHub/Typora do) and opened in headless Chromium."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from servers import chromium
from typer.testing import CliRunner

from iekg import reports, service, textsafe
from iekg.cli import app as cli_app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.settings import Settings

CITY = "411000"
FORMULA = '=HYPERLINK("http://evil.example/","点击")'
PREFIXED = [FORMULA, "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
SCRIPT = '<script>document.title="pwned"</script>'
IMG = '<img src="x" onerror="document.title=\'pwned\'">'
LINK = "[点我](javascript:document.title='pwned')"
HEADING = "第一行\n# 注入标题\n第三行"
PIPE = "甲 | 乙 | 丙"
PROBLEMS = [FORMULA, SCRIPT + "脚本问题", IMG + "图片问题", LINK, HEADING, "![x](http://evil.example/x.png)图像"]
MEASURES = [PIPE, SCRIPT + "举措", "第一段\n## 二级标题注入\n- 列表注入"]


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


SMALL = {
    "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n4141099991,测试职业技术学院,411000,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460701,2024,900,300,0.95\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n411000,2024,800,36,高职专科\n",
    "problems.csv": _csv([["city_code", "seq", "problem", "deadline"],
                          *[[CITY, str(k), p, "2025年底"] for k, p in enumerate(PROBLEMS, 1)]]),
    "measures.csv": _csv([["city_code", "seq", "content", "agency", "deadline"],
                          *[[CITY, str(k), m, "许昌市教育局", "2025年"] for k, m in enumerate(MEASURES, 1)]]),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A graph of one city whose own problem and measure lists are hostile text, loaded by `iekg build`."""
    home = tmp_path_factory.mktemp("hostile")
    data = home / "data"
    data.mkdir()
    for name, text in SMALL.items():
        (data / name).write_text(text, encoding="utf-8")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home), [data], demo=False)
    return store


# ------------------------------------------------------------------------------------ spreadsheets
def _rows(texts: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows1 = [{"序号": k, "主要问题": t, "解决时限": t, "来源": "city", "gaps": [], "node": f"Problem:{k}"}
             for k, t in enumerate(texts, 1)]
    rows2 = [{"序号": k, "政策内容": t, "责任部门": t, "完成时限": "2025年", "来源": "city", "gaps": [],
              "node": f"Measure:{k}"} for k, t in enumerate(texts, 1)]
    return rows1, rows2


def test_xlsx_cells_never_become_formulas(tmp_path: Path) -> None:
    texts = [*PREFIXED, "#N/A", "普通文字"]
    rows1, rows2 = _rows(texts)
    out = reports.write_attachments_xlsx(rows1, rows2, tmp_path / "a.xlsx", city_name="许昌市", illustrative=False)
    wb = openpyxl.load_workbook(out)
    for sheet, cols in ((reports.SHEET1, (2, 3)), (reports.SHEET2, (2, 3))):
        ws = wb[sheet]
        for k, t in enumerate(texts):
            for col in cols:
                c = ws.cell(row=reports.HEADER_ROW + 1 + k, column=col)
                assert c.data_type == "s", (sheet, t, c.data_type)  # text, never "f" (formula) or "e" (error)
                assert c.value == t  # the text exactly as the user wrote it
                if textsafe.is_formula_like(t):
                    assert c.quotePrefix  # Excel keeps it text even when the cell is edited
    # the raw XML has no <f> element at all
    import zipfile

    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_exported_attachments_from_imported_data_hold_no_formula(hostile: Store, tmp_path: Path) -> None:
    """The reported case: a problem text =HYPERLINK(...) imported as data, then `export attachments`."""
    res = reports.export_attachments(hostile, CITY, tmp_path / "att.xlsx")
    ws = openpyxl.load_workbook(res["path"])[reports.SHEET1]
    cells = [ws.cell(row=r, column=2) for r in range(reports.HEADER_ROW + 1, ws.max_row + 1)]
    hit = [c for c in cells if c.value == FORMULA]
    assert hit and all(c.data_type == "s" for c in hit)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_csv_cells_get_the_quote_prefix() -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([[textsafe.csv_cell(t), textsafe.csv_cell(5), textsafe.csv_cell(-5)] for t in PREFIXED])
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    for t, row in zip(PREFIXED, back, strict=True):
        assert row[0] == "'" + t  # OWASP: a leading single quote; the text itself unchanged
        assert row[1:] == ["5", "-5"]  # numbers stay numbers
    assert textsafe.csv_cell("普通") == "普通" and textsafe.csv_cell("a=b") == "a=b"


# --------------------------------------------------------------------------------------- Markdown
def _render(md: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def test_md_text_rules() -> None:
    for t in [SCRIPT, IMG, LINK, HEADING, PIPE, "1. 不是列表", "> 不是引用", "- 不是列表", "a\\b", "`code`", "**粗体**"]:
        md = textsafe.md_text(t)
        assert "\n" not in md
        assert textsafe.md_plain(md) == t  # the Word writer gets the text back exactly
        html = _render(md)
        assert "<script" not in html and "<img" not in html and "<a " not in html and "<h" not in html
        assert "<ul" not in html and "<ol" not in html and "<blockquote" not in html and "<strong" not in html
        assert "<code" not in html
    assert _render(textsafe.md_text(HEADING)).count("<br") == 2


def test_plan_markdown_shows_markup_as_text(hostile: Store) -> None:
    md = reports.plan_markdown(hostile, CITY)
    html = _render(md)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown, as text
    headings = re.findall(r"<h([1-6])>(.*?)</h\1>", html, re.S)
    assert sum(1 for level, _ in headings if level == "1") == 1  # only the plan's own title
    assert not [h for _, h in headings if "注入" in h]
    assert "注入标题" in html and "二级标题注入" in html and "列表注入" in html  # still there, as text
    # the measure with pipes stays one table cell: every row of the policy table has its 5 cells (with 对应问题序号)
    table = next(t for t in re.findall(r"<table>.*?</table>", html, re.S) if "政策内容" in t)
    assert all(len(re.findall(r"<t[dh]", tr)) == 5 for tr in re.findall(r"<tr>.*?</tr>", table, re.S))
    assert any("甲 | 乙 | 丙" in td for td in re.findall(r"<td>(.*?)</td>", table, re.S))


@pytest.mark.browser
def test_rendered_plan_runs_no_script_in_chromium(hostile: Store, tmp_path: Path) -> None:
    page_file = tmp_path / "plan.html"
    page_file.write_text('<!doctype html><html><head><meta charset="utf-8"><title>plan</title></head><body>'
                         + _render(reports.plan_markdown(hostile, CITY)) + "</body></html>", encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_timeout(300)
        assert page.title() == "plan" and not dialogs  # no planted script ran
        assert page.locator("script").count() == 0 and page.locator("img").count() == 0
        assert page.locator("a").count() == 0
        text = page.inner_text("body")
        assert SCRIPT in text and "注入标题" in text and "甲 | 乙 | 丙" in text
        assert page.locator("h1").count() == 1
        assert page.locator("h1, h2, h3, h4", has_text="注入").count() == 0


# -------------------------------------------------------------------------------------------- Word
def test_docx_keeps_line_breaks_in_their_paragraph(hostile: Store, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    written = reports.write_plan(hostile, CITY, tmp_path / "plan.md")
    doc = docx.Document(str(next(p for p in written if p.suffix == ".docx")))
    paragraphs = doc.paragraphs
    titles = [p for p in paragraphs if p.style.name == "Title"]
    assert len(titles) == 1 and "注入" not in titles[0].text
    assert not [p for p in paragraphs if p.style.name.startswith(("Title", "Heading")) and "注入" in p.text]
    first = [p for p in paragraphs if "第一行" in p.text]
    assert len(first) == 1 and "注入标题" in first[0].text and "第三行" in first[0].text  # one paragraph
    assert "# 注入标题" in first[0].text  # the user's text as typed (a line break inside, or folded)
    assert [p for p in paragraphs if SCRIPT in p.text]  # markup comes back as the text it was
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "甲 | 乙 | 丙" in cells  # one cell, not three
    assert any("第一段" in c and "## 二级标题注入" in c and "- 列表注入" in c for c in cells)  # one cell


def test_docx_line_break_direct(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    md = "# 标题\n\n1. " + textsafe.md_text(HEADING) + "\n\n| 甲 | 乙 |\n| --- | --- |\n| " + \
        textsafe.md_cell("上\n下|中") + " | x |\n"
    out = reports.markdown_to_docx(md, tmp_path / "d.docx")
    assert out is not None
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert "1. " + HEADING in texts  # the newline is a break inside the one paragraph
    assert sum(1 for p in doc.paragraphs if p.style.name == "Title") == 1
    assert doc.tables[0].cell(1, 0).text == "上\n下|中"


# ---------------------------------------------------------------------------------------- terminal
def test_terminal_output_has_no_escape_sequences(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    store = SqliteStore(home / "graph.sqlite")
    changes = ChangeSet()
    name = "\x1b[31m红色\x1b[0m[bold red]粗[/bold red]\x9b2J\u202e反向"
    changes.add_node("Enterprise", "T-HOSTILE-1", {"id": "T-HOSTILE-1", "name": name, "city_code": CITY,
                                                   "source_kind": "user", "note": "x\x07y\x08z"})
    changes.add_node("Enterprise", "T-[bold]H[/bold]-2", {"name": "方括号企业", "source_kind": "user"})
    store.apply(changes)
    runner = CliRunner()
    for args in (["show", "T-HOSTILE-1"], ["search", "红色"], ["show", "Enterprise:T-HOSTILE-1"]):
        r = runner.invoke(cli_app, ["--home", str(home), *args])  # type: ignore[arg-type]
        assert r.exit_code == 0, r.output
        out = r.output
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out), repr(out)
        assert "\\x1b[31m" in out and "[bold red]粗[/bold red]" in out  # shown literally
    r = runner.invoke(cli_app, ["--home", str(home), "show", "T-[bold]H[/bold]-2"])  # type: ignore[arg-type]
    assert r.exit_code == 0 and "Enterprise:T-[bold]H[/bold]-2" in r.output  # the table title, literally
    assert textsafe.terminal("a\tb\nc\x1bd") == "a\tb\nc\\x1bd"
