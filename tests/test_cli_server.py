"""``iekg --server URL`` (issue 20): a question asked of a running ``iekg serve`` is the question asked of the graph here.

The command runs its own code with the service's calls sent to the server (:mod:`iekg.cli.remote`,
``POST /service/{name}``), so every question of the benchmark — and the ones that fail: an unknown city, arguments
that do not go together, an id not in the graph — must print the same characters on stdout and stderr and end with
the same exit code, in every output format, on both stores. And a fresh client process must not load what it no
longer needs (pandas, numpy, a store's driver), which is the whole point of asking a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import clean_neo4j_store, demo_copy
from servers import serving
from typer.testing import CliRunner

from iekg import __version__, service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.settings import Settings

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
runner = CliRunner()


@pytest.fixture(scope="module")
def home(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("server-home"))


@pytest.fixture(scope="module")
def url(home: Path) -> Iterator[str]:
    with serving(create_app(Settings(home=home))) as u:
        yield u


def questions(home: Path) -> list[list[str]]:
    """The benchmark's 18 questions, and more of the commands' options and failures."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import bench_queries
    finally:
        sys.path.remove(str(SCRIPTS))
    ids = bench_queries.pick(home)
    inst = f"Institution:{ids['inst']}"
    return [q[1] for q in bench_queries.questions(ids)] + [
        ["align", "--city", "410200", "--target-year", "2027"], ["align", "--city", "410200", "--chain", ids["chain"]],
        ["readiness", "--city", "410200", "--target-year", "2027"], ["trend", "--city", "410200", "--from", "2023"],
        ["coupling", "--city", "410200", "--city", "410100", "--city", "410300"], ["hires", ids["major"], "--limit", "2"],
        ["gaps", "--city", "410200", "--type", "unmet", "--limit", "3"], ["compare", "--city", "410200", "--city", "410100"],
        ["path", inst, "410200", "--all", "--k", "3"], ["neighbours", inst, "--direction", "out", "--limit", "5"],
        ["search", "开封", "--label", "City"], ["search", "zzzz-no-such-name"], ["show", "410200"], ["show", "X|a|b"],
        # failures: an unknown city (exit 1), arguments that do not go together (exit 2), an id not in the graph
        ["align", "--city", "999999"], ["gaps", "--city", "410200", "--province", "410000"], ["partners", "NO-SUCH-ID"],
        ["trains"], ["readiness", "--city", "410200", "--all"],
    ]


def ask(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env=env)
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


FORMATS = {"show": ["table", "json"], "path": ["table", "json"]}  # (no take-away for these two)


def test_every_question_is_the_same_asked_of_the_server(home: Path, url: str) -> None:
    asked = 0
    for q in questions(home):
        for fmt in FORMATS.get(q[0], ["table", "json", "csv"]):
            here = ask("--home", str(home), *q, "--format", fmt)
            there = ask("--server", url, *q, "--format", fmt)
            assert there == here, (q, fmt)
            asked += 1
    assert asked == 107
    # and the answers are answers, not a shared failure: the city's alignment on both sides is the real one
    code, out, _ = ask("--server", url, "align", "--city", "410200", "--format", "json")
    assert code == 0 and json.loads(out)["scope_name"] == "开封市"


def test_a_take_away_file_and_the_comparison_page_are_the_same(home: Path, url: str, tmp_path: Path) -> None:
    ask("--home", str(home), "coupling", "--format", "xlsx", "--output", str(tmp_path / "here.xlsx"))
    ask("--server", url, "coupling", "--format", "xlsx", "--output", str(tmp_path / "there.xlsx"))
    from openpyxl import load_workbook

    def cells(p: Path) -> list[list[Any]]:
        return [[c.value for c in row] for ws in load_workbook(p) for row in ws.iter_rows()]

    here, there = cells(tmp_path / "here.xlsx"), cells(tmp_path / "there.xlsx")
    assert here == there and any("开封市" in str(v) for row in here for v in row)  # the cities' names, from the server
    assert any("嵌入式" in str(v) or "SQLite" in str(v) for row in here for v in row)  # the source line names the store
    ask("--home", str(home), "compare", "--province", "410000", "--html", str(tmp_path / "here.html"))
    ask("--server", url, "compare", "--province", "410000", "--html", str(tmp_path / "there.html"))
    assert (tmp_path / "here.html").read_bytes() == (tmp_path / "there.html").read_bytes()


