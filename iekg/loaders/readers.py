"""Read import-template files (a folder of CSVs or one XLSX workbook) into :class:`SourceTable` objects.

Handles what Excel and Chinese offices produce: UTF-8 with or without BOM, GB18030/GBK, UTF-16 "Unicode
text" exports, Chinese or English (or bilingual) headers with asterisks and notes, a title row or a
merged group-header row above the real header, numbers where codes were typed, and blank rows.

The cells come from :mod:`iekg.loaders.grid` (the one cell reader, shared with the official formats), the
header from :mod:`iekg.loaders.headers`, the example-row rule from :mod:`iekg.loaders.examples`.
"""

from __future__ import annotations

import csv
import errno
import itertools
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from iekg.loaders import encoding as _encoding
from iekg.loaders import grid as _grid
from iekg.loaders import headers as _headers
from iekg.loaders import official, textrules
from iekg.loaders.examples import example_marked, example_unchanged
from iekg.loaders.limits import TICK_ROWS, FileGuard, FileRejected
from iekg.loaders.report import ERROR, WARNING, Issue, Report
from iekg.loaders.source import USER, LazyRows, SourceRow, SourceTable
from iekg.loaders.tables import TABLES, Table

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = _headers.HEADER_SCAN_ROWS
IGNORED_SHEETS = {"说明", "填写说明", "instructions", "readme", "使用说明", "目录"}
_norm_header = _headers.norm


def unknown_headers(table: Table, cells: list[Any]) -> str:
    """The headers of a row that were not understood, each with the nearest known header."""
    return _unread_names(table, _headers.assemble(_headers.HeaderIndex(table), 0, [cells]))


def _unread_names(table: Table, head: Header) -> str:
    own = {x.key: x.zh for x in table.columns}
    return "、".join([f"「{c.text}」" + (f" (最接近：{own[c.hint.key]})" if c.hint and c.hint.key in own else "")
                     for c in head.columns if c.key is None][:12])


def table_for_name(name: str) -> Table | None:
    """Which template table a file or sheet name stands for: ``programs``, ``专业开设``, ``notice_policies``."""
    s = _norm_header(Path(name).stem if "." in name else name)
    for t in TABLES.values():
        if s in (t.name, _norm_header(t.zh)):
            return t
    for t in sorted(TABLES.values(), key=lambda t: -len(t.name)):
        if s.endswith("_" + t.name) or s.endswith(t.name) and len(s) > len(t.name) and not s[-len(t.name) - 1].isalpha():
            return t
    return None


_cell_text = _headers.value_text
Header = _headers.Header


def find_header(table: Table, top: list[list[Any]], *, file: str, sheet: str | None, report: Report) -> Header | None:
    """The header among the first rows ``top``: the best match of the table's columns, one row or a block of
    two or three (:func:`iekg.loaders.headers.best_header`); None with an error naming the headers that were
    not understood.  A missing required column is an error here; what the header leaves unread is said by
    :func:`iekg.loaders.headers.check_columns` once the first data rows are known."""
    head = _headers.best_header(table, top)
    if head is None:
        first = next((cells for cells in top[:HEADER_SCAN_ROWS] if any(_cell_text(v).strip() for v in cells)), [])
        unknown = unknown_headers(table, first)
        report.add(Issue(ERROR, "no_header", file, 1, None, None,
                         f"找不到表「{table.zh}」({table.name}) 的表头"
                         + (f"：这些表头都不认识 {unknown}" if unknown else ""),
                         "第一行应为表头，可用中文或英文列名：" + "、".join(f"{c.zh}({c.key})" for c in table.columns),
                         sheet, table.name))
        return None
    missing = [c for c in table.columns if c.required and c.key not in head.texts]
    unknown = _unread_names(table, head) if missing else ""
    for c in missing:
        report.add(Issue(ERROR, "missing_column", file, head.index + 1, c.zh, None,
                         f"缺少必填列「{c.zh}」({c.key})" + (f"；未识别的表头：{unknown}" if unknown else ""),
                         f"在表头中添加列「{c.zh}」", sheet, table.name))
    return head


