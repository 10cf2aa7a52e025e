"""Relation queries on small in-memory graphs with hand-computed answers.

The main graph (``_graph``): three cities in two provinces, a hydraulic-equipment chain with two
segments, four institutions' programs (one known only by its enrollment), four enterprises, two
cooperations and some talent demand.  Crosswalk (rolled up to 大类):

* 4601 机械设计制造类 → 3441 (a 4-digit code, rolls up to 34) 0.6, 36 0.4
* 4503 水利工程与管理类 → 76 0.5, 3441 0.5
* 5102 计算机类 → 65 1.0
* the major 460702 has its own weights: 36 1.0
"""

from __future__ import annotations

import math

import pytest

from iekg.graph.schema import REL_TYPES
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.queries.partners import PartnerWeights, partners_for_enterprise, partners_for_institution
from iekg.queries.paths import (
    all_paths,
    neighbours,
    shortest_path,
)
from iekg.queries.who import who_hires, who_trains_for

I1, I2, I3 = "4141010001", "4141010002", "4242010003"  # 开封, 郑州, 武汉
E1, E2, E3, E4 = "E-ZZ-PUMP", "E-KF-PUMP", "E-ZZ-SOFT", "E-WH-AUTO"
CHAIN, S1, S2 = "HN-HE-01", "HN-HE-01-S1", "HN-HE-01-S2"
KNOWLEDGE = ("OFFERS", "SUBCLASS_OF", "ALIGNS_WITH", "MAPS_TO", "PART_OF")


def _graph() -> SqliteStore:
    c = ChangeSet()
    hn = c.add_node("Province", "410000", {"name": "河南省"})
    hb = c.add_node("Province", "420000", {"name": "湖北省"})
    for code, name, prov in (("410100", "郑州市", hn), ("410200", "开封市", hn), ("420100", "武汉市", hb)):
        c.add_rel("PART_OF", c.add_node("City", code, {"name": name}), prov)
    c.add_node("Agency", "某厅", {"name": "某厅"})  # isolated

    for code, name, parent in (("C", "制造业", None), ("34", "通用设备制造业", "C"),
                               ("344", "泵、阀门、压缩机及类似机械制造", "34"), ("3441", "泵及真空设备制造", "344"),
                               ("36", "汽车制造业", "C"), ("65", "软件和信息技术服务业", None),
                               ("76", "水利管理业", None)):
        u = c.add_node("Industry", code, {"name": name})
        if parent:
            c.add_rel("SUBCLASS_OF", u, f"Industry:{parent}")

    for div, dname in (("45", "水利大类"), ("46", "装备制造大类"), ("51", "电子与信息大类")):
        c.add_node("MajorDivision", div, {"name": dname})
    for cat, cname, div, weights in (("4503", "水利工程与管理类", "45", {"76": 0.5, "3441": 0.5}),
                                     ("4601", "机械设计制造类", "46", {"3441": 0.6, "36": 0.4}),
                                     ("5102", "计算机类", "51", {"65": 1.0})):
        u = c.add_node("MajorCategory", cat, {"name": cname})
        c.add_rel("SUBCLASS_OF", u, f"MajorDivision:{div}")
        for ind, w in weights.items():
            c.add_rel("ALIGNS_WITH", u, f"Industry:{ind}", {"weight": w})
    for code, name, cat in (("450301", "水利工程", "4503"), ("460104", "机械制造及自动化", "4601"),
                            ("460105", "数控技术", "4601"), ("460702", "新能源汽车技术", "4601"),
                            ("510201", "计算机应用技术", "5102")):
        u = c.add_node("Major", code, {"name": name, "level": "高职专科"})
        c.add_rel("SUBCLASS_OF", u, f"MajorCategory:{cat}")
    c.add_rel("ALIGNS_WITH", "Major:460702", "Industry:36", {"weight": 1.0})

    for ident, name, city in ((I1, "黄河水利职业技术学院", "410200"), (I2, "郑州机械职业学院", "410100"),
                              (I3, "武汉机电职业学院", "420100")):
        u = c.add_node("Institution", ident, {"name": name, "level": "高职专科"})
        c.add_rel("LOCATED_IN", u, f"City:{city}")
    for inst, major, year, props in ((I1, "450301", 2024, {"graduates": 200}),
                                     (I1, "460104", 2024, {"graduates": 300}),
                                     (I1, "460104", 2023, {"graduates": 250}),
                                     (I2, "460104", 2024, {"graduates": 300}),
                                     (I2, "460105", 2024, {"enrollment": 360}),  # estimate: 360 / 3 = 120
                                     (I2, "510201", 2024, {"graduates": 100}),
                                     (I3, "460104", 2024, {"graduates": 300})):
        c.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", {"year": year, **props})

    ch = c.add_node("IndustryChain", CHAIN, {"name": "水利装备产业链"})
    s1 = c.add_node("ChainSegment", S1, {"name": "泵阀核心部件", "position": "上游"})
    s2 = c.add_node("ChainSegment", S2, {"name": "水利工程运维", "position": "下游"})
    c.add_rel("PART_OF", s1, ch)
    c.add_rel("PART_OF", s2, ch)
    c.add_rel("MAPS_TO", s1, "Industry:3441")
    c.add_rel("MAPS_TO", s2, "Industry:76")
    c.add_rel("FEEDS", s1, s2)
    c.add_rel("FOCUSES_ON", "City:410200", ch)

    for ident, name, ind, city, emp in ((E1, "郑州泵业（示例）", "3441", "410100", 1000),
                                        (E2, "开封泵阀（示例）", "344", "410200", 100),
                                        (E3, "郑州软件（示例）", "65", "410100", 500),
                                        (E4, "武汉汽车（示例）", "36", "420100", 2000)):
        u = c.add_node("Enterprise", ident, {"name": name, "employees": emp})
        c.add_rel("IN_INDUSTRY", u, f"Industry:{ind}")
        c.add_rel("LOCATED_IN", u, f"City:{city}")
    c.add_rel("IN_SEGMENT", f"Enterprise:{E1}", s1, {"role": "链主"})
    c.add_rel("COOPERATES_WITH", f"Institution:{I2}", f"Enterprise:{E1}", {"type": "订单班", "since": 2021})
    c.add_rel("COOPERATES_WITH", f"Institution:{I1}", f"Enterprise:{E2}", {"type": "现代学徒制"})

    c.add_rel("DEMANDS", "City:410100", "Industry:34", {"year": 2024, "headcount": 500, "city_code": "410100"})
    c.add_rel("DEMANDS", f"Enterprise:{E1}", "Major:460104", {"year": 2024, "headcount": 80, "city_code": "410100"})
    c.add_rel("DEMANDS", f"Enterprise:{E1}", "Industry:3441",
              {"year": 2024, "headcount": 10, "city_code": "410100", "major_code": "510201"})
    c.add_rel("DEMANDS", "City:410200", "Industry:36", {"year": 2023, "headcount": 40, "city_code": "410200"})
    s = SqliteStore()
    s.apply(c)
    return s