def test_charts_and_network_pages_are_the_same_files_made_on_the_server(home: Path, url: str,
                                                                        tmp_path: Path) -> None:
    """``iekg chart`` and ``iekg viz`` with --server: the spec or page is made over the server's graph
    (``service.chart_spec``, ``service.network_page``) and the file written here is the file the graph here gives,
    byte for byte; what the commands print is the same; an unknown city or entity is the same red line."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import bench_queries
    finally:
        sys.path.remove(str(SCRIPTS))
    ids = bench_queries.pick(home)
    made = [
        ["chart", "supply-demand", "--city", "410200", "-o", "{}.svg"],
        ["chart", "supply-demand", "--city", "410200", "--target-year", "2027", "-o", "{}.json"],
        ["chart", "chain", "--city", "410200", "-o", "{}.json"],
        ["chart", "ranking", "--measure", "coupling", "-o", "{}.svg"],
        ["chart", "trend", "--city", "410200", "-o", "{}.json"],
        ["chart", "compare", "--province", "410000", "--sort", "coverage", "-o", "{}.png"],
        ["viz", "city", "410200", "-o", "{}.html"],
        ["viz", "chain", ids["chain"], "--city", "410200", "-o", "{}.html"],
        ["viz", "ego", f"Institution:{ids['inst']}", "--hops", "2", "--cap", "40", "-o", "{}.html"],
        ["viz", "alliance", "DEMO-AL-410100-01", "-o", "{}.html"],
    ]
    for k, q in enumerate(made):
        files = {side: tmp_path / f"{side}{k}" for side in ("here", "there")}
        here = ask("--home", str(home), *[a.format(files["here"]) for a in q])
        there = ask("--server", url, *[a.format(files["there"]) for a in q], env={"IEKG_HOME": str(tmp_path / "none")})
        assert here[0] == there[0] == 0, (q, here, there)
        assert there[1].replace("there", "here") == here[1], q  # (the messages name the file written)
        name = q[-1].format("")
        assert (tmp_path / f"there{k}{name}").read_bytes() == (tmp_path / f"here{k}{name}").read_bytes(), q
    assert "开封市" in (tmp_path / "there6.html").read_text(encoding="utf-8")  # (a page of the graph, not an error)
    assert not (tmp_path / "none").exists()  # (no graph of this machine was opened: the server's made them)
    for q in (["chart", "trend", "--city", "999999", "-o", str(tmp_path / "x.svg")],
              ["viz", "ego", "Institution:nope", "-o", str(tmp_path / "x.html")]):
        assert ask("--server", url, *q) == ask("--home", str(home), *q), q


def test_only_questions_go_to_a_server(home: Path, url: str, tmp_path: Path) -> None:
    code, _, err = ask("--server", url, "import", str(tmp_path))
    assert code == 2 and "`iekg import` works on a graph here" in flat(err) and "--server" in err
    code, _, err = ask("build", env={"IEKG_SERVER": url, "IEKG_HOME": str(tmp_path / "h")})
    assert code == 2 and "IEKG_SERVER" in err and not (tmp_path / "h").exists()  # nothing built in the wrong place
    code, _, err = ask("--server", url, "--home", str(home), "align", "--city", "410200")
    assert code == 2 and "leave out --home and --store" in flat(err)
    # a graph named here (--home, --store) is asked, whatever IEKG_SERVER says
    code, out, _ = ask("--home", str(home), "align", "--city", "410200", "--format", "json",
                       env={"IEKG_SERVER": "http://127.0.0.1:9"})
    assert code == 0 and json.loads(out)["scope_name"] == "开封市"
    code, out, _ = ask("version", env={"IEKG_SERVER": url})
    assert code == 0 and __version__ in out


def flat(text: str) -> str:
    """A message as one line (the terminal's width wraps it)."""
    return " ".join(text.split())


def test_the_askers_thresholds_answer_and_the_vocabulary_file_is_named_as_not_used(home: Path,
                                                                                    tmp_path: Path) -> None:
    """A threshold set here (``IEKG_SHORTAGE_BELOW`` … — iekg.settings.ANSWER_FIELDS) goes with the call and the server
    answers with it: the same bytes as the graph here asked with the same setting, not the server's figures. The
    server runs in its own process with its own settings (a server in this process would read the test's
    environment). The vocabulary file is a file of this machine: named in a yellow line as not used."""
    from servers import free_port, wait_until_serving

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("IEKG_")}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        p = subprocess.Popen([str(Path(sys.executable).with_name("iekg")), "--home", str(home), "serve", "--host", "127.0.0.1",
                              "--port", str(port)], env={**env, "IEKG_SHORTAGE_BELOW": "0.8"}, stdout=out,
                             stderr=subprocess.STDOUT)
    try:
        wait_until_serving(p, base, log)
        mine = {"IEKG_SHORTAGE_BELOW": "0.97", "iekg_surplus_above": "1.02", "IEKG_GAP_MIN_PEOPLE": "1",
                "IEKG_REFERENCE_SAI": "0.9"}
        for q in (["align", "--city", "410200"], ["gaps", "--city", "410200", "--limit", "5"],
                  ["readiness", "--city", "410200"], ["compare", "--province", "410000"]):
            here = ask("--home", str(home), *q, "--format", "json", env=mine)
            there = ask("--server", base, *q, "--format", "json", env=mine)
            assert there == here and here[0] == 0, q
            assert there != ask("--server", base, *q, "--format", "json"), q  # (the thresholds move the answer)
        got = json.loads(ask("--server", base, "align", "--city", "410200", "--format", "json", env=mine)[1])
        assert got["thresholds"] == {"shortage_below": 0.97, "surplus_above": 1.02}
        # none set here: the server's own
        got = json.loads(ask("--server", base, "align", "--city", "410200", "--format", "json")[1])
        assert got["thresholds"] == {"shortage_below": 0.8, "surplus_above": 1.25}
        # the vocabulary file cannot travel: named, and the answer is the server's
        vocab = tmp_path / "vocabularies.csv"
        vocab.write_text("kind,term,means\n", encoding="utf-8")
        code, out, err = ask("--server", base, "align", "--city", "410200", "--format", "json",
                             env={"IEKG_VOCABULARY_FILE": str(vocab), "IEKG_SHORTAGE_BELOW": "0.9"})
        assert code == 0 and json.loads(out)["thresholds"]["shortage_below"] == 0.9
        assert "IEKG_VOCABULARY_FILE: set here but not used" in flat(err) and "SHORTAGE" not in err
        code, _, err = ask("--server", base, "align", "--city", "410200", "--format", "json")
        assert code == 0 and "not used" not in err
        # the route checks what it is sent: only these settings, as numbers
        for bad in ({"home": "/"}, {"shortage_below": "many"}, {"shortage_below": [1]}, [0.9]):
            r = httpx.post(f"{base}/service/alignment", json={"version": __version__, "args": [],
                                                              "kwargs": {"cities": {"value": ["410200"]}},
                                                              "settings": bad})
            assert r.status_code == 422, (bad, r.text)
        r = httpx.post(f"{base}/service/alignment", json={"version": __version__, "args": [], "settings": {
            "shortage_below": 0.5}, "kwargs": {"cities": {"value": ["410200"]}}})
        assert r.status_code == 200 and r.json()["answer"]["data"]["thresholds"]["shortage_below"] == 0.5
    finally:
        p.terminate()
        p.wait(timeout=30)


