"""Neo4j's provinces' first programs (``IekgTopScope``, sums version 6): a province's ``top_offers`` read from one
merged list per major is what merging its cities' kept lists gives and what the embedded store gives; the packs
follow imports that change the programs, move a city to another province or delete a province; a set of cities
that is not a province's (or no longer) is merged as before; a pack changed behind the store's back is what Neo4j
answers until ``reindex``.
"""

from __future__ import annotations

from typing import Any

import pytest

from iekg.graph import neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.supply import DURATION

pytestmark = pytest.mark.neo4j

PROVINCES = {"410000": ("410100", "410200", "410300"), "420000": ("420100", "420200")}
MAJORS = ("460104", "460105", "510201")
# every major weighted > 0 (the gaps' case: no weight-0 pair), one major in two keys
WEIGHTS = {"36": [("460104", 1.0), ("460105", 0.5)], "65": [("510201", 1.0), ("460104", 0.25)]}


def _changes() -> ChangeSet:
    """Two provinces of three and two cities, two institutions per city, programs in 2023 and 2024 with ties in
    volume across cities (the merge orders them by institution)."""
    c = ChangeSet()
    for prov, cities in PROVINCES.items():
        c.add_node("Province", prov, {"name": f"省{prov}"})
        for city in cities:
            c.add_node("City", city, {"name": f"市{city}"})
            c.add_rel("PART_OF", f"City:{city}", f"Province:{prov}")
    for m in MAJORS:
        c.add_node("Major", m, {"name": f"专业{m}", "level": "高职专科"})
    k = 0
    for cities in PROVINCES.values():
        for city in cities:
            for j in range(2):
                ident = f"{city}{j}"
                c.add_node("Institution", ident, {"name": ident, "level": "高职专科"})
                c.add_rel("LOCATED_IN", f"Institution:{ident}", f"City:{city}")
                for n, m in enumerate(MAJORS):
                    if (k + n) % 3 == 2:
                        continue
                    for year in (2023, 2024):
                        props = {"graduates": 100 + 10 * ((k * 7 + n) % 4)} if (k + n) % 4 else {"enrollment": 360}
                        c.add_rel("OFFERS", f"Institution:{ident}", f"Major:{m}", {"year": year, **props})
                k += 1
    return c


def _tops(store: Store, cities: list[str], year: int, limit: int) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.top_offers(cities, year, WEIGHTS, DURATION, limit).itertuples(index=False)]


def _merged(store: Any, cities: list[str], year: int, limit: int) -> list[tuple[Any, ...]]:
    """:func:`_tops` with the cities' lists merged on the server (the packs not read)."""
    store.top_scopes_ready = lambda: False
    try:
        return _tops(store, cities, year, limit)
    finally:
        del store.top_scopes_ready


def _known(store: Any, cities: list[str]) -> bool:
    recs = store._read(neo4j_sums.READ_TOP_SCOPE, scope=neo4j_sums.scope_key(cities), year=2024,
                       wanted={m: True for m in MAJORS}, limit=20)
    return bool(recs and recs[0]["known"])


def _same(neo: Any, sqlite: SqliteStore, scopes: list[list[str]]) -> None:
    for cities in scopes:
        for year in (2023, 2024, 1999):
            for limit in (1, 3, 20):
                got = _tops(neo, cities, year, limit)
                assert got == _merged(neo, cities, year, limit) == _tops(sqlite, cities, year, limit), (cities, year)


def _apply(neo: Any, sqlite: SqliteStore, cs: ChangeSet, **kw: Any) -> None:
    neo.apply(cs, **kw)
    sqlite.apply(cs, **kw)


def test_province_packs_are_the_merged_lists(neo: Any) -> None:
    sqlite = SqliteStore()
    _apply(neo, sqlite, _changes())
    assert neo.top_scopes_ready()
    hubei, henan = list(PROVINCES["420000"]), list(PROVINCES["410000"])
    assert _known(neo, henan) and _known(neo, hubei)
    assert not _known(neo, henan[:2]) and not _known(neo, henan + hubei)  # (other sets: merged as before)
    _same(neo, sqlite, [henan, hubei, henan[:2], henan + hubei])
    # exact: key 36 of Henan in 2024, the first three (volume, then institution: a tie across two cities)
    assert _tops(neo, henan, 2024, 3)[:3] == [("36", "4101001", "460104", 2024, 130.0),
                                               ("36", "4101000", "460104", 2024, 120.0),
                                               ("36", "4103000", "460104", 2024, 120.0)]

    # an import that changes one city's programs: its province's packs follow, the other's stay
    cs = ChangeSet()
    cs.add_rel("OFFERS", "Institution:4102001", "Major:460105", {"year": 2024, "graduates": 999})
    _apply(neo, sqlite, cs)
    _same(neo, sqlite, [henan, hubei])
    assert ("36", "4102001", "460105", 2024, 499.5) in _tops(neo, henan, 2024, 1)

    # a city moved to the other province: both provinces' packs are of their new cities, the old sets merged
    cs = ChangeSet()
    cs.replace.add(("City:410300", "PART_OF"))
    cs.add_rel("PART_OF", "City:410300", "Province:420000")
    _apply(neo, sqlite, cs)
    moved_henan, moved_hubei = henan[:2], sorted([*hubei, "410300"])
    assert _known(neo, moved_henan) and _known(neo, moved_hubei)
    assert not _known(neo, henan) and not _known(neo, hubei)
    _same(neo, sqlite, [moved_henan, moved_hubei, henan, hubei])

    # a province deleted: its packs go
    cs = ChangeSet()
    cs.delete_nodes.add("Province:420000")
    _apply(neo, sqlite, cs)
    assert not _known(neo, moved_hubei) and _known(neo, moved_henan)
    _same(neo, sqlite, [moved_henan, moved_hubei])
    sqlite.close()


def test_the_packs_are_what_neo4j_answers_and_reindex_restores_them(neo: Any) -> None:
    neo.apply(_changes())
    henan = list(PROVINCES["410000"])
    before = _tops(neo, henan, 2024, 20)
    neo._write(f"MATCH (s:{neo4j_sums.TOP_SCOPE} {{province: '410000', major: '460104'}}) "
               "SET s.vv = [x IN s.vv | x + 1.0]")
    neo.forget()
    changed = _tops(neo, henan, 2024, 20)
    assert changed != before and [r for r in changed if r[2] != "460104"] == [r for r in before if r[2] != "460104"]
    assert _tops(neo, henan[:2], 2024, 20) == _merged(neo, henan[:2], 2024, 20)  # (not a province's set: merged)
    neo.reindex()
    assert _tops(neo, henan, 2024, 20) == before == _merged(neo, henan, 2024, 20)
    # a database of layout 5 reads the cities' lists merged
    neo._write(f"MATCH (s:{neo4j_sums.TOP_SCOPE}) SET s.vv = [x IN s.vv | x + 1.0]")
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 5")
    neo.forget()
    assert not neo.top_scopes_ready() and neo.top_ready()
    assert _tops(neo, henan, 2024, 20) == before
