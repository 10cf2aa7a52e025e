"""The sums kept with the data never disagree with the rows: after random import sequences (programs added,
changed and replaced, institutions moved between cities, levels changed, demand rows with city codes
changed, cooperations with their statuses and start years added and changed, enterprises moved and their
industry, chain segment and staff changed, the crosswalk changed, nodes deleted), every aggregation the measures
read from the kept sums equals the same aggregation computed from the relationships by the pandas reference of
:mod:`iekg.graph.sums`, on both stores (the cooperation counts and lists: ``sum_coops`` on SQLite, ``IekgCoopSum``
nodes on Neo4j; each enterprise's cooperations per status and chain links: ``sum_ent_coops`` on SQLite,
``IekgEntPack`` nodes on Neo4j; and on Neo4j each major's programs, ``IekgProgramPack``).

Also: a graph file written before the sums were kept gets them when it is opened; ``reindex`` recomputes
them; the hot statements of the embedded store use indexes (``EXPLAIN QUERY PLAN``).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import clean_neo4j_store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iekg.graph import sqlite_derived as derived
from iekg.graph import sqlite_sql as sql
from iekg.graph import sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.graph.sums import CrosswalkAligned

CITIES = ("410100", "410200", "410300")
INSTS = ("I1", "I2", "I3", "I4")
MAJORS = ("M1", "M2", "M3")
INDUSTRIES = ("13", "C14", "3411")
YEARS = (2023, 2024)
LEVELS = ("本科", "专科", None)
ENTS = ("E1", "E2", "E3")
CATEGORIES = ("MC1", "MC2")
# stored statuses: ongoing, the left-out terms and a synonym of one, an unknown word, none
STATUSES = ("进行中", "已结束", "筹建中", "已到期", "其他", None)
SEGMENTS = ("S1", "S2")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in df.to_dict("records"):
        out.append({k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else
                        (round(float(v), 6) if isinstance(v, (int, float)) and not isinstance(v, bool) else v))
                    for k, v in r.items()})
    return sorted(out, key=lambda d: json.dumps(d, sort_keys=True, default=str))


def base() -> ChangeSet:
    cs = ChangeSet()
    for c in CITIES:
        cs.add_node("City", c, {"name": f"城市{c}", "source_kind": "illustrative"})
    for i, inst in enumerate(INSTS):
        cs.add_node("Institution", inst, {"name": f"学校{inst}", "level": LEVELS[i % 2]})
        cs.add_rel("LOCATED_IN", f"Institution:{inst}", f"City:{CITIES[i % len(CITIES)]}")
    for j, m in enumerate(MAJORS):
        cs.add_node("Major", m, {"name": f"专业{m}", "level": LEVELS[j % 3]})
    for ind in INDUSTRIES:
        cs.add_node("Industry", ind, {"name": f"行业{ind}"})
    for k, e in enumerate(ENTS):
        cs.add_node("Enterprise", e, {"name": f"企业{e}"})
        cs.add_rel("LOCATED_IN", f"Enterprise:{e}", f"City:{CITIES[k % 2]}")
        cs.add_rel("IN_INDUSTRY", f"Enterprise:{e}", f"Industry:{INDUSTRIES[k]}")
    # the crosswalk: M1, M2 via their category, M3 by its own weights (which then replace its category's)
    for c in CATEGORIES:
        cs.add_node("MajorCategory", c, {"name": f"专业类{c}"})
    for j, m in enumerate(MAJORS):
        cs.add_rel("SUBCLASS_OF", f"Major:{m}", f"MajorCategory:{CATEGORIES[j // 2]}")
    cs.add_rel("ALIGNS_WITH", "MajorCategory:MC1", "Industry:13", {"weight": 0.6})
    cs.add_rel("ALIGNS_WITH", "MajorCategory:MC2", "Industry:3411", {"weight": 1.0})
    cs.add_rel("ALIGNS_WITH", "Major:M3", "Industry:C14", {"weight": 0.4})
    cs.add_rel("COOPERATES_WITH", "Institution:I1", "Enterprise:E1", {"type": "订单班", "status": "进行中"})
    return cs


def seeded() -> ChangeSet:
    """:func:`base` with programs every institution offers and cooperations of each, so that random changes to
    cooperations, industries and the crosswalk move counts that are there."""
    cs = base()
    for i, inst in enumerate(INSTS):
        for y in YEARS:
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{MAJORS[(i + y) % 3]}", {"year": y, "graduates": 10})
        for k, e in enumerate(ENTS):
            cs.add_rel("COOPERATES_WITH", f"Institution:{inst}", f"Enterprise:{e}",
                       {"type": "实习实训", "status": STATUSES[(i + k) % len(STATUSES)], "since": 2018 + i})
    for seg in SEGMENTS:  # the chain gaps' links: each enterprise in a segment (E1 in both)
        cs.add_node("ChainSegment", seg, {"name": f"环节{seg}"})
    for e, seg, role in (("E1", "S1", "链主"), ("E1", "S2", None), ("E2", "S2", "配套"), ("E3", "S1", "配套")):
        cs.add_rel("IN_SEGMENT", f"Enterprise:{e}", f"ChainSegment:{seg}", {"role": role})
    cs.add_node("Province", "410000", {"name": "河南省"})  # (Neo4j keeps a province's first programs merged)
    for c in CITIES:
        cs.add_rel("PART_OF", f"City:{c}", "Province:410000")
    return cs


def ends(cs: ChangeSet) -> ChangeSet:
    """The nodes every operation may refer to (upserted: what they hold is kept)."""
    for c in CITIES:
        cs.add_node("City", c, {})
    for inst in INSTS:
        cs.add_node("Institution", inst, {})
    for m in MAJORS:
        cs.add_node("Major", m, {})
    for ind in INDUSTRIES:
        cs.add_node("Industry", ind, {})
    for e in ENTS:
        cs.add_node("Enterprise", e, {})
    for c in CATEGORIES:
        cs.add_node("MajorCategory", c, {})
    return cs


maybe_int = st.one_of(st.none(), st.integers(0, 300))
offer = st.tuples(st.sampled_from(INSTS), st.sampled_from(MAJORS), st.sampled_from(YEARS), maybe_int, maybe_int,
                  st.one_of(st.none(), st.sampled_from([0.0, 0.5, 0.93])), st.one_of(st.none(), st.booleans()))
operation = st.one_of(
    st.tuples(st.just("offers"), st.lists(offer, min_size=1, max_size=6)),
    st.tuples(st.just("replace"), st.sampled_from(INSTS), st.lists(offer, max_size=3)),
    st.tuples(st.just("move"), st.sampled_from(INSTS), st.sampled_from(CITIES)),
    st.tuples(st.just("level"), st.sampled_from([f"Institution:{i}" for i in INSTS] + [f"Major:{m}" for m in MAJORS]),
              st.sampled_from(["本科", "专科", "研究生"])),
    st.tuples(st.just("demand"), st.sampled_from(["City:410100", "City:410200", "Enterprise:E1"]),
              st.sampled_from([f"Industry:{i}" for i in INDUSTRIES] + ["Major:M1"]), st.sampled_from(YEARS),
              st.integers(0, 500), st.sampled_from([*CITIES, "419001"]), st.sampled_from(["本科", "专科"])),
    st.tuples(st.just("delete"), st.sampled_from(["Institution:I2", "Major:M2", "City:410300", "Province:410000", "Enterprise:E1",
                                                  "MajorCategory:MC1", "ChainSegment:S1"])),
    st.tuples(st.just("coop"), st.lists(st.tuples(
        st.sampled_from(INSTS), st.sampled_from(ENTS), st.sampled_from(["订单班", "实习实训", None]),
        st.sampled_from(STATUSES), st.one_of(st.none(), st.integers(2015, 2026))), min_size=1, max_size=4)),
    st.tuples(st.just("industry"), st.sampled_from(ENTS), st.sampled_from(INDUSTRIES)),
    st.tuples(st.just("move enterprise"), st.sampled_from(ENTS), st.sampled_from(CITIES)),
    st.tuples(st.just("weight"), st.sampled_from([f"Major:{m}" for m in MAJORS] + [f"MajorCategory:{c}" for c in
                                                                                   CATEGORIES]),
              st.sampled_from(INDUSTRIES), st.sampled_from([0.0, 0.3, 1.0, -0.5])),
    st.tuples(st.just("category"), st.sampled_from(MAJORS), st.sampled_from(CATEGORIES)),
    # the chain gaps' links: an enterprise's segment and role, its staff
    st.tuples(st.just("segment"), st.sampled_from(ENTS), st.sampled_from(SEGMENTS), st.sampled_from(["链主", "配套", None])),
    st.tuples(st.just("staff"), st.sampled_from(ENTS), st.integers(0, 500)),
    # a city moves to another province, or back (single-valued: its PART_OF is replaced)
    st.tuples(st.just("province"), st.sampled_from(CITIES), st.sampled_from(["410000", "420000"])),
)


def change(op: tuple[Any, ...]) -> ChangeSet:
    cs = ChangeSet()
    kind = op[0]
    if kind == "delete":
        cs.delete_nodes.add(op[1])
        return cs
    cs = ends(cs)
    if kind in ("offers", "replace"):
        if kind == "replace":
            cs.replace.add((f"Institution:{op[1]}", "OFFERS"))
        rows = op[1] if kind == "offers" else [o for o in op[2] if o[0] == op[1]]
        for inst, major, year, grads, enrol, rate, lead in rows:
            props = {"year": year, "graduates": grads, "enrollment": enrol, "employment_rate": rate,
                     "leading": lead}
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", props)
    elif kind == "move":
        cs.add_rel("LOCATED_IN", f"Institution:{op[1]}", f"City:{op[2]}")
    elif kind == "level":
        label, ident = op[1].split(":")
        cs.add_node(label, ident, {"level": op[2]})
    elif kind == "demand":
        _, src, dst, year, head, city, edu = op
        cs.add_rel("DEMANDS", src, dst, {"year": year, "headcount": head, "city_code": city,
                                         "education_level": edu})
    elif kind == "coop":  # a cooperation of the same type again: its status and start year change
        for inst, ent, ctype, status, since in op[1]:
            cs.add_rel("COOPERATES_WITH", f"Institution:{inst}", f"Enterprise:{ent}",
                       {"type": ctype, "status": status, "since": since})
    elif kind == "industry":  # single-valued: the enterprise's industry changes
        cs.add_rel("IN_INDUSTRY", f"Enterprise:{op[1]}", f"Industry:{op[2]}")
    elif kind == "move enterprise":
        cs.replace.add((f"Enterprise:{op[1]}", "LOCATED_IN"))
        cs.add_rel("LOCATED_IN", f"Enterprise:{op[1]}", f"City:{op[2]}")
    elif kind == "weight":
        cs.add_rel("ALIGNS_WITH", op[1], f"Industry:{op[2]}", {"weight": op[3]})
    elif kind == "category":
        cs.add_rel("SUBCLASS_OF", f"Major:{op[1]}", f"MajorCategory:{op[2]}")
    elif kind == "segment":  # single-valued: the enterprise's segment changes
        cs.add_node("ChainSegment", op[2], {})
        cs.add_rel("IN_SEGMENT", f"Enterprise:{op[1]}", f"ChainSegment:{op[2]}", {"role": op[3]})
    elif kind == "staff":
        cs.add_node("Enterprise", op[1], {"employees": op[2]})
    elif kind == "province":
        cs.replace.add((f"City:{op[1]}", "PART_OF"))
        cs.add_node("Province", op[2], {})
        cs.add_rel("PART_OF", f"City:{op[1]}", f"Province:{op[2]}")
    return cs


def _hashable(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    if isinstance(v, (str, int, float, type(None))):
        return v
    if isinstance(v, (set, frozenset)):
        return ("set", tuple(sorted((_hashable(x) for x in v), key=repr)))
    return tuple(_hashable(x) for x in v)  # lists, tuples, pandas Series, numpy arrays: in their order


class Rows:
    """The pandas reference's reads (``rel_frame``, ``node_frame``: :class:`iekg.graph.sums.FrameReader`) of a
    store whose graph does not change meanwhile (one check after one import), each distinct read made once:
    the reference computes every aggregation from these rows as before; only the same rows are not fetched
    again for each scope, year and measure (on Neo4j one query each).  The store's own answers are asked of
    the store itself."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.frames: dict[Any, pd.DataFrame] = {}
        self.memoised: dict[Any, Any] = {}

    def _once(self, key: Any, read: Any) -> pd.DataFrame:
        if key not in self.frames:
            self.frames[key] = read()
        return self.frames[key].copy()

    def memo(self, key: Any, compute: Any) -> Any:
        """What a store's ``memo`` does for the reference (:func:`iekg.graph.sums.aligned_cooperations`), here
        kept apart from the store's own memo: the reference never gets a result the store computed."""
        if key not in self.memoised:
            self.memoised[key] = compute()
        return self.memoised[key]

    def rel_frame(self, rel_type: str, props: Any = (), src_label: str | None = None, dst_label: str | None = None,
                  *, src_ids: Any = None, dst_ids: Any = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        args = (rel_type, _hashable(props), src_label, dst_label,
                None if src_ids is None else _hashable(list(src_ids)),
                None if dst_ids is None else _hashable(list(dst_ids)), None if where is None else _hashable(where))
        return self._once(("rel", *args), lambda: self.store.rel_frame(
            rel_type, props, src_label, dst_label, src_ids=src_ids, dst_ids=dst_ids, where=where))

    def node_frame(self, label: str, props: Any = (), *, ids: Any = None) -> pd.DataFrame:
        key = ("node", label, _hashable(props), None if ids is None else _hashable(list(ids)))
        return self._once(key, lambda: self.store.node_frame(label, props, ids=ids))


class Reference:
    """The pandas reference's answers for one content of the graph, each computed once and kept for every later
    check of the same content (an import that changed nothing, ``reindex``, which changes only the kept sums,
    another example that reached the same graph).  The content is every node and relationship with all its
    properties (``snapshot``); the reference reads nothing else (``rel_frame`` and ``node_frame`` through
    :class:`Rows`) and the answers compared do not depend on the order the rows come in (sorted, or compared in
    the reference's own stable sort order), so the same content gives the same answers.  Kept per store kind:
    each store's reference is computed from its own rows, as before.  The store's own answers are still asked of
    the store at every check: only the reference is not computed again."""

    KEPT: dict[tuple[str, str], dict[Any, Any]] = {}  # (store kind, content digest) -> the answers made for it

    def __init__(self, store: Store) -> None:
        content = json.dumps(store.snapshot(), sort_keys=True, ensure_ascii=False, default=repr)
        key = (type(store).__name__, hashlib.sha256(content.encode()).hexdigest())
        if key not in self.KEPT and len(self.KEPT) >= 400:  # (a bound; an answer dropped is computed again)
            self.KEPT.clear()
        self.answers = self.KEPT.setdefault(key, {})
        self.rows = Rows(store)

    def once(self, key: Any, compute: Any) -> Any:
        """``compute()`` (the reference over :attr:`rows`) the first time ``key`` is asked for this content."""
        if key not in self.answers:
            self.answers[key] = compute()
        return self.answers[key]

    def __call__(self, fn: Any, *args: Any) -> Any:
        """``fn(rows, *args)``, one of :mod:`iekg.graph.sums`' pandas versions, once per content."""
        return self.once((fn.__name__, _hashable(args)), lambda: fn(self.rows, *args))

    def records(self, fn: Any, *args: Any) -> list[dict[str, Any]]:
        """:func:`records` of ``fn(rows, *args)``, once per content."""
        return self.once(("records", fn.__name__, _hashable(args)), lambda: records(self(fn, *args)))


def assert_cooperations_equal_rows(store: Store, cs: list[str], year: int, ref: Reference | None = None) -> None:
    """The cooperation counts and the left-out list the measures read (given the scope's aligned majors, as
    alignment passes them) equal the pandas reference over the relationships (``ref``: the reference of the
    graph as it is now)."""
    from iekg.queries.cooperation import inactive_words
    from iekg.queries.facts import ScopeSums
    from iekg.queries.scope import Scope

    ref = ref or Reference(store)
    aligned = ScopeSums.gather(store, Scope(tuple(cs), year)).aligned
    for words in (inactive_words(), ()):
        got = store.cooperation_counts(cs, year, CrosswalkAligned(aligned), words)
        assert records(got) == ref.records(sums.cooperation_counts, cs, year, aligned, words), (cs, year)
        assert list(got["industry"]) == sorted(got["industry"]), got
    got = store.cooperation_list(cs, year, CrosswalkAligned(aligned), inactive_words())
    want = ref(sums.cooperation_list, cs, year, aligned, inactive_words())
    assert records(got) == ref.records(sums.cooperation_list, cs, year, aligned, inactive_words()), (cs, year)
    order = ["industry", "enterprise", "institution"]
    assert got[order].values.tolist() == want[order].values.tolist(), (cs, year)  # the same order


# keys of majors with weights > 0, 0 (ranked by institution) and both
TOP_PAIRS = {"a": [("M1", 1.0), ("M2", 0.5)], "b": [("M3", 0.0), ("M1", 0.25)], "c": [("M2", 2.0), ("M3", 1.0)],
             "z": [("M2", 0.0), ("M3", 0.0)]}
POSITIVE_PAIRS = {k: ps for k, ps in TOP_PAIRS.items() if all(w > 0 for _, w in ps)}


def assert_top_equal_rows(store: Store, ref: Any, cs: list[str], year: int, limit: int,
                          pairs: dict[str, list[tuple[str, float]]] = TOP_PAIRS, want: Any = None) -> None:
    """``top_offers`` (with the durations kept) equals the pandas reference over the rows, in its order
    (``want``: the reference's answer, when already made)."""
    got = store.top_offers(cs, year, pairs, sums.KEPT_DURATIONS, limit)
    want = sums.top_offers(ref, cs, year, pairs, sums.KEPT_DURATIONS, limit) if want is None else want
    cols = ["key", "institution", "major", "year"]
    assert got[cols].values.tolist() == want[cols].values.tolist(), (cs, year, limit)
    assert [round(float(x), 6) for x in got["supply"]] == [round(float(x), 6) for x in want["supply"]], (cs, year)


def assert_sums_equal_rows(store: Store) -> None:
    # one check reads one state of the graph, as one service answer does (Store.pinned: Neo4j reads its version
    # and the sums' layout once, not before each read; the reads and their answers are the same)
    with store.pinned():
        _assert_sums_equal_rows(store)


def _assert_sums_equal_rows(store: Store) -> None:
    ref = Reference(store)  # the reference's answers for this content of the graph
    scopes = [[c] for c in CITIES] + [list(CITIES), ["419001"], ["999999"]]
    for cs in scopes:
        assert store.offer_year_list(cs) == ref(sums.offer_years, cs).index.tolist(), cs
        assert store.offer_years(cs).to_dict() == ref(sums.offer_years, cs).to_dict(), cs
        assert records(store.offer_year_counts(cs)) == ref.records(sums.offer_year_counts, cs), cs
        assert records(store.offer_year_counts(cs, [2024])) == ref.records(sums.offer_year_counts, cs, [2024]), cs
        for year in YEARS:
            assert records(store.offer_sums(cs, year)) == ref.records(sums.offer_sums, cs, year), (cs, year)
            # the reference's sums of a few majors are its sums of every major, those majors' rows: the groups are
            # per major, each summed over the same programs (Store.offer_sums: "only those to majors")
            few = ref.once(("offer sums of M1, M3", tuple(cs), year), lambda cs=cs, year=year: records(
                (every := ref(sums.offer_sums, cs, year))[every["major"].isin(["M1", "M3"])]))
            assert records(store.offer_sums(cs, year, ["M1", "M3"])) == few, (cs, year)
            assert records(store.demand_sums(cs, year)) == ref.records(sums.demand_sums, cs, year), (cs, year)
            if cs[0] in CITIES:  # (the cities with institutions and enterprises, one and all)
                assert_cooperations_equal_rows(store, cs, year, ref)
    # the largest programs per key (gap evidence): kept first programs (sum_top, IekgTopSum; on Neo4j a province's
    # merged, IekgTopScope: the three cities at first, two after one moves away — read without a weight-0 pair)
    neo = store.name == "neo4j"
    for cs in [*scopes, list(CITIES[:2])] if neo else scopes:
        for year in YEARS:
            # the reference ranks every key's programs in one stable order and keeps the first `limit` of each, so
            # its answer for a smaller limit is the first rows of each key of its answer for the largest (made once)
            whole = ref(sums.top_offers, cs, year, TOP_PAIRS, sums.KEPT_DURATIONS, sums.KEPT_TOP)
            for limit in (1, 2, sums.KEPT_TOP):
                want = ref.once(("top", tuple(cs), year, limit), lambda whole=whole, limit=limit: whole.groupby(
                    "key", sort=True).head(limit).reset_index(drop=True))
                assert_top_equal_rows(store, ref.rows, cs, year, limit, want=want)
            # without a weight-0 pair (as the gaps ask: Neo4j then reads a province's merged lists when kept)
            for limit in (1, sums.KEPT_TOP) if neo else ():
                want = ref(sums.top_offers, cs, year, POSITIVE_PAIRS, sums.KEPT_DURATIONS, limit)
                assert_top_equal_rows(store, ref.rows, cs, year, limit, POSITIVE_PAIRS, want=want)
    for year in YEARS:  # which institutions offer programs in a year (Neo4j: from the kept programs per institution)
        asked = [*INSTS, "I9"]
        rows = store.rel_frame("OFFERS", src_label="Institution", src_ids=asked, where={"year": year})
        assert store.sources_with("OFFERS", "Institution", asked, where={"year": year}) == set(rows["src"]), year


def chain_records(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    """``Store.chain_enterprises`` rows in one order (the read promises none), each left-out list sorted, the staff
    missing as None (a column with some staff has NaN there, which is not equal to itself)."""
    return sorted((k, e, s, "" if not isinstance(r, str) else r, None if emp != emp else emp, n, tuple(sorted(left)))
                  for k, e, s, r, emp, n, left in f[list(Store.CHAIN_ENTERPRISE_COLUMNS)].itertuples(index=False))


def assert_enterprise_coops_equal_rows(store: SqliteStore) -> None:
    """The kept status counts (``sum_ent_coops``) are each enterprise's cooperations counted per status as written,
    and the chain gaps' read of them (``chain_enterprises``, with the status words and without) equals the
    interface's default reading the relationships."""
    from collections import Counter

    from iekg.queries.cooperation import inactive_words

    rows = store.rel_frame("COOPERATES_WITH", ["status"], dst_label="Enterprise")
    want = Counter((e, st if isinstance(st, str) else None) for e, st in zip(rows["dst"], rows["status"], strict=True))
    kept = store._rows("SELECT enterprise, status, n FROM sum_ent_coops")
    assert sorted((e, st or "", n) for e, st, n in kept) == sorted((e, st or "", n) for (e, st), n in want.items())
    cities = {"one": [CITIES[0]], "other": [CITIES[1]], "all": list(CITIES)}
    segments = {"one": ["S1"], "other": list(SEGMENTS), "all": list(SEGMENTS)}
    for words in (sorted(inactive_words()), []):
        got = store.chain_enterprises(cities, segments, words)
        assert chain_records(got) == chain_records(Store.chain_enterprises(store, cities, segments, words)), words


def assert_neo4j_enterprise_coops_equal_rows(store: Any) -> None:
    """Neo4j's enterprise packs (``IekgEntPack``, sums version 5) are there for the cities with an enterprise that
    has a cooperation or a chain link, and hold each enterprise located in it with any cooperation, its
    cooperations counted and per status that is text the count, as the relationships are; and the chain gaps' reads of them (``chain_enterprises``, ``chain_lonely_counts``, with the
    status words and without) equal the interface's defaults reading the relationships."""
    from collections import Counter

    from iekg.graph import neo4j_sums
    from iekg.queries.cooperation import inactive_words

    assert store.ent_packs_ready()
    rows = store.rel_frame("COOPERATES_WITH", ["status"], dst_label="Enterprise")
    loc = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City")
    total = Counter(rows["dst"].tolist())
    said = Counter((e, st) for e, st in zip(rows["dst"], rows["status"], strict=True) if isinstance(st, str))
    want = sorted([(c, e, "*", total[e]) for e, c in set(zip(loc["src"], loc["dst"], strict=True)) if total[e]]
                  + [(c, e, st, n) for e, c in set(zip(loc["src"], loc["dst"], strict=True))
                     for (e2, st), n in said.items() if e2 == e])
    kept = []
    for r in store._read(f"MATCH (p:{neo4j_sums.ENT_PACK}) RETURN p.city AS c, p.packed AS packed, "
                         "p.enterprises AS ents, p.n AS n, p.statuses AS sts, p.at AS at, p.si AS si, p.sn AS sn"):
        assert r["packed"] and r["at"][-1] == len(r["si"]) == len(r["sn"])
        kept += [(r["c"], e, "*", n) for e, n in zip(r["ents"], r["n"], strict=True)]
        for k, status in enumerate(r["sts"]):
            kept += [(r["c"], r["ents"][j], status, n) for j, n in zip(r["si"][r["at"][k]:r["at"][k + 1]],
                                                                   r["sn"][r["at"][k]:r["at"][k + 1]], strict=True)]
    assert sorted(kept) == want
    linked = set(store.rel_frame("IN_SEGMENT", src_label="Enterprise", dst_label="ChainSegment")["src"])
    assert {r["c"] for r in store._read(f"MATCH (p:{neo4j_sums.ENT_PACK}) RETURN p.city AS c")} == {
        c for e, c in zip(loc["src"], loc["dst"], strict=True) if total[e] or e in linked}
    cities = {"one": [CITIES[0]], "other": [CITIES[1]], "all": list(CITIES)}
    segments = {"one": ["S1"], "other": list(SEGMENTS), "all": list(SEGMENTS)}
    for words in (sorted(inactive_words()), []):
        got = store.chain_enterprises(cities, segments, words)
        assert chain_records(got) == chain_records(Store.chain_enterprises(store, cities, segments, words)), words
        assert store.chain_lonely_counts(cities, segments, words) == Store.chain_lonely_counts(
            store, cities, segments, words), words


def assert_neo4j_program_packs_equal_rows(store: Any, every_ask: bool = False) -> None:
    """Neo4j's program packs (``IekgProgramPack``, sums version 5): the programs of some majors in a year, of some
    institutions or all, read from them (``rel_frame`` of OFFERS with a year and majors) are the frame the
    relationships give, row for row and type for type.  After each import the packs' content is what can go
    wrong, so all columns of all or some institutions and majors are read (12 reads each way); ``every_ask``
    adds the column choices and the unknown ids (108 reads each way, once per sequence: they read the packs the
    same way whatever they hold)."""
    assert store.programs_ready()
    asks = [(props, src, dst) for props in (["year", "graduates", "enrollment"], ["enrollment"], [])
            for src in (None, ["I1", "I3"], ["I9"]) for dst in (list(MAJORS), ["M2"], ["M9", "M1"])
            if every_ask or (len(props) == 3 and src != ["I9"] and dst != ["M2"])]
    got = [store.rel_frame("OFFERS", props, "Institution", "Major", src_ids=src, dst_ids=dst, where={"year": y})
           for props, src, dst in asks for y in (*YEARS, 1999)]
    store.programs_ready = lambda: False  # (this store only: the relationships)
    try:
        want = [store.rel_frame("OFFERS", props, "Institution", "Major", src_ids=src, dst_ids=dst, where={"year": y})
                for props, src, dst in asks for y in (*YEARS, 1999)]
    finally:
        del store.programs_ready
    for a, b in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(a.sort_values(["src", "dst"]).reset_index(drop=True),
                                      b.sort_values(["src", "dst"]).reset_index(drop=True), check_exact=True)


# (10 random sequences a run on SQLite, 4 on Neo4j, each checked after every import: 2 s a check on SQLite; every
# kind of change is also run in order, SCRIPTED, on both stores)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=8))
def test_kept_sums_equal_the_rows_after_random_imports_sqlite(ops: list[tuple[Any, ...]]) -> None:
    store = SqliteStore()
    store.apply(seeded(), fresh=True)
    assert store.sums_ready()
    assert_enterprise_coops_equal_rows(store)
    for op in ops:
        store.apply(change(op))
        assert_sums_equal_rows(store)
        assert_enterprise_coops_equal_rows(store)
    # and the same after a recompute of everything
    store.reindex()
    assert_sums_equal_rows(store)
    assert_enterprise_coops_equal_rows(store)


# each kind of change the kept cooperations follow, at least once (the random sequences above draw some rarely)
SCRIPTED = [
    ("industry", "E1", "C14"), ("industry", "E3", "13"), ("industry", "E2", "3411"),
    ("coop", [("I2", "E1", "订单班", "已结束", 2019), ("I3", "E3", None, None, None)]),
    ("coop", [("I2", "E1", "订单班", "进行中", 2020)]),  # the same cooperation: its status changes
    ("weight", "MajorCategory:MC2", "3411", 0.0), ("weight", "Major:M3", "3411", 1.0),
    ("weight", "MajorCategory:MC1", "C14", 0.3), ("weight", "MajorCategory:MC1", "C14", -0.5),
    ("category", "M3", "MC1"), ("category", "M1", "MC2"),
    ("move enterprise", "E2", "410100"), ("move", "I3", "410100"),
    ("offers", [("I4", "M1", 2024, 5, None, None, None)]), ("replace", "I1", []),
    ("delete", "MajorCategory:MC1"), ("delete", "Enterprise:E1"), ("delete", "Institution:I2"),
]


def test_kept_cooperations_follow_each_kind_of_change() -> None:
    store = SqliteStore()
    store.apply(seeded(), fresh=True)
    assert_sums_equal_rows(store)
    for op in SCRIPTED:
        store.apply(change(op))
        ref = Reference(store)
        for cs in [[c] for c in CITIES] + [list(CITIES)]:
            for year in YEARS:
                assert_cooperations_equal_rows(store, cs, year, ref)
        assert_enterprise_coops_equal_rows(store)


@pytest.fixture(scope="module")
def neo(neo4j_server: Any):  # type: ignore[no-untyped-def]
    with clean_neo4j_store(neo4j_server) as store:
        yield store


@pytest.mark.neo4j
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=6))
def test_kept_sums_equal_the_rows_after_random_imports_neo4j(neo: Any, ops: list[tuple[Any, ...]]) -> None:
    neo.apply(seeded(), fresh=True)
    assert neo.sums_ready()
    # the province's first programs are kept merged (IekgTopScope), so the checks below read them for its cities
    from iekg.graph import neo4j_sums
    assert neo.top_scopes_ready() and [r["c"] for r in neo._read(
        f"MATCH (h:{neo4j_sums.TOP_SCOPE}) WHERE h.head RETURN DISTINCT h.cities AS c")] == [sorted(CITIES)]
    assert_neo4j_enterprise_coops_equal_rows(neo)
    assert_neo4j_program_packs_equal_rows(neo)
    for op in ops:
        neo.apply(change(op))
        assert_sums_equal_rows(neo)
        assert_neo4j_enterprise_coops_equal_rows(neo)
        assert_neo4j_program_packs_equal_rows(neo)
    neo.reindex()
    assert_sums_equal_rows(neo)
    assert_neo4j_enterprise_coops_equal_rows(neo)
    assert_neo4j_program_packs_equal_rows(neo, every_ask=True)


