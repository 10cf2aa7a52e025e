"""The pictures as web pages: ``viz_router()`` serves the dashboard and the network pages as HTML.

The store is every route's (:data:`iekg.api.deps.StoreDep`: the API's store holder, read-locked for the
request, or ``app.state.store`` in an app that mounts only these pages).  The dashboard's JSON routes are
found in the app itself (``/api/analysis/alignment`` or ``/analysis/alignment``), so the page works however
the API is mounted; pass ``api_prefix`` to fix them.  The pictures themselves are :mod:`iekg.viz`'s.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import html
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from iekg.api.deps import StoreDep
from iekg.graph.store import Store
from iekg.viz import alliance_view, chain_view, city_network, dashboard_html, ego_network

VIZ_PREFIX = "/viz"
DASHBOARD_PATH = "/dashboard"
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "a self-contained HTML page (no external load)"}}


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "") or "")


def _api_prefix(request: Request, fixed: str | None) -> str:
    if fixed is not None:
        return fixed
    paths = {getattr(r, "path", "") for r in request.app.routes}
    try:  # included routers may not list their routes in app.routes: the OpenAPI document does (cached)
        paths |= set(request.app.openapi().get("paths", {}))
    except Exception:  # noqa: BLE001 — a broken schema must not break the dashboard
        pass
    for prefix in ("/api", ""):
        if f"{prefix}/analysis/alignment" in paths:
            return prefix
    return "/api"


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@functools.cache
def page_csp() -> str:
    """The pages' Content-Security-Policy: only our own scripts run — the exact texts the page templates
    inline (vis-network, network.js, dashboard.js), allowed by hash, the vendored chart library the API serves
    itself (``'self'``: /api/charts/vendor; the JSON routes are not scripts — nosniff), and the template's one inline handler
    (``onsubmit="return false"``) by ``'unsafe-hashes'``.  A script anyone managed to put into a page
    (a name, a title) would not run even if escaping failed; data blocks (``application/json``) are not
    scripts.  Styles may be inline (vis-network positions its elements so); the dashboard fetches the
    API of the same origin; nothing loads from elsewhere; no page may be framed."""
    from iekg.viz.page import asset, vis_js

    scripts = [vis_js(), asset("network.js"), asset("dashboard.js").replace("</script", "<\\/script")]
    handlers = sorted(set(re.findall(r'\son[a-z]+="([^"]*)"', asset("dashboard.html") + asset("network.html"))))
    script_src = " ".join(["'self'", *(csp_hash(t) for t in scripts), "'unsafe-hashes'" if handlers else "",
                           *(csp_hash(html.unescape(h)) for h in handlers)]).replace("  ", " ")
    return ("default-src 'none'; " f"script-src {script_src}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


PAGE_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def page_headers() -> dict[str, str]:
    return {"Content-Security-Policy": page_csp(), **PAGE_HEADERS}


def _page(store: Store, title: str, build: Callable[[Store], str]) -> HTMLResponse:
    from iekg.viz.page import error_page

    try:
        text = build(store)
    except LookupError as exc:
        return HTMLResponse(error_page(f"{title}：找不到 not found", str(exc), 404), status_code=404,
                            headers=page_headers())
    except ValueError as exc:
        return HTMLResponse(error_page(f"{title}：参数有误 invalid request", str(exc), 422), status_code=422,
                            headers=page_headers())
    return HTMLResponse(text, headers={"Cache-Control": "no-store", **page_headers()})


async def _picture(request: Request, store: Store, title: str, draw: Callable[[Store, str], str]) -> HTMLResponse:
    """A network page drawn off the event loop; ``draw`` gets the store and the prefix of the links between pages."""
    link = _root(request) + VIZ_PREFIX
    return await asyncio.to_thread(_page, store, title, lambda s: draw(s, link))


def viz_router(api_prefix: str | None = None) -> APIRouter:
    """``/dashboard`` and ``/viz/city/{code}``, ``/viz/chain/{id}``, ``/viz/ego/{uid}``, ``/viz/alliance/{id}``."""
    router = APIRouter(tags=["pictures"])

    @router.get(DASHBOARD_PATH, response_class=HTMLResponse, summary="Dashboard 分析看板", responses=HTML)
    async def dashboard(request: Request, store: StoreDep,
                        city: Annotated[str | None, Query(pattern=r"^\d{6}$", description="city chosen first")] = None,
                        ) -> HTMLResponse:
        """The planners' dashboard: choose a city; supply vs demand per industry, SAI and coverage,
        readiness, gaps with links to the network pages, downloads of the attachments and plan."""
        from iekg.viz.dashboard import DASHBOARD_ROUTES

        root = _root(request)
        api = root + _api_prefix(request, api_prefix)
        routes = {k: (api + v[len("/api"):] if v.startswith("/api") else root + v) for k, v in DASHBOARD_ROUTES.items()}

        def build(store: Store) -> str:
            return dashboard_html(store, routes=routes, default_city=city)

        return await asyncio.to_thread(_page, store, "分析看板", build)

    @router.get(VIZ_PREFIX + "/city/{code}", response_class=HTMLResponse, summary="City network 城市产教网络",
                responses=HTML)
    async def city_page(request: Request, store: StoreDep,
                        code: Annotated[str, Path(pattern=r"^\d{6}$", description="city code", examples=["410200"])],
                        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                        max_nodes: Annotated[int, Query(ge=20, le=1000)] = 300) -> HTMLResponse:
        """Institutions → majors → industries ← enterprises of a city, gap industries highlighted."""
        return await _picture(request, store, "城市网络", lambda s, link: city_network(
            s, code, year=year, max_nodes=max_nodes, link_prefix=link))

    @router.get(VIZ_PREFIX + "/chain/{chain}", response_class=HTMLResponse, summary="Chain view 产业链供需",
                responses=HTML)
    async def chain_page(request: Request, store: StoreDep,
                         chain: Annotated[str, Path(min_length=1, max_length=100, examples=["HN-NEV-01"])],
                         city: Annotated[list[str] | None, Query(description="cities for supply and demand "
                                                                 "(default: those focusing on the chain)")] = None,
                         year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> HTMLResponse:
        """A chain's segments upstream → downstream, coloured by supply–demand status, with the
        institutions that train for each segment."""
        return await _picture(request, store, "产业链", lambda s, link: chain_view(
            s, chain, cities=city or None, year=year, link_prefix=link))

    @router.get(VIZ_PREFIX + "/ego/{uid:path}", response_class=HTMLResponse, summary="Ego network 关系网络",
                responses=HTML)
    async def ego_page(request: Request, store: StoreDep, uid: str,
                       hops: Annotated[int, Query(ge=1, le=2)] = 1,
                       cap: Annotated[int, Query(ge=10, le=500)] = 150) -> HTMLResponse:
        """The neighbourhood of one entity (``Label:id``, e.g. ``Institution:4141010459``), 1 or 2 hops."""
        return await _picture(request, store, "关系网络", lambda s, link: ego_network(
            s, uid, hops=hops, cap=cap, link_prefix=link))

    @router.get(VIZ_PREFIX + "/alliance/{alliance}", response_class=HTMLResponse, summary="Alliance 产教联盟",
                responses=HTML)
    async def alliance_page(request: Request, store: StoreDep,
                            alliance: Annotated[str, Path(min_length=1, max_length=200)]) -> HTMLResponse:
        """An alliance, its lead and members, their cities and industries."""
        return await _picture(request, store, "产教联盟", lambda s, link: alliance_view(
            s, alliance, link_prefix=link))

    return router

