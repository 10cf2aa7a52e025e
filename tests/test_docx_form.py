"""The form of a 公文 (issue 21, point 5): one date form per 时限 column (``2025年12月``, never mixed with
``2025年底`` or ``2025-12``), one name per department (``市发展改革委`` and ``开封市发展改革委`` → one), Word
tables with set column widths (序号 narrow, 政策内容 wide), right-aligned numbers and rows kept on one page,
no ``nan`` / ``None`` / ``（）`` placeholders — and the Word file, turned into a PDF by LibreOffice, read back
with poppler: every table row on one readable page, no page holding a lone fragment.

The PDF check needs LibreOffice (``soffice``) and poppler (``pdftotext``, ``pdftoppm``): skipped without them,
a failure under ``CI`` (``scripts/ci-deps`` installs them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import demo_copy

from iekg import reports
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.scope import located_in
from iekg.reports.docx import TEXT_WIDTH_MM, column_widths
from iekg.reports.rules import canonical_agency
from iekg.reports.wording import deadline_text, md_table

KAIFENG = "410200"
TODAY = date(2026, 12, 6)
DATE_CELL = re.compile(r"^20\d\d年(?:[1-9]|1[0-2])月(?:（(?:已逾期|本月到期)）)?$")
PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:nan|NaN|None|null)(?![A-Za-z])|（\s*）|\(\s*\)")
MM_PER_TWIP = 25.4 / 1440


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Store:
    """开封 of the demo with its own rows written as people write them — deadlines 2025年底, 2025-12,
    2026.6, a department as 市发展改革委 — and its enterprises' chain segments without a role."""
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("form_demo")) / "graph.sqlite")
    cs = ChangeSet()
    cs.add_node("Measure", f"{KAIFENG}-1", {"agency": "市发展改革委、开封市教育局", "deadline": "2027年底"})
    cs.add_node("Measure", f"{KAIFENG}-2", {"agency": "开封市发展改革委、市人社局", "deadline": "2027-12"})
    cs.add_node("Measure", f"{KAIFENG}-3", {"deadline": "2028.6"})
    cs.add_node("Problem", f"{KAIFENG}-1", {"deadline": "2027年底"})
    cs.add_node("Problem", f"{KAIFENG}-2", {"deadline": "2028-06"})
    ents = located_in(s, "Enterprise", cities=[KAIFENG])["id"].tolist()
    seg = s.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", src_ids=ents)
    assert len(seg) > 3
    for a, b in zip(seg["src"], seg["dst"], strict=True):  # a segment without its position / role
        cs.add_rel("IN_SEGMENT", f"Enterprise:{a}", f"ChainSegment:{b}", {})
    s.apply(cs)
    return s


@pytest.fixture(scope="module")
def plan(store: Store) -> str:
    return reports.plan_markdown(store, KAIFENG, today=TODAY)


@pytest.fixture(scope="module")
def plan_docx(plan: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("docx")
    path = reports.markdown_to_docx(plan, tmp_path_factory.mktemp("form_docx") / "plan.docx")
    assert path is not None
    return path


def _docx_text(path: Path) -> tuple[list[str], list[Any]]:
    import docx

    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs], d.tables


# ---------------------------------------------------------------------------------------- dates and names
def test_deadline_text() -> None:
    assert [deadline_text(x) for x in ("2025年底", "2025-12", "2025.6", "2025/06/30", "2025年6月30日", "2025年",
                                       "2025年12月前", "2025年 12 月", "长期", None, float("nan"))] == \
        ["2025年12月", "2025年12月", "2025年6月", "2025年6月", "2025年6月", "2025年12月", "2025年12月前", "2025年12月",
         "长期", "", ""]


def test_one_name_per_department() -> None:
    for written in ("市发展改革委", "漯河市发展改革委", "漯河发改委", "发展和改革委员会", "市发展和改革委员会"):
        assert canonical_agency(written, "漯河市") == "漯河市发展改革委", written
    assert canonical_agency("市人社局", "漯河市") == "漯河市人力资源社会保障局"
    assert canonical_agency("团市委", "漯河市") == "团市委"  # not a department of the table: as written


def test_attachments_one_date_form_and_one_agency_name(store: Store, tmp_path: Path) -> None:
    res = reports.export_attachments(store, KAIFENG, tmp_path / "a.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(res["path"])
    ws1, ws2 = wb.worksheets[0], wb.worksheets[1]
    rows1 = [r for r in ws1.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)]
    rows2 = [r for r in ws2.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True) if isinstance(r[0], int)]
    assert len(rows1) >= 6 and len(rows2) >= 7
    for r in rows1:
        assert DATE_CELL.match(str(r[2])), r
    for r in rows2:
        assert DATE_CELL.match(str(r[3])), r
    # the own rows as written 2027年底 / 2027-12 / 2028.6 / 2028-06, in the one form
    assert rows1[0][2] == "2027年12月" and rows1[1][2] == "2028年6月"
    assert (rows2[0][3], rows2[1][3], rows2[2][3]) == ("2027年12月", "2027年12月", "2028年6月")
    # one name per department, with the city's full name, own rows and drafted rows alike
    agencies = [a for r in rows2 for a in str(r[2]).split("、")]
    assert all(a.startswith("开封市") for a in agencies), agencies
    assert rows2[0][2] == "开封市发展改革委、开封市教育局"
    assert rows2[1][2] == "开封市发展改革委、开封市人力资源社会保障局"
    assert "市发展改革委" not in [a.removeprefix("开封") for a in agencies if not a.startswith("开封市")]