def _sample(rows: Iterable[tuple[int, list[Any]]]) -> list[list[str]]:
    """The first data rows' cells as text, to tell what unread columns hold."""
    out: list[list[str]] = []
    for _, cells in rows:
        texts = [v if type(v) is str else _cell_text(v) for v in cells]
        if not _blank(texts) and not example_marked(texts):
            out.append(texts)
            if len(out) >= _headers.SAMPLE_ROWS:
                break
    return out


def source_rows(table: Table, head: Header, numbered: Iterable[tuple[int, list[Any]]], *, file: str,
                sheet: str | None, report: Report, text: bool = False) -> Iterator[SourceRow]:
    """The data rows below the header: blank rows left out, a template's example rows skipped (with a
    warning when the user edited one).  ``text``: every cell is a str already (a CSV reader's rows)."""
    for n, cells in numbered:
        texts = cells if text else [v if type(v) is str else _cell_text(v) for v in cells]
        if _blank(texts):
            continue
        values = _values(head, texts)
        if example_marked(texts):
            if not example_unchanged(table.name, values):  # an untouched example row is skipped silently
                report.add(Issue(WARNING, "example_row", file, n, None, texts[0],
                                 "模板示例行已被修改，但首格仍带示例标记，已跳过",
                                 "如需导入此行，请删除首格中的示例标记", sheet, table.name))
            continue
        yield SourceRow(n, values)


def _blank(texts: list[str]) -> bool:
    return not "".join(texts).strip()


def _values(head: Header, texts: list[str]) -> dict[str, str]:
    """A row's cells by canonical key (in column order), then its unknown columns that are not blank."""
    width = len(texts)
    values = {key: texts[i] for i, key in head.pos.items() if i < width}
    for i, name in head.extra:
        if i < width and texts[i].strip():
            values[name] = texts[i]
    return values


def rows_to_table(table: Table, grid: list[list[Any]], *, file: str, sheet: str | None, kind: str,
                  report: Report, cite: str | None = None) -> SourceTable | None:
    """Find the header row in the first rows of ``grid`` and turn the rest into SourceRows."""
    head = find_header(table, grid[:HEADER_SCAN_ROWS], file=file, sheet=sheet, report=report)
    if head is None:
        return None
    below = list(enumerate(grid[head.data_start:], start=head.data_start + 1))
    if kind == USER:  # (the project's own files are checked by its tests)
        _headers.check_columns(table, head, _sample(below), file=file, sheet=sheet, report=report,
                               rows=grid[:HEADER_SCAN_ROWS])
    st = SourceTable(table.name, file, sheet=sheet, headers=head.texts, extra=[t for _, t in head.extra], kind=kind,
                     cite=cite)
    st.rows.extend(source_rows(table, head, below, file=file, sheet=sheet, report=report))
    report.tables[table.name] = report.tables.get(table.name, 0) + len(st.rows)
    return st


def nearest_table(name: str) -> str:
    """ "；最接近的表：…" for a sheet or file name that is not a table's (difflib over English and Chinese names)."""
    import difflib

    names = {t.name: t.name for t in TABLES.values()} | {t.zh: t.name for t in TABLES.values()}
    hit = difflib.get_close_matches(name, list(names), n=1, cutoff=0.3)
    return f"；最接近的表：{names[hit[0]]} ({TABLES[names[hit[0]]].zh})" if hit else ""


# A CSV this long (characters) is read lazily when the caller allows it (``iekg build``): see LazyRows.
LAZY_CHARS = 4_000_000


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _changed(path: Path) -> FileRejected:
    exc = FileRejected("changed", "文件在导入过程中被修改了 (file changed while it was being imported)",
                       "等文件保存完毕后重新导入；导入期间不要编辑或覆盖它")
    exc.file = str(path)
    return exc


