"""How the drafts write values: people and figures, percentages, text that is never "None" or "nan",
and Markdown tables whose cells keep user text as text (:mod:`iekg.textsafe`)."""

from __future__ import annotations

import math
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
    out += ["| " + " | ".join(textsafe.md_cell(v) for v in row) + " |" for row in rows]
    return out + [""]
