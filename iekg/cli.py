"""The ``iekg`` command line: a thin layer over :mod:`iekg.service`.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as _Table
from rich.text import Text

from iekg import __version__, service, textsafe
from iekg.graph.schema import NODE_TYPES, REL_TYPES, markdown, mermaid
from iekg.graph.store import StoreError
from iekg.loaders.limits import FileRejected
from iekg.loaders.report import ImportFailed, Report
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


app = typer.Typer(help="iekg — 产教融合知识图谱 (industry–education integration knowledge graph)",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
# Piped output (a file, another program) gets wide tables instead of 80 folded columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
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
    store: str | None = typer.Option(None, "--store", help="sqlite (the embedded default) or neo4j (env IEKG_STORE)"),
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
    return _store_of(None)


def _store_of(name: str | None, *, migrate_legacy: bool = True) -> Any:
    settings = State.settings if name is None else State.settings.model_copy(update={"store": name})
    try:
        return service.open_store(settings, lambda m: err.print(Text(m, "yellow")), migrate_legacy=migrate_legacy)
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


@contextmanager
def _data_error() -> Iterator[None]:
    """A question the data cannot answer (unknown city, chain, id; too few cities): one red line, exit 1."""
    try:
        yield
    except (LookupError, ValueError) as exc:
        err.print(Text(str(exc).strip("'\""), "red"))
        raise typer.Exit(1) from None


@contextmanager
def _import_errors() -> Iterator[None]:
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


REPORT_ROWS = 200  # issues shown one per row in the terminal; the rest are counted (JSON has every one)


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
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Build a fresh graph: shipped reference data + the demo (or only the given data)."""
    store = _store()
    public = public or State.settings.public_dir
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    stages = {"read": "读取数据 reading", "validate": "校验并写入 validating and writing", "done": "完成 done"}
    try:
        with _import_errors(), Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                        console=err, transient=True,
                                        disable=fmt is Fmt.json or not err.is_terminal) as bar:
            task = bar.add_task("iekg build")
            outcome = service.build(store, State.settings, data, demo=not no_demo, public=public,
                                    progress=lambda s: bar.update(task, description=stages[s]),
                                    who=_who(), via="build")
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
              f"relationships, {outcome.seconds:.1f} s) → {State.settings.db_file if store.name == 'sqlite' else store.name}")
    if outcome.report.warnings:
        out.print(f"{tr('warning')}: {len(outcome.report.warnings)} (--format json for details)")


def _who() -> str | None:
    """The OS user, as the import history records who ran a command."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return None


DemoRows = StrEnum("DemoRows", {"stop": "stop", "replace": "replace", "keep": "keep"})  # type: ignore[misc]


def _do_import(paths: list[Path], fmt: Fmt, dry_run: bool, demo_rows: str = "stop") -> None:
    store = _store()
    try:
        with _import_errors():
            outcome = service.import_paths(store, paths, dry_run=dry_run, demo_rows=demo_rows, who=_who(),
                                           via="cli")
    except ImportFailed as exc:
        _fail(exc, fmt)
        return
    result = outcome.result.as_dict() if outcome.result else None
    if fmt is Fmt.json:
        extra: dict[str, Any] = {"repairs": _repairs(outcome.report)} if dry_run else {}
        _print_json({**outcome.report.as_dict(), "changed": bool(result and any(result.values())), "result": result,
                     **extra})
        return
    _print_report(outcome.report, fmt)
    if dry_run:
        _print_repairs(outcome.report)
    if result is None:
        out.print(f"[green]{tr('valid')}[/green]: " + ", ".join(f"{k} {v}" for k, v in outcome.report.tables.items()))
    else:
        out.print(f"[green]{tr('imported')}[/green]: " + ", ".join(f"{k}={v}" for k, v in result.items()))


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
    src = _store_of("sqlite")
    try:
        dst = service.open_store(State.settings.model_copy(update={"store": "neo4j"}))
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    try:
        res = service.sync(src, dst)
        summary = service.info(dst)
    finally:
        dst.close()
    if fmt is Fmt.json:
        _print_json({"result": res.as_dict(), **summary})
    else:
        _print_counts(summary)
        out.print(f"[green]synced[/green] {State.settings.db_file} → {State.settings.neo4j_uri}: " +
                  ", ".join(f"{k}={v}" for k, v in res.as_dict().items()))


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
         limit: int = typer.Option(20, "--limit", min=1, help="relationships shown per type and direction"),
         fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """One entity with its properties and relationships (or one relationship, by its evidence key)."""
    store = _store()
    found = service.show_relationship(store, ident) if "|" in ident else service.show(store, ident, limit)
    if found is None:
        if fmt is Fmt.json:
            _print_json({"error": "not_found", "id": ident})
        else:
            out.print(safe_text(f"{tr('notfound')}: {ident}", "red"))
        raise typer.Exit(1)
    if "|" in ident:
        if fmt is Fmt.json:
            _print_json(found)
            return
        out.print(safe_text(f"{found['start']['name']} ({found['start']['uid']}) -[{found['type']}]-> "
                       f"{found['end']['name']} ({found['end']['uid']})"))
        for k, v in sorted(found["props"].items()):
            out.print(safe_text(f"  {k}: {v}"))
        return
    data = found
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
    cut = {g: n for g, n in data["relationship_counts"].items() if n > limit}
    if cut:
        out.print("(" + "; ".join(f"{g}: {limit}/{n}" for g, n in cut.items()) + " — --limit N for more)")


@app.command()
def search(text: str = typer.Argument(...), label: list[str] = typer.Option([], "--label"),
           limit: int = typer.Option(20, "--limit", min=1),
           fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Find entities by name or id."""
    bad = [x for x in label if x not in NODE_TYPES]
    if bad:
        raise typer.BadParameter(f"unknown label {bad[0]}; use one of {', '.join(NODE_TYPES)}", param_hint="--label")
    hits = service.search(_store(), text, label or None, limit)
    reason = None
    if not hits:
        from iekg.queries.relations import search_reason

        reason = search_reason(text, label or None)
    if fmt is Fmt.json:
        _print_json(hits)  # a list, as before; the reason of an empty answer goes to stderr
        if reason:
            err.print(Text(f"reason: {reason}"))
        return
    t = RichTable()
    for c in (tr("label"), tr("id"), tr("name"), "source"):
        t.add_column(c)
    for h in hits:
        t.add_row(h["label"], h["id"], h["name"], h["source_kind"] or "")
    out.print(t)
    _reason(reason)


