"""``iekg viz city|chain|ego|alliance … -o FILE.html``: the network pages as self-contained files (with ``--server``
made on the server, ``service.network_page``, and written here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from iekg.cli.console import err, open_store, out
from iekg.cli.remote import service  # the service here, or the server's (--server)
from iekg.cli.root import app

viz_app = typer.Typer(help="Network pictures as self-contained HTML pages (work offline): "
                           "city, chain, ego, alliance", no_args_is_help=True)


def _html_path(output: Path) -> Path:
    if output.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("the output must be an .html file", param_hint="-o")
    return output


def _write(output: Path, kind: str, *args: Any, **kwargs: Any) -> None:
    """Make network page ``kind`` over the store (the server's with --server: :func:`iekg.service.network_page`) and
    write it to ``output``."""
    from iekg.viz.page import Page

    store = open_store()
    try:
        made = service.network_page(store, kind, *args, **kwargs)
    except LookupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    finally:
        store.close()
    page = Page(made["html"], made["meta"])
    path = page.write(output)
    meta = page.meta
    out.print(f"[green]{path}[/green]: {meta.get('title', '')} — {meta.get('nodes', 0)} nodes, "
                  f"{meta.get('edges', 0)} edges")
    for note in meta.get("notes", []):
        out.print(f"[yellow]{note}[/yellow]")
    if meta.get("illustrative"):
        out.print("[bold yellow]示意数据：本图基于示意（演示）数据，不是真实情况 (illustrative demo data)[/bold yellow]")


@viz_app.command("city")
def viz_city(code: str = typer.Argument(..., help="city code, e.g. 410200"),
             output: Path = typer.Option(..., "-o", "--output", help="the .html file to write"),
             year: int | None = typer.Option(None, "--year", min=2000, max=2100),
             max_nodes: int = typer.Option(300, "--max-nodes", min=20, max=2000,
                                           help="at most this many nodes (majors become categories first)")) -> None:
    """A city's institutions → majors → industries ← enterprises, gap industries highlighted."""
    _write(_html_path(output), "city", code, year=year, max_nodes=max_nodes)


@viz_app.command("chain")
def viz_chain(chain: str = typer.Argument(..., help="industry chain id, e.g. HN-NEV-01"),
              output: Path = typer.Option(..., "-o", "--output", help="the .html file to write"),
              city: list[str] = typer.Option([], "--city", help="cities for supply and demand (repeatable; "
                                             "default: the cities focusing on the chain)"),
              year: int | None = typer.Option(None, "--year", min=2000, max=2100),
              per_segment: int = typer.Option(5, "--per-segment", min=1, max=50,
                                              help="institutions shown per segment")) -> None:
    """A chain's segments upstream → downstream, coloured by supply–demand status, with the institutions
    that train for each segment."""
    _write(_html_path(output), "chain", chain, cities=city or None, year=year, per_segment=per_segment)


@viz_app.command("ego")
def viz_ego(ident: str = typer.Argument(..., help="Label:id, an id or an exact name"),
            output: Path = typer.Option(..., "-o", "--output", help="the .html file to write"),
            hops: int = typer.Option(1, "--hops", min=1, max=2, help="1 or 2"),
            cap: int = typer.Option(150, "--cap", min=10, max=1000, help="at most this many nodes")) -> None:
    """The neighbourhood of one entity, 1 or 2 hops, capped (a note says so)."""
    _write(_html_path(output), "ego", ident, hops=hops, cap=cap)


@viz_app.command("alliance")
def viz_alliance(alliance: str = typer.Argument(..., help="alliance id"),
                 output: Path = typer.Option(..., "-o", "--output", help="the .html file to write")) -> None:
    """An alliance, its lead and members, their cities and industries."""
    _write(_html_path(output), "alliance", alliance)


app.add_typer(viz_app, name="viz", help="Interactive network pages (offline HTML): city, chain, ego, alliance")
