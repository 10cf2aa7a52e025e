"""What the readers of the official formats share: a file's sheets as text (read through
:mod:`iekg.loaders.grid`, the one cell reader), the fixed-signature header search and codes as text.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from iekg.loaders.grid import Sheet, read_grids
from iekg.loaders.headers import cell_text
from iekg.loaders.source import PUBLIC, SourceTable

PathLike = str | os.PathLike[str]


def read_sheets(path: Path, max_rows: int | None = None) -> list[Sheet]:
    """Every sheet of an xls/xlsx workbook, or the single table of a CSV file (within the file limits), each
    cell as stripped text: whole numbers without ``.0`` (xlrd and openpyxl give floats), dates ISO, 是/否.

    Parameters
    ----------
    path : Path
        The file.
    max_rows : int, optional
        Read at most this many rows of each sheet (sniffing a format).

    Returns
    -------
    list of Sheet
    """
    return [Sheet(s.name, [[cell_text(v) for v in row] for row in s.rows]) for s in read_grids(path, max_rows=max_rows)]


def records(sheet: Sheet) -> list[tuple[int, dict[str, str]]]:
    """The rows below a first-row header as ``(line, {normalised header: cell})``, blank rows left out.

    Parameters
    ----------
    sheet : Sheet
        A sheet read by :func:`read_sheets`.

    Returns
    -------
    list of (int, dict)
        ``line`` is the row number the user sees (header = 1).
    """
    head = [norm(h) for h in sheet.rows[0]] if sheet.rows else []
    return [(i + 1, {k: (row[j] if j < len(row) else "") for j, k in enumerate(head) if k})
            for i, row in enumerate(sheet.rows) if i > 0 and any(row)]


def norm(text: str) -> str:
    """Header/label comparison form: NFKC (全角 → 半角) and no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def find_header(sheet: Sheet, required: Iterable[str], within: int = 15) -> tuple[int, dict[str, int]] | None:
    """Index of the first row holding all ``required`` headers and a normalised-header → column map."""
    need = {norm(h) for h in required}
    for r, row in enumerate(sheet.rows[:within]):
        cols: dict[str, int] = {}
        for c, v in enumerate(row):
            cols.setdefault(norm(v), c)
        if need <= cols.keys():
            return r, cols
    return None


def as_code(value: str, width: int | None = None) -> str:
    """A code cell as text: ``4141010078.0`` → ``4141010078``; digits padded to ``width`` (lost zeros)."""
    s = value.strip()
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", s)
    if width and m and len(m.group(1)) < width:
        s = m.group(1).zfill(width) + m.group(2)
    return s


def public_table(table: str, path: Path, sheet: Sheet, headers: dict[str, str], extra: list[str],
                 cite: str | None) -> SourceTable:
    """An empty table of kind ``PUBLIC`` read from ``sheet`` of ``path``, citing ``cite``."""
    return SourceTable(table=table, file=str(path), sheet=sheet.name, headers=headers, extra=extra,
                       kind=PUBLIC, cite=cite)


def headed(path: Path, required: Iterable[str]) -> Iterator[tuple[Sheet, int, dict[str, int]]]:
    """The sheets of ``path`` that hold a header with every ``required`` name (see :func:`find_header`).

    Parameters
    ----------
    path : Path
        The file.
    required : iterable of str
        The header names the format's header row holds.

    Returns
    -------
    iterator of (Sheet, int, dict)
        Each such sheet, its header's row index and the normalised-header → column map.
    """
    for sheet in read_sheets(path):
        found = find_header(sheet, required)
        if found is not None:
            yield sheet, *found


def finders(sheet: Sheet, header_row: int, cols: Mapping[str, int]) -> tuple[Callable[[str], int | None],
                                                                         Callable[[str], str]]:
    """The column of a header name and the header's text as the file writes it, for a header that
    :func:`find_header` found at ``header_row`` with ``cols``.

    Parameters
    ----------
    sheet : Sheet
        The sheet.
    header_row : int
        The header's row index.
    cols : mapping
        Normalised header → column index.

    Returns
    -------
    (column, header) : two functions of a header name
        ``column(name)``: its column index or None; ``header(name)``: its text in the file (``name`` when absent).
    """
    def column(name: str) -> int | None:
        return cols.get(norm(name))

    def header(name: str) -> str:
        return header_text(sheet, header_row, cols, name)

    return column, header


def header_text(sheet: Sheet, header_row: int, cols: Mapping[str, int], name: str) -> str:
    """The text of header ``name`` in the file (``name`` itself when the header lacks it)."""
    c = cols.get(norm(name))
    return sheet.cell(header_row, c) if c is not None else name


def same_province(actual: str, wanted: str) -> bool:
    """Whether two province names are one province (河南 and 河南省)."""
    a, w = norm(actual), norm(wanted)
    if not a or not w:
        return False
    return a == w or (min(len(a), len(w)) >= 2 and (a.startswith(w) or w.startswith(a)))
