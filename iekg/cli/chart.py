"""``iekg chart …``: the charts as files — PNG and SVG (Chinese text rendered, to paste into a Word report) or
the Vega-Lite spec (``.json``) — built by :mod:`iekg.charts` from the same answers as ``iekg align``,
``iekg readiness --all`` and ``iekg coupling``.  With ``--server`` the spec is made on the server
(``service.chart_spec``) and drawn here."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from iekg.cli.console import answers, err, escape, open_store, out
from iekg.cli.remote import service  # the service here, or the server's (--server)
from iekg.cli.root import app

chart_app = typer.Typer(help="Charts as PNG, SVG or Vega-Lite JSON: supply-demand, chain, ranking, trend, compare",
                        no_args_is_help=True)
app.add_typer(chart_app, name="chart")

_OUTPUT_HELP = "the file to write: .png, .svg or .json (Vega-Lite spec); the suffix gives the format"
_FORMAT_HELP = "png, svg or vl.json (default: from the file name's suffix)"


class ChartFormat(StrEnum):
    png = "png"
    svg = "svg"
    vl_json = "vl.json"


class Measure(StrEnum):
    readiness = "readiness"
    coupling = "coupling"


def _write(output: Path, fmt: ChartFormat | None, chart: str, *args: Any) -> None:
    """Check the format before any work, make chart ``chart``'s spec over the store (the server's with --server:
    :func:`iekg.service.chart_spec`), draw it, write the file."""
    from iekg.charts import render

    try:
        kind = render.format_for(output, fmt.value if fmt else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format / -o") from None
    store = open_store()
    with answers():
        spec = service.chart_spec(store, chart, *args)
    data = render.render(spec, kind)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        err.print(f"[red]cannot write {escape(str(output))}: {escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    out.print(f"已写出图表 chart written → {escape(str(output))} ({kind}, {len(data):,} bytes)")
    subtitle = (spec.get("title") or {}).get("subtitle") or []
    if any("示意数据" in s for s in subtitle):
        out.print("[bold yellow]示意数据：图表基于示意（演示）数据，图中已标明 (illustrative demo data)[/bold yellow]")


@chart_app.command("supply-demand")
def chart_supply_demand(
    city: str = typer.Option(..., "--city", help="city code"),
    output: Path = typer.Option(..., "-o", "--output", help=_OUTPUT_HELP),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100, help="default: latest year with programs"),
    chain: str | None = typer.Option(None, "--chain", help="restrict to one industry chain id"),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="the projection to this year (预测; after the data's year)"),
    fmt: ChartFormat | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Supply beside demand per industry, coloured by status (iekg align's figures; --target-year: its projection)."""
    _write(output, fmt, "supply-demand", city, year, chain, target_year)


@chart_app.command("chain")
def chart_chain(
    city: str = typer.Option(..., "--city", help="city code"),
    output: Path = typer.Option(..., "-o", "--output", help=_OUTPUT_HELP),
    chain: str | None = typer.Option(None, "--chain", help="an industry chain id (default: the city's focus chains)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100),
    fmt: ChartFormat | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """A chain's segments, upstream to downstream, covered or not by the city's programs."""
    _write(output, fmt, "chain", city, chain, year)


@chart_app.command("ranking")
def chart_ranking(
    output: Path = typer.Option(..., "-o", "--output", help=_OUTPUT_HELP),
    measure: Measure = typer.Option(Measure.readiness, "--measure", help="readiness or coupling"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100),
    fmt: ChartFormat | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Every city ranked by readiness or by the coupling coordination degree; cities without data named apart."""
    _write(output, fmt, "ranking", measure.value, year)


@chart_app.command("trend")
def chart_trend(
    city: str = typer.Option(..., "--city", help="city code"),
    output: Path = typer.Option(..., "-o", "--output", help=_OUTPUT_HELP),
    from_: int | None = typer.Option(None, "--from", min=2000, max=2100, help="first year (default: first with data)"),
    to: int | None = typer.Option(None, "--to", min=2000, max=2100, help="last year (default: last with data)"),
    chain: str | None = typer.Option(None, "--chain", help="restrict to one industry chain id"),
    fmt: ChartFormat | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """A city's supply, demand, SAI and coverage over the years (iekg trend's figures); a missing year breaks
    the line."""
    _write(output, fmt, "trend", city, from_, to, chain)


@chart_app.command("compare")
def chart_compare(
    output: Path = typer.Option(..., "-o", "--output", help=_OUTPUT_HELP),
    province: str | None = typer.Option(None, "--province", help="a province code: its cities"),
    city: list[str] = typer.Option([], "--city", help="compare these cities (repeat)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100),
    sort: str = typer.Option("sai", "--sort", help="the measure: sai | coverage | targets | coupling"),
    fmt: ChartFormat | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Cities side by side on one measure (iekg compare's figures); cities without it named apart."""
    _write(output, fmt, "compare", province, city, year, sort)