def _scope(city: list[str], province: str | None, year: int | None, chain: str | None) -> tuple[Any, Any]:
    from iekg.queries.alignment import resolve_scope

    store = _store()
    if not city and not province:
        raise typer.BadParameter("give --city CODE (repeatable) or --province CODE", param_hint="--city")
    with _data_error():
        if chain is not None and store.get(f"IndustryChain:{chain}") is None:
            raise LookupError(f"chain {chain} is not in the graph")
        return store, resolve_scope(store, cities=city or None, province=province, year=year, chain=chain)


def _f(x: Any, nd: int = 4) -> str:
    return "" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


STATUS_ZH = {"unmet": "无供给", "shortage": "短缺", "balanced": "平衡", "surplus": "过剩", "no_demand": "无需求",
             "no_supply_data": "无供给数据"}
NO_DATA_CELL = "无数据 no data"


def _reason(reason: str | None) -> None:
    """An empty answer says why (and what to try)."""
    if reason:
        out.print(Text(f"结果为空 empty: {reason}", "yellow"))


def _coverage_line(cov: dict[str, Any] | None) -> None:
    """What the figures rest on: cities and institutions with data, and those without."""
    if not cov:
        return
    c, i = cov["cities"], cov["institutions"]
    parts = [f"数据覆盖 coverage {cov['year']}: 院校 {i['with_programs']}/{i['total']} 有专业点数据"]
    if i["without_programs_total"]:
        more = " …" if i["without_programs_total"] > len(i["without_programs"]) else ""
        parts.append(f"无专业点 no programs: {', '.join(i['without_programs'][:10])}{more}")
    if c["total"] > 1 or c["without_programs"] or c["without_demand"]:
        parts.append(f"城市 {len(c['with_programs'])}/{c['total']} 有专业点、{len(c['with_demand'])}/{c['total']} 有需求数据")
    if c["without_demand"]:
        parts.append(f"无需求数据 no demand: {', '.join(c['without_demand'][:10])}" + (" …" if len(c["without_demand"]) > 10 else ""))
    pub = [f"城市 {len(c['public_only'])} 个" if c.get("public_only") else "",
           f"院校 {i['public_only']} 所" if i.get("public_only") else ""]
    if any(pub):
        parts.append("另有" + "、".join(x for x in pub if x) + "只在公开名单中、不在你的数据里，不算缺数据 "
                     "(in the public lists, not in your data)")
    out.print(Text("；".join(parts), "dim"))
    programs, years = cov.get("programs") or {}, cov.get("years") or {}
    if programs.get("note"):
        out.print(Text(f"无数字 no figures: {programs['note']}", "yellow"))
    if years.get("note"):
        out.print(Text(f"年份数据偏少 partial year: {years['note']}", "yellow"))


