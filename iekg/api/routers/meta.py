"""Health, version, the problem kinds, and ``/`` → the dashboard."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from iekg import __version__
from iekg.api.deps import SettingsDep, StoreDep
from iekg.api.errors import KINDS, STORE_DOWN, ProblemError, log, problem_responses, problem_type
from iekg.api.models import Health, Version

router = APIRouter(tags=["meta"])
API_VERSION = "1"


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/health", response_model=Health, summary="Health 健康检查", responses=problem_responses(503))
def health(store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Whether the graph store is reachable, and its node and relationship counts (503 problem when the
    store cannot be reached).  ``status`` is ``empty`` when the graph has no data yet: run ``iekg build``."""
    try:
        labels, types = store.counts()
    except Exception as exc:  # a store that was reachable at startup and is not now: details to the log only
        log.warning("health: the store cannot be reached: %s: %s", type(exc).__name__, exc)
        raise ProblemError("store-unavailable", STORE_DOWN, headers={"Retry-After": "5"}) from exc
    nodes = sum(labels.values())
    return {"status": "ok" if nodes else "empty", "store": store.name, "reachable": True, "empty": not nodes,
            "nodes": nodes, "relationships": sum(types.values()), "counts": labels,
            "writes_enabled": bool(settings.api_key) and not getattr(store, "read_only", False),
            "version": __version__}


@router.get("/version", response_model=Version, summary="Version 版本")
def version(settings: SettingsDep) -> dict[str, Any]:
    """The iekg version, the API version and the configured store."""
    return {"name": "iekg", "version": __version__, "api": API_VERSION, "store": settings.store}


ProblemKind = Literal["not-found", "invalid-request", "invalid-data", "unauthorized", "forbidden", "writes-disabled",
                      "payload-too-large", "not-implemented", "store-unavailable", "method-not-allowed", "http-error",
                      "internal-error", "busy", "bad-request", "read-only", "not-acceptable"]


@router.get("/problems/{kind}", summary="What a problem type means 错误类型说明",
            responses={200: {"content": {"application/json": {"example": {
                "type": "/problems/not-found", "status": 404, "title": KINDS["not-found"][1],
                "description": KINDS["not-found"][2]}}}}})
def problem_kind(kind: ProblemKind) -> dict[str, Any]:
    """The documentation of a problem ``type`` URI (``/problems/{kind}``) that error answers carry."""
    status, title, description = KINDS[kind]
    return {"type": problem_type(kind), "status": status, "title": title, "description": description}
