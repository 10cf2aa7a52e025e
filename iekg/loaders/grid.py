"""The one reader of cells: a CSV file or a workbook's sheets into grids, within the file limits.

Both sides read through it: the import templates (:mod:`iekg.loaders.readers`, which then finds a
template header with :mod:`iekg.loaders.headers`) and the official public formats
(:mod:`iekg.loaders.official`, which look for their fixed header signatures).  A grid is a list of rows,
``rows[i]`` being the sheet's row ``i + 1`` (rows missing from a sheet's XML are empty lists); every row
is counted against :class:`~iekg.loaders.limits.FileGuard` as it is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iekg.loaders import encoding as _encoding
from iekg.loaders.limits import FileGuard, FileRejected

_NO_CELLS: list[Any] = []  # shared by every empty row (never modified)


@dataclass
class Sheet:
    """The cells of one sheet (or CSV); ``rows[i]`` is Excel row ``i + 1``, ``name`` None for a CSV."""

    name: str | None
    rows: list[list[Any]]

    def cell(self, r: int, c: int | None) -> str:
        """The cell at row index ``r`` and column index ``c`` (``""`` outside the grid or for ``c`` None)."""
        if c is None or r >= len(self.rows) or c >= len(self.rows[r]):
            return ""
        return self.rows[r][c]


def csv_error(exc: csv.Error, row: int | None) -> FileRejected:
    """A CSV that the csv module cannot parse (an unclosed quote …), as the file's one error."""
    return FileRejected("csv", f"CSV 格式错误：{exc}", "检查此行的引号是否成对；或用 Excel 打开后另存为 CSV UTF-8",
                        row=row)


def delimiter(text: str) -> str:
    """A tab when the start of ``text`` holds more tabs than commas (Excel's "Unicode text"), else a comma."""
    sample = text[:4096]
    return "\t" if sample.count("\t") > sample.count(",") else ","


def csv_grid(text: str, guard: FileGuard, *, delim: str = ",", max_rows: int | None = None) -> list[list[str]]:
    """The rows of a decoded CSV text (cells as read), counted against ``guard``.

    Parameters
    ----------
    text : str
        The whole file, decoded.
    guard : FileGuard
        The file's limits.
    delim : str
        The field delimiter.
    max_rows : int, optional
        Stop after this row number (sniffing a header reads a few rows only).

    Returns
    -------
    list of list of str
        ``rows[i]`` is the file's row ``i + 1``.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    grid: list[list[str]] = []
    try:
        for n, row in guard.stream(reader):
            grid.append(row)
            if max_rows is not None and n >= max_rows:
                break
    except csv.Error as exc:
        raise csv_error(exc, reader.line_num) from None
    return grid


def xlsx_value(cell: Any) -> Any:
    """A cell's value; a number shown as a percentage (format ``0%``) is read as the user sees it: ``120%``."""
    v = getattr(cell, "value", None)
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in (getattr(cell, "number_format", "") or ""):
        return f"{round(v * 100, 10):.10g}%"
    return v


def worksheet_grid(guard: FileGuard, ws: Any, *, values_only: bool = False,
                   max_rows: int | None = None) -> list[list[Any]]:
    """The rows of one read-only openpyxl worksheet, rows missing from its XML given as empty rows.

    Parameters
    ----------
    guard : FileGuard
        The workbook's limits (all its sheets together).
    ws : openpyxl worksheet
        A sheet of a workbook opened by :meth:`FileGuard.open_xlsx`.
    values_only : bool
        Plain values (faster); otherwise each cell through :func:`xlsx_value` (percentages as shown).
    max_rows : int, optional
        Stop before this row number is passed.

    Returns
    -------
    list of list
        ``rows[i]`` is the sheet's row ``i + 1``; a :class:`FileRejected` raised while reading names the sheet.
    """
    grid: list[list[Any]] = []
    try:
        for n, r in guard.xlsx_rows(ws, values_only=values_only):
            if max_rows is not None and n > max_rows:
                break
            while len(grid) < n - 1:  # rows missing from the sheet's XML
                grid.append(_NO_CELLS)
            grid.append((list(r) if values_only else [xlsx_value(c) for c in r]) if r else _NO_CELLS)
    except FileRejected as exc:
        exc.sheet = exc.sheet or ws.title
        raise
    return grid


def _xls_sheets(path: Path, guard: FileGuard, max_rows: int | None) -> Iterator[Sheet]:
    import xlrd

    guard.check_size()
    book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True)  # rows as long as their cells
    try:
        for sh in book.sheets():
            if max_rows is None or sh.nrows <= max_rows:  # (sniffing the header reads a few rows only)
                guard.check_xls_sheet(sh)
            n = sh.nrows if max_rows is None else min(sh.nrows, max_rows)
            yield Sheet(sh.name, [sh.row_values(r) for r in range(n)])
    finally:
        book.release_resources()


def read_grids(path: Path, *, max_rows: int | None = None) -> list[Sheet]:
    """Every sheet of an ``.xls`` / ``.xlsx`` / ``.xlsm`` workbook, or the one grid of a CSV file.

    Parameters
    ----------
    path : Path
        The file; a CSV is decoded without being told its encoding (:mod:`iekg.loaders.encoding`) and
        read with a comma delimiter.
    max_rows : int, optional
        Read at most this many rows of each sheet.

    Returns
    -------
    list of Sheet
        The cells as the file holds them (str, float, int, datetime, None); a :class:`FileRejected`
        names the file.
    """
    try:
        guard = FileGuard(path)
        ext = path.suffix.lower()
        if ext == ".xls":
            return list(_xls_sheets(path, guard, max_rows))
        if ext in (".xlsx", ".xlsm"):
            wb = guard.open_xlsx()
            try:
                return [Sheet(ws.title, worksheet_grid(guard, ws, values_only=True, max_rows=max_rows))
                        for ws in wb.worksheets]
            finally:
                wb.close()
        text = _encoding.decode(guard.read_bytes()).text
        return [Sheet(None, csv_grid(text, guard, max_rows=max_rows))]
    except FileRejected as exc:
        exc.file = exc.file or str(path)
        raise
