"""A table's header as people write it: one row or a block of two or three, and what each column means.

The rule of the data contract: *a user's figure is read, or the import says why not*.  So a header cell is
matched, in this order, against

1. the table's own names (Chinese, English key, aliases) after the close-variant folding every value gets
   (full/half width, spaces, ``*``, ``(必填)``) — silently;
2. the header synonyms of the vocabulary data (学校代码 → 学校标识码) — with a warning;
3. the same names and synonyms after :func:`canon` — brackets and the units or notes in them, footnote
   marks, count words at the end (人数, 数量, 个数, 数, 人) and punctuation removed — with a warning;
4. by nearness (:func:`nearest`): one known column much closer than any other — with a warning.

A header of two or three rows (a group title merged over sub-headers, codes merged down; in a CSV the same
shape: a row of group words, then a row of column words) is read column by column: the lowest word names the
column, the group title above it is used only when the lowest word alone names nothing or names the same
column as another (两列都写「人数」：「在校生/人数」「毕业生/人数」).

What is still not understood is said (:func:`check_columns`): a column nearest to one a measure counts that
the table lacks is an **error**, so is a table without any of its figure columns while unread columns hold
numbers (the figures would be lost), so is a header that appears twice; other unknown columns are kept as
properties and listed once per table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from iekg.loaders.report import ERROR, WARNING, Issue, Report
from iekg.loaders.tables import FIGURES, MEASURED, PROVENANCE_COLUMNS, Table
from iekg.loaders.values import to_halfwidth

HEADER_SCAN_ROWS = 6  # the header (block) is looked for in this many rows at the top
MAX_BLOCK = 3  # rows a header block may have
NEAR_MATCH = 0.75  # a header this close (difflib ratio of the canonical forms) to one known column is read as it
NEAR_HINT = 0.5  # … closer than this: the known column is named as the nearest in the warning or error
SAMPLE_ROWS = 200  # data rows looked at to tell whether unread columns hold numbers

_FOOTNOTES = re.compile(r"[①-⑳⑴-⒇¹²³⁰-⁹†‡※]+")
_BRACKETED = re.compile(r"[(\[{【〔《<][^()\[\]{}【】〔〕《》<>]*[)\]}】〕》>]")
_PUNCT = re.compile(r"[-_.·•、,，;；'\"‘’“”`~!！?？=]")
_COUNT_WORDS = ("人数", "数量", "个数", "数", "人")  # longest first; a word of two characters or more must remain
_NUMBER = re.compile(r"[-+]?\d[\d,，]*(\.\d+)?\s*%?")


def norm(text: Any) -> str:
    """The close-variant folding of a header (full/half width, case, spaces, ``*``, ``(必填)``)."""
    s = to_halfwidth(str(text)).lower()
    s = re.sub(r"[\s*＊※:]", "", s)
    s = re.sub(r"\((必填|选填|可选|required|optional)\)", "", s)
    return s


def canon(text: Any) -> str:
    """A header as it names its column: :func:`norm`, then brackets with their units or notes, footnote marks
    and punctuation removed, and one count word at the end (人数, 数量, 个数, 数, 人) when two characters
    or more remain.  ``在校生人数（人）``, ``在校生数 (人)`` and ``在校生数①`` all become ``在校生``."""
    s = norm(_FOOTNOTES.sub("", str(text)))
    bare = _BRACKETED.sub("", s)
    s = _PUNCT.sub("", bare or s) or s
    for word in _COUNT_WORDS:
        if s.endswith(word) and len(s) - len(word) >= 2:
            return s[: -len(word)]
    return s


def unit_of(text: Any) -> str | None:
    """The unit or note in a header's brackets (``常住人口(万人)`` → ``万人``), None without brackets."""
    m = re.search(r"[(\[【〔]([^()\[\]【】〔〕]+)[)\]】〕]", to_halfwidth(str(text)))
    return m.group(1).strip() if m else None


def parts(text: Any) -> list[str]:
    """A bilingual header such as "学校标识码 / id" or "学校标识码\\nid" is recognised by either part."""
    raw = to_halfwidth(_FOOTNOTES.sub("", str(text)))
    return [p for p in [raw, *re.split(r"[/|\n]|\s+", raw)] if p.strip()]


@dataclass(frozen=True)
class Match:
    key: str
    how: str  # exact | synonym | normalised | near
    score: float = 1.0


