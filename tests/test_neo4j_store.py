"""Neo4jStore on a real server: hostile names stored literally, clear errors, a crash in the middle of a
large load recovered by loading again, the CLI on Neo4j."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from iekg import service
from iekg.cli import app
from iekg.graph.neo4jstore import Neo4jStore, driver_options
from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()

HOSTILE = [
    "O'Brien \"学院\"",
    "`Institution` 反引号",
    "x'})-[:OFFERS]->(m) DETACH DELETE m //",
    "MATCH (n) DETACH DELETE n",
    "} RETURN 1 UNION MATCH (n) SET n.pwned = true //",
    "换行\n与\t制表符 \\ 反斜杠 $param {{brace}}",
]
# a name is one line: a line break or tab in it is folded at import (between two Han characters they join;
# iekg/loaders/textrules.py); everything else is stored exactly as given
STORED = [*HOSTILE[:-1], "换行与制表符 \\ 反斜杠 $param {{brace}}"]


def _driver(server: Any) -> Any:
    from neo4j import GraphDatabase

    return GraphDatabase.driver(server.uri, auth=(server.user, server.password))


def _hostile_folder(tmp: Path) -> Path:
    d = tmp / "hostile"
    d.mkdir()
    (d / "cities.csv").write_text("code,name\n410000,河南省\n410100,郑州市\n", encoding="utf-8")
    rows = "\n".join(f'"{4141099900 + i}","{n.replace(chr(34), chr(34) * 2)}",410100,本科' for i, n in enumerate(HOSTILE))
    (d / "institutions.csv").write_text("id,name,city_code,level\n" + rows + "\n", encoding="utf-8")
    (d / "enterprises.csv").write_text(
        "id,name,city_code,industry_code,备注 `note`\n"
        'E-1,"MERGE (x) ON CREATE SET x.a=1",410100,C,"\'})-[r]-() DELETE r //"\n', encoding="utf-8")
    (d / "industries.csv").write_text("code,name\nC,制造业\n", encoding="utf-8")
    return d


def test_hostile_names_are_stored_and_returned_literally(neo: Neo4jStore, tmp_path: Path) -> None:
    folder = _hostile_folder(tmp_path)
    nx_store = SqliteStore()
    for store in (nx_store, neo):
        report = Report()
        load(store, read_paths([folder], report), report)
    for i, name in enumerate(STORED):
        node = neo.get(f"Institution:{4141099900 + i}")
        assert node is not None and node.props["name"] == name
        assert [n.uid for n in neo.search(name)] == [n.uid for n in nx_store.search(name)]
    ent = neo.get("Enterprise:E-1")
    assert ent is not None and ent.props["name"] == "MERGE (x) ON CREATE SET x.a=1"
    assert ent.props["备注 `note`"] == "'})-[r]-() DELETE r //"  # an odd property key is a key, not Cypher
    assert neo.counts() == nx_store.counts()
    assert neo.snapshot() == nx_store.snapshot()
    recs = neo._read("MATCH (n) WHERE n.pwned IS NOT NULL RETURN count(n) AS c")
    assert recs[0]["c"] == 0


def test_clear_errors_when_down_or_wrong_password(neo4j_server: Any, tmp_path: Path) -> None:
    from neo4j_server import free_port

    env = {"IEKG_NEO4J_URI": neo4j_server.uri, "IEKG_NEO4J_USER": neo4j_server.user,
           "IEKG_NEO4J_PASSWORD": "definitely-wrong"}
    r = runner.invoke(app, ["--store", "neo4j", "info"], env=env)
    assert r.exit_code == 1 and "password" in r.output and "Traceback" not in r.output
    env.update(IEKG_NEO4J_URI=f"bolt://127.0.0.1:{free_port()}", IEKG_NEO4J_PASSWORD=neo4j_server.password)
    r = runner.invoke(app, ["--store", "neo4j", "info"], env=env)
    assert r.exit_code == 1 and "cannot reach Neo4j" in r.output and "Traceback" not in r.output


def test_cli_build_sync_and_query_on_neo4j(neo: Neo4jStore, neo4j_server: Any, tmp_path: Path) -> None:
    env = {"IEKG_NEO4J_URI": neo4j_server.uri, "IEKG_NEO4J_USER": neo4j_server.user,
           "IEKG_NEO4J_PASSWORD": neo4j_server.password}
    home = str(tmp_path / "home")
    assert runner.invoke(app, ["--home", home, "build", "--no-demo"], env=env).exit_code == 0
    r = runner.invoke(app, ["--home", home, "sync", "--to", "neo4j", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    synced = json.loads(r.stdout)
    local = json.loads(runner.invoke(app, ["--home", home, "info", "--format", "json"]).stdout)
    assert synced["nodes"] == local["nodes"] and synced["relationships"] == local["relationships"]
    r = runner.invoke(app, ["--store", "neo4j", "show", "410200", "--format", "json"], env=env)
    assert r.exit_code == 0 and json.loads(r.stdout)["props"]["name"] == "开封市"
    r = runner.invoke(app, ["--store", "neo4j", "readiness", "--city", "410200", "--format", "json"], env=env)
    assert r.exit_code == 0 and len(json.loads(r.stdout)["items"]) == 12


def test_memoised_answers_follow_another_process_writes(neo: Neo4jStore, neo4j_server: Any, tmp_path: Path) -> None:
    """An API process keeps its store (and its memoised scope tables) open; a CLI import into the same
    database through another driver must change the API's next answer, not leave it stale."""
    from iekg.queries.alignment import alignment
    from iekg.queries.scope import resolve_scope

    worked = Path(__file__).parent / "fixtures" / "worked_example"
    report = Report()
    load(neo, read_paths([p for p in sorted(worked.glob("*.csv"))], report), report)
    assert not report.errors
    before = alignment(neo, resolve_scope(neo, city="410200", year=2024))
    assert (before["S"], before["D"]) == (600, 700)
    assert alignment(neo, resolve_scope(neo, city="410200", year=2024))["S"] == 600  # memoised: same answer

    other_driver = _driver(neo4j_server)  # "another process": its own driver and store object
    try:
        other = Neo4jStore(other_driver)
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "programs.csv").write_text("学校标识码,专业代码,年份,毕业生数\n4141099999,460102,2024,100\n",
                                            encoding="utf-8")
        (extra / "majors.csv").write_text("code,name,category_code,level\n460102,另一专业,4601,高职专科\n",
                                          encoding="utf-8")
        r2 = Report()
        load(other, read_paths([extra], r2), r2)
        assert not r2.errors, r2.errors
    finally:
        other_driver.close()
    after = alignment(neo, resolve_scope(neo, city="410200", year=2024))
    assert (after["S"], after["D"]) == (700, 700)  # 100 more graduates of category A → industry 36
    assert {i["code"]: i["supply"] for i in after["industries"]}["36"] == 450
    assert neo.counts()[0].get("IekgMeta") is None  # the version node is never counted


