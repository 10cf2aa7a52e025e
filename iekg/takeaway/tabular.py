"""The shape every answer takes when people take it away (issue 22): a :class:`Tabular` — a title, one or
more :class:`Sheet` s of typed :class:`Column` s, and the notes that must travel with the figures (provenance,
data coverage, the illustrative note, the thin-year warning).

The converters (``iekg.takeaway.convert``) turn a service answer into a Tabular; the writers
(``iekg.takeaway.writers``) turn a Tabular into CSV or xlsx bytes.  The CLI's ``--format csv|xlsx``, the API's
``?format=`` / ``Accept`` and the dashboard's 下载表格 all go through these two steps, so every face hands out
the same file.

Column kinds say how a figure is written (and formatted in xlsx): ``text``; ``int`` (a count, 人/个/家);
``num`` (one decimal: persons, estimated); ``ratio`` (four decimals: SAI, ratio, deviation); ``pct`` (a share
shown as a percentage in xlsx, the fraction in CSV); ``general`` (a figure whose unit varies by row — a
readiness value is a count in one row and a rate in the next — shown as Excel's General).  ``None`` is an empty cell — never 0: a figure without
data stays missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "int", "num", "ratio", "pct", "general"]


@dataclass(frozen=True)
class Column:
    """One column: the key in a row dict, the header people read (Chinese, with the unit in brackets:
    ``供给（人）``) and its kind."""

    key: str
    header: str
    kind: Kind = "text"


@dataclass
class Sheet:
    """One table: a short name (an xlsx sheet name, ≤ 31 characters, no ``[]:*?/\\``), its columns, its rows
    (dicts keyed by ``Column.key``; missing keys are empty cells)."""

    name: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]


@dataclass
class Tabular:
    """An answer ready to take away.

    Parameters
    ----------
    title : str
        What the file is (``开封市 2024年 产教匹配``), the first line of the CSV and the xlsx.
    sheets : list of Sheet
        The tables; the first is the main one.
    notes : list of str
        Lines that travel with the figures, in order: the illustrative note first when there is one, then the
        data coverage, thresholds, partial years, the source and the tool's version.
    illustrative : bool
        True when the figures rest on illustrative (demo) data.
    """

    title: str
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)
    illustrative: bool = False


ILLUSTRATIVE_NOTE = "示意数据：以下结果基于示意（演示）数据，不是真实情况 (illustrative demo data, not real figures)"


def view(tab: Tabular, keep: dict[str, list[str]]) -> Tabular:
    """The same answer with fewer columns, for a page that holds less than a workbook (the annual report's A4
    tables): only the sheets named in ``keep`` (in its order), each with the columns of those keys (in that
    order; a key the sheet lacks is skipped).  ``key=短标题`` gives a column a shorter header.  Rows and notes
    are the same objects."""
    by_name = {s.name: s for s in tab.sheets}
    sheets = []
    for name, keys in keep.items():
        if name in by_name:
            cols = {c.key: c for c in by_name[name].columns}
            chosen = [(k.partition("=")[0], k.partition("=")[2]) for k in keys]
            sheets.append(Sheet(name, [Column(k, h or cols[k].header, cols[k].kind) for k, h in chosen if k in cols],
                                by_name[name].rows))
    return Tabular(tab.title, sheets, tab.notes, tab.illustrative)