def test_plan_one_date_form(plan: str) -> None:
    deadlines = re.findall(r"(?:解决时限|完成时限)：([^，；）]+)", plan)
    assert len(deadlines) >= 10
    assert all(re.fullmatch(r"20\d\d年\d{1,2}月", d) for d in deadlines), deadlines
    assert "年底" not in plan and not re.search(r"20\d\d-\d\d(?!-\d)", plan.split("## 一、")[1])


# --------------------------------------------------------------------------------------------- placeholders
def test_no_placeholders(plan: str, plan_docx: Path) -> None:
    body = plan.split("\n", 1)[1]
    assert not PLACEHOLDER.search(body), PLACEHOLDER.search(body)
    paragraphs, tables = _docx_text(plan_docx)
    cells = [c.text for t in tables for row in t.rows for c in row.cells]
    for text in paragraphs + cells:
        assert not PLACEHOLDER.search(text), text
    # the enterprise table: a segment without a position is named without brackets, never （nan）
    ent = next(t for t in tables if t.rows[0].cells[0].text == "企业")
    segs = [row.cells[2].text for row in ent.rows[1:]]
    assert segs and all("／" in s or s == "—" for s in segs), segs
    assert not any(re.search(r"（(?:nan|None|\s*)）|（(?:链主|配套)）$", s) for s in segs), segs
    # a NaN or None handed to a table comes out as —
    assert md_table(("a", "b"), [(float("nan"), None)])[2] == "| — | — |"


# ------------------------------------------------------------------------------------------- docx tables
def _grid_mm(table: Any) -> list[float]:
    from docx.oxml.ns import qn

    return [int(c.get(qn("w:w"))) * MM_PER_TWIP for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def _align(cell: Any) -> str | None:
    from docx.oxml.ns import qn

    jc = cell.paragraphs[0]._p.find(f"{qn('w:pPr')}/{qn('w:jc')}")
    return None if jc is None else jc.get(qn("w:val"))


def test_docx_tables_have_set_widths_alignment_and_unsplit_rows(plan_docx: Path) -> None:
    from docx.oxml.ns import qn

    _, tables = _docx_text(plan_docx)
    assert len(tables) >= 5
    for t in tables:
        grid = _grid_mm(t)
        assert abs(sum(grid) - TEXT_WIDTH_MM) < 1.0, grid  # the text width of the page, 156 mm
        assert t._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        for k, row in enumerate(t.rows):
            tr_pr = row._tr.trPr
            assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None  # never split across pages
            assert (tr_pr.find(qn("w:tblHeader")) is not None) == (k == 0)  # the header repeats on every page
            for cell, w in zip(row.cells, grid, strict=True):
                assert abs(int(cell._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) * MM_PER_TWIP - w) < 0.1
    policy = next(t for t in tables if [c.text for c in t.rows[0].cells][:2] == ["序号", "政策内容"])
    g = _grid_mm(policy)
    head = [c.text for c in policy.rows[0].cells]
    assert head == ["序号", "政策内容", "责任部门", "完成时限", "对应问题序号"]
    assert g[0] < 15 and g[1] == max(g) and g[1] > 55, g  # 序号 narrow, 政策内容 wide
    assert g[1] > 4 * g[0]
    assert {_align(r.cells[0]) for r in policy.rows[1:]} == {"center"}  # 序号
    assert {_align(r.cells[4]) for r in policy.rows[1:]} == {"right"}  # 对应问题序号, numbers
    assert {_align(r.cells[1]) for r in policy.rows[1:]} == {"left"}
    ent = next(t for t in tables if t.rows[0].cells[0].text == "企业")
    assert [c.text for c in ent.rows[0].cells][3] == "从业人员"
    assert {_align(r.cells[3]) for r in ent.rows[1:]} == {"right"}  # 从业人员 figures right-aligned


def test_column_widths_rule() -> None:
    w = column_widths([["序号", "政策内容", "责任部门", "完成时限"],
                       ["1", "扩大" * 40, "开封市教育局、开封市人力资源社会保障局", "2027年12月"]])
    assert abs(sum(w) - TEXT_WIDTH_MM) < 1e-6
    assert w[0] < 15 and w[3] < 35 and w[1] > w[2] >= 30
    # all cells short: each at least two characters wide, none set one character a line
    w = column_widths([["重点产业链", "级别", "环节数", "建议"], ["冷链食品", "主导", "3", "建议优先培育"]])
    assert abs(sum(w) - TEXT_WIDTH_MM) < 1e-6 and min(w) > 2 * 4.6


# ------------------------------------------------------------------------------------- the PDF, read back
def _tools() -> None:
    missing = [t for t in ("soffice", "pdftotext", "pdftoppm", "pdfinfo") if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing under CI (scripts/ci-deps installs LibreOffice and poppler)")
        pytest.skip(f"{', '.join(missing)} not installed")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _pdf_pages(docx_path: Path, out: Path) -> tuple[Path, list[str], list[str]]:
    """The Word file as a PDF (LibreOffice) and its pages' text (poppler): squashed (no white space, reading
    order) and laid out (``-layout``)."""
    _tools()
    profile = out / "lo-profile"  # a profile of its own: no clash with another soffice
    run = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(out), str(docx_path)], capture_output=True, text=True, timeout=240)
    pdf = out / (docx_path.stem + ".pdf")
    assert run.returncode == 0 and pdf.is_file(), run.stderr
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                         check=True).stdout).group(1))  # type: ignore[union-attr]
    pages = [_squash(subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout) for p in range(1, n + 1)]
    layout = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout for p in range(1, n + 1)]
    return pdf, pages, layout