@pytest.mark.neo4j
def test_neo4j_kept_cooperations_follow_each_kind_of_change(neo: Any) -> None:
    """:data:`SCRIPTED` on Neo4j: after each change the kept aligned cooperations (``IekgCoopSum``) read as the
    rows, and the nodes kept are exactly those a recompute of everything makes."""
    from iekg.graph import neo4j_sums

    kept = ("MATCH (s:" + neo4j_sums.COOP_SUM + ") RETURN s.institution AS i, s.enterprise AS e, s.year AS y, "
            "s.industry AS ind, s.k AS k, s.type AS t, s.status AS st, s.since AS since")

    def nodes() -> list[str]:
        return sorted(json.dumps(dict(r), sort_keys=True, ensure_ascii=False) for r in neo._read(kept))

    neo.apply(seeded(), fresh=True)
    assert len(nodes()) == 9  # (seeded(): the aligned ones of its 13 cooperations, by year)
    assert_sums_equal_rows(neo)
    for op in SCRIPTED:
        neo.apply(change(op))
        ref = Reference(neo)
        for cs in [[c] for c in CITIES] + [list(CITIES)]:
            for year in YEARS:
                assert_cooperations_equal_rows(neo, cs, year, ref)
        assert_neo4j_enterprise_coops_equal_rows(neo)
        assert_neo4j_program_packs_equal_rows(neo)
        after_import = nodes()
        neo.reindex()
        assert nodes() == after_import, op


