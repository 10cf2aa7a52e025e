"""What every command shares: the settings (``--home``, ``--store``, ``--lang``), the interface words, the
terminal, opening the store, turning the service's errors into exit codes, and :func:`render`, the one place
that knows the output formats.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iekg import service, textsafe
from iekg.service.arguments import ArgumentError, cli_spelling

if TYPE_CHECKING:
    from rich.console import Console

    from iekg.graph.store import Store
    from iekg.settings import Settings
    from iekg.takeaway.tabular import Tabular

# rich is imported on first use (a table, a coloured line), not at start-up: an answer asked for as JSON —
# what scripts and the benchmark ask — needs none of it (issue 20: a fresh process within half a second).


def Text(*args: Any, **kwargs: Any) -> Any:  # noqa: N802  (rich's Text, made on first use)
    """``rich.text.Text(*args, **kwargs)``: a styled piece of the terminal's output."""
    from rich.text import Text as _Text

    return _Text(*args, **kwargs)


def escape(markup: str) -> str:
    """``rich.markup.escape``: text printed literally where rich reads markup."""
    from rich.markup import escape as _escape

    return _escape(markup)


def RichTable(*columns: Any, title: Any = None, **kwargs: Any) -> Any:  # noqa: N802
    """A table whose plain-string cells are shown literally: user data may contain [brackets], which rich
    would otherwise read as markup (and drop, as it did with "[programs]" sheet names). Styled cells are
    passed as ``Text``."""
    return _rich_table()(*columns, title=title, **kwargs)


@functools.cache
def _rich_table() -> type:
    from rich.table import Table

    class RichTable(Table):
        def __init__(self, *columns: Any, title: Any = None, **kwargs: Any) -> None:
            super().__init__(*columns, title=safe_text(title) if isinstance(title, str) else title, **kwargs)

        def add_row(self, *cells: Any, **kwargs: Any) -> None:
            super().add_row(*(escape(textsafe.terminal(c)) if isinstance(c, str) else c for c in cells), **kwargs)

    return RichTable


def safe_text(s: Any, style: str = "") -> Any:
    """User text for the terminal: no rich markup, no control character or escape sequence (iekg.textsafe)."""
    return Text(textsafe.terminal(s), style)


class _Console:
    """A rich ``Console`` made on first use (``out.print(…)``, ``err.is_terminal`` …) with these options."""

    def __init__(self, **options: Any) -> None:
        self._options = options

    def __getattr__(self, name: str) -> Any:
        made = self.__dict__.get("_made")
        if made is None:
            from rich.console import Console

            options = {k: v() if callable(v) else v for k, v in self._options.items()}
            made = self.__dict__["_made"] = Console(**options)
        return getattr(made, name)


def made(console: Console) -> Console:
    """The rich ``Console`` behind ``out`` or ``err`` (made now if it was not), for what takes a console
    (``rich.progress.Progress(console=…)``)."""
    console.is_terminal  # noqa: B018  (made on first use)
    return console.__dict__.get("_made", console)  # type: ignore[no-any-return]


# Piped output (a file, another program) gets wide tables instead of 80 folded columns.
out: Console = _Console(soft_wrap=True, width=lambda: None if sys.stdout.isatty() else 200)  # type: ignore[assignment]
err: Console = _Console(stderr=True)  # type: ignore[assignment]


class Fmt(StrEnum):
    """The output formats of ``--format``: each has one writer in :data:`WRITERS`.  ``csv`` and ``xlsx`` are
    the answer as a file to take away (:mod:`iekg.takeaway`): Chinese headers with units, the notes
    (illustrative, data coverage, source) in the file."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


# ``--output FILE``: where csv / xlsx (or json) go instead of stdout.
OUTPUT_HELP = "write the answer to this file (csv, xlsx, json); xlsx on a terminal needs it"


TAKEAWAY = "iekg_takeaway"  # the click context's mark: this command writes csv / xlsx


def _mark_takeaway(ctx: typer.Context, value: Path | None) -> Path | None:
    ctx.meta[TAKEAWAY] = True
    return value


def output_option() -> Any:
    """The ``--output``/``-o`` option of the commands that take ``--format csv|xlsx`` (declaring it marks the
    command as one that writes them: :func:`open_store` refuses csv/xlsx, before any work, for the others)."""
    return typer.Option(None, "--output", "-o", help=OUTPUT_HELP, dir_okay=False, callback=_mark_takeaway)


def _current_context() -> Any:
    """The running command's click context (typer ≥ 0.2x runs on its own copy of click, older ones on click)."""
    import importlib

    try:
        globals_ = importlib.import_module("typer._click.globals")
    except ImportError:  # typer < 0.2x: click itself
        globals_ = importlib.import_module("click.globals")
    return globals_.get_current_context(silent=True)


