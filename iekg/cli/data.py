"""Commands about the graph's data: build, import, validate, sync, info, migrate, history, template, schema;
and serve, version."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iekg import __version__, service
from iekg.cli.console import (
    Fmt,
    RichTable,
    State,
    Text,
    err,
    escape,
    import_errors,
    made,
    open_store,
    out,
    print_json,
    render,
    tr,
    who,
)
from iekg.cli.root import app

if TYPE_CHECKING:  # the loaders are imported by the commands that load (not at start-up: tests/test_cli_startup.py)
    from iekg.loaders.report import ImportFailed, Report

REPORT_ROWS = 200  # issues shown one per row in the terminal; the rest are counted (JSON has every one)
# service.DEMO_ROWS (iekg.loaders.demorows), spelled out: importing it brings the loaders (a test keeps them equal)
DEMO_ROWS = ("stop", "replace", "keep")
DemoRows = StrEnum("DemoRows", {m: m for m in DEMO_ROWS})  # type: ignore[misc]


def _print_report(report: Report, fmt: Fmt, *, extra: dict[str, Any] | None = None) -> None:
    render({**report.as_dict(), **(extra or {})}, fmt, lambda: _draw_report(report))


def _draw_report(report: Report) -> None:
    if report.issues:
        t = RichTable(show_lines=False)
        for key in ("severity", "file", "row", "column", "value", "problem", "fix"):
            t.add_column(tr(key), overflow="fold")
        shown = report.issues[:REPORT_ROWS]
        for i in shown:
            sev = Text(tr("error"), "red") if i.severity == "error" else Text(tr("warning"), "yellow")
            file = Path(i.file).name + (f" [{i.sheet}]" if i.sheet else "")
            t.add_row(sev, file, "" if i.row is None else str(i.row), i.column or "", i.value or "", i.message, i.fix)
        out.print(t)
        rest = report.issues[REPORT_ROWS:]
        if rest:
            _print_rest(rest)
    out.print(f"{tr('error')}: {len(report.errors)}  {tr('warning')}: {len(report.warnings)}")


def _print_rest(rest: list[Any]) -> None:
    """The issues past the first REPORT_ROWS, counted by file, column and kind: thousands of rows with one
    cause (a table left out, a wrong code in every row) read as one line each."""
    groups: dict[tuple[str, str, str, str], int] = {}
    for i in rest:
        k = (i.severity, Path(i.file).name + (f" [{i.sheet}]" if i.sheet else ""), i.column or "", i.code)
        groups[k] = groups.get(k, 0) + 1
    t = RichTable(title=f"另有 {len(rest):,} 条未逐行列出 (and {len(rest):,} more; --format json lists every one)")
    for key in ("severity", "file", "column"):
        t.add_column(tr(key))
    t.add_column("code")
    t.add_column(tr("count"), justify="right")
    for (sev, file, col, code), n in sorted(groups.items(), key=lambda kv: -kv[1]):
        t.add_row(Text(tr("error"), "red") if sev == "error" else Text(tr("warning"), "yellow"), file, col, code,
                  f"{n:,}")
    out.print(t)


def _fail(exc: ImportFailed, fmt: Fmt) -> None:
    _print_report(exc.report, fmt, extra={"changed": False})
    if fmt is Fmt.table:
        out.print(f"[red]{tr('nothing')}[/red]")
    raise typer.Exit(1)


@app.command()
def build(
    data: list[Path] = typer.Option([], "--data", help="extra template files or folders to load"),
    no_demo: bool = typer.Option(False, "--no-demo", help="leave out the illustrative Henan demo"),
    public: Path | None = typer.Option(None, "--public", help="folder of official public lists to load too "
                                       "(env IEKG_PUBLIC_DIR)"),
    compact: bool = typer.Option(False, "--compact", help="give the graph file's free pages back to the disk "
                                 "after the build (VACUUM; done anyway when they are a quarter of the file or more)"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Build a fresh graph: shipped reference data + the demo (or only the given data)."""
    from iekg.loaders.report import ImportFailed

    store = open_store()
    if State.settings.store in service.EMBEDDED:  # a killed build's scratch files (the build does it too)
        from iekg.graph.spill import remove_stale_spills

        remove_stale_spills(State.settings.home)
    public = public or State.settings.public_dir
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    stages = {"read": "读取数据 reading", "validate": "校验并写入 validating and writing", "done": "完成 done"}
    try:
        with import_errors(), Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                        console=made(err), transient=True,
                                        disable=fmt is Fmt.json or not err.is_terminal) as bar:
            task = bar.add_task("iekg build")
            outcome = service.build(store, State.settings, data, demo=not no_demo, public=public,
                                    progress=lambda s: bar.update(task, description=stages[s]),
                                    who=who(), via="build")
    except ImportFailed as exc:
        _fail(exc, fmt)
        return
    compacted = _compact_after_build(store, compact)
    summary = {**_info(store), "seconds": round(outcome.seconds, 3), "home": str(State.settings.home),
               "warnings": len(outcome.report.warnings), "compacted": compacted}

    def draw() -> None:
        _print_counts(summary)
        out.print(f"[green]{tr('built')}[/green] ({summary['total_nodes']} nodes, {summary['total_relationships']} "
                  f"relationships, {outcome.seconds:.1f} s) → "
                  f"{State.settings.db_file if store.name == 'sqlite' else store.name}")
        if outcome.report.warnings:
            out.print(f"{tr('warning')}: {len(outcome.report.warnings)} (--format json for details)")
        if compacted:
            b, a = compacted["before"], compacted["after"]
            out.print(f"compacted 已压缩: {b['file_bytes'] / 1e6:.1f} MB → {a['file_bytes'] / 1e6:.1f} MB "
                      f"({b['free_pages']} free pages given back)")

    render({**summary, "report": outcome.report.as_dict()}, fmt, draw)


