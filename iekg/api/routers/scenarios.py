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


def _problems(exc: service.ScenarioError) -> ProblemError:
    return ProblemError("invalid-request", str(exc), errors=exc.problems, changed=False)


@router.get("", summary="Scenarios 情景列表")
def list_scenarios(store: StoreDep) -> Any:
    """Every scenario kept beside the graph: name, scope, year, target year, origin, changes, note, dates
    (``iekg scenario list --format json``, plus ``illustrative``)."""
    return service.scenario_list(store).with_provenance()


@router.post("", status_code=201, summary="New scenario 新建情景", dependencies=WRITE,
             responses=problem_responses(401, 403, 404))
def new_scenario(store: WriteStore, body: NewScenario) -> Any:
    """A new, empty scenario for one scope (exactly one of city, province, cities); a name in use is a 422."""
    with query_errors():
        res = service.scenario_new(store, body.name, city=body.city, province=body.province, cities=body.cities,
                                   year=body.year, target_year=body.target_year, note=body.note, who="api")
    return res.with_provenance()


@router.get("/compare", response_class=DataResponse, response_model=None, dependencies=HEAVY,
            summary="Compare scenarios 情景比较", responses=takeaway_responses(None, None, 404))
def compare_scenarios(request: Request, store: StoreDep,
                      name: Annotated[list[str], Query(min_length=1, max_length=10, description="the scenarios (repeat)")],
                      format: FormatQuery = None) -> Response:
    """The baseline and each named scenario side by side (one scope and year) — ``iekg scenario compare
    --format json``, plus ``illustrative``; ``?format=csv|xlsx`` for a download."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.scenario_compare(store, name)
    return respond(fmt, "scenario_compare", res, res.with_provenance(), store)


@router.get("/{name}", response_class=DataResponse, response_model=None, dependencies=HEAVY,
            summary="A scenario and its evaluation 情景与基线对比", responses=takeaway_responses(None, None, 404))
def show_scenario(request: Request, store: StoreDep, name: NamePath, format: FormatQuery = None) -> Response:
    """The scenario's document and its evaluation: baseline vs scenario (S, D, SAI, observed SAI, coverage, unmet
    demand, cooperating enterprises, targets met for one city), the industries that move and the readiness items
    that move — ``iekg scenario show --format json``, plus ``illustrative``; ``?format=csv|xlsx`` for a download."""
    fmt = negotiate(request, format)
    with query_errors():
        res = service.scenario_show(store, name)
    return respond(fmt, "scenario_show", res, res.with_provenance(), store)


@router.post("/{name}/changes", summary="Add changes 加入变动", dependencies=WRITE,
             responses=problem_responses(401, 403, 404))
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
               responses=problem_responses(401, 403, 404))
def delete_scenario(store: WriteStore, name: NamePath) -> Any:
    """Forget a scenario (the graph is not changed)."""
    with query_errors():
        return service.scenario_delete(store, name).data