def refuse_takeaway_early() -> None:
    """Formats that cannot be written, refused before the command does anything (called by
    :func:`open_store`): ``--format csv|xlsx`` on a command that has no such file (``build``, ``import`` …:
    not after a build), ``--output`` with the table, xlsx on a terminal without ``--output``."""
    ctx = _current_context()
    if ctx is None:
        return
    fmt = ctx.params.get("fmt")
    if not isinstance(fmt, Fmt):  # a command with formats of its own (chart, schema, export graph)
        return
    if not ctx.meta.get(TAKEAWAY):
        if fmt in (Fmt.csv, Fmt.xlsx):
            raise typer.BadParameter(f"this command has no --format {fmt.value}; use table or json",
                                     param_hint="--format")
        return
    output = ctx.params.get("output")
    if output is not None and fmt is Fmt.table:
        raise typer.BadParameter("--output writes files: use it with --format json, csv or xlsx",
                                 param_hint="--output")
    if output is None and fmt is Fmt.xlsx and sys.stdout.isatty():
        raise typer.BadParameter("xlsx is a binary file: give --output FILE.xlsx (or redirect stdout to a file)",
                                 param_hint="--output")


class _StateType(type):
    """``State.settings``: built on first use (a command that needs none — ``version``, ``--help`` — does not
    import pydantic-settings), from the global options the app's callback leaves in ``State.overrides``."""

    _settings: Settings | None = None

    @property
    def settings(cls) -> Settings:
        if cls._settings is None:
            from iekg.settings import Settings

            cls._settings = Settings(**State.overrides)
        return cls._settings

    @settings.setter
    def settings(cls, value: Settings | None) -> None:
        cls._settings = value


class State(metaclass=_StateType):
    """What the global options chose for this run: ``State.settings`` (built on first use from the environment
    and ``State.overrides``; setting it replaces it, setting None builds it again on the next use)."""

    overrides: dict[str, Any] = {}


T = {  # a few words of the interface in both languages
    "zh": {"file": "文件", "sheet": "工作表", "row": "行", "column": "列", "value": "值", "problem": "问题",
           "fix": "修改建议", "severity": "级别", "error": "错误", "warning": "提示", "label": "类型",
           "count": "数量", "rel": "关系", "name": "名称", "id": "编号", "nothing": "图未改变",
           "built": "已建成知识图谱", "imported": "已导入", "valid": "校验通过", "notfound": "找不到"},
    "en": {"file": "file", "sheet": "sheet", "row": "row", "column": "column", "value": "value",
           "problem": "problem", "fix": "fix", "severity": "severity", "error": "error", "warning": "warning",
           "label": "label", "count": "count", "rel": "relationship", "name": "name", "id": "id",
           "nothing": "the graph was not changed", "built": "knowledge graph built", "imported": "imported",
           "valid": "valid", "notfound": "not found"},
}


def tr(key: str) -> str:
    """An interface word in the chosen language (``--lang``)."""
    return T.get(State.settings.lang, T["zh"])[key]