@pytest.mark.neo4j
def test_neo4j_reads_the_kept_cooperations(neo: Any) -> None:
    """The cooperation counts the measures ask for come from the ``IekgCoopSum`` nodes (changed behind the
    store's back, the answer changes); any other ``aligned`` mapping, or sums not complete, the relationships."""
    from iekg.graph import neo4j_sums
    from iekg.queries.cooperation import inactive_words

    cs = base()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M1", {"year": 2024, "graduates": 40})
    cs.add_rel("COOPERATES_WITH", "Institution:I1", "Enterprise:E1", {"type": "实习实训", "status": "已到期",
                                                                     "since": 2019})
    neo.apply(cs, fresh=True)
    aligned = {"13": ["M1"]}
    got = neo.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert records(got) == records(sums.cooperation_counts(neo, ["410100"], 2024, aligned, inactive_words()))
    assert got.set_index("industry").loc["13"].to_dict() == {"enterprises": 1, "cooperating": 1,
                                                              "left_out_enterprises": 0, "unstated": 0}
    left = neo.cooperation_list(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert left[["industry", "institution", "enterprise", "status", "since"]].values.tolist() == [
        ["13", "I1", "E1", "已到期", 2019]]
    assert neo._read(f"MATCH (s:{neo4j_sums.COOP_SUM} {{year: 2024}}) RETURN count(*) AS n")[0]["n"] == 2
    neo._write(f"MATCH (s:{neo4j_sums.COOP_SUM}) SET s.status = '已结束'")
    neo.forget()
    got = neo.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert got.set_index("industry").loc["13", "cooperating"] == 0
    assert got.set_index("industry").loc["13", "left_out_enterprises"] == 1
    # a mapping that is not the crosswalk's own: the relationships, as given
    assert neo.cooperation_counts(["410100"], 2024, aligned, inactive_words()).set_index(
        "industry").loc["13", "cooperating"] == 1
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 1")  # the layout before IekgCoopSum
    neo.forget()
    assert not neo.sums_ready()
    got = neo.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert got.set_index("industry").loc["13", "cooperating"] == 1
    neo.apply(base())  # the next import completes the sums of the older layout, cooperations and all
    assert neo.sums_ready()
    assert neo.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words()).set_index(
        "industry").loc["13", "cooperating"] == 1