def _lazy_csv(path: Path, table: Table, guard: FileGuard, encoding: str, delim: str, kind: str,
              report: Report) -> SourceTable | None:
    """A big CSV read once now, row by row — limits, header, example rows and text rules, each problem
    reported as for a file read whole — keeping no row: its :class:`LazyRows` read the file again when
    iterated, and refuse a file that changed in between."""
    with open(path, encoding=encoding, newline="") as fh:
        return _lazy_pass(path, table, guard, csv.reader(fh, delimiter=delim), encoding, delim, kind, report)


def _lazy_pass(path: Path, table: Table, guard: FileGuard, reader: Any, encoding: str, delim: str, kind: str,
               report: Report) -> SourceTable | None:
    file = str(path)
    stamp = _stamp(path)
    numbered = guard.stream(reader)
    top: list[tuple[int, list[Any]]] = []
    try:
        for n, row in numbered:
            top.append((n, row))
            if len(top) == HEADER_SCAN_ROWS:
                break
        head = find_header(table, [r for _, r in top], file=file, sheet=None, report=report)
        if head is None:
            return None
        st = SourceTable(table.name, file, headers=head.texts, extra=[t for _, t in head.extra], kind=kind)
        count = 0
        # the rows below the top ones straight from the reader, counted against the limits here as
        # FileGuard.stream counts them (non-blank rows; the clock looked at now and then)
        last = top[-1][0] if top else 0
        rest = itertools.chain(top[head.data_start:], enumerate(reader, start=last + 1))
        every = TICK_ROWS * 64
        sample: list[list[str]] = []  # the first data rows, to tell what unread columns hold
        touched: set[int] = set()  # rows the text rules changed: the only ones they must change again
        for n, cells in rest:  # source_rows, without making a row that nothing needs to look at
            joined = " ".join(cells)
            if n % every == 0:
                guard.tick(n)
            if not joined.strip():  # (_blank)
                continue
            if n > last:
                guard.row(n, len(cells))
            if count < _headers.SAMPLE_ROWS and not example_marked(cells):
                sample.append(cells)
            if example_marked(cells) or textrules.suspicious(joined):
                for row in source_rows(table, head, [(n, cells)], file=file, sheet=None, report=report):
                    if textrules.check_row(st, row, report):
                        touched.add(n)
                    count += 1
            else:
                count += 1
    except csv.Error as exc:
        raise _grid.csv_error(exc, getattr(reader, "line_num", None)) from None
    if kind == USER:
        _headers.check_columns(table, head, sample, file=file, sheet=None, report=report, rows=[r for _, r in top])

    def produce() -> Iterator[SourceRow]:
        if _stamp(path) != stamp:
            raise _changed(path)
        scratch = Report()  # every problem was reported by the first reading
        with open(path, encoding=encoding, newline="") as fh:
            rows = csv.reader(fh, delimiter=delim)
            below = itertools.islice(enumerate(rows, start=1), head.data_start, None)
            for row in source_rows(table, head, below, file=file, sheet=None, report=scratch, text=True):
                if row.line in touched:
                    textrules.check_row(st, row, scratch)
                yield row
        if _stamp(path) != stamp:
            raise _changed(path)

    st.rows = LazyRows(produce, count)
    report.tables[table.name] = report.tables.get(table.name, 0) + count
    return st


