"""What-if scenarios (issue 23 item 2): named sets of changes kept beside the graph and laid over it without
changing it — list, new, show (with the baseline vs scenario evaluation; ``?format=csv|xlsx``), add changes,
compare, delete.  Writes (new, changes, delete) need ``X-API-Key`` as imports do; a scenario never changes the
graph.  Each route calls one function of :mod:`iekg.service.scenarios`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as Path_
from fastapi.responses import Response
from pydantic import BaseModel, Field

from iekg import service
from iekg.api.deps import CITY_PATTERN, HEAVY, StoreDep, require_api_key
from iekg.api.errors import ProblemError, problem_responses, query_errors
from iekg.api.jsonable import DataResponse
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses
from iekg.graph.store import Store

router = APIRouter(prefix="/scenarios", tags=["scenarios"])
NamePath = Annotated[str, Path_(min_length=1, max_length=80, description="the scenario's name", examples=["食品扩招"])]


async def _writing(request: Request) -> AsyncIterator[Store]:
    """The graph, write-locked (a scenario is kept in the store's file beside the graph)."""
    holder = getattr(request.app.state, "holder", None)
    if holder is None:
        yield request.app.state.store
        return
    async with holder.write() as store:
        yield store


WriteStore = Annotated[Store, Depends(_writing)]
WRITE = [Depends(require_api_key)]


class NewScenario(BaseModel):
    """A new scenario: its name and exactly one scope."""

    name: str = Field(min_length=1, max_length=80, examples=["食品扩招"])
    city: str | None = Field(None, pattern=CITY_PATTERN, examples=["410200"])
    province: str | None = Field(None, pattern=CITY_PATTERN)
    cities: list[Annotated[str, Field(pattern=CITY_PATTERN)]] | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    target_year: int | None = Field(None, ge=2000, le=2100)
    note: str | None = Field(None, max_length=500)


class Changes(BaseModel):
    """Changes in the import vocabulary: each has ``kind`` (add_program, set_program, close_program, add_demand,
    add_cooperation, add_training_base) and its fields — names or codes, everyday numbers ("150人", "1,200")."""

    changes: list[dict[str, Any]] = Field(min_length=1, max_length=500, examples=[[
        {"kind": "add_program", "institution": "开封大学", "major": "食品检验检测技术", "graduates": "150人"},
        {"kind": "add_demand", "city": "410200", "industry": "13", "headcount": 120}]])


# OpenAPI examples: the demo graph's 开封 (illustrative data)
DOC_EXAMPLE = {"name": "食品扩招", "scope": {"city": "410200"}, "year": None, "target_year": None, "note": "两个食品专业",
               "origin": "manual", "who": "api", "created": "2026-12-06T08:31:11+00:00",
               "updated": "2026-12-06T08:31:12+00:00", "constraints": None,
               "changes": [{"kind": "add_program", "institution": "4141011069", "major": "490104", "graduates": 150,
                            "enrollment": None},
                           {"kind": "add_demand", "city": "410200", "industry": "13", "headcount": 1200}]}
_FIGURES = {"S": 24251.9167, "D": 19914.0, "sai": 0.5189, "sai_observed": 0.5406, "coverage": 1.0, "unmet_demand": 9137.3,
            "cooperating_enterprises": 8, "targets_met": 1, "targets_total": 6, "conditions_met": 2, "conditions_total": 4}
_AFTER = {**_FIGURES, "S": 24401.9167, "D": 21114.0, "sai": 0.4994, "sai_observed": 0.5189, "unmet_demand": 10257.4}
_MOVED = [{"code": "13", "name": "农副食品加工业", "supply_before": 173.9, "supply_after": 203.9, "demand_before": 124.0,
           "demand_after": 1324.0, "ratio_before": 1.4024, "ratio_after": 0.154, "status_before": "surplus",
           "status_after": "shortage"}]
SHOW_EXAMPLE = {"scenario": DOC_EXAMPLE, "illustrative": True,
                "evaluation": {"baseline": _FIGURES, "scenario": _AFTER, "moved": _MOVED, "readiness_moved": [],
                               "year": 2024, "target_year": None, "scope_id": "410200", "scope_name": "开封市",
                               "projection": False, "projection_info": None}}
COMPARE_EXAMPLE = {"scope": {"city": "410200"}, "scope_id": "410200", "scope_name": "开封市", "year": 2024,
                   "target_year": None, "projection": False, "projection_info": None, "baseline": _FIGURES,
                   "illustrative": True,
                   "scenarios": [{"name": "食品扩招", "note": "两个食品专业", "origin": "manual", "changes": 2,
                                  "figures": _AFTER, "moved": _MOVED, "readiness_moved": []}]}
LIST_EXAMPLE = {"illustrative": True, "scenarios": [
    {"name": "食品扩招", "scope": {"city": "410200"}, "year": None, "target_year": None, "origin": "manual", "changes": 2,
     "note": "两个食品专业", "who": "api", "created": "2026-12-06T08:31:11+00:00",
     "updated": "2026-12-06T08:31:12+00:00"}]}


def _ok(example: Any, code: int = 200) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": "the answer", "content": {"application/json": {"example": example}}}}


def _problems(exc: service.ScenarioError) -> ProblemError:
    return ProblemError("invalid-request", str(exc), errors=exc.problems, changed=False)


@router.get("", summary="Scenarios 情景列表", responses=_ok(LIST_EXAMPLE))
def list_scenarios(store: StoreDep) -> Any:
    """Every scenario kept beside the graph: name, scope, year, target year, origin, changes, note, dates
    (``iekg scenario list --format json``, plus ``illustrative``)."""
    return service.scenario_list(store).with_provenance()


@router.post("", status_code=201, summary="New scenario 新建情景", dependencies=WRITE,
             responses={**_ok({**DOC_EXAMPLE, "changes": [], "illustrative": True}, 201),
                        **problem_responses(401, 403, 404)})
def new_scenario(store: WriteStore, body: NewScenario) -> Any:
    """A new, empty scenario for one scope (exactly one of city, province, cities); a name in use is a 422."""
    with query_errors():
        res = service.scenario_new(store, body.name, city=body.city, province=body.province, cities=body.cities,
                                   year=body.year, target_year=body.target_year, note=body.note, who="api")
    return res.with_provenance()


@router.get("/{name}", response_class=DataResponse, response_model=None, dependencies=HEAVY,
            summary="A scenario and its evaluation 情景与基线对比", responses=takeaway_responses(None, SHOW_EXAMPLE, 404))
def show_scenario(request: Request, store: StoreDep, name: NamePath, format: FormatQuery = None) -> Response:
    """The scenario's document and its evaluation: baseline vs scenario (S, D, SAI, observed SAI, coverage, unmet
    demand, cooperating enterprises, targets met for one city), the industries that move and the readiness items
    that move — ``iekg scenario show --format json``, plus ``illustrative``; ``?format=csv|xlsx`` for a download."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.scenario_show(store, name)
    return respond(fmt, "scenario_show", res, res.with_provenance(), store)


@router.get("/{name}/compare", response_class=DataResponse, response_model=None, dependencies=HEAVY,
            summary="Compare scenarios 情景比较", responses=takeaway_responses(None, COMPARE_EXAMPLE, 404))
def compare_scenarios(request: Request, store: StoreDep, name: NamePath,
                      with_: Annotated[list[str], Query(alias="with", max_length=9,
                                                        description="more scenarios beside it (repeat)")] = [],  # noqa: B006
                      format: FormatQuery = None) -> Response:
    """The baseline, this scenario and the others named by ``with`` side by side (one scope and year) — ``iekg
    scenario compare NAME [NAME…] --format json``, plus ``illustrative``; ``?format=csv|xlsx`` for a download.
    (Under the scenario's own path, so that no scenario name can be mistaken for this route.)"""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.scenario_compare(store, [name, *with_])
    return respond(fmt, "scenario_compare", res, res.with_provenance(), store)


@router.post("/{name}/changes", summary="Add changes 加入变动", dependencies=WRITE,
             responses={**_ok({**DOC_EXAMPLE, "illustrative": True}), **problem_responses(401, 403, 404)})
def add_changes(store: WriteStore, name: NamePath, body: Changes) -> Any:
    """Add changes to a scenario: every problem at once (422 with ``errors``: change number, field, value, message,
    fix), nothing saved on a problem."""
    try:
        with query_errors():
            res = service.scenario_add(store, name, body.changes)
    except ProblemError as exc:
        if isinstance(exc.__cause__, service.ScenarioError):
            raise _problems(exc.__cause__) from exc.__cause__
        raise
    return res.with_provenance()


@router.delete("/{name}", summary="Delete a scenario 删除情景", dependencies=WRITE,
               responses={**_ok({"name": "食品扩招", "deleted": True}), **problem_responses(401, 403, 404)})
def delete_scenario(store: WriteStore, name: NamePath) -> Any:
    """Forget a scenario (the graph is not changed)."""
    with query_errors():
        return service.scenario_delete(store, name).data
