"""Neo4j's kept sums within the server's transaction memory.

The scale-100 graph's largest city (333,000 programs) could not have its kept first programs computed with the
launcher's default 1g heap: the statement sorted every program of the city at once (twice), the server refused
it (``MemoryPoolOutOfMemoryError``), and ``iekg sync`` / ``reindex`` / any import into that city failed with a
driver traceback.  Each city × year × major's programs are now sorted on their own.  These tests run a server of
their own with a small per-transaction memory limit (``IEKG_NEO4J_TX_MEMORY`` of scripts/neo4j-local:
``db.memory.transaction.max``) on a city whose every program sorted at once needs more than that limit, and
check that the kept sums are still computed — and right — and that a statement the server has no memory for is
a clear error that leaves the graph answering.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from iekg.graph import neo4j_sums
from iekg.graph.store import ChangeSet, StoreError
from iekg.graph.sums import KEPT_DURATIONS, KEPT_TOP

pytestmark = pytest.mark.neo4j

CITY = "410100"
N_INST, N_MAJOR, YEAR = 120, 150, 2024  # 18,000 programs in one city and year
# the old statement (every program of the city sorted at once) needed about 8 MB at this size; the new one 3 MB
LIMIT = "5m"


def _graph() -> ChangeSet:
    cs = ChangeSet()
    cs.add_node("City", CITY, {"name": "郑州市", "source_kind": "illustrative"})
    for j in range(N_MAJOR):
        cs.add_node("Major", f"M{j:03d}", {"name": f"专业{j}", "level": ("本科", "高职专科")[j % 2]})
    for i in range(N_INST):
        inst = f"I{i:03d}"
        cs.add_node("Institution", inst, {"name": f"学校{i}", "level": "本科"})
        cs.add_rel("LOCATED_IN", f"Institution:{inst}", f"City:{CITY}")
        for j in range(N_MAJOR):
            # volumes with ties (graduates repeat every 7 institutions) and enrollment-only programs
            props: dict[str, Any] = {"year": YEAR}
            if (i + j) % 5:
                props["graduates"] = (i * 13 + j) % 7 * 10
            else:
                props["enrollment"] = 40 + i % 3
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:M{j:03d}", props)
    return cs


def _expected() -> dict[str, tuple[list[str], list[float], list[str]]]:
    """Each major's first KEPT_TOP programs by volume (descending, then institution) and by institution."""
    out = {}
    for j in range(N_MAJOR):
        level = ("本科", "高职专科")[j % 2]
        rows = []
        for i in range(N_INST):
            vol = float((i * 13 + j) % 7 * 10) if (i + j) % 5 else (40 + i % 3) / float(KEPT_DURATIONS[level])
            rows.append((f"I{i:03d}", vol))
        top = sorted(rows, key=lambda r: (-r[1], r[0]))[:KEPT_TOP]
        out[f"M{j:03d}"] = ([r[0] for r in top], [r[1] for r in top], sorted(r[0] for r in rows)[:KEPT_TOP])
    return out


def _kept(store: Any) -> dict[str, tuple[list[str], list[float], list[str]]]:
    rows = store._read("MATCH (s:IekgTopSum {city: $city, year: $year}) RETURN s.major AS m, s.vi AS vi, "
                       "s.vv AS vv, s.ii AS ii", city=CITY, year=YEAR)
    return {r["m"]: (list(r["vi"]), [float(v) for v in r["vv"]], list(r["ii"])) for r in rows}


