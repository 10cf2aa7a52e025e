"""What every command shares: the settings (``--home``, ``--store``, ``--lang``), the interface words, the
terminal, opening the store, turning the service's errors into exit codes, and :func:`render`, the one place
that knows the output formats.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as _Table
from rich.text import Text

from iekg import service, textsafe
from iekg.graph.store import Store, StoreError
from iekg.loaders.limits import FileRejected
from iekg.service.arguments import ArgumentError, cli_spelling
from iekg.settings import Settings


class RichTable(_Table):
    """A table whose plain-string cells are shown literally: user data may contain [brackets], which rich
    would otherwise read as markup (and drop, as it did with "[programs]" sheet names). Styled cells are
    passed as ``Text``."""

    def __init__(self, *columns: Any, title: Any = None, **kwargs: Any) -> None:
        super().__init__(*columns, title=safe_text(title) if isinstance(title, str) else title, **kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        super().add_row(*(escape(textsafe.terminal(c)) if isinstance(c, str) else c for c in cells), **kwargs)


def safe_text(s: Any, style: str = "") -> Text:
    """User text for the terminal: no rich markup, no control character or escape sequence (iekg.textsafe)."""
    return Text(textsafe.terminal(s), style)


# Piped output (a file, another program) gets wide tables instead of 80 folded columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)


class Fmt(StrEnum):
    """The output formats of ``--format``: each has one writer in :data:`WRITERS`."""

    table = "table"
    json = "json"


class State:
    settings: Settings = Settings()


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
def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (Chinese kept as it is)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _draw(data: Any, draw: Callable[[], None] | None) -> None:
    if draw is not None:
        draw()


WRITERS: dict[Fmt, Callable[[Any, Callable[[], None] | None], None]] = {
    Fmt.json: lambda data, _draw_table: print_json(data),
    Fmt.table: _draw,
}


def render(data: Any, fmt: Fmt, draw: Callable[[], None] | None = None, *, reason: str | None = None) -> None:
    """Show a command's answer in the chosen output format: the one place that knows the formats (a new
    one — csv, xlsx — is a :class:`Fmt` member and a writer in :data:`WRITERS`).

    Parameters
    ----------
    data : Any
        The answer, as ``--format json`` prints it.
    fmt : Fmt
        The output format.
    draw : callable, optional
        Draws the answer in the terminal (tables, notes) for ``--format table``.
    reason : str, optional
        Why the answer is empty: on stderr with JSON (the JSON stays the answer), a yellow line after the table.
    """
    WRITERS[fmt](data, draw)
    if reason and fmt is Fmt.json:
        err.print(Text(f"reason: {reason}"))
    elif fmt is Fmt.table:
        empty_reason(reason)


def empty_reason(reason: str | None) -> None:
    """An empty answer says why (and what to try)."""
    if reason:
        out.print(Text(f"结果为空 empty: {reason}", "yellow"))


# ------------------------------------------------------------------------------------ store and errors
def open_store(name: str | None = None, *, migrate_legacy: bool = True) -> Store:
    """The configured store (or the store ``name``); a store that cannot be opened is one red line, exit 1."""
    settings = State.settings if name is None else State.settings.model_copy(update={"store": name})
    try:
        return service.open_store(settings, lambda m: err.print(Text(m, "yellow")), migrate_legacy=migrate_legacy)
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


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
    node = service.resolve(store, ident)
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
