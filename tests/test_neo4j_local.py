"""scripts/neo4j-local/neo4j-local: a real Neo4j 5.26 server, its crash recovery, its auth.

Starts the server on a free port with a fresh data folder, writes through the official driver,
kills it with SIGKILL, starts it again on the same folder (Neo4j's own recovery runs) and reads
the committed data back. Skipped when java, mvn or the neo4j driver is missing, except under CI
(the CI variable set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "neo4j-local" / "neo4j-local"
PASSWORD = "test-pw-neo4j-local"

pytestmark = pytest.mark.neo4j


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _requirements() -> None:
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            _missing(f"{tool} not found on PATH: neo4j-local needs Java 17 and Maven")
    try:
        import neo4j  # noqa: F401
    except ImportError:
        _missing("the neo4j Python driver is not installed (pip install 'neo4j>=5.26,<7')")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    # C1-only JIT: about 1 s less per start on 2 cores; a test server needs no peak speed.
    env = {"IEKG_NEO4J_JAVA_OPTS": "-XX:TieredStopAtLevel=1", **os.environ}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def _start(data: Path, port: int, timeout: float = 180) -> str:
    r = _run("start", "--data", str(data), "--port", str(port), "--password", PASSWORD, timeout=timeout)
    assert r.returncode == 0, f"start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    uri = r.stdout.strip().splitlines()[-1]
    assert uri == f"bolt://127.0.0.1:{port}"
    return uri


def test_start_write_kill9_restart_read(tmp_path: Path) -> None:
    _requirements()
    import neo4j
    from neo4j.exceptions import AuthError

    # The first build (Maven Central download) happens outside the start-up timeout.
    r = _run("build", timeout=900) if not (SCRIPT.parent / "target" / ".build-ok").exists() else None
    assert r is None or r.returncode == 0, f"build failed:\n{r.stdout}\n{r.stderr}"

    data = tmp_path / "data"
    port = _free_port()
    uri = _start(data, port)
    try:
        st = _run("status", "--data", str(data))
        assert st.returncode == 0 and f"bolt://127.0.0.1:{port}" in st.stdout, st.stdout + st.stderr
        env = _run("env", "--data", str(data), "--password", PASSWORD).stdout
        assert f"IEKG_NEO4J_URI=bolt://127.0.0.1:{port}" in env and "IEKG_NEO4J_USER=neo4j" in env

        # A second start on the same data folder is a no-op.
        again = _run("start", "--data", str(data), "--port", str(port), "--password", PASSWORD)
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

        k = _run("kill", "--data", str(data))
        assert k.returncode == 0, k.stderr
        assert _run("status", "--data", str(data)).returncode == 1

        uri = _start(data, port)
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
        stop = _run("stop", "--data", str(data), timeout=90)
    assert stop.returncode == 0, stop.stderr
    assert _run("status", "--data", str(data)).returncode == 1