@pytest.mark.neo4j
def test_neo4j_reads_the_kept_sums_and_falls_back_without_them(neo: Any) -> None:
    """The kept sums are what Neo4j answers from (changed behind its back, the answer changes), and without
    them (an older database, after ``clear``) it sums the relationships, with the same numbers."""
    from iekg.graph import neo4j_sums

    cs = base()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M1", {"year": 2024, "graduates": 40})
    neo.apply(cs, fresh=True)
    assert neo.offer_sums(["410100"], 2024)["graduates"].sum() == 40
    neo._write(f"MATCH (s:{neo4j_sums.OFFER_SUM}) SET s.graduates = 41.0")  # (what a few majors' sums read)
    neo._write(f"MATCH (p:{neo4j_sums.OFFER_PACK}) SET p.graduates = [g IN p.graduates | 41.0]")  # (every major's)
    neo.forget()
    assert neo.offer_sums(["410100"], 2024)["graduates"].sum() == 41
    assert neo.offer_sums(["410100"], 2024, ["M1"])["graduates"].sum() == 41
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) REMOVE m.sums")
    neo.forget()
    assert not neo.sums_ready() and neo.offer_sums(["410100"], 2024)["graduates"].sum() == 40
    neo.reindex()
    assert neo.sums_ready() and neo.offer_sums(["410100"], 2024)["graduates"].sum() == 40


