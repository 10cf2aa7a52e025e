"""The sums kept with the data in the embedded SQLite store: derived tables, updated in the import's own
transaction, that the aggregations read instead of re-summing the relationships.

Three tables, each the result of one aggregation of :mod:`iekg.graph.sums` kept for every city and year:

* ``sum_offers`` — the OFFERS sums (:data:`iekg.graph.sums.OFFER_SUM_COLUMNS`) per city × year × major ×
  major level × institution level (what ``offer_sums`` returns for one year);
* ``sum_inst_years`` — programs per city × year × institution (``offer_years``, ``offer_year_list``,
  ``offer_year_counts``);
* ``sum_demand`` — DEMANDS headcount and rows per city code × year × target (``demand_sums``);
* ``sum_coops`` — the *aligned cooperations* (``cooperation_counts``, ``cooperation_list``): one row per
  COOPERATES_WITH relationship × year × industry (大类) such that the enterprise is in that industry
  (IN_INDUSTRY, rolled up) and the institution offers that year a major with crosswalk weight > 0 into it
  (the rule of ``iekg.queries.supply.Weights``: a major's own ALIGNS_WITH weights when it has any, else its
  categories'), with the relationship's type, status and since.  No city in it: the reads keep the rows whose
  institution and enterprise are located in the asked cities, and the status rule (which words are left out:
  the vocabulary's) is applied when reading;
* ``sum_ent_coops`` — each enterprise's COOPERATES_WITH relationships counted per status as written (the chain
  gaps' check, ``Store.chain_enterprises``: which of a focus-chain enterprise's cooperations count); the status
  rule is applied when reading, as for ``sum_coops``;
* ``sum_ents`` — each enterprise's LOCATED_IN link to a city with the enterprise's staff and IEI level as
  ``json_extract`` and ``json_type`` read them from its properties (``Store.located_nodes`` and
  ``Store.located_sums`` of the enterprises: partners' candidates, the metrics, coupling), and ``sum_ent_segs`` —
  each located enterprise's IN_SEGMENT link (city, segment, role, staff: the chain gaps' rows).  No rule in them;
* ``sum_counts`` — ``sum_offers``' program counts summed per city × year × major level × institution level (the data
  coverage's counts, ``Store.offer_counts``), ``sum_city_years`` — ``sum_inst_years`` per city × year (programs,
  institutions: the thin-year check's counts) and ``sum_shared`` — the institutions kept under two or more cities
  there (the only ones a scope's institutions per year, summed over its cities, would count twice).

How they stay right: triggers on ``rels`` and ``nodes`` note in ``sum_dirty`` what a write touched — the start
institution of an OFFERS relationship, the city of an institution's LOCATED_IN (old and new), the city code of
a DEMANDS relationship (old and new), an institution or major node (its level decides durations); for
``sum_coops``: the institution of a COOPERATES_WITH relationship, the enterprise of an IN_INDUSTRY, the major or
category of a crosswalk relationship (ALIGNS_WITH, a major's SUBCLASS_OF) and the institution of an OFFERS; for
``sum_ent_coops``: the enterprise of a COOPERATES_WITH relationship; for ``sum_ents`` and ``sum_ent_segs``: an
enterprise node, the enterprise of a LOCATED_IN or IN_SEGMENT relationship — and
:func:`refresh`, called by ``SqliteStore.apply`` in the same transaction before it commits, recomputes the
sums of every city those touch (all years of it), the aligned cooperations of every institution and
enterprise they touch (a crosswalk change: of the institutions offering the majors it touches), the status
counts of every enterprise whose cooperations changed, the located rows of every enterprise touched, and empties
``sum_dirty``.  A fresh build recomputes
everything once (the triggers go with the tables it drops and come back with its indexes).  ``iekg reindex``
recomputes everything.  The rule that the sums equal the rows is tested after random import sequences
(``tests/test_sums_kept.py``).

A graph file written before these tables existed (or opened read-only before they could be made) has
``meta.sums`` unset: the store then answers from the relationships with the older statements until an import or
``iekg reindex`` fills the tables (:func:`ready`).
"""

from __future__ import annotations

import sqlite3

from iekg.graph.sqlite_sql import OFFER_AGGREGATES
from iekg.graph.sums import KEPT_DURATIONS, KEPT_TOP

# meta.sums: the tables below are complete and of this layout (2: with sum_coops, 3: sum_top, 4: sum_ent_coops,
# 5: sum_ents, sum_ent_segs, sum_counts, sum_city_years and sum_shared)
SUMS_VERSION = 5
# a graph of an older layout still holding complete tables of these: read them (sum_top from layout 3 on,
# sum_ent_coops from layout 4 on, sum_ents and sum_ent_segs only at SUMS_VERSION); it is not upgraded when opened
# (no write to a graph only read), but by its next import or `iekg reindex`
USABLE_VERSIONS = (2, 3, 4, SUMS_VERSION)
TOP_VERSIONS = (3, 4, SUMS_VERSION)
ENT_COOP_VERSIONS = (4, SUMS_VERSION)
# sum_top keeps each city × year × major's first TOP_KEEP programs by volume and by institution (the
# evidence of a gap shows at most that many, iekg.queries.gaps.EVIDENCE_CAP); volumes with these durations
TOP_KEEP = KEPT_TOP

_OFFER_COLS = ("programs, graduates, with_graduates, positive_graduates, enrollment_only, enrollment_only_n, "
               "enrollment_only_positive, rated_graduates, rate_graduates, rated_positive, rated_enrollment, "
               "rate_enrollment, leading, leading_known")