def test_a_server_that_cannot_answer_is_one_line_not_a_traceback(url: str) -> None:
    from servers import free_port

    down = f"http://127.0.0.1:{free_port()}"
    code, out, err = ask("--server", down, "align", "--city", "410200")
    err = flat(err)
    assert code == 1 and out == "" and f"cannot reach the iekg server at {down}" in err and "Traceback" not in err
    code, _, err = ask("--server", "ftp://example.org", "align", "--city", "410200")
    err = flat(err)
    assert code == 2 and "is not a server's address" in err  # a usage error, as a bad option is
    for bad in ("http://[bold]x:80", "http://[::1"):  # urlsplit raises on these: still a usage error, shown as given
        code, _, err = ask("align", "--city", "410200", env={"iekg_server": bad})
        err = flat(err.replace("│", " "))  # (the error box's sides)
        assert code == 2 and f"{bad!r} is not a server's address" in err and "IEKG_SERVER" in err
    # a server of another version refuses the call (409), and the command says so
    import iekg

    real = iekg.__version__
    iekg.__version__ = "0.0.0-other"
    try:
        code, _, err = ask("--server", url, "align", "--city", "410200")
    finally:
        iekg.__version__ = real
    assert code == 1 and "answered 409" in flat(err) and "use the same version on both sides" in flat(err)


