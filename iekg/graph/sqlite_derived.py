"""The sums kept with the data in the embedded SQLite store: derived tables, updated in the import's own
transaction, that the aggregations read instead of re-summing the relationships.

Three tables, each the result of one aggregation of :mod:`iekg.graph.sums` kept for every city and year:

* ``sum_offers`` — the OFFERS sums (:data:`iekg.graph.sums.OFFER_SUM_COLUMNS`) per city × year × major ×
  major level × institution level (what ``offer_sums`` returns for one year);
* ``sum_inst_years`` — programs per city × year × institution (``offer_years``, ``offer_year_list``,
  ``offer_year_counts``);
* ``sum_demand`` — DEMANDS headcount and rows per city code × year × target (``demand_sums``).

How they stay right: triggers on ``rels`` and ``nodes`` note in ``sum_dirty`` what a write touched — the start
institution of an OFFERS relationship, the city of an institution's LOCATED_IN (old and new), the city code of
a DEMANDS relationship (old and new), an institution or major node (its level decides durations) — and
:func:`refresh`, called by ``SqliteStore.apply`` in the same transaction before it commits, recomputes the
sums of every city those touch (all years of it) and empties ``sum_dirty``.  A fresh build recomputes
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

SUMS_VERSION = 1  # meta.sums: the tables below are complete and of this layout

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
DROP_OFFERS = "DELETE FROM sum_offers WHERE city IN ({cities})"
DROP_INST_YEARS = "DELETE FROM sum_inst_years WHERE city IN ({cities})"
DROP_DEMAND = "DELETE FROM sum_demand WHERE city IN ({cities})"
TOUCHED_TABLE = "CREATE TEMP TABLE IF NOT EXISTS sum_touched (kind TEXT NOT NULL, id NOT NULL)"
SET_READY = "INSERT INTO meta VALUES ('sums', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
READY = "SELECT value FROM meta WHERE key = 'sums'"

# ------------------------------------------------------------------------------------------ reads
# from the asked cities into the tables' indexes (CROSS JOIN keeps that order whatever the statistics say)
_ASKED = "(SELECT DISTINCT value AS cid FROM json_each(:cities)) c CROSS JOIN "
READ_OFFERS = (f"SELECT s.city, s.major, s.major_level, s.inst_level, {_OFFER_COLS} FROM {_ASKED}sum_offers s "
               "ON s.city = c.cid AND s.year = :year{majors}")
READ_OFFERS_MAJORS = " WHERE s.major IN (SELECT value FROM json_each(:majors))"
READ_YEAR_LIST = (f"SELECT DISTINCT s.year FROM {_ASKED}sum_inst_years s ON s.city = c.cid "
                  "WHERE typeof(s.year) = 'integer' ORDER BY s.year")
READ_YEARS = (f"SELECT s.year, sum(s.programs) FROM {_ASKED}sum_inst_years s ON s.city = c.cid "
              "WHERE typeof(s.year) = 'integer' GROUP BY s.year ORDER BY s.year")
READ_YEAR_COUNTS = (f"SELECT s.year, sum(s.programs), count(DISTINCT s.institution) FROM {_ASKED}sum_inst_years s "
                    "ON s.city = c.cid WHERE typeof(s.year) = 'integer' AND s.programs > 0 {years}"
                    "GROUP BY s.year ORDER BY s.year")
READ_YEAR_COUNTS_YEARS = "AND s.year IN (SELECT value FROM json_each(:years)) "
READ_DEMAND = (f"SELECT s.city, s.target_label, s.target, s.headcount, s.rows FROM {_ASKED}sum_demand s "
               "ON s.city = c.cid AND s.year = :year ORDER BY 1, 2, 3")

def create(con: sqlite3.Connection) -> None:
    """The tables and triggers (in ``con``'s open transaction)."""
    for stmt in [*TABLES.split(";\n"), *TRIGGERS]:
        if stmt.strip():
            con.execute(stmt)


def ready(con: sqlite3.Connection) -> bool:
    """Whether the tables are complete (``meta.sums`` is this layout's)."""
    row = con.execute(READY).fetchone()
    return row is not None and row[0] == SUMS_VERSION


def refresh(con: sqlite3.Connection, everything: bool = False) -> tuple[int, int]:
    """Recompute the sums of the cities the transaction's writes touched (``everything``: of every city) and
    mark the tables complete; returns how many (institution cities, demand cities) were recomputed.  Runs in
    ``con``'s open write transaction."""
    create(con)
    con.execute(TOUCHED_TABLE)
    con.execute("DELETE FROM temp.sum_touched")
    if everything:
        con.execute("DELETE FROM sum_offers")
        con.execute("DELETE FROM sum_inst_years")
        con.execute("DELETE FROM sum_demand")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'city', dst_id FROM ({ALL_CITIES})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'dcity', city_code FROM ({ALL_DEMAND})")
    else:
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'city', id FROM ({TOUCHED_CITIES})")
        con.execute(f"INSERT INTO temp.sum_touched SELECT 'dcity', id FROM ({TOUCHED_DEMAND})")
    cities = "SELECT id FROM temp.sum_touched WHERE kind = 'city'"
    dcities = "SELECT id FROM temp.sum_touched WHERE kind = 'dcity'"
    if not everything:
        con.execute(DROP_OFFERS.format(cities=cities))
        con.execute(DROP_INST_YEARS.format(cities=cities))
        con.execute(DROP_DEMAND.format(cities=dcities))
    con.execute(FILL_OFFERS.format(cities=cities))
    con.execute(FILL_INST_YEARS.format(cities=cities))
    con.execute(FILL_DEMAND.format(cities=dcities))
    n = con.execute("SELECT count(CASE WHEN kind = 'city' THEN 1 END), count(CASE WHEN kind = 'dcity' THEN 1 END) "
                    "FROM temp.sum_touched").fetchone()
    con.execute("DELETE FROM sum_dirty")
    con.execute("DELETE FROM temp.sum_touched")
    con.execute(SET_READY, (SUMS_VERSION,))
    return int(n[0]), int(n[1])
