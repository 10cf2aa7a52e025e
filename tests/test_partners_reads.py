"""The set-at-a-time reads behind partners and who trains (issue 20): a few majors' programs of one year read
from the majors' end, the institution's level read only where a major has none, what is in the cities read once
per graph version — each giving exactly the rows of the plain reads, on a small graph with hand-made answers."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest

from iekg.graph import neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.queries.scope import located_in
from iekg.queries.supply import scope_programs

A, B, C = "4141010001", "4141010002", "4242010003"


def _graph() -> SqliteStore:
    c = ChangeSet()
    for code in ("410100", "410200", "420100"):
        c.add_node("City", code, {"name": code})
    c.add_node("Major", "460104", {"name": "机械制造及自动化", "level": "高职专科"})
    c.add_node("Major", "460105", {"name": "数控技术"})  # no level: the institution's counts
    c.add_node("Major", "510201", {"name": "计算机应用技术", "level": "高职专科"})
    for ident, city, level in ((A, "410200", "高职专科"), (B, "410100", "本科"), (C, "420100", "高职专科")):
        u = c.add_node("Institution", ident, {"name": ident, "level": level})
        c.add_rel("LOCATED_IN", u, f"City:{city}")
    c.add_node("Institution", "4141010009", {"name": "无所在地"})  # located nowhere
    for inst, major, year, props in ((A, "460104", 2024, {"graduates": 300}),
                                     (A, "460104", 2023, {"graduates": 250}),
                                     (A, "510201", 2024, {"graduates": 90}),
                                     (B, "460104", 2024, {"graduates": 120}),
                                     (B, "460105", 2024, {"enrollment": 360}),  # 本科: 360 / 4 = 90
                                     (C, "460104", 2024, {"graduates": 70}),
                                     ("4141010009", "460104", 2024, {"graduates": 5})):
        c.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", {"year": year, **props})
    s = SqliteStore()
    s.apply(c)
    return s


def test_offers_of_a_few_majors_read_from_their_end() -> None:
    s = _graph()
    got = s.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_label="Institution", dst_label="Major",
                      dst_ids=["460104", "460105"], where={"year": 2024})
    rows = sorted(tuple(None if v != v else v for v in r) for r in got.itertuples(index=False))
    assert rows == [(A, "460104", 2024, 300, None), (B, "460104", 2024, 120, None), (B, "460105", 2024, None, 360),
                    ("4141010009", "460104", 2024, 5, None), (C, "460104", 2024, 70, None)]
    # the same rows as the filter on both ends
    plain = s.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_label="Institution", dst_label="Major",
                        src_ids=[A, B, C, "4141010009"], dst_ids=["460104", "460105"], where={"year": 2024})
    assert sorted(map(str, got.itertuples(index=False))) == sorted(map(str, plain.itertuples(index=False)))
    assert len(s.rel_frame("OFFERS", dst_ids=["460104"], where={"year": 2023})) == 1
    assert s.rel_frame("OFFERS", src_label="Enterprise", dst_ids=["460104"], where={"year": 2024}).empty


def test_scope_programs_of_majors_keep_the_scope_and_the_level_rule() -> None:
    s = _graph()
    got, year = scope_programs(s, ["410100", "410200"], None, majors=["460104", "460105"])
    assert year == 2024
    assert got[["institution", "major", "city", "volume", "estimate"]].values.tolist() == [
        [B, "460104", "410100", 120.0, False], [B, "460105", "410100", 90.0, True],
        [A, "460104", "410200", 300.0, False]]
    whole, _ = scope_programs(s, ["410100", "410200"], None)
    assert whole[whole["major"].isin(["460104", "460105"])].reset_index(drop=True).equals(got)
    one, _ = scope_programs(s, ["410100", "410200"], None, majors=["460105"], institutions=[B])
    assert one[["institution", "major", "volume"]].values.tolist() == [[B, "460105", 90.0]]


def test_located_in_read_once_and_never_shared() -> None:
    s = _graph()
    first = located_in(s, "Institution", cities=iter(["410200", "410100"]))
    assert sorted(first.values.tolist()) == [[A, "410200"], [B, "410100"]]
    first.loc[0, "city"] = "999999"
    again = located_in(s, "Institution", cities=["410100", "410200"])
    assert sorted(again.values.tolist()) == [[A, "410200"], [B, "410100"]]
    assert located_in(s, "Institution", ids=[C])[["id", "city"]].values.tolist() == [[C, "420100"]]


def _partner_graph(n_other: int) -> SqliteStore:
    """One institution training for 汽车制造业 (36); three enterprises in it and ``n_other`` in 65, which it does
    not supply: with few others the candidates are most of the enterprises (read in one pass), else by id."""
    c = ChangeSet()
    c.add_node("City", "410200", {"name": "开封市"})
    c.add_node("Industry", "36", {"name": "汽车制造业"})
    c.add_node("Industry", "65", {"name": "软件和信息技术服务业"})
    c.add_node("MajorCategory", "4607", {"name": "汽车制造类"})
    c.add_rel("ALIGNS_WITH", "MajorCategory:4607", "Industry:36", {"weight": 1.0})
    m = c.add_node("Major", "460702", {"name": "新能源汽车技术", "level": "高职专科"})
    c.add_rel("SUBCLASS_OF", m, "MajorCategory:4607")
    i = c.add_node("Institution", A, {"name": "开封职院", "level": "高职专科"})
    c.add_rel("LOCATED_IN", i, "City:410200")
    c.add_rel("OFFERS", i, m, {"year": 2024, "graduates": 100})
    for k, (ind, emp) in enumerate([("36", 1000), ("36", None), ("36", 10)] + [("65", 50)] * n_other):
        e = c.add_node("Enterprise", f"E{k}", {"name": f"企业{k}", **({} if emp is None else {"employees": emp})})
        c.add_rel("IN_INDUSTRY", e, f"Industry:{ind}")
        c.add_rel("LOCATED_IN", e, "City:410200")
    s = SqliteStore()
    s.apply(c)
    return s


def test_partner_employees_the_same_read_in_one_pass_or_by_id() -> None:
    from iekg.queries.partners import partners_for_institution

    got = []
    for n_other in (1, 5):  # 3 candidates of 4 enterprises (one pass), of 8 (by id)
        res = partners_for_institution(_partner_graph(n_other), A)
        got.append([(r["id"], r["employees"], r["components"]["capacity"], r["score"]) for r in res["results"]])
        assert res["candidates"] == 3
    # capacity log(1 + 10) / log(1 + 1000) = 0.347081; score 0.5 + 0.25 + 0.15 × capacity
    assert got[0] == got[1] == [("E0", 1000, 1.0, 0.9), ("E2", 10, 0.347081, 0.802062), ("E1", None, 0.0, 0.75)]


def _offer_graph() -> ChangeSet:
    """Two cities' programs of 2024 with every kind of count: graduates, an enrolment only, no figure, a major
    without level; and one program of 2023."""
    c = ChangeSet()
    for code in ("410100", "410200"):
        c.add_node("City", code, {"name": code})
    for ident, level in (("M1", "本科"), ("M2", None), ("M3", "高职专科"), ("M4", "高职专科")):
        c.add_node("Major", ident, {"name": ident, **({} if level is None else {"level": level})})
    for ident, city, level in ((A, "410100", "本科"), (B, "410200", "高职专科")):
        c.add_node("Institution", ident, {"name": ident, "level": level})
        c.add_rel("LOCATED_IN", f"Institution:{ident}", f"City:{city}")
    for inst, major, year, props in ((A, "M1", 2024, {"graduates": 50}), (A, "M2", 2024, {"enrollment": 400}),
                                     (B, "M3", 2024, {"graduates": 30}), (B, "M1", 2024, {"enrollment": 90}),
                                     (B, "M4", 2024, {}), (B, "M3", 2023, {"graduates": 20})):
        c.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", {"year": year, **props})
    return c


def _count_rows(frame: Any) -> list[tuple[Any, ...]]:
    return [tuple(None if v is None or v != v else v for v in r) for r in frame.itertuples(index=False, name=None)]


# per city × major level × institution level: programs, those with graduates, those with an enrolment only
OFFER_COUNTS_2024 = [("410100", "本科", "本科", 1, 1, 0), ("410100", None, "本科", 1, 0, 1),
                     ("410200", "本科", "高职专科", 1, 0, 1), ("410200", "高职专科", "高职专科", 2, 1, 0)]


def test_offer_counts_of_the_country_exact() -> None:
    s = SqliteStore()
    s.apply(_offer_graph())
    assert _count_rows(s.offer_counts(["410100", "410200"], 2024)) == OFFER_COUNTS_2024
    assert _count_rows(s.offer_counts(["410200"], 2023)) == [("410200", "高职专科", "高职专科", 1, 1, 0)]


@pytest.mark.neo4j
def test_neo4j_offer_counts_from_the_packs_as_from_the_sum_nodes(neo: Any) -> None:
    """Neo4j counts the programs from the cities' packed sums (IekgOfferPack), a city whose pack holds no lists from
    its sum nodes: the same rows as the sum nodes and the embedded store."""
    neo.apply(_offer_graph())
    assert neo.packs_ready()
    both = ["410100", "410200"]
    assert _count_rows(neo.offer_counts(both, 2024)) == OFFER_COUNTS_2024
    assert _count_rows(neo.offer_counts(["410200"], 2023)) == [("410200", "高职专科", "高职专科", 1, 1, 0)]
    assert neo.offer_counts(both, 2022).empty and neo.offer_counts(["999999"], 2024).empty
    # a pack without lists (a key that is not text, as the kept sums leave it): that city from its sum nodes
    neo.driver.execute_query(f"MATCH (p:{neo4j_sums.OFFER_PACK} {{city: $c}}) SET p.packed = false "
                             "REMOVE p.major, p.programs", c="410100")
    assert _count_rows(neo.offer_counts(both, 2024)) == OFFER_COUNTS_2024
    with patch.object(type(neo), "packs_ready", return_value=False):  # the sum nodes only
        assert _count_rows(neo.offer_counts(both, 2024)) == OFFER_COUNTS_2024
