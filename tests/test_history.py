"""The import history (audit trail, issue 12 item 7): every import records who, when, which files (name,
size, SHA-256) and what it changed, in the same write; failed imports and dry runs record nothing; the same
on the networkx store and on Neo4j; ``GET /imports`` and ``iekg history`` list it."""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app as cli_app
from iekg.graph.schema import AUDIT_LABEL
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store, StoreError, audit_entry
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import ImportFailed, Report
from iekg.loaders.source import USER
from iekg.settings import Settings

SRC = Path(__file__).parent / "fixtures" / "legacy" / "src"  # a tiny complete graph (开封, 郑州)
runner = CliRunner()
KEY = "history-key"

ENTERPRISES = ("统一社会信用代码,企业名称,所在城市代码,行业代码,从业人数\n"
               "TEST-HIST-E1,开封历史测试<script>有限公司,410200,36,50\n"
               "TEST-HIST-E2,开封历史测试二有限公司,410200,38,70\n")
BAD = ("统一社会信用代码,企业名称,所在城市代码,行业代码,从业人数\n"
       "TEST-HIST-E3,开封历史测试三,419999,36,50\n")


def _base(store: Store) -> None:
    """The fixture rows as a fresh graph, written without a history entry."""
    report = Report()
    pipeline.load(store, read_paths([SRC], report, kind=USER), report, fresh=True)


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(params=["networkx", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "networkx":
        s: Store = SqliteStore()
        _base(s)
        yield s
        return
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    server = request.getfixturevalue("neo4j_server")
    driver = GraphDatabase.driver(server.uri, auth=(server.user, server.password))
    s = Neo4jStore(driver)
    _base(s)
    yield s
    s.clear()
    driver.close()


def _last_id(store: Store) -> int:
    h = store.import_history(1)
    return int(h[0]["id"]) if h else 0


def test_import_records_who_when_files_and_changes(store: Store, tmp_path: Path) -> None:
    before = _last_id(store)
    f = tmp_path / "企业.csv"
    f.write_text(ENTERPRISES, encoding="utf-8")
    t0 = datetime.now(UTC).replace(microsecond=0)
    outcome = service.import_paths(store, [f], who="张三", via="cli")
    assert outcome.result is not None and outcome.result.nodes_created == 2
    entry = store.import_history(5)[0]
    assert set(entry) == {"id", "at", "who", "via", "files", "changes"}
    assert entry["id"] == before + 1
    assert entry["who"] == "张三" and entry["via"] == "cli"
    at = datetime.fromisoformat(entry["at"])
    assert at.utcoffset() == timedelta(0) and t0 <= at <= datetime.now(UTC) + timedelta(seconds=1)
    assert entry["files"] == [{"name": "企业.csv", "size": f.stat().st_size, "sha256": _sha(f)}]
    assert entry["changes"] == outcome.result.as_dict()
    assert entry["changes"]["nodes_created"] == 2 and entry["changes"]["rels_created"] == 4

    # a second import (the same file again: nothing changes) is the next entry, newest first
    again = service.import_paths(store, [f], who="李四", via="api")
    hist = store.import_history(10)
    assert [e["id"] for e in hist[:2]] == [before + 2, before + 1]
    assert hist[0]["who"] == "李四" and hist[0]["via"] == "api"
    assert hist[0]["changes"] == again.result.as_dict() == {  # type: ignore[union-attr]
        "nodes_created": 0, "nodes_updated": 0, "rels_created": 0, "rels_updated": 0, "rels_deleted": 0}
    assert len(store.import_history(1)) == 1
    # the history is not part of the graph: not counted, not in the snapshot, not found by search
    labels, _ = store.counts()
    assert AUDIT_LABEL not in labels and "IekgMeta" not in labels
    assert sum(labels.values()) == 21
    assert store.search("张三") == [] and store.search("企业.csv") == []
    assert not any(u.startswith(AUDIT_LABEL) for u in store.snapshot()["nodes"])


def test_failed_import_and_dry_run_record_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "enterprises.csv"
    bad.write_text(BAD, encoding="utf-8")
    good = tmp_path / "good" / "enterprises.csv"
    good.parent.mkdir()
    good.write_text(ENTERPRISES, encoding="utf-8")
    hist = store.import_history(100)
    snap = store.snapshot()
    with pytest.raises(ImportFailed):
        service.import_paths(store, [bad], who="x", via="cli")
    service.import_paths(store, [good], dry_run=True, who="x", via="cli")
    assert store.import_history(100) == hist
    assert store.snapshot() == snap
    # a write the store refuses (a relationship to a missing node) records nothing either
    changes = ChangeSet()
    changes.add_rel("LOCATED_IN", "Enterprise:NOPE", "City:410200")
    with pytest.raises((KeyError, StoreError)):
        store.apply(changes, audit=audit_entry("x", "cli"))
    assert store.import_history(100) == hist


def test_folder_import_lists_every_file_read(store: Store, tmp_path: Path) -> None:
    d = tmp_path / "batch"
    d.mkdir()
    (d / "enterprises.csv").write_text(ENTERPRISES, encoding="utf-8")
    (d / "cooperations.csv").write_text("学校标识码,统一社会信用代码,合作类型\n4141099999,TEST-HIST-E1,订单班\n",
                                        encoding="utf-8")
    (d / "说明.md").write_text("not data", encoding="utf-8")  # not read by the import, so not listed
    service.import_paths(store, [d], who="w", via="cli")
    entry = store.import_history(1)[0]
    assert [(f["name"], f["size"], f["sha256"]) for f in entry["files"]] == [
        (p.name, p.stat().st_size, _sha(p)) for p in sorted([d / "cooperations.csv", d / "enterprises.csv"])]
    assert entry["changes"]["rels_created"] == 5


def test_history_survives_fresh_writes_and_clear(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "enterprises.csv"
    f.write_text(ENTERPRISES, encoding="utf-8")
    service.import_paths(store, [f], who="a", via="cli")
    n = _last_id(store)
    _base(store)  # a fresh graph (as iekg build writes it)
    store.clear()
    assert _last_id(store) == n
    assert store.counts() == ({}, {})


def test_history_is_kept_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite"
    s = SqliteStore(path)
    _base(s)
    f = tmp_path / "enterprises.csv"
    f.write_text(ENTERPRISES, encoding="utf-8")
    service.import_paths(s, [f], who="a", via="cli")
    again = SqliteStore(path)  # another process opening the home reads the same history
    assert [e["who"] for e in again.import_history()][:1] == ["a"]
    assert again.import_history() == s.import_history()


def test_build_records_every_input_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    s = SqliteStore(settings.db_file)
    f = tmp_path / "enterprises.csv"
    f.write_text(ENTERPRISES, encoding="utf-8")
    outcome = service.build(s, settings, [f], demo=False, who="builder")
    entry = s.import_history(1)[0]
    assert entry["via"] == "build" and entry["who"] == "builder"
    names = [f["name"] for f in entry["files"]]
    assert "crosswalk.csv" in names and "enterprises.csv" in names  # the reference's and the user's
    assert len(names) == len({Path(x) for x in outcome.sources if Path(x).is_file()})
    assert entry["changes"] == outcome.result.as_dict()  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- the API
@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, SqliteStore]]:
    s = SqliteStore(tmp_path / "graph.sqlite")
    _base(s)
    settings = Settings(home=tmp_path, api_key=KEY, api_key_label="开封市教育局")
    with TestClient(create_app(settings, s)) as c:
        yield c, s


def test_get_imports_lists_api_imports(api: tuple[TestClient, SqliteStore]) -> None:
    c, s = api
    r = c.get("/imports")
    assert r.status_code == 200 and r.json() == []
    body = ENTERPRISES.encode()
    r = c.post("/imports", files={"files": ("enterprises.csv", body, "text/csv")}, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    r = c.post("/imports", files={"files": ("enterprises.csv", BAD.encode(), "text/csv")}, headers={"X-API-Key": KEY})
    assert r.status_code == 422
    r = c.post("/imports?dry_run=true", files={"files": ("enterprises.csv", body, "text/csv")},
               headers={"X-API-Key": KEY})
    assert r.status_code == 200
    r = c.get("/imports")
    assert r.status_code == 200
    hist = r.json()
    assert len(hist) == 1  # the failed import and the dry run are not recorded
    e = hist[0]
    assert e["id"] == 1 and e["who"] == "开封市教育局" and e["via"] == "api"
    assert e["files"] == [{"name": "enterprises.csv", "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}]
    assert e["changes"]["nodes_created"] == 2
    assert c.get("/imports?limit=0").status_code == 422
    op = c.get("/openapi.json").json()["paths"]["/imports"]["get"]
    assert "200" in op["responses"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array"


def test_api_key_label_defaults_to_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IEKG_API_KEY_LABEL", raising=False)
    assert Settings(home=tmp_path).api_key_label == "api-key"
    monkeypatch.setenv("IEKG_API_KEY_LABEL", "bureau-42")
    assert Settings(home=tmp_path).api_key_label == "bureau-42"


# ------------------------------------------------------------------------------------------- the CLI
def test_cli_history_json_prints_the_import(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _base(SqliteStore(home / "graph.sqlite"))
    f = tmp_path / "enterprises.csv"
    f.write_text(ENTERPRISES, encoding="utf-8")
    r = runner.invoke(cli_app, ["--home", str(home), "history"])
    assert r.exit_code == 0 and "no recorded imports" in r.output
    r = runner.invoke(cli_app, ["--home", str(home), "import", str(f)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["--home", str(home), "validate", str(f)])  # a dry run: not recorded
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["--home", str(home), "history", "--format", "json"])
    assert r.exit_code == 0, r.output
    hist: list[dict[str, Any]] = json.loads(r.stdout)
    assert len(hist) == 1
    assert hist[0]["who"] == getpass.getuser() and hist[0]["via"] == "cli"
    assert hist[0]["files"] == [{"name": "enterprises.csv", "size": f.stat().st_size, "sha256": _sha(f)}]
    assert hist[0]["changes"]["nodes_created"] == 2
    r = runner.invoke(cli_app, ["--home", str(home), "history"])
    assert r.exit_code == 0 and "enterprises.csv" in r.output and getpass.getuser() in r.output


@pytest.mark.neo4j
def test_concurrent_writers_number_their_entries_one_after_the_other(neo4j_server: Any) -> None:
    import threading

    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    try:
        s = Neo4jStore(driver)
        _base(s)
        before = _last_id(s)
        errors: list[BaseException] = []

        def write(i: int) -> None:
            try:
                c = ChangeSet()
                c.add_node("Enterprise", f"TEST-CONC-{i}", {"name": f"并发{i}", "source_kind": "user"})
                Neo4jStore(driver).apply(c, audit=audit_entry(f"writer-{i}", "api"))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        new = [e for e in s.import_history(100) if e["id"] > before]
        assert sorted(e["id"] for e in new) == list(range(before + 1, before + 7))
        assert sorted(e["who"] for e in new) == [f"writer-{i}" for i in range(6)]
        assert all(e["changes"]["nodes_created"] == 1 for e in new)
        s.clear()
    finally:
        driver.close()