def test_the_service_route_takes_reads_only_and_checks_what_it_is_given(url: str) -> None:
    def post(name: str, body: Any) -> httpx.Response:
        return httpx.post(f"{url}/service/{name}", json=body, timeout=60)

    v = {"version": __version__}
    assert post("alignment", {**v, "args": [{"value": ["410200"]}]}).json()["answer"]["data"]["scope_name"] == "开封市"
    for name in ("build", "import_paths", "copy_graph", "open_store", "__class__"):  # not a read of the calls
        assert post(name, {**v, "args": []}).status_code == 404
    assert post("nodes", {**v, "args": [{"value": "Enterprise"}]}).status_code == 422  # small catalogues only
    assert post("alignment", {**v, "args": [{"value": {"a": 1}}]}).status_code == 422  # no objects
    assert post("alignment", {**v, "args": [{"code": "x"}]}).status_code == 422  # no other tags
    assert post("alignment", {**v, "kwargs": {"no_such": {"value": 1}}}).status_code == 422  # not a parameter
    r = post("partners", {**v, "args": [{"node": "Institution:NO-SUCH"}]})
    assert r.status_code == 404 and r.json()["error"] == {"kind": "lookup", "message": "not found: Institution:NO-SUCH"}
    assert post("alignment", {"version": "0", "args": []}).status_code == 409
    assert "/service/{name}" not in httpx.get(f"{url}/openapi.json").json()["paths"]  # the CLI's protocol only


def test_a_fresh_client_process_loads_no_store_and_no_pandas(home: Path, url: str) -> None:
    """The reason to ask a server: the command's process imports the parser, rich and an HTTP client, not pandas,
    numpy, sqlite3 or a driver (a question on Neo4j in a fresh process was 0.35 s before it asked anything)."""
    probe = "\n".join([
        "import sys", "import iekg.cli as c", f"sys.argv = ['iekg', '--server', {url!r}, 'gaps', '--city', '410200']",
        "try:", "    c.main()", "except SystemExit:", "    pass",
        "heavy = {'pandas', 'numpy', 'neo4j', 'sqlite3', 'networkx', 'openpyxl', 'fastapi'}",
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & heavy))"])
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "IEKG_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    assert "开封市" in p.stdout and p.stdout.strip().endswith("LOADED []"), p.stdout[-500:]


# ----------------------------------------------------------------------------------------------------- Neo4j
@pytest.fixture(scope="module")
def neo_demo(neo4j_server: Any, demo_graph: Path) -> Iterator[dict[str, str]]:
    with clean_neo4j_store(neo4j_server) as store:
        embedded = SqliteStore(demo_graph / "graph.sqlite")
        try:
            store.apply(service.copy_graph(embedded), fresh=True)
        finally:
            embedded.close()
    yield {"IEKG_STORE": "neo4j", "IEKG_NEO4J_URI": neo4j_server.uri, "IEKG_NEO4J_USER": neo4j_server.user,
           "IEKG_NEO4J_PASSWORD": neo4j_server.password}


def test_questions_asked_of_a_neo4j_server_are_the_same(neo_demo: dict[str, str], home: Path) -> None:
    settings = Settings(store="neo4j", neo4j_uri=neo_demo["IEKG_NEO4J_URI"], neo4j_user=neo_demo["IEKG_NEO4J_USER"],
                        neo4j_password=neo_demo["IEKG_NEO4J_PASSWORD"])
    with serving(create_app(settings)) as u:
        assert httpx.get(f"{u}/version").json()["store"] == "neo4j"
        for q in questions(home)[:18:2] + [["partners", "NO-SUCH-ID"], ["align", "--city", "999999"]]:
            for fmt in ("table", "json") if q[0] != "coupling" else ("table", "csv"):
                here = ask(*q, "--format", fmt, env=neo_demo)
                there = ask("--server", u, *q, "--format", fmt)
                assert there == here, (q, fmt)


def test_a_kept_connection_the_server_closed_is_opened_again() -> None:
    """Every call is a read, so a call on a kept connection the server has closed meanwhile (its keep-alive ran out
    while the command drew) is sent again on a new one — once; a server that is down is still one line."""
    import socket
    import threading

    from iekg.cli.remote import RemoteStore

    served: list[int] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        for n in range(2):
            conn, _ = listener.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
                while len(rest) < length:
                    rest += conn.recv(65536)
                body = json.dumps({"value": n}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                served.append(n)  # and the connection is closed, though HTTP/1.1 said it would be kept

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    remote = RemoteStore(f"http://127.0.0.1:{port}")
    try:
        assert remote.call("search", ("开封",), {}) == 0
        assert remote.call("search", ("开封",), {}) == 1  # the kept connection was closed: asked again, answered
    finally:
        remote.close()
        listener.close()
    thread.join(5)
    assert served == [0, 1]