def read_csv(path: Path, report: Report, *, kind: str = USER, table: Table | None = None,
             lazy: bool = False) -> list[SourceTable]:
    """The table of a CSV file.  ``lazy``: a big UTF-8 file keeps no rows in memory (``iekg build``; the
    caller reads its rows once, in order, and must not change them)."""
    table = table or table_for_name(path.name)
    if table is None:
        report.add(Issue(ERROR, "unknown_table", str(path), None, None, path.name,
                         f"无法从文件名「{path.name}」判断是哪张表" + nearest_table(path.stem),
                         "文件名应为表名，如 programs.csv 或 专业开设.csv；可用的表：" + "、".join(TABLES)))
        return []
    guard = FileGuard(path)
    decoded = _encoding.decode(guard.read_bytes())
    if decoded.warning:
        report.add(Issue(WARNING, "encoding", str(path), None, None, decoded.encoding, decoded.warning,
                         "无需处理；如文字有误，请另存为 UTF-8 后重新导入", None, table.name))
    text = decoded.text
    if not text.strip():
        report.add(Issue(WARNING, "empty_file", str(path), None, None, None, "文件是空的，没有可导入的内容",
                         "确认选对了文件，或在表头下填写数据", None, table.name))
        return []
    delim = _grid.delimiter(text)
    if lazy and len(text) >= LAZY_CHARS and decoded.encoding in ("utf-8", "utf-8-sig"):
        encoding = decoded.encoding
        del decoded, text  # the whole text was needed to tell the encoding, not to keep
        st = _lazy_csv(path, table, guard, encoding, delim, kind, report)
        return [st] if st else []
    grid: list[list[Any]] = _grid.csv_grid(text, guard, delim=delim)
    st = rows_to_table(table, grid, file=str(path), sheet=None, kind=kind, report=report)
    return [st] if st else []


def read_xlsx(path: Path, report: Report, *, kind: str = USER) -> list[SourceTable]:
    guard = FileGuard(path)
    wb = guard.open_xlsx()  # the zip directory is checked first; FileRejected goes to read_paths
    out: list[SourceTable] = []
    try:
        for ws in wb.worksheets:
            if _norm_header(ws.title) in IGNORED_SHEETS:
                continue
            table = table_for_name(ws.title)
            if table is None:
                report.add(Issue(WARNING, "unknown_sheet", str(path), None, None, ws.title,
                                 f"工作表「{ws.title}」不是模板中的表，已忽略" + nearest_table(ws.title),
                                 "如需导入，请把工作表改名为表名，如 programs 或 专业开设", ws.title))
                continue
            grid = _grid.worksheet_grid(guard, ws)
            st = rows_to_table(table, grid, file=str(path), sheet=ws.title, kind=kind, report=report)
            if st:
                out.append(st)
    finally:
        wb.close()
    return out


def _unreadable(f: Path, exc: BaseException) -> Issue:
    """An error while reading a file, as a report issue (never a traceback)."""
    if isinstance(exc, FileRejected):
        return exc.issue(f)
    if isinstance(exc, OSError):
        reason = {errno.ELOOP: "符号链接循环 (symlink loop)", errno.ENOSPC: "磁盘已满",
                  errno.EACCES: "没有读取权限", errno.EIO: "读写错误 (I/O error)"}.get(exc.errno or 0, "")
        return Issue(ERROR, "io_error", str(f), None, None, None,
                     f"读取文件失败：{reason or exc.strerror or exc} ({type(exc).__name__}: {exc.strerror or exc})",
                     "检查文件能否打开、磁盘空间和权限；符号链接请指向真实文件")
    if isinstance(exc, MemoryError):
        return Issue(ERROR, "too_large", str(f), None, None, None, "文件太大，读取时内存不足",
                     "拆分文件后分批导入；或调低 IEKG_MAX_ROWS / IEKG_MAX_CELLS 使其更早报错")
    return Issue(ERROR, "unreadable", str(f), None, None, None, f"无法读取文件：{type(exc).__name__}: {exc}",
                 "确认文件是模板格式的 .csv 或 .xlsx (可在 Excel 中打开后另存)")


