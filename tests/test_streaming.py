"""A build streams: big CSV files are read row by row (LazyRows), rows become relationships as they are
parsed, references that can no longer change are settled every few thousand rows, and the relationships
wait in a file next to the graph (RelSpill) instead of in memory.  It must build exactly the graph, and
report exactly the problems, that the whole-in-memory path does — the national-scale figures are in
scripts/bench_embedded.py, not here.  The tests make every mechanism work on small data: a chunk of 7
rows, a spill buffer of 5 relationships, and any CSV over 1,000 characters read lazily."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iekg import service
from iekg.graph import spill as spill_module
from iekg.graph.spill import RelSpill
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Rel, StoreError
from iekg.loaders import pipeline, readers
from iekg.loaders.limits import FileRejected
from iekg.loaders.report import ImportFailed, Report
from iekg.loaders.source import LazyRows
from iekg.settings import Settings


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo generator's data at scale 1 (tens of thousands of rows), read as a user's folder."""
    out = tmp_path_factory.mktemp("gen") / "data"
    subprocess.run([sys.executable, "-m", "iekg.demo.generate", "--scale", "1", "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    return out


@pytest.fixture()
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 7)
    monkeypatch.setattr(spill_module, "SPILL_BUFFER", 5)
    monkeypatch.setattr(readers, "LAZY_CHARS", 1_000)


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def tricky(generated: Path, folder: Path) -> Path:
    """A second folder whose rows collide with the generated ones: the same cooperation with other figures
    (the later one wins), an enterprise moved to another city (a single-valued LOCATED_IN: the newest wins)."""
    coop = _rows(generated / "cooperations.csv")
    head, first = coop[0], list(coop[1])
    first[head.index("students")] = "999"
    ents = _rows(generated / "enterprises.csv")
    eh, moved = ents[0], list(ents[1])
    moved[eh.index("city_code")] = "410200" if moved[eh.index("city_code")] != "410200" else "410100"
    _write(folder / "cooperations.csv", [head, first])
    _write(folder / "enterprises.csv", [eh, moved])
    return folder


def build(home: Path, data: list[Path], *, stream: bool) -> tuple[Any, Report, Any]:
    """A build of the shipped reference + demo + ``data``; ``stream`` False is the whole-in-memory path."""
    settings = Settings(home=home)
    report = Report()
    tables = service.read_sources(settings, data, demo=True, public=None, report=report)
    if not stream:
        for st in tables:  # what read_paths gives without lazy reading
            if isinstance(st.rows, LazyRows):
                st.rows = list(st.rows)
    store = SqliteStore(home / "graph.sqlite")
    try:
        report, result = pipeline.load(store, tables, report, fresh=True, consume=stream)
        return store.snapshot(), report, result
    except ImportFailed as exc:
        return None, exc.report, None
    finally:
        store.close()


def issues(report: Report) -> list[dict[str, Any]]:
    return [i.as_dict() for i in report.issues]


def test_a_streamed_build_is_the_whole_build(generated: Path, tmp_path: Path, tiny: None) -> None:
    data = [generated, tricky(generated, tmp_path / "later")]
    whole, report_w, result_w = build(tmp_path / "whole", data, stream=False)
    streamed, report_s, result_s = build(tmp_path / "stream", data, stream=True)
    assert whole is not None and streamed is not None
    assert streamed == whole
    assert issues(report_s) == issues(report_w)
    assert report_s.tables == report_w.tables and report_s.tables["programs"] > 1_000
    assert result_s.as_dict() == result_w.as_dict()
    # the collisions resolved as the import's order says: the later row wins
    coop = _rows(data[1] / "cooperations.csv")
    ents = _rows(data[1] / "enterprises.csv")
    rels = [k for k in streamed["rels"] if k.startswith(f"COOPERATES_WITH|Institution:{coop[1][0]}|Enterprise:{coop[1][1]}")]
    assert [streamed["rels"][k]["students"] for k in rels] == [999]
    moved = [k for k in streamed["rels"] if k.startswith(f"LOCATED_IN|Enterprise:{ents[1][0]}|")]
    assert moved == [f"LOCATED_IN|Enterprise:{ents[1][0]}|City:{ents[1][2]}"]
    # nothing was left next to the graph
    assert sorted(p.name for p in (tmp_path / "stream").iterdir() if "spill" in p.name) == []


def test_a_streamed_build_with_errors_reports_the_same_and_writes_nothing(generated: Path, tmp_path: Path,
                                                                          tiny: None) -> None:
    bad = tmp_path / "bad"
    ents = _rows(generated / "enterprises.csv")
    eh, broken = ents[0], list(ents[2])
    broken[eh.index("id")] = "DEMO-BROKEN-E1"
    broken[eh.index("city_code")] = "4102"  # not a city code: the row has errors
    coop = _rows(generated / "cooperations.csv")
    ch = coop[0]
    refer = list(coop[1])
    refer[ch.index("enterprise_id")] = broken[eh.index("id")]  # refers to the row with errors
    missing = list(coop[2])
    missing[ch.index("enterprise_id")] = "DEMO-NO-SUCH-ENTERPRISE"
    _write(bad / "enterprises.csv", [eh, broken])
    _write(bad / "cooperations.csv", [ch, refer, missing])
    data = [generated, bad]
    whole, report_w, _ = build(tmp_path / "whole", data, stream=False)
    streamed, report_s, _ = build(tmp_path / "stream", data, stream=True)
    assert whole is None and streamed is None
    assert issues(report_s) == issues(report_w)
    codes = sorted({i.code for i in report_s.errors})
    assert codes == ["invalid", "missing_ref", "ref_to_invalid_row"], codes
    assert not (tmp_path / "stream" / "graph.sqlite").exists()  # nothing written, no file created
    assert [p.name for p in (tmp_path / "stream").iterdir()] == []  # and no spill left


def test_each_table_creates_only_the_labels_the_pipeline_expects(generated: Path, tmp_path: Path,
                                                                 public_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Builder.settle trusts pipeline.CREATES; a streamed build checks it table by table (an assertion),
    here on every shipped, public, demo and generated table — and the check does catch a wrong entry."""
    def tables() -> list[Any]:
        return service.read_sources(Settings(home=tmp_path), [generated], demo=True, public=public_dir,
                                    report=Report())

    read = tables()
    assert {st.table for st in read} >= set(pipeline.CREATES) - {"targets", "tasks"}
    changes, _ = pipeline.check(SqliteStore(), read, Report(), fresh=True, consume=True)
    labels = {n.label for n in changes.nodes.values()}
    assert labels <= set().union(*pipeline.CREATES.values()) and len(labels) >= 15
    monkeypatch.setitem(pipeline.CREATES, "cities", frozenset({"City"}))  # forgets the provinces
    with pytest.raises(AssertionError, match="cities created .*Province"):
        pipeline.check(SqliteStore(), tables(), Report(), fresh=True, consume=True)


def test_lazy_rows_are_the_rows_read_whole(tmp_path: Path, tiny: None) -> None:
    """A big CSV read lazily gives the same rows, row numbers, repairs and problems as one read whole:
    a title row above the header, blank rows, an edited and an untouched example row, a line break folded
    in a one-line field, a control character."""
    rows = [["学校标识码 / id", "学校名称", "所在城市代码", "办学层次", "举办性质"]]
    rows.append(["【示例】4141010459", "示例学院", "410100", "本科", "公办"])
    rows.append(["【示例】4141010459", "改过的示例", "410100", "本科", "公办"])
    for i in range(60):
        rows.append([f"41410{i:05d}", f"第{i}学院\n分校" if i == 3 else f"第{i}学院", "410200", "高职专科", "公办"])
        if i % 9 == 0:
            rows.append(["", "", "", "", ""])
    rows[20][1] = "名称\x07"
    path = tmp_path / "institutions.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("院校名单 (2024)\n")
        csv.writer(f).writerows(rows)
    whole, lazy = Report(), Report()
    [a] = readers.read_paths([path], whole)
    [b] = readers.read_paths([path], lazy, lazy=True)
    assert isinstance(b.rows, LazyRows) and not isinstance(a.rows, LazyRows)
    assert [(r.line, r.values) for r in b.rows] == [(r.line, r.values) for r in a.rows]
    assert [(r.line, r.values) for r in b.rows] == [(r.line, r.values) for r in a.rows]  # again, from the file
    assert len(b.rows) == len(a.rows) == 60
    assert sorted(map(str, issues(lazy))) == sorted(map(str, issues(whole)))
    assert {i.code for i in lazy.issues} == {"example_row", "newline_folded", "control_char"}
    assert lazy.tables == whole.tables == {"institutions": 60}


def test_a_file_changed_during_a_build_is_refused(tmp_path: Path, tiny: None) -> None:
    path = tmp_path / "institutions.csv"
    rows = [["id", "name", "city_code", "level", "ownership"]] + [
        [f"41410{i:05d}", f"第{i}学院", "410200", "高职专科", "公办"] for i in range(80)]
    _write(path, rows)
    [st] = readers.read_paths([path], Report(), lazy=True)
    assert isinstance(st.rows, LazyRows)
    _write(path, rows[:-1])
    with pytest.raises(FileRejected) as exc:
        list(st.rows)
    assert exc.value.code == "changed" and exc.value.file == str(path)


def test_the_spill_keeps_the_later_of_two_equal_relationships(tmp_path: Path) -> None:
    spill = RelSpill(tmp_path, buffer=2)
    try:
        a = Rel("COOPERATES_WITH", "Institution:1", "Enterprise:E", {"students": 1})
        b = Rel("COOPERATES_WITH", "Institution:1", "Enterprise:E", {"students": 2})
        c = Rel("COOPERATES_WITH", "Institution:2", "Enterprise:E", {"students": 3})
        spill.put(b, 20)
        spill.put(c, 30)  # the buffer is full: both go to the file
        spill.put(a, 10)  # earlier in the import than b: b stays
        assert spill[a.key].props == {"students": 2} and len(spill) == 2
        spill.put(a, 40)
        assert spill[a.key].props == {"students": 1}
        del spill[c.key]
        assert list(spill) == [a.key] and [r.props for r in spill.values()] == [{"students": 1}]
        with pytest.raises(KeyError):
            del spill[c.key]
    finally:
        spill.close()
    assert not spill.path.exists()


def test_a_dropped_relationship_stays_dropped_unless_a_later_one_comes(tmp_path: Path) -> None:
    """drop() (a single-valued relationship replaced by a later one) forgets what was put before, on disk
    or still in memory, and nothing put later in the import."""
    spill = RelSpill(tmp_path, buffer=2)
    try:
        a = Rel("LOCATED_IN", "Enterprise:E1", "City:410100", {"n": 1})
        b = Rel("LOCATED_IN", "Enterprise:E2", "City:410100", {"n": 2})
        spill.put(a, 5)
        spill.put(b, 6)  # both in the file
        spill.put(a, 7)  # in memory
        spill.drop(a, 8)
        assert [r.props for r in spill.values()] == [{"n": 2}]
        spill.put(Rel("LOCATED_IN", "Enterprise:E1", "City:410100", {"n": 3}), 9)
        spill.drop(b, 4)  # b came at 6, after this drop's place: it stays
        spill.finish()
        assert sorted(r.props["n"] for r in spill.values()) == [2, 3]
    finally:
        spill.close()


def test_a_failing_writer_process_stops_the_build_with_its_reason(tmp_path: Path) -> None:
    spill = RelSpill(tmp_path, buffer=2)
    try:
        spill._open().execute("DROP TABLE stage")  # what a full disk would do to the writer, in effect
        spill.put(Rel("COOPERATES_WITH", "Institution:1", "Enterprise:E", {"students": 1}), 1)
        spill.put(Rel("COOPERATES_WITH", "Institution:2", "Enterprise:E", {"students": 2}), 2)
        with pytest.raises(StoreError) as exc:
            spill.finish()
        assert "cannot write the build's scratch file" in str(exc.value) and "no such table: stage" in str(exc.value)
    finally:
        spill.close()
    assert not spill.path.exists()


def test_a_killed_builds_spill_is_removed_by_the_next_build(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".iekg-spill-{int(dead.stdout)}-abc.sqlite"
    stale.write_bytes(b"")
    mine = tmp_path / f".iekg-spill-{os.getpid()}-keep.sqlite"
    mine.write_bytes(b"")
    spill = RelSpill(tmp_path)
    spill.close()
    assert not stale.exists() and mine.exists()


@given(items=st.lists(st.tuples(st.sampled_from("abc"), st.integers()), max_size=60),
       size=st.integers(min_value=1, max_value=9))
def test_grouped_chunks_hand_on_every_item_once_in_bounded_groups(items: list[tuple[str, int]], size: int) -> None:
    """A fresh Neo4j load (iekg sync) groups what it streams by label or type with ``grouped_chunks``: every item
    comes out once, in its group, in the order it came; no chunk holds more than ``size``; only the last chunk of a
    group is shorter, and those come last, in key order."""
    from iekg.graph.store import grouped_chunks

    got = list(grouped_chunks(iter(items), lambda x: x[0], size))
    assert all(0 < len(part) <= size and all(x[0] == k for x in part) for k, part in got)
    for k in "abc":
        assert [x for g, part in got if g == k for x in part] == [x for x in items if x[0] == k]
        sizes = [len(part) for g, part in got if g == k]
        assert all(n == size for n in sizes[:-1])
    tails = [k for k, part in got if len(part) < size]
    assert tails == sorted(tails) and got[len(got) - len(tails):] == [(k, p) for k, p in got if len(p) < size]
