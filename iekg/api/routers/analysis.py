"""The measures of docs/measures.md: alignment, gaps, readiness, coupling coordination, partners, who trains
for an industry, who hires a major.  Each answer is the CLI's JSON (``--format json``) plus
``illustrative``: true when the figures rest on illustrative (demo) data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from iekg import service
from iekg.api import listing
from iekg.api.deps import (
    CITY_PATTERN,
    HEAVY,
    CitiesQuery,
    CityCodeStr,
    GapType,
    StoreDep,
    TargetYear,
    YearQuery,
)
from iekg.api.errors import problem_responses, query_errors
from iekg.api.jsonable import DataResponse
from iekg.api.models import Alignment, Coupling, Gaps, Hires, Partners, Readiness, ReadinessRanking, Trains
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses

router = APIRouter(prefix="/analysis", tags=["analysis"], dependencies=HEAVY,  # expensive: a concurrency limit
                   responses=problem_responses(429))

Province = Annotated[str | None, Query(pattern=CITY_PATTERN, description="a province code: all its cities",
                                       examples=["410000"])]
Chain = Annotated[str | None, Query(min_length=1, max_length=100, description="restrict to one industry chain id",
                                    examples=["HN-NEV-01"])]
CityOne = Annotated[CityCodeStr, Query(description="city code (6 digits)", examples=["410200"])]


def ok(model: type, example: dict[str, Any], *codes: int) -> dict[int | str, dict[str, Any]]:
    """The route's answers: JSON (``model``, ``example``), CSV and xlsx (``?format=`` / ``Accept``), the 406
    problem of a format it does not have, and the problems ``codes``."""
    return takeaway_responses(model, example, *codes)


ALIGN_EXAMPLE = {
    "scope": "410200", "scope_name": "开封市", "scope_kind": "city", "cities": ["410200"], "chain": None, "year": 2024,
    "S": 10234.5, "D": 9876.0, "sai": 0.7412, "coverage": 0.6667, "estimates": False, "estimated_programs": 0,
    "unmapped_programs": 0, "segments": {"total": 9, "covered": 6, "uncovered": ["HN-NEV-01-S1"]},
    "thresholds": {"shortage_below": 0.8, "surplus_above": 1.25},
    "industries": [{"code": "36", "name": "汽车制造业", "supply": 812.4, "demand": 1320.0, "ratio": 0.6155,
                    "status": "shortage", "deviation": -0.4062, "cooperation_density": 0.5, "enterprises": 8,
                    "estimated_supply": 0.0}],
    "illustrative": True}


@router.get("/alignment", response_class=DataResponse, response_model=None, summary="Chain alignment 产教链条匹配度",
            responses=ok(Alignment, ALIGN_EXAMPLE, 404))
def get_alignment(request: Request, store: StoreDep, city: CitiesQuery = None, province: Province = None,
                  year: YearQuery = None, chain: Chain = None, target_year: TargetYear = None,
                  format: FormatQuery = None) -> Response:
    """Supply, demand, ratio, status and structural deviation per industry; S, D, SAI and chain coverage —
    exactly ``iekg align --format json`` for the same scope, plus ``illustrative``.  With ``target_year``, also
    ``target``: the same measures projected to that year (``iekg align --target-year``)."""
    fmt = negotiate(request, format)
    with query_errors():  # a year without programs is an empty answer with its reason (200), not an error
        a = service.alignment(store, city, province, year, chain, target_year=target_year)
    return respond(fmt, "alignment", a, a.with_provenance(), store)


GAPS_EXAMPLE = {"scope": "410200", "scope_name": "开封市", "year": 2024,
                "counts": {"unmet_demand": 1, "shortage": 3, "surplus": 2, "uncovered_segment": 3,
                           "no_cooperation": 5, "no_training_base": 0, "target_shortfall": 4},
                "total": 18, "illustrative": True,
                "gaps": [{"rank": 1, "type": "unmet_demand", "entity": "Industry:38", "name": "电气机械和器材制造业",
                          "magnitude": 420.0, "severity": 1.0, "message": "开封市 电气机械和器材制造业 有需求 420 人，本地无对口专业供给",
                          "detail": {"supply": 0.0, "demand": 420.0},
                          "evidence": ["DEMANDS|City:410200|Industry:38|year=2024|education_level=None|city_code=410200|major_code=None"],
                          "evidence_total": 1}]}


@router.get("/gaps", response_class=DataResponse, response_model=None, summary="Gaps 缺口",
            responses=ok(Gaps, GAPS_EXAMPLE, 404))
def get_gaps(request: Request, store: StoreDep, city: CitiesQuery = None, province: Province = None,
             year: YearQuery = None, chain: Chain = None,
             type: Annotated[list[GapType] | None, Query(description="only these gap types (repeatable)")] = None,
             limit: Annotated[int, Query(ge=1, le=500, description="at most this many gaps")] = 50,
             format: FormatQuery = None) -> Response:
    """Gaps of a scope ranked by severity then magnitude, each with its evidence (node and relationship ids
    to open with GET /{resource}/{id})."""
    fmt = negotiate(request, format)
    with query_errors():
        g = service.gaps(store, city, province, year, chain, types=[t.value for t in type or ()], limit=limit)
    return respond(fmt, "gaps", g, g.with_provenance(), store)


READY_EXAMPLE = {"city": "410200", "name": "开封市", "year": 2024, "policy": "豫发改社会〔2022〕646号",
                 "targets_met": 3, "targets_total": 7, "targets_unmeasurable": 1, "conditions_met": 4,
                 "conditions_total": 5, "illustrative": True,
                 "items": [{"target": "T03", "metric": "integration_industries", "name": "产教融合型行业",
                            "kind": "target", "comparison": ">=", "threshold": 2.0, "unit": "个", "deadline": 2025,
                            "any_of": None, "measurable": True, "value": 1.0, "met": False, "shortfall": 1.0,
                            "evidence": ["FOCUSES_ON|City:410200|IndustryChain:HN-NEV-01"], "note": ""}]}


@router.get("/readiness", response_class=DataResponse, response_model=None, summary="Readiness of a city 试点准备度",
            responses=ok(Readiness, READY_EXAMPLE, 404))
def get_readiness(request: Request, store: StoreDep, city: CityOne, year: YearQuery = None,
                  target_year: TargetYear = None, format: FormatQuery = None) -> Response:
    """Every target and condition of the notice (豫发改社会〔2022〕646号) with the city's value, threshold,
    met, shortfall and evidence — ``iekg readiness --city``; with ``target_year``, also ``target``: the items
    for that year (SAI and the employment rate on the projection, the others today's, said per item)."""
    fmt = negotiate(request, format)
    with query_errors():
        service.require_cities(store, [city])
    listing.require_year(store, year, [city])
    with query_errors():
        r = service.readiness(store, city, year, target_year=target_year)
    return respond(fmt, "readiness", r, r.with_provenance(), store)


@router.get("/readiness/all", response_class=DataResponse, response_model=None,
            summary="Readiness ranking 试点准备度排名",
            responses=ok(ReadinessRanking, {"year": 2024, "illustrative": True,
                                            "cities": [{**READY_EXAMPLE, "rank": 1, "relative_shortfall": 0.42}]}, 404))
def get_readiness_all(request: Request, store: StoreDep, year: YearQuery = None, target_year: TargetYear = None,
                      format: FormatQuery = None) -> Response:
    """All cities ranked: most targets met, then most conditions met, then the smallest relative shortfall —
    ``iekg readiness --all``; with ``target_year`` each row also has ``target`` (that year's projected counts)."""
    fmt = negotiate(request, format)
    listing.require_year(store, year)
    with query_errors():
        ranked = service.readiness_all(store, year, target_year=target_year)
    return respond(fmt, "readiness_all", ranked, {"year": ranked.data[0]["year"] if ranked.data else year,
                                                   "cities": ranked.data, "illustrative": ranked.illustrative}, store)


COUPLING_EXAMPLE = {"year": 2024, "alpha": 0.5, "beta": 0.5, "excluded": {"gdp": "not loaded for every city"},
                    "education_weights": {"graduates": 0.21}, "industry_weights": {"demand": 0.25},
                    "scopes": [{"city": "410200", "u1": 0.31, "u2": 0.28, "c": 0.998, "t": 0.295, "ccd": 0.543,
                                "grade": "勉强协调", "grade_en": "barely coordinated",
                                "indicators": {"graduates": 10234.0}}],
                    "illustrative": True}


@router.get("/coupling", response_class=DataResponse, response_model=None,
            summary="Coupling coordination 耦合协调度", responses=ok(Coupling, COUPLING_EXAMPLE, 404, 422))
def get_coupling(request: Request, store: StoreDep,
                 city: Annotated[set[CityCodeStr] | None, Query(min_length=2, description="cities to compare "
                                                                "(at least three with data; default all)",
                                                                examples=[["410200", "410100"]])] = None,
                 year: YearQuery = None, format: FormatQuery = None) -> Response:
    """Coupling coordination degree of the education and industry systems across cities (entropy weights)
    — ``iekg coupling``.  Cities without programs or without demand/enterprises in the year are left out
    (``without_data``); fewer than three cities with data: 422 with the reason."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.coupling(store, sorted(city) if city else None, year)
    return respond(fmt, "coupling", res, res.with_provenance(), store)


PARTNERS_EXAMPLE = {"institution": {"id": "4141010459", "name": "郑州大学", "city": "410100", "city_name": "郑州市"},
                    "year": 2024, "candidates": 244, "illustrative": True,
                    "results": [{"id": "DEMO-410100-E0036", "name": "郑州新锐软件有限公司（示意）", "city": "410100",
                                 "score": 0.8416, "components": {"alignment": 1.0, "distance": 1.0,
                                                                 "capacity": 0.6104, "existing": 0.0},
                                 "existing": False, "explanation": "同城；对口专业 计算机类 毕业生 941 人"}]}


@router.get("/partners", response_class=DataResponse, response_model=None,
            summary="Partner recommendations 合作伙伴推荐", responses=ok(Partners, PARTNERS_EXAMPLE, 404))
def get_partners(request: Request, store: StoreDep,
                 id: Annotated[str, Query(min_length=1, max_length=200, description="an enterprise or institution "
                                          "(id, Label:id or exact name)", examples=["4141010459"])],
                 limit: Annotated[int, Query(ge=1, le=500)] = 10, year: YearQuery = None,
                 format: FormatQuery = None) -> Response:
    """Institutions that could partner with an enterprise, or enterprises with an institution, best first,
    each with its score components and a Chinese explanation — ``iekg partners``."""
    fmt = negotiate(request, format)
    node = listing.resolve(store, id)
    with query_errors():
        res = service.partners(store, node, limit=limit, year=year)
    return respond(fmt, "partners", res, res.with_provenance(), store)


TRAINS_EXAMPLE = {"target": {"kind": "industry", "id": "36", "name": "汽车制造业", "industries": ["36"]},
                  "year": 2024, "cities": ["410200"], "scope_name": "开封市", "total": 812.4, "estimates": False,
                  "rows": [{"institution": "4141011069", "institution_name": "开封大学", "city": "410200",
                            "city_name": "开封市", "major": "460701", "major_name": "汽车制造与试验技术",
                            "graduates": 120, "enrollment": 380, "volume": 120.0, "estimate": False, "weight": 0.6,
                            "contribution": 72.0, "industries": ["36"]}],
                  "institutions": [], "illustrative": True}


@router.get("/who-trains", response_class=DataResponse, response_model=None,
            summary="Who trains for an industry, segment or chain 谁在培养", responses=ok(Trains, TRAINS_EXAMPLE, 404))
def get_who_trains(request: Request, store: StoreDep,
                   industry: Annotated[str | None, Query(pattern=r"^([A-T]|\d{2,4})$", description="GB/T 4754 code",
                                                         examples=["36"])] = None,
                   segment: Annotated[str | None, Query(min_length=1, max_length=100, description="chain segment id",
                                                        examples=["HN-NEV-01-S1"])] = None,
                   chain: Chain = None, city: CitiesQuery = None, year: YearQuery = None,
                   limit: Annotated[int, Query(ge=1, le=500, description="rows returned")] = 100,
                   format: FormatQuery = None) -> Response:
    """Institutions and majors whose graduates the crosswalk sends into the target, with their volume,
    weight and contribution (supply) — ``iekg trains``.  Give exactly one of industry, segment, chain."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.who_trains(store, industry=industry, segment=segment, chain=chain, cities=city, year=year,
                                 limit=limit)
    return respond(fmt, "who_trains", res, res.with_provenance(), store)


