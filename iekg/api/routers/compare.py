"""Comparing cities and trends (issue 22, items 3 and 4): ``GET /analysis/compare``, ``GET /analysis/trend`` — each
the CLI's JSON (``iekg compare`` / ``iekg trend --format json``) plus ``illustrative``, or with ``?format=csv|xlsx``
(or ``Accept``) the same file as ``--format csv|xlsx`` (:mod:`iekg.api.takeaway`; another format: 406) — and the
comparison page
``GET /viz/compare`` (HTML for people, not in the OpenAPI document)."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from iekg import service
from iekg.api.deps import CITY_PATTERN, HEAVY, CitiesQuery, StoreDep, TargetYear, YearQuery
from iekg.api.errors import problem_responses, query_errors
from iekg.api.jsonable import DataResponse
from iekg.api.models import Open
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses
from iekg.graph.store import Store

Province = Annotated[str | None, Query(pattern=CITY_PATTERN, description="a province code: all its cities",
                                       examples=["410000"])]
Chain = Annotated[str | None, Query(min_length=1, max_length=100, description="restrict to one industry chain id",
                                    examples=["HN-NEV-01"])]
Sort = Annotated[Literal["sai", "coverage", "targets", "coupling"],
                 Query(description="the measure that ranks the cities (cities without it: rank null, listed last)")]
Year = Annotated[int | None, Query(ge=2000, le=2100)]


class CompareRow(Open):
    city: str
    name: str
    source: Literal["yours", "illustrative", "public"] = Field(description="whose data the row rests on")
    sai: float | None
    sai_observed: float | None
    coverage: float | None
    targets_met: int | None
    targets_total: int
    coupling: float | None
    gaps: dict[str, int] | None = Field(description="gaps by type (null: no data)")
    completeness: dict[str, Any]
    rank: int | None = Field(description="rank by the chosen measure; null when the city has no data for it")
    target: dict[str, Any] | None = Field(None, description="with target_year: the city's figures projected to "
                                          "that year (S, D, sai, coverage, targets_met …; projection true)")


class Compare(Open):
    province: str | None
    year: int | None
    target_year: int | None = None
    measure: str
    cities: list[CompareRow]
    illustrative: bool


class TrendYear(Open):
    year: int
    S: float | None
    D: float | None
    sai: float | None
    sai_observed: float | None
    coverage: float | None
    partial: bool
    partial_reason: str | None
    change: dict[str, Any] | None = Field(description="from the previous year with data (no delta across a gap)")


class Trend(Open):
    scope: str
    scope_name: str
    years: list[TrendYear]
    industries: list[dict[str, Any]]
    missing_years: list[int] = Field(description="years of the range without data: absent, never 0")
    illustrative: bool


def ok(model: type, example: dict[str, Any], *codes: int) -> dict[int | str, dict[str, Any]]:
    """The route's answers: JSON (``model``, ``example``), CSV and xlsx (``?format=`` / ``Accept``,
    :mod:`iekg.api.takeaway`), the 406 problem of a format it does not have, and the problems ``codes``."""
    return takeaway_responses(model, example, *codes)


COMPARE_EXAMPLE = {
    "province": "410000", "year": 2024, "measure": "sai", "illustrative": True,
    "cities": [{"city": "411500", "name": "信阳市", "source": "illustrative", "sai": 0.7368, "sai_observed": 0.7604,
                "coverage": 1.0, "targets_met": 3, "targets_total": 6, "coupling": 0.3607,
                "gaps": {"shortage": 8, "surplus": 36}, "completeness": {"has_programs": True, "has_demand": True},
                "rank": 1},
               {"city": "410181", "name": "巩义市", "source": "yours", "sai": None, "sai_observed": None,
                "coverage": None, "targets_met": None, "targets_total": 6, "coupling": None, "gaps": None,
                "completeness": {"has_programs": False, "has_demand": False}, "rank": None}]}
TREND_EXAMPLE = {
    "scope": "410200", "scope_name": "开封市", "illustrative": True, "missing_years": [2022],
    "years": [{"year": 2023, "S": 21470.0, "D": 16714.0, "sai": 0.5105, "sai_observed": 0.5305, "coverage": 1.0,
               "partial": False, "partial_reason": None, "change": None},
              {"year": 2024, "S": 24251.9, "D": 19914.0, "sai": 0.5189, "sai_observed": 0.5406, "coverage": 1.0,
               "partial": False, "partial_reason": None,
               "change": {"from": 2023, "gap_years": [], "S": 2781.9, "D": 3200.0, "sai": 0.0083}}],
    "industries": [{"code": "36", "name": "汽车制造业", "by_year": [{"year": 2023, "supply": 418.5, "demand": 1470.0},
                                                              {"year": 2024, "supply": 422.9, "demand": 1588.0}]}]}

analysis = APIRouter(prefix="/analysis", tags=["analysis"], dependencies=HEAVY, responses=problem_responses(429))


@analysis.get("/compare", response_class=DataResponse, response_model=None, summary="Compare cities 城市比较",
              responses=ok(Compare, COMPARE_EXAMPLE, 404))
def get_compare(request: Request, store: StoreDep, province: Province = None, city: CitiesQuery = None,
                year: YearQuery = None, sort: Sort = "sai", target_year: TargetYear = None,
                format: FormatQuery = None) -> Response:
    """The cities of a province (or the cities given; neither: every city) side by side for one year: SAI, observed
    SAI, coverage, targets met, coupling, gaps by type, data completeness, each row with its ``source`` and its
    ``rank`` by ``sort`` — a city without data has rank null and is listed last — exactly ``iekg compare
    --format json``, plus ``illustrative``.  With ``target_year``, each row with data also its figures projected
    to that year (``target``: S, D, SAI, coverage, targets met — projections, not statistics)."""
    fmt = negotiate(request, format)  # before the work: a 406 costs nothing
    with query_errors():
        res = service.compare(store, province=province, cities=city or None, year=year, sort=sort,
                              target_year=target_year)
    return respond(fmt, "compare", res, res.with_provenance(), store)


@analysis.get("/trend", response_class=DataResponse, response_model=None, summary="Trend over the years 趋势",
              responses=ok(Trend, TREND_EXAMPLE, 404))
def get_trend(request: Request, store: StoreDep, city: CitiesQuery = None, province: Province = None,
              from_: Annotated[int | None, Query(alias="from", ge=2000, le=2100, description="first year")] = None,
              to: Annotated[int | None, Query(ge=2000, le=2100, description="last year")] = None,
              chain: Chain = None, format: FormatQuery = None) -> Response:
    """S, D, SAI, observed SAI, coverage and per-industry supply and demand for each year with data, the change from
    the previous year (none across a missing year: ``gap_years``), thin years marked ``partial`` with the reason;
    years without data in ``missing_years``, never 0 — exactly ``iekg trend --format json``, plus ``illustrative``."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.trend(store, cities=city, province=province,
                            years=None if from_ is None and to is None else (from_, to), chain=chain)
    return respond(fmt, "trend", res, res.with_provenance(), store)


