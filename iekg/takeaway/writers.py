"""A :class:`~iekg.takeaway.tabular.Tabular` as a file people open in Excel or WPS: CSV (UTF-8 with BOM) or xlsx.

Both carry the title and the notes (the illustrative note, data coverage, the source) in the file itself;
every text cell goes through :mod:`iekg.textsafe` (never a formula); figures are written as they are (no
rounding: the xlsx number formats only change how they show); ``None`` is an empty cell, never 0.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from iekg import textsafe
from iekg.takeaway.tabular import Column, Sheet, Tabular

NUMBER_FORMATS = {"int": "0", "num": "0.0", "ratio": "0.0000", "pct": "0.0%", "general": "General"}
NOTES_SHEET = "说明"
MAX_WIDTH = 60.0
MIN_WIDTH = 6.0


def _value(v: Any, kind: str) -> Any:
    """A cell's value: a figure as a number (bool and NaN are not figures), text as text, None as empty."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        return v
    if isinstance(v, list | tuple):
        return "、".join(str(x) for x in v if x is not None) or None
    if isinstance(v, Mapping):
        return "；".join(f"{k}={x}" for k, x in v.items()) or None
    if hasattr(v, "item"):  # a numpy scalar
        return _value(v.item(), kind)
    return str(v)


def _cells(sheet: Sheet) -> list[list[Any]]:
    return [[_value(row.get(c.key), c.kind) for c in sheet.columns] for row in sheet.rows]


# ------------------------------------------------------------------------------------------------ CSV
def _csv_value(v: Any) -> Any:
    """A figure as Python writes it (``repr``: every digit, read back to the same number), text made safe:
    never a formula, control characters shown as ``\\xNN`` (as in the xlsx, which cannot hold them)."""
    if isinstance(v, str):
        return textsafe.csv_cell(textsafe.visible_controls(v))
    return "" if v is None else textsafe.csv_cell(v)


def to_csv(tab: Tabular) -> bytes:
    """The answer as CSV: UTF-8 with BOM (so Excel reads the Chinese), CRLF rows.

    First the title and the notes, one per line, each starting with ``# ``; a blank line; the main sheet's
    header and rows; then each further sheet after a blank line, under a ``# 表：<name>`` line.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in [tab.title, *tab.notes]:
        w.writerow([_csv_value("# " + textsafe.text(line).replace("\n", " "))])
    for n, sheet in enumerate(tab.sheets):
        w.writerow([])
        if n:
            w.writerow([_csv_value(f"# 表：{sheet.name}")])
        w.writerow([_csv_value(c.header) for c in sheet.columns])
        for row in _cells(sheet):
            w.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ----------------------------------------------------------------------------------------------- xlsx
def _width(values: Sequence[Any]) -> float:
    """A column width from its content (wide CJK characters count double; the house measure of the
    attachments workbook)."""
    from iekg.reports.workbook import _text_units

    longest = max((max((_text_units(part) for part in str(v).split("\n")), default=0.0)
                   for v in values if v is not None), default=0.0)
    return min(MAX_WIDTH, max(MIN_WIDTH, longest + 2.0))


def _shown(v: Any, kind: str) -> str:
    """How a figure looks with its number format (for measuring the column)."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"int": f"{v:.0f}", "num": f"{v:.1f}", "ratio": f"{v:.4f}", "pct": f"{v * 100:.1f}%"}.get(kind, str(v))
    return "" if v is None else str(v)


def _exact(cell: Any, v: float) -> None:
    """Every digit of a float: openpyxl writes numbers with ``%.16g``, which can lose the 17th significant digit
    (1.7189655172413794 → 1.718965517241379, another number); where it would, the cell's number is written as
    Python's shortest exact form (``repr``), which Excel, WPS and openpyxl read back to the same number."""
    if float(f"{v:.16g}") != v:
        cell._value = repr(v)  # still a number cell (type n): only its text in the XML is exact


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in textsafe.visible_controls(name))[:31] or "表"
    out, n = base, 2
    while out in used:
        suffix = f"({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def _table(ws: Any, sheet: Sheet, top: int) -> None:
    """The header at row ``top`` (bold, frozen below it, auto-filter), the rows below it, number formats and
    column widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols: Sequence[Column] = sheet.columns
    cells = _cells(sheet)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9E1F2")
    for j, c in enumerate(cols, 1):
        cell = textsafe.xlsx_cell(ws, top, j, c.header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, values in enumerate(cells, top + 1):
        for j, (c, v) in enumerate(zip(cols, values, strict=True), 1):
            cell = textsafe.xlsx_cell(ws, i, j, v)
            if isinstance(v, float):
                _exact(cell, v)
            if c.kind in NUMBER_FORMATS and isinstance(v, int | float):
                cell.number_format = NUMBER_FORMATS[c.kind]
    for j, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = _width([c.header] + [_shown(r[j - 1], c.kind) for r in cells])
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    if cols:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(cols))}{top + max(len(cells), 1)}"


def to_xlsx(tab: Tabular) -> bytes:
    """The answer as an xlsx workbook: one worksheet per sheet (the main one first, with the title and — for
    illustrative data — the illustrative note above its table), then ``说明`` with the title and every note.

    Each table: the header row bold and frozen, an auto-filter, widths from the content, number formats by
    column kind (int ``0``, num ``0.0``, ratio ``0.0000``, pct ``0.0%``), text never a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    used: set[str] = {NOTES_SHEET}
    sheets = tab.sheets or [Sheet("结果", [], [])]
    first = wb.active
    assert first is not None
    warn = [n for n in tab.notes if n.startswith("示意数据")] if tab.illustrative else []
    for n, sheet in enumerate(sheets):
        ws = first if n == 0 else wb.create_sheet()
        ws.title = _sheet_name(sheet.name, used)
        top = 1
        if n == 0:
            textsafe.xlsx_cell(ws, 1, 1, tab.title).font = Font(bold=True, size=14)
            top = 2
            for line in warn[:1]:
                c = textsafe.xlsx_cell(ws, top, 1, line)
                c.font, c.fill = Font(bold=True, color="C00000"), PatternFill("solid", fgColor="FFF2CC")
                top += 1
            top += 1  # a blank row between the title block and the table
        _table(ws, sheet, top)
        if tab.illustrative:
            ws.sheet_properties.tabColor = "C00000"
    notes = wb.create_sheet(NOTES_SHEET)
    textsafe.xlsx_cell(notes, 1, 1, tab.title).font = Font(bold=True, size=14)
    for i, line in enumerate(tab.notes, 2):
        c = textsafe.xlsx_cell(notes, i, 1, line)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if tab.illustrative and line.startswith("示意数据"):
            c.font = Font(bold=True, color="C00000")
    notes.column_dimensions["A"].width = 120
    wb.properties.title = textsafe.visible_controls(tab.title)[:200]  # document properties: XML text too
    wb.properties.creator = "iekg"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