class HeaderIndex:
    """A table's known header names: exact (after :func:`norm`), canonical (after :func:`canon`; a form two
    columns share is left out) and the canonical forms for nearness."""

    def __init__(self, table: Table) -> None:
        from iekg.loaders import vocab

        self.table = table
        self.exact: dict[str, tuple[str, str]] = {}  # norm(name) -> (key, exact|synonym)
        canonical: dict[str, set[str]] = {}
        self.names: dict[str, list[str]] = {}  # key -> its names
        synonyms = vocab.current().header_synonyms()
        for c in (*table.columns, *PROVENANCE_COLUMNS):
            own = [c.key, c.zh, *c.aliases]
            syn = list(synonyms.get(c.zh, ())) if c in table.columns else []
            self.names[c.key] = own + syn
            for name in own:
                self.exact[norm(name)] = (c.key, "exact")
            for name in syn:
                self.exact.setdefault(norm(name), (c.key, "synonym"))
            for name in own + syn:
                canonical.setdefault(canon(name), set()).add(c.key)
        self.canonical = {k: next(iter(v)) for k, v in canonical.items() if len(v) == 1 and k}
        self.zh = {c.key: c.zh for c in (*table.columns, *PROVENANCE_COLUMNS)}
        # each column's names as nearness compares them (canonical, each once), made once: a build compared
        # 77,000 pairs and folded the same names 192,000 times
        self.near_names: dict[str, list[tuple[str, Counter[str]]]] = {
            key: [(n, Counter(n)) for n in dict.fromkeys(canon(name) for name in names)]
            for key, names in self.names.items()}

    def lookup(self, text: str) -> Match | None:
        """The column a header cell names, without nearness."""
        ps = parts(text)
        for p in ps:
            hit = self.exact.get(norm(p))
            if hit:
                return Match(*hit)
        for p in ps:
            key = self.canonical.get(canon(p))
            if key:
                return Match(key, "normalised")
        return None

    def nearest(self, text: str, taken: Iterable[str] = ()) -> Match | None:
        """The known column (of those not ``taken``) whose names come closest to ``text``, with the
        ratio; None below :data:`NEAR_HINT`.  ``how`` is ``near`` when it is close enough to read the column
        as that one (:data:`NEAR_MATCH`, and clearly closer than any other column), else ``hint``."""
        skip = set(taken)
        best: dict[str, float] = {}
        for p in parts(text):
            c = canon(p)
            if len(c) < 2:
                continue
            ascii_, chars = c.isascii(), Counter(c)
            for key, names in self.near_names.items():
                if key in skip:
                    continue
                for n, n_chars in names:
                    if ascii_ != n.isascii():  # an English header is not near a Chinese one
                        continue
                    # an upper bound of the ratio first (the characters both have, as difflib's quick_ratio): a
                    # pair that cannot beat the column's best is not compared
                    if 2.0 * (chars & n_chars).total() / (len(c) + len(n)) <= best.get(key, 0.0):
                        continue
                    r = difflib.SequenceMatcher(None, c, n).ratio()
                    if r > best.get(key, 0.0):
                        best[key] = r
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        key, score = ranked[0]
        if score <= NEAR_HINT:
            return None
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        how = "near" if score >= NEAR_MATCH and score - second >= 0.1 else "hint"
        return Match(key, how, score)


@dataclass
class Column:
    """One column of the header as read: where, what the user wrote (``a/b`` for a block), what it means."""

    pos: int
    text: str
    key: str | None = None
    how: str = ""  # exact | synonym | normalised | near | group
    hint: Match | None = None  # the nearest known column of an unread one