# city, year and the targets have no type affinity: they keep the values the relationships hold (a city code
# given as a number stays a number, as in the relationship's own column), so reads compare exactly as before
TABLES = f"""
CREATE TABLE IF NOT EXISTS sum_offers (city NOT NULL, year, major NOT NULL, major_level, inst_level,
    {_OFFER_COLS});
CREATE INDEX IF NOT EXISTS sum_offers_at ON sum_offers (city, year, major);
CREATE TABLE IF NOT EXISTS sum_inst_years (city NOT NULL, year, institution NOT NULL, programs INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sum_inst_years_at ON sum_inst_years (city, year, institution, programs);
CREATE TABLE IF NOT EXISTS sum_demand (city NOT NULL, year, target_label NOT NULL, target NOT NULL,
    headcount REAL NOT NULL, rows INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sum_demand_at ON sum_demand (city, year);
CREATE TABLE IF NOT EXISTS sum_coops (institution NOT NULL, year, industry NOT NULL, enterprise NOT NULL,
    k NOT NULL, type, status, since);
CREATE INDEX IF NOT EXISTS sum_coops_at ON sum_coops (institution, year, enterprise, industry, status);
CREATE INDEX IF NOT EXISTS sum_coops_ent ON sum_coops (enterprise);
CREATE TABLE IF NOT EXISTS sum_top (city NOT NULL, year, major NOT NULL, institution NOT NULL,
    volume REAL NOT NULL, by_volume INTEGER NOT NULL, by_inst INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sum_top_vol ON sum_top (year, major, volume DESC, city) WHERE by_volume;
CREATE INDEX IF NOT EXISTS sum_top_inst ON sum_top (year, major, institution, city) WHERE by_inst;
CREATE INDEX IF NOT EXISTS sum_top_city ON sum_top (city, year);
CREATE TABLE IF NOT EXISTS sum_ent_coops (enterprise NOT NULL, status, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sum_ent_coops_at ON sum_ent_coops (enterprise, status, n);
CREATE TABLE IF NOT EXISTS sum_ents (city NOT NULL, enterprise NOT NULL, node INTEGER NOT NULL, employees, employees_t,
    iei_level, iei_level_t);
CREATE INDEX IF NOT EXISTS sum_ents_at ON sum_ents (city, enterprise, node, employees, employees_t, iei_level,
    iei_level_t);
CREATE INDEX IF NOT EXISTS sum_ents_ent ON sum_ents (enterprise);
CREATE TABLE IF NOT EXISTS sum_ent_segs (city NOT NULL, segment NOT NULL, enterprise NOT NULL, role, employees);
CREATE INDEX IF NOT EXISTS sum_ent_segs_at ON sum_ent_segs (city, enterprise, segment, role, employees);
CREATE INDEX IF NOT EXISTS sum_ent_segs_ent ON sum_ent_segs (enterprise);
CREATE TABLE IF NOT EXISTS sum_counts (city NOT NULL, year, major_level, inst_level, programs NOT NULL,
    with_graduates NOT NULL, enrollment_only_n NOT NULL);
CREATE INDEX IF NOT EXISTS sum_counts_at ON sum_counts (city, year);
CREATE TABLE IF NOT EXISTS sum_city_years (city NOT NULL, year, programs NOT NULL, institutions NOT NULL);
CREATE INDEX IF NOT EXISTS sum_city_years_at ON sum_city_years (city, year, programs, institutions);
CREATE INDEX IF NOT EXISTS sum_inst_years_inst ON sum_inst_years (institution, year, city);
CREATE TABLE IF NOT EXISTS sum_shared (institution NOT NULL PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sum_dirty (kind TEXT NOT NULL, id NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
"""

# what a change touches (kind: inst | city | major | dcity); {row} is new or old
_REL_MARKS = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'inst', {row}.src_id WHERE {row}.type = 'OFFERS';
    INSERT OR IGNORE INTO sum_dirty SELECT 'city', {row}.dst_id WHERE {row}.type = 'LOCATED_IN'
        AND {row}.src_label = 'Institution' AND {row}.dst_label = 'City';
    INSERT OR IGNORE INTO sum_dirty SELECT 'dcity', {row}.city_code WHERE {row}.type = 'DEMANDS'
        AND {row}.city_code IS NOT NULL;"""
_NODE_MARKS = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'inst', {row}.id WHERE {row}.label = 'Institution';
    INSERT OR IGNORE INTO sum_dirty SELECT 'major', {row}.id WHERE {row}.label = 'Major';"""
