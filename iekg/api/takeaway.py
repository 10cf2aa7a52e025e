"""The API's formats of an answer: JSON, CSV or xlsx, chosen by ``?format=`` or, without it, by ``Accept``
(``?format=`` wins).  A format the route does not have, or an ``Accept`` none of them satisfies, is a 406
problem that lists the formats it has — never a silent fallback to JSON.  CSV and xlsx are the same files as
the CLI's ``--format csv|xlsx`` (:mod:`iekg.takeaway`), downloaded as ``attachment`` with the Chinese name
(``filename*=UTF-8''…``) and an ASCII fallback.

Every route of a question uses it the same way::

    @router.get("/x", response_class=DataResponse, response_model=None, responses=takeaway_responses(...))
    def x(request: Request, store: StoreDep, ..., format: FormatQuery = None) -> Response:
        fmt = negotiate(request, format)           # before the work: a 406 costs nothing
        answer = service.x(...)
        return respond(fmt, "x", answer, body, store)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import WithJsonSchema

from iekg.api.errors import ProblemError, problem_responses
from iekg.api.jsonable import DataResponse

if TYPE_CHECKING:
    from iekg.graph.store import Store
    from iekg.service import Answer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
JSON = "application/json"
# format → media type, in the server's order of preference (JSON first: what */* gets)
FORMATS: dict[str, str] = {"json": JSON, "csv": CSV, "xlsx": XLSX}
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "xlsx": XLSX}

# The document lists the three formats; the route itself takes any text, so that another value is a 406 naming
# the formats there are (not a 422 about an enum).
FormatQuery = Annotated[str | None, WithJsonSchema({"type": "string", "enum": list(FORMATS)}), Query(
    max_length=20, description="json, csv or xlsx (wins over the Accept header); csv and xlsx are downloads "
                               "with Chinese headers, units, the data-coverage lines and the illustrative note; "
                               "another value: 406 with the formats there are", examples=["csv"])]


def _not_acceptable(detail: str) -> ProblemError:
    return ProblemError("not-acceptable", detail, formats=list(FORMATS), media_types=list(FORMATS.values()))


def _ranges(accept: str) -> list[tuple[str, str, float, int]]:
    """The media ranges of an Accept header: (type, subtype, q, position)."""
    out = []
    for n, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        if media == "*":
            media = "*/*"
        if "/" not in media:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        out.append((main, sub, q, n))
    return out


def _quality(ranges: list[tuple[str, str, float, int]], media: str) -> float:
    """The q an Accept gives ``media``: the most specific range that matches it decides (RFC 9110 §12.5.1)."""
    main, sub = media.split("/")
    best: tuple[int, float] | None = None
    for m, s, q, _ in ranges:
        if (m, s) == (main, sub):
            spec = 2
        elif m == main and s == "*":
            spec = 1
        elif (m, s) == ("*", "*"):
            spec = 0
        else:
            continue
        if best is None or spec > best[0]:
            best = (spec, q)
    return best[1] if best else 0.0


def negotiate(request: Request, fmt: str | None) -> str:
    """The format of the answer: ``?format=`` when given, else the best the ``Accept`` header takes (none or
    ``*/*``: JSON).

    Raises
    ------
    ProblemError
        406 ``not-acceptable`` with ``formats`` (and their media types) when neither can be met.
    """
    if fmt is not None:
        want = fmt.strip().lower()
        if want not in FORMATS:
            raise _not_acceptable(f"format={fmt[:20]} is not a format of this route: use "
                                  + ", ".join(f"format={f}" for f in FORMATS))
        return want
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return "json"
    ranges = _ranges(accept)
    scored = [(_quality(ranges, media), -n, f) for n, (f, media) in enumerate(FORMATS.items())]
    q, _, best = max(scored)
    if q <= 0:
        raise _not_acceptable(f"Accept: {accept[:200]} matches none of this route's media types: "
                              + ", ".join(FORMATS.values()) + " (or ask with ?format=json|csv|xlsx)")
    return best


def respond(fmt: str, kind: str, answer: Answer, body: Any, store: Store | None = None) -> Response:
    """The route's answer in the negotiated format: ``body`` as JSON, or the answer as a CSV / xlsx download.

    Parameters
    ----------
    fmt : str
        From :func:`negotiate`.
    kind : str
        The converter (:data:`iekg.takeaway.convert.CONVERTERS`).
    answer : Answer
        The service's answer (converted for csv / xlsx).
    body : Any
        The JSON body (the answer plus ``illustrative``, as the route always answered).
    store : Store, optional
        The graph (the source line, city names).
    """
    vary = {"Vary": "Accept"}
    if fmt == "json":
        return DataResponse(body, headers=vary)
    from iekg.api.routers.exports import content_disposition
    from iekg.takeaway.convert import filename, tabular
    from iekg.takeaway.writers import WRITERS

    tab = tabular(kind, answer, store)
    data = WRITERS[fmt](tab)
    where = "-".join(answer.cities) if 0 < len(answer.cities) <= 3 else ""
    fallback = "-".join(x for x in ("iekg", kind.replace("_", "-"), where) if x) + f".{fmt}"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={
        **vary, "Content-Disposition": content_disposition(filename(tab, fmt), fallback),
        "X-IEKG-Illustrative": "true" if tab.illustrative else "false"})


def takeaway_responses(model: type | None, example: Mapping[str, Any] | None, *codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` of a route with the three formats: JSON (its model and example), CSV, xlsx; the
    406 problem; and the problems ``codes``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    json_content: dict[str, Any] = {}
    if example is not None:
        json_content["example"] = example
    ok: dict[str, Any] = {
        "description": "the answer: JSON, or with format=csv / format=xlsx (or Accept: text/csv / the xlsx media "
                       "type) a download with Chinese headers, units and the notes (illustrative, data coverage, "
                       "source) in the file",
        "content": {JSON: json_content, CSV: {"schema": {"type": "string"}}, XLSX: binary},
        "headers": {"Content-Disposition": {"description": "csv/xlsx: attachment; filename=\"iekg-….csv\"; "
                                                           "filename*=UTF-8''… (the Chinese name)",
                                            "schema": {"type": "string"}},
                    "X-IEKG-Illustrative": {"description": "csv/xlsx: true when the figures rest on illustrative "
                                                           "(demo) data", "schema": {"type": "string"}}}}
    if model is not None:
        ok["model"] = model
    return {200: ok, **problem_responses(406, *codes)}
