"""Shared fixtures: where the repository and the public reference files are, the demo graph, a Neo4j server
(tests/neo4j_server.py) and headless Chromium (tests/servers.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def _public_dir() -> Path:
    env = os.environ.get("IEKG_PUBLIC_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data" / "public"


def _seed_dir() -> Path:
    return REPO.parent / "shared" / "seed"


# The test files that take longest (a CI run's --durations: Neo4j servers of their own, crash and hang tests,
# property tests, demo builds), longest first.  `make test` runs the files on two workers (``--dist loadfile``)
# in the order collected (``--no-loadscope-reorder``): these start first and the many short files fill in
# behind them, instead of one of these starting last and running alone while the other worker is idle.
SLOWEST_FILES = (
    "test_sums_kept.py", "test_neo4j_store.py", "test_parity.py", "test_neo4j_bulk.py", "test_neo4j_hung.py",
    "test_server_ops.py", "test_vocabularies.py", "test_api_hardening.py", "test_neo4j_local.py",
    "test_dashboard_verdict.py", "test_scenarios_service.py", "test_streaming.py", "test_notebooks.py",
    "test_neo4j_routing.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of :data:`SLOWEST_FILES` first, in that order, then the others, those with more tests first
    (what xdist's own reordering does); the tests of a file stay together and in their order."""
    files = [item.nodeid.split("::", 1)[0] for item in items]
    size = {f: files.count(f) for f in set(files)}
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}

    def order(k: int) -> tuple[int, int, int]:
        f = files[k]
        return rank.get(f.rsplit("/", 1)[-1], len(rank)), -size[f], files.index(f)

    items[:] = [items[k] for k in sorted(range(len(items)), key=order)]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def public_dir() -> Path:
    d = _public_dir()
    if not d.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"public reference files not found at {d} (set IEKG_PUBLIC_DIR)")
        pytest.skip(f"public reference files not found at {d}")
    return d


@pytest.fixture(scope="session")
def seed_notice() -> Path:
    p = _seed_dir() / "000_f5d06498539f6ee6.txt"
    if not p.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"seed notice not found at {p}")
        pytest.skip(f"seed notice not found at {p}")
    return p


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One real Neo4j for the whole session (see tests/neo4j_server.py)."""
    from neo4j_server import launch, stop

    server = launch(tmp_path_factory.mktemp("neo4j"))
    yield server
    if server.data is not None:
        stop(server.data)


@contextmanager
def clean_neo4j_store(server: Any) -> Iterator[Any]:
    """A :class:`~iekg.graph.neo4jstore.Neo4jStore` on the session's server (``neo4j_server``), cleared before
    and after (a module-scoped fixture of a test file uses it the same way)."""
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(server.uri, auth=(server.user, server.password))
    store = Neo4jStore(driver)
    store.clear()
    try:
        yield store
    finally:
        store.clear()
        driver.close()


@pytest.fixture()
def neo(neo4j_server: Any) -> Iterator[Any]:
    """An empty Neo4j store for one test (:func:`clean_neo4j_store`)."""
    with clean_neo4j_store(neo4j_server) as store:
        yield store


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a module's browser tests (see tests/servers.py): skipped without Chromium or
    Playwright, a failure under ``CI``."""
    from servers import ARTIFACTS, chromium

    with chromium() as b:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield b


def graph_state(path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    """The embedded graph at ``path`` as a comparable value: its version (every write changes it) and its
    snapshot.  What "the file is unchanged" meant for the JSON file of earlier versions."""
    from iekg.graph.sqlitestore import SqliteStore

    s = SqliteStore(path)
    try:
        return s.version(), s.snapshot()
    finally:
        s.close()


def writer_busy(db: Path) -> bool:
    """True while another connection holds the graph's write lock (an import or an apply is writing)."""
    con = sqlite3.connect(db, timeout=0)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Henan demo graph as ``iekg build`` makes it (``service.build`` with the default settings), built once
    for the whole run.  Never used in place: :func:`demo_copy` gives each module (or test) a graph of its own."""
    from iekg import service
    from iekg.graph.sqlitestore import SqliteStore
    from iekg.settings import Settings

    home = tmp_path_factory.mktemp("demo-graph")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home))
    store.close()  # the build checkpointed: one file is the graph
    return home / "graph.sqlite"


def demo_copy(graph: Path, home: Path) -> Path:
    """A home folder ``home`` holding a copy of the demo graph (:func:`demo_graph`)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(graph, home / "graph.sqlite")
    return home
