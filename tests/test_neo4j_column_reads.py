"""Neo4j's reads made cheaper in issue 20's ninth round, each against what it replaced:

* frames read by columns (``neo4j_reads._from_columns``) are built from the columns, typed as the frame made from the
  rows zipped typed them — numbers, text, missing values, temporal values, lists, integers beyond 64 bits;
* ``top_offers`` with no weight-0 pair ranks each key's candidates in arrays (``sums.rank_candidates``): the rows
  of the tuples sorted per key (supply descending, institution, major), ties and all; a city's kept lists and a
  province's merged ones are read as columns, the same frame as the lists merged;
* the leading programs of more than ``cypher.SEEK_MAX`` institutions are cut to them on the server up to
  ``cypher.KEEP_MAX`` ids (a map lookup per row), beyond it here: the same rows in the same order;
* ``neo4j_sums.lonely_counts`` counts without the statuses' lists: what ``_left_out`` and ``_links`` give.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
import pytest
from neo4j.time import Date, DateTime
from test_leading_index import WHERE
from test_leading_index import _build as build_leading
from test_neo4j_top_scopes import PROVINCES, WEIGHTS, _changes, _tops

from iekg.graph import cypher as cy
from iekg.graph import neo4j_reads, neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.sums import TOP_OFFER_COLUMNS

# ------------------------------------------------------------------------------------------ frames by columns
COLUMNS = [[1, None], [1, 2.5], [True, None], [True, False], ["a", None], [None, None], [2**63, 1], [2**64, 1],
           [-(2**63) - 1, 3], [1.5, None], [float("nan"), 1.0], ["a", 1], [[1, 2], [3]], [{"a": 1}, None],
           [Date(2024, 1, 1), None], [DateTime(2024, 1, 1, 3, 4, 5), None], [dt.date(2024, 1, 1), None], [1, True],
           [1.0, True], ["1", "2"], [1, "a", None], [[1], None], [[], []], [float("inf"), None], [1.0, 2]]


def _zipped(columns: list[list[Any]], names: list[str]) -> pd.DataFrame:
    """The frame as it was made before: from the rows."""
    return pd.DataFrame(list(zip(*columns, strict=True)), columns=names)


@pytest.mark.parametrize("values", COLUMNS + [[v[0]] for v in COLUMNS])
def test_a_frame_by_columns_is_typed_as_the_rows_were(values: list[Any]) -> None:
    cols = [values, [f"id{k}" for k in range(len(values))], list(range(len(values)))]
    got, want = neo4j_reads._from_columns(cols, ["v", "id", "n"]), _zipped(cols, ["v", "id", "n"])
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)
    assert [type(v) for v in got["v"]] == [type(v) for v in want["v"]]


def test_no_row_a_name_twice_and_unequal_columns_are_as_before() -> None:
    for cols, names in (([[], []], ["src", "dst"]), ([["a"], [1]], ["id", "id"])):
        got, want = neo4j_reads._from_columns(cols, names), _zipped(cols, names)
        pd.testing.assert_frame_equal(got, want)
        assert list(got.dtypes) == list(want.dtypes)
    with pytest.raises(ValueError):
        neo4j_reads._from_columns([["a", "b"], [1]], ["id", "n"])


# ------------------------------------------------------------------------------------------ first programs ranked
def _tuple_sorted(top: dict[str, list[Any]], weights: dict[str, list[tuple[str, float]]], limit: int) -> pd.DataFrame:
    """``top_offers``' ranking as it was: per key, its majors' programs as tuples sorted by supply, institution,
    major."""
    rows: list[tuple[str, str, str, Any, float]] = []
    for key, ps in sorted(weights.items()):
        cand = []
        for m, w in ps:
            for inst, y, vol in top.get(str(m), []):
                cand.append((-(vol * float(w)), inst, str(m), y))
        cand.sort(key=lambda c: (c[0], c[1], c[2]))
        rows += [(str(key), inst, m, y, -neg) for neg, inst, m, y in cand[:limit]]
    return pd.DataFrame(rows, columns=list(TOP_OFFER_COLUMNS))


@pytest.mark.parametrize("seed", range(30))
def test_the_ranking_in_arrays_is_the_tuples_sorted(seed: int) -> None:
    rnd = random.Random(seed)
    majors = [f"M{k}" for k in range(rnd.randint(1, 8))]
    insts = [f"I{k:02d}" for k in range(rnd.randint(1, 12))]
    vols = [0.0, 1.0, 2.5, 10.0, 10.0, 33.3, 100.0]  # (ties in volume, and across majors)
    top: dict[str, list[Any]] = {}
    for m in majors:
        if rnd.random() < 0.15:
            continue  # (a wanted major without programs)
        chosen = rnd.sample(insts, rnd.randint(1, len(insts)))
        progs = sorted(((rnd.choice(vols), i) for i in chosen), key=lambda p: (-p[0], p[1]))
        top[m] = [[i, 2024, v] for v, i in progs]
    weights = {f"{k:02d}": [(m, rnd.choice([0.25, 0.5, 1.0, 2.0])) for m in rnd.sample(majors, rnd.randint(1, len(majors)))]
               for k in range(rnd.randint(1, 6))}
    limit = rnd.choice([1, 2, 3, 20])
    got = neo4j_reads._ranked(neo4j_reads._top_columns(top), weights, limit)
    want = _tuple_sorted(top, weights, limit)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)


def test_no_candidate_is_the_empty_frame_as_before() -> None:
    got = neo4j_reads._ranked(neo4j_reads._top_columns({"M1": [["I1", 2024, 3.0]]}), {"01": [("M2", 1.0)]}, 5)
    want = _tuple_sorted({"M1": [["I1", 2024, 3.0]]}, {"01": [("M2", 1.0)]}, 5)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)


@pytest.mark.neo4j
def test_kept_lists_as_columns_are_the_lists_merged(neo: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A city's kept lists and a province's merged ones read as columns: the frame of the lists merged as before,
    and SQLite's; a set of cities that is no province's is merged as before."""
    neo.apply(_changes())
    sq = SqliteStore(tmp_path / "graph.sqlite")
    sq.apply(_changes())
    read: list[str] = []
    reader = neo._read
    monkeypatch.setattr(neo, "_read", lambda q, **p: read.append(q) or reader(q, **p))
    scopes = [["410100"], ["410200"], ["420200"], list(PROVINCES["410000"]), list(PROVINCES["420000"]),
              ["410100", "420100"]]
    for cities in scopes:
        for year, limit in ((2024, 20), (2023, 1), (2024, 2)):
            read.clear()
            got = _tops(neo, cities, year, limit)
            assert got and {k for k, *_ in got} <= set(WEIGHTS)
            if len(cities) == 1:
                assert neo4j_reads._READ_TOP_FIRST in read
            else:  # the province's lists read once (not again when the cities are no province's)
                assert read.count(neo4j_sums.READ_TOP_SCOPE) == 1
            with monkeypatch.context() as m:
                m.setattr(neo4j_reads, "_kept_columns", lambda rows: None)  # the lists merged, as before
                assert got == _tops(neo, cities, year, limit) == _tops(sq, cities, year, limit)