def test_the_kept_sums_are_what_the_reads_use(tmp_path: Path) -> None:
    """Not a reference compared with itself: a kept sum changed behind the store's back is what it answers."""
    store = SqliteStore(tmp_path / "graph.sqlite")
    cs = base()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M1", {"year": 2024, "graduates": 40})
    store.apply(cs, fresh=True)
    assert store.offer_sums(["410100"], 2024)["graduates"].sum() == 40
    con = sqlite3.connect(tmp_path / "graph.sqlite")
    con.execute("UPDATE sum_offers SET graduates = 41")
    con.commit()
    assert store.offer_sums(["410100"], 2024)["graduates"].sum() == 41
    store.reindex()  # the rows decide again
    assert store.offer_sums(["410100"], 2024)["graduates"].sum() == 40
    con.close()
    store.close()


def test_the_kept_status_counts_are_what_the_chain_gaps_read(tmp_path: Path) -> None:
    """The chain gaps' cooperation counts come from ``sum_ent_coops`` (changed behind the store's back, the answer
    changes); a graph of layout 3 (no such table, nor its triggers) answers from the cooperations, the same; its
    next import completes the table, and the triggers it got keep it with the imports after."""
    from iekg.queries.cooperation import inactive_words

    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    store.apply(seeded(), fresh=True)
    cities, segments, words = {"all": list(CITIES)}, {"all": list(SEGMENTS)}, sorted(inactive_words())
    first = store.chain_enterprises(cities, segments, words)
    counted = {e: int(n) for e, n in zip(first["enterprise"], first["counted"], strict=True)}
    assert counted["E3"] == 2  # (其他 and a missing status count; 筹建中 and 已到期 are left out)
    con = sqlite3.connect(path)
    con.execute("UPDATE sum_ent_coops SET status = '已结束' WHERE enterprise = 'E3'")
    con.commit()
    moved = store.chain_enterprises(cities, segments, words)
    assert {e: int(n) for e, n in zip(moved["enterprise"], moved["counted"], strict=True)} == {**counted, "E3": 0}
    assert sorted(moved.loc[moved["enterprise"] == "E3", "left_out"].iloc[0]) == ["已结束"] * 4
    con.execute("DROP TABLE sum_ent_coops")  # layout 3, as the iekg before it left a graph
    for t in ("ecoops_rel_ins", "ecoops_rel_del", "ecoops_rel_upd"):
        con.execute(f"DROP TRIGGER {t}")
    con.execute("UPDATE meta SET value = 3 WHERE key = 'sums'")
    con.commit()
    assert store.sums_ready()
    assert chain_records(store.chain_enterprises(cities, segments, words)) == chain_records(first)
    store.apply(change(("coop", [("I1", "E3", "订单班", "已结束", 2020)])))  # the next import: all recomputed
    assert con.execute("SELECT value FROM meta WHERE key = 'sums'").fetchone()[0] == derived.SUMS_VERSION
    assert_enterprise_coops_equal_rows(store)
    store.apply(change(("coop", [("I1", "E3", "订单班", "进行中", 2021), ("I2", "E2", None, "已结束", None)])))
    assert_enterprise_coops_equal_rows(store)
    assert con.execute("SELECT sum(n) FROM sum_ent_coops WHERE enterprise = 'E3'").fetchone()[0] == 5
    con.close()
    store.close()


