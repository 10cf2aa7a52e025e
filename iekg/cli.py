"""The ``iekg`` command line: a thin layer over :mod:`iekg.service`.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from iekg import __version__, service
from iekg.graph.schema import NODE_TYPES, REL_TYPES, markdown, mermaid
from iekg.graph.store import StoreError
from iekg.loaders.report import ImportFailed, Report
from iekg.settings import Settings

app = typer.Typer(help="iekg — 产教融合知识图谱 (industry–education integration knowledge graph)",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console(soft_wrap=True)
err = Console(stderr=True)


class Fmt(StrEnum):
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
    return T.get(State.settings.lang, T["zh"])[key]


@app.callback()
def main_options(
    home: Path | None = typer.Option(None, "--home", help="graph home folder (env IEKG_HOME; default ~/.iekg)"),
    store: str | None = typer.Option(None, "--store", help="networkx (default) or neo4j (env IEKG_STORE)"),
    lang: str | None = typer.Option(None, "--lang", help="zh (default) or en (env IEKG_LANG)"),
) -> None:
    overrides: dict[str, Any] = {}
    if home is not None:
        overrides["home"] = home
    if store is not None:
        overrides["store"] = store
    if lang is not None:
        if lang not in T:
            raise typer.BadParameter("use zh or en", param_hint="--lang")
        overrides["lang"] = lang
    State.settings = Settings(**overrides)


def _store() -> Any:
    try:
        return service.open_store(State.settings)
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _print_report(report: Report, fmt: Fmt, *, extra: dict[str, Any] | None = None) -> None:
    if fmt is Fmt.json:
        _print_json({**report.as_dict(), **(extra or {})})
        return
    if report.issues:
        t = RichTable(show_lines=False)
        for key in ("severity", "file", "row", "column", "value", "problem", "fix"):
            t.add_column(tr(key), overflow="fold")
        for i in report.issues:
            sev = f"[red]{tr('error')}[/red]" if i.severity == "error" else f"[yellow]{tr('warning')}[/yellow]"
            file = Path(i.file).name + (f" [{i.sheet}]" if i.sheet else "")
            t.add_row(sev, file, "" if i.row is None else str(i.row), i.column or "", i.value or "", i.message, i.fix)
        out.print(t)
    out.print(f"{tr('error')}: {len(report.errors)}  {tr('warning')}: {len(report.warnings)}")


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
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Build a fresh graph: shipped reference data + the demo (or only the given data)."""
    store = _store()
    public = public or State.settings.public_dir
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    stages = {"read": "读取数据 reading", "validate": "校验并写入 validating and writing", "done": "完成 done"}
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                      transient=True, disable=fmt is Fmt.json or not err.is_terminal) as bar:
            task = bar.add_task("iekg build")
            outcome = service.build(store, State.settings, data, demo=not no_demo, public=public,
                                    progress=lambda s: bar.update(task, description=stages[s]))
    except ImportFailed as exc:
        _fail(exc, fmt)
        return
    summary = {**service.info(store), "seconds": round(outcome.seconds, 3), "home": str(State.settings.home),
               "warnings": len(outcome.report.warnings)}
    if fmt is Fmt.json:
        _print_json({**summary, "report": outcome.report.as_dict()})
        return
    _print_counts(summary)
    out.print(f"[green]{tr('built')}[/green] ({summary['total_nodes']} nodes, {summary['total_relationships']} "
              f"relationships, {outcome.seconds:.1f} s) → {State.settings.graph_file if store.name == 'networkx' else store.name}")
    if outcome.report.warnings:
        out.print(f"{tr('warning')}: {len(outcome.report.warnings)} (--format json for details)")


