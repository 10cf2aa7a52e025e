"""Live servers and a real browser, the one way the tests start them.

- :func:`serving`: an ASGI app (the API) served by uvicorn on 127.0.0.1 in a thread, on a free port.
- :func:`free_port`, :func:`wait_until_serving`, :func:`stop_serving`: ``iekg serve`` as a real process.
- :func:`chromium`: Debian's headless Chromium driven by Playwright's Python package (no browser download);
  skipped when either is missing, unless ``CI`` is set: then that is a failure (:func:`browser_unavailable`).
  Install them with ``scripts/ci-deps`` and ``pip install playwright`` (never ``playwright install``).
- :class:`Watched` / :func:`watch`: a page with its console errors and every URL it requested.

Imported by ``conftest.py`` (the module-scoped ``browser`` fixture) and by the tests, as ``neo4j_server`` is.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "browser"  # screenshots
CHROMIUM = os.environ.get("IEKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000


# ------------------------------------------------------------------------------------- the API, in a thread
@contextmanager
def serving(app: Any, *, start_timeout: float = 30, join_timeout: float = 10) -> Iterator[str]:
    """``app`` served on 127.0.0.1 (a free port) while the block runs: yields ``http://127.0.0.1:PORT``; after
    it, the server is told to exit and its thread joined."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not srv.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("the test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(timeout=join_timeout)


# ------------------------------------------------------------------------------ ``iekg serve``, a process
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(p: subprocess.Popen[Any], url: str, log: Path, *, ok: tuple[int, ...] = (200,)) -> None:
    """Wait (60 s at most) until ``url``'s /health answers one of ``ok``; the server's log if it died first."""
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        assert p.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "iekg serve did not start"
        time.sleep(0.2)


def stop_serving(p: subprocess.Popen[Any]) -> None:
    """Ctrl-C, as a user stops ``iekg serve``; killed after 20 s."""
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


# ------------------------------------------------------------------------------------------ the browser
def browser_unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason} (run scripts/ci-deps; pip install playwright)")
    pytest.skip(reason)


def require_chromium() -> None:
    """Skip (fail under ``CI``) unless Playwright's Python package and Chromium are both there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        browser_unavailable("Playwright's Python package is not installed (pip install playwright)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        browser_unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium (:data:`CHROMIUM` with :data:`CHROMIUM_ARGS`) for the block; closed after it."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watched:
    """A page with its console errors and every URL it requested."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def offsite(self) -> list[str]:
        out = []
        for u in self.requests:
            parts = urlsplit(u)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname not in ("127.0.0.1",):
                out.append(u)
        return out

    def check(self) -> None:
        assert self.errors == [], self.errors
        assert self.offsite() == [], self.offsite()


def watch(page: Page) -> Watched:
    """``page`` watched from now on: console errors, page errors, failed requests and every request; actions
    wait :data:`TIMEOUT_MS` at most."""
    w = Watched(page)
    # Vega's "infinite extent" warning: a chart layer or axis left without data (drawn from nothing)
    page.on("console", lambda m: w.errors.append(f"console: {m.text}")
            if m.type == "error" or (m.type == "warning" and "Infinite extent" in m.text) else None)
    page.on("pageerror", lambda e: w.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: w.errors.append(f"request failed: {r.url} {r.failure}"))
    page.on("request", lambda r: w.requests.append(r.url))
    page.set_default_timeout(TIMEOUT_MS)
    return w


def show_ranking(page: Page, ready: str = "body[data-ranking='1']") -> None:
    """Bring the dashboard's ranking card into view until it has been asked for, then wait for ``ready``.

    The ranking loads when the card first comes into view; a chart drawn above it a moment after the scroll can
    push it out again before the page's observer looks, so the scroll is repeated until the request has gone.
    A failed load says why (the card's note) instead of waiting out the timeout."""
    for _ in range(TIMEOUT_MS // 2_000):
        page.locator("#ranking-card").scroll_into_view_if_needed()
        try:
            page.wait_for_selector("body[data-ranking]", timeout=2_000)
            break
        except Exception:  # noqa: BLE001 — not asked for yet: scroll again
            continue
    try:
        page.wait_for_selector(ready)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"ranking not shown: {page.inner_text('#ranking-note')!r}") from exc
