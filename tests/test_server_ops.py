"""A server many people use (issue 20, point 5): reads flow during a big API import, a read-only home is
read, a killed build's scratch files go, a rebuilt graph gives its free pages back, no server path in an
API answer, and the HTTP layer's own limits and answers (header timeout, connection cap, problem+json
400, ``Allow`` listing every route of a path).

Real processes where the promise is about processes (``iekg serve``, ``iekg info`` under a user who may
not write the home); no wall-clock speed limits — each bound is a correctness bound (a read finishing
while an import is still writing, sockets closed at all)."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import demo_copy, writer_busy
from fastapi.testclient import TestClient
from servers import free_port, stop_serving, wait_until_serving
from typer.testing import CliRunner

from iekg.api.main import create_app
from iekg.graph import spill as spill_mod
from iekg.graph import sqlite_space
from iekg.graph.sqlitestore import ReadOnlyStoreError, SqliteStore
from iekg.settings import Settings

IEKG = str(Path(sys.executable).with_name("iekg"))
KEY = "server-ops-key"
PROBLEM = "application/problem+json"


def _home(demo_graph: Path, tmp_path: Path, name: str = "home") -> Path:
    return demo_copy(demo_graph, tmp_path / name)


def _enterprises(n: int, prefix: str = "OPS") -> bytes:
    rows = ["id,name,city_code,industry_code,employees"]
    rows += [f"{prefix}-{i:06d},{prefix}运维测试企业{i},410200,36,{10 + i % 90}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def _serve(home: Path, log: Path, *, env: dict[str, str] | None = None, prefix: list[str] | None = None,
           args: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    e = {**os.environ, "IEKG_HOME": str(home), "IEKG_STORE": "sqlite", "IEKG_API_KEY": KEY, **(env or {})}
    p = subprocess.Popen([*(prefix or []), IEKG, "--home", str(home), "serve", "--port", str(port), *args], env=e,
                         stdout=open(log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115 - the child keeps it
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(p, url, log, ok=(200, 503))
    return p, url


# ------------------------------------------------------------------------------ 1. reads during an import
def test_reads_flow_while_a_big_api_import_writes(demo_graph: Path, tmp_path: Path) -> None:
    """A 60,000-row upload through a real server (a job): reads are answered while it is parsed and
    validated, and — the part that failed — while it *writes* (the graph's write lock held), and no read
    waits anywhere near as long as the import takes."""
    home = _home(demo_graph, tmp_path)
    db = home / "graph.sqlite"
    server, url = _serve(home, tmp_path / "serve.log")
    try:
        c = httpx.Client(base_url=url, timeout=120)
        data = _enterprises(60_000)
        t_start = time.monotonic()
        r = c.post("/imports", headers={"X-API-Key": KEY}, params={"demo_rows": "keep"},
                   files=[("files", ("enterprises.csv", data, "text/csv"))])
        assert r.status_code == 202, r.text
        loc = r.headers["location"]
        reads: list[tuple[str, str, float, bool]] = []  # (status before, status after, seconds, write lock held)
        paths = ["/health", "/cities/410100", "/search?q=开封"]  # (not the imported city: its answer grows)
        i = 0
        while True:
            before = c.get(loc, headers={"X-API-Key": KEY}).json()["status"]
            if before in ("done", "failed"):
                break
            busy = writer_busy(db)
            t0 = time.monotonic()
            rr = c.get(paths[i % len(paths)])
            took = time.monotonic() - t0
            assert rr.status_code == 200, rr.text
            i += 1
            after = c.get(loc, headers={"X-API-Key": KEY}).json()["status"]
            reads.append((before, after, took, busy and writer_busy(db)))
        duration = time.monotonic() - t_start
        job = c.get(loc, headers={"X-API-Key": KEY}).json()
        assert job["status"] == "done", job
        assert job["result"]["result"]["nodes_created"] == 60_000
        during_write = [t for b, a, t, busy in reads if b == a == "applying" and busy]
        worst = max(t for _, _, t, _ in reads)
        print(f"\n60,000-row API import: {duration:.1f} s, {len(reads)} reads during it, worst {worst * 1000:.0f} ms, "
              f"{len(during_write)} answered while the import held the write lock")
        assert during_write, "no read was answered while the import was writing"
        assert worst < duration / 4, (worst, duration)  # reads never wait for the import
        assert c.get("/enterprises/OPS-059999").status_code == 200
    finally:
        stop_serving(server)


def test_a_job_in_a_child_process_refuses_invalid_data_and_revalidates(demo_graph: Path, tmp_path: Path) -> None:
    """The child process keeps the job's promises: every error reported with file/row/column and nothing
    written; a dry run writes nothing; the answer names the uploaded file, not the server's copy."""
    home = _home(demo_graph, tmp_path)
    store = SqliteStore(home / "graph.sqlite")
    uploads = tmp_path / "uploads"
    app = create_app(Settings(home=home, api_key=KEY, upload_dir=uploads, import_job_bytes=1_000), store)
    bad = _enterprises(200).replace(b",410200,36,17\n", b",419999,36,17\n", 1)  # one row's city is not in the graph
    version = store.version()
    with TestClient(app) as c:
        for data, dry in ((bad, False), (_enterprises(300, "DRY"), True)):
            r = c.post("/imports", params={"demo_rows": "keep", "dry_run": dry}, headers={"X-API-Key": KEY},
                       files=[("files", ("enterprises.csv", data, "text/csv"))])
            assert r.status_code == 202, r.text
            job = _wait(c, r.headers["location"])
            text = json.dumps(job, ensure_ascii=False)
            assert str(uploads) not in text and "iekg-upload-" not in text, text[:500]
            if not dry:
                assert job["status"] == "failed", job
                errs = job["problem"]["errors"]
                assert errs and errs[0]["file"] == "enterprises.csv" and errs[0]["value"] == "419999"
                assert errs[0]["row"] == 9 and errs[0]["column"] == "city_code"
            else:
                assert job["status"] == "done" and job["result"]["dry_run"] and not job["result"]["changed"]
    assert store.version() == version  # nothing written
    assert not list(uploads.glob("iekg-upload-*"))


def _wait(c: TestClient, loc: str) -> dict[str, Any]:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        j = c.get(loc, headers={"X-API-Key": KEY}).json()
        if j["status"] in ("done", "failed"):
            return j  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


# ------------------------------------------------------------------------------ 2. a read-only home
def _without_write_rights() -> list[str]:
    """A command prefix that runs a process unable to write what its user may not (root writes anything:
    drop the capabilities that let it)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run a process as root without write rights"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.fixture
def read_only_home(demo_graph: Path, tmp_path: Path) -> Iterator[Path]:
    home = _home(demo_graph, tmp_path, "ro-home")
    (home / "graph.sqlite").chmod(0o444)
    home.chmod(0o555)
    probe = subprocess.run([*_without_write_rights(), "sh", "-c", f"touch '{home}/probe'"], capture_output=True)
    assert probe.returncode != 0, "the restricted process could write the read-only home: the test would prove nothing"
    try:
        yield home
    finally:
        home.chmod(0o755)
        (home / "graph.sqlite").chmod(0o644)


def test_a_read_only_home_is_read_and_writes_are_refused(read_only_home: Path, tmp_path: Path) -> None:
    home = read_only_home
    env = {**os.environ, "IEKG_HOME": str(home), "IEKG_STORE": "sqlite"}
    before = sorted(p.name for p in home.iterdir())
    run = lambda *a: subprocess.run([*_without_write_rights(), IEKG, "--home", str(home), *a],  # noqa: E731
                                    capture_output=True, text=True, env=env, timeout=120)
    info = run("info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["nodes"]["City"] == 18
    align = run("align", "--city", "410200", "--format", "json")
    assert align.returncode == 0, align.stderr
    assert json.loads(align.stdout)["scope"] == "410200"
    data = tmp_path / "in"
    data.mkdir()
    (data / "enterprises.csv").write_bytes(_enterprises(3))
    imp = run("import", str(data / "enterprises.csv"), "--demo-rows", "keep")
    assert imp.returncode == 1
    assert "read-only" in imp.stderr and "IEKG_HOME" in imp.stderr and "Nothing was changed" in imp.stderr
    assert sorted(p.name for p in home.iterdir()) == before  # no -wal, -shm or journal was made

    # the API: reads answered, an import refused with a problem that names no server path
    server, url = _serve(home, tmp_path / "ro.log", prefix=_without_write_rights())
    try:
        c = httpx.Client(base_url=url, timeout=60)
        h = c.get("/health")
        assert h.status_code == 200 and h.json()["nodes"] > 0 and h.json()["writes_enabled"] is False, h.text
        assert c.get("/cities/410200").status_code == 200
        assert c.get("/analysis/alignment", params={"city": "410200"}).status_code == 200
        r = c.post("/imports", headers={"X-API-Key": KEY}, params={"demo_rows": "keep"},
                   files=[("files", ("enterprises.csv", _enterprises(3), "text/csv"))])
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM), r.text
        assert r.json()["type"] == "/problems/read-only" and str(home) not in r.text
        dry = c.post("/imports", headers={"X-API-Key": KEY}, params={"demo_rows": "keep", "dry_run": True},
                     files=[("files", ("enterprises.csv", _enterprises(3), "text/csv"))])
        assert dry.status_code == 200 and dry.json()["ok"], dry.text  # validating only still works
    finally:
        stop_serving(server)
    assert sorted(p.name for p in home.iterdir()) == before


def test_read_only_store_in_process(demo_graph: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same decision in process (os.access says no write): opened read-only, reads answered, a write
    refused with ReadOnlyStoreError naming the file and the fix — whoever runs the tests."""
    home = _home(demo_graph, tmp_path)
    db = home / "graph.sqlite"
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK and
                        Path(p).resolve() in (db.resolve(), home.resolve()) else real(p, mode, **kw))
    s = SqliteStore(db)
    assert s.read_only and s.get("City:410200") is not None
    from iekg.graph.store import ChangeSet, Node

    cs = ChangeSet()
    cs.nodes["Enterprise:RO-1"] = Node("Enterprise:RO-1", "Enterprise", {"id": "RO-1", "name": "只读测试"})
    with pytest.raises(ReadOnlyStoreError, match="read-only.*chmod u\\+w"):
        s.apply(cs)
    s.close()