# ---------------------------------------------------------------------------------------------- output
def json_text(data: Any) -> str:
    """``data`` as indented JSON text (Chinese kept as it is): what ``json.dumps(data, ensure_ascii=False,
    indent=2, default=str)`` writes, character for character.

    The standard encoder writes indented JSON in pure Python (its C part has no indent): 23 ms for a city's
    gaps (700 KB), 24 ms for the readiness of every city, 170 ms for who trains an industry nationwide without
    a limit.  orjson writes the same text in a fifth of that, the walk over the answer that checks it first
    included, when the answer holds only what both spell alike — dicts with str keys, lists, tuples, str, int,
    bool, None and finite floats from 1e-4 up (or zero).  Anything else goes to the standard encoder: NaN and infinities (orjson writes null), floats below 1e-4
    (orjson writes 0.00001 and 1e-7 where Python writes 1e-05 and 1e-07), non-str keys, subclasses (numpy
    scalars, enums), the types ``default=str`` turns into text (dates), and whatever orjson refuses (ints beyond
    64 bits, lone surrogates, deep nesting)."""
    try:
        plain = _plain(data)
    except RecursionError:
        plain = False
    if plain:
        import orjson

        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        except TypeError:  # (orjson.JSONEncodeError is one)
            pass
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _plain(x: Any) -> bool:
    """Whether orjson writes ``x`` as the standard encoder does (:func:`json_text`)."""
    t = type(x)
    if t is str or t is int or t is bool or x is None:
        return True
    if t is float:
        return x == 0.0 or 1e-4 <= abs(x) < float("inf")  # (NaN fails both)
    if t is dict:
        for k, v in x.items():
            if type(k) is not str or not _plain(v):
                return False
        return True
    if t is list or t is tuple:
        for v in x:
            if not _plain(v):
                return False
        return True
    return False


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (Chinese kept as it is)."""
    sys.stdout.write(json_text(data) + "\n")


class Output:
    """What a writer is given: the answer as JSON prints it, the terminal drawing, the file to take away (built
    only when asked for) and ``--output``."""

    def __init__(self, data: Any, draw: Callable[[], None] | None, take: Callable[[], Tabular] | None,
                 path: Path | None) -> None:
        self.data, self.draw, self.take = data, draw, take
        self.path = None if path is not None and str(path) == "-" else path  # ``-o -``: stdout, as Unix tools say

    def tabular(self, fmt: Fmt) -> Tabular:
        if self.take is None:
            raise typer.BadParameter(f"this command has no --format {fmt.value}; use table or json",
                                     param_hint="--format")
        return self.take()


def _emit(payload: bytes, path: Path | None) -> None:
    """Bytes to ``path`` (a line on stderr says where), or to stdout."""
    if path is not None:
        try:
            path.write_bytes(payload)
        except OSError as exc:
            err.print(Text(f"{path}: {exc.strerror or exc}", "red"))
            raise typer.Exit(1) from None
        err.print(Text(f"已写入 written: {path}", "dim"))
        return
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text-only stdout: CSV is text, xlsx was refused before
        sys.stdout.write(payload.decode("utf-8"))
        return
    stream.write(payload)
    stream.flush()


def _write_table(o: Output) -> None:
    if o.path is not None:
        raise typer.BadParameter("--output writes files: use it with --format json, csv or xlsx",
                                 param_hint="--output")
    if o.draw is not None:
        o.draw()


def _write_json(o: Output) -> None:
    if o.path is None:
        print_json(o.data)
    else:
        _emit((json_text(o.data) + "\n").encode("utf-8"), o.path)


def _write_csv(o: Output) -> None:
    from iekg.takeaway.writers import to_csv

    _emit(to_csv(o.tabular(Fmt.csv)), o.path)


def _write_xlsx(o: Output) -> None:
    if o.path is None and sys.stdout.isatty():  # binary on a terminal: refused, nothing written
        raise typer.BadParameter("xlsx is a binary file: give --output FILE.xlsx (or redirect stdout to a file)",
                                 param_hint="--output")
    from iekg.takeaway.writers import to_xlsx

    _emit(to_xlsx(o.tabular(Fmt.xlsx)), o.path)


WRITERS: dict[Fmt, Callable[[Output], None]] = {
    Fmt.json: _write_json,
    Fmt.table: _write_table,
    Fmt.csv: _write_csv,
    Fmt.xlsx: _write_xlsx,
}


def render(data: Any, fmt: Fmt, draw: Callable[[], None] | None = None, *, reason: str | None = None,
           take: Callable[[], Tabular] | None = None, output: Path | None = None) -> None:
    """Show a command's answer in the chosen output format: the one place that knows the formats (a new
    one is a :class:`Fmt` member and a writer in :data:`WRITERS`).

    Parameters
    ----------
    data : Any
        The answer, as ``--format json`` prints it.
    fmt : Fmt
        The output format.
    draw : callable, optional
        Draws the answer in the terminal (tables, notes) for ``--format table``.
    reason : str, optional
        Why the answer is empty: on stderr with JSON, CSV and xlsx (the file stays the answer; CSV and xlsx
        also carry it in their notes), a yellow line after the table.
    take : callable, optional
        Builds the answer as a file to take away (:func:`iekg.takeaway.convert.tabular`) for ``csv`` and
        ``xlsx``; a command without it refuses those formats (usage error).
    output : Path, optional
        ``--output``: the file for json, csv or xlsx (default stdout; xlsx on a terminal needs it).
    """
    WRITERS[fmt](Output(data, draw, take, output))
    if reason and fmt is not Fmt.table:
        err.print(Text(f"reason: {reason}"))
    elif fmt is Fmt.table:
        empty_reason(reason)


def takeaway(kind: str, answer: Any, store: Store | None = None) -> Callable[[], Tabular]:
    """The ``take`` of :func:`render` for an answer of ``kind`` (:data:`iekg.takeaway.convert.CONVERTERS`)."""

    def build() -> Tabular:
        from iekg.takeaway.convert import tabular

        return tabular(kind, answer, store)

    return build


def empty_reason(reason: str | None) -> None:
    """An empty answer says why (and what to try)."""
    if reason:
        out.print(Text(f"结果为空 empty: {reason}", "yellow"))


# ------------------------------------------------------------------------------------ store and errors
def open_store(name: str | None = None, *, migrate_legacy: bool = True) -> Store:
    """The configured store (or the store ``name``); a store that cannot be opened is one red line, exit 1."""
    refuse_takeaway_early()
    if State.settings.server and name is None:  # a question asked of a running server (iekg.cli.remote)
        import os

        from iekg.cli.remote import RemoteStore, given_settings, unused_settings

        unused = unused_settings(os.environ)
        if unused:
            err.print(Text(f"{', '.join(unused)}: set here but not used — a server cannot read a file of this machine: "
                           f"it answers with its own vocabulary (leave out --server to use yours)", "yellow"))
        remote = RemoteStore(State.settings.server, State.settings.server_timeout,
                             given_settings(os.environ, State.settings))
        OPENED.append(remote)  # type: ignore[arg-type]
        return remote  # type: ignore[return-value]
    settings = State.settings if name is None else State.settings.model_copy(update={"store": name})
    open_ = service.open_store  # imports the store's modules
    from iekg.graph.store import StoreError

    try:
        store = open_(settings, lambda m: err.print(Text(m, "yellow")), migrate_legacy=migrate_legacy)
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    OPENED.append(store)
    return store


OPENED: list[Store] = []  # the stores this process opened: :func:`iekg.cli.main` closes them when the command ends


def close_opened() -> None:
    """Close the stores the command opened (their connections and driver), newest first; a store that fails to
    close does not hide the command's outcome."""
    while OPENED:
        try:
            OPENED.pop().close()
        except Exception:  # noqa: BLE001,S110 — the command's own result and exit code stand
            pass