HIRES_EXAMPLE = {"major": {"code": "460701", "name": "汽车制造与试验技术", "level": "高职专科", "category": "4607",
                           "weights_via": "category"},
                 "year": 2024, "cities": None, "illustrative": True,
                 "industries": [{"code": "36", "name": "汽车制造业", "weight": 0.6, "via": "category", "enterprises": 21,
                                 "demand": 1320.0}],
                 "enterprises": [{"id": "DEMO-410200-E0001", "name": "开封某汽车零部件有限公司（示意）", "city": "410200",
                                  "city_name": "开封市", "industry": "36", "weight": 0.6, "employees": 420}],
                 "demand": [], "total_demand": 1320.0, "total_weighted_demand": 792.0}


@router.get("/who-hires", response_class=DataResponse, response_model=None, summary="Who hires a major 谁需要",
            responses=ok(Hires, HIRES_EXAMPLE, 404))
def get_who_hires(request: Request, store: StoreDep,
                  major: Annotated[str, Query(pattern=r"^\d{6,7}[TK]{0,2}$", description="major code",
                                              examples=["460701"])],
                  city: CitiesQuery = None, year: YearQuery = None,
                  limit: Annotated[int, Query(ge=1, le=500, description="enterprises and demand rows returned")] = 100,
                  format: FormatQuery = None) -> Response:
    """The industries a major's crosswalk weights point to, their enterprises and the talent demand —
    ``iekg hires``."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.who_hires(store, major, cities=city, year=year)
    for key in ("enterprises", "demand"):
        if isinstance(res.data.get(key), list):
            res.data[f"{key}_total"] = len(res.data[key])
            res.data[key] = res.data[key][:limit]
    return respond(fmt, "who_hires", res, res.with_provenance(), store)