@pytest.fixture(scope="module")
def store() -> SqliteStore:
    return _graph()


# ------------------------------------------------------------------------------------ neighbours
def _nb(rows):
    return [(r["type"], r["direction"], r["other"], r["props"].get("year")) for r in rows]


def test_neighbours_all_sorted(store):
    rows = neighbours(store, f"Institution:{I1}")
    assert _nb(rows) == [
        ("COOPERATES_WITH", "out", f"Enterprise:{E2}", None),
        ("LOCATED_IN", "out", "City:410200", None),
        ("OFFERS", "out", "Major:450301", 2024),
        ("OFFERS", "out", "Major:460104", 2023),
        ("OFFERS", "out", "Major:460104", 2024),
    ]
    assert rows[0]["other_name"] == "开封泵阀（示例）" and rows[0]["other_label"] == "Enterprise"
    assert rows[0]["props"]["type"] == "现代学徒制" and rows[0]["zh"] == "校企合作"
    assert rows[0]["other_id"] == E2


def test_neighbours_filters(store):
    u = f"Institution:{I1}"
    # year keeps relationships without a year, drops those of another year
    assert _nb(neighbours(store, u, year=2023)) == [
        ("COOPERATES_WITH", "out", f"Enterprise:{E2}", None),
        ("LOCATED_IN", "out", "City:410200", None),
        ("OFFERS", "out", "Major:460104", 2023),
    ]
    assert [r["other"] for r in neighbours(store, u, labels=["Major"])] == [
        "Major:450301", "Major:460104", "Major:460104"]
    assert _nb(neighbours(store, u, rel_types=["OFFERS"], year=2024)) == [
        ("OFFERS", "out", "Major:450301", 2024), ("OFFERS", "out", "Major:460104", 2024)]
    assert len(neighbours(store, u, limit=2)) == 2
    assert neighbours(store, u, labels=["City"], rel_types=["OFFERS"]) == []


