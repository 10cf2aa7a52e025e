"""``iekg export …``: drafts for the pilot application (Attachment 1 + 2 workbook, pilot plan) and the graph
as a file for Gephi."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iekg import service
from iekg._lazy import lazy
from iekg.cli.console import Fmt, answers, escape, open_store, out, render
from iekg.cli.root import app
from iekg.service.arguments import city_or_province

if TYPE_CHECKING:
    from iekg.service import drafting
else:  # imported by the export commands only (not at start-up: tests/test_cli_startup.py)
    drafting = lazy("iekg.service.drafting")

export_app = typer.Typer(help="Drafts for the pilot application: Attachment 1 + 2 workbook, pilot plan",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")


_PERIOD_HELP = ("period the drafted deadlines fall in, e.g. 2027-2029: the pilot period of an application, the "
                "next steps of a report (default: three years from today)")
_TODAY_HELP = "the date the draft is made on, YYYY-MM-DD (default: today): decides the city's stage and what is past"
_DOCUMENT_HELP = ("application, progress or evaluation (default: by the city's stage — a city selected as a "
                  "provincial pilot gets a progress report until 2025, the final evaluation report after)")
_TYPES_HELP = ("gap types to draft, comma-separated: unmet_demand, shortage, surplus, uncovered_segment, "
               "no_cooperation, no_training_base, target_shortfall (default: all)")
_MIN_PEOPLE_HELP = ("supply gaps smaller than this many people are minor and not drafted (our assumption; default: "
                    "the gap ranking's IEKG_GAP_MIN_PEOPLE, 50)")


def _draft_options(period: str | None, types: str | None, today: str | None = None,
                   document: str | None = None) -> tuple[Any, tuple[str, ...] | None]:
    """--period, --types, --today and --document checked before the store is opened (a usage error exits 2
    and says why)."""
    with answers():
        return drafting.draft_options(period, types, today, document)


@export_app.command("attachments")
def export_attachments(city: str = typer.Option(..., "--city", help="city code"),
                       output: Path = typer.Option(..., "-o", "--output", help="the .xlsx file to write"),
                       year: int | None = typer.Option(None, "--year", min=2000, max=2100),
                       max_generated: int = typer.Option(10, "--max-generated", min=0,
                                                         help="at most this many rows drafted from gaps"),
                       period: str | None = typer.Option(None, "--period", help=_PERIOD_HELP),
                       types: str | None = typer.Option(None, "--types", help=_TYPES_HELP),
                       min_people: float | None = typer.Option(None, "--min-people", min=0, help=_MIN_PEOPLE_HELP),
                       today: str | None = typer.Option(None, "--today", help=_TODAY_HELP),
                       document: str | None = typer.Option(None, "--document", help=_DOCUMENT_HELP),
                       fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Attachment 1 (问题清单) and 2 (政策清单) as one workbook: the city's own rows, then drafts from its gaps
    where no own row covers them; for a city already selected, with what is past due and the next steps."""
    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the output must be an .xlsx file", param_hint="-o")
    per, kinds = _draft_options(period, types, today, document)
    store = open_store()
    with answers():
        res = drafting.attachments(store, city, output, year=year, max_generated=max_generated, period=per,
                                   types=kinds, min_people=min_people, today=drafting.parse_today(today),
                                   document=document)

    def draw() -> None:
        out.print(f"[green]{escape(res['path'])}[/green]: {escape(res['title'])}")
        out.print(f"{res['city_name']} 附件1 {res['problems']} 行 (自报 {res['own_problems']}，"
                  f"起草 {res['drafted_problems']})；附件2 {res['measures']} 行 (自报 {res['own_measures']}，起草 {res['drafted_measures']})"
                  + (f"；{res['overdue']} 行时限已过" if res["overdue"] else ""))
        if res["illustrative"]:
            out.print("[bold yellow]示意数据：本稿基于示意（演示）数据生成，不是真实情况 (illustrative demo data)[/bold yellow]")

    render(res, fmt, draw)


