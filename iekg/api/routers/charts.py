"""Charts as files: ``GET /charts/supply-demand``, ``/charts/chain``, ``/charts/ranking``, ``/charts/trend`` and
``/charts/compare`` answer SVG, PNG or the Vega-Lite spec (``format=svg|png|vl.json``; an unknown format is a
406 problem) — what ``iekg chart`` writes.
``GET /charts/vendor/{name}`` serves the vendored vega, vega-lite and vega-embed builds for an offline page
(a fixed list of file names, never a path from the request)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from iekg.api.deps import HEAVY, CityCodeStr, StoreDep, TargetYear, YearQuery
from iekg.api.errors import KINDS, ProblemError, problem_responses, query_errors
from iekg.charts import embed
from iekg.charts.render import FORMATS

router = APIRouter(prefix="/charts", tags=["charts"])

CityOne = Annotated[CityCodeStr, Query(description="city code (6 digits)", examples=["410200"])]
Chain = Annotated[str | None, Query(min_length=1, max_length=100, description="an industry chain id",
                                    examples=["HN-NEV-01"])]
Format = Annotated[str, Query(max_length=20, description="svg, png or vl.json (the Vega-Lite spec); another "
                                                        "value is a 406 problem", examples=["svg"],
                              json_schema_extra={"enum": list(FORMATS)})]  # checked by _format: 406, not 422
Measure = Annotated[str, Query(pattern="^(readiness|coupling)$", description="readiness or coupling")]

NOT_ACCEPTABLE: dict[int | str, dict[str, Any]] = problem_responses(406, examples={406: {
    "type": "/problems/not-acceptable", "title": "Not acceptable 没有这种格式", "status": 406,
    "detail": "unknown chart format 'gif': svg, png or vl.json", "instance": "/charts/supply-demand",
    "formats": list(FORMATS), "media_types": list(FORMATS.values())}})
CHART: dict[int | str, dict[str, Any]] = {
    200: {"description": "the chart: SVG (Chinese text as <text>), PNG (2× scale) or the Vega-Lite spec",
          "content": {"image/svg+xml": {"schema": {"type": "string"}},
                      "image/png": {"schema": {"type": "string", "format": "binary"}},
                      "application/json": {"schema": {"type": "object"}}},
          "headers": {"X-IEKG-Illustrative": {"description": "true when the chart rests on illustrative data",
                                              "schema": {"type": "string"}}}},
    **NOT_ACCEPTABLE, **problem_responses(404, 429)}


def _format(fmt: str) -> str:
    """The format, checked before any work: an unknown one is a 406 problem."""
    if fmt not in FORMATS:
        kind = "not-acceptable" if "not-acceptable" in KINDS else "http-error"  # the kind once errors.py has it
        raise ProblemError(kind, f"unknown chart format {fmt[:20]!r}: svg, png or vl.json", status=406,
                           formats=list(FORMATS), media_types=list(FORMATS.values()))
    return fmt


def _answer(spec: dict[str, Any], fmt: str) -> Response:
    from iekg.charts.render import render

    body = render(spec, fmt)
    illustrative = any("示意数据" in s for s in (spec.get("title") or {}).get("subtitle") or [])
    return Response(body, media_type=FORMATS[fmt],
                    headers={"X-IEKG-Illustrative": "true" if illustrative else "false",
                             "Cache-Control": "no-store"})


@router.get("/supply-demand", response_class=Response, summary="Supply/demand bars 人才供需对比图",
            responses=CHART, dependencies=HEAVY)
def supply_demand(store: StoreDep, city: CityOne, year: YearQuery = None, chain: Chain = None,
                  target_year: TargetYear = None, format: Format = "svg") -> Response:
    """Supply beside demand per industry, supply coloured by the industry's status (``iekg chart
    supply-demand``); an industry without demand data says so instead of a bar.  With ``target_year``: the
    projection to that year, titled and noted as such."""
    from iekg.charts import questions

    fmt = _format(format)
    with query_errors():
        spec = questions.supply_demand(store, city, year, chain, target_year)
    return _answer(spec, fmt)


@router.get("/chain", response_class=Response, summary="Chain segments covered 产业链环节覆盖图",
            responses=CHART, dependencies=HEAVY)
def chain(store: StoreDep, city: CityOne, chain: Chain = None, year: YearQuery = None,
          format: Format = "svg") -> Response:
    """A chain's segments upstream to downstream, covered or not by the city's programs (no chain: the city's
    focus chains) — ``iekg chart chain``."""
    from iekg.charts import questions

    fmt = _format(format)
    with query_errors():
        spec = questions.chain(store, city, chain, year)
    return _answer(spec, fmt)


@router.get("/ranking", response_class=Response, summary="Cities ranked 城市排名图", responses=CHART,
            dependencies=HEAVY)
def ranking(store: StoreDep, measure: Measure = "readiness", year: YearQuery = None,
            format: Format = "svg") -> Response:
    """Every city ranked by readiness or by the coupling coordination degree; cities without data are named
    apart, never drawn as 0 — ``iekg chart ranking``."""
    from iekg.charts import questions

    fmt = _format(format)
    with query_errors():
        spec = questions.ranking(store, measure, year)
    return _answer(spec, fmt)


Province = Annotated[str | None, Query(pattern=r"^\d{6}$", description="a province code: its cities",
                                       examples=["410000"])]
Cities = Annotated[list[CityCodeStr] | None, Query(description="city codes (6 digits; repeat for several)")]
FromYear = Annotated[int | None, Query(alias="from", ge=2000, le=2100, description="first year (default: first "
                                                                                  "with data)")]
ToYear = Annotated[int | None, Query(alias="to", ge=2000, le=2100, description="last year (default: last with data)")]
CompareMeasure = Annotated[str, Query(pattern="^(sai|coverage|targets|coupling)$",
                                      description="sai, coverage, targets or coupling")]


@router.get("/trend", response_class=Response, summary="A city's trend 产教匹配趋势图", responses=CHART,
            dependencies=HEAVY)
def trend(store: StoreDep, city: CityOne, from_: FromYear = None, to: ToYear = None, chain: Chain = None,
          format: Format = "svg") -> Response:
    """Supply, demand, SAI and coverage over the years (``iekg chart trend``); a missing year breaks the line,
    never a 0."""
    from iekg.charts import questions

    fmt = _format(format)
    with query_errors():
        spec = questions.trend(store, city, from_, to, chain)
    return _answer(spec, fmt)


@router.get("/compare", response_class=Response, summary="Cities compared 城市比较图", responses=CHART,
            dependencies=HEAVY)
def compare(store: StoreDep, province: Province = None, city: Cities = None, year: YearQuery = None,
            sort: CompareMeasure = "sai", format: Format = "svg") -> Response:
    """Cities side by side on one measure (``iekg chart compare``); cities without it named apart."""
    from iekg.charts import questions

    fmt = _format(format)
    with query_errors():
        spec = questions.compare(store, province, city, year, sort)
    return _answer(spec, fmt)


ScenarioName = Annotated[str, Query(min_length=1, max_length=80, description="the scenario's name",
                                    examples=["食品扩招"])]


@router.get("/scenario", response_class=Response, summary="A scenario against its baseline 情景与基线对比图",
            responses=CHART, dependencies=HEAVY)
def scenario(store: StoreDep, name: ScenarioName, format: Format = "svg") -> Response:
    """For the industries a what-if scenario moves: supply before and after beside demand; SAI and unmet demand
    before → after in the subtitle (the evaluation of ``GET /scenarios/{name}``)."""
    from iekg import service
    from iekg.charts import specs

    fmt = _format(format)
    with query_errors():
        res = service.scenario_show(store, name)
        spec = specs.scenario(res.data, res.illustrative)
    return _answer(spec, fmt)


def _vendor_name(name: Annotated[str, Path(max_length=40, description="one of the vendored file names")]) -> str:
    if name not in embed.VENDOR_FILES:
        raise ProblemError("not-found", f"no vendored file {name[:40]!r}")
    return name


@router.get("/vendor/{name}", response_class=Response, include_in_schema=False)
def vendor(name: Annotated[str, Depends(_vendor_name)]) -> Response:
    """A vendored script (vega, vega-lite, vega-embed) or its licence, from a fixed list."""
    path = embed.VENDOR_DIR / name  # name is one of VENDOR_FILES' keys: never a path from the request
    media = embed.VENDOR_FILES[name]
    return Response(path.read_bytes(), media_type=media,
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