@app.command()
def align(
    city: list[str] = typer.Option([], "--city", help="city code (repeat for several cities)"),
    province: str | None = typer.Option(None, "--province", help="a province code: all its cities"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100, help="default: latest year with programs"),
    chain: str | None = typer.Option(None, "--chain", help="restrict to one industry chain id"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Chain alignment of a scope: supply, demand, ratio, status, deviation per industry; S, D, SAI, coverage."""
    from iekg.queries.alignment import alignment

    store, scope = _scope(city, province, year, chain)
    a = alignment(store, scope)
    if fmt is Fmt.json:
        _print_json(a)
        return
    t = RichTable(title=f"{a['scope_name']} {a['year']} 产教匹配 alignment" + (f" · {chain}" if chain else ""))
    for c in ("行业 code", "名称 name", "供给 supply", "需求 demand", "供需比 ratio", "状态 status",
              "结构偏离度 deviation", "合作密度 coop."):
        t.add_column(c, justify="right" if c[0] in "供需结合" else "left")
    for i in a["industries"]:
        st = i["status"]
        colour = {"unmet": "red", "shortage": "yellow", "surplus": "cyan"}.get(st, "white")
        label = "无需求数据 no demand data" if not i.get("demand_data", True) else f"{STATUS_ZH.get(st, st)} {st}"
        t.add_row(i["code"], i["name"], NO_DATA_CELL if i["supply"] is None else _f(i["supply"], 1),
                  _f(i["demand"], 1) if i.get("demand_data", True) else NO_DATA_CELL, _f(i["ratio"]) or "—",
                  Text(label, colour), _f(i["deviation"]) or "—",
                  NO_DATA_CELL if i["cooperation_density"] is None else _f(i["cooperation_density"]))
    out.print(t)
    seg = a["segments"]
    out.print(f"S = {NO_DATA_CELL if a['S'] is None else format(a['S'], '.1f') + ' 人'}  D = {a['D']:.1f} 人  "
              f"SAI = {_f(a['sai']) or '—'}  "
              f"观测 SAI observed (有需求数据的行业) = {_f(a.get('sai_observed')) or '—'}  "
              f"覆盖率 coverage = {_f(a['coverage']) or '— (无重点产业链 no focus chain)'} "
              f"({'—' if seg['covered'] is None else seg['covered']}/{seg['total']} 个环节 segments)")
    if a.get("supply_reason"):
        out.print(Text(f"供给无数据 no supply data: {a['supply_reason']}", "yellow"))
    if seg.get("uncovered_named") and a.get("supply_data", True):
        out.print("未覆盖环节 uncovered: " + "、".join(f"{x['name']} ({x['id']})" for x in seg["uncovered_named"]))
    dc = a.get("demand_coverage") or {}
    if dc.get("note"):
        out.print(Text(f"需求覆盖 demand coverage: {dc['note']}", "yellow"))
    if a.get("sai_note"):
        out.print(Text(a["sai_note"], "yellow"))
    if (a.get("cooperation") or {}).get("note"):  # ended and not-begun cooperations are left out (issue 18)
        out.print(Text(f"合作密度 cooperation density: {a['cooperation']['note']}", "dim"))
    for i in a["industries"]:
        if i.get("note"):
            out.print(Text(f"{i['code']} {i['name']}: {i['note']}", "dim"))
    th = a["thresholds"]
    out.print(f"短缺 shortage < {th['shortage_below']:g}，过剩 surplus > {th['surplus_above']:g}："
              f"{a.get('thresholds_label', '')} ({a.get('thresholds_label_en', '')})")
    _coverage_line(a.get("data_coverage"))
    _reason(a.get("reason"))
    if a["estimates"]:
        out.print(f"[yellow]估算 estimate: {a['estimated_programs']} 个专业点缺毕业生数，按在校生/学制估算[/yellow]")
    _illustrative_note(store, scope.cities)


def _illustrative_note(store: Any, cities: Any) -> None:
    from iekg.service import scope_is_illustrative

    if scope_is_illustrative(store, cities):
        out.print("[bold yellow]示意数据：以上结果基于示意（演示）数据，不是真实情况 (illustrative demo data)[/bold yellow]")


@app.command()
def gaps(
    city: list[str] = typer.Option([], "--city"), province: str | None = typer.Option(None, "--province"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100), chain: str | None = typer.Option(None, "--chain"),
    gap_type: list[str] = typer.Option([], "--type", help="only these gap types"),
    limit: int = typer.Option(50, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Gaps of a scope, ranked, each with its evidence (node and relationship ids)."""
    from iekg.queries.gaps import GAP_TYPES
    from iekg.queries.gaps import gaps as find_gaps

    bad = [g for g in gap_type if g not in GAP_TYPES]
    if bad:
        raise typer.BadParameter(f"unknown gap type {bad[0]}; use {', '.join(GAP_TYPES)}", param_hint="--type")
    store, scope = _scope(city, province, year, chain)
    g = find_gaps(store, scope, types=tuple(gap_type) or None)
    g["gaps"] = g["gaps"][:limit]
    if fmt is Fmt.json:
        _print_json(g)
        return
    t = RichTable(title=f"{g['scope_name']} {g['year']} 缺口 gaps")
    for c in ("#", "type", "对象 entity", "优先度 priority", "幅度 magnitude", "说明", "证据 evidence"):
        t.add_column(c, overflow="fold")
    for x in g["gaps"]:
        items = x.get("evidence_items") or [{"key": k, "label": None} for k in x["evidence"]]
        first = f"{items[0]['label'] or items[0]['key']} [{items[0]['key']}]" if items else ""
        more = f" …（共 {x['evidence_total']} 条，iekg show KEY 查看）" if x["evidence_total"] > 1 else ""
        msg = x["message"] + (f"\n{x['note']}" if x.get("note") else "")
        t.add_row(str(x["rank"]), x["type"] + (" (minor 次要)" if x.get("minor") else ""), x["name"],
                  f"{x.get('priority', x['severity']):.3f}", f"{_f(x['magnitude'], 1)} {x.get('unit', '')}".strip(), msg,
                  first + more)
    out.print(t)
    out.print(" ".join(f"{k}={v}" for k, v in g["counts"].items()))
    rk = g.get("ranking")
    if rk:
        out.print(f"排序 ranking: 供需缺口少于 {rk['gap_min_people']:g} 人为次要 (minor)，排在最后；其余按 严重度 × "
                  f"min(1, 人数/{rk['gap_full_people']:g}) 排序 — 人数阈值为{rk['label']}")
    if g.get("not_computed"):
        out.print(Text(f"未计算 not computed: {', '.join(g['not_computed']['types'])} — {g['not_computed']['reason']}",
                       "yellow"))
    if (g.get("cooperation") or {}).get("note"):  # ended and not-begun cooperations are left out (issue 18)
        out.print(Text(f"校企合作 cooperation: {g['cooperation']['note']}", "dim"))
    _coverage_line(g.get("data_coverage"))
    _reason(g.get("reason"))
    _illustrative_note(store, scope.cities)


@app.command()
def readiness(
    city: str | None = typer.Option(None, "--city"), all_: bool = typer.Option(False, "--all", help="rank all cities"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100), fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Readiness against the notice's targets and conditions (one city, or all cities ranked)."""
    from iekg.queries.readiness import readiness as ready_one
    from iekg.queries.readiness import readiness_all

    if bool(city) == bool(all_):
        raise typer.BadParameter("give either --city CODE or --all", param_hint="--city")
    store = _store()
    with _data_error():
        if all_:
            ranked = readiness_all(store, year)
            if fmt is Fmt.json:
                _print_json(ranked)
                return
            t = RichTable(title="试点准备度排名 readiness ranking")
            for c in ("#", "城市", "目标达成 targets met", "条件 conditions", "无法衡量 unmeasurable", "相对差距 rel. shortfall"):
                t.add_column(c)
            for r in ranked:
                if not r.get("has_data", True):
                    cell = "公开名单 public list only" if r.get("public_only") else NO_DATA_CELL
                    t.add_row(str(r["rank"]), f"{r['name']} {r['city']}", cell, cell, "", "")
                    continue
                yc = (r.get("data_coverage") or {}).get("years") or {}
                thin = f"\n{r['year']} 年数据偏少 partial year" if yc.get("partial") else ""
                t.add_row(str(r["rank"]), f"{r['name']} {r['city']}{thin}", f"{r['targets_met']}/{r['targets_total']}",
                          f"{r['conditions_met']}/{r['conditions_total']}", str(r["targets_unmeasurable"]),
                          f"{r['relative_shortfall']:.3f}")
            out.print(t)
            public = [r["name"] for r in ranked if r.get("public_only")]
            if public:
                out.print(Text(f"{len(public)} 个城市只在公开名单中、不在你的数据里，不算缺数据，未参与比较 (in the public "
                               "lists, not in your data): " + "、".join(public), "dim"))
            nodata = [r["name"] for r in ranked if not r.get("has_data", True) and not r.get("public_only")]
            if nodata:
                out.print(Text(f"{len(nodata)} 个城市在该年没有专业点和需求数据，排在最后、未参与比较 (no data, ranked last): "
                               + "、".join(nodata), "yellow"))
            _illustrative_note(store, [r["city"] for r in ranked])
            return
        r = ready_one(store, str(city), year)
    if fmt is Fmt.json:
        _print_json(r)
        return
    t = RichTable(title=f"{r['name']} 试点准备度 readiness ({r['policy']})")
    for c in ("目标/条件", "指标", "现值 value", "阈值 threshold（依据 basis）", "达成 met", "差距 shortfall", "说明"):
        t.add_column(c, overflow="fold")
    for i in r["items"]:
        met = i.get("group_met", i["met"]) if i["any_of"] else i["met"]
        mark = Text("—") if met is None else (Text("✓", "green") if met else Text("✗", "red"))
        basis = i.get("threshold_label") or ""
        t.add_row(("条件 " if i["kind"] == "condition" else "目标 ") + i["target"], str(i["name"]),
                  "无法衡量 (无数据 no data)" if not i["measurable"] else _f(i["value"]),
                  f"{i['comparison']} {i['threshold']:g} {i['unit'] or ''}\n{basis}",
                  mark + Text(" (二选一)" if i["any_of"] else ""), _f(i["shortfall"]), i["note"])
    pilot = r.get("pilot") or {}
    if pilot.get("text"):
        src = f"  来源 source: {pilot['source']}" if pilot.get("source") else ""
        who = r["name"] if pilot.get("selected") else ""
        out.print(Text(f"试点身份（公开信息）pilot status: {who}{pilot['text']}{src}",
                       "bold green" if pilot.get("selected") else ""))
    out.print(t)
    out.print(f"目标达成 {r['targets_met']}/{r['targets_total']}，无法衡量 {r['targets_unmeasurable']}；"
              f"条件满足 {r['conditions_met']}/{r['conditions_total']}")
    if any(i.get("threshold_basis") == "assumption" for i in r["items"]):
        out.print(Text("标为「参考值（本工具假设，可在设置中修改）」的阈值不是通知的要求：通知只说“关联度高”“就业质量高” "
                       "(IEKG_REFERENCE_SAI, IEKG_REFERENCE_EMPLOYMENT)", "dim"))
    _coverage_line(r.get("data_coverage"))
    _illustrative_note(store, [r["city"]])


@app.command()
def coupling(
    city: list[str] = typer.Option([], "--city", help="cities to compare (default: all cities)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100), fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Coupling coordination degree (耦合协调度) of the education and industry systems across cities."""
    from iekg.queries.coupling import coupling as ccd

    store = _store()
    cities = city or sorted(n.id for n in store.nodes("City"))
    with _data_error():
        res = ccd(store, cities, year)
    if fmt is Fmt.json:
        _print_json(res)
        return
    t = RichTable(title=f"耦合协调度 coupling coordination {res['year']}")
    for c in ("城市", "U1 教育", "U2 产业", "C", "T", "CCD", "等级 grade"):
        t.add_column(c)
    names = {n.id: n.name for n in store.nodes("City")}
    for r in res["scopes"]:
        t.add_row(f"{names.get(r['city'], r['city'])} {r['city']}", _f(r["u1"]), _f(r["u2"]), _f(r["c"]), _f(r["t"]),
                  _f(r["ccd"]), r["grade"])
    for w in res.get("without_data", []):
        t.add_row(f"{w['name']} {w['city']}", "", "", "", "", NO_DATA_CELL, Text("未参与比较 not compared", "dim"))
    out.print(t)
    if res.get("without_data"):
        out.print(Text(f"{len(res['without_data'])} 个城市没有专业点或需求/企业数据，未参与归一化与比较 "
                       f"(cities without data are left out, not graded)", "yellow"))
    if res["excluded"]:
        out.print("未纳入的指标 excluded: " + ", ".join(f"{k} ({v})" for k, v in res["excluded"].items()))
    _illustrative_note(store, cities)


def _resolve(store: Any, ident: str) -> Any:
    node = service.resolve(store, ident)
    if node is None:
        err.print(safe_text(f"{tr('notfound')}: {ident}", "red"))
        raise typer.Exit(1)
    return node


def _rel_types(types: list[str]) -> tuple[str, ...] | None:
    bad = [x for x in types if x not in REL_TYPES]
    if bad:
        raise typer.BadParameter(f"unknown relationship type {bad[0]}; use {', '.join(REL_TYPES)}", param_hint="--type")
    return tuple(types) or None


@app.command()
def neighbours(ident: str = typer.Argument(..., help="an id, Label:id or exact name"),
               label: list[str] = typer.Option([], "--label"), rel_type: list[str] = typer.Option([], "--type"),
               direction: str = typer.Option("both", "--direction", help="out, in or both"),
               year: int | None = typer.Option(None, "--year", min=2000, max=2100),
               limit: int = typer.Option(100, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Neighbours of an entity, filtered by label, relationship type, direction and year."""
    from iekg.queries.relations import neighbours as nb

    if direction not in ("out", "in", "both"):
        raise typer.BadParameter("use out, in or both", param_hint="--direction")
    bad = [x for x in label if x not in NODE_TYPES]
    if bad:
        raise typer.BadParameter(f"unknown label {bad[0]}", param_hint="--label")
    store = _store()
    node = _resolve(store, ident)
    types = _rel_types(rel_type)
    rows = nb(store, node.uid, labels=label or None, rel_types=types, direction=direction, year=year,
              limit=limit)
    reason = None
    if not rows:
        from iekg.queries.relations import neighbours_reason

        reason = neighbours_reason(store, node.uid, labels=label or None, rel_types=types, direction=direction, year=year)
    if fmt is Fmt.json:
        _print_json(rows)  # a list, as before; the reason of an empty answer goes to stderr
        if reason:
            err.print(Text(f"reason: {reason}"))
        return
    t = RichTable(title=f"{node.name} ({node.uid})")
    for c in (tr("rel"), "", tr("label"), tr("name"), "props"):
        t.add_column(c, overflow="fold")
    for r in rows:
        props = {k: v for k, v in r["props"].items() if not k.startswith("source")}
        t.add_row(r["type"], "→" if r["direction"] == "out" else "←", r["other_label"],
                  f"{r['other_name']} ({r['other_id']})", json.dumps(props, ensure_ascii=False))
    out.print(t)
    _reason(reason)


@app.command()
def path(a: str = typer.Argument(..., help="start: id, Label:id or exact name"),
         b: str = typer.Argument(..., help="end: id, Label:id or exact name"),
         k: int = typer.Option(6, "--k", min=1, max=8, help="at most k hops"),
         all_: bool = typer.Option(False, "--all", help="all simple paths up to k hops (shortest first)"),
         rel_type: list[str] = typer.Option([], "--type", help="only these relationship types"),
         limit: int = typer.Option(20, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """How two entities are connected: the shortest path, or all simple paths up to k hops."""
    from iekg.queries.relations import all_paths, shortest_path

    store = _store()
    na, nb_ = _resolve(store, a), _resolve(store, b)
    types = _rel_types(rel_type)
    paths = all_paths(store, na.uid, nb_.uid, k=k, limit=limit, rel_types=types) if all_ else \
        [p for p in [shortest_path(store, na.uid, nb_.uid, max_hops=k, rel_types=types)] if p]
    reason = None
    if not paths:
        from iekg.queries.relations import path_reason

        reason = path_reason(store, na.uid, nb_.uid, k, types)
    if fmt is Fmt.json:
        _print_json(paths)  # a list, as before; the reason of an empty answer goes to stderr
        if reason:
            err.print(Text(f"reason: {reason}"))
    else:
        for p in paths:
            out.print(safe_text(f"[{p['length']}] {p['text']}"))
        if not paths:
            out.print(safe_text(f"{na.name} → {nb_.name}: 在 {k} 步内没有路径 (no path within {k} hops)"))
            _reason(reason)
    if not paths:
        raise typer.Exit(1)


@app.command()
def partners(ident: str = typer.Argument(..., help="an enterprise or institution id (or exact name)"),
             limit: int = typer.Option(10, "--limit", min=1), year: int | None = typer.Option(None, "--year"),
             fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Recommended partners: institutions for an enterprise, enterprises for an institution, each explained."""
    from iekg.queries.relations import partners_for_enterprise, partners_for_institution

    store = _store()
    node = _resolve(store, ident)
    if node.label == "Enterprise":
        res = partners_for_enterprise(store, node.id, limit=limit, year=year)
    elif node.label == "Institution":
        res = partners_for_institution(store, node.id, limit=limit, year=year)
    else:
        err.print(f"[red]{node.uid} is neither an enterprise nor an institution[/red]")
        raise typer.Exit(1)
    if fmt is Fmt.json:
        _print_json(res)
        return
    t = RichTable(title=f"{node.name} 的合作伙伴推荐 partners")
    for c in ("#", tr("name"), "score", "对口 align", "距离 dist.", "容量 cap.", "已合作", "说明 explanation"):
        t.add_column(c, overflow="fold")
    for n, r in enumerate(res["results"], 1):
        c = r["components"]
        t.add_row(str(n), f"{r['name']} ({r['id']})", f"{r['score']:.3f}", f"{c['alignment']:.2f}", f"{c['distance']:.2f}",
                  f"{c['capacity']:.2f}", "✓" if r["existing"] else "", r["explanation"])
    out.print(t)
    _coverage_line(res.get("data_coverage"))
    _reason(res.get("reason"))


@app.command()
def trains(industry: str | None = typer.Option(None, "--industry"), segment: str | None = typer.Option(None, "--segment"),
           chain: str | None = typer.Option(None, "--chain"), city: list[str] = typer.Option([], "--city"),
           year: int | None = typer.Option(None, "--year"), limit: int = typer.Option(30, "--limit", min=1),
           fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Who trains for an industry, a chain segment or a chain: institutions and majors with graduates."""
    from iekg.queries.relations import who_trains_for

    if sum(x is not None for x in (industry, segment, chain)) != 1:
        raise typer.BadParameter("give exactly one of --industry, --segment, --chain", param_hint="--industry")
    store = _store()
    with _data_error():
        res = who_trains_for(store, industry=industry, segment=segment, chain=chain, cities=city or None, year=year)
    if fmt is Fmt.json:
        _print_json(res)
        return
    t = RichTable(title=f"谁在培养 who trains for {res['target'].get('name', '')} ({res['year']})")
    for c in ("院校 institution", "城市", "专业 major", "毕业生 volume", "权重 w", "贡献 supply"):
        t.add_column(c, overflow="fold")
    for r in res["rows"][:limit]:
        t.add_row(r["institution_name"], r["city_name"], f"{r['major_name']} {r['major']}",
                  f"{r['volume']:.0f}{'*' if r['estimate'] else ''}", f"{r['weight']:g}", f"{r['contribution']:.1f}")
    out.print(t)
    out.print(f"合计 total {res['total']:.1f} 人" + ("  (* 按在校生估算 estimated)" if res["estimates"] else ""))
    _coverage_line(res.get("data_coverage"))
    _reason(res.get("reason"))


@app.command()
def hires(major: str = typer.Argument(..., help="a major code"), city: list[str] = typer.Option([], "--city"),
          year: int | None = typer.Option(None, "--year"), limit: int = typer.Option(30, "--limit", min=1),
          fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Who hires a major: the industries it aligns with, their enterprises and the talent demand."""
    from iekg.queries.relations import who_hires

    store = _store()
    with _data_error():
        res = who_hires(store, major, cities=city or None, year=year)
    if fmt is Fmt.json:
        _print_json(res)
        return
    t = RichTable(title=f"谁需要 who hires {res['major'].get('name', major)} {major}")
    for c in ("行业 industry", "权重 w", "企业数", "需求 demand"):
        t.add_column(c)
    for r in res["industries"]:
        t.add_row(f"{r.get('code')} {r.get('name', '')}", f"{r.get('weight', 0):g}", str(r.get("enterprises", "")),
                  _f(r.get("demand"), 1) if r.get("demand_data", True) else NO_DATA_CELL)
    out.print(t)
    e = RichTable(title="企业 enterprises")
    for c in ("企业", "城市", "行业", "从业人数"):
        e.add_column(c, overflow="fold")
    for r in res["enterprises"][:limit]:
        emp = r.get("employees")
        e.add_row(f"{r.get('name')} ({r.get('id')})", str(r.get("city_name", r.get("city", ""))), str(r.get("industry", "")),
                  NO_DATA_CELL if emp is None else f"{emp:,.0f} 人")
    out.print(e)
    for why in (res.get("reasons") or {}).values():
        _reason(why)


def _add_viz() -> None:
    from iekg.viz.cli import viz_app

    app.add_typer(viz_app, name="viz", help="Interactive network pages (offline HTML): city, chain, ego, alliance")


_add_viz()

export_app = typer.Typer(help="Drafts for the pilot application: Attachment 1 + 2 workbook, pilot plan",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")


_PERIOD_HELP = "pilot period the deadlines fall in, e.g. 2026-2028 (default: three years from this year)"
_TYPES_HELP = ("gap types to draft, comma-separated: unmet_demand, shortage, surplus, uncovered_segment, "
               "no_cooperation, no_training_base, target_shortfall (default: all)")
_MIN_PEOPLE_HELP = ("supply gaps smaller than this many people are minor and not drafted (our assumption; default: "
                    "the gap ranking's IEKG_GAP_MIN_PEOPLE, 50)")


def _draft_options(period: str | None, types: str | None) -> tuple[Any, tuple[str, ...] | None]:
    """--period and --types checked before the store is opened (a usage error exits 2 and says why)."""
    from iekg.queries import drafts

    try:
        per = drafts.Period.parse(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None
    try:
        kinds = drafts.parse_types(types)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--types") from None
    return per, kinds


@export_app.command("attachments")
def export_attachments(city: str = typer.Option(..., "--city", help="city code"),
                       output: Path = typer.Option(..., "-o", "--output", help="the .xlsx file to write"),
                       year: int | None = typer.Option(None, "--year", min=2000, max=2100),
                       max_generated: int = typer.Option(10, "--max-generated", min=0,
                                                         help="at most this many rows drafted from gaps"),
                       period: str | None = typer.Option(None, "--period", help=_PERIOD_HELP),
                       types: str | None = typer.Option(None, "--types", help=_TYPES_HELP),
                       min_people: float | None = typer.Option(None, "--min-people", min=0, help=_MIN_PEOPLE_HELP),
                       fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Attachment 1 (问题清单) and 2 (政策清单) as one workbook: the city's own rows, then drafts from its gaps."""
    from iekg.queries import drafts

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the output must be an .xlsx file", param_hint="-o")
    per, kinds = _draft_options(period, types)
    store = _store()
    with _data_error():
        res = drafts.export_attachments(store, city, output, year=year, max_generated=max_generated, period=per,
                                        types=kinds, min_people=min_people)
    if fmt is Fmt.json:
        _print_json(res)
        return
    out.print(f"[green]{res['path']}[/green]: {res['city_name']} 附件1 {res['problems']} 行 (自报 {res['own_problems']}，"
              f"起草 {res['drafted_problems']})；附件2 {res['measures']} 行 (自报 {res['own_measures']}，起草 {res['drafted_measures']})")
    if res["illustrative"]:
        out.print("[bold yellow]示意数据：本稿基于示意（演示）数据生成，不是真实情况 (illustrative demo data)[/bold yellow]")


@export_app.command("plan")
def export_plan(city: str = typer.Option(..., "--city", help="city code"),
                output: Path = typer.Option(..., "-o", "--output", help="the .md (or .docx) file to write"),
                year: int | None = typer.Option(None, "--year", min=2000, max=2100),
                period: str | None = typer.Option(None, "--period", help=_PERIOD_HELP),
                types: str | None = typer.Option(None, "--types", help=_TYPES_HELP),
                min_people: float | None = typer.Option(None, "--min-people", min=0, help=_MIN_PEOPLE_HELP),
                fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """A draft pilot plan following the notice's 8-section outline, filled with the city's figures; the
    self-assessment against reference values goes to a separate internal file (…-内部诊断.md)."""
    from iekg.queries import drafts

    if output.suffix.lower() not in (".md", ".docx"):
        raise typer.BadParameter("the output must be a .md or .docx file", param_hint="-o")
    per, kinds = _draft_options(period, types)
    store = _store()
    with _data_error():
        files = drafts.write_plan(store, city, output, year=year, period=per, types=kinds, min_people=min_people)
    if fmt is Fmt.json:
        _print_json({"files": [str(f) for f in files]})
        return
    for f in files:
        out.print(f"[green]{f}[/green]")


@export_app.command("graph")
def export_graph(output: Path = typer.Option(..., "-o", "--output", help="the file to write"),
                 graph_format: str = typer.Option("graphml", "--format", help="graphml, gexf or json (node-link)"),
                 city: str | None = typer.Option(None, "--city", help="only this city's subgraph (city code)"),
                 as_json: bool = typer.Option(False, "--json", help="print the summary as JSON")) -> None:
    """The graph (or a city's subgraph) as GraphML, GEXF or node-link JSON for Gephi and other tools."""
    from iekg.graph.export import FORMATS

    if graph_format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    store = _store()
    with _data_error():
        res = service.export_graph(store, graph_format, output, city)
    if as_json:
        _print_json(res)
        return
    out.print(f"[green]{escape(res['file'])}[/green]: {res['nodes']} nodes, {res['relationships']} relationships "
              f"({graph_format}{', city ' + city if city else ''})")


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
    store = _store_of(None, migrate_legacy=False)
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
        done = service.migrate_file(store, src, who=_who(), via="cli",
                                    backup=source is None or src.resolve() == home_file.resolve())
    except LegacyGraphError as exc:
        err.print(Text(str(exc), "red"))
        raise typer.Exit(1) from None
    if fmt is Fmt.json:
        _print_json(done.as_dict())
        return
    out.print(f"[green]migrated[/green] {escape(str(src))} → {store.name}: {done.nodes} nodes, {done.rels} "
              "relationships" + (f"; the old file is kept as {escape(str(done.backup))}" if done.backup else ""))


@app.command()
def history(limit: int = typer.Option(20, "--limit", min=1, help="at most this many imports, newest first"),
            fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """The import history: who imported which files (size, SHA-256) when, and what it changed."""
    rows = service.history(_store(), limit)
    if fmt is Fmt.json:
        _print_json(rows)
        return
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
          port: int = typer.Option(8000, "--port", min=1, max=65535)) -> None:
    """Run the planners' API, the dashboard and the network pages (uvicorn) on the configured store."""
    from iekg.api.main import serve as run

    out.print(f"iekg API on http://{host}:{port}/  (dashboard /dashboard, API docs /docs) — store {State.settings.store}")
    run(host, port, State.settings)


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
    if fmt is Fmt.json:
        _print_json({"path": str(path), "tables": names})
        return
    out.print(f"[green]{path}[/green]: 说明 + {len(names)} 张表 sheets ({', '.join(names)})")
    out.print(f"填写后 then: iekg validate {path.name} ; iekg import {path.name}")


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
    try:
        app()
    except StoreError as exc:  # e.g. another import holds the embedded graph past IEKG_WRITE_WAIT
        err.print(str(exc), style="red", markup=False)
        sys.exit(1)