def many_programs() -> ChangeSet:
    """More programs of one major in one city than are kept (sums.KEPT_TOP), with tied volumes, a level without
    a duration, enrollment only, and programs in the other cities."""
    cs = base()
    for n in range(sums.KEPT_TOP + 7):
        inst = f"J{n:02d}"
        cs.add_node("Institution", inst, {"name": f"学校{inst}", "level": ("本科", "专科", None)[n % 3]})
        cs.add_rel("LOCATED_IN", f"Institution:{inst}", f"City:{CITIES[0] if n < sums.KEPT_TOP + 3 else CITIES[1]}")
        grads = None if n % 4 == 0 else (n * 7) % 11
        cs.add_rel("OFFERS", f"Institution:{inst}", "Major:M1", {"year": 2024, "graduates": grads, "enrollment": 30 + n})
        cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{MAJORS[1 + n % 2]}", {"year": 2024, "graduates": n % 5})
    return cs


def test_the_kept_first_programs_hold_the_scope_s_first_ones(tmp_path: Path) -> None:
    """More programs per city and major than are kept: every scope's first programs are still the rows' first;
    changed behind the store's back, the kept ones are what it answers; at the layout before them (2) and
    for a limit above what is kept, the programs are read, with the same answer; an import completes them."""
    store = SqliteStore(tmp_path / "graph.sqlite")
    store.apply(many_programs(), fresh=True)
    ref = Rows(store)
    for cs in ([CITIES[0]], [CITIES[1]], list(CITIES), [CITIES[0], CITIES[2]], [*CITIES, "419001"]):
        for limit in (1, 3, sums.KEPT_TOP - 1, sums.KEPT_TOP):
            assert_top_equal_rows(store, ref, cs, 2024, limit)
    con = sqlite3.connect(tmp_path / "graph.sqlite")
    kept = con.execute("SELECT count(*) FROM sum_top WHERE city = ? AND major = 'M1' AND by_volume", (CITIES[0],))
    assert kept.fetchone()[0] == sums.KEPT_TOP  # (of KEPT_TOP + 3)
    first = store.top_offers(list(CITIES), 2024, {"k": [("M1", 1.0)]}, sums.KEPT_DURATIONS, 1)
    con.execute("UPDATE sum_top SET volume = 1000.0 WHERE institution = 'J01' AND major = 'M1'")
    con.commit()
    moved = store.top_offers(list(CITIES), 2024, {"k": [("M1", 1.0)]}, sums.KEPT_DURATIONS, 1)
    assert moved[["institution", "supply"]].values.tolist() == [["J01", 1000.0]] != \
        first[["institution", "supply"]].values.tolist()
    con.execute("UPDATE meta SET value = 2 WHERE key = 'sums'")  # an older layout: the programs are read
    con.commit()
    assert store.sums_ready()  # (its other sums still are)
    assert records(store.top_offers(list(CITIES), 2024, {"k": [("M1", 1.0)]}, sums.KEPT_DURATIONS, 1)) == \
        records(first)
    for cs in ([CITIES[0]], list(CITIES)):
        assert_top_equal_rows(store, Rows(store), cs, 2024, 2)
        assert_top_equal_rows(store, Rows(store), cs, 2024, sums.KEPT_TOP + 5)
    store.apply(change(("offers", [("I1", "M1", 2024, 3, None, None, None)])))  # the next import: all recomputed
    assert con.execute("SELECT value FROM meta WHERE key = 'sums'").fetchone()[0] == derived.SUMS_VERSION
    assert con.execute("SELECT count(*) FROM sum_top WHERE volume = 1000.0").fetchone()[0] == 0
    for cs in ([CITIES[0]], list(CITIES)):
        assert_top_equal_rows(store, Rows(store), cs, 2024, sums.KEPT_TOP)
    con.close()
    store.close()


@pytest.mark.neo4j
def test_neo4j_kept_first_programs_hold_the_scope_s_first_ones(neo: Any) -> None:
    """The same on Neo4j (IekgTopSum): the rows' first programs, the kept ones what it answers, the programs
    walked at layout 2 with the same answer, ``reindex`` completing them again."""
    from iekg.graph import neo4j_sums

    neo.apply(many_programs(), fresh=True)
    assert neo.top_ready() and neo.sums_ready()
    ref = Rows(neo)
    for cs in ([CITIES[0]], [CITIES[1]], list(CITIES), [CITIES[0], CITIES[2]], [*CITIES, "419001"]):
        for limit in (1, 3, sums.KEPT_TOP):
            assert_top_equal_rows(neo, ref, cs, 2024, limit)
    one = {"k": [("M1", 1.0)]}
    first = neo.top_offers(list(CITIES), 2024, one, sums.KEPT_DURATIONS, 1)
    neo._write(f"MATCH (s:{neo4j_sums.TOP_SUM} {{city: $c, major: 'M1'}}) "
               "SET s.vi = ['J01'] + s.vi[1..], s.vv = [1000.0] + s.vv[1..]", c=CITIES[0])
    neo.forget()
    moved = neo.top_offers(list(CITIES), 2024, one, sums.KEPT_DURATIONS, 1)
    assert moved[["institution", "supply"]].values.tolist() == [["J01", 1000.0]] != \
        first[["institution", "supply"]].values.tolist()
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 2")  # an older layout
    neo.forget()
    assert neo.sums_ready() and not neo.top_ready()
    assert records(neo.top_offers(list(CITIES), 2024, one, sums.KEPT_DURATIONS, 1)) == records(first)
    assert_top_equal_rows(neo, Rows(neo), list(CITIES), 2024, 2)
    neo.reindex()
    assert neo.top_ready()
    for cs in ([CITIES[0]], list(CITIES)):
        assert_top_equal_rows(neo, Rows(neo), cs, 2024, sums.KEPT_TOP)


