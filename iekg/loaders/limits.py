"""Bounded work per input file: the one place every reader (templates, official lists; CLI and API) asks.

A file a user hands us may be hostile or just unlucky: an ``.xlsx`` whose sheet *declares* the full
Excel range, a zip bomb (a few MB that inflate to GBs), a 3-million-row export, a binary file named
``.csv``.  Every reader therefore goes through :class:`FileGuard`, which

- checks the file's size before reading it (``IEKG_MAX_FILE_BYTES``);
- checks an XLSX archive's central directory with :mod:`zipfile` *before* openpyxl opens it: member
  count (``IEKG_MAX_ZIP_MEMBERS``), total inflated size (``IEKG_MAX_INFLATED_BYTES``) and the
  compression ratio of each large member (``IEKG_MAX_ZIP_RATIO``).  zipfile never hands out more than
  a member's declared size (a member whose data inflates further fails its CRC), so the declared sizes
  are a true upper bound;
- streams sheets in openpyxl's read-only mode with the declared dimension thrown away
  (``reset_dimensions``): the real extent is what is read, and reading stops at the row limit
  (``IEKG_MAX_ROWS``: the non-empty rows of the whole file, header included, and — with 10 rows to
  spare for titles — the number of a sheet's last non-empty row) or the cell limit (``IEKG_MAX_CELLS``);
- checks a deadline (``IEKG_MAX_PARSE_SECONDS``) while streaming, also inside a single huge row (the
  sheet's XML stream is wrapped).

A file that is not a zip where an ``.xlsx`` is expected is looked at by its bytes (:func:`ole_kind`): a
password-protected workbook (Excel writes it as an OLE2 compound file with ``EncryptionInfo`` and
``EncryptedPackage`` streams) and an old ``.xls`` (OLE2 with a ``Workbook``/``Book`` stream) each get their
own message and fix, whatever the file's name ends with.

The length of one cell is bounded too (``IEKG_MAX_NAME_CHARS`` for ids, codes, names and other one-line
fields, ``IEKG_MAX_CELL_CHARS`` for any cell): the validator (:mod:`iekg.loaders.pipeline`) refuses a longer
value with its length, row and column.

A limit that is hit raises :class:`LimitExceeded`, which names the limit, the value seen and the setting
that raises it; readers turn it (and every other :class:`FileRejected`) into a report issue, so nothing
is written and the CLI exits 1.  Defaults fit a province's real files with room to spare.
"""

from __future__ import annotations

import io
import stat
import time
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from iekg.loaders.report import ERROR, Issue

# Only members larger than this are held to the compression-ratio limit (small XML parts compress well
# and cannot do harm).
RATIO_CHECK_MIN_BYTES = 1024 * 1024
# How often (rows) the deadline is looked at while streaming rows.
TICK_ROWS = 512
# Rows above the data (title, header, notes) a sheet's extent may have beyond ``max_rows`` data rows.
EXTENT_SLACK = 10
# Excel's own sheet size; a declared dimension is never trusted, but nothing real exceeds this.
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Limits:
    """The bounds of one file.  Each field is the setting ``IEKG_<FIELD NAME IN CAPITALS>``."""

    max_file_bytes: int = 200 * 1024 * 1024  # a file on disk (CSV, XLS, XLSX)
    max_rows: int = 200_000  # non-empty rows of one file; a sheet's last used row may be 10 more
    max_cells: int = 5_000_000  # cells of one file (rows × their real width)
    max_inflated_bytes: int = 200 * 1024 * 1024  # an XLSX archive's members, inflated
    max_zip_members: int = 2_000  # members of an XLSX archive (a 100-sheet workbook has ~250)
    max_zip_ratio: int = 200  # inflated / compressed size of one member larger than 1 MB
    max_parse_seconds: float = 300.0  # reading one file
    max_name_chars: int = 500  # one cell of an id, code, name or other one-line field (checked by the validator)
    max_cell_chars: int = 32_767  # any one cell (Excel's own limit per cell; checked by the validator)

    @classmethod
    def from_settings(cls, settings: Any = None) -> Limits:
        if settings is None:
            from iekg.settings import Settings

            settings = Settings()
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)})

    @staticmethod
    def setting(name: str) -> str:
        return "IEKG_" + name.upper()


_CURRENT: ContextVar[Limits | None] = ContextVar("iekg_limits", default=None)


def current() -> Limits:
    """The limits in force: those set with :func:`use`, else the settings (environment ``IEKG_MAX_*``)."""
    return _CURRENT.get() or Limits.from_settings()