@contextmanager
def answers() -> Iterator[None]:
    """A question asked of the service: arguments that do not go together are a usage error (exit 2, the
    option named); a question the data cannot answer (unknown city, chain, id; too few cities) is one red
    line, exit 1."""
    try:
        yield
    except ArgumentError as exc:
        raise usage(exc) from None
    except (LookupError, ValueError) as exc:
        err.print(Text(str(exc).strip("'\""), "red"))
        raise typer.Exit(1) from None


def usage(exc: ArgumentError) -> typer.BadParameter:
    """A usage error of the service's argument rules, as the command line says it."""
    return typer.BadParameter(exc.text(cli_spelling), param_hint=cli_spelling(exc.param, False))


@contextmanager
def import_errors() -> Iterator[None]:
    """An import or build that fails outside the report (the store cannot be written, the disk is full):
    one red line saying the graph was not changed, exit 1 — never a traceback."""
    from iekg.graph.store import StoreError
    from iekg.loaders.limits import FileRejected

    try:
        yield
    except FileRejected as exc:  # a file read outside the report (``build --public``): its error and fix
        err.print(Text(f"{exc.file or ''} {exc.message}\n{exc.fix}\n{tr('nothing')}".strip(), "red"))
        raise typer.Exit(1) from None
    except (StoreError, OSError, MemoryError) as exc:
        what = "内存不足 (out of memory)" if isinstance(exc, MemoryError) else f"{type(exc).__name__}: {exc}"
        err.print(Text(f"{what}\n{tr('nothing')}", "red"))
        raise typer.Exit(1) from None


def resolve(store: Store, ident: str) -> Any:
    """An entity by id, Label:id or exact name; ``找不到: …`` and exit 1 when there is none."""
    from iekg.cli.remote import service as asked  # (the server's, when the store is one)

    node = asked.resolve(store, ident)
    if node is None:
        err.print(safe_text(f"{tr('notfound')}: {ident}", "red"))
        raise typer.Exit(1)
    return node


def who() -> str | None:
    """The OS user, as the import history records who ran a command."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return None


def fnum(x: Any, nd: int = 4) -> str:
    """A figure for a table cell: floats with ``nd`` decimals, None as an empty cell."""
    return "" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


NO_DATA_CELL = "无数据 no data"


def figure_cell(x: Any, nd: int = 4) -> str:
    """A figure for a table cell where a missing one is said: None as 无数据 (never 0 or blank)."""
    return NO_DATA_CELL if x is None else fnum(x, nd)


def illustrative_line(answer: Any) -> None:
    """The line under a table whose figures rest on illustrative (demo) data."""
    if answer.illustrative:
        out.print("[bold yellow]示意数据：以上结果基于示意（演示）数据，不是真实情况 (illustrative demo data)[/bold yellow]")
