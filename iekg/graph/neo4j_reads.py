"""The reads of the Neo4j store: nodes, neighbourhoods, path links, search, counts, the frames the queries
filter in Cypher and the aggregations (one parameterised statement each, over the sums kept with the data
where they are complete: :mod:`iekg.graph.neo4j_sums`).  :class:`Neo4jReads` is a part of
:class:`~iekg.graph.neo4jstore.Neo4jStore` (which gives it ``_read`` and ``sums_ready``), kept apart so that
the store module holds the connection and the writes.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress, islice, repeat
from operator import neg
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph import cypher as cy
from iekg.graph import neo4j_sums
from iekg.graph.cypher import KEY, fill
from iekg.graph.schema import NODE_TYPES, split_uid
from iekg.graph.store import (
    OFFER_COUNT_COLUMNS,
    OFFER_COUNT_KEYS,
    LinkKey,
    Node,
    Rel,
    offer_counts_frame,
    search_rank,
)
from iekg.graph.sums import (
    COOPERATION_COLUMNS,
    COOPERATION_LIST_COLUMNS,
    DEMAND_SUM_COLUMNS,
    OFFER_KEYS,
    OFFER_SUM_COLUMNS,
    OFFER_YEAR_COUNT_COLUMNS,
    ROLLUP_PATTERN,
    TOP_OFFER_COLUMNS,
    CrosswalkAligned,
    kept_top_fits,
    rank_candidates,
)

# Store.offer_counts from the kept sum nodes (neo4j_sums.READ_OFFERS' nodes), summed over the majors
_READ_OFFER_COUNTS = (
    f"MATCH (s:{neo4j_sums.OFFER_SUM}) WHERE s.city IN $cities AND s.year = $year "
    "RETURN s.city AS city, s.major_level AS major_level, s.inst_level AS inst_level, "
    "  sum(s.programs) AS programs, sum(s.with_graduates) AS with_graduates, "
    "  sum(s.enrollment_only_n) AS enrollment_only_n")
# the same from the cities' packed sums (IekgOfferPack: 18 nodes for a province, not 22,000 sum nodes; the lists
# walked on the server, a level's position -1 being none), and the cities whose pack holds no lists (``packed``
# false) from their sum nodes as above
_READ_PACKED_OFFER_COUNTS = (
    f"MATCH (p:{neo4j_sums.OFFER_PACK}) WHERE p.city IN $cities AND p.year = $year AND p.packed "
    "WITH p.city AS city, p.levels + [null] AS lv, p.major_level AS ml, p.inst_level AS il, p.programs AS pr, "
    "  p.with_graduates AS wg, p.enrollment_only_n AS eo "
    "UNWIND range(0, size(pr) - 1) AS i "
    "RETURN city, lv[ml[i]] AS major_level, lv[il[i]] AS inst_level, sum(pr[i]) AS programs, "
    "  sum(wg[i]) AS with_graduates, sum(eo[i]) AS enrollment_only_n "
    "UNION ALL "
    f"MATCH (p:{neo4j_sums.OFFER_PACK}) WHERE p.city IN $cities AND p.year = $year AND NOT p.packed "
    "WITH collect(p.city) AS rest "
    f"MATCH (s:{neo4j_sums.OFFER_SUM}) WHERE s.city IN rest AND s.year = $year "
    "RETURN s.city AS city, s.major_level AS major_level, s.inst_level AS inst_level, "
    "  sum(s.programs) AS programs, sum(s.with_graduates) AS with_graduates, "
    "  sum(s.enrollment_only_n) AS enrollment_only_n")

# (compare / readiness --all) Store.offer_year_counts_each from the kept programs per city, year and institution:
# every integer year of each asked city (as READ_YEARS), with the programs and institutions counted where the
# year has programs (as READ_YEAR_COUNTS)
_READ_YEAR_COUNTS_EACH = (
    f"MATCH (s:{neo4j_sums.INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER "
    "RETURN s.city AS city, s.year AS year, sum(CASE WHEN s.programs > 0 THEN s.programs ELSE 0 END) AS programs, "
    "  count(DISTINCT CASE WHEN s.programs > 0 THEN s.institution END) AS institutions")

# (gaps) each wanted major's first $limit kept programs over the asked cities, merged on the server
# (neo4j_sums.IekgTopSum: each city's first ones by volume, then institution — the scope's first ones are among
# them): one list per major instead of one per city and major
_READ_TOP_MERGED = (
    f"UNWIND $cities AS cid MATCH (s:{neo4j_sums.TOP_SUM} {{city: cid, year: $year}}) WHERE $wanted[s.major] IS NOT NULL "
    "WITH s.major AS major, collect(s) AS kept "
    "CALL (kept) { UNWIND kept AS s UNWIND range(0, size(s.vi) - 1) AS j "
    "  WITH s.year AS y, s.vi[j] AS inst, s.vv[j] AS vol ORDER BY vol DESC, inst LIMIT $limit "
    "  RETURN collect([inst, y, vol]) AS top } "
    "RETURN collect([major, top]) AS rows")


# (data coverage) the kept programs per city, year and institution of the asked cities, per integer year: all its
# programs (neo4j_sums.READ_YEARS' sum), and the programs of the institutions with some and those institutions
# (READ_YEAR_COUNTS' sum and distinct count; the year's offering institutions)
_READ_INST_YEARS = (
    f"MATCH (s:{neo4j_sums.INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER "
    "WITH s.year AS y, sum(s.programs) AS n, sum(CASE WHEN s.programs > 0 THEN s.programs ELSE 0 END) AS np, "
    "  collect(DISTINCT CASE WHEN s.programs > 0 THEN s.institution END) AS ids "
    "RETURN collect([y, n, np, ids]) AS rows")

# (a city's gaps) each wanted major's kept lists, cut to their first $limit: one city's lists are already in the
# merged order (volume descending, then institution), so nothing is sorted on the server
_READ_TOP_FIRST = (
    f"UNWIND $cities AS cid MATCH (s:{neo4j_sums.TOP_SUM} {{city: cid, year: $year}}) WHERE $wanted[s.major] IS NOT NULL "
    "RETURN collect([s.major, s.year, s.vi[..$limit], s.vv[..$limit]]) AS rows")


def _from_columns(columns: list[list[Any]], names: list[str]) -> pd.DataFrame:
    """A frame of columns read by column (cypher.NODE_COLUMNS, REL_COLUMNS, LOCATED_COLUMNS), typed as pandas typed
    the rows read one list per row.  Given as columns (half the time of a frame made from the rows zipped: each
    column is inferred alike either way — numbers, text, missing values, temporal values, lists — which
    tests/test_neo4j_column_reads.py checks); no row, or a name given twice, from the rows as before."""
    if not columns or not len(columns[0]) or len(set(names)) != len(names):
        return pd.DataFrame(list(zip(*columns, strict=True)), columns=names)
    if len(columns) != len(names) or any(len(c) != len(columns[0]) for c in columns):
        raise ValueError("columns of unequal lengths")  # (as zip(strict=True) refused them)
    return pd.DataFrame(dict(zip(names, columns, strict=True)))


def _typed(values: list[Any]) -> Any:
    """A column's values as the frame would type them, without pandas looking at each: all of them ints (no bool)
    an int64 array, all floats a float64 one; else the list itself, typed by pandas.  (The province's offer sums,
    22,000 rows of 14 number columns: 46 → 30 ms for the frame.)"""
    kinds = set(map(type, values))
    try:
        if kinds == {int}:
            return np.array(values, dtype=np.int64)
        if kinds == {float}:
            return np.array(values, dtype=np.float64)
    except OverflowError:  # (an int beyond int64: pandas makes it another type)
        pass
    return values


def _top_columns(top: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """Each major's first programs ([institution, year, volume]) as candidate columns (sums.CANDIDATE_COLUMNS)."""
    cols: dict[str, list[Any]] = {"institution": [], "major": [], "year": [], "volume": []}
    for m, got in top.items():
        for i, y, v in got:
            cols["institution"].append(i)
            cols["year"].append(y)
            cols["volume"].append(v)
        cols["major"] += [m] * len(got)
    return cols


