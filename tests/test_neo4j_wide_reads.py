"""Neo4j's reads behind a city's gaps and the nationwide questions' data coverage (issue 20), each the embedded
store's answer on a small graph:

* a city's kept first programs (``top_offers`` of one city) taken as they are kept, not merged on the server;
* the years, the year's offering institutions and the near years' counts of a scope from one read of the kept
  programs per institution and year (memoised until the next write)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store

CITIES = ("410100", "410200", "420100")
MAJORS = ("460104", "460105", "510201", "510202")


def _changes(extra: bool = False) -> ChangeSet:
    """Six institutions in three cities (one in none), four majors, programs in 2023 and 2024 with ties in volume;
    ``extra``: one more program in 2023 of a new institution in 420100 (an import that changes the counts)."""
    c = ChangeSet()
    for code in CITIES:
        c.add_node("City", code, {"name": f"市{code}"})
    for k, m in enumerate(MAJORS):
        c.add_node("Major", m, {"name": f"专业{m}", **({"level": "高职专科"} if k != 1 else {})})
    insts = {"4141010001": "410200", "4141010002": "410200", "4141010003": "410100", "4242010004": "420100",
             "4242010005": "420100", "4141010009": None}
    for ident, city in insts.items():
        u = c.add_node("Institution", ident, {"name": ident, "level": "本科" if ident.endswith("3") else "高职专科"})
        if city:
            c.add_rel("LOCATED_IN", u, f"City:{city}")
    programs = [("4141010001", "460104", 2024, {"graduates": 300}), ("4141010002", "460104", 2024, {"graduates": 300}),
                ("4141010001", "460104", 2023, {"graduates": 250}), ("4141010001", "510201", 2024, {"graduates": 90}),
                ("4141010002", "460105", 2024, {"enrollment": 360}), ("4141010003", "460104", 2024, {"graduates": 120}),
                ("4141010003", "460105", 2024, {"enrollment": 360}), ("4242010004", "460104", 2024, {"graduates": 70}),
                ("4242010004", "510202", 2023, {"graduates": 40}), ("4242010005", "510201", 2024, {"graduates": 90}),
                ("4141010009", "460104", 2024, {"graduates": 5})]
    if extra:
        u = c.add_node("Institution", "4242010006", {"name": "4242010006", "level": "高职专科"})
        c.add_rel("LOCATED_IN", u, "City:420100")
        programs.append(("4242010006", "510202", 2023, {"graduates": 10}))
    for inst, major, year, props in programs:
        c.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", {"year": year, **props})
    return c


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(tuple(None if v != v else v for v in r) for r in frame.itertuples(index=False, name=None))


def _years(store: Store, cities: list[str]) -> list[Any]:
    return [store.offer_years(cities).to_dict(), _rows(store.offer_year_counts(cities)),
            _rows(store.offer_year_counts(cities, [2023])), sorted(store.offering_institutions(cities, 2024)),
            sorted(store.offering_institutions(cities, 2023)), sorted(store.offering_institutions(cities, 2022))]


WEIGHTS = {"36": [("460104", 1.0), ("460105", 0.5)], "65": [("510201", 1.0), ("510202", 0.25)]}


def _tops(store: Store, cities: list[str], limit: int) -> list[tuple[Any, ...]]:
    from iekg.queries.supply import DURATION

    return [tuple(r) for r in store.top_offers(cities, 2024, WEIGHTS, DURATION, limit).itertuples(index=False)]


@pytest.mark.neo4j
def test_wide_reads_as_the_embedded_store(neo: Any) -> None:
    s = SqliteStore()
    s.apply(_changes())
    neo.apply(_changes())
    assert neo.sums_ready() and neo.top_ready()
    for cities in (["410200"], ["410100", "410200"], list(CITIES)):
        assert _years(neo, cities) == _years(s, cities)
        for limit in (1, 2, 5):  # one city's kept lists as they are; two or three cities' merged
            assert _tops(neo, cities, limit) == _tops(s, cities, limit)
    assert _years(s, list(CITIES))[:3] == [{2023: 2, 2024: 8}, [(2023, 2, 2), (2024, 8, 5)], [(2023, 2, 2)]]
    assert _tops(s, ["410200"], 2)[:2] == [("36", "4141010001", "460104", 2024, 300.0),
                                            ("36", "4141010002", "460104", 2024, 300.0)]

    # the years read once per graph version: an import changes them
    neo.apply(_changes(extra=True))
    s.apply(_changes(extra=True))
    assert _years(neo, list(CITIES)) == _years(s, list(CITIES))
    assert _years(s, list(CITIES))[:3] == [{2023: 3, 2024: 8}, [(2023, 3, 3), (2024, 8, 5)], [(2023, 3, 3)]]


class _Counted:
    """The driver, with what each read costs the server counted: managed transactions (``execute_query``), auto-commit
    queries (a session's ``run``) and the statements of explicit transactions (``begin_transaction``, then ``run``)."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.calls: dict[str, int] = {"execute_query": 0, "autocommit": 0, "begin": 0, "in_tx": 0}

    def execute_query(self, *a: Any, **kw: Any) -> Any:
        self.calls["execute_query"] += 1
        return self._driver.execute_query(*a, **kw)

    def session(self, **kw: Any) -> Any:
        return _CountedSession(self._driver.session(**kw), self.calls)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)


