"""Several processes on one home (the embedded SQLite store): nothing is ever lost, a killed import leaves the
previous graph, the API answers during a terminal import and sees it afterwards, two API imports both land.

Real processes throughout (``iekg`` subprocesses, a real uvicorn server): the promises are about processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import demo_copy, graph_state, writer_busy
from servers import free_port, stop_serving, wait_until_serving

from iekg.graph.sqlitestore import SqliteStore

IEKG = str(Path(sys.executable).with_name("iekg"))
KEY = "test-key-concurrency"


def run(home: Path, *args: str, env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:  # type: ignore[type-arg]
    """``iekg`` in a process of its own (output to ``log`` when given: a server logs every request)."""
    e = {**os.environ, "IEKG_HOME": str(home), "IEKG_STORE": "sqlite", **(env or {})}
    if args and args[0] == "import":  # the homes hold the demo: its 开封 has illustrative rows
        args = (*args, "--demo-rows", "keep")
    out = open(log, "w") if log is not None else subprocess.PIPE  # noqa: SIM115 — the child keeps it
    return subprocess.Popen([IEKG, "--home", str(home), *args], env=e, stdout=out,
                            stderr=subprocess.STDOUT if log is not None else subprocess.PIPE, text=True)


def enterprises_csv(path: Path, prefix: str, n: int, city: str = "410200") -> Path:
    rows = ["id,name,city_code,industry_code,employees"]
    rows += [f"{prefix}-{i:06d},{prefix}测试企业{i},{city},36,{10 + i % 90}" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def problems_csv(path: Path, seq: int) -> Path:
    path.write_text(f"city_code,seq,problem,deadline\n410200,{seq},第{seq}号问题：测试并发导入,2026年12月\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("built"))


@pytest.fixture
def home(built: Path, tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    shutil.copy(built / "graph.sqlite", h / "graph.sqlite")  # the build checkpointed: one file is the graph
    return h


def test_two_processes_importing_at_once_both_land(home: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # big enough that the two imports overlap (each reads the graph, validates, then writes)
    a = [enterprises_csv(tmp_path / "a" / "enterprises.csv", "CA", 3000), problems_csv(tmp_path / "a" / "problems.csv", 91)]
    b = [enterprises_csv(tmp_path / "b" / "enterprises.csv", "CB", 3000), problems_csv(tmp_path / "b" / "problems.csv", 92)]
    procs = [run(home, "import", *map(str, a)), run(home, "import", *map(str, b))]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (o, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, e
        assert "nodes_created=3001" in o.replace(" ", ""), o
    s = SqliteStore(home / "graph.sqlite")
    assert s.get("Problem:410200-91") is not None and s.get("Problem:410200-92") is not None
    assert len(s.existing("Enterprise", [f"CA-{i:06d}" for i in range(3000)])) == 3000
    assert len(s.existing("Enterprise", [f"CB-{i:06d}" for i in range(3000)])) == 3000


def test_kill_9_during_an_import_leaves_the_previous_graph(home: Path, tmp_path: Path) -> None:
    db = home / "graph.sqlite"
    before = graph_state(db)
    big = enterprises_csv(tmp_path / "enterprises.csv", "KILL", 40000)
    p = run(home, "import", str(big))
    wait_while_running(p, lambda: writer_busy(db), "the import finished before it could be killed: make the file bigger")
    time.sleep(0.2)  # well inside the transaction
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert graph_state(db) == before  # nothing of the killed import, the previous graph intact
    again = run(home, "import", str(big))
    out, errs = again.communicate(timeout=300)
    assert again.returncode == 0, errs
    s = SqliteStore(db)
    assert len(s.existing("Enterprise", [f"KILL-{i:06d}" for i in range(40000)])) == 40000
    labels, _ = s.counts()
    assert labels["Enterprise"] == sum(1 for u in before[1]["nodes"] if u.startswith("Enterprise:")) + 40000


def test_kill_9_during_a_build_leaves_the_previous_graph(home: Path) -> None:
    db = home / "graph.sqlite"
    problems = home.parent / "p"
    problems.mkdir()
    out, errs = run(home, "import", str(problems_csv(problems / "problems.csv", 93))).communicate(timeout=120)
    before = graph_state(db)
    assert "Problem:410200-93" in before[1]["nodes"]
    p = run(home, "build")
    wait_while_running(p, lambda: writer_busy(db), "the build finished before it could be killed")
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert graph_state(db) == before
    again = run(home, "build")
    assert again.wait(timeout=300) == 0, again.stderr.read() if again.stderr else ""
    after = SqliteStore(db).snapshot()
    assert "Problem:410200-93" not in after["nodes"] and len(after["nodes"]) == len(before[1]["nodes"]) - 1


def wait_while_running(p: subprocess.Popen, seen: Callable[[], bool], too_late: str) -> None:  # type: ignore[type-arg]
    """Until ``seen()`` is true, while ``p`` still runs (``too_late`` when it ends first); at most 240 s."""
    deadline = time.monotonic() + 240
    while not seen():
        assert p.poll() is None, too_late
        assert time.monotonic() < deadline
        time.sleep(0.002)


def spill_writers(folder: Path) -> list[int]:
    """The pids of running build writer processes (iekg.graph.spillwriter) whose scratch file is in ``folder``."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"iekg.graph.spillwriter" in cmd and any(str(folder).encode() in c for c in cmd):
            pids.append(int(proc.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds the writer process through /proc (Linux)")
def test_kill_9_while_the_builds_writer_process_works_leaves_the_previous_graph(home: Path) -> None:
    """A build killed while it parses and its writer process fills the scratch file: the graph is the one
    before, the writer ends by itself (its input is closed), and the next build clears the scratch file."""
    db = home / "graph.sqlite"
    before = graph_state(db)
    p = run(home, "build")
    wait_while_running(p, lambda: bool(spill_writers(home)), "the build finished before its writer process could be seen")
    deadline = time.monotonic() + 240
    assert list(home.glob(".iekg-spill-*.sqlite"))
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert graph_state(db) == before
    while spill_writers(home):  # no orphan: it sees the end of its input and stops
        assert time.monotonic() < deadline, "the writer process outlived its build"
        time.sleep(0.05)
    again = run(home, "build")
    assert again.wait(timeout=300) == 0, again.stderr.read() if again.stderr else ""
    assert list(home.glob(".iekg-spill-*")) == []
    version, graph = graph_state(db)
    assert version > before[0] and graph == before[1]  # built anew, from the same inputs: the same graph


@pytest.fixture
def server(home: Path) -> Iterator[str]:
    port = free_port()
    log = home.parent / "serve.log"
    p = run(home, "serve", "--port", str(port), env={"IEKG_API_KEY": KEY}, log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(p, url, log)
        yield url
    finally:
        stop_serving(p)


def test_api_answers_during_a_terminal_import_and_sees_it_after(server: str, home: Path, tmp_path: Path) -> None:
    big = enterprises_csv(tmp_path / "enterprises.csv", "SRV", 20000)
    c = httpx.Client(base_url=server, timeout=60)
    assert c.get("/enterprises/SRV-000000").status_code == 404
    seen: list[tuple[int, int, int]] = []  # (health status, list status, how many SRV enterprises the API saw)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            h = c.get("/health")
            r = c.get("/enterprises", params={"q": "SRV测试企业", "limit": 1})
            seen.append((h.status_code, r.status_code, r.json().get("total", -1) if r.status_code == 200 else -1))

    t = threading.Thread(target=poll)
    t.start()
    try:
        p = run(home, "import", str(big))
        out, errs = p.communicate(timeout=300)
    finally:
        stop.set()
        t.join(timeout=120)
    assert p.returncode == 0, errs
    assert len(seen) >= 3
    assert all(h == 200 and r == 200 for h, r, _ in seen), seen
    assert {n for _, _, n in seen} <= {0, 20000}  # the previous state or the whole import, never half of it
    assert seen[0][2] == 0
    # the next request after the import sees the new data
    assert c.get("/enterprises/SRV-019999").status_code == 200
    assert c.get("/enterprises", params={"q": "SRV测试企业", "limit": 1}).json()["total"] == 20000


def test_two_concurrent_api_imports_both_land(server: str, home: Path) -> None:
    files = {name: ("id,name,city_code,industry_code,employees\n" +
                    "".join(f"{name}-{i},{name}并发企业{i},410200,36,{i + 1}\n" for i in range(50))).encode()
             for name in ("APIA", "APIB")}
    results: dict[str, httpx.Response] = {}

    def post(name: str) -> None:
        with httpx.Client(base_url=server, timeout=120) as c:
            results[name] = c.post("/imports", headers={"X-API-Key": KEY}, params={"demo_rows": "keep"},
                                   files=[("files", ("enterprises.csv", files[name], "text/csv"))])

    threads = [threading.Thread(target=post, args=(n,)) for n in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    for name, r in results.items():
        assert r.status_code == 200, (name, r.text)
        assert r.json()["result"]["nodes_created"] == 50
    assert len(results) == 2
    s = SqliteStore(home / "graph.sqlite")
    for name in files:
        assert len(s.existing("Enterprise", [f"{name}-{i}" for i in range(50)])) == 50