def _kept_columns(rows: list[list[Any]]) -> dict[str, list[Any]] | None:
    """Kept first programs, one list per major already in order and cut on the server ([major, year, institutions,
    volumes]: a city's IekgTopSum, a province's IekgTopScope), as candidate columns without a list per program —
    what :meth:`Neo4jReads._merged_top` takes of a major's one list; None if a major came twice or a list's
    institutions and volumes differ in length (read as before then)."""
    cols: dict[str, list[Any]] = {"institution": [], "major": [], "year": [], "volume": []}
    seen: set[str] = set()
    for major, y, vi, vv in rows:
        if major in seen or len(vi) != len(vv):
            return None
        seen.add(major)
        cols["institution"] += vi
        cols["volume"] += vv
        cols["major"] += [major] * len(vi)
        cols["year"] += [y] * len(vi)
    return cols


def _candidate_frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    """The candidate columns as the frame :func:`rank_candidates` reads: institution and major as object columns
    (it takes them as object arrays: a frame of text columns was typed ``str`` by pandas and turned back, 4 → 2 ms
    for a city's 15,000 candidates), year and volume typed as pandas types them (:func:`_typed`).  The same codes,
    values and order come out: missing ids are missing either way (``factorize`` gives both -1)."""
    n = len(cols["institution"])
    return pd.DataFrame({"institution": pd.Series(np.fromiter(cols["institution"], dtype=object, count=n), dtype=object),
                         "major": pd.Series(np.fromiter(cols["major"], dtype=object, count=n), dtype=object),
                         "year": _typed(cols["year"]), "volume": _typed(cols["volume"])})


def _ranked(cols: dict[str, list[Any]], weights: Mapping[str, Sequence[tuple[str, float]]], limit: int) -> pd.DataFrame:
    """``top_offers`` of pairs with no weight 0 from the majors' first programs (candidate columns): each key's
    ranked by :func:`iekg.graph.sums.rank_candidates` — key, supply descending, then institution, then major,
    the order in which the tuples were sorted per key here before: the same rows and values (the keys are text,
    so their sorted order is the factorized one)."""
    pairs = [(k, str(m), float(w)) for k, ps in sorted(weights.items()) for m, w in ps]
    out = rank_candidates(_candidate_frame(cols), pairs, limit)
    if out.empty:  # (typed as the frame of no rows before)
        return pd.DataFrame([], columns=list(TOP_OFFER_COLUMNS))
    return out