def test_neighbours_direction(store):
    m = "Major:460104"
    assert [(r["type"], r["other"]) for r in neighbours(store, m, direction="out")] == [
        ("SUBCLASS_OF", "MajorCategory:4601")]
    assert [(r["type"], r["other"], r["props"].get("year")) for r in neighbours(store, m, direction="in")] == [
        ("DEMANDS", f"Enterprise:{E1}", 2024),
        ("OFFERS", f"Institution:{I1}", 2023), ("OFFERS", f"Institution:{I1}", 2024),
        ("OFFERS", f"Institution:{I2}", 2024), ("OFFERS", f"Institution:{I3}", 2024),
    ]
    both = neighbours(store, m, limit=None)
    assert len(both) == 6 and {r["direction"] for r in both} == {"in", "out"}


def test_neighbours_errors(store):
    with pytest.raises(LookupError, match="Institution:9999999999 is not in the graph"):
        neighbours(store, "Institution:9999999999")
    with pytest.raises(LookupError, match="not a node uid"):
        neighbours(store, "4141010001")
    with pytest.raises(ValueError, match="direction"):
        neighbours(store, f"Institution:{I1}", direction="up")
    with pytest.raises(ValueError, match="unknown relationship type"):
        neighbours(store, f"Institution:{I1}", rel_types=["TEACHES"])
    with pytest.raises(ValueError, match="unknown label"):
        neighbours(store, f"Institution:{I1}", labels=["School"])


# ----------------------------------------------------------------------------------------- paths
def test_shortest_path_institution_to_chain_through_the_knowledge_route(store):
    """黄河水利: institution → OFFERS → Major → SUBCLASS_OF → MajorCategory → ALIGNS_WITH → Industry
    ← MAPS_TO ← ChainSegment → PART_OF → IndustryChain."""
    p = shortest_path(store, f"Institution:{I1}", f"IndustryChain:{CHAIN}", rel_types=KNOWLEDGE)
    assert p is not None
    assert p["length"] == 5
    assert p["nodes"] == [f"Institution:{I1}", "Major:450301", "MajorCategory:4503", "Industry:3441",
                          f"ChainSegment:{S1}", f"IndustryChain:{CHAIN}"]
    assert p["types"] == ["OFFERS", "SUBCLASS_OF", "ALIGNS_WITH", "MAPS_TO", "PART_OF"]
    rels = [e for e in p["path"] if e["kind"] == "rel"]
    assert [e["direction"] for e in rels] == ["out", "out", "out", "in", "out"]
    assert rels[3]["src"] == f"ChainSegment:{S1}" and rels[3]["dst"] == "Industry:3441"
    assert [e["kind"] for e in p["path"]] == ["node", "rel"] * 5 + ["node"]
    assert p["text"] == ("黄河水利职业技术学院 -[OFFERS]-> 水利工程 -[SUBCLASS_OF]-> 水利工程与管理类 "
                         "-[ALIGNS_WITH]-> 泵及真空设备制造 <-[MAPS_TO]- 泵阀核心部件 -[PART_OF]-> 水利装备产业链")
    assert shortest_path(store, f"Institution:{I1}", f"IndustryChain:{CHAIN}", rel_types=KNOWLEDGE,
                         max_hops=4) is None


def test_shortest_path_unrestricted_and_edge_cases(store):
    p = shortest_path(store, f"Institution:{I1}", f"IndustryChain:{CHAIN}")
    assert p is not None
    assert p["nodes"] == [f"Institution:{I1}", "City:410200", f"IndustryChain:{CHAIN}"]
    assert p["types"] == ["LOCATED_IN", "FOCUSES_ON"]
    # from the other end: the same path reversed, directions now against the walk
    q = shortest_path(store, f"IndustryChain:{CHAIN}", f"Institution:{I1}")
    assert q is not None and q["nodes"] == p["nodes"][::-1]
    assert [e["direction"] for e in q["path"] if e["kind"] == "rel"] == ["in", "in"]
    same = shortest_path(store, "City:410100", "City:410100")
    assert same is not None and same["length"] == 0 and same["nodes"] == ["City:410100"]
    assert shortest_path(store, "City:410100", "Agency:某厅") is None
    # 郑州 → 武汉: through the cities' shared neighbours, smallest uids first
    r = shortest_path(store, "City:410100", "City:420100")
    assert r is not None and r["length"] == 4
    with pytest.raises(LookupError, match="City:419999 is not in the graph"):
        shortest_path(store, "City:410100", "City:419999")


