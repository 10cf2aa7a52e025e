"""``neo4j-local import`` on a running server: the server imports by itself (database ``neo4j`` stopped, the
offline importer run in the server's JVM, the database started again on the new store), with no restart.

The same process keeps serving (same pid), the password given at start still works and a wrong one is still
refused, a query planned before the import answers from the new store (whose label and type ids differ), a
failed import says so and leaves the server up (database ``neo4j`` empty), and ``IEKG_NEO4J_LIVE_IMPORT=0`` takes the stop / import /
start path instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.neo4j

COUNT = "MATCH (n:Alpha) RETURN count(n) AS c, collect(n.id) AS ids"


def csv_set(folder: Path, alphas: int, betas: int, beta_first: bool) -> list[str]:
    """Nodes Alpha (ids a0..) and Beta (ids b0..), each Alpha LINKS to the first Beta; with ``beta_first`` the
    Beta file comes first, so the importer numbers the labels the other way round."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpha.csv").write_text("id:ID,n:long\n" + "".join(f"a{i},{i}\n" for i in range(alphas)))
    (folder / "beta.csv").write_text("id:ID,n:long\n" + "".join(f"b{i},{i}\n" for i in range(betas)))
    (folder / "links.csv").write_text(":START_ID,:END_ID\n" + "".join(f"a{i},b0\n" for i in range(alphas)))
    nodes = [f"--nodes=Alpha={folder / 'alpha.csv'}", f"--nodes=Beta={folder / 'beta.csv'}"]
    return [*(nodes[::-1] if beta_first else nodes), f"--relationships=LINKS={folder / 'links.csv'}"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from neo4j_server import dedicated, stop

    srv = dedicated(tmp_path_factory.mktemp("neo4j-live"))
    try:
        yield srv
    finally:
        assert srv.data is not None
        stop(srv.data)


def importer(server: Any, args: list[str], **env: str) -> Any:
    from neo4j_server import run

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return run("import", "--data", str(server.data), "--password", server.password, "--", *args, timeout=300)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_live_import_keeps_the_server(server: Any, tmp_path: Path) -> None:
    import neo4j
    from neo4j.exceptions import AuthError
    from neo4j_server import pid_of

    pid = pid_of(server.data)
    first = importer(server, csv_set(tmp_path / "one", alphas=3, betas=1, beta_first=False))
    assert first.returncode == 0, first.stderr
    assert "by the running server" in first.stderr and "IMPORT DONE" in first.stderr, first.stderr
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        rec = driver.execute_query(COUNT).records[0]  # planned now, with Alpha's label id of this store
        assert (rec["c"], sorted(rec["ids"])) == (3, ["a0", "a1", "a2"])
        second = importer(server, csv_set(tmp_path / "two", alphas=5, betas=2, beta_first=True))
        assert second.returncode == 0, second.stderr
        assert pid_of(server.data) == pid  # no restart: the same process serves the new store
        rec = driver.execute_query(COUNT).records[0]  # the same text again: Alpha is another label id now
        assert (rec["c"], sorted(rec["ids"])) == (5, ["a0", "a1", "a2", "a3", "a4"])
        assert driver.execute_query("MATCH (n:Beta) RETURN count(n) AS c").records[0]["c"] == 2
        links = driver.execute_query("MATCH (:Alpha)-[r:LINKS]->(b:Beta) RETURN count(r) AS c, collect(DISTINCT b.id) AS b")
        assert (links.records[0]["c"], links.records[0]["b"]) == (5, ["b0"])
        # writes, constraints and their indexes work on the new store
        driver.execute_query("CREATE CONSTRAINT live_alpha IF NOT EXISTS FOR (n:Alpha) REQUIRE n.id IS UNIQUE")
        driver.execute_query("CREATE (:Alpha {id: 'a9', n: 9})")
        with pytest.raises(neo4j.exceptions.ConstraintError):
            driver.execute_query("CREATE (:Alpha {id: 'a9'})")
        assert driver.execute_query(COUNT).records[0]["c"] == 6
    # the password given at start still works after the import; another is refused
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", "not-the-password")) as bad:
        with pytest.raises(AuthError):
            bad.verify_connectivity()


def test_failed_live_import_leaves_the_server_up(server: Any, tmp_path: Path) -> None:
    import neo4j
    from neo4j_server import pid_of

    pid = pid_of(server.data)
    args = csv_set(tmp_path / "bad", alphas=2, betas=1, beta_first=False)
    (tmp_path / "bad" / "links.csv").write_text(":START_ID,:END_ID\na0,nowhere\n")  # an end that is no node
    bad = importer(server, [*args, "--bad-tolerance=0", "--skip-bad-relationships=false"])
    assert bad.returncode == 1 and "the importer failed" in bad.stderr, bad.stderr
    assert pid_of(server.data) == pid
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        # database neo4j is up again, empty: the import replaced the graph and left no store that starts
        assert driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"] == 0
    good = importer(server, csv_set(tmp_path / "good", alphas=4, betas=1, beta_first=False))
    assert good.returncode == 0, good.stderr
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        assert driver.execute_query(COUNT).records[0]["c"] == 4


def test_restart_path_when_live_import_is_off(server: Any, tmp_path: Path) -> None:
    import neo4j
    from neo4j_server import pid_of

    pid = pid_of(server.data)
    done = importer(server, csv_set(tmp_path / "off", alphas=7, betas=1, beta_first=True), IEKG_NEO4J_LIVE_IMPORT="0")
    assert done.returncode == 0, done.stderr
    assert "by the running server" not in done.stderr and "started in" in done.stderr, done.stderr
    assert pid_of(server.data) != pid  # stopped and started again
    with neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", server.password)) as driver:
        assert driver.execute_query(COUNT).records[0]["c"] == 7