@dataclass
class Header:
    """Where a table's header is (rows ``index`` … ``end``, 0-based) and what its columns mean."""

    index: int  # first row of the header block
    pos: dict[int, str]  # column position -> canonical key
    texts: dict[str, str]  # canonical key -> header text as written
    extra: list[tuple[int, str]]  # unknown columns: (position, header text)
    end: int = -1  # last row of the header block (index when one row)
    skip: int = 0  # rows below the block that are an unreadable second header row (reported once)
    unreadable: bool = False  # the block's last row names no column: reported once, as an error
    columns: list[Column] = field(default_factory=list)
    duplicates: list[tuple[Column, Column]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.end < 0:
            self.end = self.index

    @property
    def data_start(self) -> int:
        """The first row (0-based) below the header block."""
        return self.end + 1 + self.skip


def value_text(v: Any) -> str:
    """A cell's value as the user sees it: a whole float without ``.0``, a date as ``YYYY-MM-DD``, 是/否."""
    if type(v) is str:  # every cell of a CSV
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def cell_text(v: Any) -> str:
    return value_text(v).strip()


def _block_cells(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """A header block's words per column (top to bottom); a group row's blank cells take the group title to
    their left where the row below has a word (a merged title over sub-headers, as Excel and CSV show it)."""
    width = max((len(r) for r in rows), default=0)
    grid = [[cell_text(r[j]) if j < len(r) else "" for j in range(width)] for r in rows]
    for k in range(len(grid) - 1):
        below = grid[k + 1]
        carry = ""
        for j in range(width):
            if grid[k][j]:
                carry = grid[k][j]
            elif carry and below[j]:
                grid[k][j] = carry
            else:
                carry = ""
    return [[grid[k][j] for k in range(len(grid))] for j in range(width)]


def read_block(index: HeaderIndex, rows: Sequence[Sequence[Any]]) -> list[Column]:
    """The columns a block of header rows names (see the module's docstring)."""
    cols: list[Column] = []
    options: list[list[str]] = []
    for j, words in enumerate(_block_cells(rows)):
        present = [w for w in words if w]
        if not present:
            continue
        distinct = list(dict.fromkeys(present))
        low = present[-1]
        groups = [w for w in reversed(present[:-1]) if w != low]
        names = [low, *(g + low for g in groups), "".join(distinct)]
        cols.append(Column(j, "/".join(distinct)))
        options.append(list(dict.fromkeys(names)))
    # the lowest word first; a group's title only where that names nothing or a column another cell names too
    first = [index.lookup(o[0]) for o in options]
    claims: dict[str, int] = {}
    for m in first:
        if m:
            claims[m.key] = claims.get(m.key, 0) + 1
    for col, opts, m in zip(cols, options, first, strict=True):
        if m and claims[m.key] == 1:
            col.key, col.how = m.key, m.how
            continue
        for name in opts[1:]:
            g = index.lookup(name)
            if g and g.key not in claims:
                col.key, col.how = g.key, "group"
                break
        else:
            if m:
                col.key, col.how = m.key, m.how
    return cols


def assemble(index: HeaderIndex, start: int, rows: Sequence[Sequence[Any]]) -> Header:
    """The :class:`Header` of a block: nearness for what no name matched, duplicates set apart."""
    cols = read_block(index, rows)
    taken = {c.key for c in cols if c.key}
    for c in cols:
        if c.key is None:
            near = index.nearest(c.text, taken)
            if near and near.how == "near":
                c.key, c.how = near.key, "near"
                taken.add(near.key)
            else:  # the nearest of all columns, found or not: "最接近：在校生数" even when the table has it
                c.hint = index.nearest(c.text)
    pos: dict[int, str] = {}
    texts: dict[str, str] = {}
    first: dict[str, Column] = {}
    extra: list[tuple[int, str]] = []
    dups: list[tuple[Column, Column]] = []
    for c in cols:
        if c.key is None:
            extra.append((c.pos, c.text))
        elif c.key in first:
            dups.append((first[c.key], c))
        else:
            first[c.key] = c
            pos[c.pos] = c.key
            texts[c.key] = c.text
    return Header(start, pos, texts, extra, start + len(rows) - 1, columns=cols, duplicates=dups)


def score(table: Table, head: Header) -> int:
    required = {c.key for c in table.columns if c.required}
    return len(head.pos) + 2 * len(required & set(head.pos.values()))


def best_header(table: Table, top: Sequence[Sequence[Any]]) -> Header | None:
    """The best-scoring header block among the first rows: one row, or two or three read together; on a
    tie the block with fewer rows, then the higher one.  None when nothing is recognised."""
    index = HeaderIndex(table)
    best: tuple[int, Header] | None = None
    rows = list(top[:HEADER_SCAN_ROWS])
    for depth in range(1, MAX_BLOCK + 1):
        for start in range(0, len(rows) - depth + 1):
            block = rows[start:start + depth]
            if not any(cell_text(v) for v in block[-1]) or not any(cell_text(v) for v in block[0]):
                continue
            head = assemble(index, start, block)
            s = score(table, head)
            if s > 0 and (best is None or s > best[0]):
                best = (s, head)
    if best is None:
        return None
    s, head = best
    # a tie with a deeper block, whose extra row would otherwise look like a second header row: the deeper one
    while head.end - head.index + 1 < MAX_BLOCK and _looks_like_subheader(table, head, rows):
        deeper = assemble(index, head.index, rows[head.index:head.end + 2])
        if score(table, deeper) < s:
            break
        unread = deeper.pos == head.pos  # the row below names nothing: a second header row not understood
        head = deeper
        if unread:
            head.unreadable = True
            break
    head.skip = 1 if _looks_like_subheader(table, head, rows) else 0
    return head


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in to_halfwidth(text))


def _looks_like_subheader(table: Table, head: Header, rows: Sequence[Sequence[Any]]) -> bool:
    """The row below the block is a second header row that could not be read: every required column is
    blank in it, it has words, and no word has a digit (a data row has codes and years)."""
    n = head.end + 1
    if n >= len(rows):
        return False
    cells = [cell_text(v) for v in rows[n]]
    words = [w for w in cells if w]
    need = {c.key for c in table.columns if c.required}
    required = [p for p, k in head.pos.items() if k in need]
    if not words or not required or any(_has_digit(w) for w in words):
        return False
    return all(p >= len(cells) or not cells[p] for p in required)


# ------------------------------------------------------------------------------------------- checks
def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(to_halfwidth(text).strip()))


