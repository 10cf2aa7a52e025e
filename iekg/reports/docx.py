"""The plan's Markdown as a Word document: an A4 公文 after GB/T 9704-2012 (python-docx, when installed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from iekg import textsafe

# The plan's Word layout: A4 公文 after GB/T 9704-2012 (page margins, 三号 仿宋_GB2312 body, 黑体 level-1 and
# 楷体 level-2 headings, 二号 小标宋 title, page numbers in the footer).  The fonts are named as 公文 use them;
# a machine without them substitutes its own (the East-Asian name is set through w:eastAsia).
DOCX_FONTS = {"body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312", "title": "方正小标宋简体", "page": "宋体"}
DOCX_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _docx_font(element: Any, east: str, size: float | None = None, *, bold: bool | None = None) -> None:
    """Set a style's or run's font: ``east`` for East-Asian text (w:eastAsia) and for Latin text too."""
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.shared import Pt, RGBColor  # type: ignore[import-not-found,import-untyped,unused-ignore]

    element.font.name = east
    fonts = element.element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), east)
    if size is not None:
        element.font.size = Pt(size)
    if bold is not None:
        element.font.bold = bold
    element.font.color.rgb = RGBColor(0, 0, 0)


def _page_number_footer(section: Any) -> None:
    """A centred ``— PAGE —`` field in the footer (四号 宋体), as 公文 number their pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml import OxmlElement  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = 0

    def run(text: str = "") -> Any:
        r = para.add_run(text)
        _docx_font(r, DOCX_FONTS["page"], 14)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text or ""
    run(" —")


# Tables: the text width of the page (A4 less the margins), the CJK width of a 小四 (12 pt) character and a
# cell's padding, in millimetres; a column whose cells are all short gets its own width, the others share the rest.
TEXT_WIDTH_MM = 210 - DOCX_MARGINS_MM["left"] - DOCX_MARGINS_MM["right"]
CHAR_MM, PAD_MM, SHORT_CHARS, MIN_WIDE_MM = 4.6, 5.0, 10.0, 30.0
_NUMBER = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?%?(?:[个人家所项条年]|万人|万元)?$")


def _text_width(s: str) -> float:
    """Width in CJK characters: a Latin letter, digit or sign is about half of one."""
    return sum(0.62 if ord(ch) < 0x2E80 else 1.0 for ch in s)


def column_widths(cells: list[list[str]], total: float = TEXT_WIDTH_MM, char_mm: float = CHAR_MM) -> list[float]:
    """Column widths (mm) of a table: a column whose body cells are short (序号, a number, a date) is as wide
    as its longest cell (and at least two characters of its header); the long-text columns (政策内容, 主要问题)
    share what is left by their text length, none narrower than :data:`MIN_WIDE_MM`.

    Parameters
    ----------
    cells : list of list of str
        The header row, then the body rows.
    total : float
        The table's width.
    char_mm : float
        The width of one CJK character of the table's type (:data:`CHAR_MM` for 小四, 12 pt).

    Returns
    -------
    list of float
    """
    n = len(cells[0])
    body = cells[1:] or [[""] * n]
    longest = [max(_text_width(r[j]) if j < len(r) else 0.0 for r in body) for j in range(n)]
    head = [_text_width(cells[0][j]) for j in range(n)]
    short = [longest[j] <= SHORT_CHARS for j in range(n)]
    # a short column: its longest cell, at least two characters and up to four of its header (a longer header
    # wraps) — so that no cell is set one character a line
    fixed = {j: max(longest[j], min(head[j], 4.0), 2.0) * char_mm + PAD_MM for j in range(n) if short[j]}
    if all(short):  # a table of short cells only: those widths, scaled to the text width
        return [fixed[j] * total / sum(fixed.values()) for j in range(n)]
    wide = [j for j in range(n) if not short[j]]
    room = total - sum(fixed.values())
    if wide and room < MIN_WIDE_MM * len(wide):  # too many short columns: shrink them to leave the text room
        scale = max(0.3, (total - MIN_WIDE_MM * len(wide)) / max(sum(fixed.values()), 1e-9))
        fixed = {j: w * scale for j, w in fixed.items()}
        room = total - sum(fixed.values())
    weight = {j: min(max(longest[j], head[j]), 80.0) for j in wide}
    floor: set[int] = set()  # long-text columns held at the minimum width; the others share the rest
    while True:
        share = room - MIN_WIDE_MM * len(floor)
        free = sum(w for j, w in weight.items() if j not in floor)
        low = {j for j in weight if j not in floor and share * weight[j] / free < MIN_WIDE_MM}
        if not low or len(floor | low) == len(weight):
            break
        floor |= low
    out = {j: MIN_WIDE_MM if j in floor else share * weight[j] / free for j in weight}
    return [fixed[j] if j in fixed else out[j] for j in range(n)]


def _column_aligns(separator: list[str], cells: list[list[str]]) -> list[str]:
    """``right`` for a column the Markdown marks ``---:`` or whose body cells are all numbers (or —),
    ``center`` for 序号, else ``left``."""
    out = []
    for j, sep in enumerate(separator):
        vals = [r[j] for r in cells[1:] if j < len(r) and r[j] not in ("", "—")]
        if cells[0][j] == "序号":
            out.append("center")
        elif sep.strip().endswith(":") or (vals and all(_NUMBER.match(v.replace(" ", "")) for v in vals)):
            out.append("right")
        else:
            out.append("left")
    return out