def test_the_kept_cooperations_are_what_the_reads_use(tmp_path: Path) -> None:
    """The cooperation counts the measures ask for come from ``sum_coops`` (changed behind the store's back,
    the answer changes); any other ``aligned`` mapping is applied to the relationships as given."""
    from iekg.queries.cooperation import inactive_words

    store = SqliteStore(tmp_path / "graph.sqlite")
    cs = base()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M1", {"year": 2024, "graduates": 40})
    cs.add_rel("COOPERATES_WITH", "Institution:I1", "Enterprise:E1", {"type": "实习实训", "status": "已到期",
                                                                     "since": 2019})
    store.apply(cs, fresh=True)
    aligned = {"13": ["M1"]}
    got = store.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert records(got) == records(sums.cooperation_counts(store, ["410100"], 2024, aligned, inactive_words()))
    assert got.set_index("industry").loc["13"].to_dict() == {"enterprises": 1, "cooperating": 1,
                                                              "left_out_enterprises": 0, "unstated": 0}
    left = store.cooperation_list(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert left[["industry", "institution", "enterprise", "status", "since"]].values.tolist() == [
        ["13", "I1", "E1", "已到期", 2019]]
    con = sqlite3.connect(tmp_path / "graph.sqlite")
    assert con.execute("SELECT count(*) FROM sum_coops WHERE year = 2024").fetchone()[0] == 2
    con.execute("UPDATE sum_coops SET status = '已结束'")
    con.commit()
    store.forget()  # (a change behind the store's back does not move the graph version its memo is kept by)
    got = store.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert got.set_index("industry").loc["13", "cooperating"] == 0
    assert got.set_index("industry").loc["13", "left_out_enterprises"] == 1
    # a mapping that is not the crosswalk's own: the relationships, as given
    assert store.cooperation_counts(["410100"], 2024, aligned, inactive_words()).set_index(
        "industry").loc["13", "cooperating"] == 1
    store.reindex()  # the rows decide again
    got = store.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())
    assert got.set_index("industry").loc["13", "cooperating"] == 1
    con.close()
    store.close()


def test_a_graph_of_the_first_kept_layout_gets_the_cooperations_when_opened(tmp_path: Path) -> None:
    """A home written when the sums were kept but the cooperations not yet (``meta.sums`` 1, no ``sum_coops``):
    opened, it gets them (once, in one transaction), and the answers are the rows'."""
    from iekg.queries.cooperation import inactive_words

    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    cs = base()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M1", {"year": 2024, "graduates": 40})
    store.apply(cs, fresh=True)
    store.close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE sum_coops")
    for t in ("coops_rel_ins", "coops_rel_del", "coops_rel_upd"):
        con.execute(f"DROP TRIGGER {t}")
    con.execute("UPDATE meta SET value = 1 WHERE key = 'sums'")
    con.commit()
    assert con.execute("SELECT count(*) FROM sum_offers").fetchone()[0] == 1
    con.close()
    aligned = {"13": ["M1"]}
    again = SqliteStore(path)
    assert again.sums_ready()
    want = records(sums.cooperation_counts(again, ["410100"], 2024, aligned, inactive_words()))
    assert records(again.cooperation_counts(["410100"], 2024, CrosswalkAligned(aligned), inactive_words())) == want
    assert {r["industry"]: r["cooperating"] for r in want}["13"] == 1
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sum_coops").fetchone()[0] == 1
    assert con.execute("SELECT value FROM meta WHERE key = 'sums'").fetchone()[0] == derived.SUMS_VERSION
    con.close()
    again.close()


def test_a_graph_from_before_the_kept_sums_gets_them_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite"
    store = SqliteStore(path)
    cs = base()
    cs.add_rel("OFFERS", "Institution:I2", "Major:M2", {"year": 2023, "graduates": 7, "enrollment": 30})
    cs.add_rel("DEMANDS", "City:410200", "Industry:13", {"year": 2023, "headcount": 12, "city_code": "410200"})
    store.apply(cs, fresh=True)
    store.close()
    con = sqlite3.connect(path)  # as an older iekg left it: no sums, no triggers
    for t in ("sum_offers", "sum_inst_years", "sum_demand", "sum_dirty"):
        con.execute(f"DROP TABLE {t}")
    con.execute("DELETE FROM meta WHERE key = 'sums'")
    con.commit()
    con.close()
    again = SqliteStore(path)
    assert again.sums_ready()
    assert again.offer_sums(["410200"], 2023)["graduates"].sum() == 7
    assert records(again.demand_sums(["410200"], 2023)) == records(sums.demand_sums(again, ["410200"], 2023))
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sum_offers").fetchone()[0] == 1
    con.close()
    again.close()


# the statement gaps ran before issue 20: the crosswalk pairs as a JSON table joined inside the programs' loop
_OLD_TOP = (
    f"WITH {sql.LOC}, p(key, major, weight) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]') FROM json_each(:pairs)), d(level, dur) AS (SELECT key, value FROM "
    "json_each(:durations)) SELECT p.key, loc.inst, o.dst_id, o.year, o.graduates * p.weight FROM loc CROSS JOIN "
    "rels o ON o.src_id = loc.inst AND o.type = 'OFFERS' AND o.year = :year CROSS JOIN p ON p.major = o.dst_id")


_FIGURES = sql.rel_filter("OFFERS", "Institution", "Major", ["X1", "X2"], ["M1"], {"year": 2024})

HOT = {  # the statements a planner's questions run on the embedded store, and what they may scan (the asked
    # cities and the levels' durations passed as JSON, and the statement's own intermediate results)
    "offer sums (kept)": (derived.READ_OFFERS.format(majors=""), {"cities": '["410100"]', "year": 2024}, {"c"}),
    "demand sums (kept)": (derived.READ_DEMAND, {"cities": '["410100"]', "year": 2024}, {"c"}),
    "year counts (kept)": (derived.READ_YEAR_COUNTS.format(years=""), {"cities": '["410100"]'}, {"c"}),
    "top programs (before issue 20)": (_OLD_TOP, {"cities": '["410100"]', "year": 2024, "limit": 5,
                                                  "durations": '{"本科": 4}', "pairs": '[["13", "M1", 0.5]]'}, set()),
    "top programs": (sql.TOP_CANDIDATES.format(by_inst="", by_inst_cond=""),
                     {"cities": '["410100"]', "year": 2024, "limit": 5, "durations": '{"本科": 4}'},
                     {"c", "loc", "li", "d", "o"}),
    "top programs, one city": (sql.TOP_ALL, {"cities": '["410100"]', "year": 2024, "limit": 5,
                                              "durations": '{"本科": 4}'}, {"c", "loc", "li", "d", "o"}),
    # a gap's largest programs from the kept first programs (sum_top): many cities, and a few
    "top programs (kept)": (derived.READ_TOP.format(by_inst=derived.READ_TOP_BY_INST,
                                                    union_inst=derived.READ_TOP_UNION_INST),
                            {"cities": '["410100", "410200", "410300", "410400"]', "year": 2024, "off": 4,
                             "majors": '["M1", "M2"]', "zero": '["M2"]'}, {"c", "m", "tv", "ti", "rv", "ri", "x"}),
    "top programs, a few cities (kept)": (derived.READ_TOP_FEW.format(by_inst=derived.READ_TOP_FEW_BY_INST),
                                          {"cities": '["410100"]', "year": 2024}, {"c"}),
    # who trains / partners nationwide: the programs' figures of every institution (SqliteStore.rel_frame)
    "program figures": (sql.REL_FRAME.format(columns=", r.year, r.graduates, r.enrollment", cond=_FIGURES[0]),
                        _FIGURES[1], set()),
    # readiness' leading majors of every city: the year's programs marked leading, from their own partial index
    "leading programs": (sql.LEADING_OFFERS, [2024, '["X1", "X2"]'], set()),
}