@export_app.command("plan")
def export_plan(city: str = typer.Option(..., "--city", help="city code"),
                output: Path = typer.Option(..., "-o", "--output", help="the .md (or .docx) file to write"),
                year: int | None = typer.Option(None, "--year", min=2000, max=2100),
                period: str | None = typer.Option(None, "--period", help=_PERIOD_HELP),
                types: str | None = typer.Option(None, "--types", help=_TYPES_HELP),
                min_people: float | None = typer.Option(None, "--min-people", min=0, help=_MIN_PEOPLE_HELP),
                today: str | None = typer.Option(None, "--today", help=_TODAY_HELP),
                document: str | None = typer.Option(None, "--document", help=_DOCUMENT_HELP),
                fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """The document the city needs now: a draft pilot plan following the notice's 8-section outline, or for a
    city already selected its progress or final evaluation report; the self-assessment against reference
    values goes to a separate internal file (…-内部诊断.md)."""
    if output.suffix.lower() not in (".md", ".docx"):
        raise typer.BadParameter("the output must be a .md or .docx file", param_hint="-o")
    per, kinds = _draft_options(period, types, today, document)
    store = open_store()
    with answers():
        files = drafting.plan_files(store, city, output, year=year, period=per, types=kinds, min_people=min_people,
                                    today=drafting.parse_today(today), document=document)

    def draw() -> None:
        for f in files:
            out.print(f"[green]{f}[/green]")

    render({"files": [str(f) for f in files]}, fmt, draw)


@export_app.command("report")
def export_report(output: Path = typer.Option(..., "-o", "--output", help="the .docx file to write"),
                  city: str | None = typer.Option(None, "--city", help="city code: the city's report"),
                  province: str | None = typer.Option(None, "--province", help="province code: the province's report"),
                  year: int | None = typer.Option(None, "--year", min=2000, max=2100,
                                                  help="default: the latest year with programs"),
                  today: str | None = typer.Option(None, "--today", help="the report's date, YYYY-MM-DD (default: today)"),
                  target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                                         help="add the alignment projected to this year (预测)"),
                  fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """The annual supply–demand report (年度产教供需分析报告) of a city or a province as an A4 Word document:
    data coverage, supply and demand per industry with its chart, the main gaps, the cities side by side (a
    province), the years in a row."""
    if output.suffix.lower() != ".docx":
        raise typer.BadParameter("the output must be a .docx file", param_hint="-o")
    with answers():  # --today's form and the scope's options, checked before the store is opened
        day = drafting.parse_today(today)
        city_or_province([city] if city else None, province)
    store = open_store()
    with answers():
        from iekg.service.annual import annual_report

        res = annual_report(store, output, city=city, province=province, year=year, today=day,
                            target_year=target_year)

    def draw() -> None:
        out.print(f"[green]{escape(res['path'])}[/green]: {escape(res['title'])}")
        out.print(f"{res['tables']} 张表、{res['figures']} 张图" +
                  (f"；未能生成的图表 {len(res['skipped_charts'])} 张" if res["skipped_charts"] else ""))
        if res.get("target_year"):
            out.print(f"[yellow]含 {res['target_year']} 年预测（预测 projection，方法见报告）[/yellow]")
        if res["illustrative"]:
            out.print("[bold yellow]示意数据：本报告基于示意（演示）数据生成，不是真实情况 (illustrative demo data)[/bold yellow]")

    render({k: v for k, v in res.items() if k != "rows"}, fmt, draw)


@export_app.command("graph")
def export_graph(output: Path = typer.Option(..., "-o", "--output", help="the file to write"),
                 graph_format: str = typer.Option("graphml", "--format", help="graphml, gexf or json (node-link)"),
                 city: str | None = typer.Option(None, "--city", help="only this city's subgraph (city code)"),
                 as_json: bool = typer.Option(False, "--json", help="print the summary as JSON")) -> None:
    """The graph (or a city's subgraph) as GraphML, GEXF or node-link JSON for Gephi and other tools."""
    from iekg.graph.export import FORMATS

    if graph_format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    store = open_store()
    with answers():
        res = service.export_graph(store, graph_format, output, city)
    render(res, Fmt.json if as_json else Fmt.table, lambda: out.print(
        f"[green]{escape(res['file'])}[/green]: {res['nodes']} nodes, {res['relationships']} relationships "
        f"({graph_format}{', city ' + city if city else ''})"))


