"""Errors as ``application/problem+json`` (RFC 9457).

Every error the API returns is a :class:`Problem`: ``type`` (a URI reference naming the kind of problem,
documented at ``GET /problems/{kind}``), ``title``, ``status``, ``detail`` and ``instance`` (the request
path).  Data errors add ``errors``: the same fields as the CLI's validation report issues (severity,
code, file, sheet, row, column, value, message, fix); a failed import adds the whole ``report``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from iekg.api.jsonable import jsonable

log = logging.getLogger("iekg.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class IssueModel(BaseModel):
    """One problem of the data (or of the request), located as precisely as possible."""

    model_config = ConfigDict(json_schema_extra={"example": {
        "severity": "error", "code": "invalid", "file": "enterprises.csv", "sheet": None, "table": "enterprises",
        "row": 3, "column": "统一社会信用代码", "value": "91410200MA44AB12C0",
        "message": "统一社会信用代码校验位错误", "fix": "核对第 18 位校验码（GB 32100）"}})

    severity: str = Field(description="error | warning")
    code: str = Field(description="machine-readable kind: required, invalid, enum, missing_ref, … "
                                  "(for a request: the validation error type)")
    file: str | None = Field(None, description="the uploaded file name (for a request: null)")
    sheet: str | None = Field(None, description="the workbook sheet, for XLSX uploads")
    table: str | None = Field(None, description="the template table the file or sheet was read as")
    row: int | None = Field(None, description="the row as the user sees it in Excel (header row included)")
    column: str | None = Field(None, description="the header as written in the file (for a request: the parameter)")
    value: str | None = Field(None, description="the offending value")
    message: str = Field(description="what is wrong")
    fix: str = Field(description="how to fix it")
    repaired: str | None = Field(None, description="a warning's repair: the value used instead of `value` (e.g. the "
                                                   "canonical term a synonym was mapped to); absent otherwise")


class ReportModel(BaseModel):
    """The full validation report of an import — the same fields as ``iekg import --format json``."""

    ok: bool = Field(description="true when there is no error")
    errors: int = Field(description="number of errors")
    warnings: int = Field(description="number of warnings")
    rows: dict[str, int] = Field(description="rows read per template table")
    issues: list[IssueModel] = Field(description="every error and warning")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {
        "type": "/problems/not-found", "title": "Not found 找不到", "status": 404,
        "detail": "Institution 4141099999 is not in the graph", "instance": "/institutions/4141099999"}})

    type: str = Field(description="URI reference of the problem kind (see GET /problems/{kind})")
    title: str = Field(description="short summary of the problem kind")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong in this request")
    instance: str = Field(description="the request path")
    errors: list[IssueModel] | None = Field(None, description="data or input errors, each located")
    report: ReportModel | None = Field(None, description="an import's full validation report")
    changed: bool | None = Field(None, description="imports: whether the graph was changed (always false on error)")


# kind → (status, title, explanation)
KINDS: dict[str, tuple[int, str, str]] = {
    "not-found": (404, "Not found 找不到",
                  "The entity, city, chain or route asked for is not in the graph. Check the id "
                  "(GET /search finds entities by name)."),
    "invalid-request": (422, "Invalid request 请求参数有误",
                        "A parameter is missing or out of range: city codes have 6 digits, years lie in "
                        "2000–2100, limit is at most 500, labels and relationship types come from the schema. "
                        "`errors` names each parameter with the reason."),
    "invalid-data": (422, "Invalid data 数据有误，未导入",
                     "The uploaded files have errors; nothing was changed (all or nothing). `errors` lists "
                     "each error with file, sheet, row, column, value and how to fix it; `report` is the "
                     "full validation report."),
    "unauthorized": (401, "API key required 需要 API 密钥",
                     "Writes need the header X-API-Key with the key configured as IEKG_API_KEY."),
    "forbidden": (403, "Forbidden 无权操作",
                  "The X-API-Key header does not match the configured key."),
    "writes-disabled": (403, "Writes disabled 未开启写入",
                        "No API key is configured, so the API is read-only. Set IEKG_API_KEY (environment) "
                        "before `iekg serve` and send it as header X-API-Key to enable imports."),
    "payload-too-large": (413, "Upload too large 上传文件过大",
                          "The upload is larger than IEKG_MAX_UPLOAD_BYTES (default 20 MB): split the data "
                          "into several imports or raise the limit."),
    "busy": (429, "Busy 服务器繁忙",
             "Too many expensive requests (paths, province-wide analyses) are running at once: try again after "
             "the seconds in the Retry-After header. The limit is IEKG_HEAVY_CONCURRENCY."),
    "bad-request": (400, "Malformed request 请求格式有误",
                    "The request body could not be read (e.g. broken multipart/form-data): send the files as "
                    "multipart/form-data fields named `files`."),
    "not-acceptable": (406, "Not acceptable 没有这种格式",
                       "The route cannot answer in the format asked for (?format= or the Accept header). "
                       "`formats` lists the formats it has (json, csv, xlsx) and `media_types` their media types: "
                       "ask with ?format=csv, or Accept: text/csv."),
    "not-implemented": (501, "Not available 不可用", "The server lacks an optional component for this request."),
    "store-unavailable": (503, "Graph store unavailable 图数据库不可用",
                          "The graph store cannot be reached (e.g. Neo4j is down or the password is wrong); "
                          "the server log has the details. Try again later."),
    "read-only": (403, "Graph is read-only 图谱只读",
                  "The server may only read its graph (the graph file or its folder is not writable for the "
                  "server's user): every read is answered, imports are refused and nothing was changed. The "
                  "server's operator makes the graph home (IEKG_HOME) writable for that user and restarts it."),
    "method-not-allowed": (405, "Method not allowed 不支持的请求方法", "The route exists but not for this method."),
    "http-error": (400, "Bad request 请求有误", "The request could not be understood."),
    "internal-error": (500, "Internal error 服务器内部错误",
                       "An unexpected error; the server log has the details. Please report it."),
}


def problem_type(kind: str) -> str:
    return f"/problems/{kind}"


class ProblemError(Exception):
    """Raise anywhere in a route to answer with a problem."""

    def __init__(self, kind: str, detail: str, *, status: int | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status = status or KINDS[kind][0]
        self.detail = detail
        self.headers = headers
        self.extra = extra


@contextmanager
def query_errors() -> Iterator[None]:
    """A query's LookupError is a 404 problem, its ValueError a 422 one (programming errors stay 500)."""
    try:
        yield
    except (KeyError, IndexError):
        raise
    except LookupError as exc:
        raise ProblemError("not-found", str(exc)) from exc
    except ValueError as exc:
        raise ProblemError("invalid-request", str(exc)) from exc