@pytest.mark.parametrize("name", [n for n in sorted(HOT) if "before" not in n])
def test_hot_statements_read_through_indexes(name: str) -> None:
    """``EXPLAIN QUERY PLAN`` of the hot statements on a graph of 60 cities, with statistics (``ANALYZE``):
    every read of a table of the graph (rels, nodes, the kept sums) is a SEARCH through an index; the only
    SCANs are of the statement's own small inputs and intermediate results."""
    store = SqliteStore()
    cs = base()
    for n in range(60):
        city, inst = f"41{n:04d}", f"X{n}"
        cs.add_node("City", city, {"name": city})
        cs.add_node("Institution", inst, {"name": inst, "level": "本科"})
        cs.add_rel("LOCATED_IN", f"Institution:{inst}", f"City:{city}")
        cs.add_rel("DEMANDS", f"City:{city}", "Industry:13", {"year": 2024, "headcount": n, "city_code": city})
        for m in MAJORS:
            for y in YEARS:
                cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{m}", {"year": y, "graduates": n})
    store.apply(cs, fresh=True)
    text, params, own = HOT[name]
    with store._use() as con:
        con.execute("ANALYZE")
        rows = con.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
    plan = [r[3] for r in rows]
    # a JSON list read in the inner loop of a join over the graph's rows (the 35-second gaps of issue 20):
    # under one parent, a SEARCH of a table followed by a SCAN of a virtual table
    for parent in {r[1] for r in rows}:
        steps = [r[3] for r in rows if r[1] == parent]
        first_search = next((k for k, d in enumerate(steps) if d.startswith("SEARCH ")), None)
        if first_search is not None:
            assert not any("VIRTUAL TABLE" in d for d in steps[first_search:]), plan
    scans = [p for p in plan if p.startswith("SCAN ") and "VIRTUAL TABLE" not in p
             and not p.startswith("SCAN (subquery") and p.split()[1] not in own]
    assert not scans, plan
    searches = [p for p in plan if p.startswith("SEARCH ")]
    assert searches and all(" INDEX " in p or "PRIMARY KEY" in p for p in searches), plan


def test_program_figures_are_read_from_the_index_alone_with_the_values_written() -> None:
    """``rel_frame`` of OFFERS' year and figures reads the typed copies in the index (no row, no JSON) and gives
    the values written: integers as integers, a float as written, a missing figure as None."""
    store = SqliteStore()
    cs = base()
    cs.add_node("Institution", "X1", {"name": "X1", "level": "本科"})
    cs.add_rel("OFFERS", "Institution:X1", "Major:M1", {"year": 2024, "graduates": 115, "enrollment": 480})
    cs.add_rel("OFFERS", "Institution:X1", "Major:M2", {"year": 2024, "enrollment": 37.5})
    cs.add_rel("OFFERS", "Institution:X1", "Major:M3", {"year": 2023, "graduates": 9})
    store.apply(cs, fresh=True)
    f = store.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_ids=["X1"], where={"year": 2024})
    got = sorted(zip(f["dst"], f["year"].tolist(), f["graduates"].tolist(), f["enrollment"].tolist(), strict=True))
    assert [(m, y, None if g != g else g, e) for m, y, g, e in got] == [("M1", 2024, 115, 480), ("M2", 2024, None, 37.5)]
    text, params, _ = HOT["program figures"]
    with store._use() as con:
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + text, params)]
    assert any(p.startswith("SEARCH r USING COVERING INDEX rels_src_year") for p in plan), plan


def test_the_plan_check_catches_the_statement_gaps_ran_before() -> None:
    """The check above is not one that cannot fail: the statement of before issue 20 fails it."""
    with pytest.raises(AssertionError):
        test_hot_statements_read_through_indexes("top programs (before issue 20)")


def test_readiness_of_all_cities_set_at_a_time_equals_each_city_alone(demo_graph: Path, tmp_path: Path) -> None:
    """``readiness_all`` reads every city's sums and frames in one pass (ScopeSums.gather_each, Batch); each
    city's answer is the one ``readiness`` gives for that city alone, in a fresh store."""
    from conftest import demo_copy

    from iekg.queries.readiness import readiness, readiness_all

    home = demo_copy(demo_graph, tmp_path / "home")
    every = {r["city"]: r for r in readiness_all(SqliteStore(home / "graph.sqlite"))}
    assert len(every) >= 18 and sum(r["targets_met"] for r in every.values()) > 0
    for city, got in every.items():
        alone = readiness(SqliteStore(home / "graph.sqlite"), city)
        got = {k: v for k, v in got.items() if k not in ("rank", "relative_shortfall")}
        assert json.dumps(got, sort_keys=True, default=str) == json.dumps(alone, sort_keys=True, default=str), city


def test_cli_reindex_recomputes_what_the_imports_keep(demo_graph: Path, tmp_path: Path) -> None:
    """``iekg reindex`` on the demo graph: every city recomputed, the same sums as before (they were kept), and a
    new graph version."""
    import subprocess
    import sys

    from conftest import demo_copy

    home = demo_copy(demo_graph, tmp_path / "home")
    store = SqliteStore(home / "graph.sqlite")
    cities = sorted(n.id for n in store.nodes("City"))
    before = records(store.offer_sums(cities, 2024)), records(store.demand_sums(cities, 2024))
    version = store.version()
    store.close()
    p = subprocess.run([sys.executable, "-c", "from iekg.cli import main; main()", "--home", str(home), "reindex",
                        "--format", "json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    assert got["store"] == "sqlite" and got["sums_ready"] is True and got["cities"] == 18 and got["city_codes"] >= 18
    store = SqliteStore(home / "graph.sqlite")
    assert (records(store.offer_sums(cities, 2024)), records(store.demand_sums(cities, 2024))) == before
    assert before[0] and before[1]
    # a new version: what a server memoised from the sums before (a reindex is run when they are in doubt) is dropped
    assert store.version() > version


def test_gaps_with_a_limit_are_the_first_of_all_the_gaps(demo_graph: Path, tmp_path: Path) -> None:
    """With a limit, the no_cooperation gaps beyond it are never built in full (stubs, ranked and counted): the
    answer is the full answer's first ``limit`` gaps, with the same counts and total, labels and all."""
    from conftest import demo_copy

    from iekg.queries.gaps import gaps
    from iekg.queries.scope import resolve_scope

    home = demo_copy(demo_graph, tmp_path / "home")
    store = SqliteStore(home / "graph.sqlite")
    for kw in ({"province": "410000"}, {"city": "410200"}):
        scope = resolve_scope(store, **kw)  # type: ignore[arg-type]
        every = gaps(store, scope)
        assert every["counts"]["no_cooperation"] > 3, every["counts"]
        for limit in (1, 3, 40):
            store.forget()
            got = gaps(store, scope, limit=limit)
            assert not any(g.get("stub") for g in got["gaps"])
            want = {**every, "gaps": every["gaps"][:limit]}
            assert json.dumps(got, sort_keys=True, default=str) == json.dumps(want, sort_keys=True, default=str)
        only = gaps(store, scope, types=("no_cooperation",), limit=2)
        assert [g["entity"] for g in only["gaps"]] == [g["entity"] for g in every["gaps"]
                                                      if g["type"] == "no_cooperation"][:2]
    store.close()
