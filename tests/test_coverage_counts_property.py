"""What data coverage counts never disagrees with the programs: after random import sequences (programs added,
changed and replaced, institutions moved between cities, levels changed, nodes deleted … the operations of
tests/test_sums_kept.py), ``Store.offer_counts`` (programs, those with graduates, those with an enrolment only,
per city and levels) and ``Store.offering_institutions`` (who offers programs in a year) equal what the OFFERS
rows themselves give — counted here from ``rel_frame`` / ``node_frame`` with plain Python, not through the
kept sums nor the pandas reference of :mod:`iekg.graph.sums` — on both stores, for each city, all of them, a
city without institutions and an unknown one, in every year and a year without programs.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from conftest import clean_neo4j_store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sums_kept import CITIES, YEARS, change, operation, seeded

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store

SCOPES = [[c] for c in CITIES] + [list(CITIES), ["419001"], ["999999"]]
ASKED_YEARS = (*YEARS, 2031)  # 2031: no program in that year


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _level(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def rows_of(store: Store, cities: list[str], year: int) -> list[tuple[str, str, Any, Any, Any, Any]]:
    """The year's programs of the institutions located in ``cities``: (institution, city, major level,
    institution level, graduates, enrolment), one per OFFERS row and location (an institution in two cities
    counts in each, as the sums count it)."""
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=cities)
    where: dict[str, list[str]] = {}
    for i, c in zip(loc["src"], loc["dst"], strict=True):
        where.setdefault(str(i), []).append(str(c))
    offers = store.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_label="Institution",
                             dst_label="Major")
    majors = store.node_frame("Major", ["level"])
    insts = store.node_frame("Institution", ["level"])
    mlevel = {str(i): _level(v) for i, v in zip(majors["id"], majors["level"], strict=True)}
    ilevel = {str(i): _level(v) for i, v in zip(insts["id"], insts["level"], strict=True)}
    out = []
    for src, dst, y, g, e in zip(offers["src"], offers["dst"], offers["year"], offers["graduates"],
                                 offers["enrollment"], strict=True):
        if _number(y) != year:
            continue
        for city in where.get(str(src), []):
            out.append((str(src), city, mlevel.get(str(dst)), ilevel.get(str(src)), g, e))
    return out


def counts_from_rows(rows: list[tuple[str, str, Any, Any, Any, Any]]) -> list[tuple[Any, ...]]:
    acc: dict[tuple[Any, Any, Any], list[int]] = {}
    for _, city, ml, il, g, e in rows:
        got = acc.setdefault((city, ml, il), [0, 0, 0])
        got[0] += 1
        got[1] += _number(g) is not None
        got[2] += _number(g) is None and _number(e) is not None
    return sorted(((*k, *v) for k, v in acc.items()), key=repr)


def counts_of(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(((c, _level(ml), _level(il), int(n), int(g), int(e)) for c, ml, il, n, g, e in
                   frame[["city", "major_level", "inst_level", "programs", "with_graduates",
                          "enrollment_only_n"]].itertuples(index=False, name=None)), key=repr)


def assert_coverage_counts_equal_rows(store: Store) -> None:
    for cities in SCOPES:
        for year in ASKED_YEARS:
            rows = rows_of(store, cities, year)
            got = store.offer_counts(cities, year)
            assert counts_of(got) == counts_from_rows(rows), (cities, year)
            keys = got[["city", "major_level", "inst_level"]].astype(object).where(got[["city", "major_level",
                                                                                       "inst_level"]].notna(), None)
            assert [tuple(k) for k in keys.itertuples(index=False, name=None)] == sorted(
                (tuple(k) for k in keys.itertuples(index=False, name=None)),
                key=lambda k: tuple((x is None, x or "") for x in k)), (cities, year)  # sorted, None last
            assert store.offering_institutions(cities, year) == {r[0] for r in rows}, (cities, year)


def _run(store: Store, ops: list[tuple[Any, ...]]) -> None:
    store.apply(seeded(), fresh=True)
    assert_coverage_counts_equal_rows(store)
    for op in ops:
        store.apply(change(op))
        assert_coverage_counts_equal_rows(store)
    store.reindex()  # and the same after a recompute of every kept sum
    assert_coverage_counts_equal_rows(store)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=8))
def test_offer_counts_and_offering_institutions_equal_the_rows_sqlite(ops: list[tuple[Any, ...]]) -> None:
    _run(SqliteStore(), ops)


def test_the_rows_counted_here_are_not_empty() -> None:
    """The check above compares non-trivial numbers: the seeded graph has programs in every year and city."""
    store = SqliteStore()
    store.apply(seeded(), fresh=True)
    for year in YEARS:
        got = counts_from_rows(rows_of(store, list(CITIES), year))
        assert sum(r[3] for r in got) == 4 and sum(r[4] for r in got) == 4, got  # 4 programs, all with graduates
        assert store.offering_institutions(list(CITIES), year) == {"I1", "I2", "I3", "I4"}
    assert counts_of(store.offer_counts(list(CITIES), 2031)) == []
    assert store.offering_institutions(list(CITIES), 2031) == set()


@pytest.fixture(scope="module")
def neo(neo4j_server: Any):  # type: ignore[no-untyped-def]
    with clean_neo4j_store(neo4j_server) as store:
        yield store


@pytest.mark.neo4j
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=6))
def test_offer_counts_and_offering_institutions_equal_the_rows_neo4j(neo: Any, ops: list[tuple[Any, ...]]) -> None:
    _run(neo, ops)