class Neo4jReads:
    """``Store``'s reads over a Neo4j database (see :class:`iekg.graph.store.Store`)."""

    def _read(self, query: str, **params: Any) -> list[Any]:
        raise NotImplementedError  # Neo4jStore's

    def sums_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's

    def _rows(self, query: str, **params: Any) -> list[list[Any]]:
        """The list ``rows`` of a statement that returns all its rows in one record (``RETURN collect([…]) AS
        rows``): one record over Bolt instead of one per row."""
        recs = self._read(query, **params)
        return list(recs[0]["rows"]) if recs else []

    # ------------------------------------------------------------------------------------- reads
    @staticmethod
    def _node(label: str, props: dict[str, Any]) -> Node:
        return Node(f"{label}:{props['id']}", label, dict(sorted(props.items())))  # canonical key order

    def get(self, uid: str) -> Node | None:
        label, ident = split_uid(uid)
        if label not in NODE_TYPES:
            return None
        if self._in_answer():  # read once per graph version (a city's gaps asked for its city three times)
            props = self.memo(("neo4j-get", label, ident), lambda: self._get_props(label, ident))  # type: ignore[attr-defined]
            # (each caller its own node, as a read gives: a property's list is copied, never shared)
            return None if props is None else self._node(label, {k: list(v) if isinstance(v, list) else v
                                                                   for k, v in props.items()})
        props = self._get_props(label, ident)
        return None if props is None else self._node(label, props)

    def _get_props(self, label: str, ident: str) -> dict[str, Any] | None:
        recs = self._read(fill(cy.GET_NODE, node=label), id=ident)
        return dict(recs[0]["p"]) if recs else None

    def _in_answer(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: this thread is within an answer (pinned)


    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        recs = self._read(fill(cy.EXISTING, node=label), ids=ids)
        return {r["id"] for r in recs}

    def nodes(self, label: str) -> list[Node]:
        recs = self._read(fill(cy.NODES_OF, node=label))
        return [self._node(label, r["p"]) for r in recs]

    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        label, ident = split_uid(uid)
        if label not in NODE_TYPES:
            return []
        types = sorted(set(rel_types)) if rel_types else None
        labs = sorted(set(labels)) if labels else None
        for t in types or ():
            cy.rel_type(t)
        recs = self._read(fill(cy.NEIGHBOURS[direction], node=label), id=ident, types=types, labels=labs)
        out: list[tuple[Rel, Node]] = []
        for r in recs:
            other = self._node(r["ml"], r["mp"])
            if other.uid == uid and direction == "both" and not r["out"]:
                continue  # a self-loop is seen twice undirected; networkx lists it once per direction
            props = {k: v for k, v in sorted(r["rp"].items()) if k != KEY}
            src, dst = (uid, other.uid) if r["out"] else (other.uid, uid)
            out.append((Rel(r["type"], src, dst, props), other))
        out.sort(key=lambda rn: (rn[0].type, rn[1].uid, rn[0].key))
        return out[:limit] if limit is not None else out

    def snapshot(self) -> dict[str, Any]:
        """As :meth:`Store.snapshot` — every node of each schema label and every node's outgoing relationships
        as :meth:`neighbours` reads them — with one statement per label for the relationships instead of one
        per node (the demo graph: seconds instead of a minute)."""
        nodes: dict[str, Any] = {}
        rels: dict[str, Any] = {}
        for label in NODE_TYPES:
            for n in self.nodes(label):
                nodes[n.uid] = dict(sorted(n.props.items()))
            for ident, rtype, rp, ml, mid in self._rows(fill(cy.OUT_RELS, node=label)):
                rel = Rel(rtype, f"{label}:{ident}", f"{ml}:{mid}", {k: v for k, v in sorted(rp.items()) if k != KEY})
                rels[rel.key] = dict(sorted(rel.props.items()))
        return {"nodes": dict(sorted(nodes.items())), "rels": dict(sorted(rels.items()))}

    @staticmethod
    def _by_label(uids: Iterable[str]) -> dict[str, list[str]]:
        """Ids grouped by their (schema) label; uids of other labels cannot exist and are left out."""
        out: dict[str, list[str]] = defaultdict(list)
        for u in sorted(set(uids)):
            label, ident = split_uid(u)
            if label in NODE_TYPES:
                out[label].append(ident)
        return out

    def links(self, uids: Iterable[str], rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[Rel, str]]]:
        wanted = list(uids)
        types = sorted(set(rel_types)) if rel_types else None
        for t in types or ():
            cy.rel_type(t)
        out: dict[str, list[tuple[Rel, str]]] = {u: [] for u in wanted}
        for label, ids in sorted(self._by_label(wanted).items()):
            recs = self._read(fill(cy.LINKS, node=label), ids=ids, types=types)
            for r in recs:
                u, other = f"{label}:{r['id']}", f"{r['ml']}:{r['mid']}"
                props = {k: v for k, v in sorted(r["rp"].items()) if k != KEY}
                src, dst = (u, other) if r["out"] else (other, u)
                out[u].append((Rel(r["type"], src, dst, props), other))
        return out

    def link_keys(self, uids: Iterable[str],
                  rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[LinkKey, str]]]:
        """:meth:`links` returning each relationship's type, ends and ``_key`` only (no properties over Bolt)."""
        wanted = list(uids)
        types = sorted(set(rel_types)) if rel_types else None
        for t in types or ():
            cy.rel_type(t)
        out: dict[str, list[tuple[LinkKey, str]]] = {u: [] for u in wanted}
        for label, ids in sorted(self._by_label(wanted).items()):
            for r in self._read(fill(cy.LINK_KEYS, node=label), ids=ids, types=types):
                u, other = f"{label}:{r['id']}", f"{r['ml']}:{r['mid']}"
                src, dst = (u, other) if r["out"] else (other, u)
                out[u].append((LinkKey(r["type"], src, dst, r["k"]), other))
        return out

    def rels_by_key(self, links: Iterable[LinkKey]) -> dict[str, Rel]:
        """One read per relationship type, through the unique index on ``_key``."""
        by_type: dict[str, dict[str, LinkKey]] = defaultdict(dict)
        for lk in links:
            by_type[lk.type][lk.key] = lk
        out: dict[str, Rel] = {}
        for t, keyed in sorted(by_type.items()):
            for r in self._read(fill(cy.RELS_BY_KEY, rel=t), keys=sorted(keyed)):
                lk = keyed[r["k"]]
                out[lk.key] = Rel(lk.type, lk.src, lk.dst, {k: v for k, v in sorted(r["rp"].items()) if k != KEY})
        return out

    def get_many(self, uids: Iterable[str]) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for label, ids in sorted(self._by_label(uids).items()):
            recs = self._read(fill(cy.GET_MANY, node=label), ids=ids)
            for r in recs:
                n = self._node(label, r["p"])
                out[n.uid] = n
        return out

    def search(self, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[Node]:
        q = text.strip().lower()
        if not q:
            return []
        hits: list[tuple[int, int, str, Node]] = []
        for label in sorted(set(labels) if labels else NODE_TYPES):
            fields = list(NODE_TYPES[label].search)
            recs = self._read(fill(cy.SEARCH, node=label), q=q, fields=fields)
            for r in recs:
                node = self._node(label, r["p"])
                rank = search_rank(q, node.props, fields)
                if rank is not None:
                    hits.append((*rank, node.uid, node))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        labels = {r["l"]: r["n"] for r in self._read(cy.LABEL_COUNTS)}
        types = {r["t"]: r["n"] for r in self._read(cy.TYPE_COUNTS)}
        return dict(sorted(labels.items())), dict(sorted(types.items()))

    def source_kind_counts(self) -> dict[str, int]:
        """Counted on the server."""
        recs = self._read(cy.KIND_COUNTS)
        out: dict[str, int] = {}
        for r in recs:
            out[str(r["k"])] = out.get(str(r["k"]), 0) + r["n"]
        return dict(sorted(out.items()))

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = tuple(props)
        wanted = None if ids is None else sorted(set(ids))
        q = fill(cy.NODE_COLUMNS if ids is None else cy.NODE_COLUMNS_IDS, node=label)
        if wanted == []:  # (no id asked, no row: no round trip — e.g. the levels of no unlevelled institution)
            return pd.DataFrame([], columns=["id", *props])
        if (label in cy.CATALOGUE_LABELS and wanted is not None and len(wanted) >= cy.CATALOGUE_SCAN_MIN
                and all(type(i) is str for i in wanted)):
            # most of a catalogue label: one pass over it, each node looked up in a map, then in the ids' order
            got = self._rows(fill(cy.NODE_COLUMNS_KEEP, node=label), props=list(props), keep=dict.fromkeys(wanted, True))
            found = got[0]
            if any(found[k] > found[k + 1] for k in range(len(found) - 1)):  # (as the seeks gave them: sorted ids)
                order = sorted(range(len(found)), key=found.__getitem__)
                got = [[found[k] for k in order], [[col[k] for k in order] for col in got[1]]]
            return _from_columns([got[0], *got[1]], ["id", *props])
        got = self._rows(q, props=list(props), ids=wanted)
        return _from_columns([got[0], *got[1]], ["id", *props])

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Filters run on the server (see :func:`iekg.graph.cypher.rel_match`).  Many start ids and the indexed
        properties of the type among the filters (the year's leading programs of every institution): the few
        relationships through the index (a scan without it), cut to the start ids here, not an expansion of
        every relationship of tens of thousands of nodes."""
        props = tuple(props)
        src_ids = None if src_ids is None else list(src_ids)
        dst_ids = None if dst_ids is None else list(dst_ids)
        none_asked = src_ids == [] or dst_ids == []  # (no id asked at an end: no row, and no round trip below)
        year = (where or {}).get("year")
        if (rel_type == "OFFERS" and src_label == "Institution" and dst_label == "Major" and dst_ids
                and src_ids != [] and set(where or {}) == {"year"} and isinstance(year, int)
                and not isinstance(year, bool) and set(props) <= neo4j_sums.PROGRAM_PROPS and self.programs_ready()):
            # some majors' programs of a year: from the majors' program packs (IekgProgramPack)
            got = neo4j_sums.program_frame(
                self._rows(neo4j_sums.READ_PROGRAMS, majors=sorted(set(dst_ids)), year=year), props, year,
                None if src_ids is None else set(src_ids))
            if got is not None:
                return got
        src_keep: set[str] | None = None
        indexed = cy.INDEXED_REL_PROPS.get(rel_type, frozenset())
        if (src_ids is not None and dst_ids is None and indexed
                and indexed <= {k for k, v in (where or {}).items() if not isinstance(v, (list, tuple, set, frozenset))}):
            src_ids = {str(i) for i in src_ids}
            if len(src_ids) > cy.SEEK_MAX:
                src_keep, src_ids = src_ids, None
        if none_asked:
            return pd.DataFrame([], columns=["src", "dst", *props])
        match, params = cy.rel_match(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        if src_keep is not None and len(src_keep) <= cy.KEEP_MAX:
            # the index's rows cut to the start ids on the server, by a map lookup per row (a city's 1,020
            # institutions: 602 of the year's 10,291 leading programs cross Bolt, 15 → 9 ms); the same rows in the
            # same order as cutting the frame here, as below for more ids (sending them costs more than it saves)
            match, params = match + cy.KEEP_SRC, {**params, "keep_src": dict.fromkeys(sorted(src_keep), True)}
            src_keep = None
        cols = self._rows(match + cy.REL_COLUMNS, props=list(props), **params)
        out = _from_columns([cols[0], cols[1], *cols[2]], ["src", "dst", *props])
        if src_keep is not None:
            out = out[out["src"].isin(src_keep)].reset_index(drop=True)
        return out

    def sources_with(self, rel_type: str, src_label: str, src_ids: Iterable[str], *, dst_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """On the server: the distinct start ids come back, not the relationships.  Institutions offering
        programs in a year: from the kept programs per institution and year where they are complete."""
        src_ids = sorted(set(src_ids))
        year = (where or {}).get("year")
        if (rel_type == "OFFERS" and src_label == "Institution" and dst_label in (None, "Major")
                and set(where or {}) == {"year"} and isinstance(year, int) and not isinstance(year, bool)
                and src_ids and self.sums_ready()):
            recs = self._read(neo4j_sums.READ_OFFERING, src=src_ids, year=year)
            unknown = list(recs[0]["unknown"]) if recs else []
            found = set(recs[0]["offering"]) if recs else set()
            if unknown:
                found |= self._sources_with_rows(rel_type, src_label, unknown, dst_label, where)
            return found
        return self._sources_with_rows(rel_type, src_label, src_ids, dst_label, where)

    def _sources_with_rows(self, rel_type: str, src_label: str, src_ids: Iterable[str], dst_label: str | None,
                           where: dict[str, Any] | None) -> set[str]:
        match, params = cy.rel_match(rel_type, src_label, dst_label, src_ids, None, where)
        return {r["src"] for r in self._read(match + cy.SOURCES_WITH, **params)}

    def targets_with(self, rel_type: str, dst_label: str, dst_ids: Iterable[str], *, src_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """On the server, one subquery per end id that stops at its first relationship: the ids come back, not
        the relationships."""
        head = "UNWIND $dst AS did "  # (rel_match anchors the match on the end's ids: each id's match alone)
        match, params = cy.rel_match(rel_type, src_label, dst_label, None, dst_ids, where)
        if not match.startswith(head):
            raise AssertionError(f"not anchored on the end ids: {match}")
        return {r["dst"] for r in self._read(cy.TARGETS_WITH.format(match=match[len(head):]), **params)}

    def rel_max(self, rel_type: str, prop: str, src_label: str | None = None, dst_label: str | None = None, *,
                src_ids: Iterable[str] | None = None, dst_ids: Iterable[str] | None = None,
                where: dict[str, Any] | None = None) -> float | None:
        """Computed on the server: one number comes back, not the relationships."""
        match, params = cy.rel_match(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        recs = self._read(match + cy.REL_MAX, prop=prop, **params)
        m = recs[0]["m"] if recs else None
        return None if m is None else float(m)

    # ------------------------------------------------------------------------------ aggregations
    # One Cypher aggregation each (iekg.graph.cypher; the pandas versions and the columns' meaning:
    # iekg.graph.sums); only the groups come back over Bolt.
    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        cols = [*OFFER_KEYS, *OFFER_SUM_COLUMNS]
        if majors is None and self.packs_ready():  # every major: each city × year's sums packed in one node
            return self._packed_offer_sums(sorted({str(c) for c in cities}), year)
        rows = self._rows(cy.collected(neo4j_sums.READ_OFFERS if self.sums_ready() else cy.OFFER_SUMS, cols),
                          cities=sorted(set(cities)), year=year, majors=None if majors is None else sorted(set(majors)))
        out = pd.DataFrame(rows, columns=cols)
        return out.sort_values(list(OFFER_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)

    def packs_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the packed offer sums (IekgOfferPack) are complete

    def ent_packs_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the cities' enterprise packs (IekgEntPack) are complete

    def programs_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the majors' program packs (IekgProgramPack) are complete

    def ent_cities_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the city packs of the located enterprises (IekgEntCity) are complete

    def _pack_years(self, cities: list[str]) -> list[tuple[str, int, int, list[str]]] | None:
        """Each asked city's integer years with their programs and offering institutions from the packs
        (:data:`neo4j_sums.READ_PACK_YEARS`: 18 nodes for a province, not 35,000 IekgInstYearSum nodes); None
        without packs, or when a pack holds no institutions (an id that is not text: the kept nodes are read).
        Memoised until the next write: compare asks for them twice (the data coverage's years and every city's
        year counts)."""
        if not self.packs_ready():
            return None

        def read() -> list[tuple[str, int, int, list[str]]] | None:
            rows = self._rows(neo4j_sums.READ_PACK_YEARS, cities=cities)
            if any(ids is None for *_, ids in rows):
                return None
            return [(str(c), int(y), int(n or 0), list(ids)) for c, y, n, ids in rows]

        got: list[tuple[str, int, int, list[str]]] | None = self.memo(  # type: ignore[attr-defined]
            ("neo4j-pack-years", tuple(cities)), read)
        return got

    def _packed_offer_sums(self, cities: list[str], year: int | None) -> pd.DataFrame:
        """:meth:`offer_sums` of every major from the cities' IekgOfferPack nodes (one node per city and year
        instead of one per row: the server reads 18 nodes for a province, not 22,000); a city with an unpacked node
        from its IekgOfferSum nodes."""
        cols, rest = neo4j_sums.unpack_offers(self._rows(neo4j_sums.READ_PACKS, cities=cities, year=year))
        if rest:
            more = self._rows(cy.collected(neo4j_sums.READ_OFFERS, list(cols)), cities=rest, year=year, majors=None)
            for c, values in zip(cols, zip(*more, strict=True) if more else [() for _ in cols], strict=True):
                cols[c] += values
        # (no row: the empty frame of rows, whose columns are of no type, as the rows' read gives it)
        out = pd.DataFrame({c: _typed(v) for c, v in cols.items()} if cols["city"] else [],
                           columns=[*OFFER_KEYS, *OFFER_SUM_COLUMNS])
        return out.sort_values(list(OFFER_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)

    def offer_counts(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        """Summed on the server from the kept packs, else the kept sum nodes (no row per major sent); else from
        :meth:`offer_sums`."""
        if year is None or not self.sums_ready():
            off = self.offer_sums(cities, year)
            return offer_counts_frame(off[[*OFFER_COUNT_KEYS, *OFFER_COUNT_COLUMNS]].itertuples(index=False, name=None))
        rows = self._rows(cy.collected(_READ_PACKED_OFFER_COUNTS if self.packs_ready() else _READ_OFFER_COUNTS,
                                       [*OFFER_COUNT_KEYS, *OFFER_COUNT_COLUMNS]), cities=sorted(set(cities)), year=year)
        return offer_counts_frame(rows)

    def offering_institutions(self, cities: Sequence[str], year: int) -> set[str]:
        """From the kept programs per city, year and institution (:meth:`_inst_years`); else ``sources_with`` of
        the located institutions."""
        if not self.sums_ready() or not isinstance(year, int) or isinstance(year, bool):
            loc = self.rel_frame("LOCATED_IN", (), "Institution", "City", dst_ids=sorted(set(cities)))
            ids = sorted(set(loc["src"]))
            return self.sources_with("OFFERS", "Institution", ids, where={"year": year}) if ids else set()
        return set(next((ids for y, _, _, ids in self._inst_years(cities) if y == year), []))

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        if self.sums_ready():
            rows = [(y, n) for y, n, _, _ in self._inst_years(cities)]
        else:
            rows = [(r["y"], r["n"]) for r in self._read(cy.OFFER_YEARS, cities=sorted(set(cities)))]
        return pd.Series([n for _, n in rows], index=pd.Index([y for y, _ in rows], name="year"), name="programs",
                         dtype="int64")

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        wanted = None if years is None else sorted({int(y) for y in years})
        if self.sums_ready():  # (the years with programs: the positive counts' sum is above 0)
            rows = [[y, n, len(ids)] for y, _, n, ids in self._inst_years(cities)
                    if n > 0 and (wanted is None or y in wanted)]
        else:
            rows = [[r["y"], r["n"], r["k"]] for r in self._read(cy.OFFER_YEAR_COUNTS, cities=sorted(set(cities)),
                                                                  years=wanted)]
        return pd.DataFrame(rows, columns=list(OFFER_YEAR_COUNT_COLUMNS)).astype("int64")

    def _inst_years(self, cities: Sequence[str]) -> list[tuple[int, int, int, list[str]]]:
        """The asked cities' kept programs per year (:data:`_READ_INST_YEARS`): each integer year, its programs, the
        programs of its institutions with some and those institutions, memoised until the next write.  The data
        coverage of a scope asks for its years, the year's offering institutions and the near years' counts: one
        pass over the kept nodes instead of three (every city's at scale 100: 0.16 → 0.10 s)."""
        key = tuple(sorted({str(c) for c in cities}))

        def read() -> list[tuple[int, int, int, list[str]]]:
            packed = self._pack_years(list(key))
            if packed is not None:  # (per year over the cities, as _READ_INST_YEARS groups them)
                programs: dict[int, int] = {}
                offering: dict[int, set[str]] = {}  # (each year's set grown in place, not copied once per city)
                for _, y, n, ids in packed:
                    programs[y] = programs.get(y, 0) + n
                    offering.setdefault(y, set()).update(ids)
                return sorted((y, n, n, list(offering[y])) for y, n in programs.items())  # (as the rows: in no order)
            return sorted((r[0], r[1], r[2], list(r[3])) for r in self._rows(_READ_INST_YEARS, cities=list(key)))

        got: list[tuple[int, int, int, list[str]]] = self.memo(("neo4j-inst-years", key), read)  # type: ignore[attr-defined]
        return got

    # (compare / readiness --all) every city's years and thin-year counts in one round trip
    def offer_year_counts_each(self, cities: Sequence[str]) -> pd.DataFrame:
        """Grouped on the server from the kept sum nodes, all rows in one record; without them city by city
        (:meth:`Store.offer_year_counts_each`)."""
        from iekg.graph.store import YEAR_COUNTS_EACH_COLUMNS, Store, year_counts_each_frame

        if not self.sums_ready():
            return Store.offer_year_counts_each(self, cities)  # type: ignore[arg-type]
        packed = self._pack_years(sorted({str(c) for c in cities}))
        if packed is not None:
            return year_counts_each_frame((c, y, n, len(ids)) for c, y, n, ids in packed)
        return year_counts_each_frame(self._rows(cy.collected(_READ_YEAR_COUNTS_EACH, YEAR_COUNTS_EACH_COLUMNS),
                                                 cities=sorted({str(c) for c in cities})))

    # (readiness --all / compare) the metrics' located nodes with their properties in one round trip
    def located_nodes(self, label: str, cities: Sequence[str], props: Iterable[str] = (), *,
                      among: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """From the cities along LOCATED_IN (:data:`cy.LOCATED`), each node's properties as :meth:`node_frame`
        returns them, all rows in one record; ``among`` filtered on the server (only those rows cross Bolt)."""
        props = tuple(props)
        asked = sorted({str(c) for c in cities})
        if self._kept_ent_read(label, (*props, *(among or {}))):
            got = self._kept_located_nodes(asked, props, among)
            if got is not None:
                return got
        text = fill(cy.LOCATED, node=label) + (cy.LOCATED_AMONG if among else "") + cy.LOCATED_COLUMNS
        params: dict[str, Any] = {"cities": asked, "props": list(props)}
        if among:
            params["among"] = {str(k): [str(v) for v in vs] for k, vs in among.items()}
        # (the cities in the order asked, each one's nodes in the order they came, as one list per row gave them)
        place = {c: k for k, c in enumerate(asked)}
        cols: list[list[Any]] = [[] for _ in range(len(props) + 2)]
        for cid, ids, values in sorted(self._rows(text, **params), key=lambda r: place.get(r[0], len(place))):
            cols[0] += ids
            for k, vs in enumerate(values, start=1):
                cols[k] += vs
            cols[-1] += [cid] * len(ids)
        return _from_columns(cols, ["id", *props, "city"])

    def _kept_ent_read(self, label: str, props: Iterable[str]) -> bool:
        """Whether the city packs of the located enterprises (:data:`neo4j_sums.FILL_ENT_CITIES`) answer a read of
        ``label`` nodes' ``props``: the enterprises' staff and IEI level, once the packs are complete."""
        return label == "Enterprise" and set(props) <= set(neo4j_sums.ENT_CITY_PROPS) and self.ent_cities_ready()

    def _kept_located_nodes(self, asked: list[str], props: tuple[str, ...],
                            among: Mapping[str, Sequence[str]] | None) -> pd.DataFrame | None:
        """:meth:`located_nodes`' frame of the enterprises from the city packs (None when one is not packed): the
        same rows in the same order — the cities as asked, each one's enterprises as LOCATED walks them — with the
        missing values put back, and ``among`` applied as :data:`cy.LOCATED_AMONG` applies it (the node's value
        equal to one of the values given as text)."""
        place = {c: k for k, c in enumerate(asked)}
        if among and set(among) == {"iei_level"} and set(props) <= {"iei_level"}:  # (cut on the server)
            rows = self._rows(neo4j_sums.READ_ENT_CITY_LEVELS, cities=asked,
                              levels=sorted({str(v) for v in among["iei_level"]}))
            if not all(r[1] for r in rows):
                return None
            cols: list[list[Any]] = [[] for _ in range(len(props) + 2)]
            for cid, _, ids, levels in sorted(rows, key=lambda r: place.get(r[0], len(place))):
                cols[0] += ids
                if props:
                    cols[1] += levels
                cols[-1] += [cid] * len(ids)
            return _from_columns(cols, ["id", *props, "city"])
        rows = self._rows(neo4j_sums.READ_ENT_CITY_NODES, cities=asked)
        if not all(r[1] for r in rows):
            return None
        wanted = {str(k): {str(v) for v in vs} for k, vs in (among or {}).items()}
        cols = [[] for _ in range(len(props) + 2)]
        for cid, _, ids, emp_pos, emp_val, iei_pos, iei_val in sorted(rows, key=lambda r: place.get(r[0], len(place))):
            values = {}
            for prop, pos, val in (("employees", emp_pos, emp_val), ("iei_level", iei_pos, iei_val)):
                full: list[Any] = [None] * len(ids)
                for k, v in zip(pos, val, strict=True):
                    full[k] = v
                values[prop] = full
            keep = [all(type(values[k][j]) is str and values[k][j] in vs for k, vs in wanted.items())
                    for j in range(len(ids))]
            cols[0] += compress(ids, keep)
            for k, prop in enumerate(props, start=1):
                cols[k] += compress(values[prop], keep)
            cols[-1] += [cid] * sum(keep)
        return _from_columns(cols, ["id", *props, "city"])

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        if self._kept_ent_read(label, props):  # the enterprises' staff and levels: from the cities' packs
            rows = self._rows(neo4j_sums.READ_ENT_CITY_SUMS, cities=sorted(set(cities)))
            if all(r[1] for r in rows):
                out = pd.DataFrame([[r[0], r[2]] for r in rows], columns=["city", "nodes"])
                for p in props:
                    at = neo4j_sums.ENT_CITY_PROPS[p]
                    out[f"{p}_sum"] = [float(r[3][at][0]) for r in rows]
                    out[f"{p}_n"] = [int(r[3][at][1]) for r in rows]
                return out.sort_values("city").reset_index(drop=True)
        match = fill(cy.LOCATED, node=label)
        if not props:
            recs = self._read(match + cy.LOCATED_COUNTS, cities=sorted(set(cities)))
            out = pd.DataFrame([[r["city"], r["nodes"]] for r in recs], columns=["city", "nodes"]).set_index("city")
        else:  # (the counts and the sums in one pass over the nodes)
            recs = self._read(match + cy.located_props(len(props)), cities=sorted(set(cities)), props=list(props))
            out = pd.DataFrame([[r["city"], r["nodes"]] for r in recs], columns=["city", "nodes"]).set_index("city")
            for k, p in enumerate(props):
                out[f"{p}_sum"] = [float(r[f"total_{k}"]) for r in recs]
                out[f"{p}_n"] = [int(r[f"given_{k}"]) for r in recs]
        return out.reset_index().sort_values("city").reset_index(drop=True)

    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        rows = self._rows(cy.collected(neo4j_sums.READ_DEMAND if self.sums_ready() else cy.DEMAND_SUMS,
                                       DEMAND_SUM_COLUMNS), cities=sorted(set(cities)), year=year)
        out = pd.DataFrame(rows, columns=list(DEMAND_SUM_COLUMNS))
        out["headcount"] = out["headcount"].astype(float)
        return out.sort_values(["city", "target_label", "target"], kind="mergesort").reset_index(drop=True)

    def cooperation_counts(self, cities: Sequence[str], year: int | None,
                           aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
        if isinstance(aligned, CrosswalkAligned) and self.sums_ready():  # the aligned cooperations kept
            return self._coops(sorted(set(cities)), year, sorted(set(inactive)))[0].copy()
        else:
            recs = self._read(cy.COOPERATION_COUNTS, cities=sorted(set(cities)), year=year, rollup=ROLLUP_PATTERN,
                              inactive=sorted(set(inactive)),
                              aligned={str(k): sorted(set(v)) for k, v in aligned.items()})
        out = pd.DataFrame([r.values() for r in recs], columns=list(COOPERATION_COLUMNS))
        ints = list(COOPERATION_COLUMNS[1:])
        out[ints] = out[ints].astype(int)
        return out.sort_values("industry", kind="mergesort").reset_index(drop=True)

    def cooperation_list(self, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
        if isinstance(aligned, CrosswalkAligned) and self.sums_ready():  # the aligned cooperations kept
            return self._coops(sorted(set(cities)), year, sorted(set(statuses)))[1].copy()
        recs = self._read(cy.COOPERATION_LIST, cities=sorted(set(cities)), year=year, rollup=ROLLUP_PATTERN,
                          statuses=sorted(set(statuses)), aligned={str(k): sorted(set(v)) for k, v in aligned.items()})
        return pd.DataFrame([r.values() for r in recs], columns=list(COOPERATION_LIST_COLUMNS))

    def _coop_pairs(self, cities: list[str]) -> dict[str, set[str]]:
        """A wide scope's (enterprise, industry rolled up) pairs (:data:`neo4j_sums.READ_COOP_PAIRS`) as each
        industry's enterprises, read once for its counts and its list."""
        def compute() -> dict[str, set[str]]:
            pairs: dict[str, set[str]] = {}
            for code, ents in self._rows(neo4j_sums.READ_COOP_PAIRS, cities=cities, rollup=ROLLUP_PATTERN):
                pairs.setdefault(str(code), set()).update(str(e) for e in ents)  # (industries rolled up alike)
            return pairs

        got: dict[str, set[str]] = self.memo(("neo4j-coop-pairs", tuple(cities)), compute)  # type: ignore[attr-defined]
        return got

    def _coops(self, cities: list[str], year: int | None, words: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The scope's cooperation counts and its cooperations with a status among ``words`` (the left-out ones)
        from one read of the kept nodes, memoised per cities, year and words until the next write (alignment asks
        for both, with the same words): a scope of fewer than COOP_SCAN_CITIES cities through the index from its
        enterprises (:data:`neo4j_sums.READ_COOP_BOTH`), a wider one by one pass over the year's kept nodes
        (:data:`neo4j_sums.READ_COOP_YEAR_BOTH`) joined here to its (enterprise, industry) pairs."""
        def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
            out: dict[str, list[int]] = {}  # industry -> enterprises, cooperating, left out, unstated
            rows: list[list[Any]] = []
            if len(cities) >= neo4j_sums.COOP_SCAN_CITIES:
                pairs = self._coop_pairs(cities)
                out = {code: [len(ents), 0, 0, 0] for code, ents in pairs.items()}
                got: list[Any] = []
                for code, ents, ns, stated, lefts in self._rows(neo4j_sums.READ_COOP_YEAR_BOTH, cities=cities,
                                                                year=year, inactive=words):
                    here = pairs.get(code, ())  # (the pairs of the scope's enterprises only)
                    got += [(ent, code, n - len(left), len(left), n - st, left)
                            for ent, n, st, left in zip(ents, ns, stated, lefts, strict=True) if ent in here]
            else:  # (every pair of the scope, those without a cooperation too)
                got = self._rows(neo4j_sums.READ_COOP_BOTH, cities=cities, year=year, rollup=ROLLUP_PATTERN,
                                 inactive=words)
                for _, code, *_rest in got:
                    o = out.get(code)
                    if o is None:
                        o = out[code] = [0, 0, 0, 0]
                    o[0] += 1
            for ent, code, counted, dropped, unstated, left in got:
                o = out[code]
                o[1] += counted > 0
                o[2] += counted == 0 and dropped > 0
                o[3] += unstated
                if left:  # (most have none)
                    rows += [[code, inst, ent, typ, status, since] for inst, typ, status, since in left]
            counts = pd.DataFrame([[code, *o] for code, o in out.items()], columns=list(COOPERATION_COLUMNS))
            ints = list(COOPERATION_COLUMNS[1:])
            counts[ints] = counts[ints].astype(int)
            rows.sort(key=lambda r: (r[0], r[2], r[1], "" if r[3] is None else str(r[3])))
            return (counts.sort_values("industry", kind="mergesort").reset_index(drop=True),
                    pd.DataFrame(rows, columns=list(COOPERATION_LIST_COLUMNS)))

        got: tuple[pd.DataFrame, pd.DataFrame] = self.memo(  # type: ignore[attr-defined]
            ("neo4j-coops", tuple(cities), year, tuple(words)), compute)
        return got

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        # A key's supply is volume × its weight for the major, so within one major every key with a weight
        # > 0 ranks the programs alike: by volume, then institution.  The server therefore sorts each
        # major's programs once (walked from the cities, as offer_sums) and returns its first ``limit``;
        # each key's ranking is merged here from its majors' lists.  All supplies of a weight-0 pair are 0,
        # ranked by institution only: those majors' first ``limit`` by institution are read as well.
        majors = sorted({str(m) for ps in weights.values() for m, _ in ps})
        zero = sorted({str(m) for ps in weights.values() for m, w in ps if float(w) == 0.0})
        if not majors:
            return pd.DataFrame(columns=list(TOP_OFFER_COLUMNS))
        kept = kept_top_fits(durations, limit) and self.top_ready()
        ranked = not zero and all(type(k) is str for k in weights)
        asked = sorted({str(c) for c in cities})
        scoped = True  # (whether _kept_top may read the province's merged lists: not when read here already)
        if ranked and kept and len(asked) == 1:  # (a city's gaps) its kept lists as columns
            got = _kept_columns(self._rows(_READ_TOP_FIRST, cities=asked, year=year,
                                           wanted={m: True for m in majors}, limit=int(limit)))
            if got is not None:
                return _ranked(got, weights, int(limit))
        elif ranked and kept and self.top_scopes_ready():  # (a province's gaps) its merged lists as columns
            recs = self._read(neo4j_sums.READ_TOP_SCOPE, scope=neo4j_sums.scope_key(asked), year=year,
                              wanted={m: True for m in majors}, limit=int(limit))
            got = _kept_columns(recs[0]["rows"]) if recs and recs[0]["known"] else None
            if got is not None:
                return _ranked(got, weights, int(limit))
            scoped = not (recs and not recs[0]["known"])  # (not a province's cities: merged as before)
        if kept:
            top, by_inst = self._kept_top(cities, year, majors, zero, int(limit), scoped=scoped)
        else:
            top, by_inst = self._walked_top(cities, year, majors, zero, durations, int(limit))
        if ranked:
            # (gaps: no weight-0 pair) every pair ranks its major's list by supply: the per-key ranking in arrays
            # (sums.rank_candidates, SQLite's), not a sort of Python tuples per key
            return _ranked(_top_columns(top), weights, int(limit))
        rows: list[tuple[str, str, str, Any, float]] = []
        for key, ps in sorted(weights.items()):
            cand = []
            for m, w in ps:
                w = float(w)
                for inst, y, vol in (top.get(str(m), []) if w != 0.0 else by_inst.get(str(m), [])):
                    cand.append((-(vol * w), inst, str(m), y))
            cand.sort(key=lambda c: (c[0], c[1], c[2]))
            rows += [(str(key), inst, m, y, -neg) for neg, inst, m, y in cand[:limit]]
        return pd.DataFrame(rows, columns=list(TOP_OFFER_COLUMNS))

    def top_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the kept first programs (IekgTopSum) are complete

    def top_scopes_ready(self) -> bool:
        raise NotImplementedError  # Neo4jStore's: the provinces' kept first programs (IekgTopScope) are complete

    def _kept_top(self, cities: Sequence[str], year: int | None, majors: list[str], zero: list[str],
                  limit: int, *, scoped: bool = True) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """Each wanted major's first ``limit`` programs by volume (then institution) and, of the weight-0
        majors, by institution, merged here from the asked cities' kept first programs (neo4j_sums.IekgTopSum:
        the scope's first ones are among its cities' first ones)."""
        per_vol: dict[str, list[tuple[list[str], list[float], Any]]] = {}
        per_inst: dict[str, list[tuple[list[str], Any]]] = {}
        if not zero and len({str(c) for c in cities}) == 1:  # (a city's gaps) its lists as they are kept, cut
            for major, y, vi, vv in self._rows(_READ_TOP_FIRST, cities=sorted({str(c) for c in cities}), year=year,
                                               wanted={m: True for m in majors}, limit=int(limit)):
                per_vol.setdefault(major, []).append((vi, vv, y))
            return self._merged_top(per_vol, limit), {}
        asked = sorted({str(c) for c in cities})
        if not zero and scoped and self.top_scopes_ready():  # (a province's gaps) its cities' lists merged when written
            recs = self._read(neo4j_sums.READ_TOP_SCOPE, scope=neo4j_sums.scope_key(asked), year=year,
                              wanted={m: True for m in majors}, limit=int(limit))
            if recs and recs[0]["known"]:
                for major, y, vi, vv in recs[0]["rows"]:
                    per_vol.setdefault(major, []).append((vi, vv, y))
                return self._merged_top(per_vol, limit), {}
        if not zero:  # (gaps) no weight-0 pair: the lists merged on the server
            return {str(m): got for m, got in self._rows(  # (each [institution, year, volume] read as it came)
                _READ_TOP_MERGED, cities=sorted({str(c) for c in cities}), year=year,
                wanted={m: True for m in majors}, limit=int(limit))}, {}
        for major, y, vi, vv, ii in self._rows(
                neo4j_sums.READ_TOP, cities=sorted({str(c) for c in cities}), year=year,
                wanted={m: True for m in majors}, zero={m: True for m in zero}):
            per_vol.setdefault(major, []).append((vi, vv, y))
            if ii:
                per_inst.setdefault(major, []).append((ii, y))
        top = self._merged_top(per_vol, limit)
        by_inst: dict[str, list[Any]] = {}
        for m, ilists in per_inst.items():
            by_inst[m] = [[i, y, 0.0] for i, y in islice(heapq.merge(*[zip(ii, repeat(y)) for ii, y in ilists]), limit)]
        return top, by_inst

    @staticmethod
    def _merged_top(per_vol: dict[str, list[tuple[list[str], list[float], Any]]], limit: int) -> dict[str, list[Any]]:
        """Each major's first ``limit`` programs ([institution, year, volume]) from its cities' kept lists.  Each
        list is in order (volume descending, then institution: cypher.TOP_OFFERS' order, that of the merge on the
        server): merged lazily, only the first ``limit`` taken (rows equal in both are one institution's programs
        of one major, alike in every column given); a major of one list (one city) takes that list's first ones."""
        top: dict[str, list[Any]] = {}
        for m, lists in per_vol.items():
            if len(lists) == 1:
                vi, vv, y = lists[0]
                top[m] = [[i, y, v] for i, v in islice(zip(vi, vv, strict=True), limit)]
                continue
            merged = heapq.merge(*[zip(map(neg, vv), vi, repeat(y)) for vi, vv, y in lists])
            top[m] = [[i, y, -nv] for nv, i, y in islice(merged, limit)]
        return top

    def _walked_top(self, cities: Sequence[str], year: int | None, majors: list[str], zero: list[str],
                    durations: Mapping[str, float], limit: int) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """The same lists walked from the cities' programs (cypher.TOP_OFFERS, on the server)."""
        recs = self._read(
            cy.TOP_OFFERS, wanted={m: True for m in majors}, year=year,
            cities=sorted(set(cities)), limit=int(limit), durations={str(k): float(v) for k, v in durations.items()})
        top = {r["major"]: r["top"] for r in recs}
        by_inst: dict[str, list[Any]] = {}
        if zero:  # the rare weight-0 pairs: each major's first programs by institution
            recs = self._read(
                cy.TOP_OFFERS_BY_INSTITUTION, zero={m: True for m in zero}, year=year, cities=sorted(set(cities)), limit=int(limit))
            by_inst = {r["major"]: r["top"] for r in recs}
        return top, by_inst

    # (gaps) the chain gaps' findings joined on the server (cypher.CHAIN_ENTERPRISES)
    def chain_enterprises(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                          inactive: Sequence[str]) -> pd.DataFrame:
        """From the enterprise packs of the keys' cities when complete (:data:`neo4j_sums.READ_CHAIN_PACKS`: 18
        nodes for a province), joined here; else one statement: each key's located enterprises, their links into
        its segments, their staff and their cooperations counted on the server (no cooperation comes back)."""
        from iekg.graph.store import Store

        pairs = [[str(k), str(c), sorted({str(s) for s in segments[k]})]
                 for k, cs in sorted(cities.items()) if segments.get(k) for c in sorted({str(c) for c in cs})]
        columns = list(Store.CHAIN_ENTERPRISE_COLUMNS)
        if not pairs:
            return pd.DataFrame(columns=columns)
        words = sorted({str(s) for s in inactive})
        if self.ent_packs_ready():  # the cities' enterprises, their links and cooperations packed (IekgEntPack)
            packs = self._rows(neo4j_sums.READ_CHAIN_PACKS, cities=sorted({c for _, c, _ in pairs}), inactive=words)
            joined = neo4j_sums.chain_rows(pairs, packs)
            if joined is not None:
                return pd.DataFrame(joined, columns=columns)
        rows = self._rows(cy.CHAIN_ENTERPRISES, pairs=pairs, inactive=words)
        return pd.DataFrame([[k, e, s, role, emp, int(n), list(left)] for k, e, s, role, emp, n, left in rows],
                            columns=columns)

    def chain_lonely_counts(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                            inactive: Sequence[str]) -> dict[str, int]:
        """From the enterprise packs of the keys' cities when complete (:data:`neo4j_sums.READ_CHAIN_PACK_LINKS`),
        else the interface's count of :meth:`chain_enterprises`' rows."""
        from iekg.graph.store import Store

        pairs = [[str(k), str(c), sorted({str(s) for s in segments[k]})]
                 for k, cs in sorted(cities.items()) if segments.get(k) for c in sorted({str(c) for c in cs})]
        if pairs and self.ent_packs_ready():
            packs = self._rows(neo4j_sums.READ_CHAIN_PACK_LINKS, cities=sorted({c for _, c, _ in pairs}),
                               inactive=sorted({str(s) for s in inactive}))
            got = neo4j_sums.lonely_counts(pairs, packs)
            if got is not None:
                return got
        return Store.chain_lonely_counts(self, cities, segments, inactive)  # type: ignore[arg-type]