class _CountedSession:
    def __init__(self, session: Any, calls: dict[str, int]) -> None:
        self._session, self._calls = session, calls

    def __enter__(self) -> _CountedSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._session.close()

    def run(self, *a: Any, **kw: Any) -> Any:
        self._calls["autocommit"] += 1
        return self._session.run(*a, **kw)

    def begin_transaction(self, *a: Any, **kw: Any) -> Any:
        self._calls["begin"] += 1
        tx, calls = self._session.begin_transaction(*a, **kw), self._calls

        class Tx:
            def run(self, *a: Any, **kw: Any) -> Any:
                calls["in_tx"] += 1
                return tx.run(*a, **kw)

            def __getattr__(self, name: str) -> Any:
                return getattr(tx, name)

        return Tx()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@pytest.mark.neo4j
def test_an_answer_reads_in_one_transaction(neo: Any) -> None:
    """An answer's reads, the graph version first, are the statements of one read transaction: no managed transaction
    per read, whose BEGIN, COMMIT and the pooled connection's liveness check are round trips of their own — with the
    read timeout the settings give by default too, which then bounds the transaction (a read that outlasts it is
    stopped).  The answer is the one read without it, the embedded store's too; a read that fails ends the
    transaction and the answer's further reads still answer; a write within an answer is seen by its next read."""
    import json

    from iekg.graph.neo4jstore import Neo4jStore
    from iekg.service import analysis

    neo.apply(_changes())
    s = SqliteStore()
    s.apply(_changes())

    def answer(store: Store) -> str:
        got = analysis.alignment(store, cities=["410200"])
        return json.dumps(got.data, sort_keys=True, ensure_ascii=False, default=str)

    from iekg.settings import Settings

    counted = _Counted(neo.driver)
    store = Neo4jStore(counted, neo.database)
    store.query_timeout = Settings().neo4j_query_timeout  # (what the CLI and the API run with)
    assert store.query_timeout
    got = answer(store)
    assert counted.calls["execute_query"] == counted.calls["autocommit"] == 0
    assert counted.calls["begin"] == 1 and counted.calls["in_tx"] > 5

    class Alone(Neo4jStore):
        def _answer_tx(self) -> Any:
            return None  # (every read its own query)

    assert got == answer(Alone(neo.driver, neo.database)) == answer(s)

    from neo4j.exceptions import ClientError

    store.query_timeout = 0.5
    with store.pinned(), pytest.raises(ClientError, match="(?i)timed? ?out|terminated"):
        store._read("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS n")  # (minutes)
    store.query_timeout = None

    with store.pinned():
        assert store.get("City:410200") is not None
        with pytest.raises(ClientError):
            store._read("RETURN 1 / 0 AS x")
        assert store.get("City:410100") is not None  # (the transaction that failed is not used again)
        assert store.get("Zone:Z1") is None
        z = ChangeSet()
        z.add_node("Zone", "Z1", {"name": "区"})
        store.apply(z)
        assert store.get("Zone:Z1") is not None
    assert store.get("Zone:Z1") is not None


@pytest.mark.neo4j
def test_wide_cooperation_pass_as_the_embedded_store(neo: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide scope's cooperation counts and left-out list, from the pass over the year's kept cooperations (one row
    per industry with its enterprises) joined to the scope's (enterprise, industry) pairs (read as each industry's
    enterprises), are the embedded store's and the pandas reference's: with an enterprise in two industries of one
    大类 (3411 and 34, counted once in 34), cooperations without a status or left out, institutions and enterprises
    outside a scope."""
    from test_cooperation_one_read import answers
    from test_sums_kept import seeded

    from iekg.graph import neo4j_sums
    from iekg.queries.cooperation import inactive_words

    cs = seeded()
    cs.add_node("Industry", "34", {"name": "行业34"})
    cs.add_rel("IN_INDUSTRY", "Enterprise:E3", "Industry:34")
    cs.add_rel("ALIGNS_WITH", "MajorCategory:MC1", "Industry:34", {"weight": 0.5})
    s = SqliteStore(tmp_path / "graph.sqlite")
    s.apply(cs, fresh=True)
    neo.apply(cs, fresh=True)
    monkeypatch.setattr(neo4j_sums, "COOP_SCAN_CITIES", 1)  # every scope by the pass over the year's nodes
    got = answers(neo)
    assert got == answers(s)
    every = {(kind, cities, year, said): rows for kind, cities, year, said, rows in got}
    words = tuple(inactive_words())
    wide = ("410100", "410200", "410300")
    # E3 (in 3411 and 34) one enterprise of 34; in 2023 one of its cooperations has no status
    assert every[("counts", wide, 2023, words)] == [
        {"industry": "C14", "enterprises": 1, "cooperating": 0, "left_out_enterprises": 1, "unstated": 0},
        {"industry": "13", "enterprises": 1, "cooperating": 1, "left_out_enterprises": 0, "unstated": 0},
        {"industry": "34", "enterprises": 1, "cooperating": 1, "left_out_enterprises": 0, "unstated": 1}]
    assert [(r["industry"], r["institution"], r["enterprise"], r["status"])
            for r in every[("list", wide, 2024, words)]] == [
        ("13", "I2", "E1", "已结束"), ("13", "I3", "E1", "筹建中"), ("C14", "I1", "E2", "已结束"),
        ("34", "I2", "E3", "已到期")]
    s.close()
