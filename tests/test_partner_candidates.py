"""Partners of an institution: where its candidate enterprises are and their employees, read either from the
cities' end in one read with the nodes' employees (``Store.located_nodes``, tens of thousands of candidates) or by
the candidates' ids (a few) — the same answer either way and on both stores, an enterprise in no city included,
and a 4-digit industry code counted for its 大类."""

from __future__ import annotations

import math
from typing import Any

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries import partners
from iekg.queries.partners import partners_for_institution

INST = "4141010001"


def _changes() -> ChangeSet:
    """One institution in 开封 training 100 graduates a year for 汽车制造业 (36); enterprises in 36 in its city,
    in 36's 小类 3612 in another city of the province, in 36 in no city, in 36 in another province, and one in 65,
    which it does not train for, and one located (wrongly) in two cities: taken in the first by code."""
    c = ChangeSet()
    for prov, cities in (("410000", ("410200", "410100")), ("420000", ("420100",))):
        c.add_node("Province", prov, {"name": prov})
        for city in cities:
            c.add_node("City", city, {"name": f"市{city}"})
            c.add_rel("PART_OF", f"City:{city}", f"Province:{prov}")
    c.add_node("Industry", "36", {"name": "汽车制造业"})
    c.add_node("Industry", "3612", {"name": "改装汽车制造"})
    c.add_rel("SUBCLASS_OF", "Industry:3612", "Industry:36")
    c.add_node("Industry", "65", {"name": "软件和信息技术服务业"})
    c.add_node("MajorCategory", "4607", {"name": "汽车制造类"})
    c.add_rel("ALIGNS_WITH", "MajorCategory:4607", "Industry:36", {"weight": 1.0})
    m = c.add_node("Major", "460702", {"name": "新能源汽车技术", "level": "高职专科"})
    c.add_rel("SUBCLASS_OF", m, "MajorCategory:4607")
    i = c.add_node("Institution", INST, {"name": "开封职院", "level": "高职专科"})
    c.add_rel("LOCATED_IN", i, "City:410200")
    c.add_rel("OFFERS", i, m, {"year": 2024, "graduates": 100})
    for ident, industry, cities, employees in (("E0", "36", ["410200"], 1000), ("E1", "3612", ["410100"], None),
                                               ("E2", "36", [], 10), ("E3", "36", ["420100"], 500),
                                               ("E4", "65", ["410200"], 50), ("E5", "36", ["420100", "410200"], 1)):
        e = c.add_node("Enterprise", ident, {"name": f"企业{ident}",
                                             **({} if employees is None else {"employees": employees})})
        c.add_rel("IN_INDUSTRY", e, f"Industry:{industry}")
        for city in cities:
            c.add_rel("LOCATED_IN", e, f"City:{city}")
    return c


def _answers(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The answer with the candidates read by id (the default for a few) and from the cities' end."""
    got = []
    for few in (partners.FEW_CANDIDATES, 0):
        monkeypatch.setattr(partners, "FEW_CANDIDATES", few)
        store.forget()
        got.append(partners_for_institution(store, INST, limit=None))
    return got


def _check(res: dict[str, Any]) -> None:
    assert res["candidates"] == 5
    rows = [(r["id"], r["city"], r["industry"], r["industry_code"], r["employees"], r["components"]["distance"],
             r["components"]["capacity"], r["score"]) for r in res["results"]]
    cap = round(math.log1p(500) / math.log1p(1000), 6)  # 0.899816
    low = round(math.log1p(10) / math.log1p(1000), 6)  # 0.347081
    one = round(math.log1p(1) / math.log1p(1000), 6)  # 0.100343
    # score = 0.5 × alignment (1: its one industry) + 0.25 × distance + 0.15 × capacity (no cooperation)
    assert rows == [("E0", "410200", "36", "36", 1000, 1.0, 1.0, 0.9),
                    ("E5", "410200", "36", "36", 1, 1.0, one, round(0.75 + 0.15 * one, 6)),
                    ("E3", "420100", "36", "36", 500, 0.0, cap, round(0.5 + 0.15 * cap, 6)),
                    ("E1", "410100", "36", "3612", None, 0.5, 0.0, 0.625),
                    ("E2", None, "36", "36", 10, 0.0, low, round(0.5 + 0.15 * low, 6))]
    assert [r["explanation"].split("；")[0] for r in res["results"]] == ["同城", "同城", "异地（市420100）",
                                                                        "同省（市410100）", "所在地不详"]


def test_partner_candidates_read_from_the_cities_or_by_id_give_the_same_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = SqliteStore()
    s.apply(_changes())
    by_id, from_cities = _answers(s, monkeypatch)
    _check(by_id)
    assert from_cities == by_id


@pytest.mark.neo4j
def test_partner_candidates_the_same_answer_on_neo4j(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s = SqliteStore()
    s.apply(_changes())
    neo.apply(_changes())
    want = partners_for_institution(s, INST, limit=None)
    by_id, from_cities = _answers(neo, monkeypatch)
    _check(by_id)
    assert by_id == from_cities == want
