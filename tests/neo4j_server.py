"""A real Neo4j 5.26 for tests: scripts/neo4j-local started on a free port with a fresh data folder.

Missing java, mvn or the neo4j driver skips the Neo4j tests, except under CI (the CI variable set),
where it is a failure: CI must run them.  ``IEKG_TEST_NEO4J_URI`` (+ ``IEKG_TEST_NEO4J_PASSWORD``) points
the tests at a server that is already running instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "neo4j-local" / "neo4j-local"
PASSWORD = "test-pw-neo4j-local"


@dataclass
class Server:
    uri: str
    user: str
    password: str
    data: Path | None = None  # None: an external server we did not start


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def requirements() -> None:
    try:
        import neo4j  # noqa: F401
    except ImportError:
        missing("the neo4j Python driver is not installed (pip install 'neo4j>=5.26,<7')")
    if os.environ.get("IEKG_TEST_NEO4J_URI"):
        return
    built = (SCRIPT.parent / "target" / ".build-ok").exists()
    for tool in ("java",) if built else ("java", "mvn"):
        if shutil.which(tool) is None:
            missing(f"{tool} not found on PATH: neo4j-local needs Java 17 and Maven")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(*args: str, timeout: float = 120, c1: bool = True) -> subprocess.CompletedProcess[str]:
    # C1-only JIT: about 1 s less per start on 2 cores, for the servers a test starts, stops or kills; the session's
    # server (c1=False) runs the most Cypher, where the full JIT is about 9 % faster over its life
    env = {**({"IEKG_NEO4J_JAVA_OPTS": "-XX:TieredStopAtLevel=1"} if c1 else {}), **os.environ}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


def build() -> None:
    """The first build downloads Neo4j from Maven Central: outside the start-up timeout."""
    if not (SCRIPT.parent / "target" / ".build-ok").exists():
        r = run("build", timeout=900)
        assert r.returncode == 0, f"neo4j-local build failed:\n{r.stdout}\n{r.stderr}"


def start(data: Path, port: int, timeout: float = 180, c1: bool = True) -> str:
    r = run("start", "--data", str(data), "--port", str(port), "--password", PASSWORD, timeout=timeout, c1=c1)
    assert r.returncode == 0, f"start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    uri = r.stdout.strip().splitlines()[-1]
    assert uri == f"bolt://127.0.0.1:{port}"
    return uri


def stop(data: Path) -> None:
    run("stop", "--data", str(data), timeout=90)


def launch(tmp: Path) -> Server:
    requirements()
    ext = os.environ.get("IEKG_TEST_NEO4J_URI")
    if ext:
        return Server(ext, os.environ.get("IEKG_TEST_NEO4J_USER", "neo4j"), os.environ["IEKG_TEST_NEO4J_PASSWORD"])
    build()
    data = tmp / "data"
    return Server(start(data, free_port(), c1=False), "neo4j", PASSWORD, data)


def pid_of(data: Path) -> int:
    """The java pid of the neo4j-local server on ``data`` (the pid file it writes beside the folder)."""
    return int((data.parent / f"{data.name}.pid").read_text().strip())


def dedicated(tmp: Path) -> Server:
    """A server of its own (its own data folder and port), never the session's shared one nor an external
    server: for tests that stop, freeze or replace it.  Stop it with :func:`stop` (``server.data``)."""
    requirements()
    if shutil.which("java") is None:
        missing("java not found on PATH: neo4j-local needs Java 17")
    build()
    data = tmp / "data"
    return Server(start(data, free_port()), "neo4j", PASSWORD, data)