def test_crash_in_the_middle_of_a_large_load(tmp_path: Path) -> None:
    """kill -9 while the demo is being imported; restart on the same data; import again: same graph as a
    clean load, no duplicates."""
    from neo4j_server import free_port, requirements, run, start, stop

    requirements()
    data = tmp_path / "crash" / "data"
    port = free_port()
    uri = start(data, port)
    settings = Settings(home=tmp_path / "h")
    demo = [settings.demo_dir]
    restarted: list[str] = []

    def restart() -> None:
        restarted.append(start(data, port))  # Neo4j's recovery runs

    try:
        from neo4j import GraphDatabase
        from neo4j_server import PASSWORD

        # the driver as iekg makes it (driver_options): a transaction the dead server fails is retried for the
        # configured second, not the driver's default 30 s, before the load gives up
        options = driver_options(settings)
        driver = GraphDatabase.driver(uri, auth=("neo4j", PASSWORD), **options)
        store = Neo4jStore(driver)
        service.build(store, settings, demo=False)  # the reference data, then the large load, in small transactions:
        store.batch_size = 1000
        reference_rels = sum(store.counts()[1].values())
        failure: list[BaseException] = []

        def big_load() -> None:
            try:
                service.import_paths(store, demo)
            except BaseException as exc:  # noqa: BLE001 — the crash is the point
                failure.append(exc)

        t = threading.Thread(target=big_load)
        t.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until relationships of the load are being written (its nodes are in)
            n = store._read("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
            if n > reference_rels:
                break
            time.sleep(0.2)
        assert t.is_alive(), "the load finished before the kill: make it larger"
        assert run("kill", "--data", str(data)).returncode == 0
        t.join(timeout=120)
        assert failure, "the load should have failed when the server died"
        driver.close()

        restarting = threading.Thread(target=restart)  # a process waited for: meanwhile, the clean load
        restarting.start()
        clean = SqliteStore()  # the same loads into the embedded store: what the recovered graph must equal
        service.build(clean, settings, demo=False)
        service.import_paths(clean, demo)
        restarting.join()
        assert restarted, "Neo4j did not start again after the kill (the error is above)"
        driver = GraphDatabase.driver(restarted[0], auth=("neo4j", PASSWORD), **options)
        store = Neo4jStore(driver)
        partial = store.counts()
        service.import_paths(store, demo)  # the same load again completes it
        assert store.counts() == clean.counts()
        assert partial != clean.counts()  # the crash really left a partial load
        # store.snapshot() read with one statement per label (not one per node): the same picture
        assert store.snapshot() == clean.snapshot()
        # (the internal nodes — graph version, kept sums — have no id and are not entities)
        dup = store._read("MATCH (n) WHERE NOT n:IekgMeta WITH labels(n)[0] AS l, n.id AS id, count(*) AS c "
                          "WHERE c > 1 RETURN count(*) AS d")
        assert dup[0]["d"] == 0
        dup = store._read("MATCH ()-[r]->() WITH r._key AS k, count(*) AS c WHERE c > 1 RETURN count(*) AS d")
        assert dup[0]["d"] == 0
        driver.close()
    finally:
        stop(data)
