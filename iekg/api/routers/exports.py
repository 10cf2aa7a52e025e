"""Documents as downloads: the pilot application's Attachment 1 + 2 workbook and plan, the annual supply–demand
report, a city's subgraph."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from iekg import service
from iekg.api import listing
from iekg.api.deps import HEAVY, CityCodeStr, StoreDep, YearQuery
from iekg.api.errors import ProblemError, problem_responses, query_errors
from iekg.graph.store import Store
from iekg.service import drafting

router = APIRouter(prefix="/exports", tags=["exports"], dependencies=HEAVY,  # expensive: a concurrency limit
                   responses=problem_responses(429))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown; charset=utf-8"
CityOne = Annotated[CityCodeStr, Query(description="city code (6 digits)", examples=["410200"])]
PeriodQuery = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{4})?$",
                                          description="period the drafted deadlines fall in, first-last year, e.g. "
                                                      "2027-2029 (default: three years from today); it must not "
                                                      "end before today", examples=["2027-2029"])]
TodayQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                         description="the date the draft is made on, YYYY-MM-DD (default: today)",
                                         examples=["2026-12-06"])]
DocumentQuery = Annotated[Literal["application", "progress", "evaluation"] | None,
                          Query(description="the document (default: by the city's stage: a city selected as a "
                                            "provincial pilot gets its progress or final evaluation report)")]


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (Chinese) name per RFC 5987 / RFC 6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _city_name(store: Store, city: str) -> str:
    with query_errors():
        service.require_cities(store, [city])
    return store.get(f"City:{city}").name  # type: ignore[union-attr]


def download(data: bytes, media_type: str, filename: str, fallback: str, illustrative: bool) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename, fallback),
        "X-IEKG-Illustrative": "true" if illustrative else "false"})


def _binary(description: str, *media_types: str) -> dict[int | str, dict[str, object]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {m: binary for m in media_types},
                  "headers": {"Content-Disposition": {"description": "attachment; filename*=UTF-8''… (Chinese name)",
                                                      "schema": {"type": "string"}},
                              "X-IEKG-Illustrative": {"description": "true when drafted from illustrative data",
                                                      "schema": {"type": "string"}}}},
            **problem_responses(404)}


@router.get("/attachments", response_class=Response, summary="Attachment 1 + 2 workbook 附件1、2 (xlsx)",
            responses=_binary("the workbook: 附件1 问题清单 (序号/主要问题/解决时限), 附件2 政策清单 "
                                    "(序号/政策内容/责任部门/完成时限), and the evidence sheet; headers in row 2", XLSX))
def attachments(store: StoreDep, city: CityOne, year: YearQuery = None,
                max_generated: Annotated[int, Query(ge=0, le=50, description="at most this many rows drafted from "
                                                    "gaps")] = 10,
                period: PeriodQuery = None, today: TodayQuery = None, document: DocumentQuery = None) -> Response:
    """The city's own Attachment 1 and 2 rows, then rows drafted from its gaps where no own row covers them —
    ``iekg export attachments``.  Downloaded as ``{城市}产教融合试点附件1-2.xlsx``."""
    name = _city_name(store, city)
    listing.require_year(store, year, [city])
    with query_errors():
        per, _ = drafting.draft_options(period, None, today, document)
    with tempfile.TemporaryDirectory(prefix=f"iekg-export-{os.getpid()}-") as tmp:
        out = Path(tmp) / "attachments.xlsx"
        with query_errors():
            res = drafting.attachments(store, city, out, year=year, max_generated=max_generated, period=per,
                                       today=drafting.parse_today(today), document=document)
        data = Path(res["path"]).read_bytes()
    return download(data, XLSX, f"{name}产教融合试点附件1-2.xlsx", f"iekg-attachments-{city}.xlsx",
                    bool(res["illustrative"]))


@router.get("/plan", response_class=Response, summary="Pilot plan draft 试点方案草稿 (md / docx)",
            responses={**_binary("the plan as Markdown, or Word with format=docx", MARKDOWN, DOCX),
                       **problem_responses(404, 501)})
def plan(store: StoreDep, city: CityOne, year: YearQuery = None,
         format: Annotated[Literal["md", "docx"], Query(description="md (Markdown) or docx (needs python-docx)")] = "md",
         period: PeriodQuery = None, today: TodayQuery = None, document: DocumentQuery = None) -> Response:
    """The document the city needs now — a draft pilot plan following the notice's 8-section outline, or
    for a city already selected its progress or final evaluation report — ``iekg export plan``.
    Downloaded as ``{城市}产教融合型城市试点方案（草稿）.md``, a report as its title."""
    name = _city_name(store, city)
    listing.require_year(store, year, [city])
    with query_errors():
        per, _ = drafting.draft_options(period, None, today, document)
        plan_text = drafting.plan_text(store, city, year=year, period=per, today=drafting.parse_today(today),
                                       document=document)
    text, illustrative = plan_text.data, plan_text.illustrative
    title = text.split("\n", 1)[0].removeprefix("# ").strip()
    base = title if "报告" in title else f"{name}产教融合型城市试点方案（草稿）"  # a report is named by its title
    if format == "md":
        return download(text.encode("utf-8"), MARKDOWN, base + ".md", f"iekg-plan-{city}.md", illustrative)
    with tempfile.TemporaryDirectory(prefix=f"iekg-export-{os.getpid()}-") as tmp:
        out = drafting.plan_docx(text, Path(tmp) / "plan.docx")
        if out is None:
            raise ProblemError("not-implemented", "python-docx is not installed: ask for format=md, or "
                                                  "pip install python-docx")
        data = out.read_bytes()
    return download(data, DOCX, base + ".docx", f"iekg-plan-{city}.docx", illustrative)


ProvinceQuery = Annotated[str | None, Query(pattern=r"^\d{6}$", description="a province code: the province's report",
                                            examples=["410000"])]


@router.get("/report", response_class=Response, summary="Annual supply–demand report 年度产教供需分析报告 (docx)",
            responses=_binary("the report as an A4 Word document: data coverage, the alignment per industry with its "
                              "chart, the main gaps, the cities side by side (a province), the years in a row",
                              DOCX))
def report(store: StoreDep, city: Annotated[str | None, Query(pattern=r"^\d{6}$", description="a city code: the "
                                                              "city's report", examples=["410200"])] = None,
           province: ProvinceQuery = None, year: YearQuery = None, today: TodayQuery = None,
           target_year: Annotated[int | None, Query(ge=2000, le=2100, description=(
               "add the alignment projected to this year (预测), beside the report year's"), examples=[2027])] = None,
           ) -> Response:
    """``iekg export report``: the year of a city or a province in one document — the same tables the
    ``?format=xlsx`` downloads hand out and the same charts ``/charts/…`` draws.  Downloaded as its title,
    e.g. ``开封市2024年产教供需分析报告.docx``."""
    from iekg.service.annual import annual_report

    cities = [city] if city else None
    with query_errors():
        service.scope(store, cities, province, None)
    listing.require_year(store, year, cities or None)
    with tempfile.TemporaryDirectory(prefix=f"iekg-export-{os.getpid()}-") as tmp:
        with query_errors():
            res = annual_report(store, Path(tmp) / "report.docx", city=city, province=province, year=year,
                                today=drafting.parse_today(today), target_year=target_year)
        data = Path(res["path"]).read_bytes()
    return download(data, DOCX, f"{res['title']}.docx", f"iekg-report-{res['scope']}-{res['year']}.docx",
                    bool(res["illustrative"]))


GRAPH_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "json": "application/json"}


@router.get("/graph", response_class=Response, summary="A city's subgraph for Gephi 城市子图 (GraphML / GEXF / JSON)",
            responses={200: {"description": "the city's subgraph: the city, its zones, every node located in it, "
                                            "its problems and measures, their relationships and the nodes one hop "
                                            "away",
                             "content": {m: {"schema": {"type": "object", "description": "networkx node-link "
                                                        "data: directed, multigraph, graph, nodes, links"}
                                             if m == "application/json" else {"type": "string", "format": "binary"}}
                                         for m in GRAPH_MEDIA.values()},
                             "headers": {"Content-Disposition": {"description": "attachment; filename=…",
                                                                 "schema": {"type": "string"}}}},
                       **problem_responses(404)})
def graph(store: StoreDep, city: CityOne,
          format: Annotated[Literal["graphml", "gexf", "json"],
                            Query(description="graphml, gexf or json (networkx node-link)")] = "graphml") -> Response:
    """``iekg export graph --city CODE``: a city's subgraph as a file for Gephi, Cytoscape or yEd (the
    whole graph only from the command line: at national scale it is gigabytes).  Which nodes and
    relationships, and how properties are written: docs/guide.md, "Export the graph"."""
    _city_name(store, city)
    with tempfile.TemporaryDirectory(prefix="iekg-export-") as tmp:
        out = Path(tmp) / f"graph.{format}"
        service.export_graph(store, format, out, city)
        data = out.read_bytes()
    name = f"iekg-{city}.{format}"
    return Response(data, media_type=GRAPH_MEDIA[format],
                    headers={"Content-Disposition": content_disposition(name, name)})