# ------------------------------------------------------------------------------ 3. a killed build's leftovers
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_killed_builds_scratch_files_and_journals_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "home"
    folder.mkdir()
    dead, me = _dead_pid(), os.getpid()
    stale = [folder / f".iekg-spill-{dead}-abc123.sqlite{end}" for end in ("", "-journal", "-wal", "-shm")]
    stale.append(folder / f".iekg-spill-{dead}-zzz.sqlite-journal")  # a journal whose file is already gone
    alive = [folder / f".iekg-spill-{me}-live.sqlite", folder / f".iekg-spill-{me}-live.sqlite-journal"]
    other = [folder / "graph.sqlite-journal", folder / f"iekg-spill-{dead}-x.sqlite-journal"]
    for p in stale + alive + other:
        p.write_bytes(b"x")
    spill = spill_mod.RelSpill(folder)  # what every build makes first
    try:
        assert not [p for p in stale if p.exists()]
        assert all(p.exists() for p in alive + other)
    finally:
        spill.close()
    assert not spill.path.exists() and not Path(f"{spill.path}-journal").exists()


def test_the_server_removes_a_killed_builds_journal_at_start(demo_graph: Path, tmp_path: Path) -> None:
    home = _home(demo_graph, tmp_path)
    journal = home / f".iekg-spill-{_dead_pid()}-k1ll3d.sqlite-journal"
    journal.write_bytes(b"x" * 100)
    with TestClient(create_app(Settings(home=home, upload_dir=tmp_path / "up"), SqliteStore(home / "graph.sqlite"))):
        pass
    assert not journal.exists()


