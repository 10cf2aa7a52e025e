"""Issue 20 (national latency), set at a time: the pieces the city table and the trend read once for many scopes
give what the one-scope functions give for each scope — the focus-chain segments, the chain gaps counted without
building them, and the alignment without its cooperation parts (on the Henan demo graph)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import demo_copy

from iekg.graph.sqlitestore import SqliteStore
from iekg.queries.alignment import alignment, focus_segments, focus_segments_each
from iekg.queries.gaps import chain_gap_counts, chain_gaps
from iekg.queries.scope import Scope
from iekg.service.places import all_cities

COOP_KEYS = ("cooperation_density", "cooperating", "cooperations_left_out", "enterprises")


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("set-at-a-time")) / "graph.sqlite")
    yield s
    s.close()


def scopes_of(store: SqliteStore) -> dict[str, Scope]:
    """Every city its own scope, and two scopes of several cities (one with a city of another scope)."""
    cities = all_cities(store)
    out = {c: Scope((c,), 2024) for c in cities}
    out["pair"] = Scope(("410100", "410200"), 2024)
    out["three"] = Scope(("410200", "410300", "410900"), 2024)
    return out


def test_focus_segments_of_many_scopes_equal_each_scope_read_alone(store: SqliteStore) -> None:
    scopes = scopes_of(store)
    store.forget()
    many = focus_segments_each(store, {k: sc.cities for k, sc in scopes.items()})
    for k, sc in scopes.items():
        store.forget()
        alone = focus_segments(store, sc)
        assert many[k].equals(alone), k
    assert len(many["410200"]) == 15 and sorted(set(many["410200"]["chain"])) == ["HN-AE-03", "HN-NEV-01"]
    assert (many["pair"]["chain"].nunique(), len(many["pair"])) == (5, 38)


def test_chain_gaps_counted_for_many_scopes_equal_the_gaps_built_for_each(store: SqliteStore) -> None:
    scopes = scopes_of(store)
    store.forget()
    aligns = {k: alignment(store, sc) for k, sc in scopes.items()}
    counted = chain_gap_counts(store, scopes, aligns)
    for k, sc in scopes.items():
        store.forget()
        built = Counter(g["type"] for g in chain_gaps(store, sc, aligns[k]))
        assert counted[k] == {t: built.get(t, 0) for t in ("uncovered_segment", "no_cooperation",
                                                            "no_training_base")}, k
    assert counted["410200"] == {"uncovered_segment": 0, "no_cooperation": 4, "no_training_base": 1}
    assert sum(n for c in counted.values() for n in c.values()) > 40


def test_alignment_without_cooperation_has_every_other_figure(store: SqliteStore) -> None:
    for sc in (Scope(("410200",), 2024), Scope(("410100", "410200"), 2024)):
        full = alignment(store, sc)
        lean = alignment(store, sc, cooperation=False)
        assert "cooperation" not in lean and full["cooperation"]["rule"]
        assert {k: v for k, v in full.items() if k not in ("cooperation", "industries")} == {
            k: v for k, v in lean.items() if k != "industries"}
        assert [{k: v for k, v in i.items() if k not in COOP_KEYS} for i in full["industries"]] == lean["industries"]
        assert all(not set(COOP_KEYS) & set(i) for i in lean["industries"]) and len(lean["industries"]) > 10