def test_shortest_path_is_first_of_all_paths(store):
    pairs = [(f"Institution:{I1}", f"IndustryChain:{CHAIN}", KNOWLEDGE, 7),
             (f"Institution:{I1}", f"IndustryChain:{CHAIN}", None, 3),
             ("City:410100", "City:420100", None, 4),
             (f"Enterprise:{E4}", f"Institution:{I3}", None, 4)]
    for a, b, types, k in pairs:
        first = all_paths(store, a, b, k=k, rel_types=types)[0]
        sp = shortest_path(store, a, b, rel_types=types)
        assert sp is not None
        assert (sp["nodes"], sp["types"]) == (first["nodes"], first["types"]), (a, b)


def test_shortest_path_walks_only_near_the_ends(store):
    calls: list[str] = []
    with_props: list[str] = []
    real, real_links, real_keys, real_by_key = store.neighbours, store.links, store.link_keys, store.rels_by_key

    def counting(uid, *args, **kwargs):
        calls.append(uid)
        return real(uid, *args, **kwargs)

    def counting_links(uids, *args, **kwargs):  # the store reads a whole layer at once
        calls.extend(uids)
        return real_links(uids, *args, **kwargs)

    def counting_keys(uids, *args, **kwargs):  # (ids and keys only: no properties)
        calls.extend(uids)
        return real_keys(uids, *args, **kwargs)

    def counting_by_key(links):  # the properties: of the answer's relationships only
        links = list(links)
        with_props.extend(lk.key for lk in links)
        return real_by_key(links)

    store.neighbours = counting  # type: ignore[method-assign]
    store.links = counting_links  # type: ignore[method-assign]
    store.link_keys = counting_keys  # type: ignore[method-assign]
    store.rels_by_key = counting_by_key  # type: ignore[method-assign]
    try:
        got = shortest_path(store, f"Institution:{I1}", f"IndustryChain:{CHAIN}")
    finally:
        del store.neighbours
        del store.links
        del store.link_keys
        del store.rels_by_key
    assert got is not None and sorted(with_props) == sorted(
        "|".join([e["type"], e["src"], e["dst"]]) + "".join(
            f"|{k}={e['props'].get(k)!s}" for k in REL_TYPES[e["type"]].key)
        for e in got["path"] if e["kind"] == "rel")
    assert sorted(calls) == sorted([f"Institution:{I1}", f"IndustryChain:{CHAIN}"])


def _oracle(store: SqliteStore, k: int) -> dict[tuple[str, str], list[tuple[list[str], list[str]]]]:
    """Every simple path of at most k hops between every two nodes, by brute force over the whole graph."""
    from iekg.graph.schema import NODE_TYPES

    adj: dict[str, list[tuple[str, str]]] = {}
    for label in NODE_TYPES:
        for n in store.nodes(label):
            adj[n.uid] = sorted({(o.uid, r.type) for r, o in store.neighbours(n.uid) if o.uid != n.uid})
    out: dict[tuple[str, str], list[tuple[list[str], list[str]]]] = {}

    def dfs(nodes: list[str], types: list[str]) -> None:
        out.setdefault((nodes[0], nodes[-1]), []).append((list(nodes), list(types)))
        if len(types) == k:
            return
        for v, t in adj[nodes[-1]]:
            if v not in nodes:
                dfs([*nodes, v], [*types, t])

    for u in adj:
        dfs([u], [])
    for paths in out.values():
        paths.sort(key=lambda nt: (len(nt[1]), nt[0], nt[1]))
    return out


def test_paths_agree_with_brute_force_on_every_pair(store):
    k = 4
    oracle = _oracle(store, k)
    uids = sorted({u for pair in oracle for u in pair})
    for a in uids:
        for b in uids:
            want = oracle.get((a, b), [])
            got = all_paths(store, a, b, k=k, limit=None)
            assert [(p["nodes"], p["types"]) for p in got] == want, (a, b)
            sp = shortest_path(store, a, b, max_hops=k)
            if want:
                assert sp is not None and (sp["nodes"], sp["types"]) == want[0], (a, b)
            else:
                assert sp is None, (a, b)