def _compact_after_build(store: Any, asked: bool) -> dict[str, Any] | None:
    """``VACUUM`` after a build when asked (``--compact``) or when the free pages are worth it."""
    from iekg.graph import sqlite_space

    with import_errors():
        before = sqlite_space.space(store)
        if before is None or not (asked or sqlite_space.worth_compacting(before)):
            return None
        if not before["free_pages"]:
            return {"before": before, "after": before}
        return sqlite_space.compact(store)


def _info(store: Any) -> dict[str, Any]:
    """``service.info`` and, for the embedded graph's file, its pages (``storage``: how many are free)."""
    from iekg.graph import sqlite_space

    summary = service.info(store)
    storage = sqlite_space.space(store)
    if storage is not None:
        summary["storage"] = storage
    return summary


def _print_storage(summary: dict[str, Any]) -> None:
    st = summary.get("storage")
    if st:
        out.print(f"file 文件: {st['file_bytes'] / 1e6:.1f} MB, {st['pages']} pages of {st['page_size'] // 1024} KB, "
                  f"{st['free_pages']} free 空闲 ({st['free_share']:.0%})"
                  + ("; `iekg build --compact` gives them back" if st["free_pages"] else ""))


def _do_import(paths: list[Path], fmt: Fmt, dry_run: bool, demo_rows: str = "stop") -> None:
    from iekg.loaders.report import ImportFailed

    store = open_store()
    try:
        with import_errors():
            outcome = service.import_paths(store, paths, dry_run=dry_run, demo_rows=demo_rows, who=who(),
                                           via="cli")
    except ImportFailed as exc:
        _fail(exc, fmt)
        return
    result = outcome.result.as_dict() if outcome.result else None

    def draw() -> None:
        _draw_report(outcome.report)
        if dry_run:
            _print_repairs(outcome.report)
        if result is None:
            out.print(f"[green]{tr('valid')}[/green]: " + ", ".join(f"{k} {v}" for k, v in outcome.report.tables.items()))
        else:
            out.print(f"[green]{tr('imported')}[/green]: " + ", ".join(f"{k}={v}" for k, v in result.items()))

    extra: dict[str, Any] = {"repairs": _repairs(outcome.report)} if dry_run else {}
    render({**outcome.report.as_dict(), "changed": bool(result and any(result.values())), "result": result, **extra},
           fmt, draw)


