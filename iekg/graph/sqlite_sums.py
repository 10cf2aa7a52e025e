"""The sums alignment needs, as the embedded SQLite store computes them: one SQL aggregation each.

The meaning of every column, and the pandas reference each is tested against, is :mod:`iekg.graph.sums`;
the statements are :mod:`iekg.graph.sqlite_sql`'s.  :class:`SqliteSums` is a part of
:class:`~iekg.graph.sqlitestore.SqliteStore` (which gives it ``_rows``), kept apart so that the store
module holds the connections and writes and this one the aggregations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from iekg._lazy import lazy
from iekg.graph import sqlite_derived as derived
from iekg.graph import sqlite_sql as sql
from iekg.graph.sqlite_sql import check_label, jlist, json_path
from iekg.graph.store import OFFER_COUNT_COLUMNS, OFFER_COUNT_KEYS, Store, offer_counts_frame
from iekg.graph.sums import (
    CANDIDATE_COLUMNS,
    COOPERATION_COLUMNS,
    COOPERATION_LIST_COLUMNS,
    DEMAND_SUM_COLUMNS,
    OFFER_KEYS,
    OFFER_SUM_COLUMNS,
    OFFER_YEAR_COUNT_COLUMNS,
    TOP_OFFER_COLUMNS,
    CrosswalkAligned,
    kept_top_fits,
    rank_candidates,
)
from iekg.graph.sums import cooperation_counts as pandas_cooperation_counts
from iekg.graph.sums import cooperation_list as pandas_cooperation_list

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


# Store.offer_counts from the kept sums: the groups of sum_offers summed over the majors
_READ_OFFER_COUNTS = (f"SELECT s.city, s.major_level, s.inst_level, sum(s.programs), sum(s.with_graduates), "
                      f"sum(s.enrollment_only_n) FROM {derived._ASKED}sum_offers s ON s.city = c.cid AND s.year = :year "
                      "GROUP BY s.city, s.major_level, s.inst_level")

# the same from the kept counts per city × year × levels (sqlite_derived.sum_counts, layout 5): a few dozen rows for
# a province's year instead of its 22,000 rows of sum_offers; the same sums
_READ_COUNTS_KEPT = (f"SELECT s.city, s.major_level, s.inst_level, sum(s.programs), sum(s.with_graduates), "
                     f"sum(s.enrollment_only_n) FROM {derived._ASKED}sum_counts s ON s.city = c.cid AND s.year = :year "
                     "GROUP BY s.city, s.major_level, s.inst_level")
# Store.offer_year_counts from the kept counts per city × year (sum_city_years, layout 5): the cities' programs and
# institutions summed per year, less what the institutions kept under two of the asked cities (sum_shared: none in
# the scale-100 graph) add twice — their rows less their number, per year — so that each institution counts once,
# as count(DISTINCT) over sum_inst_years counts it (derived.READ_YEAR_COUNTS)
_READ_YEAR_COUNTS_KEPT = (
    "WITH c(cid) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:cities)), "
    "k(year, programs, institutions) AS (SELECT s.year, sum(s.programs), sum(s.institutions) FROM c "
    "CROSS JOIN sum_city_years s ON s.city = c.cid WHERE typeof(s.year) = 'integer' {years}GROUP BY s.year), "
    "x(year, twice) AS (SELECT s.year, count(*) - count(DISTINCT s.institution) FROM sum_shared h "
    "CROSS JOIN sum_inst_years s ON s.institution = h.institution WHERE s.city IN c AND typeof(s.year) = 'integer' "
    "{years}GROUP BY s.year) "
    "SELECT k.year, k.programs, k.institutions - coalesce(x.twice, 0) FROM k LEFT JOIN x ON x.year = k.year "
    "ORDER BY k.year")
# Store.offer_year_counts_each from sum_city_years (one row per city and year: what sqlite_sql.YEAR_COUNTS_EACH
# groups sum_inst_years into)
YEAR_COUNTS_EACH_KEPT = (
    "SELECT s.city, s.year, s.programs, s.institutions FROM (SELECT DISTINCT value AS cid FROM json_each(:cities)) c "
    "CROSS JOIN sum_city_years s ON s.city = c.cid WHERE typeof(s.year) = 'integer' ORDER BY s.city, s.year")
# Store.offering_institutions from the kept sums: the institutions with programs of the year in the cities (one entry
# per city and institution: the caller's set drops an institution's second city, which a DISTINCT over the 17,800 of
# scale 100 took twice as long to do), as one JSON list of the ids (text, as the relationships' ends are): one value
# sent, not a row per institution (10 → 4 ms)
_READ_OFFERING = (f"SELECT json_group_array(s.institution) FROM {derived._ASKED}sum_inst_years s ON s.city = c.cid "
                  "AND s.year = :year WHERE s.programs > 0")

# (gaps) Store.chain_enterprises: the scopes' focus-chain enterprises — each key's located enterprises (rels_in
# from its cities) and their IN_SEGMENT links into the key's segments (rels_out from each enterprise: ``+r.dst_id``
# keeps SQLite from seeking once per enterprise and segment), and per enterprise once its staff (the nodes' primary
# key) and its cooperations (rels_in): how many, then char(30), then their statuses joined by char(31) (statuses are
# vocabulary words: neither character is in one), counted by the status rule in Python
_CHAIN_KEYS = (
    "WITH kc(key, cid) AS MATERIALIZED (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each(:cities) j), "
    "ks(key, seg) AS MATERIALIZED (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each(:segments) j), "
    "e(key, id) AS MATERIALIZED (SELECT DISTINCT kc.key, l.src_id FROM kc CROSS JOIN rels l "
    "ON l.dst_id = kc.cid AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Enterprise'), ")
_CHAIN_SCOPE = (
    _CHAIN_KEYS + "i(key, id, seg, role) AS MATERIALIZED (SELECT e.key, e.id, r.dst_id, json_extract(r.props, '$.\"role\"') "
    "FROM e CROSS JOIN rels r ON r.src_id = e.id AND r.type = 'IN_SEGMENT' AND r.src_label = 'Enterprise' "
    "AND r.dst_label = 'ChainSegment' WHERE EXISTS (SELECT 1 FROM ks WHERE ks.key = e.key AND ks.seg = +r.dst_id)), ")
_CHAIN_ROWS = ("SELECT i.key, i.id, i.seg, i.role, json_extract(n.props, '$.\"employees\"'), d.st "
               "FROM i LEFT JOIN nodes n ON n.label = 'Enterprise' AND n.id = i.id LEFT JOIN d ON d.id = i.id")
_CHAIN_ENTERPRISES = (
    _CHAIN_SCOPE + "d(id, st) AS MATERIALIZED (SELECT x.id, (SELECT count(*) || char(30) || coalesce(group_concat("
    "json_extract(c.props, '$.\"status\"'), char(31)), '') "
    "FROM rels c WHERE c.dst_id = x.id AND c.type = 'COOPERATES_WITH' AND c.dst_label = 'Enterprise') "
    "FROM (SELECT DISTINCT id FROM i) x) " + _CHAIN_ROWS)
# the same for scopes of many cities (CHAIN_SCAN_CITIES or more: the province, compare's 18 cities): the
# cooperations read in one pass over every COOPERATES_WITH (their rows together, through the index on type) and
# grouped, kept for the enterprises of i — cheaper than seeking the cooperations of each of the province's 27,000
# enterprises (the statement of compare's 18 cities, CPU under load: 0.46–0.52 → 0.34–0.45 s); an enterprise
# without any cooperation has no row in d
CHAIN_SCAN_CITIES = 10
_CHAIN_ENTERPRISES_WIDE = (
    _CHAIN_SCOPE + "d(id, st) AS MATERIALIZED (SELECT c.dst_id, count(*) || char(30) || coalesce(group_concat("
    "json_extract(c.props, '$.\"status\"'), char(31)), '') FROM rels c WHERE c.type = 'COOPERATES_WITH' "
    "AND c.dst_label = 'Enterprise' AND +c.dst_id IN (SELECT id FROM i) GROUP BY c.dst_id) " + _CHAIN_ROWS)
# the same from the kept status counts (sqlite_derived.sum_ent_coops, layout 4), for a scope of any size: per
# enterprise of i a few rows of (status, n) through the table's covering index, the status rule applied here
# (:inactive; a missing status counts) — no cooperation row is read, no status parsed from JSON.  ``counted`` the
# cooperations that count, ``left`` the others as a JSON list of [status, n] (None: none left out)
_CHAIN_ENTERPRISES_KEPT = (
    _CHAIN_SCOPE + "w(status) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:inactive)), "
    "d(id, counted, left) AS MATERIALIZED (SELECT s.enterprise, sum(s.n) FILTER (WHERE NOT coalesce(s.status IN w, 0)), "
    "json_group_array(json_array(s.status, s.n)) FILTER (WHERE s.status IN w) "
    "FROM sum_ent_coops s WHERE s.enterprise IN (SELECT id FROM i) GROUP BY s.enterprise) "
    "SELECT i.key, i.id, i.seg, i.role, json_extract(n.props, '$.\"employees\"'), d.counted, d.left "
    "FROM i LEFT JOIN nodes n ON n.label = 'Enterprise' AND n.id = i.id LEFT JOIN d ON d.id = i.id")
# Store.chain_lonely_counts from the kept status counts: per key, its links into its segments from located
# enterprises that have no kept status row that counts (a missing status counts: ``coalesce``), counted.  No role,
# staff or left-out list is made for rows only counted, and i is not materialised, so each located enterprise is
# checked once, through sum_ent_coops' covering index, before its segment links are joined (compare's 18 cities:
# the rows of chain_enterprises 0.22–0.25 s, counted here 0.05 s)
_CHAIN_LONELY_KEPT = (
    _CHAIN_KEYS + "i(key, id) AS NOT MATERIALIZED (SELECT e.key, e.id FROM e CROSS JOIN rels r ON r.src_id = e.id "
    "AND r.type = 'IN_SEGMENT' AND r.src_label = 'Enterprise' AND r.dst_label = 'ChainSegment' "
    "WHERE EXISTS (SELECT 1 FROM ks WHERE ks.key = e.key AND ks.seg = +r.dst_id)), "
    "w(status) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:inactive)) "
    "SELECT i.key, count(*) FROM i WHERE NOT EXISTS (SELECT 1 FROM sum_ent_coops s WHERE s.enterprise = i.id "
    "AND s.n > 0 AND NOT coalesce(s.status IN w, 0)) GROUP BY i.key")
# the two above with each key's links read from the kept located links (sqlite_derived.sum_ent_segs, layout 5): per
# key, its cities' links with the role and the staff through the table's index on (city, enterprise, segment), those
# into the key's segments kept — no LOCATED_IN or IN_SEGMENT relationship and no node's JSON is read.  The rows come
# in the order of the statements above (key and city as asked, then enterprise, then segment); an enterprise located
# in two of a key's cities has a row in each, and DISTINCT keeps the first, as the located enterprises' DISTINCT of
# the statements above does (an enterprise has one link to a segment: IN_SEGMENT has no key property)
_CHAIN_LINKS_KEPT = (
    "WITH kc(key, cid) AS MATERIALIZED (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each(:cities) j), "
    "ks(key, seg) AS MATERIALIZED (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each(:segments) j), "
    "i(key, id, seg, role, emp) AS MATERIALIZED (SELECT DISTINCT kc.key, s.enterprise, s.segment, s.role, s.employees "
    "FROM kc CROSS JOIN sum_ent_segs s ON s.city = kc.cid "
    "WHERE EXISTS (SELECT 1 FROM ks WHERE ks.key = kc.key AND ks.seg = s.segment)), ")
_CHAIN_ENTERPRISES_LINKS = (
    _CHAIN_LINKS_KEPT + "w(status) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:inactive)), "
    "d(id, counted, left) AS MATERIALIZED (SELECT s.enterprise, sum(s.n) FILTER (WHERE NOT coalesce(s.status IN w, 0)), "
    "json_group_array(json_array(s.status, s.n)) FILTER (WHERE s.status IN w) "
    "FROM sum_ent_coops s WHERE s.enterprise IN (SELECT id FROM i) GROUP BY s.enterprise) "
    "SELECT i.key, i.id, i.seg, i.role, i.emp, d.counted, d.left FROM i LEFT JOIN d ON d.id = i.id")
_CHAIN_LONELY_LINKS = (
    _CHAIN_LINKS_KEPT + "w(status) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:inactive)) "
    "SELECT i.key, count(*) FROM i WHERE NOT EXISTS (SELECT 1 FROM sum_ent_coops s WHERE s.enterprise = i.id "
    "AND s.n > 0 AND NOT coalesce(s.status IN w, 0)) GROUP BY i.key")
# Store.located_nodes and Store.located_sums of the enterprises from the kept located rows (sum_ents, layout 5),
# through the index on (city, enterprise, …) that holds every column read: the same values as the statements over
# the links and the nodes' JSON (sqlite_sql.LOCATED_NODES, LOCATED_SUMS), in the same order
KEPT_ENT_PROPS = ("employees", "iei_level")
# The rows come in two statements over the same index range (the cities as an IN list, walked in their order, each
# city's rows in the index's order — the order of the join from the asked cities before): per city its enterprises
# as one JSON list (_ENTS_IDS), then the properties' values, one row each (_ENTS_VALUES: numbers as they are, which
# JSON could round).  No city code or enterprise id is sent once per row (partners' 35,000 located enterprises:
# 39 → 30 ms with the frame).  The index is named: both statements must walk the same rows in the same order (on a
# small graph with statistics the planner would scan the table for the values, in another order)
_ENTS_IN = " FROM sum_ents s INDEXED BY sum_ents_at WHERE s.city IN (SELECT value FROM json_each(:cities)) AND s.node"
_ENTS_IDS = "SELECT s.city, count(*), json_group_array(s.enterprise)" + _ENTS_IN + "{among} GROUP BY s.city"
_ENTS_VALUES = "SELECT {columns}" + _ENTS_IN + "{among}"
_ENTS_NODES_AMONG = " AND s.{prop} IN (SELECT value FROM json_each(:among_{prop}))"
# the sums per city with the cities as an IN list: SQLite walks the index in the cities' order, so the groups come
# out in order, where the join from the asked cities grouped its rows in a temporary b-tree (compare's 18 cities,
# 27,000 enterprises: 17 → 8 ms); the same rows
_ENTS_SUMS = ("SELECT s.city, count(*){columns} FROM sum_ents s WHERE s.city IN (SELECT value FROM json_each(:cities)) "
              "GROUP BY s.city ORDER BY s.city")
_ENTS_SUM_COLUMN = (", total(CASE WHEN s.{prop}_t IN ('integer', 'real') THEN s.{prop} END), "
                    "count(s.{prop}_t)")


class SqliteSums:
    """``Store``'s aggregations over the ``rels`` and ``nodes`` tables (see :class:`iekg.graph.store.Store`)."""

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        raise NotImplementedError  # SqliteStore's

    def _layout(self) -> Any:
        """The layout of the complete kept sums (``meta.sums``), or None while they are not complete."""
        got = self._rows(derived.READY)
        return got[0][0] if got else None

    def _kept(self) -> bool:
        """The sums kept with the data are complete (:mod:`iekg.graph.sqlite_derived`): read them."""
        return self._layout() in derived.USABLE_VERSIONS

    def _kept_top(self) -> bool:
        """The kept first programs (``sum_top``, layout 3) are complete."""
        return self._layout() in derived.TOP_VERSIONS

    def _kept_ent_coops(self) -> bool:
        """The kept status counts of each enterprise's cooperations (``sum_ent_coops``, layout 4) are complete."""
        return self._layout() in derived.ENT_COOP_VERSIONS

    def _kept_ents(self) -> bool:
        """The kept located enterprises and their segment links (``sum_ents``, ``sum_ent_segs``, layout 5) are
        complete."""
        return self._layout() == derived.SUMS_VERSION

    def _kept_counts(self) -> bool:
        """The kept counts per city × year (``sum_counts``, ``sum_city_years``, ``sum_shared``, layout 5) are
        complete."""
        return self._layout() == derived.SUMS_VERSION

    def _kept_ent_read(self, label: str, props: Sequence[str], among: Iterable[str] = ()) -> bool:
        """Whether the enterprises' located rows answer a read of ``label`` nodes' ``props`` (``among``: filtered
        by those): kept for these properties only, read as ``json_extract`` reads them (plain values)."""
        wanted = {*props, *among}
        return (label == "Enterprise" and wanted <= set(KEPT_ENT_PROPS) and wanted <= sql.PLAIN_PROPS
                and self._kept_ents())

    def _kept_located_nodes(self, props: Sequence[str], cities: Sequence[str],
                            among: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
        """:meth:`Store.located_nodes`' frame of the enterprises from ``sum_ents`` (see :meth:`_kept_ent_read`):
        :data:`_ENTS_IDS`, then :data:`_ENTS_VALUES` in the same read transaction; the rows as before."""
        import numpy as np

        params: dict[str, Any] = {"cities": jlist(cities)}
        cond = ""
        for k in sorted(among or {}):
            cond += _ENTS_NODES_AMONG.format(prop=k)
            params[f"among_{k}"] = json.dumps([str(v) for v in (among or {})[k]], ensure_ascii=False)
        with self._snapshot():  # type: ignore[attr-defined]  # (SqliteStore's: both statements see one state)
            grouped = self._rows(_ENTS_IDS.format(among=cond), params)
            values = self._rows(_ENTS_VALUES.format(columns=", ".join(f"s.{p}" for p in props), among=cond),
                                params) if props and grouped else []
        if not grouped:
            return pd.DataFrame([], columns=["id", *props, "city"])
        out: dict[str, Any] = {"id": [e for _, _, listed in grouped for e in json.loads(listed)]}
        for j, p in enumerate(props):  # (the same rows as the lists hold, in their order; a column by one pass over
            out[p] = [r[j] for r in values]  # the rows: zip(*rows) made a tuple of 35,000 arguments first, 4 → 0.5 ms)
        out["city"] = np.repeat(np.array([c for c, _, _ in grouped], dtype=object), [n for _, n, _ in grouped])
        return pd.DataFrame(out)

    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        params = {"cities": jlist(cities), "year": year}
        if majors is not None:
            params["majors"] = jlist(majors)
        if self._kept():
            text = derived.READ_OFFERS.format(majors="" if majors is None else derived.READ_OFFERS_MAJORS)
        else:
            text = sql.OFFER_SUMS.format(majors="" if majors is None else sql.OFFER_SUMS_MAJORS)
        rows = self._rows(text, params) if year is not None else []
        out = pd.DataFrame(rows, columns=[*OFFER_KEYS, *OFFER_SUM_COLUMNS])
        return out.sort_values(list(OFFER_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)

    def offer_counts(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        """Summed in SQL from the kept ``sum_offers`` (no row per major leaves the database); else from
        :meth:`offer_sums`."""
        if year is None or not self._kept():
            off = self.offer_sums(cities, year)
            return offer_counts_frame(off[[*OFFER_COUNT_KEYS, *OFFER_COUNT_COLUMNS]].itertuples(index=False, name=None))
        text = _READ_COUNTS_KEPT if self._kept_counts() else _READ_OFFER_COUNTS
        return offer_counts_frame(self._rows(text, {"cities": jlist(cities), "year": year}))

    def offering_institutions(self, cities: Sequence[str], year: int) -> set[str]:
        """From the kept ``sum_inst_years`` through its index on (city, year, institution, programs); else one
        EXISTS per located institution (``sources_with``)."""
        if not self._kept():
            return Store.offering_institutions(self, cities, year)  # type: ignore[arg-type]
        return set(json.loads(self._rows(_READ_OFFERING, {"cities": jlist(cities), "year": year})[0][0]))

    def offer_year_list(self, cities: Sequence[str]) -> list[int]:
        """A skip scan per institution through the index on (src_id, type, year) (:data:`sql.OFFER_YEAR_LIST`)."""
        text = derived.READ_YEAR_LIST if self._kept() else sql.OFFER_YEAR_LIST
        return [int(r[0]) for r in self._rows(text, {"cities": jlist(cities)})]

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        rows = self._rows(derived.READ_YEARS if self._kept() else sql.OFFER_YEARS, {"cities": jlist(cities)})
        return pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], name="year"), name="programs",
                         dtype="int64")

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        # one read per year (the asked ones, else offer_year_list's), counted per institution through the
        # covering index (src_id, type, year): measured 2.5-3 times faster at province scale than one GROUP BY
        # year with count(DISTINCT), which sorts every program
        if self._kept():
            params = {"cities": jlist(cities)}
            if years is not None:
                params["years"] = json.dumps(sorted({int(y) for y in years}))
            read = _READ_YEAR_COUNTS_KEPT if self._kept_counts() else derived.READ_YEAR_COUNTS
            text = read.format(years="" if years is None else derived.READ_YEAR_COUNTS_YEARS)
            got = [(int(y), int(n), int(k)) for y, n, k in self._rows(text, params) if n]
            return pd.DataFrame(got, columns=list(OFFER_YEAR_COUNT_COLUMNS), dtype="int64")
        wanted = self.offer_year_list(cities) if years is None else sorted({int(y) for y in years})
        rows = []
        for y in wanted:
            got = self._rows(sql.OFFER_YEAR_COUNT, {"cities": jlist(cities), "year": y})
            if got and got[0][0]:
                rows.append((y, int(got[0][0]), int(got[0][1])))
        return pd.DataFrame(rows, columns=list(OFFER_YEAR_COUNT_COLUMNS), dtype="int64")

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        if self._kept_ent_read(label, props):  # the enterprises' staff and levels: from their kept located rows
            rows = self._rows(_ENTS_SUMS.format(columns="".join(_ENTS_SUM_COLUMN.format(prop=p) for p in props)),
                              {"cities": jlist(cities)})
        else:
            cols, params = [], {"cities": jlist(cities), "label": check_label(label)}
            for j, p in enumerate(props):
                params[f"p{j}"] = json_path(p)
                cols.append(sql.LOCATED_SUM_COLUMN.format(j=j))
            text = sql.LOCATED_SUMS.format(columns="".join(cols), nodes=sql.LOCATED_SUMS_NODES if props else "")
            rows = self._rows(text, params)
        columns = ["city", "nodes"] + [c for p in props for c in (f"{p}_sum", f"{p}_n")]
        out = pd.DataFrame(rows, columns=columns)
        for p in props:
            out[f"{p}_sum"] = out[f"{p}_sum"].astype(float)
            out[f"{p}_n"] = out[f"{p}_n"].astype("int64")
        return out

    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        if year is None:
            rows = []
        elif self._kept():
            rows = self._rows(derived.READ_DEMAND, {"year": year, "cities": jlist(cities)})
        else:
            rows = self._rows(sql.DEMAND_SUMS, (year, jlist(cities)))
        out = pd.DataFrame(rows, columns=list(DEMAND_SUM_COLUMNS))
        out["headcount"] = out["headcount"].astype(float)
        return out

    # cooperation_counts and cooperation_list: given the crosswalk's own aligned majors (sums.CrosswalkAligned,
    # what the measures pass) and the kept sums complete, the aligned cooperations kept with the data
    # (sqlite_derived.sum_coops) from the scope's institutions, counted and the left-out ones listed by one
    # statement (derived.READ_COOPS, the status rule applied in SQL), memoised: alignment asks for both, with the
    # same words.  Otherwise (any other aligned mapping, an older graph): the pandas versions over this store's
    # indexed reads — four small SQL reads and a merge, faster than one SQL statement over the rows
    # (docs/storage.md).

    def _kept_coops(self, cities: Sequence[str], year: int | None,
                    words: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The scope's cooperation counts and its cooperations with a status among ``words`` (the left-out
        ones), from one read of the kept rows, memoised per cities, year and words until the next write."""
        asked = tuple(sorted({str(c) for c in cities}))
        said = tuple(sorted({str(w) for w in words}))

        def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
            rows = self._rows(derived.READ_COOPS, {"cities": jlist(asked), "year": year, "inactive": jlist(said)})
            counts = pd.DataFrame([(r[1], *r[5:9]) for r in rows if r[0] == 0], columns=list(COOPERATION_COLUMNS))
            ints = list(COOPERATION_COLUMNS[1:])
            counts[ints] = counts[ints].astype(int)
            counts["industry"] = counts["industry"].astype(str)
            counts = counts.sort_values("industry", kind="mergesort").reset_index(drop=True)
            left = pd.DataFrame([(r[1], r[3], r[2], r[5], r[6], r[7]) for r in rows if r[0] == 1],
                                columns=list(COOPERATION_LIST_COLUMNS))
            return counts, left

        got: tuple[pd.DataFrame, pd.DataFrame] = self.memo(  # type: ignore[attr-defined]  # (SqliteStore's)
            ("sqlite-kept-coops", asked, year, said), compute)
        return got

    def cooperation_counts(self, cities: Sequence[str], year: int | None,
                           aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
        if not (isinstance(aligned, CrosswalkAligned) and self._kept()):
            return pandas_cooperation_counts(self, cities, year, aligned, inactive)  # type: ignore[arg-type]
        return self._kept_coops(cities, year, inactive)[0].copy()

    def cooperation_list(self, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
        if not (isinstance(aligned, CrosswalkAligned) and self._kept()):
            return pandas_cooperation_list(self, cities, year, aligned, statuses)  # type: ignore[arg-type]
        return self._kept_coops(cities, year, statuses)[1].copy()

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        """Candidates in SQL, ranked per key by :func:`iekg.graph.sums.rank_candidates`: from the kept first
        programs when complete (:data:`derived.READ_TOP`: per major, the scope's first ``limit`` by volume of
        the cities' kept ones), else from the programs (:data:`sql.TOP_CANDIDATES`: per major, the first
        ``limit`` by volume; for one city every program, :data:`sql.TOP_ALL`)."""
        pairs = [(str(k), str(m), float(w)) for k, ps in weights.items() for m, w in ps]
        if not pairs or year is None:
            return pd.DataFrame(columns=list(TOP_OFFER_COLUMNS))
        by_inst = any(w <= 0 for _, _, w in pairs)
        if kept_top_fits(durations, limit) and self._kept_top():
            asked = sorted({str(c) for c in cities})
            if len(asked) <= derived.READ_TOP_CITIES:
                text = derived.READ_TOP_FEW.format(by_inst=derived.READ_TOP_FEW_BY_INST if by_inst else "")
                params: dict[str, Any] = {"cities": jlist(asked), "year": year}
            else:
                text = derived.READ_TOP.format(by_inst=derived.READ_TOP_BY_INST if by_inst else "",
                                               union_inst=derived.READ_TOP_UNION_INST if by_inst else "")
                params = {"cities": jlist(asked), "year": year, "off": int(limit) - 1,
                          "majors": jlist(sorted({m for _, m, _ in pairs})),
                          "zero": jlist(sorted({m for _, m, w in pairs if w <= 0}))}
            rows = self._rows(text, params)
            return rank_candidates(pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS)), pairs, limit)
        text = sql.TOP_ALL if len(set(cities)) == 1 else sql.TOP_CANDIDATES.format(
            by_inst=sql.TOP_BY_INST if by_inst else "", by_inst_cond=sql.TOP_BY_INST_COND if by_inst else "")
        rows = self._rows(text, {"cities": jlist(cities), "year": year, "limit": int(limit),
                                 "durations": json.dumps({str(k): float(v) for k, v in durations.items()},
                                                         ensure_ascii=False)})
        return rank_candidates(pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS)), pairs, limit)

    # (gaps) the chain gaps' findings joined in SQL (:data:`_CHAIN_ENTERPRISES`)
    def chain_enterprises(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                          inactive: Sequence[str]) -> pd.DataFrame:
        """One statement: each key's located enterprises, their links into its segments, their staff and their
        cooperations counted (no row of a cooperation leaves the database): from the kept status counts
        (:data:`_CHAIN_ENTERPRISES_KEPT`) when complete, else from the cooperations."""
        kc = sorted({(str(k), str(c)) for k, cs in cities.items() if segments.get(k) for c in cs})
        ks = sorted({(str(k), str(s)) for k, segs in segments.items() for s in segs})
        columns = list(Store.CHAIN_ENTERPRISE_COLUMNS)
        if not kc or not ks:
            return pd.DataFrame(columns=columns)
        params = {"cities": json.dumps(kc, ensure_ascii=False), "segments": json.dumps(ks, ensure_ascii=False)}
        if self._kept_ent_coops():
            text = _CHAIN_ENTERPRISES_LINKS if self._kept_ents() else _CHAIN_ENTERPRISES_KEPT
            rows = self._rows(text, {**params, "inactive": jlist(sorted({str(w) for w in inactive}))})
            out = pd.DataFrame(rows, columns=columns)
            out["counted"] = out["counted"].fillna(0).astype("int64")  # (None: no cooperation counts)
            decoded: dict[str, list[Any]] = {}  # (a few distinct lists: each decoded once, a list of its own per row)
            left_out: list[list[Any]] = []
            for left in out["left_out"].tolist():
                if not isinstance(left, str):
                    left_out.append([])
                    continue
                listed = decoded.get(left)
                if listed is None:
                    listed = decoded[left] = [st for st, n in json.loads(left) for _ in range(int(n))]
                left_out.append(list(listed))
            out["left_out"] = left_out
            return out
        wide = len({c for _, c in kc}) >= CHAIN_SCAN_CITIES
        rows = self._rows(_CHAIN_ENTERPRISES_WIDE if wide else _CHAIN_ENTERPRISES, params)
        dropped = {str(s) for s in inactive}
        coops: dict[str, tuple[int, list[Any]]] = {}  # per enterprise: its cooperations that count, the others' statuses
        out_rows = []
        for k, e, s, role, emp, statuses in rows:
            got = coops.get(e)
            if got is None:
                n, _, said = (statuses or "0\x1e").partition("\x1e")
                left = [x for x in said.split("\x1f") if x in dropped] if said else []
                got = coops[e] = (int(n) - len(left), left)
            out_rows.append((k, e, s, role, emp, got[0], list(got[1])))
        return pd.DataFrame(out_rows, columns=columns)

    def chain_lonely_counts(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                            inactive: Sequence[str]) -> dict[str, int]:
        """Counted in one statement from the kept status counts (:data:`_CHAIN_LONELY_KEPT`) when complete, else
        the rows of :meth:`chain_enterprises` counted."""
        kc = sorted({(str(k), str(c)) for k, cs in cities.items() if segments.get(k) for c in cs})
        ks = sorted({(str(k), str(s)) for k, segs in segments.items() for s in segs})
        if not kc or not ks:
            return {}
        if not self._kept_ent_coops():
            return Store.chain_lonely_counts(self, cities, segments, inactive)  # type: ignore[arg-type]
        rows = self._rows(_CHAIN_LONELY_LINKS if self._kept_ents() else _CHAIN_LONELY_KEPT,
                          {"cities": json.dumps(kc, ensure_ascii=False), "segments": json.dumps(ks, ensure_ascii=False),
                           "inactive": jlist(sorted({str(w) for w in inactive}))})
        return {str(k): int(n) for k, n in sorted(rows) if n}