def test_all_paths_count_and_order(store):
    a, b = f"Institution:{I1}", f"IndustryChain:{CHAIN}"
    assert all_paths(store, a, b, k=1) == []
    assert [p["nodes"] for p in all_paths(store, a, b, k=2)] == [[a, "City:410200", b]]
    paths = all_paths(store, a, b, k=3)
    assert [p["nodes"] for p in paths] == [[a, "City:410200", b], [a, f"Enterprise:{E2}", "City:410200", b]]
    assert paths[1]["types"] == ["COOPERATES_WITH", "LOCATED_IN", "FOCUSES_ON"]
    knowledge = all_paths(store, a, b, k=5, rel_types=KNOWLEDGE)
    assert [p["nodes"][1:4] for p in knowledge] == [
        ["Major:450301", "MajorCategory:4503", "Industry:3441"],
        ["Major:450301", "MajorCategory:4503", "Industry:76"],
        ["Major:460104", "MajorCategory:4601", "Industry:3441"],
    ]
    assert all(p["length"] == 5 for p in knowledge)
    assert all_paths(store, a, b, k=4, rel_types=KNOWLEDGE) == []
    assert all_paths(store, a, b, k=6, rel_types=KNOWLEDGE) == knowledge
    assert len(all_paths(store, a, b, k=5, rel_types=KNOWLEDGE, limit=2)) == 2
    # k = 7 adds two 7-hop detours, after the shorter paths, ordered by their node uids
    seven = all_paths(store, a, b, k=7, rel_types=KNOWLEDGE)
    assert [p["length"] for p in seven] == [5, 5, 5, 7, 7]
    assert [p["nodes"][2] for p in seven[3:]] == [f"Institution:{I2}", "MajorCategory:4601"]


def test_all_paths_parallel_relationships(store):
    # OFFERS 2023 and 2024 between the same two nodes count once ...
    offers = all_paths(store, f"Institution:{I1}", "Major:460104", k=1)
    assert len(offers) == 1 and offers[0]["types"] == ["OFFERS"]
    # ... but different relationship types are different paths, ordered by type
    two = all_paths(store, f"Enterprise:{E1}", "Industry:3441", k=1)
    assert [p["types"] for p in two] == [["DEMANDS"], ["IN_INDUSTRY"]]
    longer = all_paths(store, f"Enterprise:{E1}", "Industry:3441", k=2)
    assert [p["length"] for p in longer] == [1, 1, 2]
    assert longer[2]["nodes"] == [f"Enterprise:{E1}", f"ChainSegment:{S1}", "Industry:3441"]


# -------------------------------------------------------------------------------- who trains for
def _trains(res):
    return [(r["institution"], r["major"], r["volume"], r["estimate"], r["weight"], r["contribution"])
            for r in res["rows"]]


def test_who_trains_for_industry_rolls_up_and_flags_estimates(store):
    res = who_trains_for(store, industry="34")
    assert res["year"] == 2024
    assert res["target"]["industries"] == [{"code": "34", "name": "通用设备制造业"}]
    assert _trains(res) == [
        (I1, "460104", 300.0, False, pytest.approx(0.6), pytest.approx(180.0)),
        (I2, "460104", 300.0, False, pytest.approx(0.6), pytest.approx(180.0)),
        (I3, "460104", 300.0, False, pytest.approx(0.6), pytest.approx(180.0)),
        (I1, "450301", 200.0, False, pytest.approx(0.5), pytest.approx(100.0)),
        (I2, "460105", 120.0, True, pytest.approx(0.6), pytest.approx(72.0)),
    ]
    assert res["total"] == pytest.approx(712.0)
    assert res["estimates"] is True
    est = res["rows"][-1]
    assert est["graduates"] is None and est["enrollment"] == 360
    assert (est["institution_name"], est["city"], est["city_name"], est["major_name"]) == (
        "郑州机械职业学院", "410100", "郑州市", "数控技术")
    assert est["industries"] == ["34"]
    assert [(i["institution"], i["majors"], i["contribution"]) for i in res["institutions"]] == [
        (I1, 2, pytest.approx(280.0)), (I2, 2, pytest.approx(252.0)), (I3, 1, pytest.approx(180.0))]
    # a 4-digit code is answered for its 大类
    assert _trains(who_trains_for(store, industry="3441")) == _trains(res)


def test_who_trains_for_scopes_and_targets(store):
    zz = who_trains_for(store, industry="34", cities=["410100"])
    assert [(r["major"], r["contribution"]) for r in zz["rows"]] == [
        ("460104", pytest.approx(180.0)), ("460105", pytest.approx(72.0))]
    seg = who_trains_for(store, segment=S2)
    assert [(r["institution"], r["major"], r["contribution"]) for r in seg["rows"]] == [
        (I1, "450301", pytest.approx(100.0))]
    chain = who_trains_for(store, chain=CHAIN)
    assert [c["code"] for c in chain["target"]["industries"]] == ["34", "76"]
    assert [(r["institution"], r["major"], r["weight"], r["contribution"]) for r in chain["rows"]] == [
        (I1, "450301", pytest.approx(1.0), pytest.approx(200.0)),
        (I1, "460104", pytest.approx(0.6), pytest.approx(180.0)),
        (I2, "460104", pytest.approx(0.6), pytest.approx(180.0)),
        (I3, "460104", pytest.approx(0.6), pytest.approx(180.0)),
        (I2, "460105", pytest.approx(0.6), pytest.approx(72.0)),
    ]
    assert chain["rows"][0]["industries"] == ["34", "76"]
    # a 门类 letter covers its 大类: 34 and 36
    c = who_trains_for(store, industry="C")
    assert [x["code"] for x in c["target"]["industries"]] == ["34", "36"]
    assert c["rows"][0]["contribution"] == pytest.approx(300.0)
    assert who_trains_for(store, industry="34", year=2023)["total"] == pytest.approx(150.0)