_WATCHED = "('OFFERS', 'LOCATED_IN', 'DEMANDS')"
# what a change of the aligned cooperations touches (kind: cinst | cent | cmajor | ccat; OFFERS mark 'inst' above)
_COOP_MARKS = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'cinst', {row}.src_id WHERE {row}.type = 'COOPERATES_WITH';
    INSERT OR IGNORE INTO sum_dirty SELECT 'cent', {row}.src_id WHERE {row}.type = 'IN_INDUSTRY'
        AND {row}.src_label = 'Enterprise';
    INSERT OR IGNORE INTO sum_dirty SELECT 'cmajor', {row}.src_id WHERE {row}.type IN ('ALIGNS_WITH', 'SUBCLASS_OF')
        AND {row}.src_label = 'Major';
    INSERT OR IGNORE INTO sum_dirty SELECT 'ccat', {row}.src_id WHERE {row}.type = 'ALIGNS_WITH'
        AND {row}.src_label = 'MajorCategory';"""
_COOP_WATCHED = "('COOPERATES_WITH', 'IN_INDUSTRY', 'ALIGNS_WITH', 'SUBCLASS_OF')"
# what a change of an enterprise's status counts touches (kind: coent).  Triggers of their own, not a line added
# to the ones above: a graph of an older layout keeps its triggers (CREATE TRIGGER IF NOT EXISTS), and would
# otherwise never mark these
_ENT_COOP_MARK = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'coent', {row}.dst_id WHERE {row}.type = 'COOPERATES_WITH';"""
# what a change of an enterprise's located rows touches (kind: ent): the enterprise node, its location, its chain
# segments.  Triggers of their own, as above
_ENT_MARK = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'ent', {row}.src_id WHERE {row}.src_label = 'Enterprise';"""
_ENT_WATCHED = "('LOCATED_IN', 'IN_SEGMENT')"
_ENT_NODE_MARK = """
    INSERT OR IGNORE INTO sum_dirty SELECT 'ent', {row}.id;"""
TRIGGERS = (  # one statement each (their bodies hold semicolons)
    f"CREATE TRIGGER IF NOT EXISTS sums_rel_ins AFTER INSERT ON rels WHEN new.type IN {_WATCHED} BEGIN"
    f"{_REL_MARKS.format(row='new')} END",
    f"CREATE TRIGGER IF NOT EXISTS sums_rel_del AFTER DELETE ON rels WHEN old.type IN {_WATCHED} BEGIN"
    f"{_REL_MARKS.format(row='old')} END",
    f"CREATE TRIGGER IF NOT EXISTS sums_rel_upd AFTER UPDATE ON rels WHEN old.type IN {_WATCHED} "
    f"OR new.type IN {_WATCHED} BEGIN{_REL_MARKS.format(row='old')}{_REL_MARKS.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS sums_node_ins AFTER INSERT ON nodes WHEN new.label IN ('Institution', 'Major') "
    f"BEGIN{_NODE_MARKS.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS sums_node_del AFTER DELETE ON nodes WHEN old.label IN ('Institution', 'Major') "
    f"BEGIN{_NODE_MARKS.format(row='old')} END",
    "CREATE TRIGGER IF NOT EXISTS sums_node_upd AFTER UPDATE OF level ON nodes "
    "WHEN old.label IN ('Institution', 'Major') AND old.level IS NOT new.level "
    f"BEGIN{_NODE_MARKS.format(row='new')} END",
    f"CREATE TRIGGER IF NOT EXISTS coops_rel_ins AFTER INSERT ON rels WHEN new.type IN {_COOP_WATCHED} BEGIN"
    f"{_COOP_MARKS.format(row='new')} END",
    f"CREATE TRIGGER IF NOT EXISTS coops_rel_del AFTER DELETE ON rels WHEN old.type IN {_COOP_WATCHED} BEGIN"
    f"{_COOP_MARKS.format(row='old')} END",
    f"CREATE TRIGGER IF NOT EXISTS coops_rel_upd AFTER UPDATE ON rels WHEN old.type IN {_COOP_WATCHED} "
    f"OR new.type IN {_COOP_WATCHED} BEGIN{_COOP_MARKS.format(row='old')}{_COOP_MARKS.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS ecoops_rel_ins AFTER INSERT ON rels WHEN new.type = 'COOPERATES_WITH' BEGIN"
    f"{_ENT_COOP_MARK.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS ecoops_rel_del AFTER DELETE ON rels WHEN old.type = 'COOPERATES_WITH' BEGIN"
    f"{_ENT_COOP_MARK.format(row='old')} END",
    "CREATE TRIGGER IF NOT EXISTS ecoops_rel_upd AFTER UPDATE ON rels WHEN old.type = 'COOPERATES_WITH' "
    f"OR new.type = 'COOPERATES_WITH' BEGIN{_ENT_COOP_MARK.format(row='old')}{_ENT_COOP_MARK.format(row='new')} END",
    f"CREATE TRIGGER IF NOT EXISTS ents_rel_ins AFTER INSERT ON rels WHEN new.type IN {_ENT_WATCHED} BEGIN"
    f"{_ENT_MARK.format(row='new')} END",
    f"CREATE TRIGGER IF NOT EXISTS ents_rel_del AFTER DELETE ON rels WHEN old.type IN {_ENT_WATCHED} BEGIN"
    f"{_ENT_MARK.format(row='old')} END",
    f"CREATE TRIGGER IF NOT EXISTS ents_rel_upd AFTER UPDATE ON rels WHEN old.type IN {_ENT_WATCHED} "
    f"OR new.type IN {_ENT_WATCHED} BEGIN{_ENT_MARK.format(row='old')}{_ENT_MARK.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS ents_node_ins AFTER INSERT ON nodes WHEN new.label = 'Enterprise' BEGIN"
    f"{_ENT_NODE_MARK.format(row='new')} END",
    "CREATE TRIGGER IF NOT EXISTS ents_node_del AFTER DELETE ON nodes WHEN old.label = 'Enterprise' BEGIN"
    f"{_ENT_NODE_MARK.format(row='old')} END",
    "CREATE TRIGGER IF NOT EXISTS ents_node_upd AFTER UPDATE ON nodes WHEN old.label = 'Enterprise' "
    f"OR new.label = 'Enterprise' BEGIN{_ENT_NODE_MARK.format(row='old')}{_ENT_NODE_MARK.format(row='new')} END",
)

# ------------------------------------------------------------------------------------------ refresh
# The cities whose sums a change touches: cities marked, the cities of marked institutions, the cities of
# the institutions offering a marked major.  {cities} below is this (or, for everything, every city).
TOUCHED_CITIES = (
    "SELECT id FROM sum_dirty WHERE kind = 'city' "
    "UNION SELECT l.dst_id FROM sum_dirty d CROSS JOIN rels l ON l.src_id = d.id AND l.type = 'LOCATED_IN' "
    "  AND l.src_label = 'Institution' AND l.dst_label = 'City' WHERE d.kind = 'inst' "
    "UNION SELECT l.dst_id FROM sum_dirty d CROSS JOIN rels o ON o.dst_id = d.id AND o.type = 'OFFERS' "
    "  CROSS JOIN rels l ON l.src_id = o.src_id AND l.type = 'LOCATED_IN' AND l.src_label = 'Institution' "
    "  AND l.dst_label = 'City' WHERE d.kind = 'major'")
TOUCHED_DEMAND = "SELECT id FROM sum_dirty WHERE kind = 'dcity'"
ALL_CITIES = ("SELECT DISTINCT dst_id FROM rels WHERE type = 'LOCATED_IN' AND src_label = 'Institution' "
              "AND dst_label = 'City'")
ALL_DEMAND = "SELECT DISTINCT city_code FROM rels WHERE type = 'DEMANDS' AND city_code IS NOT NULL"

# the statement of iekg.graph.sqlite_sql.OFFER_SUMS, grouped by year as well, for the cities in t
_LI = ("li(inst, city, ilevel) AS MATERIALIZED (SELECT l.src_id, l.dst_id, i.level FROM t "
       "  CROSS JOIN rels l ON l.dst_id = t.cid AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' "
       "  AND l.src_label = 'Institution' LEFT JOIN nodes i ON i.label = 'Institution' AND i.id = l.src_id)")
FILL_OFFERS = (
    "INSERT INTO sum_offers "
    "WITH t(cid) AS MATERIALIZED ({cities}), " + _LI + ", "
    "s AS (SELECT li.city AS city, o.year AS year, o.dst_id AS major, li.ilevel AS ilevel, count(*) AS programs, "
    f"  {OFFER_AGGREGATES} "
    "FROM li CROSS JOIN rels o ON o.src_id = li.inst AND o.type = 'OFFERS' "
    "GROUP BY 1, 2, 3, 4) "
    "SELECT s.city, s.year, s.major, m.level, s.ilevel, s.programs, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, "
    "  a11, a12, a13 FROM s LEFT JOIN nodes m ON m.label = 'Major' AND m.id = s.major")
FILL_INST_YEARS = (
    "INSERT INTO sum_inst_years "
    "WITH t(cid) AS MATERIALIZED ({cities}) "
    "SELECT l.dst_id, o.year, l.src_id, count(*) FROM t CROSS JOIN rels l ON l.dst_id = t.cid "
    "  AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution' "
    "  CROSS JOIN rels o ON o.src_id = l.src_id AND o.type = 'OFFERS' GROUP BY 1, 2, 3")
FILL_DEMAND = (
    "INSERT INTO sum_demand "
    "SELECT r.city_code, r.year, r.dst_label, r.dst_id, total(r.headcount), count(*) FROM rels r "
    "WHERE r.type = 'DEMANDS' AND r.city_code IN ({cities}) "
    "AND r.src_label IN ('City', 'Enterprise') AND r.dst_label IN ('Industry', 'Major') GROUP BY 1, 2, 3, 4")
# each city × year × major's programs whose volume (iekg.graph.sqlite_sql.TOP_CANDIDATES' rule, the durations
# KEPT_DURATIONS) ranks in the first TOP_KEEP (rank(): ties kept), or whose institution does
_DURATIONS = ", ".join(f"('{k}', {float(v)!r})" for k, v in sorted(KEPT_DURATIONS.items()))
FILL_TOP = (
    "INSERT INTO sum_top (city, year, major, institution, volume, by_volume, by_inst) "
    "WITH t(cid) AS MATERIALIZED ({cities}), " + _LI + ", "
    f"d(level, dur) AS MATERIALIZED (VALUES {_DURATIONS}), "
    "ml(major, level) AS MATERIALIZED (SELECT id, level FROM nodes WHERE label = 'Major' AND level IS NOT NULL), "
    "o AS (SELECT li.city AS city, o.year AS year, o.dst_id AS major, li.inst AS inst, "
    "  (CASE WHEN o.graduates IS NOT NULL THEN o.graduates * 1.0 WHEN o.enrollment IS NOT NULL THEN "
    "   coalesce(o.enrollment * 1.0 / (SELECT d.dur FROM d WHERE d.level = "
    "   coalesce((SELECT ml.level FROM ml WHERE ml.major = o.dst_id), li.ilevel)), 0.0) ELSE 0.0 END) AS volume "
    "  FROM li CROSS JOIN rels o ON o.src_id = li.inst AND o.type = 'OFFERS'), "
    "r AS (SELECT city, year, major, inst, volume, "
    "  rank() OVER (PARTITION BY city, year, major ORDER BY volume DESC) AS rv, "
    "  rank() OVER (PARTITION BY city, year, major ORDER BY inst) AS ri FROM o) "
    f"SELECT city, year, major, inst, volume, rv <= {int(TOP_KEEP)}, ri <= {int(TOP_KEEP)} FROM r "
    f"WHERE rv <= {int(TOP_KEEP)} OR ri <= {int(TOP_KEEP)}")
# the counts of the cities in t from their rows of sum_offers and sum_inst_years (filled just before).  programs of
# sum_inst_years is a count(*), never 0, so every row of a city and year counts an institution with programs;
# sum_city_years only for integer years, the ones its reads take (a year 2024.0 would fall into 2024's group)
FILL_COUNTS = (
    "INSERT INTO sum_counts SELECT s.city, s.year, s.major_level, s.inst_level, sum(s.programs), "
    "sum(s.with_graduates), sum(s.enrollment_only_n) FROM ({cities}) t CROSS JOIN sum_offers s ON s.city = t.id "
    "GROUP BY 1, 2, 3, 4")
FILL_CITY_YEARS = (
    "INSERT INTO sum_city_years SELECT s.city, s.year, sum(s.programs), count(*) FROM ({cities}) t "
    "CROSS JOIN sum_inst_years s ON s.city = t.id WHERE typeof(s.year) = 'integer' GROUP BY 1, 2")
# every institution kept under two or more cities (through the index on institution: no sort)
FILL_SHARED = ("INSERT INTO sum_shared SELECT institution FROM sum_inst_years GROUP BY institution "
               "HAVING count(DISTINCT city) > 1")
DROP_COUNTS = "DELETE FROM sum_counts WHERE city IN ({cities})"
DROP_CITY_YEARS = "DELETE FROM sum_city_years WHERE city IN ({cities})"
DROP_TOP = "DELETE FROM sum_top WHERE city IN ({cities})"
DROP_OFFERS = "DELETE FROM sum_offers WHERE city IN ({cities})"
DROP_INST_YEARS = "DELETE FROM sum_inst_years WHERE city IN ({cities})"
DROP_DEMAND = "DELETE FROM sum_demand WHERE city IN ({cities})"

# ---- the aligned cooperations (sum_coops)
def rollup_sql(x: str) -> str:
    """GB/T 4754 codes of 3 or 4 digits rolled up to their 2-digit 大类 (:func:`iekg.graph.sums.rollup`)."""
    return f"(CASE WHEN length({x}) IN (3, 4) AND {x} NOT GLOB '*[^0-9]*' THEN substr({x}, 1, 2) ELSE {x} END)"


# (major, industry) with crosswalk weight > 0, as iekg.queries.supply.Weights.load sums them: a major's own
# ALIGNS_WITH weights per rolled-up industry when it has any, else each of its categories' (per category)
ALIGNED_TABLE = "CREATE TEMP TABLE IF NOT EXISTS sum_aligned (major NOT NULL, industry NOT NULL, " \
    "PRIMARY KEY (major, industry)) WITHOUT ROWID"
FILL_ALIGNED = (
    "INSERT OR IGNORE INTO temp.sum_aligned "
    f"SELECT major, industry FROM (SELECT a.src_id AS major, {rollup_sql('a.dst_id')} AS industry, "
    "  total(json_extract(a.props, '$.weight')) AS w FROM rels a WHERE a.type = 'ALIGNS_WITH' "
    "  AND a.src_label = 'Major' GROUP BY 1, 2) WHERE w > 0 "
    "UNION "
    "SELECT major, industry FROM (SELECT s.src_id AS major, s.dst_id AS category, "
    f"  {rollup_sql('a.dst_id')} AS industry, total(json_extract(a.props, '$.weight')) AS w FROM rels s "
    "  CROSS JOIN rels a ON a.src_id = s.dst_id AND a.type = 'ALIGNS_WITH' AND a.src_label = 'MajorCategory' "
    "  WHERE s.type = 'SUBCLASS_OF' AND s.src_label = 'Major' AND s.dst_label = 'MajorCategory' "
    "  AND NOT EXISTS (SELECT 1 FROM rels o WHERE o.src_id = s.src_id AND o.type = 'ALIGNS_WITH' "
    "  AND o.src_label = 'Major') GROUP BY 1, 2, 3) WHERE w > 0")
# the institutions and enterprises whose aligned cooperations a change touches (kind cinst | cent in temp.sum_touched)
TOUCHED_COOP_INSTS = (
    "SELECT id FROM sum_dirty WHERE kind IN ('inst', 'cinst') "
    "UNION SELECT o.src_id FROM (SELECT id FROM sum_dirty WHERE kind = 'cmajor' "
    "  UNION SELECT s.src_id FROM sum_dirty d CROSS JOIN rels s ON s.dst_id = d.id AND s.type = 'SUBCLASS_OF' "
    "  AND s.dst_label = 'MajorCategory' AND s.src_label = 'Major' WHERE d.kind = 'ccat') m "
    "  CROSS JOIN rels o ON o.dst_id = m.id AND o.type = 'OFFERS' AND o.dst_label = 'Major'")
TOUCHED_COOP_ENTS = "SELECT id FROM sum_dirty WHERE kind = 'cent'"
DROP_COOPS = ("DELETE FROM sum_coops WHERE institution IN (SELECT id FROM temp.sum_touched WHERE kind = 'cinst') "
              "OR enterprise IN (SELECT id FROM temp.sum_touched WHERE kind = 'cent')")
_CO = ("SELECT r.src_id AS inst, r.dst_id AS ent, r.k AS k, json_extract(r.props, '$.type') AS type, "
       "json_extract(r.props, '$.status') AS status, json_extract(r.props, '$.since') AS since FROM ")
ALL_COOPS = _CO + "rels r WHERE r.type = 'COOPERATES_WITH' AND r.dst_label = 'Enterprise'"
TOUCHED_COOPS = (
    _CO + "(SELECT id FROM temp.sum_touched WHERE kind = 'cinst') t CROSS JOIN rels r ON r.src_id = t.id "
    "AND r.type = 'COOPERATES_WITH' AND r.dst_label = 'Enterprise' "
    "UNION " + _CO + "(SELECT id FROM temp.sum_touched WHERE kind = 'cent') t CROSS JOIN rels r ON r.dst_id = t.id "
    "AND r.type = 'COOPERATES_WITH' AND r.src_label = 'Institution'")
FILL_COOPS = (
    "INSERT INTO sum_coops (institution, year, industry, enterprise, k, type, status, since) "
    "WITH co AS MATERIALIZED ({coops}), "
    f"ei(ent, industry) AS MATERIALIZED (SELECT DISTINCT x.src_id, {rollup_sql('x.dst_id')} FROM "
    "  (SELECT DISTINCT ent FROM co) e CROSS JOIN rels x ON x.src_id = e.ent AND x.type = 'IN_INDUSTRY' "
    "  AND x.src_label = 'Enterprise'), "
    "sv(inst, year, industry) AS MATERIALIZED (SELECT DISTINCT o.src_id, o.year, al.industry FROM "
    "  (SELECT DISTINCT inst FROM co) i CROSS JOIN rels o ON o.src_id = i.inst AND o.type = 'OFFERS' "
    "  AND o.dst_label = 'Major' AND o.year IS NOT NULL CROSS JOIN temp.sum_aligned al ON al.major = o.dst_id) "
    "SELECT co.inst, sv.year, ei.industry, co.ent, co.k, co.type, co.status, co.since FROM co "
    "CROSS JOIN ei ON ei.ent = co.ent CROSS JOIN sv ON sv.inst = co.inst AND sv.industry = ei.industry")
# ---- each enterprise's cooperations per status (sum_ent_coops): of every enterprise, or of those touched
_ENT_COOPS = ("INSERT INTO sum_ent_coops (enterprise, status, n) SELECT c.dst_id, json_extract(c.props, '$.status'), "
              "count(*) FROM {rows} GROUP BY 1, 2")
ALL_ENT_COOPS = _ENT_COOPS.format(rows="rels c WHERE c.type = 'COOPERATES_WITH' AND c.dst_label = 'Enterprise'")
TOUCHED_ENT_COOPS = _ENT_COOPS.format(
    rows="(SELECT id FROM temp.sum_touched WHERE kind = 'coent') t CROSS JOIN rels c ON c.dst_id = t.id "
    "AND c.type = 'COOPERATES_WITH' AND c.dst_label = 'Enterprise'")
DROP_ENT_COOPS = "DELETE FROM sum_ent_coops WHERE enterprise IN (SELECT id FROM temp.sum_touched WHERE kind = 'coent')"
# ---- each enterprise's located rows (sum_ents) and its chain-segment links from there (sum_ent_segs): of every
# enterprise, or of those touched ({links}: their LOCATED_IN links).  The values as the reads took them from
# the properties (json_extract; json_type tells a number, a text, a JSON null and a missing property apart)
_EMP, _IEI = "'$.\"employees\"'", "'$.\"iei_level\"'"
_ENT_LINKS = ("(SELECT src_id, dst_id FROM rels WHERE type = 'LOCATED_IN' AND src_label = 'Enterprise' "
              "AND dst_label = 'City') l")
_TOUCHED_LINKS = ("(SELECT id FROM temp.sum_touched WHERE kind = 'ent') t CROSS JOIN rels l ON l.src_id = t.id "
                  "AND l.type = 'LOCATED_IN' AND l.src_label = 'Enterprise' AND l.dst_label = 'City'")
_FILL_ENTS = ("INSERT INTO sum_ents (city, enterprise, node, employees, employees_t, iei_level, iei_level_t) "
              f"SELECT l.dst_id, l.src_id, n.id IS NOT NULL, json_extract(n.props, {_EMP}), json_type(n.props, {_EMP}), "
              f"json_extract(n.props, {_IEI}), json_type(n.props, {_IEI}) FROM {{links}} "
              "LEFT JOIN nodes n ON n.label = 'Enterprise' AND n.id = l.src_id")
_FILL_ENT_SEGS = ("INSERT INTO sum_ent_segs (city, segment, enterprise, role, employees) "
                  "SELECT l.dst_id, r.dst_id, l.src_id, json_extract(r.props, '$.\"role\"'), json_extract(n.props, "
                  f"{_EMP}) FROM {{links}} CROSS JOIN rels r ON r.src_id = l.src_id AND r.type = 'IN_SEGMENT' "
                  "AND r.src_label = 'Enterprise' AND r.dst_label = 'ChainSegment' "
                  "LEFT JOIN nodes n ON n.label = 'Enterprise' AND n.id = l.src_id")
ALL_ENTS = _FILL_ENTS.format(links=_ENT_LINKS)
ALL_ENT_SEGS = _FILL_ENT_SEGS.format(links=_ENT_LINKS)
TOUCHED_ENTS = _FILL_ENTS.format(links=_TOUCHED_LINKS)
TOUCHED_ENT_SEGS = _FILL_ENT_SEGS.format(links=_TOUCHED_LINKS)
DROP_ENTS = "DELETE FROM sum_ents WHERE enterprise IN (SELECT id FROM temp.sum_touched WHERE kind = 'ent')"
DROP_ENT_SEGS = "DELETE FROM sum_ent_segs WHERE enterprise IN (SELECT id FROM temp.sum_touched WHERE kind = 'ent')"
TOUCHED_TABLE = "CREATE TEMP TABLE IF NOT EXISTS sum_touched (kind TEXT NOT NULL, id NOT NULL)"
SET_READY = "INSERT INTO meta VALUES ('sums', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
READY = "SELECT value FROM meta WHERE key = 'sums'"

# ------------------------------------------------------------------------------------------ reads
# from the asked cities into the tables' indexes (CROSS JOIN keeps that order whatever the statistics say)
_ASKED = "(SELECT DISTINCT value AS cid FROM json_each(:cities)) c CROSS JOIN "
READ_OFFERS = (f"SELECT s.city, s.major, s.major_level, s.inst_level, {_OFFER_COLS} FROM {_ASKED}sum_offers s "
               "ON s.city = c.cid AND s.year = :year{majors}")
READ_OFFERS_MAJORS = " WHERE s.major IN (SELECT value FROM json_each(:majors))"
# the years of the asked cities: per city its least year, then the least one above it, each one seek in the index on
# (city, year, …) — a year has 17,800 rows at scale 100, which the DISTINCT over them all read (0.01 s → 0.1 ms)
READ_YEAR_LIST = (
    "WITH RECURSIVE c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
    "y(cid, year) AS (SELECT c.cid, (SELECT min(s.year) FROM sum_inst_years s WHERE s.city = c.cid "
    "AND typeof(s.year) = 'integer') FROM c UNION ALL SELECT y.cid, (SELECT min(s.year) FROM sum_inst_years s "
    "WHERE s.city = y.cid AND s.year > y.year AND typeof(s.year) = 'integer') FROM y WHERE y.year IS NOT NULL) "
    "SELECT DISTINCT year FROM y WHERE year IS NOT NULL ORDER BY year")
READ_YEARS = (f"SELECT s.year, sum(s.programs) FROM {_ASKED}sum_inst_years s ON s.city = c.cid "
              "WHERE typeof(s.year) = 'integer' GROUP BY s.year ORDER BY s.year")
READ_YEAR_COUNTS = (f"SELECT s.year, sum(s.programs), count(DISTINCT s.institution) FROM {_ASKED}sum_inst_years s "
                    "ON s.city = c.cid WHERE typeof(s.year) = 'integer' AND s.programs > 0 {years}"
                    "GROUP BY s.year ORDER BY s.year")
READ_YEAR_COUNTS_YEARS = "AND s.year IN (SELECT value FROM json_each(:years)) "
READ_DEMAND = (f"SELECT s.city, s.target_label, s.target, s.headcount, s.rows FROM {_ASKED}sum_demand s "
               "ON s.city = c.cid AND s.year = :year ORDER BY 1, 2, 3")

# top_offers' candidates from sum_top (the union over the asked cities of each city's first programs holds the
# scope's first ones): per wanted major (:majors), the first TOP_KEEP over the asked cities through the index on
# (year, major, volume), then the programs at or above that volume; the weight-0 majors (:zero) likewise by
# institution.  A few cities (READ_TOP_CITIES): every kept program of theirs, through the index on the city.
_TOP_C = "c(cid) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:cities)), "
_TOP_VOL = (
    "tv(major, v) AS MATERIALIZED (SELECT m.value, (SELECT t.volume FROM sum_top t WHERE t.year = :year "
    "  AND t.major = m.value AND t.by_volume AND t.city IN c ORDER BY t.volume DESC LIMIT 1 OFFSET :off) "
    "  FROM (SELECT DISTINCT value FROM json_each(:majors)) m), "
    "rv(id) AS (SELECT t.rowid FROM tv CROSS JOIN sum_top t ON t.year = :year AND t.major = tv.major "
    "  AND t.by_volume AND t.volume >= coalesce(tv.v, -9e999) WHERE t.city IN c)")
_TOP_INST = (
    ", ti(major, i) AS MATERIALIZED (SELECT m.value, (SELECT t.institution FROM sum_top t WHERE t.year = :year "
    "  AND t.major = m.value AND t.by_inst AND t.city IN c ORDER BY t.institution LIMIT 1 OFFSET :off) "
    "  FROM (SELECT DISTINCT value FROM json_each(:zero)) m), "
    "ri(id) AS (SELECT t.rowid FROM ti CROSS JOIN sum_top t ON t.year = :year AND t.major = ti.major "
    "  AND t.by_inst AND (ti.i IS NULL OR t.institution <= ti.i) WHERE t.city IN c)")
READ_TOP = ("WITH " + _TOP_C + _TOP_VOL + "{by_inst} SELECT t.institution, t.major, t.year, t.volume "
            "FROM (SELECT id FROM rv{union_inst}) x CROSS JOIN sum_top t ON t.rowid = x.id")
READ_TOP_BY_INST = _TOP_INST
READ_TOP_UNION_INST = " UNION SELECT id FROM ri"
READ_TOP_CITIES = 3
READ_TOP_FEW = (f"SELECT t.institution, t.major, t.year, t.volume FROM {_ASKED}sum_top t ON t.city = c.cid "
                "AND t.year = :year WHERE t.by_volume{by_inst}")
READ_TOP_FEW_BY_INST = " OR t.by_inst"

# the aligned cooperations of the asked cities (institution and enterprise both located in them, :cities) in
# :year, counted and listed in one statement: a status among :inactive is left out (a missing status counts).
# Rows tagged 0: per industry the scope's enterprises in it (count_of), cooperating, left_out_enterprises and
# unstated (Store.cooperation_counts); tagged 1: the left-out cooperations — industry, enterprise, institution,
# the type's sort key, type, status, since — in cooperation_list's order.  The scope's kept rows are read once
# for both (h, their row ids kept for the few columns only the left-out ones need): two statements each read
# them, and the scope's enterprises and institutions, again.  h asks ``institution IN i`` rather than joining i:
# with statistics on the kept tables (an ANALYZE of them) the join was given a Bloom filter and left the covering
# index (a city's read 15 → 28 ms at scale 100); the IN keeps the covering index with statistics or without
READ_COOPS = (
    "WITH c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
    "e(ent) AS MATERIALIZED (SELECT DISTINCT l.src_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid "
    "  AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Enterprise'), "
    "i(inst) AS MATERIALIZED (SELECT DISTINCT l.src_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid "
    "  AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution'), "
    "w(status) AS MATERIALIZED (SELECT DISTINCT value FROM json_each(:inactive)), "
    "h AS MATERIALIZED (SELECT s.industry, s.enterprise, s.status, NOT coalesce(s.status IN w, 0) AS counted, "
    "  s.rowid AS rid FROM sum_coops s INDEXED BY sum_coops_at WHERE s.institution IN i AND s.year = :year "
    "  AND +s.enterprise IN e), "
    f"ei(ent, industry) AS (SELECT DISTINCT e.ent, {rollup_sql('x.dst_id')} FROM e CROSS JOIN rels x "
    "  ON x.src_id = e.ent AND x.type = 'IN_INDUSTRY' AND x.src_label = 'Enterprise'), "
    "pe(industry, enterprise, counted, unstated) AS (SELECT industry, enterprise, max(counted), total(status IS NULL) "
    "  FROM h GROUP BY 1, 2) "
    "SELECT 0, t.industry, NULL, NULL, NULL, t.n, coalesce(p.cooperating, 0), coalesce(p.left_out, 0), "
    "  coalesce(p.unstated, 0) FROM (SELECT industry, count(*) AS n FROM ei GROUP BY 1) t "
    "  LEFT JOIN (SELECT industry, sum(counted) AS cooperating, sum(NOT counted) AS left_out, "
    "  sum(unstated) AS unstated FROM pe GROUP BY 1) p ON p.industry = t.industry "
    "UNION ALL "
    "SELECT 1, h.industry, h.enterprise, s.institution, coalesce(s.type, ''), s.type, s.status, s.since, NULL "
    "FROM h CROSS JOIN sum_coops s ON s.rowid = h.rid WHERE NOT h.counted "
    "ORDER BY 1, 2, 3, 4, 5")


def create(con: sqlite3.Connection) -> None:
    """The tables and triggers (in ``con``'s open transaction)."""
    for stmt in [*TABLES.split(";\n"), *TRIGGERS]:
        if stmt.strip():
            con.execute(stmt)


def version(con: sqlite3.Connection) -> int | None:
    """``meta.sums``: the layout whose tables are complete (None: none are)."""
    row = con.execute(READY).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def ready(con: sqlite3.Connection) -> bool:
    """Whether the tables reads use are complete (``meta.sums`` is this layout's or an older one whose tables
    are still read, :data:`USABLE_VERSIONS`)."""
    return version(con) in USABLE_VERSIONS


def current(con: sqlite3.Connection) -> bool:
    """Whether every table is complete (``meta.sums`` is this layout's: ``sum_top`` and ``sum_ent_coops`` too)."""
    return version(con) == SUMS_VERSION


def refresh(con: sqlite3.Connection, everything: bool = False) -> tuple[int, int]:
    """Recompute the sums of the cities the transaction's writes touched (``everything``: of every city) and
    mark the tables complete; returns how many (institution cities, demand cities) were recomputed.  Runs in
    ``con``'s open write transaction.  Tables not complete yet (a graph of an older layout) are recomputed
    whole."""
    create(con)
    if not everything and not current(con):
        everything = True
    con.execute(TOUCHED_TABLE)
    con.execute("DELETE FROM temp.sum_touched")
    if everything:
        con.execute("DELETE FROM sum_offers")
        con.execute("DELETE FROM sum_inst_years")
        con.execute("DELETE FROM sum_demand")
        con.execute("DELETE FROM sum_coops")
        con.execute("DELETE FROM sum_top")
        con.execute("DELETE FROM sum_ent_coops")
        con.execute("DELETE FROM sum_ents")
        con.execute("DELETE FROM sum_ent_segs")
        con.execute("DELETE FROM sum_counts")
        con.execute("DELETE FROM sum_city_years")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'city', dst_id FROM ({ALL_CITIES})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'dcity', city_code FROM ({ALL_DEMAND})")
    else:
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'city', id FROM ({TOUCHED_CITIES})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'dcity', id FROM ({TOUCHED_DEMAND})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'cinst', id FROM ({TOUCHED_COOP_INSTS})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'cent', id FROM ({TOUCHED_COOP_ENTS})")
        con.execute("INSERT INTO temp.sum_touched SELECT 'coent', id FROM sum_dirty WHERE kind = 'coent'")
        con.execute("INSERT INTO temp.sum_touched SELECT 'ent', id FROM sum_dirty WHERE kind = 'ent'")
    cities = "SELECT id FROM temp.sum_touched WHERE kind = 'city'"
    dcities = "SELECT id FROM temp.sum_touched WHERE kind = 'dcity'"
    if not everything:
        con.execute(DROP_OFFERS.format(cities=cities))
        con.execute(DROP_TOP.format(cities=cities))
        con.execute(DROP_INST_YEARS.format(cities=cities))
        con.execute(DROP_DEMAND.format(cities=dcities))
        con.execute(DROP_COUNTS.format(cities=cities))
        con.execute(DROP_CITY_YEARS.format(cities=cities))
    con.execute(FILL_OFFERS.format(cities=cities))
    con.execute(FILL_TOP.format(cities=cities))
    con.execute(FILL_INST_YEARS.format(cities=cities))
    con.execute(FILL_COUNTS.format(cities=cities))
    con.execute(FILL_CITY_YEARS.format(cities=cities))
    if everything or con.execute(f"SELECT 1 FROM ({cities}) LIMIT 1").fetchone() is not None:
        con.execute("DELETE FROM sum_shared")
        con.execute(FILL_SHARED)
    con.execute(FILL_DEMAND.format(cities=dcities))
    _refresh_coops(con, everything)
    if everything:
        con.execute(ALL_ENT_COOPS)
        con.execute(ALL_ENTS)
        con.execute(ALL_ENT_SEGS)
    else:
        con.execute(DROP_ENT_COOPS)
        con.execute(TOUCHED_ENT_COOPS)
        con.execute(DROP_ENTS)
        con.execute(DROP_ENT_SEGS)
        con.execute(TOUCHED_ENTS)
        con.execute(TOUCHED_ENT_SEGS)
    n = con.execute("SELECT count(CASE WHEN kind = 'city' THEN 1 END), count(CASE WHEN kind = 'dcity' THEN 1 END) "
                    "FROM temp.sum_touched").fetchone()
    con.execute("DELETE FROM sum_dirty")
    con.execute("DELETE FROM temp.sum_touched")
    con.execute(SET_READY, (SUMS_VERSION,))
    return int(n[0]), int(n[1])


def _refresh_coops(con: sqlite3.Connection, everything: bool) -> None:
    """The aligned cooperations of the institutions and enterprises in ``temp.sum_touched`` (``everything``:
    of every cooperation; ``sum_coops`` is then empty)."""
    if not everything:
        if con.execute("SELECT 1 FROM temp.sum_touched WHERE kind IN ('cinst', 'cent') LIMIT 1").fetchone() is None:
            return
        con.execute(DROP_COOPS)
    con.execute(ALIGNED_TABLE)
    con.execute("DELETE FROM temp.sum_aligned")
    con.execute(FILL_ALIGNED)
    con.execute(FILL_COOPS.format(coops=ALL_COOPS if everything else TOUCHED_COOPS))
    con.execute("DELETE FROM temp.sum_aligned")