def _col_name(pos: int) -> str:
    """Excel's letter of a 0-based column position (0 → A, 27 → AB)."""
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def check_columns(table: Table, head: Header, sample: Iterable[Sequence[str]], *, file: str, sheet: str | None,
                  report: Report, rows: Sequence[Sequence[Any]] = ()) -> None:
    """Say what the header means and what it leaves unread (see the module's docstring).  ``sample``: the
    first data rows' cells as text (up to :data:`SAMPLE_ROWS`); ``rows``: the rows the header was found in."""
    line = head.index + 1  # the header's row as the user sees it
    index = HeaderIndex(table)
    zh = index.zh

    def add(severity: str, code: str, column: str | None, value: str | None, message: str, fix: str,
            repaired: str | None = None, row: int | None = line) -> None:
        report.add(Issue(severity, code, file, row, column, value, message, fix, sheet, table.name, repaired))

    if head.unreadable:
        low = [cell_text(v) for v in rows[head.end]] if len(rows) > head.end else []
        add(ERROR, "header_block", None, "、".join(w for w in low if w), *_unreadable(table, head.index + 1,
                                                                              head.end + 1, low))
    elif head.end > head.index:
        read = "、".join(f"「{c.text}」→{zh[c.key]}" for c in head.columns if c.key and "/" in c.text)
        add(WARNING, "header_block", None, None,
            f"第 {head.index + 1}–{head.end + 1} 行是 {head.end - head.index + 1} 行表头，已逐列按最下一行的列名读入"
            + (f"：{read}" if read else "") + f" (a {head.end - head.index + 1}-row header, read column by column)",
            "无需处理；核对各列是否读对")
    if head.skip:
        cells = [cell_text(v) for v in rows[head.end + 1]] if len(rows) > head.end + 1 else []
        add(ERROR, "header_block", None, "、".join(w for w in cells if w),
            *_unreadable(table, head.index + 1, head.end + 2, cells))
    for a, b in head.duplicates:
        add(ERROR, "duplicate_column", b.text, b.text,
            f"第 {_col_name(a.pos)} 列「{a.text}」和第 {_col_name(b.pos)} 列「{b.text}」都是「{zh[a.key or '']}」"
            f"({a.key})，不知道该用哪一列 (two columns are the same column)",
            "删除重复的一列，或把其中一列改成它真正的列名")
    for c in head.columns:
        if c.key is None:
            continue
        if c.how in ("synonym", "normalised", "near"):
            what = {"synonym": "同义表头", "normalised": "表头写法不同", "near": "表头相近"}[c.how]
            add(WARNING, "header", c.text, c.text,
                f"{what}：「{c.text}」按「{zh[c.key]}」({c.key}) 读入 (header read as {c.key})",
                f"无需处理；如果这一列不是「{zh[c.key]}」，请改表头", repaired=zh[c.key])
        want = unit_of(zh[c.key])
        have = unit_of(c.text.split("/")[-1]) if c.how != "group" else unit_of(c.text)
        if want and have and not _same_unit(want, have):
            add(ERROR, "header_unit", c.text, c.text,
                f"「{c.text}」的单位是「{have}」，本列要求「{want}」：数字会差一个数量级 (unit {have}, expected {want})",
                f"把数值换算成 {want}，表头写成「{zh[c.key]}」")
    sample_rows = [list(r) for r in sample]
    width = max([len(r) for r in sample_rows] + [0])
    headed = {c.pos for c in head.columns}
    numeric: dict[int, str] = {}  # unread columns with numbers: position -> a number seen
    filled: set[int] = set()
    for r in sample_rows:
        for j, v in enumerate(r):
            if j in head.pos or not v or not v.strip():
                continue
            filled.add(j)
            if j not in numeric and _is_number(v):
                numeric[j] = v.strip()
    measured = MEASURED.get(table.name, frozenset())
    have_keys = set(head.pos.values())
    plain: list[str] = []
    for pos, text in head.extra:
        c = next(x for x in head.columns if x.pos == pos)
        hint = c.hint
        if hint and hint.key in measured and hint.key not in have_keys:
            add(ERROR, "unread_figure", text, text,
                f"不认识的表头「{text}」最接近「{zh[hint.key]}」({hint.key})，这是度量要用的数字列，本表却没有它："
                f"这一列的数字不会被读入 (an unrecognised header nearest to the measured column {hint.key})",
                f"如果它就是{zh[hint.key]}，请把表头改成「{zh[hint.key]}」；如果不是，请改成别的名字或删除这一列")
        elif hint:
            add(WARNING, "unknown_column", text, text,
                f"不认识的表头「{text}」(最接近：{zh[hint.key]})，已作为附加属性保留 (kept as an extra property)",
                f"如果它就是「{zh[hint.key]}」，请把表头改成「{zh[hint.key]}」")
        else:
            plain.append(text)
    if plain:
        add(WARNING, "extra_columns", None, "、".join(plain),
            f"{len(plain)} 列不是本表的列，已作为附加属性保留：" + "、".join(f"「{t}」" for t in plain)
            + " (columns kept as extra properties)", "无需处理；如其中有本表的列，请改成模板中的列名")
    unheaded = sorted(j for j in filled if j not in headed and j < width)
    if unheaded:
        add(WARNING, "no_header", None, None,
            f"第 {'、'.join(_col_name(j) for j in unheaded)} 列有数据却没有表头，这些数据没有读入 "
            f"(columns with data but no header are not read)",
            "给这些列写上列名，或删除它们")
    need = FIGURES.get(table.name, ())
    if need and not have_keys & set(need):
        unread = [f"「{t}」" for p, t in head.extra if p in numeric] + [
            f"第 {_col_name(j)} 列 (无表头)" for j in unheaded if j in numeric]
        if unread:
            names = "、".join(zh[k] for k in need)
            add(ERROR, "figures_unread", None, "、".join(unread),
                f"本表没有{names}列，而未读入的列 {'、'.join(unread)} 有数字：这些数字会丢失，"
                f"每一行都会没有规模数据 (no {'/'.join(need)} column, while unread columns hold numbers)",
                f"把表头改成「{'」「'.join(zh[k] for k in need)}」；如果原来是两行表头，请保留两行表头 "
                f"(下一行写 {names})，不要删掉下一行")


def _unreadable(table: Table, first: int, last: int, cells: Sequence[str]) -> tuple[str, str]:
    """The message and fix of a header block whose row ``last`` (as the user sees it) names no column."""
    words = "、".join(f"「{w}」" for w in cells if w)
    return (f"第 {first}–{last} 行像是两行表头，但第 {last} 行的 {words} 不是本表的列名，无法读懂这几行表头 "
            f"(rows {first}–{last} look like a header of several rows that cannot be read)",
            f"把第 {last} 行的词改成本表的列名 (如 " + "、".join(c.zh for c in table.columns[3:7] or table.columns) +
            f")，或把表头合并成一行；不要只删掉第 {last} 行 (其中数字列的表头会丢失)")


def _same_unit(a: str, b: str) -> bool:
    def f(u: str) -> str:
        return to_halfwidth(u).replace(" ", "").rstrip("元").lower()
    return f(a) == f(b)