# ------------------------------------------------------------------------------------------ leading programs
@pytest.mark.neo4j
def test_the_leading_programs_are_cut_on_the_server_or_here_alike(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    build_leading(neo)
    sent: list[dict[str, Any]] = []
    rows = neo._rows
    monkeypatch.setattr(neo, "_rows", lambda q, **p: sent.append(p) or rows(q, **p))

    def frame() -> pd.DataFrame:
        sent.clear()
        return neo.rel_frame("OFFERS", ["year"], src_label="Institution", src_ids=["I1", "I2"], where=WHERE)

    anchored = frame()
    assert "src" in sent[0]
    monkeypatch.setattr(cy, "SEEK_MAX", 1)  # two ids are "many": the index read
    on_server = frame()
    assert sent[0]["keep_src"] == {"I1": True, "I2": True}
    monkeypatch.setattr(cy, "KEEP_MAX", 1)  # and too many to send: cut here
    here = frame()
    assert "keep_src" not in sent[0]
    pd.testing.assert_frame_equal(on_server, here)  # the same rows in the same order (the index's)
    key = ["src", "dst"]
    pd.testing.assert_frame_equal(here.sort_values(key).reset_index(drop=True),
                                  anchored.sort_values(key).reset_index(drop=True))
    assert sorted(zip(here["src"], here["dst"], strict=True)) == [("I1", "510101"), ("I2", "510101")]


# ------------------------------------------------------------------------------------------ lonely counts
def _lonely_reference(pairs: list[list[Any]], packs: list[list[Any]]) -> dict[str, int]:
    counted = neo4j_sums._left_out(packs)[0]
    cols = neo4j_sums._links(pairs, packs, False)
    out: dict[str, int] = {}
    for key, ent in zip(cols["key"], cols["enterprise"], strict=True):
        if not counted.get(ent, 0):
            out[str(key)] = out.get(str(key), 0) + 1
    return dict(sorted(out.items()))


@pytest.mark.parametrize("seed", range(40))
def test_lonely_counts_are_the_links_of_enterprises_none_of_whose_cooperations_count(seed: int) -> None:
    rnd = random.Random(seed)
    ents = [f"E{k}" for k in range(30)]
    segs = [f"S{k}" for k in range(6)]
    packs = []
    for city in ("C1", "C2", "C3"):
        with_coops = sorted(rnd.sample(ents, rnd.randint(0, 20)))
        n = [rnd.randint(1, 4) for _ in with_coops]
        out = []
        for status in ("已结束", "筹建中"):
            pos = sorted(rnd.sample(range(len(with_coops)), rnd.randint(0, len(with_coops))))
            out.append([status, pos, [rnd.randint(0, n[j]) for j in pos]])
        here = sorted(rnd.sample(segs, rnd.randint(0, len(segs))))
        links = [sorted(rnd.sample(ents, rnd.randint(0, 8))) for _ in here]
        seg_at = [0]
        for ls in links:
            seg_at.append(seg_at[-1] + len(ls))
        packs.append([city, True, with_coops, n, out, here, seg_at, [e for ls in links for e in ls], [], [], [], []])
    # an enterprise in two packs is alike in both (as the packs are written)
    pairs = [[f"K{k}", rnd.choice(["C1", "C2", "C3", "C4"]), sorted(rnd.sample(segs, rnd.randint(1, 4)))]
             for k in range(rnd.randint(1, 5))]
    same = [packs[0], [*packs[0][:1], *packs[0][1:]]] if seed % 5 == 0 else packs
    assert neo4j_sums.lonely_counts(pairs, same) == _lonely_reference(pairs, same)
    assert neo4j_sums.lonely_counts(pairs, [[*packs[0][:1], False, *packs[0][2:]]]) is None
