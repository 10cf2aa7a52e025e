"""How entities are connected: neighbours (filtered), the shortest path, all simple paths."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from iekg import service
from iekg.api.deps import HEAVY, Direction, LabelName, RelTypeName, StoreDep, YearQuery
from iekg.api.errors import problem_responses, query_errors
from iekg.api.listing import resolve
from iekg.api.models import Neighbours, PathOut, PathsOut
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses

router = APIRouter(prefix="/relations", tags=["relations"])

Ident = Annotated[str, Query(min_length=1, max_length=200, description="an id (410200, 4141012058), Label:id, "
                             "or an exact name", examples=["410200"])]
Types = Annotated[list[RelTypeName] | None, Query(alias="type", description="only these relationship types "
                                                  "(repeatable)")]


def _types(types: list[RelTypeName] | None) -> list[str]:
    return [t.value for t in types or ()]


NEIGHBOURS_EXAMPLE = {"node": {"uid": "City:410200", "label": "City", "id": "410200", "name": "开封市"}, "total": 1,
                      "items": [{"type": "FOCUSES_ON", "zh": "重点发展", "direction": "out",
                                 "props": {"level": "主导", "integration_industry": True},
                                 "other": "IndustryChain:HN-NEV-01", "other_label": "IndustryChain",
                                 "other_id": "HN-NEV-01", "other_name": "新能源汽车"}]}
PATH_EXAMPLE = {"length": 2, "nodes": ["Institution:4141012058", "City:410200", "Province:410000"],
                "types": ["LOCATED_IN", "PART_OF"],
                "path": [{"kind": "node", "uid": "Institution:4141012058", "label": "Institution", "id": "4141012058",
                          "name": "黄河水利职业技术大学"}],
                "text": "黄河水利职业技术大学 -[LOCATED_IN]-> 开封市 -[PART_OF]-> 河南省"}


@router.get("/neighbours", response_model=Neighbours, summary="Neighbours of an entity 关联实体",
            responses=takeaway_responses(None, NEIGHBOURS_EXAMPLE, 404))
def neighbours(request: Request, store: StoreDep, id: Ident,
               label: Annotated[list[LabelName] | None, Query(description="only neighbours of these labels")] = None,
               types: Types = None, direction: Annotated[Direction, Query(description="out, in or both")] = Direction.both,
               year: YearQuery = None,
               limit: Annotated[int, Query(ge=1, le=500, description="at most this many rows")] = 100,
               format: FormatQuery = None) -> dict[str, Any] | Response:
    """The relationships at an entity and the node at the other end, filtered by label, relationship type,
    direction and year (relationships without a year are kept).  ``format=csv|xlsx`` (or ``Accept``): the
    table as a download."""
    from iekg.takeaway.convert import neighbours_answer

    fmt = negotiate(request, format)
    node = resolve(store, id)
    with query_errors():
        rows, reason = service.neighbours(store, node, labels=[x.value for x in label or ()],
                                          rel_types=_types(types), direction=direction.value, year=year, limit=limit)
    answer = neighbours_answer(node, rows, reason)
    if fmt == "json":  # the body as before, checked against the Neighbours model
        return answer.data  # type: ignore[no-any-return]
    return respond(fmt, "neighbours", answer, answer.data, store)


@router.get("/path", response_model=PathOut, summary="Shortest path 最短路径", dependencies=HEAVY,
            responses={200: {"content": {"application/json": {"example": {"found": True, "path": PATH_EXAMPLE}}}},
                       **problem_responses(404, 429)})
def path(store: StoreDep, source: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                                       description="start: id, Label:id or exact name",
                                                       examples=["4141012058"])],
         target: Annotated[str, Query(alias="to", min_length=1, max_length=200, description="end: id, Label:id or "
                                      "exact name", examples=["410000"])],
         k: Annotated[int, Query(ge=1, le=8, description="at most k hops")] = 6, types: Types = None) -> dict[str, Any]:
    """The shortest undirected path within ``k`` hops (each relationship keeps its real direction);
    ``found: false`` when there is none."""
    a, b = resolve(store, source), resolve(store, target)
    with query_errors():
        ps, reason = service.paths(store, a, b, k, rel_types=_types(types))
    return {"found": bool(ps), "path": ps[0] if ps else None, "reason": reason}


@router.get("/paths", response_model=PathsOut, summary="All simple paths 全部路径", dependencies=HEAVY,
            responses={200: {"content": {"application/json": {"example": {"total": 1, "paths": [PATH_EXAMPLE]}}}},
                       **problem_responses(404, 429)})
def paths(store: StoreDep, source: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                                        description="start: id, Label:id or exact name",
                                                        examples=["4141012058"])],
          target: Annotated[str, Query(alias="to", min_length=1, max_length=200, description="end",
                                       examples=["410000"])],
          k: Annotated[int, Query(ge=1, le=4, description="at most k hops (4 may take seconds between hubs)")] = 3, types: Types = None,
          limit: Annotated[int, Query(ge=1, le=200, description="at most this many paths")] = 20) -> dict[str, Any]:
    """All simple paths of at most ``k`` relationships, shortest first."""
    a, b = resolve(store, source), resolve(store, target)
    with query_errors():
        ps, reason = service.paths(store, a, b, k, every=True, limit=limit, rel_types=_types(types))
    return {"total": len(ps), "paths": ps, "reason": reason}
