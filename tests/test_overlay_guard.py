"""A scenario's overlay (iekg.plan.scenario.Overlay) defines the Store methods whose answer its changes move and
hands every other one to the real store.  A Store method added later for the measures, and not defined by the
overlay, would silently skip a scenario's changes: this test makes every public Store method be either defined
by the overlay, refused by it (a write), or forwarded on purpose with the reason its answer cannot move."""

from __future__ import annotations

import inspect

import pytest

from iekg.graph.store import Store
from iekg.plan.scenario import Overlay

# writes: a scenario never writes to the graph
REFUSED = {"apply", "clear", "save_scenario", "delete_scenario", "reindex"}

# reads handed to the real store, and why a scenario's changes (programs, demand, cooperations, training bases in
# its scope and year) cannot show in them
FORWARDED = {
    "neighbours": "the measures walk only policy links (RAISES, PROPOSES, SETS_TARGET); a scenario adds none",
    "nodes": "the measures list the cities; a scenario adds no city",
    "offer_year_list": "a scenario changes programs only in a year that already has programs",
    "get_many": "path search and the explorer only, which never take an overlay",
    "links": "path search only",
    "link_keys": "path search only",
    "rels_by_key": "path search and the explorer only",
    "search": "the search box only",
    "counts": "the graph's size (iekg info), not a measure",
    "source_kind_counts": "the graph's sources (iekg info), not a measure",
    "snapshot": "the stores' parity tests only",
    "iter_nodes": "a copy of the whole graph (iekg sync), never a measure's read",
    "iter_rels": "a copy of the whole graph (iekg sync), never a measure's read",
    "import_history": "the import history, not a measure",
    "scenario": "saved scenario documents, not graph data",
    "scenarios": "saved scenario documents, not graph data",
    "sums_ready": "the kept sums' state; the overlay's own sums are computed from its rows",
    "pinned": "one graph version per answer; the overlay reads that version",
    "close": "closing the real store's connection",
    "rel_spill": "the build's spill file, a write path",
}


def _public(cls: type) -> set[str]:
    return {n for n, v in inspect.getmembers(cls) if not n.startswith("_") and callable(v)}


def test_every_store_method_is_defined_refused_or_forwarded_with_a_reason() -> None:
    defined = {n for n in vars(Overlay) if not n.startswith("_")}
    unclassified = sorted(_public(Store) - defined - REFUSED - set(FORWARDED))
    assert not unclassified, (
        f"Store methods the scenario overlay neither defines nor lists: {unclassified}. If a measure reads "
        "through one, define it on Overlay so a scenario's changes show; else add it to FORWARDED with the reason")
    # the lists stay true: nothing listed as forwarded is in fact defined (or gone from Store)
    assert not (set(FORWARDED) & defined), sorted(set(FORWARDED) & defined)
    assert set(FORWARDED) <= _public(Store), sorted(set(FORWARDED) - _public(Store))
    assert REFUSED <= _public(Store)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_writes_are_refused(name: str) -> None:
    ov = Overlay.__new__(Overlay)  # the delegation alone: no graph is needed to refuse a write
    ov._store = object()  # type: ignore[assignment]
    with pytest.raises(PermissionError):
        getattr(ov, name)
