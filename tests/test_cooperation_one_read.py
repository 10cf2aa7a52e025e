"""A scope's cooperation counts and its left-out list come from one read of the kept cooperations, memoised per
scope, year and words (alignment asks for both with the same words): asked in either order, alone, or with other
words, each is what the pandas reference over the relationships gives — on SQLite, and on Neo4j both through the
index from the scope's enterprises and by one pass over the year's kept nodes (a wide scope)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_sums_kept import CITIES, YEARS, records, seeded

from iekg.graph import neo4j_sums, sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.graph.sums import CrosswalkAligned
from iekg.queries.cooperation import inactive_words
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope

SCOPES = [list(CITIES), ["410100"], ["410200", "410300"]]


def answers(store: Store) -> list[Any]:
    """Every scope's and year's counts and lists, asked in an order that reuses the one read and one that does not
    (the list first, other words, the counts without any word), each checked against the pandas reference."""
    words = inactive_words()
    out: list[Any] = []
    for cities in SCOPES:
        for year in YEARS:
            store.forget()
            aligned = ScopeSums.gather(store, Scope(tuple(cities), year)).aligned
            for kind, said in (("list", words), ("counts", words), ("list", ("进行中",)), ("counts", ()),
                               ("list", ())):
                if kind == "counts":
                    got = store.cooperation_counts(cities, year, CrosswalkAligned(aligned), said)
                    want = sums.cooperation_counts(store, cities, year, aligned, said)
                    assert list(got["industry"]) == sorted(got["industry"])
                else:
                    got = store.cooperation_list(cities, year, CrosswalkAligned(aligned), said)
                    want = sums.cooperation_list(store, cities, year, aligned, said)
                    order = ["industry", "enterprise", "institution"]
                    assert got[order].values.tolist() == want[order].values.tolist(), (cities, year, said)
                assert records(got) == records(want), (kind, cities, year, said)
                out.append((kind, tuple(cities), year, tuple(said), records(got)))
    return out


def test_counts_and_list_from_one_read_on_sqlite(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "graph.sqlite")
    store.apply(seeded(), fresh=True)
    got = answers(store)
    # the graph has cooperations left out and counted in each scope, so the checks above compare something
    assert any(kind == "list" and rows for kind, *_, rows in got)
    assert any(kind == "counts" and any(r["cooperating"] for r in rows) for kind, *_, rows in got)
    store.close()


@pytest.mark.neo4j
def test_counts_and_list_from_one_read_on_neo4j_both_ways(neo: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite = SqliteStore(tmp_path / "graph.sqlite")
    sqlite.apply(seeded(), fresh=True)
    neo.apply(seeded(), fresh=True)
    want = answers(sqlite)
    monkeypatch.setattr(neo4j_sums, "COOP_SCAN_CITIES", 99)  # every scope from its enterprises
    assert answers(neo) == want
    monkeypatch.setattr(neo4j_sums, "COOP_SCAN_CITIES", 1)  # every scope by the pass over the year's nodes
    assert answers(neo) == want
    sqlite.close()
