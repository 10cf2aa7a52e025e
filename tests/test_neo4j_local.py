"""scripts/neo4j-local/neo4j-local: a real Neo4j 5.26 server, its crash recovery, its auth.

Starts the server on a free port with a fresh data folder, writes through the official driver,
kills it with SIGKILL, starts it again on the same folder (Neo4j's own recovery runs) and reads
the committed data back. Skipped when java, mvn or the neo4j driver is missing, except under CI
(the CI variable set), where that is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j_server import PASSWORD, REPO, build, free_port, pid_of, requirements, run, start

pytestmark = pytest.mark.neo4j


def test_start_write_kill9_restart_read(tmp_path: Path) -> None:
    requirements()
    import neo4j
    from neo4j.exceptions import AuthError

    build()

    data = tmp_path / "data"
    port = free_port()
    uri = start(data, port)
    try:
        st = run("status", "--data", str(data))
        assert st.returncode == 0 and f"bolt://127.0.0.1:{port}" in st.stdout, st.stdout + st.stderr
        # the class archive the build made is what the JVM mapped (a start in 5-6 s, not 10; a JVM that could not use
        # it would start without it, silently but for a line in its log)
        archive = REPO / "scripts" / "neo4j-local" / "target" / "neo4j-local.jsa"
        assert archive.stat().st_size > 10_000_000, archive
        assert str(archive) in Path(f"/proc/{pid_of(data)}/maps").read_text(), "the server did not map the archive"
        env = run("env", "--data", str(data), "--password", PASSWORD).stdout
        assert f"IEKG_NEO4J_URI=bolt://127.0.0.1:{port}" in env and "IEKG_NEO4J_USER=neo4j" in env

        # A second start on the same data folder is a no-op.
        again = run("start", "--data", str(data), "--port", str(port), "--password", PASSWORD)
        assert again.returncode == 0 and "already running" in again.stderr

        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", PASSWORD)) as driver:
            driver.execute_query("CREATE CONSTRAINT t_id IF NOT EXISTS FOR (n:T) REQUIRE n.id IS UNIQUE")
            for i in range(5):  # five committed transactions
                driver.execute_query(
                    "UNWIND range($lo, $lo + 99) AS k CREATE (:T {id: k, tx: $i})", lo=i * 100, i=i
                )
            recs, _, _ = driver.execute_query("MATCH (n:T) RETURN count(n) AS c")
            assert recs[0]["c"] == 500

        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "not-the-password")) as bad:
            with pytest.raises(AuthError):
                bad.verify_connectivity()

        k = run("kill", "--data", str(data))
        assert k.returncode == 0, k.stderr
        assert run("status", "--data", str(data)).returncode == 1

        uri = start(data, port)
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", PASSWORD)) as driver:
            recs, _, _ = driver.execute_query(
                "MATCH (n:T) RETURN count(n) AS c, count(DISTINCT n.id) AS d, max(n.tx) AS last"
            )
            assert (recs[0]["c"], recs[0]["d"], recs[0]["last"]) == (500, 500, 4)
            # Recovered schema still enforced, and the server takes writes.
            with pytest.raises(neo4j.exceptions.ConstraintError):
                driver.execute_query("CREATE (:T {id: 0})")
            driver.execute_query("CREATE (:T {id: 1000})")
        debug_log = (data / "logs" / "debug.log").read_text(errors="replace")
        assert "Recovery in 'full' mode completed" in debug_log or "Recovery completed" in debug_log
    finally:
        stop = run("stop", "--data", str(data), timeout=90)
    assert stop.returncode == 0, stop.stderr
    assert run("status", "--data", str(data)).returncode == 1
