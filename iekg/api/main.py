"""The iekg web API (FastAPI): ``create_app`` builds it, ``serve`` runs it with uvicorn.

No app is created at import time (that would open the store): run it with ``iekg serve``, or with
``uvicorn --factory iekg.api.main:create_app`` (settings from ``IEKG_*``).
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iekg import __version__
from iekg.api import errors, housekeeping
from iekg.api.deps import HeavyLimit, StoreHolder
from iekg.api.jobs import Jobs
from iekg.api.routers import ALL
from iekg.graph.store import Store
from iekg.settings import Settings

DESCRIPTION = """\
产教融合知识图谱 API — the planners' interface to the industry–education integration knowledge graph of
Henan's pilot-city selection (豫发改社会〔2022〕646号): look up cities, institutions, enterprises, majors,
industries, chains, training bases, alliances and policies; measure how well the education chain meets
the industry chain; download the application's attachments; import data.

* Reads are open; imports need the header `X-API-Key` (the key configured as `IEKG_API_KEY`).
* Errors are `application/problem+json` (RFC 9457); data errors list every issue with file, sheet, row,
  column, value and how to fix it.
* **示意数据**: the bundled demo mixes public facts with illustrative figures. Every analysis answer says
  `illustrative: true` when its figures rest on illustrative data — do not cite them as real.