# ----------------------------------------------------------------------------------------- the page
COMPARE_PAGE = "/viz/compare"
pages = APIRouter(tags=["pictures"])


@functools.cache
def page_csp() -> str:
    """The comparison page's Content-Security-Policy: only its own inline script runs (allowed by hash); it
    fetches the API of the same origin; nothing loads from elsewhere."""
    from iekg.api.routers.pictures import csp_hash
    from iekg.viz.compare import page_script

    return ("default-src 'none'; " f"script-src {csp_hash(page_script())}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@pages.get(COMPARE_PAGE, response_class=HTMLResponse, summary="Compare cities 城市比较", include_in_schema=False)
async def compare_page(request: Request, store: StoreDep, province: Province = None,
                       year: Year = None, sort: Sort = "sai") -> HTMLResponse:
    """The comparison page: a sortable table and a schematic tile map of the province (not a map)."""
    from iekg.api.routers.pictures import PAGE_HEADERS, _api_prefix, _root
    from iekg.viz.compare import compare_html
    from iekg.viz.page import error_page

    root = _root(request)
    api = root + _api_prefix(request, None)

    def build(s: Store) -> tuple[str, int]:
        try:
            return compare_html(s, province=province, year=year, sort=sort,
                                routes={"compare": api + "/analysis/compare", "dashboard": root + "/dashboard"}), 200
        except LookupError as exc:
            return error_page("城市比较：找不到 not found", str(exc), 404), 404
        except ValueError as exc:
            return error_page("城市比较：参数有误 invalid request", str(exc), 422), 422

    text, status = await asyncio.to_thread(build, store)
    return HTMLResponse(text, status_code=status,
                        headers={"Cache-Control": "no-store", "Content-Security-Policy": page_csp(), **PAGE_HEADERS})


router = APIRouter()
router.include_router(analysis)
router.include_router(pages)