def test_who_trains_for_errors(store):
    with pytest.raises(LookupError, match="industry 99 is not in the graph"):
        who_trains_for(store, industry="99")
    with pytest.raises(LookupError, match="chain segment X is not in the graph"):
        who_trains_for(store, segment="X")
    with pytest.raises(LookupError, match="city 419999 is not in the graph"):
        who_trains_for(store, industry="34", cities=["419999"])
    with pytest.raises(ValueError, match="exactly one"):
        who_trains_for(store)
    with pytest.raises(ValueError, match="exactly one"):
        who_trains_for(store, industry="34", chain=CHAIN)


# ------------------------------------------------------------------------------------- who hires
def test_who_hires(store):
    res = who_hires(store, "460104")
    assert res["major"]["category"] == "4601" and res["major"]["weights_via"] == "category"
    assert res["year"] == 2024
    # each industry's demand as align sums it: 34 = 500 (city) + 10 (E1's row by industry) + 80 × 0.6 (E1's
    # row by major, spread over the crosswalk); 36 = 80 × 0.4
    assert [(i["code"], i["weight"], i["enterprises"], i["demand"]) for i in res["industries"]] == [
        ("34", pytest.approx(0.6), 2, pytest.approx(558.0)), ("36", pytest.approx(0.4), 1, pytest.approx(32.0))]
    assert [i["demand_data"] for i in res["industries"]] == [True, True]
    assert res["industries"][0]["name"] == "通用设备制造业"
    assert [(e["id"], e["industry"], e["demand"], e["partners"]) for e in res["enterprises"]] == [
        (E1, "34", 80.0, 1), (E2, "34", 0.0, 1), (E4, "36", 0.0, 0)]
    assert res["enterprises"][0]["industry_code"] == "3441" and res["enterprises"][0]["city_name"] == "郑州市"
    # the 510201 row of E1 names another major: not counted; the 2023 row is another year
    assert [(d["src"], d["target"], d["headcount"], d["weight"], d["weighted"]) for d in res["demand"]] == [
        ("410100", "34", 500.0, pytest.approx(0.6), pytest.approx(300.0)),
        (E1, "460104", 80.0, 1.0, 80.0)]
    assert res["total_demand"] == 580.0 and res["total_weighted_demand"] == pytest.approx(380.0)

    y23 = who_hires(store, "460104", year=2023)
    assert [(d["src"], d["target"], d["headcount"]) for d in y23["demand"]] == [("410200", "36", 40.0)]
    zz = who_hires(store, "460104", cities=["410100"])
    assert [e["id"] for e in zz["enterprises"]] == [E1]
    assert [d["headcount"] for d in zz["demand"]] == [500.0, 80.0]
    own = who_hires(store, "460702")
    assert own["major"]["weights_via"] == "major"
    assert [(i["code"], i["weight"]) for i in own["industries"]] == [("36", 1.0)]
    assert [e["id"] for e in own["enterprises"]] == [E4]
    with pytest.raises(LookupError, match="major 999999 is not in the graph"):
        who_hires(store, "999999")


def test_who_hires_and_align_give_the_same_demand_per_industry(store):
    """One spreading of demand rows (iekg.queries.demand.join_demand): who-hires and align agree."""
    from iekg.queries.alignment import alignment
    from iekg.queries.scope import resolve_scope

    for cities, year in ((["410100"], 2024), (["410100", "410200"], 2024), (["410200"], 2023)):
        hires = who_hires(store, "460104", cities=cities, year=year)
        align = {i["code"]: i["demand"] for i in alignment(store, resolve_scope(store, cities=cities, year=year))
                 ["industries"]}
        for i in hires["industries"]:
            assert i["demand"] == pytest.approx(align.get(i["code"], 0.0)), (cities, year, i["code"])
            assert i["demand_data"] == (i["code"] in align and align[i["code"]] > 0)


