"""Migration of a graph.json written by the previous version (issue 11 item 3): the committed fixture
(tests/fixtures/legacy, written by 78ca63c's SqliteStore) gives exactly the graph it holds, in any
store; the home's old file is kept as a backup; a foreign or corrupt file gets a clear error and nothing
changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg import service
from iekg.cli import app as cli_app
from iekg.graph import migrate
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.settings import Settings

LEGACY = Path(__file__).parent / "fixtures" / "legacy" / "graph.json"
runner = CliRunner()


def said(r: Any) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(r.output.split())


def expected_snapshot() -> dict[str, Any]:
    """The graph in the fixture, read with plain json (independent of every store and of the migration),
    in the form of ``Store.snapshot()``."""
    data = json.loads(LEGACY.read_text(encoding="utf-8"))
    nodes = {n["uid"]: dict(sorted(n["props"].items())) for n in data["nodes"]}
    rels = {r["key"]: dict(sorted(r["props"].items())) for r in data["rels"]}
    return {"nodes": dict(sorted(nodes.items())), "rels": dict(sorted(rels.items()))}


def test_fixture_is_small_and_of_the_legacy_format() -> None:
    assert LEGACY.stat().st_size < 300_000
    data = json.loads(LEGACY.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("iekg-graph", 1)
    assert "imports" not in data  # written before the import history existed
    assert len(data["nodes"]) == 19 and len(data["rels"]) == 31


def test_migration_gives_the_same_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    want = expected_snapshot()
    target = SqliteStore()
    done = migrate.migrate(LEGACY, target)
    assert (done.nodes, done.rels) == (19, 31)
    assert done.result.nodes_created == 19 and done.result.rels_created == 31
    assert target.snapshot() == want
    hostile = target.get("Institution:4141099998")
    assert hostile is not None and hostile.props["name"] == '<script>alert(1)</script> & "郑州"测试学院'
    # read in tiny chunks: every value cut at a chunk boundary somewhere, the same graph
    monkeypatch.setattr(migrate, "CHUNK", 7)
    small = SqliteStore()
    migrate.migrate(LEGACY, small)
    assert small.snapshot() == want


def test_migrate_home_converts_once_and_keeps_a_backup(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    shutil.copy(LEGACY, settings.graph_file)
    target = SqliteStore(settings.db_file)
    said: list[str] = []
    done = service.migrate_home(settings, target, said.append, who="tester")
    assert done is not None and target.snapshot() == expected_snapshot()
    backup = tmp_path / "graph.json.bak"
    assert backup.read_bytes() == LEGACY.read_bytes()
    assert not settings.graph_file.exists()
    assert done.backup == backup
    assert len(said) == 2 and "graph.json" in said[0] and "graph.json.bak" in said[1]
    hist = target.import_history()
    assert len(hist) == 1 and hist[0]["who"] == "tester"
    assert hist[0]["files"][0]["name"] == "graph.json" and hist[0]["files"][0]["size"] == LEGACY.stat().st_size
    # the next open: nothing to convert
    assert service.migrate_home(settings, target, said.append) is None and len(said) == 2
    # an old file put back beside a database that holds a graph is left alone, with a word on what to do;
    # an existing backup is never overwritten
    shutil.copy(LEGACY, settings.graph_file)
    assert service.migrate_home(settings, target, said.append) is None
    assert "--replace" in said[-1] and settings.graph_file.exists()
    assert migrate.backup_path(settings.graph_file) == tmp_path / "graph.json.bak.2"


def test_a_home_with_an_old_graph_file_is_converted_on_first_open(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    shutil.copy(LEGACY, settings.graph_file)
    said: list[str] = []
    store = service.open_store(settings, said.append)
    assert store.snapshot() == expected_snapshot()
    assert settings.db_file.is_file() and not settings.graph_file.exists()
    assert (tmp_path / "graph.json.bak").read_bytes() == LEGACY.read_bytes()
    assert len(said) == 2 and "converted" in said[1]
    # a fresh process on the same home: nothing left to convert, the same graph
    said.clear()
    assert service.open_store(settings, said.append).snapshot() == expected_snapshot() and said == []
    r = runner.invoke(cli_app, ["--home", str(tmp_path), "info", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["total_nodes"] == len(expected_snapshot()["nodes"])


def test_a_bad_old_graph_file_stops_with_a_message_and_changes_nothing(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.graph_file.write_text("{half a graph", encoding="utf-8")
    r = runner.invoke(cli_app, ["--home", str(tmp_path), "info"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "corrupt iekg graph file" in r.output and "Nothing was changed" in r.output
    assert settings.graph_file.read_text(encoding="utf-8") == "{half a graph"
    assert SqliteStore(settings.db_file).counts() == ({}, {})


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    text = LEGACY.read_text(encoding="utf-8")
    data = json.loads(text)
    cases: dict[str, tuple[bytes, str]] = {
        "empty": (b"", "not an iekg graph file: it is an empty file"),
        "sqlite": (b"SQLite format 3\x00" + bytes(100), "a SQLite database"),
        "xlsx": (b"PK\x03\x04" + bytes(100), "a zip archive"),
        "text": ("开封市,410200\n".encode(), "not a JSON object"),
        "foreign": (json.dumps({"format": "other", "nodes": []}).encode(), "of format 'other'"),
        "nomarker": (json.dumps({"nodes": [], "rels": []}).encode(), "without the \"format\": \"iekg-graph\" marker"),
        "nodesfirst": (json.dumps({"nodes": data["nodes"], "format": "iekg-graph"}).encode(),
                       "whose 'nodes' comes before any \"format\""),
        "newer": (json.dumps({"format": "iekg-graph", "version": 2, "nodes": [], "rels": []}).encode(),
                  "newer iekg"),
        "truncated": (text[: len(text) // 2].encode(), "corrupt iekg graph file"),
        "garbage": ((text + "xyz").encode(), "more text after the graph"),
        "latin1": (text.replace("开封", "Kaif\u00e9ng").encode("latin-1", "replace"), "not UTF-8"),
        "dangling": (json.dumps({**data, "nodes": data["nodes"][1:]}, ensure_ascii=False).encode(),
                     "missing node Province:410000"),
        "badnode": (json.dumps({**data, "nodes": [{"uid": "X:1", "label": "X", "props": {"id": "1"}}]}).encode(),
                    "node #1 is not a valid node"),
        "norels": (json.dumps({"format": "iekg-graph", "version": 1, "nodes": []}).encode(), "no 'rels' list"),
    }
    out = {}
    for name, (content, message) in cases.items():
        p = tmp / f"{name}.json"
        p.write_bytes(content)
        out[name] = (p, message)
    return out


def test_bad_files_are_refused_and_nothing_changes(tmp_path: Path) -> None:
    target = SqliteStore(tmp_path / "target.sqlite")
    migrate.migrate(LEGACY, target)
    before = target.snapshot()
    raw = graph_state(tmp_path / "target.sqlite")
    for name, (path, message) in _bad_files(tmp_path).items():
        with pytest.raises(migrate.LegacyGraphError) as exc:
            migrate.migrate(path, target)
        text = str(exc.value)
        assert message in text, (name, text)
        assert str(path) in text
        if name != "newer":
            assert "Nothing was changed" in text and "iekg build" in text, name
        assert target.snapshot() == before, name
    assert graph_state(tmp_path / "target.sqlite") == raw


def test_cli_migrate(tmp_path: Path) -> None:
    home = tmp_path / "home"
    src = tmp_path / "old.json"
    shutil.copy(LEGACY, src)
    r = runner.invoke(cli_app, ["--home", str(home), "migrate"])
    assert r.exit_code == 1 and "nothing to migrate" in said(r)
    r = runner.invoke(cli_app, ["--home", str(home), "migrate", "--from", str(src), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["nodes"], out["relationships"]) == (19, 31) and out["backup"] is None
    assert src.exists()  # a file given with --from is the user's: left where it is
    store = service.open_store(Settings(home=home))
    assert store.snapshot() == expected_snapshot()
    assert store.import_history()[0]["via"] == "cli"
    # a second time: the store holds a graph, so --replace is needed
    r = runner.invoke(cli_app, ["--home", str(home), "migrate", "--from", str(src)])
    assert r.exit_code == 1 and "--replace" in said(r)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "iekg-graph", "version": 1, "nodes": [{"uid": ', encoding="utf-8")
    r = runner.invoke(cli_app, ["--home", str(home), "migrate", "--from", str(bad), "--replace"])
    assert r.exit_code == 1 and "corrupt iekg graph file" in said(r) and "Traceback" not in said(r)
    assert service.open_store(Settings(home=home)).snapshot() == expected_snapshot()
    r = runner.invoke(cli_app, ["--home", str(home), "migrate", "--from", str(src), "--replace"])
    assert r.exit_code == 0 and "19 nodes, 31 relationships" in said(r)


@pytest.mark.neo4j
def test_migration_into_neo4j(neo: Store, tmp_path: Path) -> None:
    done = migrate.migrate(LEGACY, neo)
    assert (done.nodes, done.rels) == (19, 31)
    assert neo.snapshot() == expected_snapshot()
    before = neo.snapshot()
    with pytest.raises(migrate.LegacyGraphError):
        migrate.migrate(_bad_files(tmp_path)["dangling"][0], neo)
    assert neo.snapshot() == before
