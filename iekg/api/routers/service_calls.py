"""``POST /service/{name}``: the command line's questions asked of this server (``iekg --server URL …``).

The call and its value are :mod:`iekg.service.wire`'s: a read of :data:`~iekg.service.wire.CALLS`, made on this
server's store under the same read lock and expensive-reads limit as the analysis routes, its value sent back as the
service returned it (NaN and all: the client draws it as a command of its own would). The asker's thresholds
(``settings``: fields of :data:`iekg.settings.ANSWER_FIELDS`) make the answer, not this server's (:func:`iekg.settings.
answer_settings`). It is the CLI's protocol, tied to the iekg version, so it is not in the OpenAPI document; the
planner-facing routes are.
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any

from fastapi import APIRouter, Body, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from iekg import __version__, service
from iekg.api.deps import HEAVY, StoreDep
from iekg.api.errors import ProblemError
from iekg.service import wire
from iekg.settings import answer_settings

router = APIRouter(prefix="/service", tags=["cli"], dependencies=HEAVY, include_in_schema=False)
MAX_ARGS = 32


@router.post("/{name}")
async def call(store: StoreDep, name: str = Path(max_length=40),
               body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008 - FastAPI's way
    """Make one service call and answer with its tagged value (200), or the error the command reports (its
    problem body carries ``error``: :func:`iekg.service.wire.error`)."""
    if name not in wire.CALLS:
        raise ProblemError("not-found", f"no service call {name!r}: the calls are {', '.join(sorted(wire.CALLS))}")
    if body.get("version") != __version__:
        raise ProblemError("invalid-request", f"this server is iekg {__version__} and the command line is iekg "
                                              f"{body.get('version')}: use the same version on both sides",
                           status=409)
    args, kwargs, given = body.get("args", []), body.get("kwargs", {}), body.get("settings", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict) or len(args) + len(kwargs) > MAX_ARGS:
        raise ProblemError("invalid-request", "args is a list and kwargs an object (at most 32 in all)")
    if not isinstance(given, dict) or not all(isinstance(v, int | float | str) or v is None for v in given.values()):
        raise ProblemError("invalid-request", "settings is an object of numbers (the asker's thresholds)")
    return await run_in_threadpool(_answer, store, name, args, kwargs, given)


def _answer(store: Any, name: str, args: list[Any], kwargs: dict[str, Any], given: dict[str, Any]) -> Response:
    try:
        with answer_settings(given):  # the asker's thresholds answer (iekg.settings.ANSWER_FIELDS), not this server's
            return _made(store, name, args, kwargs)
    except (LookupError, ValueError) as exc:  # what the command itself reports (an ArgumentError is a ValueError)
        told = wire.error(exc)
        raise ProblemError("not-found" if isinstance(exc, LookupError) else "invalid-request", str(exc),
                           error=told) from exc


def _made(store: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Response:
    """The call made and its tagged value as the response (a LookupError or ValueError goes to :func:`_answer`)."""
    resolve = functools.partial(service.resolve, store)
    a = [wire.read_arg(x, resolve) for x in args]
    kw = {str(k): wire.read_arg(v, resolve) for k, v in kwargs.items()}
    if name == "nodes":
        result: Any = _nodes(store, *a, **kw)
    else:
        fn = getattr(service, name)
        try:
            inspect.signature(fn).bind(store, *a, **kw)
        except TypeError as exc:
            raise ValueError(f"{name}: {exc}") from None
        result = fn(store, *a, **kw)
    content = json.dumps(wire.value(result), ensure_ascii=False, allow_nan=True, separators=(",", ":"),
                         default=_plain)
    return Response(content.encode("utf-8"), media_type="application/json")


def _nodes(store: Any, label: str) -> list[Any]:
    if label not in wire.NODE_LISTS:
        raise ValueError(f"nodes lists only {', '.join(sorted(wire.NODE_LISTS))}")
    return list(store.nodes(label))


def _plain(x: Any) -> Any:
    """A value JSON has no type for, as the command's own ``--format json`` would print it (numpy numbers as
    numbers; anything else as its text)."""
    item = getattr(x, "item", None)
    if callable(item):
        v = item()
        if isinstance(v, int | float | str | bool):
            return v
    return str(x)