# -------------------------------------------------------------------------------------- partners
def test_partners_for_enterprise_exact_scores(store):
    res = partners_for_enterprise(store, E1)
    assert res["industry"] == {"code": "34", "name": "通用设备制造业"}
    assert res["candidates"] == 3
    got = [(r["id"], r["score"], r["components"], r["existing"]) for r in res["results"]]
    l500 = math.log1p(500)
    expected = {
        I2: {"alignment": 252 / 280, "distance": 1.0, "capacity": math.log1p(420) / l500, "existing": 1.0},
        I1: {"alignment": 1.0, "distance": 0.5, "capacity": 1.0, "existing": 0.0},
        I3: {"alignment": 180 / 280, "distance": 0.0, "capacity": math.log1p(300) / l500, "existing": 0.0},
    }
    assert [g[0] for g in got] == [I2, I1, I3]
    for ident, score, comps, existing in got:
        e = expected[ident]
        assert comps == pytest.approx(e, abs=1e-6)
        want = 0.5 * e["alignment"] + 0.25 * e["distance"] + 0.15 * e["capacity"] + 0.10 * e["existing"]
        assert score == pytest.approx(want, abs=1e-6)
        assert existing is (ident == I2)
    assert res["results"][1]["score"] == pytest.approx(0.775)
    top = res["results"][0]
    assert top["cooperation_types"] == ["订单班"]
    assert [m["code"] for m in top["majors"]] == ["460104", "460105"]
    assert top["explanation"] == "同城；对口专业 2 个（机械制造及自动化 等），年毕业生约 420 人（部分按招生数估算）；已有订单班合作"
    assert res["results"][1]["explanation"] == "同省（开封市）；对口专业 2 个（机械制造及自动化 等），年毕业生约 500 人"
    assert res["results"][2]["explanation"] == "异地（武汉市）；对口专业 1 个（机械制造及自动化），年毕业生约 300 人"
    assert [r["id"] for r in partners_for_enterprise(store, E1, limit=1)["results"]] == [I2]
    # the weights are settings
    only_align = partners_for_enterprise(store, E1, weights=PartnerWeights(1.0, 0.0, 0.0, 0.0))
    assert [r["id"] for r in only_align["results"]] == [I1, I2, I3]
    with pytest.raises(LookupError, match="enterprise NOPE is not in the graph"):
        partners_for_enterprise(store, "NOPE")


def test_partners_for_institution_exact_scores(store):
    res = partners_for_institution(store, I2)
    l2000 = math.log1p(2000)
    share = {"34": 252 / 520, "36": 168 / 520, "65": 100 / 520}
    expected = {
        E1: ("34", share["34"] / share["34"], 1.0, math.log1p(1000) / l2000, 1.0),
        E2: ("34", 1.0, 0.5, math.log1p(100) / l2000, 0.0),
        E3: ("65", share["65"] / share["34"], 1.0, math.log1p(500) / l2000, 0.0),
        E4: ("36", share["36"] / share["34"], 0.0, 1.0, 0.0),
    }
    assert [r["id"] for r in res["results"]] == [E1, E2, E3, E4]
    for r in res["results"]:
        ind, a, d, c, x = expected[r["id"]]
        assert r["industry"] == ind
        assert r["share"] == pytest.approx(share[ind])
        assert r["components"] == pytest.approx({"alignment": a, "distance": d, "capacity": c, "existing": x},
                                                abs=1e-6)
        assert r["score"] == pytest.approx(0.5 * a + 0.25 * d + 0.15 * c + 0.1 * x, abs=1e-6)
    assert res["results"][0]["existing"] is True
    assert res["results"][0]["explanation"] == (
        "同城；企业属通用设备制造业（34），本校对口专业 2 个（机械制造及自动化 等），年毕业生约 420 人"
        "（部分按招生数估算）；企业职工约 1000 人；已有订单班合作")
    assert res["results"][2]["explanation"] == (
        "同城；企业属软件和信息技术服务业（65），本校对口专业 1 个（计算机应用技术），年毕业生约 100 人；企业职工约 500 人")
    with pytest.raises(LookupError, match="institution 0000000000 is not in the graph"):
        partners_for_institution(store, "0000000000")


