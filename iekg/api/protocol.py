"""The HTTP/1.1 connection as ``iekg serve`` runs it: uvicorn's h11 protocol with what a server many people
use needs and uvicorn does not do by itself.

- **A header timeout.**  uvicorn closes an idle keep-alive connection, but a connection that opens and
  sends nothing, or half a request head, is kept for ever: 2,500 such sockets were all held.  Here a
  connection has ``header_timeout`` seconds (``IEKG_HEADER_TIMEOUT``, default 10) to send a whole request
  head — from its opening, and again after each answer — else it is closed (with a ``408`` problem when
  part of a head had come).
- **A connection cap.**  At most ``max_connections`` (``IEKG_MAX_CONNECTIONS``) connections at once; one more
  is answered ``503`` (a problem, ``Retry-After``) and closed at once, before it can hold anything.
  (uvicorn's own ``limit_concurrency`` acts only once a request head is complete, so half-open
  connections never met it, and it answers in plain text.)
- **Problems, not plain text.**  uvicorn answers a request it cannot parse (a broken request line, a
  header over ``h11_max_incomplete_event_size``) with a ``text/plain`` 400 of its own, before the app
  sees anything; here that answer is ``application/problem+json`` like every other error of the API.

Everything else is uvicorn's :class:`~uvicorn.protocols.http.h11_impl.H11Protocol`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from iekg.api import errors

HEADER_TIMEOUT = 10.0
MAX_CONNECTIONS = 1000
MAX_HEAD_BYTES = 64 * 1024  # a request line and headers together (h11_max_incomplete_event_size)
LOG_EVERY = 10.0  # seconds between two warnings about refused connections


def problem_bytes(status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 answer (``Connection: close``) with a problem body, written on the socket directly."""
    body = json.dumps(errors.problem_body(kind, status, detail, "/"), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    reason = {400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large",
              503: "Service Unavailable"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", f"content-type: {errors.PROBLEM_MEDIA_TYPE}",
             f"content-length: {len(body)}", "connection: close", "x-content-type-options: nosniff",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


_refused = {"count": 0, "logged": 0.0}


def _note_refusal(logger: Any, limit: int) -> None:
    """One warning per ``LOG_EVERY`` seconds with the count, not one per refused connection (a flood)."""
    import time

    _refused["count"] += 1
    now = time.monotonic()
    if now - _refused["logged"] >= LOG_EVERY:
        logger.warning("refused %d connection(s): %d are open, the limit (IEKG_MAX_CONNECTIONS)",
                       _refused["count"], limit)
        _refused["count"], _refused["logged"] = 0, now


class IekgH11Protocol(H11Protocol):
    """See the module.  ``header_timeout`` and ``max_connections`` are set on a subclass by :func:`protocol`."""

    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    retry_after: int = 5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started = False

    # -- the connection cap
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            _note_refusal(self.logger, self.max_connections)
            transport.write(problem_bytes(503, "busy", f"the server holds its limit of {self.max_connections} "
                                          f"connections; try again in {self.retry_after} s",
                                          {"retry-after": str(self.retry_after)}))
            transport.close()
            self.connections.discard(self)
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    # -- the header timeout
    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_started = False
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_started:
            self.transport.write(problem_bytes(408, "bad-request", f"the request head did not arrive within "
                                               f"{self.header_timeout:g} s (IEKG_HEADER_TIMEOUT)"))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if data and self._head_timer is not None:
            self._head_started = True
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # h11 bounds only a head still incomplete; one that comes whole in a read could be any size
            pending = bytes(self.conn.trailing_data[0]) + data
            end = pending.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4)
            if end < 0 and len(pending) > MAX_HEAD_BYTES or end > MAX_HEAD_BYTES:
                self._cancel_head_timer()
                self.transport.write(problem_bytes(431, "bad-request", f"the request line and headers are over "
                                                   f"{MAX_HEAD_BYTES // 1024} KiB"))
                self.transport.close()
                return
        super().data_received(data)
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()  # a whole request head came (h11 left IDLE): the app has it

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_timer()  # the next request's head, if any, has the same time

    # -- problems instead of plain text
    def send_400_response(self, msg: str) -> None:
        self.transport.write(problem_bytes(400, "bad-request", "the request is not valid HTTP/1.1 (a malformed "
                                           "request line or header, or a request head over "
                                           f"{MAX_HEAD_BYTES // 1024} KiB): {msg}"))
        self.transport.close()


def protocol(header_timeout: float = HEADER_TIMEOUT, max_connections: int = MAX_CONNECTIONS,
             retry_after: int = 5) -> type[IekgH11Protocol]:
    """The protocol class for uvicorn's ``http=`` with these limits."""
    return type("IekgH11", (IekgH11Protocol,), {"header_timeout": float(header_timeout),
                                                "max_connections": max(1, int(max_connections)),
                                                "retry_after": max(1, int(retry_after))})