# the statement this change replaced (every program of the city sorted at once, twice)
OLD_FILL_TOP = (
    "UNWIND $cities AS cid MATCH (:City {id: cid})<-[:LOCATED_IN]-(i:Institution)-[o:OFFERS]->(m:Major) "
    "WITH cid, i, m, o, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
    "     $durations[coalesce(m.level, i.level, '')] AS dur "
    "WITH cid, o.year AS year, m.id AS major, i.id AS institution, "
    "  CASE WHEN g IS NOT NULL THEN g WHEN e IS NOT NULL AND dur IS NOT NULL THEN e / toFloat(dur) ELSE 0.0 END "
    "  AS volume ORDER BY cid, year, major, institution "
    "WITH cid, year, major, collect(institution)[..$limit] AS ii, collect([institution, volume]) AS rows "
    "UNWIND rows AS r WITH cid, year, major, ii, r[0] AS institution, r[1] AS volume "
    "ORDER BY cid, year, major, volume DESC, institution "
    "WITH cid, year, major, ii, collect([institution, volume])[..$limit] AS top "
    "CREATE (s:IekgMeta:IekgTopSum) SET s.city = cid, s.year = year, s.major = major, "
    "  s.vi = [x IN top | x[0]], s.vv = [x IN top | x[1]], s.ii = ii")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server of its own holding the large city, started again with transactions of at most LIMIT (the
    load itself needs more)."""
    from neo4j import GraphDatabase
    from neo4j_server import dedicated, free_port, start, stop

    from iekg.graph.neo4jstore import Neo4jStore

    srv = dedicated(tmp_path_factory.mktemp("neo4j-txmem"))
    assert srv.data is not None
    try:
        with GraphDatabase.driver(srv.uri, auth=(srv.user, srv.password)) as driver:
            Neo4jStore(driver).apply(_graph())
        stop(srv.data)
        saved = os.environ.get("IEKG_NEO4J_TX_MEMORY")
        os.environ["IEKG_NEO4J_TX_MEMORY"] = LIMIT
        try:
            uri = start(srv.data, free_port())
        finally:
            if saved is None:
                os.environ.pop("IEKG_NEO4J_TX_MEMORY")
            else:
                os.environ["IEKG_NEO4J_TX_MEMORY"] = saved
        # (a transient error is retried for 1 s, as the CLI's driver does, not the driver's default 30 s)
        with GraphDatabase.driver(uri, auth=(srv.user, srv.password), max_transaction_retry_time=1.0) as driver:
            yield Neo4jStore(driver)
    finally:
        stop(srv.data)


def test_the_city_sorted_at_once_does_not_fit_the_limit(big: Any) -> None:
    """The premise: the statement this change replaced runs out of the limit on this city (so the next test
    would fail with it)."""
    durations = {str(k): float(v) for k, v in KEPT_DURATIONS.items()}
    with pytest.raises(Exception, match="MemoryPoolOutOfMemoryError"):
        with big._session() as session:
            session.execute_write(lambda tx: tx.run(OLD_FILL_TOP, cities=[CITY], limit=KEPT_TOP,
                                                    durations=durations).consume())


def test_reindex_keeps_a_large_citys_first_programs_within_the_limit(big: Any) -> None:
    assert big.reindex() == (1, 0)
    assert big.top_ready()
    kept = _kept(big)
    assert kept == _expected()
    # graduates 60 (i ≡ 1 mod 7), ties by institution; I015 offers it with enrollment only (10 a year)
    assert kept["M000"][0][:3] == ["I001", "I008", "I022"] and kept["M000"][1][:3] == [60.0, 60.0, 60.0]


def test_no_memory_for_the_sums_is_a_clear_error_and_the_graph_still_answers(big: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from iekg.service import analysis

    before = analysis.alignment(big, cities=[CITY]).data
    monkeypatch.setattr(neo4j_sums, "FILL_TOP", OLD_FILL_TOP)  # a statement the server has no memory for
    with pytest.raises(StoreError, match="IEKG_NEO4J_HEAP") as caught:
        big.reindex()
    assert "iekg reindex" in str(caught.value) and "MemoryPoolOutOfMemoryError" in str(caught.value)
    assert not big.sums_ready()  # marked incomplete: the reads sum the relationships
    big.forget()
    assert analysis.alignment(big, cities=[CITY]).data == before
    monkeypatch.undo()
    big.reindex()  # with the statement that fits, the sums are whole again
    assert big.top_ready() and _kept(big) == _expected()
