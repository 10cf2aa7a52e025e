"""Everything a user hands us is text, in every output: the rules, in one place, used by every writer.

* **Spreadsheets** (xlsx through openpyxl, CSV): a cell never starts a formula.  OWASP's CSV-injection
  advice: a text value starting with ``=``, ``+``, ``-``, ``@``, tab or CR is a formula to Excel,
  LibreOffice and Google Sheets.  In xlsx we write such text as an explicit *string* cell (type ``s``,
  never ``f``) with Excel's own "quote prefix" style, so it shows as typed and stays text when edited; in
  CSV (which has no types) we prefix it with a single quote ``'`` — what OWASP recommends.
* **Markdown**: user text stays inline text on one source line.  HTML is written as entities (``&lt;``),
  Markdown's punctuation (``* _ [ ] ` | ~ \\``) is backslash-escaped, a block marker at the start (``#``,
  ``>``, ``-``, ``+``, ``=``, ``1.``) is escaped, and a line break becomes ``<br>`` — so it stays inside its
  paragraph, list item or table cell and can never open a heading, a list, a link, an image or a script.
  :func:`md_plain` undoes exactly this for the Word writer (``\\n`` = a line break inside the paragraph).
* **Terminal**: control characters (C0/C1, DEL, bidi overrides) are shown as visible ``\\x1b``-style text;
  rich markup is escaped where the text is printed (see :func:`terminal`).
* Control characters the XML formats cannot hold (xlsx, docx) are shown the same visible way instead of
  failing the whole export.
"""

from __future__ import annotations

import html
import re
from typing import Any

# C0 controls, DEL, C1 controls; tab and newline are handled by the callers' rules
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Terminal: also the bidi overrides/isolates that reorder what a reader sees ("Trojan source")
_TERMINAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _show(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def text(v: Any) -> str:
    """``v`` as a string (None → ""), line ends normalised to ``\\n``."""
    s = "" if v is None else str(v)
    return s.replace("\r\n", "\n").replace("\r", "\n") if "\r" in s else s


def visible_controls(v: Any) -> str:
    """Control characters other than tab and newline shown as visible ``\\xNN`` text (CR LF → LF)."""
    return _CONTROLS.sub(_show, text(v))


# ------------------------------------------------------------------------------------ spreadsheets
def is_formula_like(v: Any) -> bool:
    return isinstance(v, str) and v.startswith(FORMULA_START)


def csv_cell(v: Any) -> Any:
    """A value for a CSV writer: text that a spreadsheet would read as a formula gets a leading ``'``."""
    if isinstance(v, str):
        return "'" + v if v.startswith(FORMULA_START) else v
    return v


def xlsx_cell(ws: Any, row: int, column: int, v: Any) -> Any:
    """Write ``v`` into an openpyxl worksheet cell as data, never as a formula; returns the cell.

    Text keeps its content exactly (control characters shown visibly, as the XML cannot hold them); text
    starting like a formula is stored with type ``s`` and the quote-prefix style."""
    if not isinstance(v, str):
        return ws.cell(row=row, column=column, value=v)
    s = _CONTROLS.sub(_show, v)
    c = ws.cell(row=row, column=column)
    c.value = s
    if c.data_type != "s" or s.startswith(FORMULA_START):
        c.data_type = "s"
        c.quotePrefix = True
    return c


# --------------------------------------------------------------------------------------- Markdown
_MD_ESCAPE = re.compile(r"([\\`*_\[\]|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d{1,9})([.)]))")


def _block(m: re.Match[str]) -> str:  # "# x" → "\# x", "1. x" → "1\. x"
    return m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4))


def md_text(v: Any, *, block_start: bool = True) -> str:
    """User text as inline Markdown: shown literally by any CommonMark/GFM renderer, on one source line.
    ``block_start=False`` (a table cell) leaves a leading ``-``/``#``/``1.`` alone: a cell holds no blocks."""
    s = visible_controls(v)
    s = html.escape(s, quote=False)  # & < > as entities: no tag, no autolink, no entity trickery
    s = _MD_ESCAPE.sub(r"\\\1", s)
    lines = s.split("\n")
    if block_start:
        lines = [_MD_BLOCK_START.sub(_block, ln) for ln in lines]
    lines = [ln.replace("\t", " ") for ln in lines]
    return "<br>".join(lines)


def md_cell(v: Any) -> str:
    """User text (or a figure) in a GFM table cell: as :func:`md_text`; ``|`` is escaped, a line break is <br>."""
    return md_text(v, block_start=False)

_MD_UNESCAPE = re.compile(r"\\([\\`*_\[\]|~#>+=.)-])")


def md_plain(s: str) -> str:
    """The text behind :func:`md_text` (for writers that render our Markdown themselves, e.g. Word):
    ``<br>`` → newline, backslash escapes and entities undone."""
    s = re.sub(r"<br\s*/?>", "\n", s)
    s = _MD_UNESCAPE.sub(r"\1", s)
    return html.unescape(s)


# --------------------------------------------------------------------------------------- terminal
def terminal(v: Any) -> str:
    """Text for a terminal: control characters and bidi overrides shown visibly (no escape sequence
    reaches the terminal); tab and newline kept.  Rich markup is escaped by the printer (cli.RichTable,
    rich ``Text``)."""
    return _TERMINAL.sub(_show, text(v))
