"""Commands that find and show entities: show, search, neighbours, path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from iekg.cli.console import (
    Fmt,
    RichTable,
    answers,
    open_store,
    out,
    output_option,
    print_json,
    render,
    resolve,
    safe_text,
    takeaway,
    tr,
)
from iekg.cli.remote import service  # the service here, or the server's (--server)
from iekg.cli.root import app
from iekg.graph.schema import NODE_TYPES


@app.command()
def show(ident: str = typer.Argument(..., help="an id (410200, 4141010459), Label:id, or an exact name"),
         limit: int = typer.Option(20, "--limit", min=1, help="relationships shown per type and direction"),
         fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """One entity with its properties and relationships (or one relationship, by its evidence key)."""
    store = open_store()
    found = service.show_relationship(store, ident) if "|" in ident else service.show(store, ident, limit)
    if found is None:
        if fmt is Fmt.json:
            print_json({"error": "not_found", "id": ident})
        else:
            out.print(safe_text(f"{tr('notfound')}: {ident}", "red"))
        raise typer.Exit(1)
    render(found, fmt, lambda: _draw_relationship(found) if "|" in ident else _draw_node(found, limit))


def _draw_relationship(found: dict[str, Any]) -> None:
    out.print(safe_text(f"{found['start']['name']} ({found['start']['uid']}) -[{found['type']}]-> "
                        f"{found['end']['name']} ({found['end']['uid']})"))
    for k, v in sorted(found["props"].items()):
        out.print(safe_text(f"  {k}: {v}"))


def _draw_node(data: dict[str, Any], limit: int) -> None:
    label = data["label"]
    t = RichTable(title=f"{data['uid']} {NODE_TYPES[label].zh}", show_header=False)
    t.add_column()
    t.add_column(overflow="fold")
    for k, v in sorted(data["props"].items()):
        t.add_row(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
    out.print(t)
    if data["props"].get("source_kind") == "illustrative":
        out.print("[yellow]示意数据 (illustrative, not real)[/yellow]")
    _draw_relationships(None, [{**r, "other_id": r["other"].split(":", 1)[1]} for r in data["relationships"]])
    cut = {g: n for g, n in data["relationship_counts"].items() if n > limit}
    if cut:
        out.print("(" + "; ".join(f"{g}: {limit}/{n}" for g, n in cut.items()) + " — --limit N for more)")


def _draw_relationships(title: str | None, rows: list[dict[str, Any]]) -> None:
    """Relationships at an entity: type, direction, the other end and the properties (without provenance)."""
    t = RichTable(title=title)
    for c in (tr("rel"), "", tr("label"), tr("name"), "props"):
        t.add_column(c, overflow="fold")
    for r in rows:
        props = {k: v for k, v in r["props"].items() if not k.startswith("source")}
        t.add_row(r["type"], "→" if r["direction"] == "out" else "←", r["other_label"],
                  f"{r['other_name']} ({r['other_id']})", json.dumps(props, ensure_ascii=False))
    out.print(t)


@app.command()
def search(text: str = typer.Argument(...), label: list[str] = typer.Option([], "--label"),
           limit: int = typer.Option(20, "--limit", min=1),
           fmt: Fmt = typer.Option(Fmt.table, "--format"), output: Path | None = output_option()) -> None:
    """Find entities by name or id."""
    from iekg.takeaway.convert import search_answer

    with answers():
        service.labels(label)
    store = open_store()
    hits = service.search(store, text, label or None, limit)
    reason = None if hits else service.search_reason(text, label or None)

    def draw() -> None:
        t = RichTable()
        for c in (tr("label"), tr("id"), tr("name"), "source"):
            t.add_column(c)
        for h in hits:
            t.add_row(h["label"], h["id"], h["name"], h["source_kind"] or "")
        out.print(t)

    render(hits, fmt, draw, reason=reason,  # JSON: a list, as before; the reason of an empty answer on stderr
           take=takeaway("search", search_answer(text, hits, reason), store), output=output)


@app.command()
def neighbours(ident: str = typer.Argument(..., help="an id, Label:id or exact name"),
               label: list[str] = typer.Option([], "--label"), rel_type: list[str] = typer.Option([], "--type"),
               direction: str = typer.Option("both", "--direction", help="out, in or both"),
               year: int | None = typer.Option(None, "--year", min=2000, max=2100),
               limit: int = typer.Option(100, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format"),
               output: Path | None = output_option()) -> None:
    """Neighbours of an entity, filtered by label, relationship type, direction and year."""
    from iekg.takeaway.convert import neighbours_answer

    store = open_store()
    node = resolve(store, ident)
    with answers():
        rows, reason = service.neighbours(store, node, labels=label, rel_types=rel_type, direction=direction,
                                          year=year, limit=limit)
    render(rows, fmt, lambda: _draw_relationships(f"{node.name} ({node.uid})", rows), reason=reason,
           take=takeaway("neighbours", neighbours_answer(node, rows, reason), store), output=output)


@app.command()
def path(a: str = typer.Argument(..., help="start: id, Label:id or exact name"),
         b: str = typer.Argument(..., help="end: id, Label:id or exact name"),
         k: int = typer.Option(6, "--k", min=1, max=8, help="at most k hops"),
         all_: bool = typer.Option(False, "--all", help="all simple paths up to k hops (shortest first)"),
         rel_type: list[str] = typer.Option([], "--type", help="only these relationship types"),
         limit: int = typer.Option(20, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """How two entities are connected: the shortest path, or all simple paths up to k hops."""
    store = open_store()
    na, nb = resolve(store, a), resolve(store, b)
    with answers():
        paths, reason = service.paths(store, na, nb, k, every=all_, limit=limit, rel_types=rel_type)

    def draw() -> None:
        for p in paths:
            out.print(safe_text(f"[{p['length']}] {p['text']}"))
        if not paths:
            out.print(safe_text(f"{na.name} → {nb.name}: 在 {k} 步内没有路径 (no path within {k} hops)"))

    render(paths, fmt, draw, reason=reason)  # JSON: a list, as before; the reason of an empty answer on stderr
    if not paths:
        raise typer.Exit(1)
