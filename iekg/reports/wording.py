"""How the drafts write values: people and figures, percentages, text that is never "None" or "nan",
and Markdown tables whose cells keep user text as text (:mod:`iekg.textsafe`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from iekg import textsafe


def people(x: Any) -> str:
    """A number of people, rounded to a whole person (``1234.6`` → ``"1235"``).

    Parameters
    ----------
    x : number
        The figure.

    Returns
    -------
    str
    """
    return f"{float(x):.0f}"


def num(x: Any) -> str:
    """A figure without needless decimals: whole numbers as such, others to 4 significant digits; None → "".

    Parameters
    ----------
    x : number or None

    Returns
    -------
    str
    """
    if x is None:
        return ""
    x = float(x)
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.4g}"


def pct(x: float | None) -> str:
    """A share as a percentage with one decimal (``0.1234`` → ``"12.3%"``); None → ``"—"``."""
    return "—" if x is None else f"{100 * x:.1f}%"


def fmt(x: Any, digits: int = 0) -> str:
    """A figure with thousands separators and ``digits`` decimals; None or NaN → ``"—"``."""
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return "—"
    return f"{float(x):,.{digits}f}"


def value_text(v: Any, empty: str = "—") -> str:
    """A value as text for the drafts: None, NaN and empty become ``empty`` (never "None" or "nan").

    Parameters
    ----------
    v : any
        The value.
    empty : str
        What stands for no value.

    Returns
    -------
    str
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return empty
    s = str(v).strip()
    return empty if s in ("", "nan", "NaN", "None", "<NA>", "NaT") else s


# A date as people write it in a 时限 column: 2025年12月, 2025年底, 2025年, 2025-12, 2025.6, 2025/6/30, 2025年6月30日 …
_DATE = re.compile(r"^\s*(20\d\d)\s*(?:年\s*(?:(\d{1,2})\s*月(?:份)?\s*(?:(\d{1,2})\s*日)?(?:底|末)?|底|末)?"
                   r"|[-./](\d{1,2})(?:[-./](\d{1,2}))?)?\s*(前|以前)?\s*$")


def deadline_text(text: Any, empty: str = "") -> str:
    """A deadline in the one form of the 时限 columns, ``2025年12月`` (year and month, no leading zero): a year
    alone or its end (``2025年``, ``2025年底``) is its December, ``2025-12`` and ``2025.6`` are written out, a day
    is dropped (deadlines are kept and checked by the month).  Words that are not a date (``长期``, ``持续推进``)
    stay as written; None, NaN and empty give ``empty``.

    Parameters
    ----------
    text : any
        A 解决时限 / 完成时限 cell as written.
    empty : str
        What stands for no value.

    Returns
    -------
    str

    Examples
    --------
    >>> [deadline_text(x) for x in ("2025年底", "2025-12", "2025.6", "2025年6月30日", "长期")]
    ['2025年12月', '2025年12月', '2025年6月', '2025年6月', '长期']
    """
    s = value_text(text, empty)
    if s == empty:
        return empty
    import unicodedata

    m = _DATE.match(unicodedata.normalize("NFKC", s))
    if not m:
        return str(text)  # not a date: exactly as written (a leading tab or = is the user's text, kept)
    month = int(m.group(2) or m.group(4) or 12)
    if not 1 <= month <= 12:
        return s
    return f"{int(m.group(1))}年{month}月" + ("前" if m.group(6) else "")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> list[str]:
    """A Markdown table as lines (and an empty line after it); user text stays text in its cell.

    Parameters
    ----------
    headers : sequence of str
        The header cells.
    rows : iterable of sequences
        The rows' values.
    align : str
        One letter a column, ``r`` for right-aligned (``"lrr"``); columns beyond it are left-aligned.

    Returns
    -------
    list of str
    """
    out = ["| " + " | ".join(headers) + " |",
           "| " + " | ".join("---:" if k < len(align) and align[k] == "r" else "---" for k in range(len(headers))) + " |"]
    out += ["| " + " | ".join(textsafe.md_cell(value_text(v)) for v in row) + " |" for row in rows]
    return out + [""]


# The gap types in words (the official texts and the internal diagnosis never show the keys).
GAP_LABELS = {"unmet_demand": "有需求无供给的行业", "shortage": "人才短缺行业", "surplus": "人才供给过剩行业",
              "uncovered_segment": "无专业支撑的产业链环节", "no_cooperation": "无院校合作的重点产业链企业",
              "no_training_base": "无实训基地服务的重点产业链", "target_shortfall": "未达到的试点目标"}
COMPARISONS = {">=": "≥", "<=": "≤", ">": "＞", "<": "＜", "==": "＝"}
_KEY = re.compile(r"(?<![A-Za-z0-9])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9])")


def comparison(op: Any) -> str:
    """A comparison as a sign (``>=`` → ``≥``): no ``>=`` to be escaped as ``&gt;=`` in Markdown."""
    return COMPARISONS.get(str(op), str(op))


def readable(text: Any, names: dict[str, str] | None = None, empty: str = "—") -> str:
    """A note as plain words: metric keys (``condition_training_platforms``) replaced by their names
    (``names``: key → name, e.g. the readiness items' ``metric`` → ``name``; an unknown key by
    「另一项指标」), comparisons as signs, no None/nan (:func:`value_text`).

    Parameters
    ----------
    text : any
        The note.
    names : dict or None
        Key → readable name.
    empty : str
        What stands for no value.

    Returns
    -------
    str
    """
    s = value_text(text, empty)
    known = {**GAP_LABELS, **(names or {})}
    s = _KEY.sub(lambda m: f"“{known[m.group(0)]}”" if m.group(0) in known else "另一项指标", s)
    for op, sign in sorted(COMPARISONS.items(), key=lambda kv: -len(kv[0])):
        s = s.replace(f" {op} ", f" {sign} ").replace(f"{op} ", f"{sign} ")
    return s


def seq_text(seqs: Iterable[Any]) -> str:
    """序号 as words: ``[1, 2, 5]`` → ``1、2、5``."""
    return "、".join(str(x) for x in seqs)