def _equal_alignment() -> SqliteStore:
    """One software enterprise in 郑州; four institutions with identical programs in 郑州, 开封, 武汉 ×2."""
    c = ChangeSet()
    hn = c.add_node("Province", "410000", {"name": "河南省"})
    hb = c.add_node("Province", "420000", {"name": "湖北省"})
    for code, name, prov in (("410100", "郑州市", hn), ("410200", "开封市", hn), ("420100", "武汉市", hb)):
        c.add_rel("PART_OF", c.add_node("City", code, {"name": name}), prov)
    c.add_node("Industry", "65", {"name": "软件和信息技术服务业"})
    c.add_node("MajorCategory", "5102", {"name": "计算机类"})
    c.add_rel("ALIGNS_WITH", "MajorCategory:5102", "Industry:65", {"weight": 1.0})
    c.add_rel("SUBCLASS_OF", c.add_node("Major", "510201", {"name": "计算机应用技术", "level": "高职专科"}),
              "MajorCategory:5102")
    # ids chosen so that id order is the reverse of the expected score order
    for ident, city in (("9000000004", "410100"), ("9000000003", "410200"), ("9000000002", "420100"),
                        ("9000000001", "420100")):
        u = c.add_node("Institution", ident, {"name": f"院校{ident[-1]}", "level": "高职专科"})
        c.add_rel("LOCATED_IN", u, f"City:{city}")
        c.add_rel("OFFERS", u, "Major:510201", {"year": 2024, "graduates": 100})
    e = c.add_node("Enterprise", "SOFT", {"name": "软件公司", "employees": 50})
    c.add_rel("IN_INDUSTRY", e, "Industry:65")
    c.add_rel("LOCATED_IN", e, "City:410100")
    s = SqliteStore()
    s.apply(c)
    return s


def test_same_city_beats_other_city_at_equal_alignment():
    s = _equal_alignment()
    res = partners_for_enterprise(s, "SOFT")
    assert [(r["id"], r["score"]) for r in res["results"]] == [
        ("9000000004", pytest.approx(0.9)),   # 同城
        ("9000000003", pytest.approx(0.775)),  # 同省
        ("9000000001", pytest.approx(0.65)),  # 异地, tie broken by id
        ("9000000002", pytest.approx(0.65)),
    ]
    assert all(r["components"]["alignment"] == 1.0 and r["components"]["capacity"] == 1.0
               for r in res["results"])
    assert not any(r["existing"] for r in res["results"])
    inst = partners_for_institution(s, "9000000001")
    assert [(r["id"], r["score"]) for r in inst["results"]] == [("SOFT", pytest.approx(0.65))]
    assert inst["results"][0]["explanation"].startswith("异地（郑州市）；企业属软件和信息技术服务业（65）")


def test_enterprise_without_industry_has_no_candidates():
    s = _equal_alignment()
    c = ChangeSet()
    u = c.add_node("Enterprise", "LOOSE", {"name": "无行业企业"})
    c.add_rel("LOCATED_IN", u, "City:410100")
    s.apply(c)
    res = partners_for_enterprise(s, "LOOSE")
    assert res["results"] == [] and res["industry"] is None and "未登记所属行业" in res["note"]


def test_two_stores_with_the_same_graph_give_identical_answers(tmp_path):
    a = _graph()
    path = tmp_path / "g.sqlite"
    b = SqliteStore(path)
    b.apply(_graph_changes_from(a))
    b = SqliteStore(path)  # reloaded from disk: insertion order may differ
    for fn in (lambda s: who_trains_for(s, chain=CHAIN), lambda s: who_hires(s, "460104"),
               lambda s: partners_for_enterprise(s, E1), lambda s: partners_for_institution(s, I2),
               lambda s: all_paths(s, f"Institution:{I1}", f"IndustryChain:{CHAIN}", k=7, rel_types=KNOWLEDGE),
               lambda s: neighbours(s, "Major:460104")):
        assert fn(a) == fn(b)


def _graph_changes_from(store: SqliteStore) -> ChangeSet:
    """The store's graph as a change set, nodes and relationships in reverse order."""
    snap = store.snapshot()
    c = ChangeSet()
    for u, props in reversed(list(snap["nodes"].items())):
        label, ident = u.split(":", 1)
        c.add_node(label, ident, props)
    for key, props in reversed(list(snap["rels"].items())):
        rel_type, src, dst = key.split("|")[:3]
        c.add_rel(rel_type, src, dst, props)
    return c


def test_who_trains_for_with_a_limit_keeps_the_totals(store):
    """A limit cuts the rows and institutions shown (the first by contribution), not the totals."""
    full = who_trains_for(store, chain=CHAIN)
    cut = who_trains_for(store, chain=CHAIN, limit=2)
    assert full["rows_total"] == len(full["rows"]) > 2 and full["institutions_total"] == len(full["institutions"])
    assert cut["rows"] == full["rows"][:2] and cut["institutions"] == full["institutions"][:2]
    assert (cut["rows_total"], cut["institutions_total"], cut["total"]) == \
        (full["rows_total"], full["institutions_total"], full["total"])
