"""Which cities are illustrative, set at a time (iekg.queries.provenance.illustrative_cities, for ``compare``
and ``readiness --all``): each city's answer is the one-city scope's (scope_is_illustrative), whichever kind of
fact makes it so, read in one pass for all the cities."""

from __future__ import annotations

from typing import Any

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.queries.provenance import illustrative_cities, scope_is_illustrative

DEMO = {"source_kind": "illustrative"}
USER = {"source_kind": "user"}
# city -> the one illustrative fact it has (None: nothing illustrative)
FACTS = {"410100": None, "410200": "link", "410300": "enterprise", "410400": "program", "410500": "demand",
         "410600": "focus", "410700": "problem", "410800": "measure", "410900": "base"}


def _store() -> SqliteStore:
    c = ChangeSet()
    c.add_node("Major", "460104", {"name": "机械制造及自动化", **USER})
    c.add_node("Industry", "34", {"name": "通用设备制造业", **USER})
    c.add_node("IndustryChain", "CH", {"name": "链", **USER})
    for code, fact in FACTS.items():
        city = c.add_node("City", code, {"name": code, **USER})

        def kind(f: str) -> dict[str, Any]:
            return DEMO if fact == f else USER  # noqa: B023

        inst = c.add_node("Institution", f"I{code}", {"name": "某院校", **USER})
        c.add_rel("LOCATED_IN", inst, city, kind("link"))
        ent = c.add_node("Enterprise", f"E{code}", {"name": "某企业", **kind("enterprise")})
        c.add_rel("LOCATED_IN", ent, city, USER)
        base = c.add_node("TrainingBase", f"T{code}", {"name": "某基地", **kind("base")})
        c.add_rel("LOCATED_IN", base, city, USER)
        c.add_rel("OFFERS", inst, "Major:460104", {"year": 2024, "graduates": 10, **kind("program")})
        c.add_rel("FOCUSES_ON", city, "IndustryChain:CH", kind("focus"))
        c.add_rel("DEMANDS", city, "Industry:34", {"year": 2024, "headcount": 5, "city_code": code, **kind("demand")})
        c.add_rel("RAISES", city, c.add_node("Problem", f"P{code}", {"name": "问题", **kind("problem")}), USER)
        c.add_rel("PROPOSES", city, c.add_node("Measure", f"M{code}", {"name": "措施", **kind("measure")}), USER)
    s = SqliteStore()
    s.apply(c)
    return s


def test_each_city_as_its_own_scope() -> None:
    s = _store()
    want = {code for code, fact in FACTS.items() if fact is not None}
    assert {c for c in FACTS if scope_is_illustrative(s, [c])} == want
    assert illustrative_cities(s, list(FACTS)) == want
    assert illustrative_cities(s, ["410100", "410700"]) == {"410700"}
    assert illustrative_cities(s, ["410100"]) == set() and illustrative_cities(s, []) == set()
    assert scope_is_illustrative(s, ["410100", "410800"]) and not scope_is_illustrative(s, ["410100"])