def problem_body(kind: str, status: int, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": problem_type(kind), "title": KINDS.get(kind, KINDS["http-error"])[1],
                            "status": status, "detail": detail, "instance": instance}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(request: Request, kind: str, detail: str, *, status: int | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    status = status or KINDS[kind][0]
    body = problem_body(kind, status, detail, request.url.path, **extra)
    return JSONResponse(jsonable(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _value(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bytes):
        v = v[:200].decode("utf-8", "replace")
    text = v if isinstance(v, str) else repr(v)
    return text[:200]


FIXES = {
    "string_pattern_mismatch": "use the documented format (city codes: 6 digits, e.g. 410200)",
    "greater_than_equal": "use a larger value", "less_than_equal": "use a smaller value",
    "enum": "use one of the listed values", "literal_error": "use one of the listed values",
    "missing": "give this parameter", "int_parsing": "give a whole number",
}


def validation_issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = e.get("loc", ())
        where = loc[0] if loc else None
        names = [str(x) for x in loc[1:] if not isinstance(x, int)]  # ("query", "city", 0) → city
        column = ".".join(names) if names else (str(where) if where else None)
        out.append({"severity": "error", "code": str(e.get("type", "invalid")), "file": None, "sheet": None,
                    "table": None, "row": None, "column": column,
                    "value": _value(e.get("input")) if "input" in e else None,
                    "message": str(e.get("msg", "invalid value")),
                    "fix": FIXES.get(str(e.get("type")), "see the parameter's description in /docs")})
    return out


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.kind, exc.detail, status=exc.status, headers=exc.headers, **exc.extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = validation_issues(exc)
    names = ", ".join(sorted({i["column"] or "request" for i in issues}))
    return problem_response(request, "invalid-request", f"invalid parameter(s): {names}", errors=issues)


HTTP_KINDS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 401: "unauthorized", 403: "forbidden",
              413: "payload-too-large", 422: "invalid-request", 503: "store-unavailable"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = HTTP_KINDS.get(exc.status_code, "http-error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}: see /docs for the routes"
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers = {**(headers or {}), "Allow": allow}
        detail = f"{request.method} is not allowed on {request.url.path}: use {allow}"
    return problem_response(request, kind, detail, status=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method of every route of the path (Starlette's 405 names only the first route's: ``OPTIONS
    /imports`` said ``Allow: POST`` though ``GET /imports`` exists)."""
    from starlette.routing import Match

    methods: set[str] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)  # a router included as a whole (FastAPI ≥ 0.16x)
            if inner is not None:
                walk(inner.routes)
                continue
            own = getattr(route, "methods", None)
            if own and route.matches({**request.scope, "method": next(iter(own))})[0] is Match.FULL:
                methods.update(own)

    walk(getattr(request.app, "routes", ()))
    return ", ".join(sorted(methods))


STORE_DOWN = "the graph store cannot be reached right now; try again later (the server log has the details)"
READ_ONLY = ("the graph is read-only for the server (its file or folder is not writable for the server's user): "
             "reads are answered, imports are refused; nothing was changed. Ask the server's operator to make "
             "the graph home (IEKG_HOME) writable, or validate only with dry_run=true")


def is_read_only(exc: BaseException) -> bool:
    from iekg.graph.sqlitestore import ReadOnlyStoreError

    return isinstance(exc, ReadOnlyStoreError)


def read_only_problem() -> ProblemError:
    return ProblemError("read-only", READ_ONLY)


def store_exceptions() -> tuple[type[Exception], ...]:
    """The exceptions that mean "the store is down": StoreError, and the Neo4j driver's connection errors."""
    from iekg.graph.store import StoreError

    out: list[type[Exception]] = [StoreError]
    try:
        from neo4j.exceptions import ServiceUnavailable, SessionExpired
    except ImportError:  # pragma: no cover - neo4j is optional
        pass
    else:
        out += [ServiceUnavailable, SessionExpired]
    return tuple(out)


def is_store_down(exc: BaseException) -> bool:
    if isinstance(exc, store_exceptions()):
        return True
    try:
        from neo4j.exceptions import DriverError, TransientError
    except ImportError:  # pragma: no cover
        return False
    # a driver error or a transaction given up after retries (connection lost, timed out) — not a data error
    return isinstance(exc, (DriverError, TransientError)) and not isinstance(exc, (ValueError, TypeError))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Internals (addresses, exception texts) go to the log; the client gets what it can act on."""
    if is_read_only(exc):  # (the store's message names the server's paths: the log has it)
        log.warning("write refused on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(request, "read-only", READ_ONLY)
    if is_store_down(exc):
        log.warning("store unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return problem_response(request, "store-unavailable", STORE_DOWN, headers={"Retry-After": "5"})
    ref = uuid.uuid4().hex[:12]
    log.error("internal error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
    return problem_response(request, "internal-error", f"an unexpected error (reference {ref}); "
                                                        "the server log has the details")


async def _store_down(request: Request, exc: Exception) -> JSONResponse:
    return await _internal_error(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    for kind in store_exceptions():  # a store that went down: 503, handled (not re-raised as a server error)
        app.add_exception_handler(kind, _store_down)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)


# ------------------------------------------------------------------------------------------ OpenAPI
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

STORE_DOWN_EXAMPLE = "the graph store cannot be reached right now; try again later (the server log has the details)"
EXAMPLES: dict[int, dict[str, Any]] = {
    401: problem_body("unauthorized", 401, "header X-API-Key is missing", "/imports"),
    403: problem_body("writes-disabled", 403, "imports are disabled: no API key is configured; set IEKG_API_KEY "
                      "and restart `iekg serve`", "/imports"),
    404: problem_body("not-found", 404, "city 419999 is not in the graph", "/cities/419999"),
    400: problem_body("bad-request", 400, "the multipart body could not be read: send the files as "
                      "multipart/form-data fields named `files`", "/imports"),
    429: problem_body("busy", 429, "2 expensive requests are running; try again in 5 s", "/relations/paths"),
    413: problem_body("payload-too-large", 413, "the upload has 31457280 bytes; the limit is 20971520", "/imports"),
    422: problem_body("invalid-request", 422, "invalid parameter(s): city", "/analysis/alignment", errors=[
        {"severity": "error", "code": "string_pattern_mismatch", "file": None, "sheet": None, "table": None,
         "row": None, "column": "city", "value": "4102", "message": "String should match pattern '^\\d{6}$'",
         "fix": FIXES["string_pattern_mismatch"]}]),
    406: problem_body("not-acceptable", 406, "format=pdf is not a format of this route: use format=json, format=csv, "
                      "format=xlsx", "/analysis/alignment", formats=["json", "csv", "xlsx"],
                      media_types=["application/json", "text/csv",
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]),
    501: problem_body("not-implemented", 501, "python-docx is not installed: ask for format=md", "/exports/plan"),
    503: problem_body("store-unavailable", 503, STORE_DOWN_EXAMPLE, "/health"),
}

DESCRIPTIONS = {400: "malformed request body", 429: "busy: too many expensive requests (see Retry-After)",
                401: "API key missing", 403: "writes disabled or wrong API key", 404: "not found",
                406: "format not available (the body lists the formats there are)",
                413: "upload too large", 422: "invalid input", 501: "optional component missing",
                503: "graph store unavailable"}


def problem_responses(*codes: int, examples: dict[int, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for problem answers (422 and 503 are added to every route anyway)."""
    out: dict[int | str, dict[str, Any]] = {}
    for c in codes:
        ex = (examples or {}).get(c, EXAMPLES[c])
        out[c] = {"description": DESCRIPTIONS[c],
                  "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF, "example": ex}}}
        if c == 429:
            out[c]["headers"] = {"Retry-After": {"description": "seconds to wait before trying again",
                                                 "schema": {"type": "integer"}}}
    return out