def use(limits: Limits | None) -> Any:
    """Set the limits for this context (returns the token for ``_CURRENT.reset``)."""
    return _CURRENT.set(limits)


# ------------------------------------------------------------------------------------------ errors
class FileRejected(Exception):
    """A file that cannot be read as it is: the reader turns it into one report issue (an error)."""

    def __init__(self, code: str, message: str, fix: str, *, row: int | None = None, column: str | None = None,
                 value: str | None = None, sheet: str | None = None) -> None:
        super().__init__(message)
        self.file: str | None = None  # set by whoever knows it (readers that read many files)
        self.code, self.message, self.fix = code, message, fix
        self.row, self.column, self.value, self.sheet = row, column, value, sheet

    def issue(self, file: str | Path, table: str | None = None) -> Issue:
        return Issue(ERROR, self.code, str(file), self.row, self.column, self.value, self.message, self.fix,
                     self.sheet, table)


class LimitExceeded(FileRejected):
    """A bound of :class:`Limits` was reached: says which, the value seen, and the setting that raises it."""

    def __init__(self, limit: str, seen: Any, allowed: Any, what: str, *, row: int | None = None,
                 sheet: str | None = None, more: bool = False) -> None:
        self.limit, self.seen, self.allowed = limit, seen, allowed
        env = Limits.setting(limit)
        over = "超过" if more else ""
        message = (f"超出上限 {limit}：{what} {over}{_fmt(seen)}，上限为 {_fmt(allowed)} "
                   f"(limit {limit} exceeded: {_fmt(seen)}{'+' if more else ''} > {_fmt(allowed)})")
        fix = (f"拆分文件后分批导入；确属正常数据时可调高上限：设置环境变量 {env}，如 {env}={_raise(allowed)} "
               f"(raise it with {env}=…)")
        super().__init__("limit", message, fix, row=row, sheet=sheet, value=f"{limit}={_fmt(seen)}")


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _raise(allowed: Any) -> str:
    return f"{allowed * 2:g}" if isinstance(allowed, float) else str(allowed * 2)