@app.command("import")
def import_(paths: list[Path] = typer.Argument(..., help="template CSV files, folders or XLSX workbooks"),
            demo_rows: DemoRows = typer.Option("stop", "--demo-rows",  # type: ignore[valid-type]
                                               help="when the graph holds illustrative (demo) rows of a city your "
                                                    "data is about: stop (default, change nothing), replace (delete "
                                                    "that city's demo rows) or keep (both, marked)"),
            fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Import data (all or nothing): any error leaves the graph unchanged."""
    _do_import(paths, fmt, dry_run=False, demo_rows=str(demo_rows.value))


def _repairs(report: Report) -> list[dict[str, Any]]:
    return [{"file": Path(i.file).name, "sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value,
             "repaired": i.repaired, "code": i.code} for i in report.warnings if i.repaired is not None]


def _print_repairs(report: Report) -> None:
    """What the warnings repaired (value → the value used), so that a user can accept it (iekg validate)."""
    fixed = [i for i in report.warnings if i.repaired is not None]
    if not fixed:
        return
    t = RichTable(title="已自动修正 repairs (值 → 采用的值 value → used)")
    for key in ("file", "row", "column", "value"):
        t.add_column(tr(key), overflow="fold")
    t.add_column("→", overflow="fold")
    for i in fixed:
        t.add_row(Path(i.file).name + (f" [{i.sheet}]" if i.sheet else ""), "" if i.row is None else str(i.row),
                  i.column or "", i.value or "", i.repaired)
    out.print(t)


@app.command()
def validate(paths: list[Path] = typer.Argument(..., help="template CSV files, folders or XLSX workbooks"),
             fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Check data against the templates and the graph without changing anything; shows what would be repaired."""
    _do_import(paths, fmt, dry_run=True)


@app.command()
def sync(to: str = typer.Option("neo4j", "--to", help="the store to copy the embedded graph into (neo4j)"),
         fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Copy the embedded graph (in --home) into Neo4j, replacing what Neo4j held."""
    if to != "neo4j":
        raise typer.BadParameter("only --to neo4j is supported", param_hint="--to")
    if not State.settings.db_file.exists():
        err.print(f"[red]no embedded graph at {State.settings.db_file}: run iekg build first[/red]")
        raise typer.Exit(1)
    src = open_store("sqlite")
    dst = open_store("neo4j")
    try:
        res = service.sync(src, dst)
        summary = service.info(dst)
    finally:
        dst.close()

    def draw() -> None:
        _print_counts(summary)
        out.print(f"[green]synced[/green] {State.settings.db_file} → {State.settings.neo4j_uri}: " +
                  ", ".join(f"{k}={v}" for k, v in res.as_dict().items()))

    render({"result": res.as_dict(), **summary}, fmt, draw)


def _print_counts(summary: dict[str, Any]) -> None:
    from iekg.graph.schema import NODE_TYPES, REL_TYPES

    t = RichTable(title=f"{State.settings.home} ({summary['store']})")
    t.add_column(tr("label"))
    t.add_column(tr("count"), justify="right")
    for label, n in summary["nodes"].items():
        t.add_row(f"{label} {NODE_TYPES[label].zh}", str(n))
    t.add_section()
    for rel, n in summary["relationships"].items():
        t.add_row(f"{rel} {REL_TYPES[rel].zh}", str(n))
    out.print(t)


@app.command()
def info(fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Node counts per label and relationship counts per type; for the embedded graph, its file's pages and how
    many of them are free (``iekg build --compact`` gives them back)."""
    summary = _info(open_store())

    def draw() -> None:
        _print_counts(summary)
        out.print(f"sources: {summary['nodes_by_source_kind']}")
        _print_storage(summary)

    render(summary, fmt, draw)


@app.command()
def reindex(fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Recompute the sums kept with the data (supply, demand and program counts per city and year) from the
    relationships, in one transaction. Imports keep them up to date; this is for a graph in doubt."""
    from iekg.service.stores import reindex as recompute

    summary = recompute(open_store())

    def draw() -> None:
        out.print(f"重算完成 recomputed: {summary['cities']} 个城市的供给与专业点、{summary['city_codes']} 个城市代码的需求 "
                  f"({summary['cities']} cities, {summary['city_codes']} demand city codes) in {summary['seconds']} s")

    render(summary, fmt, draw)


@app.command()
def migrate(source: Path | None = typer.Option(None, "--from", help="the graph.json to convert (default: the "
                                               "home's graph.json)"),
            replace: bool = typer.Option(False, "--replace", help="replace a graph the store already holds"),
            fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Convert a graph.json of an earlier iekg into the configured store; the home's own file is then kept as
    graph.json.bak."""
    from iekg.graph.migrate import LegacyGraphError

    home_file = State.settings.graph_file
    src = source or home_file
    if not src.is_file():
        err.print(Text(f"no graph file at {src}: nothing to migrate (give one with --from FILE)", "red"))
        raise typer.Exit(1)
    store = open_store(None, migrate_legacy=False)
    own = getattr(store, "path", None)
    if own is not None and Path(own).resolve() == src.resolve():
        err.print(Text(f"{src} is the configured store's own file: nothing to convert", "red"))
        raise typer.Exit(1)
    labels, _ = store.counts()
    if labels and not replace:
        err.print(Text(f"the {store.name} store already holds a graph ({sum(labels.values())} nodes): add --replace "
                       f"to replace it by the graph in {src}; nothing was changed", "red"))
        raise typer.Exit(1)
    try:
        done = service.migrate_file(store, src, who=who(), via="cli",
                                    backup=source is None or src.resolve() == home_file.resolve())
    except LegacyGraphError as exc:
        err.print(Text(str(exc), "red"))
        raise typer.Exit(1) from None
    render(done.as_dict(), fmt, lambda: out.print(
        f"[green]migrated[/green] {escape(str(src))} → {store.name}: {done.nodes} nodes, {done.rels} relationships"
        + (f"; the old file is kept as {escape(str(done.backup))}" if done.backup else "")))


@app.command()
def history(limit: int = typer.Option(20, "--limit", min=1, help="at most this many imports, newest first"),
            fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """The import history: who imported which files (size, SHA-256) when, and what it changed."""
    rows = service.history(open_store(), limit)
    render(rows, fmt, lambda: _draw_history(rows))


def _draw_history(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("no recorded imports in this store yet (iekg build and iekg import record theirs)")
        return
    t = RichTable()
    for col in ("id", "at", "who", "via", "files", "changes"):
        t.add_column(col, overflow="fold")
    for e in rows:
        files = "\n".join(f"{f['name']} ({f['size']} B, sha256 {f['sha256'][:12]}…)" for f in e["files"])
        changes = ", ".join(f"{k}={v}" for k, v in e["changes"].items() if v)
        t.add_row(str(e["id"]), str(e["at"]), str(e["who"] or "?"), str(e["via"]), files, changes or "no change")
    out.print(t)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (127.0.0.1: this machine only)"),
          port: int = typer.Option(8000, "--port", min=1, max=65535),
          header_timeout: float | None = typer.Option(None, "--header-timeout", min=0.1, help="seconds a connection "
                                                      "has to send a request head (env IEKG_HEADER_TIMEOUT; 10)"),
          max_connections: int | None = typer.Option(None, "--max-connections", min=1, help="connections at once; "
                                                     "one more gets 503 (env IEKG_MAX_CONNECTIONS; 1000)"),
          keep_alive: float | None = typer.Option(None, "--keep-alive", min=1, help="seconds an idle keep-alive "
                                                  "connection stays open (env IEKG_KEEP_ALIVE; 5)")) -> None:
    """Run the planners' API, the dashboard and the network pages (uvicorn) on the configured store."""
    from iekg.api.main import serve as run

    given = {"header_timeout": header_timeout, "max_connections": max_connections, "keep_alive": keep_alive}
    settings = State.settings.model_copy(update={k: v for k, v in given.items() if v is not None})
    out.print(f"iekg API on http://{host}:{port}/  (dashboard /dashboard, API docs /docs) — store {settings.store}")
    run(host, port, settings)


@app.command()
def template(output: Path = typer.Option(Path("iekg-导入模板.xlsx"), "-o", "--output", help="the .xlsx file to write"),
             table: list[str] = typer.Option([], "--table", help="only this table (repeatable; English or Chinese "
                                             "name, e.g. programs or 专业开设); default: all"),
             fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Write the import workbook (导入模板): instructions, one sheet per table, drop-downs, an example row each."""
    from iekg.loaders.template import resolve_tables, write_template

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the output must be an .xlsx file", param_hint="-o")
    try:
        names = resolve_tables(table or None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--table") from None
    path = write_template(output, tables=names, lang=State.settings.lang)

    def draw() -> None:
        out.print(f"[green]{path}[/green]: 说明 + {len(names)} 张表 sheets ({', '.join(names)})")
        out.print(f"填写后 then: iekg validate {path.name} ; iekg import {path.name}")

    render({"path": str(path), "tables": names}, fmt, draw)


@app.command()
def schema(fmt: str = typer.Option("mermaid", "--format", help="mermaid, markdown or json")) -> None:
    """Print the graph schema (Mermaid diagram, Markdown tables or JSON)."""
    from iekg.graph.schema import NODE_TYPES, REL_TYPES, markdown, mermaid

    if fmt == "json":
        print_json({"nodes": {k: v.__dict__ for k, v in NODE_TYPES.items()},
                     "relationships": {k: {**v.__dict__, "pairs": [list(p) for p in v.pairs]}
                                       for k, v in REL_TYPES.items()}})
    elif fmt == "mermaid":
        sys.stdout.write(mermaid())
    elif fmt == "markdown":
        sys.stdout.write(markdown())
    else:
        raise typer.BadParameter("use mermaid or json", param_hint="--format")


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