def _format_table(table: Any, widths: list[float], aligns: list[str]) -> None:
    """Fixed column widths (w:tblLayout fixed, w:gridCol and every cell's w:tcW), each row kept on one page
    (w:cantSplit), the header row repeated on every page (w:tblHeader), cells aligned by column."""
    from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml import OxmlElement  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.shared import Mm  # type: ignore[import-not-found,import-untyped,unused-ignore]

    table.autofit = False  # w:tblLayout fixed
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(int(Mm(sum(widths)).twips)))
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    how = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        keep = OxmlElement("w:cantSplit")  # a row is never broken across two pages
        keep.set(qn("w:val"), "true")
        tr_pr.append(keep)
        if i == 0:  # the header row repeats on every page
            rep = OxmlElement("w:tblHeader")
            rep.set(qn("w:val"), "true")
            tr_pr.append(rep)
        for j, cell in enumerate(row.cells):
            cell.width = Mm(widths[j])
            for para in cell.paragraphs:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER if i == 0 else how[aligns[j]]


def a4_document() -> Any:
    """A new python-docx document set up as an A4 公文 (:data:`DOCX_FONTS`, :data:`DOCX_MARGINS_MM`, page numbers):
    the drafts and the annual report start from it (python-docx must be installed)."""
    import docx  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.shared import Mm, Pt  # type: ignore[import-not-found,import-untyped,unused-ignore]

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(DOCX_MARGINS_MM["top"]), Mm(DOCX_MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(DOCX_MARGINS_MM["left"]), Mm(DOCX_MARGINS_MM["right"])
    sec.footer_distance = Mm(20)
    styles = doc.styles
    normal = styles["Normal"]
    _docx_font(normal, DOCX_FONTS["body"], 16)
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, font, size in (("Title", DOCX_FONTS["title"], 22), ("Heading 1", DOCX_FONTS["h1"], 16),
                             ("Heading 2", DOCX_FONTS["h2"], 16), ("Heading 3", DOCX_FONTS["h2"], 16)):
        st = styles[name]
        _docx_font(st, font, size, bold=False)
        st.font.italic = False
        st.paragraph_format.space_before = Pt(6 if name != "Title" else 0)
        st.paragraph_format.space_after = Pt(6 if name == "Title" else 0)
        st.paragraph_format.first_line_indent = 0 if name == "Title" else Pt(32)
        if name == "Title":
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            title_border = st.element.find(qn("w:pPr"))
            if title_border is not None:
                for b in title_border.findall(qn("w:pBdr")):
                    title_border.remove(b)
    _page_number_footer(sec)
    return doc


def add_table(doc: Any, cells: list[list[str]], aligns: list[str] | None = None, *, size: float = 12) -> Any:
    """A table (header row first) in body type of ``size`` points (小四, 12, by default) with set column widths
    (:func:`column_widths`), numbers
    right-aligned (``aligns``: left|right|center per column, default from the cells), no row split across pages
    and the header repeated on every page.  Cells are text, set as written."""
    n = len(cells[0])
    cells = [(list(r) + [""] * n)[:n] for r in cells]
    table = doc.add_table(rows=len(cells), cols=n)
    table.style = "Table Grid"
    for i, (row, tr) in enumerate(zip(cells, table.rows, strict=True)):  # row by row: table.cell(i, j) is
        for v, cell in zip(row, tr.cells, strict=True):  # O(cells) in python-docx, quadratic over a table
            cell.text = v
            for para in cell.paragraphs:
                para.paragraph_format.first_line_indent = 0
                para.paragraph_format.line_spacing = 1.0
                for r in para.runs:
                    _docx_font(r, DOCX_FONTS["body"], size, bold=i == 0)
    _format_table(table, column_widths(cells, char_mm=CHAR_MM * size / 12),
                  aligns or _column_aligns(["---"] * n, cells))
    return table


def markdown_to_docx(text: str, path: str | Path) -> Path | None:
    """Render the plan's simple Markdown (headings, paragraphs, lists, quotes, tables) with python-docx,
    as an A4 公文 (:data:`DOCX_FONTS`, :data:`DOCX_MARGINS_MM`, page numbers; tables with set column widths
    (:func:`column_widths`: 序号 narrow, 政策内容 wide), numbers right-aligned, no row split across pages and
    the header row repeated on every page).

    Parameters
    ----------
    text : str
        The Markdown (as :func:`~iekg.reports.plan.plan_markdown` writes it).
    path : str or Path
        The .docx to write.

    Returns
    -------
    Path or None
        The file written; None (and nothing written) when python-docx is not installed.
    """
    import importlib.util

    if importlib.util.find_spec("docx") is None:
        return None
    doc = a4_document()
    lines = text.split("\n")
    k = 0

    def plain(s: str) -> str:  # our bold and code marks go; user text (iekg.textsafe.md_text) comes back as typed
        return textsafe.md_plain(re.sub(r"(?<!\\)(\*\*|`)", "", s))

    while k < len(lines):
        line = lines[k]
        if line.startswith("|"):
            block = []
            while k < len(lines) and lines[k].startswith("|"):
                block.append(lines[k])
                k += 1
            cells = [[plain(c.strip()) for c in re.split(r"(?<!\\)\|", row.strip()[1:-1])] for row in block]
            separator = cells[1] if len(cells) > 1 else ["---"] * len(cells[0])
            cells = [cells[0]] + cells[2:]
            cells = [(r + [""] * len(cells[0]))[: len(cells[0])] for r in cells]
            add_table(doc, cells, _column_aligns(separator, cells))
            continue
        m = re.match(r"^(#{1,3}) (.*)$", line)
        if m:
            doc.add_heading(plain(m.group(2)), level=len(m.group(1)) - 1 if len(m.group(1)) > 1 else 0)
        elif line.startswith("> "):
            para = doc.add_paragraph()
            _docx_font(para.add_run(plain(line[2:])), DOCX_FONTS["h2"], 14)
        elif line.strip():
            doc.add_paragraph(plain(line))
        k += 1
    out = Path(path)
    doc.save(str(out))
    return out