# ------------------------------------------------------------------------------------------- guard
class FileGuard:
    """The budget of one file: its size, its rows and cells (all sheets together) and its deadline."""

    def __init__(self, path: str | Path, limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or current()
        self.started = time.monotonic()
        self.deadline = self.started + self.limits.max_parse_seconds
        self.rows = 0
        self.cells = 0

    # -- time
    def tick(self, row: int | None = None, sheet: str | None = None) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded("max_parse_seconds", round(time.monotonic() - self.started, 1),
                                self.limits.max_parse_seconds, "读取此文件用时 (秒)", row=row, sheet=sheet,
                                more=True)

    # -- size
    def check_size(self) -> int:
        st = self.path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            raise FileRejected("not_a_file", "不是普通文件 (是文件夹、管道或设备)", "请选择要导入的 .csv 或 .xlsx 文件")
        size = st.st_size
        if size > self.limits.max_file_bytes:
            raise LimitExceeded("max_file_bytes", size, self.limits.max_file_bytes, "文件大小 (字节)")
        return size

    def read_bytes(self) -> bytes:
        self.check_size()
        data = self.path.read_bytes()
        if len(data) > self.limits.max_file_bytes:  # grew while we looked
            raise LimitExceeded("max_file_bytes", len(data), self.limits.max_file_bytes, "文件大小 (字节)")
        return data

    # -- rows and cells
    def row(self, index: int, width: int, sheet: str | None = None) -> None:
        """Count one non-empty row: ``index`` is its row number in the sheet/file, ``width`` its cells."""
        self.rows += 1
        self.cells += width
        lim = self.limits
        if index > lim.max_rows + EXTENT_SLACK:
            raise LimitExceeded("max_rows", index, lim.max_rows, "工作表或文件的行数 (最后一个非空行的行号)",
                                row=index, sheet=sheet)
        if self.rows > lim.max_rows:
            raise LimitExceeded("max_rows", self.rows, lim.max_rows, "文件中的非空行数 (含表头)", row=index, sheet=sheet)
        if self.cells > lim.max_cells:
            raise LimitExceeded("max_cells", self.cells, lim.max_cells, "文件中的单元格数", row=index, sheet=sheet,
                                more=True)
        if self.rows % TICK_ROWS == 0:
            self.tick(index, sheet)

    def stream(self, rows: Iterator[Any], sheet: str | None = None, *, start: int = 1) -> Iterator[tuple[int, Any]]:
        """``(row number, row)`` for every row of ``rows``, counted against the limits.

        Empty rows are counted only when a non-empty row follows them (trailing empty rows of a sheet,
        such as styled but blank ``<row>`` elements, are read but never count against the row limit).
        """
        for n, row in enumerate(rows, start=start):
            if n % (TICK_ROWS * 64) == 0:
                self.tick(n, sheet)
            if sheet is not None and n > EXCEL_MAX_ROWS + 1:  # a worksheet cannot hold more; a CSV can
                raise LimitExceeded("max_rows", n, self.limits.max_rows, "工作表的行数", row=n, sheet=sheet,
                                    more=True)
            if not row or _blank_row(row):
                yield n, row
                continue
            self.row(n, len(row), sheet)
            yield n, row

    # -- xlsx
    def check_zip(self) -> None:
        """The archive's central directory, before any XML is parsed: is it an xlsx, and is it bounded?"""
        self.check_size()
        try:
            with zipfile.ZipFile(self.path) as zf:
                infos = zf.infolist()
        except zipfile.BadZipFile as exc:
            raise self.not_a_zip(exc) from None
        lim = self.limits
        if len(infos) > lim.max_zip_members:
            raise LimitExceeded("max_zip_members", len(infos), lim.max_zip_members, "xlsx 压缩包中的文件数")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
            raise FileRejected("not_xlsx", "这是 zip 压缩包，但不是 Excel 工作簿 (缺少 [Content_Types].xml 或 "
                               "xl/workbook.xml)", "请上传 Excel 保存的 .xlsx 文件；压缩包请先解压")
        total = 0
        for i in infos:
            if i.flag_bits & 0x1:
                raise FileRejected("encrypted", f"工作簿已加密 ({i.filename})", "在 Excel 中取消密码保护后另存")
            total += i.file_size
            if total > lim.max_inflated_bytes:
                raise LimitExceeded("max_inflated_bytes", total, lim.max_inflated_bytes,
                                    "xlsx 解压后的大小 (字节)", more=True)
            if i.file_size > RATIO_CHECK_MIN_BYTES:
                ratio = i.file_size / max(i.compress_size, 1)
                if ratio > lim.max_zip_ratio:
                    raise LimitExceeded("max_zip_ratio", round(ratio), lim.max_zip_ratio,
                                        f"xlsx 中 {i.filename} 的压缩比 (疑似压缩炸弹)")

    def not_a_zip(self, exc: Exception) -> FileRejected:
        """What a file that should be an .xlsx but is no zip is, told by its bytes (:func:`ole_kind`)."""
        kind = ole_kind(self.read_bytes())
        if kind == "encrypted":
            return FileRejected(
                "password_protected",
                "工作簿设置了打开密码 (已加密)，无法读取其中的数据 (the workbook is password-protected)",
                "在 Excel 中输入密码打开，文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码并确定 "
                "(WPS：文件 → 文档加密 → 密码加密，清空打开密码)，保存后重新导入 "
                "(remove the password in Excel/WPS, save, import again)")
        if kind == "xls":
            return FileRejected(
                "xls",
                "这是旧版 Excel 97-2003 工作簿 (.xls)，不能直接导入 (old .xls workbooks are not read: save as .xlsx)",
                "在 Excel 或 WPS 中打开，文件 → 另存为 → 文件类型选「Excel 工作簿 (*.xlsx)」，导入另存的 .xlsx 文件")
        if kind == "ole":
            return FileRejected("not_xlsx", "这是旧版 Office 文档 (OLE2 复合文档，如 .doc、.ppt)，不是 Excel 工作簿 "
                                "(an old Office document, not a workbook)", "请导入 Excel 保存的 .xlsx 或 .csv 文件")
        return FileRejected("not_xlsx", f"不是有效的 .xlsx 工作簿 (不是 zip 格式或已损坏：{exc})",
                            "在 Excel 中打开并另存为 .xlsx")

    def open_xlsx(self) -> Any:
        """The workbook in openpyxl's read-only streaming mode, after :meth:`check_zip`.  A real .xlsx whose
        name ends otherwise (``.xls``) is read from its bytes: openpyxl refuses such a name."""
        import openpyxl

        self.check_zip()
        try:
            if self.path.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
                return openpyxl.load_workbook(io.BytesIO(self.read_bytes()), read_only=True, data_only=True)
            return openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except FileRejected:
            raise
        except Exception as exc:  # openpyxl: broken parts, not a workbook inside
            raise FileRejected("unreadable", f"无法读取工作簿：{type(exc).__name__}: {exc}",
                               "在 Excel 中打开并另存为 .xlsx 后重试") from None

    def xlsx_rows(self, ws: Any, *, values_only: bool = False) -> Iterator[tuple[int, Any]]:
        """``(Excel row number, row)`` of a read-only worksheet: real extent, bounded, with a deadline.

        Errors inside the sheet's XML become :class:`FileRejected` naming the sheet and the row after the
        last good one.
        """
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # the declared <dimension> is never trusted
        get_source = getattr(ws, "_get_source", None)
        if get_source is not None:  # the deadline is checked inside a row too (a row of a million cells)
            ws._get_source = lambda: _TimedStream(get_source(), self, ws.title)
        last = 0
        try:
            for n, row in self.stream(ws.iter_rows(values_only=values_only), ws.title):
                last = n
                yield n, row
        except FileRejected:
            raise
        except MemoryError:
            raise FileRejected("too_large", "工作表太大，内存不足", "拆分文件后分批导入",
                               row=last + 1, sheet=ws.title) from None
        except Exception as exc:  # broken sheet XML, bad cell values
            raise FileRejected("broken_sheet", f"工作表内容损坏，无法读取 (第 {last} 行之后)：{type(exc).__name__}: {exc}",
                               "在 Excel 中打开并另存为 .xlsx 后重试；或把数据复制到新工作簿",
                               row=last + 1, sheet=ws.title) from None

    # -- xls (xlrd reads the whole BIFF file; its real row/column counts are checked before any row is read)
    def check_xls_sheet(self, sh: Any) -> None:
        lim = self.limits
        if sh.nrows > lim.max_rows:
            raise LimitExceeded("max_rows", sh.nrows, lim.max_rows, "工作表的行数", sheet=sh.name)
        cells = sum(sh.row_len(r) for r in range(sh.nrows))  # opened with ragged_rows: real widths
        if cells > lim.max_cells:
            raise LimitExceeded("max_cells", cells, lim.max_cells, "工作表的单元格数", sheet=sh.name)
        self.tick(sheet=sh.name)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file (CFB): old Office, encrypted OOXML
_ENCRYPTED_STREAMS = ("EncryptedPackage", "EncryptionInfo")
_XLS_STREAMS = ("Workbook", "Book")  # BIFF8 (Excel 97–2003) and BIFF5


def ole_kind(data: bytes) -> str | None:
    """What an OLE2 compound file holds, by the names of its streams: ``"encrypted"`` (a password-protected
    .xlsx/.docx: ``EncryptionInfo`` + ``EncryptedPackage``), ``"xls"`` (a ``Workbook`` or ``Book`` stream),
    ``"ole"`` (another compound file: .doc, .ppt …); ``None`` when ``data`` is not a compound file."""
    if not data.startswith(OLE_MAGIC):
        return None
    names = _ole_names(data)
    if any(n in names for n in _ENCRYPTED_STREAMS):
        return "encrypted"
    if any(n in names for n in _XLS_STREAMS):
        return "xls"
    return "ole"


def _ole_names(data: bytes) -> set[str]:
    """The names in a compound file's directory (xlrd's reader); from a plain search of the UTF-16 names
    when the directory cannot be followed (a truncated or damaged file)."""
    from xlrd.compdoc import CompDoc

    try:
        return {d.name for d in CompDoc(data, logfile=io.StringIO()).dirlist}
    except Exception:  # noqa: BLE001 — a damaged directory: look for the names themselves
        return {n for n in (*_ENCRYPTED_STREAMS, *_XLS_STREAMS) if (n + "\0").encode("utf-16-le") in data}


def _blank_row(row: Any) -> bool:
    try:
        return not "".join(row).strip()  # a CSV row: every cell a str
    except TypeError:
        return all(_blank(v) for v in row)


def _blank(v: Any) -> bool:
    v = getattr(v, "value", v)
    return v is None or isinstance(v, str) and v.strip() == ""


class _TimedStream:
    """A sheet's XML stream whose every read checks the file's deadline."""

    def __init__(self, raw: Any, guard: FileGuard, sheet: str | None) -> None:
        self.raw, self.guard, self.sheet = raw, guard, sheet

    def read(self, n: int = -1) -> bytes:
        self.guard.tick(sheet=self.sheet)
        return self.raw.read(n)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _TimedStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