def _do_import(paths: list[Path], fmt: Fmt, dry_run: bool) -> None:
    store = _store()
    try:
        outcome = service.import_paths(store, paths, dry_run=dry_run)
    except ImportFailed as exc:
        _fail(exc, fmt)
        return
    result = outcome.result.as_dict() if outcome.result else None
    if fmt is Fmt.json:
        _print_json({**outcome.report.as_dict(), "changed": bool(result and any(result.values())), "result": result})
        return
    _print_report(outcome.report, fmt)
    if result is None:
        out.print(f"[green]{tr('valid')}[/green]: " + ", ".join(f"{k} {v}" for k, v in outcome.report.tables.items()))
    else:
        out.print(f"[green]{tr('imported')}[/green]: " + ", ".join(f"{k}={v}" for k, v in result.items()))


@app.command("import")
def import_(paths: list[Path] = typer.Argument(..., help="template CSV files, folders or XLSX workbooks"),
            fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Import data (all or nothing): any error leaves the graph unchanged."""
    _do_import(paths, fmt, dry_run=False)


@app.command()
def validate(paths: list[Path] = typer.Argument(..., help="template CSV files, folders or XLSX workbooks"),
             fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Check data against the templates and the graph without changing anything."""
    _do_import(paths, fmt, dry_run=True)


def _print_counts(summary: dict[str, Any]) -> None:
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
    """Node counts per label and relationship counts per type."""
    summary = service.info(_store())
    if fmt is Fmt.json:
        _print_json(summary)
    else:
        _print_counts(summary)
        out.print(f"sources: {summary['nodes_by_source_kind']}")


@app.command()
def show(ident: str = typer.Argument(..., help="an id (410200, 4141010459), Label:id, or an exact name"),
         limit: int = typer.Option(200, "--limit", min=1),
         fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """One entity with its properties and relationships."""
    data = service.show(_store(), ident, limit)
    if data is None:
        if fmt is Fmt.json:
            _print_json({"error": "not_found", "id": ident})
        else:
            out.print(f"[red]{tr('notfound')}: {ident}[/red]")
        raise typer.Exit(1)
    if fmt is Fmt.json:
        _print_json(data)
        return
    label = data["label"]
    t = RichTable(title=f"{data['uid']} {NODE_TYPES[label].zh}", show_header=False)
    t.add_column()
    t.add_column(overflow="fold")
    for k, v in sorted(data["props"].items()):
        t.add_row(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
    out.print(t)
    if data["props"].get("source_kind") == "illustrative":
        out.print("[yellow]示意数据 (illustrative, not real)[/yellow]")
    r = RichTable()
    for c in (tr("rel"), "", tr("label"), tr("name"), "props"):
        r.add_column(c, overflow="fold")
    for rel in data["relationships"]:
        props = {k: v for k, v in rel["props"].items() if not k.startswith("source")}
        r.add_row(rel["type"], "→" if rel["direction"] == "out" else "←", rel["other_label"],
                  f"{rel['other_name']} ({rel['other'].split(':', 1)[1]})", json.dumps(props, ensure_ascii=False))
    out.print(r)


@app.command()
def search(text: str = typer.Argument(...), label: list[str] = typer.Option([], "--label"),
           limit: int = typer.Option(20, "--limit", min=1),
           fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Find entities by name or id."""
    bad = [x for x in label if x not in NODE_TYPES]
    if bad:
        raise typer.BadParameter(f"unknown label {bad[0]}; use one of {', '.join(NODE_TYPES)}", param_hint="--label")
    hits = service.search(_store(), text, label or None, limit)
    if fmt is Fmt.json:
        _print_json(hits)
        return
    t = RichTable()
    for c in (tr("label"), tr("id"), tr("name"), "source"):
        t.add_column(c)
    for h in hits:
        t.add_row(h["label"], h["id"], h["name"], h["source_kind"] or "")
    out.print(t)


@app.command()
def schema(fmt: str = typer.Option("mermaid", "--format", help="mermaid, markdown or json")) -> None:
    """Print the graph schema (Mermaid diagram, Markdown tables or JSON)."""
    if fmt == "json":
        _print_json({"nodes": {k: v.__dict__ for k, v in NODE_TYPES.items()},
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


def main() -> None:
    app()