def _found(frag: str, text: str) -> bool:
    """A cell's two first or last characters on a page: together, or wrapped apart with other cells' text
    between them in the page's text."""
    return frag in text or re.search(re.escape(frag[0]) + ".{0,60}?" + re.escape(frag[1:]), text) is not None


def _rows_not_on_one_page(tables: list[Any], pages: list[str]) -> list[list[str]]:
    """The table rows whose cells' starts and ends are not all on one page (a row split, or lost)."""
    bad = []
    for t in tables:
        for row in t.rows:
            frags = {f for c in row.cells if (x := _squash(c.text)) for f in (x[:2], x[-2:])}
            if not any(all(_found(f, text) for f in frags) for text in pages):
                bad.append([c.text for c in row.cells])
    return bad


def test_pdf_keeps_every_table_row_on_a_readable_page(plan_docx: Path, tmp_path: Path) -> None:
    pdf, pages, layout = _pdf_pages(plan_docx, tmp_path)
    n = len(pages)
    assert n >= 5
    # no page holding a lone fragment: besides its page number (— 3 —), each page has real text
    for p, text in enumerate(layout, 1):
        body = _squash(re.sub(r"—\s*\d+\s*—", "", text))
        assert len(body) >= 40, (p, body)
        assert re.search(rf"—\s*{p}\s*—", text), p  # the page number of a 公文
    # every row of every table on one page: the start and the end of each of its cells on the same page
    _, tables = _docx_text(plan_docx)
    assert sum(len(t.rows) for t in tables) >= 30
    assert _rows_not_on_one_page(tables, pages) == []
    # and every page renders as an A4 portrait image
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == n
    from PIL import Image

    for img in images:
        with Image.open(img) as im:
            w, h = im.size
            assert abs(w / h - 210 / 297) < 0.01, (img.name, w, h)
            assert im.convert("L").getextrema()[0] < 128  # something is printed on it


def test_the_pdf_check_sees_a_split_row(tmp_path: Path) -> None:
    """The check above is not vacuous: the same tall rows, once allowed to break across pages (no
    w:cantSplit), are found split; kept whole, none is."""
    pytest.importorskip("docx")
    _tools()
    import docx
    from docx.oxml.ns import qn

    def mark(k: int) -> str:  # two characters no other row has
        return chr(0x4E00 + 40 * k) + chr(0x4E01 + 40 * k)

    body = "围绕重点产业链扩大紧缺专业招生规模，推动校企共建实训基地" * 6
    rows = [(str(k), mark(k) + body + mark(k + 20), "开封市教育局", "2027年12月") for k in range(1, 19)]
    text = "\n".join(["# 表格跨页测试", ""] + md_table(("序号", "政策内容", "责任部门", "完成时限"), rows, "rlll"))
    kept = reports.markdown_to_docx(text, tmp_path / "kept.docx")
    assert kept is not None
    _, pages, _ = _pdf_pages(kept, tmp_path)
    assert len(pages) >= 2 and _rows_not_on_one_page(_docx_text(kept)[1], pages) == []
    d = docx.Document(str(kept))
    for el in list(d.element.body.iter(qn("w:cantSplit"))):
        el.getparent().remove(el)
    d.save(str(tmp_path / "split.docx"))
    _, pages, _ = _pdf_pages(tmp_path / "split.docx", tmp_path)
    assert _rows_not_on_one_page(d.tables, pages) != []
