"""Which majors to change (专业结构优化建议, issue 23 item 3): ``GET /plan/majors`` — exactly ``iekg plan majors
--format json`` plus ``illustrative``, or with ``?format=csv|xlsx`` (or ``Accept``) the same file as ``--format
csv|xlsx``.

The optimiser is an expensive read: the route takes a turn of the heavy-request limit (IEKG_HEAVY_CONCURRENCY;
busy: 429); like every synchronous route it runs in a worker thread.  Constraints that cannot all hold are a **422** problem
(``invalid-request``) naming the binding constraint groups (``binding``), each with the parameters that relax
it (``errors``, one per group, ``column`` the parameter): the request is well formed but its arguments — the
constraints the planner set — contradict each other, which is what 422 (unprocessable content) means; 409
(conflict) is about the state of a resource, and nothing in the graph conflicts: the same request with one
constraint relaxed succeeds.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from iekg import service
from iekg.api.deps import CITY_PATTERN, HEAVY, CitiesQuery, StoreDep, YearQuery
from iekg.api.errors import ProblemError, problem_responses, query_errors
from iekg.api.jsonable import DataResponse
from iekg.api.models import Open
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses
from iekg.plan import SOLVED

router = APIRouter(prefix="/plan", tags=["plan"], dependencies=HEAVY, responses=problem_responses(429))

Province = Annotated[str | None, Query(pattern=CITY_PATTERN, description="a province code: all its cities",
                                       examples=["410000"])]
Share = Annotated[float | None, Query(ge=0, le=1, description="a share of today's total (0.1 = 10 %)")]
Places = Annotated[float | None, Query(ge=0, le=1_000_000)]


class PlanChange(Open):
    kind: str = Field(description="more | fewer | new")
    institution: str
    institution_name: str | None
    major: str
    major_name: str | None
    before: float = Field(description="places a year today")
    after: float = Field(description="places a year recommended")
    change: float
    first_graduates: int | None = Field(description="the first year whose graduates the change reaches")
    serves: list[dict[str, Any]] = Field(description="the industries the change serves, by crosswalk weight")


class PlanMajors(Open):
    scope: str
    scope_name: str
    year: int
    target_year: int | None
    status: str = Field(description="optimal, or feasible when the time limit stopped the solver with a solution "
                                    "(`message` says how close it is); an infeasible set is a 422 problem")
    changes: list[PlanChange]
    before: dict[str, Any] = Field(description="unmet demand, surplus, SAI, S, D before")
    after: dict[str, Any] = Field(description="the same after the changes")
    industries: list[dict[str, Any]]
    size: dict[str, Any] = Field(description="variables, integer variables, constraints, solve seconds")
    constraints: dict[str, Any]
    illustrative: bool


EXAMPLE = {
    "scope": "410200", "scope_name": "开封市", "year": 2024, "target_year": None, "status": "optimal",
    "message": "已求得最优方案 (optimal)", "binding": [], "illustrative": True,
    "changes": [{"kind": "new", "institution": "4141014306", "institution_name": "开封文化艺术职业学院",
                 "major": "460703", "major_name": "汽车电子技术", "before": 0.0, "after": 200.0, "change": 200.0,
                 "first_graduates": 2028, "duration": 3.0,
                 "serves": [{"industry": "36", "industry_name": "汽车制造业", "weight": 0.8, "people": 160.0,
                             "status_before": "shortage"}]}],
    "before": {"unmet_demand": 9137.3, "surplus": 7216.36, "sai": 0.5189, "S": 24251.9, "D": 19914.0},
    "after": {"unmet_demand": 8043.3, "surplus": 2680.49, "sai": 0.5856, "S": 21773.9, "D": 19914.0},
    "size": {"variables": 1519, "integer_variables": 634, "constraints": 1531, "seconds": 0.22},
    "constraints": {"band_down": 0.1, "band_up": 0.1, "min_size": 30.0, "min_change": 10.0, "new_programs": 3}}


@router.get("/majors", response_class=DataResponse, response_model=None,
            summary="Which majors to change 专业结构优化建议",
            responses=takeaway_responses(PlanMajors, EXAMPLE, 404, 422))
def get_plan_majors(
        request: Request, store: StoreDep, city: CitiesQuery = None, province: Province = None,
        year: YearQuery = None,
        target_year: Annotated[int | None, Query(ge=2000, le=2100, description="plan against this year's projection")] = None,
        band: Share = None, band_down: Share = None, band_up: Share = None,
        min_size: Annotated[float, Query(ge=0, le=100_000, description="a program keeps ≥ this many places")] = 30.0,
        min_change: Annotated[float, Query(ge=0, le=100_000, description="a program changes by 0 or ≥ this")] = 10.0,
        new_programs: Annotated[int, Query(ge=0, le=1000, description="at most this many new programs")] = 3,
        max_growth: Places = None,
        max_share: Annotated[float, Query(ge=0, le=1, description="a program changes by ≤ this share")] = 0.5,
        goal_unmet: Places = None,
        allow_cut_shortage: Annotated[bool, Query(description="allow cuts of majors feeding a shortage")] = False,
        change_cost: Annotated[float, Query(ge=0, le=100_000, description="a cost per changed program")] = 0.0,
        format: FormatQuery = None) -> Response:
    """The intake changes that best close the scope's shortages and unmet demand under the constraints given
    (a mixed-integer programme solved by HiGHS), each line with the industries it serves by weight; unmet
    demand, surplus and SAI before and after; the problem's size — exactly ``iekg plan majors --format json``,
    plus ``illustrative``.  Constraints that cannot all hold: 422 naming the binding ones."""
    fmt = negotiate(request, format)  # before the work: a 406 costs nothing

    with query_errors():  # an ArgumentError is a ValueError: 422; an unknown city: 404
        answer = service.plan_majors(
            store, city=city or None, province=province, year=year, target_year=target_year, band=band,
            band_down=band_down, band_up=band_up, min_size=min_size, min_change=min_change,
            new_programs=new_programs, max_growth=max_growth, max_share=max_share, goal_unmet=goal_unmet,
            allow_cut_shortage=allow_cut_shortage, change_cost=change_cost)
    d = answer.data
    if d["status"] not in SOLVED:  # feasible: the time limit stopped the solver, `message` says
        raise infeasible(d)
    return respond(fmt, "plan_majors", answer, answer.with_provenance(), store)


def infeasible(d: dict[str, Any]) -> ProblemError:
    """The 422 problem of constraints that cannot all hold (or a solver that stopped without an answer)."""
    if d["status"] != "infeasible":
        return ProblemError("internal-error", f"求解未完成 (the solver stopped: {d['status']}): {d['message']}",
                            status=500)
    errors = []
    for b in d.get("binding_named") or []:
        params = d.get("relax", {}).get(b["group"]) or [b["group"]]
        errors.append({"severity": "error", "code": "infeasible", "column": params[0], "value": None,
                       "message": b["text"], "fix": "放宽这一约束 relax it: " + ", ".join(params)})
    return ProblemError("invalid-request", d["message"], binding=d.get("binding"), errors=errors)
