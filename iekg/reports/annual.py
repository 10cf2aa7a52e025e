"""The annual supply–demand report (年度产教供需分析报告, issue 22): the tables and charts people take away, in
one A4 Word document with its data-coverage section — the report Chinese 供需对接 platforms publish each year,
made from the graph.

Every table is the same :class:`~iekg.takeaway.tabular.Tabular` the CSV/xlsx downloads hand out (so the
report and the downloads never disagree), every chart the same Vega-Lite chart ``iekg chart`` exports (PNG with
its CJK text).  A figure without data is written 无数据, never 0; illustrative data is said on the title page
and under every table and chart that shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from iekg import __version__
from iekg.reports.docx import DOCX_FONTS, _docx_font, a4_document, add_table
from iekg.takeaway.tabular import ILLUSTRATIVE_NOTE, Sheet, Tabular

NO_DATA = "无数据"
TABLE_PT = 10.5  # 五号: the report's tables hold more columns than the drafts' (小四)
CHART_WIDTH_MM = 150
MAX_TABLE_ROWS = 60  # a table longer than this is cut in the report (said under it); the xlsx has every row


YEAR_KEYS = {"year", "from"}  # years are written as years (2024), not as counts (2,024)


def cell_text(v: Any, kind: str, key: str = "") -> str:
    """A table cell as the report prints it: None → 无数据; counts whole; persons one decimal; ratios four
    decimals; shares as percentages; years as they are."""
    if v is None or (isinstance(v, float) and v != v):
        return NO_DATA if kind != "text" else ""
    if kind == "text" or isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if key in YEAR_KEYS:
        return str(int(v))
    if kind == "int":
        return f"{v:,.0f}"
    if kind == "num":
        return f"{v:,.1f}"
    if kind == "pct":
        return f"{v * 100:.1f}%"
    return f"{v:.4f}"


def sheet_cells(sheet: Sheet, limit: int = MAX_TABLE_ROWS) -> tuple[list[list[str]], list[str]]:
    """A sheet's header and (at most ``limit``) body rows as text, and each column's alignment."""
    head = [c.header for c in sheet.columns]
    body = [[cell_text(r.get(c.key), c.kind, c.key) for c in sheet.columns] for r in list(sheet.rows)[:limit]]
    aligns = ["left" if c.kind == "text" else "right" for c in sheet.columns]
    return [head, *body], aligns


class ReportWriter:
    """A thin layer over python-docx for the report: headings, paragraphs, notes, tables from sheets, charts."""

    def __init__(self) -> None:
        self.doc = a4_document()
        self.tables = 0
        self.figures = 0
        self.rows: list[list[str]] = []  # every body row written, for the caller's check

    def title(self, text: str) -> None:
        self.doc.add_heading(text, level=0)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str) -> None:
        self.doc.add_paragraph(text)

    def note(self, text: str, *, strong: bool = False) -> None:
        """A small unindented line (a note under a table, the illustrative warning)."""
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = 0
        _docx_font(p.add_run(text), DOCX_FONTS["h2"], 12, bold=strong)

    def sheet(self, sheet: Sheet, caption: str, *, illustrative: bool) -> None:
        """A table with its caption (表n …) above it; cut to :data:`MAX_TABLE_ROWS` rows with a note."""
        self.tables += 1
        self.note(f"表{self.tables}　{caption}", strong=True)
        if not sheet.rows:
            self.note("（无数据）")
            return
        cells, aligns = sheet_cells(sheet)
        add_table(self.doc, cells, aligns, size=TABLE_PT)
        self.rows.extend(cells[1:])
        if len(sheet.rows) > MAX_TABLE_ROWS:
            self.note(f"（仅列前 {MAX_TABLE_ROWS} 行，共 {len(sheet.rows)} 行；完整数据见同名 xlsx 下载）")
        if illustrative:
            self.note(ILLUSTRATIVE_NOTE)

    def chart(self, png: bytes, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # type: ignore[import-not-found,import-untyped,unused-ignore]
        from docx.shared import Mm  # type: ignore[import-not-found,import-untyped,unused-ignore]

        self.figures += 1
        self.doc.add_picture(BytesIO(png), width=Mm(CHART_WIDTH_MM))
        fmt = self.doc.paragraphs[-1].paragraph_format  # the body's fixed 28 pt lines would clip the picture
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.first_line_indent = 0
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.note(f"图{self.figures}　{caption}", strong=True)

    def save(self, path: Path) -> Path:
        self.doc.save(str(path))
        return path


def _notes(tab: Tabular, writer: ReportWriter) -> None:
    for line in tab.notes:
        if line != ILLUSTRATIVE_NOTE:
            writer.note(line)


def _chart(writer: ReportWriter, build: Callable[[], dict[str, Any]], caption: str, skipped: list[str]) -> None:
    """A chart when the charting library can render it; otherwise the report says which chart is missing."""
    try:
        from iekg.charts.render import to_png

        writer.chart(to_png(build()), caption)
    except (ImportError, RuntimeError, ValueError) as exc:  # no renderer here: say so in the report, not silence
        skipped.append(f"{caption}（{type(exc).__name__}）")


Chart = tuple[Callable[[], dict[str, Any]], str]  # builds a Vega-Lite spec; its caption's words after the title


def write_annual_report(sections: Sequence[tuple[str, Tabular, Chart | None]], *,
                        title: str, coverage: Sequence[str], illustrative: bool, path: str | Path,
                        today: dt.date | None = None, method: Sequence[str] = ()) -> dict[str, Any]:
    """Write the report: a title page line, 数据覆盖, then one part per section (its table(s), its chart), then
    口径说明.

    Parameters
    ----------
    sections : sequence of (heading, Tabular, (chart builder, caption words) or None)
        The parts in order; a chart builder returns a Vega-Lite spec.
    title : str
        The report's title.
    coverage : sequence of str
        The data-coverage lines (what the figures rest on, partial years).
    illustrative : bool
        The figures rest on illustrative data: said on the first page and under each table.
    path : str or Path
        The .docx to write.
    today : date, optional
        The date printed as the report's date.
    method : sequence of str
        Lines of 口径说明 (definitions, thresholds labelled as the tool's).

    Returns
    -------
    dict
        ``path``, ``tables``, ``figures``, ``rows`` (body rows written), ``skipped_charts``.
    """
    today = today or dt.date.today()
    w = ReportWriter()
    w.title(title)
    w.note(f"iekg {__version__} 根据知识图谱生成 · {today.year}年{today.month}月{today.day}日")
    if illustrative:
        w.note(ILLUSTRATIVE_NOTE, strong=True)
    w.heading("一、数据覆盖")
    for line in coverage or ["（无覆盖信息）"]:
        w.para(line)
    skipped: list[str] = []
    numerals = "二三四五六七八九十"
    for k, (heading, tab, chart) in enumerate(sections):
        w.heading(f"{numerals[k] if k < len(numerals) else k + 2}、{heading}")
        for sheet in tab.sheets[:2]:
            w.sheet(sheet, f"{tab.title} — {sheet.name}", illustrative=illustrative)
        _notes(tab, w)
        if chart is not None:
            _chart(w, chart[0], f"{tab.title}{chart[1]}", skipped)
    w.heading(f"{numerals[len(sections)] if len(sections) < len(numerals) else ''}、口径说明")
    for line in method:
        w.para(line)
    if skipped:
        w.note("未能生成的图表：" + "；".join(skipped))
    out = w.save(Path(path))
    return {"path": str(out), "tables": w.tables, "figures": w.figures, "rows": w.rows,
            "skipped_charts": skipped}
