"""The one provenance rule (iekg.queries.provenance): which results are marked illustrative."""

from __future__ import annotations

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.queries.provenance import is_illustrative, scope_is_illustrative

DEMO = {"source_kind": "illustrative"}
USER = {"source_kind": "user"}


def _store(fact: str | None) -> SqliteStore:
    """Two cities; in 410200 a user's institution, enterprise and program, and one illustrative ``fact``."""
    c = ChangeSet()
    for code in ("410100", "410200"):
        c.add_node("City", code, {"name": code, **USER})
    inst = c.add_node("Institution", "I1", {"name": "某院校", **USER})
    c.add_node("Major", "460104", {"name": "机械制造及自动化", **USER})
    c.add_rel("LOCATED_IN", inst, "City:410200", USER)
    ent = c.add_node("Enterprise", "E1", {"name": "某企业", **(DEMO if fact == "enterprise" else USER)})
    c.add_rel("LOCATED_IN", ent, "City:410200", USER)
    c.add_rel("OFFERS", inst, "Major:460104", {"year": 2024, "graduates": 10, **(DEMO if fact == "program" else USER)})
    c.add_node("IndustryChain", "CH", {"name": "链", **USER})
    c.add_rel("FOCUSES_ON", "City:410200", "IndustryChain:CH", DEMO if fact == "focus" else USER)
    c.add_node("Industry", "34", {"name": "通用设备制造业", **USER})
    c.add_rel("DEMANDS", "City:410200", "Industry:34", {"year": 2024, "headcount": 5, "city_code": "410200",
                                                       **(DEMO if fact == "demand" else USER)})
    s = SqliteStore()
    s.apply(c)
    return s


def test_is_illustrative() -> None:
    assert is_illustrative(DEMO) and not is_illustrative(USER) and not is_illustrative({})


@pytest.mark.parametrize("fact", ["enterprise", "program", "focus", "demand"])
def test_any_illustrative_fact_of_the_scope_marks_it(fact: str) -> None:
    s = _store(fact)
    assert scope_is_illustrative(s, ["410200"])
    assert not scope_is_illustrative(s, ["410100"])  # the other city rests on nothing illustrative


def test_nothing_illustrative() -> None:
    s = _store(None)
    assert not scope_is_illustrative(s, ["410200", "410100"]) and not scope_is_illustrative(s, [])