"""

TAGS = [
    {"name": "meta", "description": "Health, version and problem types"},
    {"name": "search", "description": "Find entities by name (中文) or pinyin"},
    {"name": "cities", "description": "城市 — Henan's 17 cities and 济源示范区"},
    {"name": "institutions", "description": "院校 — by MOE 学校标识码"},
    {"name": "enterprises", "description": "企业 — by 统一社会信用代码 or own id"},
    {"name": "majors", "description": "专业 — catalogue codes (strings: leading zeros, T/K)"},
    {"name": "industries", "description": "行业 — GB/T 4754-2017"},
    {"name": "chains", "description": "产业链 — clusters, chains, segments"},
    {"name": "training bases", "description": "实训基地"},
    {"name": "alliances", "description": "产教联盟 — 集团, 联盟, 职教集团, 市域产教联合体, 共同体"},
    {"name": "policies", "description": "政策文件 — by normalised 文号"},
    {"name": "relations", "description": "Neighbours and paths between entities"},
    {"name": "analysis", "description": "Alignment, gaps, readiness, coupling, partners (docs/measures.md); "
                                        "?target_year= adds the target year's projection beside today's"},
    {"name": "scenarios", "description": "情景 — named what-if scenarios laid over the graph without changing it "
                                         "(writes: API key)"},
    {"name": "plan", "description": "专业结构优化建议 — which majors to change, solved by HiGHS (docs/measures.md)"},
    {"name": "exports", "description": "The application's Attachment 1 + 2 workbook and the plan draft"},
    {"name": "imports", "description": "Upload template files: validated, all or nothing (API key)"},
]

OFFLINE_STATIC = "/static-docs"
log = logging.getLogger("iekg.api")


class UploadLimit:
    """The upload guard: on the upload routes, check the API key **before reading the body** (an
    unauthenticated client cannot make the server read 20 MB), then refuse bodies over ``limit`` bytes
    with 413, before they are parsed: at once when Content-Length says so, else while the body streams in."""

    def __init__(self, app: ASGIApp, limit: int, prefixes: tuple[str, ...] = ("/imports",),
                 api_key: str | None = None, check_key: bool = False) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = prefixes
        self.api_key = api_key
        self.check_key = check_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        if self.check_key:
            from iekg.api.deps import api_key_problem

            sent = dict(scope.get("headers") or []).get(b"x-api-key")
            problem = api_key_problem(self.api_key, sent.decode("latin-1") if sent is not None else None)
            if problem is not None:
                await _send_problem(scope, send, problem.kind, problem.status, problem.detail, problem.headers)
                return
        # multipart framing adds a little: allow 64 KiB over the limit of the files themselves
        cap = self.limit + 65536
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > cap:
            await self._refuse(scope, send, f"the upload has {int(length)} bytes; the limit is {self.limit}")
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > cap:
                    raise _TooLarge(413, f"the upload is larger than the limit of {self.limit} bytes")
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, f"the upload is larger than the limit of {self.limit} bytes")

    async def _refuse(self, scope: Scope, send: Send, detail: str) -> None:
        await _send_problem(scope, send, "payload-too-large", 413, detail)


async def _send_problem(scope: Scope, send: Send, kind: str, status: int, detail: str,
                        headers: dict[str, str] | None = None) -> None:
    """A problem+json answer from ASGI middleware (the body is not read; the connection is closed)."""
    import json

    body = json.dumps(errors.problem_body(kind, status, detail, scope["path"]), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")  # as JSONResponse writes it
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", errors.PROBLEM_MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items())]})
    await send({"type": "http.response.body", "body": body})


# Every answer: no MIME sniffing, no framing; a page without a policy of its own gets one that runs no
# script (the dashboard and network pages send their own, with their scripts' hashes).
DEFAULT_CSP = {
    "html": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'",
    "other": "default-src 'none'; frame-ancestors 'none'",
}


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy`` and a default
    ``Content-Security-Policy`` on every answer that has none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                extra = {b"x-content-type-options": b"nosniff", b"x-frame-options": b"DENY",
                         b"referrer-policy": b"no-referrer",
                         b"content-security-policy": DEFAULT_CSP["html" if ctype.startswith(b"text/html")
                                                                 else "other"].encode()}
                headers += [(k, v) for k, v in extra.items() if k not in names]
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, with_headers)


def _html_csp(page: HTMLResponse) -> HTMLResponse:
    """The doc pages (Swagger UI, ReDoc: our own offline copies): their inline scripts allowed by hash."""
    import re

    from iekg.api.routers.pictures import csp_hash

    text = bytes(page.body).decode("utf-8")
    hashes = " ".join(csp_hash(m) for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.S))
    page.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    return page


class _TooLarge(StarletteHTTPException):
    """Raised from ``receive``: FastAPI lets HTTP exceptions through body parsing, so it becomes a 413 problem."""


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The API over ``store`` (or the store of ``settings``, opened once at startup)."""
    settings = settings or Settings()
    holder = StoreHolder(settings, store)
    if settings.api_key and not settings.api_key.isascii():
        log.warning("IEKG_API_KEY has non-ASCII characters: HTTP clients cannot send it in the X-API-Key header "
                    "(headers are ASCII), so no import will be accepted. Choose a key of ASCII letters and digits.")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        housekeeping.remove_stale(settings.home, [settings.upload_dir])
        holder.open()
        try:
            yield
        finally:
            holder.close()

    app = FastAPI(title="iekg 产教融合知识图谱 API", version=__version__, description=DESCRIPTION,
                  openapi_tags=TAGS, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.holder = holder
    app.state.jobs = Jobs(holder)
    app.state.heavy = HeavyLimit(settings.heavy_concurrency, settings.retry_after, queue=settings.heavy_queue,
                                 wait=settings.heavy_wait)
    errors.install(app)
    for module in ALL:
        app.include_router(module.router)
    from iekg.api.routers.pictures import viz_router

    app.include_router(viz_router(), include_in_schema=False)  # /dashboard and the network pages: HTML for people
    _offline_docs(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(UploadLimit, limit=settings.max_upload_bytes, api_key=settings.api_key, check_key=True)
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:  # outermost, so that every answer (413 too) carries the CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["X-API-Key", "Content-Type"],
                           expose_headers=["Content-Disposition", "X-IEKG-Illustrative"])
    return app


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc served from the package's own copies: no CDN, so they work offline."""
    try:
        import fastapi_offline
    except ImportError:  # pragma: no cover - a dependency; without it there are no doc pages
        return
    from fastapi.staticfiles import StaticFiles

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount(OFFLINE_STATIC, StaticFiles(directory=static), name="static-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _html_csp(get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json", title=app.title + " — Swagger UI",
            swagger_js_url=f"{root}{OFFLINE_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{OFFLINE_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{OFFLINE_STATIC}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True}))

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _html_csp(get_redoc_html(openapi_url=f"{root}/openapi.json", title=app.title + " — ReDoc",
                                        redoc_js_url=f"{root}{OFFLINE_STATIC}/redoc.standalone.js",
                                        redoc_favicon_url=f"{root}{OFFLINE_STATIC}/favicon.png",
                                        with_google_fonts=False))


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with every error documented as application/problem+json (422 and 503 on every
    route, the default validation-error schemas replaced by :class:`~iekg.api.errors.Problem`)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         tags=app.openapi_tags)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (errors.Problem, errors.IssueModel, errors.ReportModel):
        js = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in js.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = js
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    invalid = errors.problem_responses(422)[422]
    unavailable = errors.problem_responses(503)[503]
    for item in schema.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            old = responses.get("422")
            if old is None or "application/json" in old.get("content", {}):
                responses["422"] = invalid
            responses.setdefault("503", unavailable)
    app.openapi_schema = schema
    return schema


def connection_limit(wanted: int) -> int:
    """``wanted`` connections, or fewer when the process may not open that many files (each connection is
    one; 64 are left for the graph, uploads and logs).  The soft limit is first raised towards the hard one."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    goal = wanted + 64
    if soft != resource.RLIM_INFINITY and soft < goal:
        new = goal if hard == resource.RLIM_INFINITY else min(goal, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - 64))


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None, *,
          log_level: str = "info") -> None:
    """Run the API with uvicorn (blocking) — what ``iekg serve`` calls.  The connection's limits
    (:mod:`iekg.api.protocol`): ``IEKG_HEADER_TIMEOUT`` seconds for a request head, at most
    ``IEKG_MAX_CONNECTIONS`` connections, ``IEKG_KEEP_ALIVE`` seconds for an idle keep-alive connection,
    request heads up to 64 KiB; malformed requests get a problem, not uvicorn's plain text."""
    import uvicorn

    from iekg.api.protocol import MAX_HEAD_BYTES, protocol

    settings = settings or Settings()
    limit = connection_limit(settings.max_connections)
    if limit < settings.max_connections:
        log.warning("IEKG_MAX_CONNECTIONS=%d is more than this process may open files for: %d connections at most",
                    settings.max_connections, limit)
    http = protocol(settings.header_timeout, limit, settings.retry_after)
    app = create_app(settings)
    settle()
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, http=http,
                timeout_keep_alive=max(1, int(settings.keep_alive)), h11_max_incomplete_event_size=MAX_HEAD_BYTES,
                backlog=max(128, min(limit, 2048)))


# what the planners' answers import on their first request: every question's module (iekg.queries, read from the
# package: a new one is settled too), the services that call them and the libraries they use
def answer_modules() -> list[str]:
    import iekg.queries

    queries = sorted(f"iekg.queries.{m.name}" for m in pkgutil.iter_modules(iekg.queries.__path__))
    return ["numpy", "pandas", *queries, "iekg.service.analysis", "iekg.service.comparison", "iekg.service.explore"]


def settle() -> None:
    """Before the server takes requests: import what the answers need, then move every object alive now (modules,
    functions, classes: hundreds of thousands, never garbage) out of the garbage collector's reach (``gc.freeze``).
    A province's answer allocates enough to run one or two full collections, each of which walked all of them
    again: 0.04–0.07 s of the province's gaps on SQLite, 0.1–0.13 s on Neo4j (0.02–0.05 s frozen).  Not in
    :func:`create_app`: a process that makes many apps (the tests) would freeze each one's objects for good."""
    for name in answer_modules():
        importlib.import_module(name)
    gc.collect()  # (what is garbage now is not frozen)
    gc.freeze()