# ------------------------------------------------------------------------------ 4. free pages
runner = CliRunner()


def _pages(db: Path) -> tuple[int, int]:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA page_count").fetchone()[0], con.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        con.close()


def _cli(home: Path, *args: str) -> dict[str, Any]:
    from iekg.cli import app

    r = runner.invoke(app, ["--home", str(home), *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_a_smaller_rebuild_gives_its_free_pages_back(demo_graph: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(demo_graph, tmp_path)
    db = home / "graph.sqlite"
    pages0, free0 = _pages(db)
    assert free0 == 0
    # without the automatic compaction, a smaller rebuild leaves the file as large as before, mostly free
    monkeypatch.setattr(sqlite_space, "AUTO_MIN_BYTES", 1 << 62)
    built = _cli(home, "build", "--no-demo")
    pages1, free1 = _pages(db)
    assert built["compacted"] is None
    assert pages1 >= pages0 and free1 > pages1 // 2, (pages1, free1)
    info = _cli(home, "info")
    assert info["storage"]["free_pages"] == free1 and info["storage"]["pages"] == pages1
    # iekg build --compact gives them back
    built = _cli(home, "build", "--no-demo", "--compact")
    pages2, free2 = _pages(db)
    assert free2 == 0 and pages2 <= pages1 - free1 + 8, (pages2, pages1, free1)
    assert built["compacted"]["after"]["free_pages"] == 0 and built["storage"]["free_pages"] == 0
    assert db.stat().st_size == pages2 * built["storage"]["page_size"]
    # a fresh build does it by itself when the free pages are a large share (the default thresholds)
    monkeypatch.undo()
    _cli(home, "build")  # the demo again: the file grows
    pages3, _ = _pages(db)
    built = _cli(home, "build", "--no-demo")
    pages4, free4 = _pages(db)
    assert built["compacted"] is not None and free4 == 0 and pages4 < pages3 // 2, (pages3, pages4, free4)


# ------------------------------------------------------------------------------ 5. no server paths
def test_no_answer_of_an_api_import_names_a_server_path(demo_graph: Path, tmp_path: Path) -> None:
    home = _home(demo_graph, tmp_path)
    uploads = tmp_path / "uploads-folder"
    app = create_app(Settings(home=home, api_key=KEY, upload_dir=uploads), SqliteStore(home / "graph.sqlite"))
    leaks = re.compile(r"iekg-upload-|" + re.escape(str(uploads)) + "|" + re.escape(str(home)) + r"|/tmp/")
    bad = _enterprises(3).replace(b",410200,36,11\n", b",419999,36,11\n")
    with TestClient(app) as c:
        answers = []
        for data, params in ((_enterprises(3), {"dry_run": True}), (bad, {"dry_run": True}), (bad, {}),
                             (_enterprises(3), {})):
            r = c.post("/imports", params={"demo_rows": "keep", **params}, headers={"X-API-Key": KEY},
                       files=[("files", ("enterprises.csv", data, "text/csv"))])
            assert r.status_code in (200, 422), r.text
            answers.append(r)
            files = {i["file"] for i in r.json().get("issues", r.json().get("report", {}).get("issues", []))}
            assert files <= {"enterprises.csv"}, files
        answers += [c.get("/imports"), c.get("/health"), c.get("/version"), c.get("/enterprises/OPS-000001")]
        for r in answers:
            assert not leaks.search(r.text), (r.request.url, leaks.search(r.text), r.text[:400])
        assert answers[0].json()["dry_run"] and answers[0].json()["issues"][0]["file"] == "enterprises.csv"


# ------------------------------------------------------------------------------ 6. the HTTP layer
def test_allow_lists_every_method_of_the_path(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path, api_key=KEY), SqliteStore())
    spec = app.openapi()
    with TestClient(app) as c:
        for path, item in spec["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "410200", path).replace("/imports/jobs/410200", "/imports/jobs/" + "0" * 32)
            r = c.request("OPTIONS", concrete)
            assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM), (path, r.text)
            documented = {m.upper() for m in item}
            assert set(r.headers["allow"].replace(" ", "").split(",")) - {"HEAD"} == documented, (path, r.headers)
        assert c.request("OPTIONS", "/imports").headers["allow"] == "GET, POST"


def test_half_open_connections_are_closed_and_capped_and_bad_requests_are_problems(
        demo_graph: Path, tmp_path: Path) -> None:
    home = _home(demo_graph, tmp_path)
    server, url = _serve(home, tmp_path / "serve.log", args=("--header-timeout", "2"))
    port = int(url.rsplit(":", 1)[1])
    socks: list[socket.socket] = []
    try:
        # 500 half-open requests: nothing, or half a request head
        opened = time.monotonic()
        for i in range(500):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 2:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        r = httpx.get(url + "/health", timeout=30)  # a normal request is answered meanwhile
        assert r.status_code == 200, r.text
        # after the header timeout every one of them is closed by the server (a 408 problem if it had begun)
        answers = []
        for s in socks:
            s.settimeout(30)
            data = s.recv(65536)
            while data and not data.endswith(b"}"):
                more = s.recv(65536)
                if not more:
                    break
                data += more
            answers.append(data)
            assert s.recv(1) == b""  # closed
        # closed by the 2 s given with --header-timeout, not the default 10 s (a bound on the setting, not a speed)
        assert time.monotonic() - opened < 9, time.monotonic() - opened
        begun = answers[1::2]
        assert all(a.startswith(b"HTTP/1.1 408") and PROBLEM.encode() in a for a in begun), begun[:2]
        assert all(a == b"" for a in answers[0::2])
        # a request uvicorn cannot parse gets a problem, not text/plain
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"NOT HTTP AT ALL\x00\r\n\r\n")
            raw = s.recv(65536)
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/problem+json" in head.lower(), raw
        assert json.loads(body)["type"] == "/problems/bad-request"
        huge = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            try:
                s.sendall(huge)
            except OSError:
                pass
            raw = s.recv(65536)
        assert raw.startswith(b"HTTP/1.1 431") and PROBLEM.encode() in raw, raw[:200]
    finally:
        for s in socks:
            s.close()
        stop_serving(server)


def test_connections_over_the_cap_get_a_503_problem(demo_graph: Path, tmp_path: Path) -> None:
    home = _home(demo_graph, tmp_path)
    server, url = _serve(home, tmp_path / "serve.log", env={"IEKG_MAX_CONNECTIONS": "50",
                                                             "IEKG_HEADER_TIMEOUT": "30"})
    port = int(url.rsplit(":", 1)[1])
    socks: list[socket.socket] = []
    try:
        for _ in range(150):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        # what each connection was sent: a refused one gets its 503 at once; a kept one nothing (it waits for
        # a request, and the 30 s header timeout is far off).  All are watched at the same time, until none
        # has said anything more for 2 s (each waits longer than the 0.5 s each had when read one by one)
        got: dict[socket.socket, bytes] = {}
        with selectors.DefaultSelector() as sel:
            for i, s in enumerate(socks):
                sel.register(s, selectors.EVENT_READ, i)
            while len(got) < len(socks):
                ready = sel.select(timeout=2.0)
                if not ready:
                    break
                for key, _ in ready:
                    sock = socks[key.data]
                    got[sock] = sock.recv(65536)
                    sel.unregister(sock)
        refused = 0
        for data in got.values():
            if data.startswith(b"HTTP/1.1 503"):
                assert PROBLEM.encode() in data and b"retry-after" in data.lower(), data
                refused += 1
        assert refused >= 100 - 5, refused  # at most 50 (and a few the health check left) were kept
    finally:
        for s in socks:
            s.close()
        stop_serving(server)
    # the cap reaches uvicorn: the protocol class is the one serve() passes
    from iekg.api.protocol import IekgH11Protocol, protocol

    cls = protocol(3, 7)
    assert issubclass(cls, IekgH11Protocol) and cls.header_timeout == 3.0 and cls.max_connections == 7


SETTLED = """
import gc, json, sys
import uvicorn
seen = {}
def run(app, **kw):  # (instead of serving: what the process holds when uvicorn would start)
    seen.update(frozen=gc.get_freeze_count(), modules=sorted(m for m in sys.modules if m.startswith(("iekg.queries",
                "pandas"))), app=type(app).__name__)
uvicorn.run = run
from iekg.api.main import serve
from iekg.settings import Settings
serve("127.0.0.1", 8765, Settings(home=sys.argv[1]))
print(json.dumps(seen))
"""


def test_the_server_settles_before_it_serves(tmp_path: Path) -> None:
    """``iekg serve`` imports what the answers need and freezes what is alive then (``gc.freeze``) before uvicorn
    takes requests: the full collections a province's answer runs no longer walk the modules' objects.  In a
    fresh process (the tests' own would stay frozen)."""
    p = subprocess.run([sys.executable, "-c", SETTLED, str(tmp_path / "home")], capture_output=True, text=True,
                       timeout=300, check=True)
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen["app"] == "FastAPI"
    assert {"pandas", "iekg.queries.gaps", "iekg.queries.alignment", "iekg.queries.partners"} <= set(seen["modules"])
    assert seen["frozen"] > 10_000  # (about 100,000 objects: the modules, their functions and classes)
