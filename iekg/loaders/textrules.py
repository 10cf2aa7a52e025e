"""Control characters and line breaks in imported cells: one rule, applied to every table a reader returns.

- **Control characters** (C0 ``U+0000–U+001F`` except tab, LF and CR; ``DEL``; C1 ``U+0080–U+009F``) and
  the bidirectional override/isolate characters (``U+202A–U+202E``, ``U+2066–U+2069``, which make text
  display in another order than it is stored) are rejected with a row/column error: they have no place in
  a name or a sentence, and printed to a terminal they are commands (``ESC[…``).
- **Multi-line fields** (:data:`MULTILINE`, by table and column, plus every extra column a user adds, such
  as 备注): line breaks and tabs are kept; ``CRLF``/``CR`` and ``U+2028``/``U+2029`` become ``LF``.
- **One-line text fields** (names, titles, deadlines …): a line break or tab inside the value is folded,
  with a warning: removed between two Chinese characters (Excel's Alt+Enter in a long name), otherwise
  replaced by one space.
- **List fields** (``list:…`` kinds, e.g. 责任部门): a line break separates items, so it is folded into
  ``；``, with a warning.
- **Codes, ids, numbers, enumerations, dates**: a line break or tab inside the value is an error.
- **Invisible characters** (:data:`iekg.loaders.values.INVISIBLE`: zero-width space/joiner/non-joiner,
  word joiner, a BOM inside text, soft hyphen and the other format characters of Unicode category Cf) are
  removed from every cell with a warning that shows where they were (``Z<U+200B>-ZWID``): ids that look
  the same are then the same.

Line breaks at the start or end of any value are whitespace and are left to the usual stripping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from iekg.loaders.report import ERROR, WARNING, Issue, Report
from iekg.loaders.source import SourceRow, SourceTable
from iekg.loaders.tables import PROVENANCE_COLUMNS, TABLES
from iekg.loaders.values import INVISIBLE

# table -> the columns whose text may run over several lines (extra columns always may).
MULTILINE: dict[str, frozenset[str]] = {
    "problems": frozenset({"problem"}),
    "measures": frozenset({"content"}),
    "targets": frozenset({"text"}),
    "tasks": frozenset({"text"}),
    "crosswalk": frozenset({"basis"}),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
_INNER_BREAK = re.compile(r"[ \t]*(?:\r\n|[\r\n\t\u2028\u2029])[ \t\r\n\u2028\u2029]*")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# anything a rule below acts on: a row without it is left alone after one search over its joined values.  One
# character class, so that the search is one fast scan (an alternation of classes, or ranges beyond the BMP inside
# the class, made the search four times slower, a few seconds of a national build): the control and break characters, the
# invisible ones of the BMP, and every character beyond the BMP (the invisible ones there are told apart by
# check_row; such characters are rare in a ledger).
_BMP_INVISIBLE = re.sub("[\U00010000-\U0010ffff](-[\U00010000-\U0010ffff])?", "", INVISIBLE.pattern[1:-1])
_ANY = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029" + _BMP_INVISIBLE + "\U00010000-\U0010ffff]")
# what the most common invisible characters are called in a message
_INVISIBLE_NAMES = {
    0x200B: "零宽空格 ZERO WIDTH SPACE", 0x200C: "零宽非连接符 ZERO WIDTH NON-JOINER",
    0x200D: "零宽连接符 ZERO WIDTH JOINER", 0x200E: "从左至右标记 LEFT-TO-RIGHT MARK",
    0x200F: "从右至左标记 RIGHT-TO-LEFT MARK", 0x2060: "词连接符 WORD JOINER",
    0xFEFF: "字节顺序标记 BOM (ZERO WIDTH NO-BREAK SPACE)", 0x00AD: "软连字符 SOFT HYPHEN",
}


def _kinds(table: str) -> dict[str, str]:
    t = TABLES.get(table)
    cols = (*(t.columns if t else ()), *PROVENANCE_COLUMNS)
    return {c.key: c.kind for c in cols}


def _show(value: str) -> str:
    """The value with its invisible characters made visible (``\\x1b``, ``\\n``)."""
    return value.encode("unicode_escape").decode("ascii") if _CONTROL.search(value) or _BREAK.search(value) \
        else value


def show_invisible(value: str) -> str:
    """The value with each invisible character written out: ``Z<U+200B>-ZWID``."""
    return INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)


def _invisible_names(value: str) -> str:
    found = dict.fromkeys(ord(ch) for ch in INVISIBLE.findall(value))
    return "、".join(f"U+{cp:04X}" + (f" {_INVISIBLE_NAMES[cp]}" if cp in _INVISIBLE_NAMES else "") for cp in found)


def one_line(table: str, key: str) -> bool:
    """Whether ``key`` of ``table`` is a one-line field: an id, a code, a name, a number, an enumeration, a
    date (not a multi-line text, not a list, not an extra column the user added)."""
    kind = _kinds(table).get(key)
    return kind is not None and key not in MULTILINE.get(table, frozenset()) and not kind.startswith("list:")


def fold_line(value: str) -> str:
    """One line: breaks (and tabs) between two Chinese characters vanish, other breaks become one space."""
    def repl(m: re.Match[str]) -> str:
        before = value[m.start() - 1] if m.start() > 0 else ""
        after = value[m.end()] if m.end() < len(value) else ""
        return "" if _CJK.match(before) and _CJK.match(after) else " "

    return _INNER_BREAK.sub(repl, value)


def check_tables(tables: Iterable[SourceTable], report: Report) -> None:
    """Apply the rules to every value of ``tables`` in place; problems go to ``report``.  A table read
    lazily (:class:`~iekg.loaders.source.LazyRows`) had them applied row by row while it was read."""
    for st in tables:
        if getattr(st.rows, "checked", False):
            continue
        for row in st.rows:
            check_row(st, row, report)


def suspicious(text: str) -> bool:
    """Whether a rule might apply to a value within ``text`` (a row's cells joined by spaces)."""
    return _ANY.search(text) is not None


def check_row(st: SourceTable, row: SourceRow, report: Report) -> bool:
    """The rules applied to one row's values, in place; whether any rule applied."""
    if not _ANY.search(" ".join(v for v in row.values.values() if isinstance(v, str))):
        return False
    kinds = _kinds(st.table)
    multi = MULTILINE.get(st.table, frozenset())
    for key, value in row.values.items():
        if not isinstance(value, str) or not value:
            continue
        if _CONTROL.search(value):
            ch = _CONTROL.search(value).group()  # type: ignore[union-attr]
            report.add(Issue(ERROR, "control_char", st.file, row.line, st.header(key), _show(value),
                             f"含有不可见的控制字符 U+{ord(ch):04X}", "删除该字符 (常见于从网页或终端复制的文字)",
                             st.sheet, st.table))
            # the import fails; later checks see the value without them (their messages reach terminals)
            row.values[key] = _CONTROL.sub("", value)
            continue
        if INVISIBLE.search(value):
            cleaned = INVISIBLE.sub("", value)
            report.add(Issue(WARNING, "invisible_char", st.file, row.line, st.header(key), show_invisible(value),
                             f"含有不可见字符 {_invisible_names(value)}，已删除，按「{cleaned.strip()}」处理：看起来相同的值"
                             "就是同一个值 (invisible characters removed: values that look the same are the same)",
                             "无需处理；如需避免，请在原表中重新输入该单元格 (这类字符常随网页、微信、PDF 中复制的文字带入)",
                             st.sheet, st.table, repaired=cleaned.strip()))
            row.values[key] = value = cleaned
            if not value:
                continue
        inner = value.strip()
        if not (_BREAK.search(inner) or "\t" in inner):
            continue
        kind = kinds.get(key)
        if kind is None or key in multi:  # extra columns (备注 …) and multi-line fields keep their lines
            row.values[key] = _BREAK.sub("\n", value)
        elif kind == "text":
            row.values[key] = fold_line(inner)
            report.add(Issue(WARNING, "newline_folded", st.file, row.line, st.header(key), _show(value),
                             f"单行字段中的换行已合并为「{row.values[key]}」", "无需处理；如需避免，请去掉单元格内的换行",
                             st.sheet, st.table))
        elif kind.startswith("list:"):
            row.values[key] = "；".join(p.strip() for p in re.split(r"[\r\n\t\u2028\u2029]+", inner))
            report.add(Issue(WARNING, "newline_folded", st.file, row.line, st.header(key), _show(value),
                             f"换行按列表分隔符处理为「{row.values[key]}」", "无需处理；多项请用 ； 或 、 分隔",
                             st.sheet, st.table))
        else:
            report.add(Issue(ERROR, "newline", st.file, row.line, st.header(key), _show(value),
                             "代码、编号、数值等单行字段中不能有换行或制表符", "删除单元格内的换行 (Alt+Enter) 或制表符",
                             st.sheet, st.table))
    return True
