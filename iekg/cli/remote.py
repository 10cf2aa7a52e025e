"""``iekg --server URL`` (or ``IEKG_SERVER``): a question asked of a running ``iekg serve`` instead of a graph here.

The command runs as it always does — its options, its checks, its table, JSON, CSV or xlsx — but its store is a
:class:`RemoteStore` and :data:`service` sends the calls the service would make on a store of this process to the
server (:mod:`iekg.service.wire`, ``POST /service/{name}``), which makes them on its own store: open, its kept sums
and memoised reads warm. A fresh process then only starts Python, the command's module and an HTTP request: no
store driver, no pandas, nothing read from disk but the answer (issue 20: a question on a Neo4j deployment in a
fresh process was at least 0.35 s before it asked anything).

Only questions go to a server (the explore, analysis and compare commands), and the charts and network pages, whose
spec or page the server makes and the command writes (``iekg.cli.SERVED``): an import, a build or an export works on
a graph of its own. The server's graph makes the answer, with the asker's thresholds (``given_settings``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit

from iekg.service import wire


def check_url(url: str) -> str | None:
    """Why ``url`` is not a server's address (None when it is one)."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        ok = False
    if not ok:
        return f"{url!r} is not a server's address: give one like http://127.0.0.1:8000"
    try:
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        return f"{url!r}: the port is not a number"
    return None


def environ_value(environ: Mapping[str, str], field: str) -> str | None:
    """The setting ``field`` as the environment gives it (``IEKG_<FIELD>`` in any case, as :class:`iekg.settings.
    Settings` reads it; an empty value is none), read without building the settings."""
    name = f"iekg_{field}"
    return next((v for k, v in environ.items() if k.lower() == name and v != ""), None)


# Settings that shape an answer.  The thresholds (iekg.settings.ANSWER_FIELDS) set here go with every call and the
# server answers with them; the user's vocabulary is a file of this machine, which the server cannot read: a client
# that has set it is told it was not used (never dropped without a word).
UNUSED_SETTINGS = ("vocabulary_file",)


def unused_settings(environ: Mapping[str, str]) -> list[str]:
    """The answer-shaping settings ``environ`` sets (``IEKG_<FIELD>``, any case, as the settings read them), which a
    question asked of a server does not use."""
    return [f"IEKG_{f.upper()}" for f in UNUSED_SETTINGS if environ_value(environ, f) is not None]


def given_settings(environ: Mapping[str, str], settings: Any) -> dict[str, Any]:
    """The thresholds ``environ`` sets (iekg.settings.ANSWER_FIELDS), as ``settings`` read them: what a question
    asked of a server sends with each call (those not set here are the server's)."""
    from iekg.settings import ANSWER_FIELDS

    return {f: getattr(settings, f) for f in ANSWER_FIELDS if environ_value(environ, f) is not None}


CONNECT_TIMEOUT = 5.0  # seconds to open the connection (an address that does not answer is not waited on for long)


class RemoteStore:
    """The graph of a running ``iekg serve`` at ``url``, as far as a question's command reads a store: the service
    calls, the cities' names (``nodes("City")``) and the store's kind (``name``, for a take-away's source line)."""

    def __init__(self, url: str, timeout: float = 300.0, settings: Mapping[str, Any] | None = None) -> None:
        problem = check_url(url)
        if problem:
            raise ValueError(problem)
        self.settings = dict(settings or {})  # the asker's thresholds, sent with every call (given_settings)
        self.url = url.rstrip("/")
        self.parts = urlsplit(url)
        self.timeout = timeout
        self._conn: Any = None
        self._calls = 0
        self._name: str | None = None

    # -------------------------------------------------------------------------------- what commands read
    @property
    def name(self) -> str:
        """The server's store: sqlite or neo4j (asked once)."""
        if self._name is None:
            self._name = str(self._request("GET", "/version")["store"])
        return self._name

    def nodes(self, label: str) -> list[Any]:
        return self.call("nodes", (label,), {})  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The service function ``name`` on the server's store, with ``args`` and ``kwargs`` (after the store)."""
        from iekg import __version__

        body: dict[str, Any] = {"version": __version__, "args": [wire.arg(a) for a in args],
                                "kwargs": {k: wire.arg(v) for k, v in kwargs.items()}}
        if self.settings:
            body["settings"] = self.settings
        return wire.read_value(self._request("POST", f"/service/{name}", body))

    # ----------------------------------------------------------------------------------------------- HTTP
    def _connection(self) -> Any:
        """The connection to the server: opened within :data:`CONNECT_TIMEOUT`, then kept for the command's calls
        (each read may take ``timeout``)."""
        if self._conn is None:
            import http.client

            kind = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
            conn = kind(str(self.parts.hostname), self.parts.port, timeout=min(CONNECT_TIMEOUT, self.timeout))
            conn.connect()
            conn.sock.settimeout(self.timeout)
            self._conn, self._calls = conn, 0
        return self._conn

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        where = (self.parts.path or "").rstrip("/") + path
        for attempt in (1, 2):
            reused = self._conn is not None and self._calls > 0
            try:
                conn = self._connection()
                self._calls += 1
                conn.request(method, where, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except OSError as exc:  # refused, unreachable, timed out, reset
                self.close()
                if attempt == 1 and reused and not isinstance(exc, TimeoutError):
                    continue  # a kept connection the server had closed meanwhile: every call is a read, ask again
                _fail(f"cannot reach the iekg server at {self.url}: {exc}. Start it with `iekg serve`, or leave out "
                      f"--server (and IEKG_SERVER) to ask the graph here")
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            answer = {}
        if response.status == 200:
            return answer
        problem = answer if isinstance(answer, dict) else {}
        told = problem.get("error")
        if isinstance(told, dict) and response.status in (404, 422):
            raise wire.read_error(told)
        detail = problem.get("detail") or raw[:300].decode("utf-8", "replace") or response.reason
        _fail(f"the iekg server at {self.url} answered {response.status}: {detail}")


def _fail(message: str) -> NoReturn:
    """The server could not answer: one red line, exit 1 (as a store here that cannot be read)."""
    import typer

    from iekg.cli.console import err

    err.print(message, style="red", markup=False)
    raise typer.Exit(1)


class Service:
    """:mod:`iekg.service` as a question's command calls it: a call of :data:`iekg.service.wire.CALLS` on a
    :class:`RemoteStore` goes to the server; every other call (on a store here, or one that needs no store) is the
    service's own."""

    def __getattr__(self, name: str) -> Any:
        if name not in wire.CALLS:
            import iekg.service

            return getattr(iekg.service, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], RemoteStore):
                return args[0].call(name, args[1:], kwargs)
            import iekg.service

            return getattr(iekg.service, name)(*args, **kwargs)

        call.__name__ = name
        return call


service = Service()
