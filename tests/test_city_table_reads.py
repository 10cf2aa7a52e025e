"""Two reads of ``compare`` and ``readiness --all`` over every city: Store.targets_with — the ends among some ids
that at least one such relationship reaches (the other end's sources_with), what the illustrative check asks of the
cities' links — and Store.located_nodes with ``among`` — the cities' enterprises at the levels a metric counts, the
others not read out.  The same answers on both stores and from the row-reading defaults."""

from __future__ import annotations

from typing import Any

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store

DEMO = {"source_kind": "illustrative"}
USER = {"source_kind": "user"}


def _changes() -> ChangeSet:
    """Four cities: 410100 with an illustrative institution link, 410200 with a user one only, 410300 with an
    illustrative enterprise link and a user institution link, 410400 with no institution; enterprises at levels
    国家级 (E2, in 410100), 市级 (E3), none (E4), 省级培育 (E5) and 省级 (E1)."""
    c = ChangeSet()
    for code in ("410100", "410200", "410300", "410400"):
        c.add_node("City", code, {"name": code, **USER})
    a = c.add_node("Institution", "I1", {"name": "甲", **USER})
    b = c.add_node("Institution", "I2", {"name": "乙", **DEMO})  # (the node's kind is not the link's)
    d = c.add_node("Institution", "I3", {"name": "丙", **USER})
    e = c.add_node("Enterprise", "E1", {"name": "丁", "iei_level": "省级", **USER})
    for k, level in enumerate(["国家级", "市级", None, "省级培育"]):
        props = {"name": f"企业{k}", **USER} | ({"iei_level": level} if level else {})
        c.add_rel("LOCATED_IN", c.add_node("Enterprise", f"E{k + 2}", props), f"City:410{k + 1}00", USER)
    c.add_rel("LOCATED_IN", a, "City:410100", DEMO)
    c.add_rel("LOCATED_IN", b, "City:410200", USER)
    c.add_rel("LOCATED_IN", d, "City:410300", USER)
    c.add_rel("LOCATED_IN", e, "City:410300", DEMO)
    return c


def _asked(s: Store) -> list[Any]:
    cities = ["410100", "410200", "410300", "410400", "999999"]
    return [
        s.targets_with("LOCATED_IN", "City", cities, src_label="Institution", where=DEMO),
        s.targets_with("LOCATED_IN", "City", cities, src_label="Enterprise", where=DEMO),
        s.targets_with("LOCATED_IN", "City", cities, where=DEMO),
        s.targets_with("LOCATED_IN", "City", cities, src_label="Institution"),
        s.targets_with("LOCATED_IN", "City", ["410200", "410400"], where=DEMO),
        s.targets_with("LOCATED_IN", "City", [], src_label="Institution"),
    ]


WANT = [{"410100"}, {"410300"}, {"410100", "410300"}, {"410100", "410200", "410300"}, set(), set()]


def _located(s: Store) -> list[Any]:
    cities = ["410100", "410200", "410300", "410400", "999999"]

    def rows(f: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(r) for r in f.itertuples(index=False, name=None))

    return [rows(s.located_nodes("Enterprise", cities, ["iei_level", "name"],
                                 among={"iei_level": ["省级培育", "省级", "国家级"]})),
            rows(s.located_nodes("Enterprise", cities, ["name"], among={"iei_level": ["市级"], "name": ["企业1"]})),
            rows(s.located_nodes("Enterprise", cities, among={"iei_level": []})),
            rows(s.located_nodes("Enterprise", ["410200"], ["iei_level"], among={"iei_level": ["省级", "国家级"]}))]


LOCATED = [[("E1", "省级", "丁", "410300"), ("E2", "国家级", "企业0", "410100"),
            ("E5", "省级培育", "企业3", "410400")],
           [("E3", "企业1", "410200")], [], []]


def test_embedded_store_and_the_default() -> None:
    s = SqliteStore()
    s.apply(_changes())
    assert _asked(s) == WANT
    assert [Store.targets_with(s, "LOCATED_IN", "City", ["410100", "410200", "410300"], src_label=lb, where=DEMO)
            for lb in ("Institution", "Enterprise")] == [{"410100"}, {"410300"}]
    assert _located(s) == LOCATED
    assert [sorted(tuple(r) for r in Store.located_nodes(s, "Enterprise", ["410100", "410400"], ["iei_level"],
                                                         among={"iei_level": lv}).itertuples(index=False, name=None))
            for lv in (["国家级", "省级培育"], ["市级"])] == [
        [("E2", "国家级", "410100"), ("E5", "省级培育", "410400")], []]


def test_neo4j_as_the_embedded_store(neo: Any) -> None:
    neo.apply(_changes())
    assert _asked(neo) == WANT
    assert _located(neo) == LOCATED
