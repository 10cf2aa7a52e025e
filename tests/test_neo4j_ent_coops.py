"""Neo4j's kept cooperation packs (``IekgEntPack``, sums version 5): the chain gaps' findings read from them
(each enterprise's cooperations that count and the statuses of the others) are the very rows the embedded store
gives and the interface's default reading the relationships gives — statuses left out, unknown, missing and not
text, enterprises without cooperations; a pack changed behind the store's back is what Neo4j answers; a pack that
could not be packed, and a database of layout 4, are read from the cooperations until the next import packs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_sums_kept import CITIES, SEGMENTS, chain_records, seeded

from iekg.graph import neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.cooperation import inactive_words

pytestmark = pytest.mark.neo4j

KEYS = {"one": [CITIES[0]], "other": [CITIES[1]], "all": list(CITIES), "none": ["999999"]}
SEGS = {"one": ["S1"], "other": list(SEGMENTS), "all": list(SEGMENTS), "none": list(SEGMENTS)}


def graph() -> ChangeSet:
    """:func:`test_sums_kept.seeded` (every institution cooperating with every enterprise, statuses left out,
    ongoing, unknown and missing) with a status that is not text, and an enterprise without any cooperation in a
    segment, and one whose only cooperation is left out."""
    cs = seeded()
    cs.add_rel("COOPERATES_WITH", "Institution:I4", "Enterprise:E2", {"type": "订单班", "status": 7})
    cs.add_node("Enterprise", "E9", {"name": "企业E9", "employees": 40})
    cs.add_rel("LOCATED_IN", "Enterprise:E9", f"City:{CITIES[0]}")
    cs.add_rel("IN_SEGMENT", "Enterprise:E9", "ChainSegment:S1", {"role": "配套"})
    cs.add_node("Enterprise", "E8", {"name": "企业E8", "employees": 12})
    cs.add_rel("LOCATED_IN", "Enterprise:E8", f"City:{CITIES[1]}")
    cs.add_rel("IN_SEGMENT", "Enterprise:E8", "ChainSegment:S2", {"role": "链主"})
    cs.add_rel("COOPERATES_WITH", "Institution:I1", "Enterprise:E8", {"type": "订单班", "status": "已结束"})
    return cs


def rows(frame: Any) -> list[tuple[Any, ...]]:
    """:func:`test_sums_kept.chain_records`, staff missing as None (NaN is not equal to itself)."""
    return [(*r[:4], None if r[4] != r[4] else r[4], *r[5:]) for r in chain_records(frame)]


def chains(store: Any) -> list[Any]:
    """The chain gaps' findings read by ``store``, with the status words and without, then their counts of
    enterprises without a cooperation that counts (compare's)."""
    words = (sorted(inactive_words()), [])
    return [*(rows(store.chain_enterprises(KEYS, SEGS, w)) for w in words),
            *(store.chain_lonely_counts(KEYS, SEGS, w) for w in words)]


def default(store: Any) -> list[Any]:
    """The same read by the interface's defaults, from the relationships."""
    words = (sorted(inactive_words()), [])
    return [*(rows(Store.chain_enterprises(store, KEYS, SEGS, w)) for w in words),
            *(Store.chain_lonely_counts(store, KEYS, SEGS, w) for w in words)]


def test_chain_findings_from_the_packs_are_the_rows_on_both_stores(neo: Any, tmp_path: Path) -> None:
    sqlite = SqliteStore(tmp_path / "graph.sqlite")
    sqlite.apply(graph(), fresh=True)
    neo.apply(graph(), fresh=True)
    assert neo.ent_packs_ready() and neo.packs_ready() and neo.top_ready()
    got = chains(neo)
    assert got == chains(sqlite)
    assert got == default(neo)
    # the answer's exact numbers: E3 (in 410100) has 4 cooperations, those of I1 and I2 left out (筹建中, 已到期),
    # 其他 and the missing status counted; E2 (in 410200) 5, three left out, 其他 and the status 7 counted; E9 none
    found = {(k, e, s): (n, left) for k, e, s, _, _, n, left in got[0]}
    assert found[("one", "E3", "S1")] == (2, ("已到期", "筹建中"))
    assert found[("other", "E2", "S2")] == (2, ("已到期", "已结束", "筹建中"))
    assert found[("one", "E9", "S1")] == (0, ())
    assert found[("other", "E8", "S2")] == (0, ("已结束",))
    assert not any(k == "none" for k, *_ in got[0])
    assert {(k, e, s): n for k, e, s, _, _, n, _ in got[1]}[("other", "E2", "S2")] == 5  # (no words: all count)
    # compare's counts: E9 (no cooperation) and E8 (its only one left out); without the words E8's counts
    assert got[2:] == [{"all": 2, "one": 1, "other": 1}, {"all": 1, "one": 1}]
    sqlite.close()


def test_the_packs_are_what_neo4j_answers_and_layout_4_reads_the_cooperations(neo: Any) -> None:
    neo.apply(graph(), fresh=True)
    before = chains(neo)
    # a pack changed behind the store's back: its enterprises' counts move (E3 is in the first city's pack)
    neo._write(f"MATCH (p:{neo4j_sums.ENT_PACK} {{city: $c}}) SET p.n = [x IN p.n | x + 1]", c=CITIES[0])
    neo.forget()
    moved = chains(neo)
    assert moved != before
    assert {(k, e, s): n for k, e, s, _, _, n, _ in moved[0]}[("one", "E3", "S1")] == 3
    # a pack whose enterprises could not be packed (an id that is not text): the cooperations are read instead
    neo._write(f"MATCH (p:{neo4j_sums.ENT_PACK} {{city: $c}}) SET p.packed = false", c=CITIES[0])
    neo.forget()
    assert chains(neo) == before
    # layout 4 (the offer packs, no cooperation packs): the cooperations are read; its other kept sums still are
    neo._write(f"MATCH (p:{neo4j_sums.ENT_PACK} {{city: $c}}) SET p.packed = true", c=CITIES[0])
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 4")
    neo.forget()
    assert neo.sums_ready() and neo.top_ready() and neo.packs_ready() and not neo.ent_packs_ready()
    assert chains(neo) == before
    cs = ChangeSet()  # the next import recomputes every kept sum, the packs with them
    cs.add_rel("COOPERATES_WITH", "Institution:I2", "Enterprise:E9", {"type": "订单班", "status": "已结束"})
    neo.apply(cs)
    assert neo.ent_packs_ready()
    after = chains(neo)
    assert {(k, e, s): (n, left) for k, e, s, _, _, n, left in after[0]}[("one", "E3", "S1")] == (2, ("已到期", "筹建中"))
    assert {(k, e, s): (n, left) for k, e, s, _, _, n, left in after[0]}[("one", "E9", "S1")] == (0, ("已结束",))
    assert after == default(neo)


def test_an_import_repacks_the_cities_it_touches(neo: Any) -> None:
    """An institution's cooperations replaced, an enterprise moved, its segment, role and staff changed, a chain
    segment and a city deleted: each import repacks the cities before and after, read as the relationships."""
    neo.apply(graph(), fresh=True)

    def packs() -> dict[str, list[Any]]:
        return {r["c"]: sorted(zip(r["e"], r["n"], strict=True)) for r in neo._read(
            f"MATCH (p:{neo4j_sums.ENT_PACK}) RETURN p.city AS c, p.enterprises AS e, p.n AS n")}

    def links() -> dict[str, list[Any]]:
        return {r["c"]: sorted(r["l"]) for r in neo._read(
            f"MATCH (p:{neo4j_sums.ENT_PACK}) RETURN p.city AS c, p.link_ents AS l")}

    assert packs() == {CITIES[0]: [("E1", 5), ("E3", 4)], CITIES[1]: [("E2", 5), ("E8", 1)]}
    assert links() == {CITIES[0]: ["E1", "E3", "E9"], CITIES[1]: ["E2", "E8"]}
    cs = ChangeSet()
    cs.replace.add(("Institution:I1", "COOPERATES_WITH"))  # I1 keeps only its cooperation with E3 (E8 has none)
    cs.add_rel("COOPERATES_WITH", "Institution:I1", "Enterprise:E3", {"type": "实习实训", "status": "已结束"})
    neo.apply(cs)
    assert packs() == {CITIES[0]: [("E1", 3), ("E3", 4)], CITIES[1]: [("E2", 4)]}  # (E8: its link only)
    assert chains(neo) == default(neo)
    cs = ChangeSet()
    cs.replace.add(("Enterprise:E2", "LOCATED_IN"))
    cs.add_rel("LOCATED_IN", "Enterprise:E2", f"City:{CITIES[2]}")
    neo.apply(cs)
    assert packs() == {CITIES[0]: [("E1", 3), ("E3", 4)], CITIES[1]: [], CITIES[2]: [("E2", 4)]}
    assert links() == {CITIES[0]: ["E1", "E3", "E9"], CITIES[1]: ["E8"], CITIES[2]: ["E2"]}
    cs = ChangeSet()  # E8 moves to S1 without a role, E3's staff is known now
    cs.add_rel("IN_SEGMENT", "Enterprise:E8", "ChainSegment:S1", {})
    cs.add_node("Enterprise", "E3", {"employees": 300})
    neo.apply(cs)
    got = chains(neo)
    assert got == default(neo)
    assert [r for r in got[0] if r[1] in ("E3", "E8")] == [
        ("all", "E3", "S1", "配套", 300.0, 2, ("已到期", "已结束")), ("all", "E8", "S1", "", 12.0, 0, ()),
        ("one", "E3", "S1", "配套", 300.0, 2, ("已到期", "已结束")), ("other", "E8", "S1", "", 12.0, 0, ())]
    cs = ChangeSet()
    cs.delete_nodes.add("ChainSegment:S2")  # (E1's and E2's links go with it)
    neo.apply(cs)
    assert links() == {CITIES[0]: ["E3", "E9"], CITIES[1]: ["E8"], CITIES[2]: []}
    assert chains(neo) == default(neo)
    cs = ChangeSet()
    cs.delete_nodes.add(f"City:{CITIES[2]}")
    neo.apply(cs)
    assert packs() == {CITIES[0]: [("E1", 3), ("E3", 4)], CITIES[1]: []}
    assert chains(neo) == default(neo)