def _folder_files(p: Path, report: Report) -> list[Path]:
    """The importable files of a folder (not recursive); broken links and loops are reported."""
    files: list[Path] = []
    try:
        entries = sorted(p.iterdir())
    except OSError as exc:
        report.add(_unreadable(p, exc))
        return []
    for f in entries:
        if f.suffix.lower() not in (".csv", ".xlsx", ".xls", ".txt") or f.name.startswith((".", "~$")):
            continue
        try:
            os.stat(f)  # follows links: a loop or a dangling link fails here
        except OSError as exc:
            report.add(_unreadable(f, exc) if exc.errno == errno.ELOOP else
                       Issue(ERROR, "not_found", str(f), None, None, None, f"「{f.name}」指向不存在的文件 (失效的符号链接)",
                             "删除该链接或让它指向真实文件"))
            continue
        files.append(f)
    return files


def _read_file(f: Path, p: Path, report: Report, kind: str, lazy: bool = False) -> list[SourceTable]:
    # A file named like a template table is a template; otherwise it may be an official list.
    if table_for_name(f.name) is None and official.detect_official(f) is not None:
        return official.read_official(f)
    suffix = f.suffix.lower()
    if suffix == ".csv" or suffix == ".txt" and table_for_name(f.name):
        return read_csv(f, report, kind=kind, lazy=lazy)
    if suffix in (".xlsx", ".xls"):  # told by its bytes: an .xls (or encrypted workbook) gets its own message
        return read_xlsx(f, report, kind=kind)
    if not p.is_dir():
        report.add(Issue(ERROR, "unsupported", str(f), None, None, None,
                         f"不支持的文件类型「{f.suffix}」", "请使用 .csv 或 .xlsx 文件"))
    return []


def read_paths(paths: Iterable[str | Path], report: Report, *, kind: str = USER, lazy: bool = False) -> list[SourceTable]:
    """Read files and folders of templates; official public lists are recognised and read too.

    Every file is read within the limits of :mod:`iekg.loaders.limits`; a file that cannot be read
    (broken, binary, over a limit, unreadable on disk) becomes one error in ``report``, never an
    exception.  Control characters and line breaks are checked (:mod:`iekg.loaders.textrules`).
    A user's import that would add nothing (no file, or no data row at all) is an error.  ``lazy``: big
    CSV files keep no rows in memory (see :func:`read_csv`).
    """
    out: list[SourceTable] = []
    given = [Path(p) for p in paths]
    for p in given:
        try:
            is_dir = p.is_dir()
            exists = is_dir or p.exists() or p.is_symlink()
        except OSError:
            is_dir, exists = False, True
        if not exists:
            report.add(Issue(ERROR, "not_found", str(p), None, None, None, f"找不到文件或文件夹「{p}」",
                             "检查路径是否正确"))
            continue
        files = _folder_files(p, report) if is_dir else [p]
        if is_dir and not files and kind == USER:
            report.add(Issue(ERROR, "empty_folder", str(p), None, None, None,
                             "文件夹中没有可导入的 .csv 或 .xlsx 文件", "确认文件夹路径；文件名应为表名，如 programs.csv"))
        for f in files:
            if f.name.startswith((".", "~$")):
                continue
            before, counts = len(report.issues), dict(report.tables)
            try:
                tables = _read_file(f, p, report, kind, lazy)
            except Exception as exc:  # noqa: BLE001 — any failure of one file is that file's error
                del report.issues[before:]  # a half-read file's issues and counts would only confuse
                report.tables = counts
                if not isinstance(exc, FileRejected):
                    log.debug("reading %s failed", f, exc_info=True)  # (the user gets the issue, not a traceback)
                report.add(_unreadable(f, exc))
                continue
            textrules.check_tables(tables, report)
            out.extend(tables)
    if kind == USER and given and report.ok and not any(st.rows for st in out):
        read = sorted({st.file for st in out})
        report.add(Issue(ERROR, "nothing_to_import", ", ".join(str(p) for p in given), None, None, None,
                         "没有可导入的数据行：" + ("文件只有表头或是空的" if read else "没有读到任何表"),
                         "在表头下填写数据后重新导入；或检查是否选错了文件/文件夹"))
    return out
