"""A hung Neo4j (its process stopped with SIGSTOP, the API's connections still open) is answered with a 503
problem, not waited for without end: the driver's acquisition timeout and liveness check (iekg.settings
IEKG_NEO4J_…) bound every request.  The bound asserted (30 s) is one of correctness, not speed: before, /health
gave no answer in 120 s.  The server is this module's own (never the session's shared one) and is always
continued and stopped at the end."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iekg.graph.neo4jstore import Neo4jStore
from iekg.graph.store import ChangeSet, Node, Rel
from iekg.settings import Settings

pytestmark = pytest.mark.neo4j

BOUND = 30.0  # seconds: "it answers at all"; the settings below give a few seconds


def small_graph() -> ChangeSet:
    ch = ChangeSet()
    for n in (Node("Province:410000", "Province", {"id": "410000", "name": "河南省"}),
              Node("City:410200", "City", {"id": "410200", "name": "开封市"})):
        ch.nodes[n.uid] = n
    r = Rel("PART_OF", "City:410200", "Province:410000", {})
    ch.rels[r.key] = r
    return ch


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from neo4j_server import dedicated, stop

    srv = dedicated(tmp_path_factory.mktemp("neo4j-hung"))
    try:
        yield srv
    finally:
        stop(srv.data)


def settings_for(server: Any, uri: str | None = None, **kw: Any) -> Settings:
    return Settings(store="neo4j", neo4j_uri=uri or server.uri, neo4j_user=server.user,
                    neo4j_password=server.password, **kw)


def frozen(server: Any) -> Any:
    """A context: the server's java process stopped (SIGSTOP), continued (SIGCONT) whatever happens."""
    from contextlib import contextmanager

    from neo4j_server import pid_of

    @contextmanager
    def ctx() -> Iterator[int]:
        pid = pid_of(server.data)
        os.kill(pid, signal.SIGSTOP)
        try:
            stopped(pid)
            yield pid
        finally:
            os.kill(pid, signal.SIGCONT)

    return ctx()


def stopped(pid: int, limit: float = 10.0) -> None:
    """Wait until every thread of ``pid`` is stopped: kill() returns once SIGSTOP is sent, and each thread stops
    when the kernel next has it (a CI run saw the first request after kill() answered 200, once in many runs)."""
    def states() -> set[str]:
        out = set()
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:  # state: the field after the command's closing parenthesis
                out.add((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
            except (OSError, IndexError):
                pass  # (a thread that ended meanwhile)
        return out

    t0 = time.monotonic()
    while (got := states()) - {"T", "t"}:
        assert time.monotonic() - t0 < limit, f"the server (pid {pid}) is not stopped after {limit} s: {got}"
        time.sleep(0.01)


def answered(fn: Callable[[], Any], limit: float) -> tuple[bool, float, Any]:
    """Run ``fn`` in a thread: (finished within ``limit``, seconds, its result or exception)."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # noqa: BLE001 - the exception is the answer
            out.append(exc)

    t0 = time.monotonic()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(limit)
    return (not th.is_alive(), time.monotonic() - t0, out[0] if out else None)


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_api_answers_503_while_neo4j_hangs(server: Any, scheme: str) -> None:
    from fastapi.testclient import TestClient

    from iekg.api.main import create_app

    uri = server.uri.replace("bolt://", f"{scheme}://")
    # shorter waits than the defaults (3 s each; the store's test below keeps them): what is tested is that each
    # request is bounded by them, and the eleven requests here then take about a third of the time
    settings = settings_for(server, uri, neo4j_connection_timeout=1.5, neo4j_acquisition_timeout=1.5)
    store = Neo4jStore.from_settings(settings)
    store.apply(small_graph(), fresh=True)
    store.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        # the pool holds open connections to the server when it stops
        assert client.get("/health").status_code == 200
        assert client.get("/cities").status_code == 200
        with frozen(server):
            for path in ("/health", "/cities", "/search?q=开封", "/health"):
                done, took, resp = answered(lambda path=path: client.get(path), BOUND)
                assert done, f"{path}: no answer in {BOUND} s from a hung Neo4j"
                assert not isinstance(resp, BaseException), f"{path}: {resp!r}"
                assert resp.status_code == 503, (path, resp.status_code, resp.text[:300])
                assert resp.headers["content-type"].startswith("application/problem+json")
                print(f"{scheme} {path}: 503 in {took:.1f} s")

            # an API started while the server hangs: it starts, and answers 503 (each request tries to open)
            def fresh_app() -> int:
                with TestClient(create_app(settings), raise_server_exceptions=False) as other:
                    return other.get("/health").status_code

            done, took, status = answered(fresh_app, 2 * BOUND)
            assert done, f"an API starting beside a hung Neo4j did not answer in {2 * BOUND} s"
            assert status == 503, status
            print(f"{scheme} new app /health: 503 in {took:.1f} s")
        # continued: the same app answers again (new connections)
        deadline = time.monotonic() + 60
        while client.get("/health").status_code != 200:
            assert time.monotonic() < deadline, "no recovery after SIGCONT"
            time.sleep(0.5)


def test_store_reads_and_writes_fail_fast_while_neo4j_hangs(server: Any) -> None:
    """The store itself (the CLI's path): a read and a write on a hung server raise within the bound."""
    store = Neo4jStore.from_settings(settings_for(server))
    try:
        store.apply(small_graph(), fresh=True)
        assert store.get("City:410200") is not None
        with frozen(server):
            for what, fn in (("read", lambda: store.get("City:410200")), ("count", store.counts),
                             ("write", lambda: store.apply(small_graph()))):
                done, took, got = answered(fn, BOUND)
                assert done, f"{what}: no answer in {BOUND} s from a hung Neo4j"
                assert isinstance(got, Exception), f"{what} on a stopped server returned {got!r}"
                from iekg.api.errors import is_store_down

                assert is_store_down(got), f"{what}: {type(got).__name__}: {got}"  # what the API maps to 503
                print(f"{what}: {type(got).__name__} in {took:.1f} s")
    finally:
        store.close()


def test_driver_settings_come_from_iekg_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from iekg.graph.neo4jstore import driver_options

    monkeypatch.setenv("IEKG_NEO4J_ACQUISITION_TIMEOUT", "4.5")
    monkeypatch.setenv("IEKG_NEO4J_LIVENESS_CHECK", "-1")
    monkeypatch.setenv("IEKG_NEO4J_KEEP_ALIVE", "false")
    opts = driver_options(Settings())
    assert opts["connection_acquisition_timeout"] == 4.5
    assert opts["liveness_check_timeout"] is None and opts["keep_alive"] is False
    d = driver_options(Settings(_env_file=None, neo4j_liveness_check=0.0))
    assert d["liveness_check_timeout"] == 0.0
