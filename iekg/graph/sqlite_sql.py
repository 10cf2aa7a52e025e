"""The SQL of the embedded SQLite store, every statement a named constant (:mod:`iekg.graph.sqlitestore`
runs them; :mod:`iekg.graph.spill` and :mod:`iekg.graph.spillwriter` the scratch file's).

Values are always ``?`` / ``:name`` parameters; a list of values is one JSON text parameter read with
``json_each`` (:data:`IDS`), so there is no limit on the number of ids.  The only text put into a
statement is fixed here: column names (:data:`REL_COLUMNS`, :data:`NODE_COLUMNS`) and a few fixed
conditions (``{types}``, ``{majors}``, ``{columns}`` below).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from iekg.graph.schema import NODE_TYPES, PROVENANCE, REL_TYPES

# typed copies of relationship properties: name -> "num" (numbers; numeric text converted), "scalar" or "bool"
REL_COLUMNS: dict[str, str] = {
    "year": "scalar", "city_code": "scalar", "major_code": "scalar", "source_kind": "scalar",
    "enrollment": "num", "graduates": "num", "employment_rate": "num", "headcount": "num", "weight": "num",
    "leading": "bool",
}
NODE_COLUMNS: dict[str, str] = {"level": "scalar", "source_kind": "scalar"}
# OFFERS properties read from their typed copies (all in the index rels_src_year): the year as written
# (text or a number), the figures as numbers — what every loader writes (counts), so the same values
OFFER_FIGURES = frozenset({"year", "graduates", "enrollment", "employment_rate"})

# properties whose values may be something json_extract cannot return as they are (bool, list)
_DECLARED: dict[str, set[str]] = defaultdict(set)
for _props in [n.props for n in NODE_TYPES.values()] + [r.props for r in REL_TYPES.values()]:
    for _p, _t in _props.items():
        _DECLARED[_p].add(_t)
for _p in PROVENANCE:
    _DECLARED[_p].add("int" if _p == "source_row" else "str")
_DECLARED["id"].add("str")
PLAIN_PROPS = frozenset(p for p, ts in _DECLARED.items() if ts <= {"str", "int", "float"})

_NODE_COLS = ", ".join(NODE_COLUMNS)
_REL_COLS = ", ".join(REL_COLUMNS)

# ------------------------------------------------------------------------------------------ the tables
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (
    label TEXT NOT NULL, id TEXT NOT NULL, props TEXT NOT NULL,
    {_NODE_COLS},
    PRIMARY KEY (label, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels (
    type TEXT NOT NULL, src_label TEXT NOT NULL, src_id TEXT NOT NULL, dst_label TEXT NOT NULL,
    dst_id TEXT NOT NULL, k TEXT NOT NULL, props TEXT NOT NULL,
    {_REL_COLS});
CREATE TABLE IF NOT EXISTS rel_counts (type TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT, via TEXT, files TEXT NOT NULL,
    changes TEXT NOT NULL, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (name TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
"""
# Pages of a new graph database: with rows of a few hundred bytes written and indexed in bulk, 16 KB pages
# made a national build (scale 100) about 10 % faster than SQLite's default 4 KB, with the same query times
# (docs/storage.md).  A database keeps the page size it was created with.
PAGE_SIZE = 16384
IDENTITY = ("type", "src_label", "src_id", "dst_label", "dst_id", "k")  # a relationship's key, as columns
# The year's programs marked leading (readiness' leading majors, Batch.leading_offers): a few in a hundred of
# the programs, so a small index of their own instead of every program of the cities' institutions read from
# rels_src_year (scale 100: 10,291 entries of 407,000).  A graph written before it was kept gets it at its next
# import or `iekg reindex` (LEADING_OFFERS is read only where it exists).  It holds type and leading too so that
# it answers alone (SQLite does not count a partial index's condition as its columns).
LEADING_INDEX = ("CREATE INDEX IF NOT EXISTS rels_leading ON rels (year, src_id, dst_id, type, leading) "
                 "WHERE type = 'OFFERS' AND leading = 1")
HAS_LEADING_INDEX = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'rels_leading'"
# The enterprises' links into chain segments with their properties (the chain gaps' role of each enterprise in its
# segment, iekg.graph.sqlite_sums._CHAIN_ENTERPRISES*): answered from the index alone, where rels_out sent every
# one of the province's 27,278 links to the table for its props (the statement 0.13 -> 0.07 s at scale 100).  The
# planner takes it by itself (no statement names it), so a graph written before it was kept, which gets it at its
# next import or `iekg reindex`, is read through rels_out meanwhile.  Type in its columns: see LEADING_INDEX.
SEGMENT_INDEX = ("CREATE INDEX IF NOT EXISTS rels_segment ON rels (src_id, type, src_label, dst_label, dst_id, props) "
                 "WHERE type = 'IN_SEGMENT'")
# The programs of a few majors in one year (partners of an enterprise, who trains an industry: Store.rel_frame of
# OFFERS with majors and a year): each major's programs of the year in one range of this index, with their figures
# (scale 100, partners of an enterprise's 29 majors: 9,427 programs in 0.02 s of CPU, where from the majors' ends
# through rels_in to each program of the year through rels_src_year took 0.085-0.11 s).  Read only where it exists
# (HAS_MAJOR_YEAR_INDEX); a graph written before it was kept gets it at its next import or `iekg reindex`.  Type in
# its columns: see LEADING_INDEX.  Its condition holds ``year > 0``, which only that statement states, so that no
# other statement's plan can take it: the planner took it for the programs of a chain's 345 majors at 17,800
# institutions — 6 million seeks, 3.4 s where rels_src_year answers in 0.5 s.
MAJOR_YEAR_INDEX = ("CREATE INDEX IF NOT EXISTS rels_major_year ON rels (dst_id, type, year, src_id, graduates, "
                    "enrollment, employment_rate) WHERE type = 'OFFERS' AND year > 0")
HAS_MAJOR_YEAR_INDEX = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'rels_major_year'"
UNIQUE_RELS = "CREATE UNIQUE INDEX IF NOT EXISTS rels_out ON rels (src_id, type, src_label, dst_id, dst_label, k)"
INDEXES = UNIQUE_RELS + """;
CREATE INDEX IF NOT EXISTS rels_in ON rels (dst_id, type, dst_label, src_label, src_id);
CREATE INDEX IF NOT EXISTS rels_src_year ON rels (src_id, type, year, dst_id, graduates, enrollment, employment_rate,
    leading);
CREATE INDEX IF NOT EXISTS rels_type ON rels (type, year, city_code);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes (source_kind);
""" + LEADING_INDEX + ";\n" + SEGMENT_INDEX + ";\n" + MAJOR_YEAR_INDEX + ";"
# what a home without a graph file reads: with the indexes, which some reads name (REL_FRAME_BY_DST)
EMPTY_GRAPH = SCHEMA + INDEXES + "INSERT INTO meta VALUES ('version', 0)"
DROP_GRAPH = "DROP TABLE rels; DROP TABLE nodes; DELETE FROM rel_counts;" + SCHEMA  # before a fresh apply
FILE_PRAGMAS = (  # a graph file (after journal_mode = WAL)
    "PRAGMA synchronous = FULL",  # a reported import survives a power cut too
    "PRAGMA cache_size = -65536",
    "PRAGMA mmap_size = 268435456",
    "PRAGMA journal_size_limit = 67108864",  # the WAL shrinks back after a big import
)
TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
META = "SELECT key, value FROM meta"
INIT_META = "INSERT OR IGNORE INTO meta VALUES ('format', ?), ('schema', ?), ('version', 0)"
VERSION = "SELECT value FROM meta WHERE key = 'version'"
BUMP_VERSION = "UPDATE meta SET value = value + 1 WHERE key = 'version'"

# ------------------------------------------------------------------------------------------ writes
INSERT_NODE = f"INSERT INTO nodes (label, id, props, {_NODE_COLS}) VALUES (?, ?, ?{', ?' * len(NODE_COLUMNS)})"
UPDATE_NODE = f"UPDATE nodes SET props = ?, {', '.join(c + ' = ?' for c in NODE_COLUMNS)} WHERE label = ? AND id = ?"
INSERT_REL = (f"INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS}) "
              f"VALUES (?, ?, ?, ?, ?, ?, ?{', ?' * len(REL_COLUMNS)})")
UPDATE_REL = f"UPDATE rels SET props = ?, {', '.join(c + ' = ?' for c in REL_COLUMNS)} WHERE rowid = ?"
IDS = "(SELECT value FROM json_each(?))"  # a list parameter (JSON text): no limit on the number of ids
DELETE_NODE_RELS = ("DELETE FROM rels WHERE (src_id = ? AND src_label = ?) OR (dst_id = ? AND dst_label = ?) "
                    "RETURNING type")
DELETE_NODE = "DELETE FROM nodes WHERE label = ? AND id = ?"
NODE_PROPS_IN = f"SELECT id, props FROM nodes WHERE label = ? AND id IN {IDS}"
NODE_IDS_IN = f"SELECT id FROM nodes WHERE label = ? AND id IN {IDS}"
DELETE_REL = "DELETE FROM rels WHERE rowid = ?"
FIND_REL = ("SELECT rowid, props FROM rels WHERE src_id = ? AND type = ? AND src_label = ? "
            "AND dst_id = ? AND dst_label = ? AND k = ?")
# an import's relationships found at once: their keys in a temporary table, joined to the unique index of keys
# (CROSS JOIN: the incoming rows are the outer loop, each looked up through rels_out)
INCOMING_TABLE = ("CREATE TEMP TABLE IF NOT EXISTS incoming_rels (seq INTEGER PRIMARY KEY, src_id, type, src_label, "
                  "dst_id, dst_label, k)")
ADD_INCOMING = "INSERT INTO temp.incoming_rels VALUES (?, ?, ?, ?, ?, ?, ?)"
FIND_INCOMING = ("SELECT i.seq, r.rowid, r.props FROM temp.incoming_rels i CROSS JOIN rels r "
                 "ON r.src_id = i.src_id AND r.type = i.type AND r.src_label = i.src_label AND r.dst_id = i.dst_id "
                 "AND r.dst_label = i.dst_label AND r.k = i.k")
CLEAR_INCOMING = "DELETE FROM temp.incoming_rels"
# the relationships of the (start, type) pairs an import replaces, found at once in the same way
STARTS_TABLE = "CREATE TEMP TABLE IF NOT EXISTS replaced_starts (src_id, type, src_label)"
ADD_STARTS = "INSERT INTO temp.replaced_starts VALUES (?, ?, ?)"
RELS_OF_STARTS = ("SELECT r.rowid, s.src_label, s.src_id, s.type, r.dst_label, r.dst_id, r.k "
                  "FROM temp.replaced_starts s CROSS JOIN rels r "
                  "ON r.src_id = s.src_id AND r.type = s.type AND r.src_label = s.src_label")
CLEAR_STARTS = "DELETE FROM temp.replaced_starts"
# a build's relationships, in the import's order into the unique index of keys: of two with one key, the later stays
COPY_SPILL = (f"INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS}) "
              f"SELECT type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS} "
              f"FROM spill.stage WHERE true ORDER BY seq "
              f"ON CONFLICT (src_id, type, src_label, dst_id, dst_label, k) DO UPDATE SET props = excluded.props, "
              + ", ".join(f"{c} = excluded.{c}" for c in REL_COLUMNS))
ATTACH_SPILL = "ATTACH DATABASE ? AS spill"
DETACH_SPILL = "DETACH DATABASE spill"
COUNT_BY_TYPE = "SELECT type, count(*) FROM rels GROUP BY type"
ADD_REL_COUNT = "INSERT INTO rel_counts VALUES (?, ?) ON CONFLICT (type) DO UPDATE SET n = n + excluded.n"
DROP_ZERO_COUNTS = "DELETE FROM rel_counts WHERE n <= 0"
INSERT_IMPORT = "INSERT INTO imports (at, who, via, files, changes, entry) VALUES (?, ?, ?, ?, ?, ?)"

# ------------------------------------------------------------------------------------------ reads
IMPORTS = "SELECT id, entry FROM imports ORDER BY id DESC LIMIT ?"
# named what-if scenarios (iekg.service.scenarios): documents beside the graph, never graph content; a graph
# written before they were kept has no table until the first save (reads then find none)
SCENARIOS_TABLE = "CREATE TABLE IF NOT EXISTS scenarios (name TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID"
HAS_SCENARIOS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scenarios'"
SAVE_SCENARIO = "INSERT INTO scenarios VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc"
SCENARIO = "SELECT doc FROM scenarios WHERE name = ?"
SCENARIOS = "SELECT doc FROM scenarios ORDER BY name"
DELETE_SCENARIO = "DELETE FROM scenarios WHERE name = ?"
NODE = "SELECT props FROM nodes WHERE label = ? AND id = ?"
NODES_IN = f"SELECT props FROM nodes WHERE label = ? AND id IN {IDS}"
NODES_OF = "SELECT props FROM nodes WHERE label = ? ORDER BY id"
# every relationship, grouped by type through the index on (type, year, city_code) (SqliteReads.iter_rels: a copy of
# the whole graph streams them; the importer's CSV holds one type's rows at a time)
ALL_RELS = ("SELECT type, src_label, src_id, dst_label, dst_id, props FROM rels "
            "ORDER BY type")
# {types}: "" or "AND r.type IN (…)" (TYPES_COND)
NEIGHBOURS_OUT = ("SELECT r.type, 1, r.dst_label, r.dst_id, r.props, n.props FROM rels r "
                  "JOIN nodes n ON n.label = r.dst_label AND n.id = r.dst_id WHERE r.src_id = ? AND r.src_label = ? {types}")
NEIGHBOURS_IN = ("SELECT r.type, 0, r.src_label, r.src_id, r.props, n.props FROM rels r "
                 "JOIN nodes n ON n.label = r.src_label AND n.id = r.src_id WHERE r.dst_id = ? AND r.dst_label = ? {types}")
TYPES_COND = f"AND r.type IN {IDS}"
LINKS = ("SELECT 1, r.type, r.src_label, r.src_id, r.dst_label, r.dst_id, r.props FROM rels r "
         "WHERE r.src_id IN {ids} AND r.src_label = ? {types} UNION ALL "
         "SELECT 0, r.type, r.src_label, r.src_id, r.dst_label, r.dst_id, r.props FROM rels r "
         "WHERE r.dst_id IN {ids} AND r.dst_label = ? {types}").replace("{ids}", IDS)
# LINKS without the properties (path search: ids and keys first)
LINK_KEYS = ("SELECT 1, r.type, r.src_label, r.src_id, r.dst_label, r.dst_id, r.k FROM rels r "
             "WHERE r.src_id IN {ids} AND r.src_label = ? {types} UNION ALL "
             "SELECT 0, r.type, r.src_label, r.src_id, r.dst_label, r.dst_id, r.k FROM rels r "
             "WHERE r.dst_id IN {ids} AND r.dst_label = ? {types}").replace("{ids}", IDS)
SEARCH = f"SELECT label, props FROM nodes WHERE label IN {IDS}"
SEARCH_TEXT = " AND instr(iekg_lower(props), ?) > 0"  # (iekg_lower: Python's lower, registered per connection)
LABEL_COUNTS = "SELECT label, count(*) FROM nodes GROUP BY label"
TYPE_COUNTS = "SELECT type, n FROM rel_counts WHERE n > 0"
KIND_COUNTS = "SELECT coalesce(source_kind, 'unknown'), count(*) FROM nodes GROUP BY 1"
ALL_NODES = "SELECT label, id, props FROM nodes"
ALL_RELS = "SELECT type, src_label, src_id, dst_label, dst_id, props FROM rels"
# frames: {columns} are ", json_extract(x.props, ?)" / ", x.props -> ?" per property; {cond}: the filters
NODE_FRAME = "SELECT n.id{columns} FROM nodes n WHERE n.label = ?"
NODE_FRAME_IDS = f" AND n.id IN {IDS}"
NODE_GIVEN = " AND n.props -> ? IS NOT NULL"  # (Store.nodes_with: a property present, its value JSON null too)
REL_FRAME = "SELECT r.src_id, r.dst_id{columns} FROM rels r WHERE {cond}"
# Store.rel_frame of the ends alone, asked by their targets (e.g. a province's located institutions, the enterprises
# of some industries): one row per target with its sources as a JSON list, in the order REL_FRAME gives them — the
# targets in order (the IN list is walked in order on rels_in), each one's sources in the index's order — so that
# what leaves the database is a few hundred rows, not one per relationship (26,441 rows of two ids: 21 → 9 ms with
# the frame).  rels_in named: the order is that index's
REL_FRAME_BY_DST = ("SELECT r.dst_id, count(*), json_group_array(r.src_id) FROM rels r INDEXED BY rels_in "
                    "WHERE {cond} GROUP BY r.dst_id")
# Store.rel_frame of the year's OFFERS marked leading of some institutions, through the index rels_leading: named
# (the planner, taking the list of ids for a short one, would seek rels_src_year per institution instead) and its
# condition written as the index's, literally (a bound value cannot match a partial index's WHERE)
LEADING_OFFERS = (f"SELECT r.src_id, r.dst_id FROM rels r INDEXED BY rels_leading WHERE r.type = 'OFFERS' "
                  f"AND r.leading = 1 AND r.year = ? AND r.src_id IN {IDS}")
SOURCES_WITH = ("SELECT j.value FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM rels r WHERE "
                "r.src_id = j.value AND {cond})")
# Store.targets_with: the other end's, through the index rels_in on (dst_id, type, dst_label, …) — the end's label
# written out, so the start's label seeks too; the first relationship found per id is enough
TARGETS_WITH = ("SELECT j.value FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM rels r WHERE "
                "r.dst_id = j.value AND r.dst_label = ? AND {cond})")
REL_MAX = ("SELECT max(CASE WHEN json_type(r.props, ?) IN ('integer', 'real') "
           "THEN json_extract(r.props, ?) END) FROM rels r WHERE {cond}")

# ------------------------------------------------------------------------------------------ aggregations
# One SQL aggregation each (the pandas versions and the columns' meaning: iekg.graph.sums).
# CROSS JOIN fixes SQLite's join order (left to right): from the cities to what is located in them, then
# along their relationships, never from a whole relationship type back to the cities.  OFFERS joins
# name no labels: the schema's only OFFERS pair is Institution -> Major, and without them the index
# rels_src_year (src_id, type, year, dst_id) answers alone.
LOC = ("c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
       "loc(inst, city) AS MATERIALIZED (SELECT l.src_id, l.dst_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
       "l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution')")

# The volume rule — graduates, else enrollment ÷ the duration of the level (the major's, else the
# institution's), else 0 — over OFFERS ``o`` and durations ``d``.  Its Python home is
# iekg.queries.supply.volume; its Cypher twin iekg.graph.cypher.VOLUME; the pandas reference iekg.graph.sums.
VOLUME = ("(CASE WHEN o.graduates IS NOT NULL THEN o.graduates * 1.0 "
          "WHEN o.enrollment IS NOT NULL AND d.dur IS NOT NULL THEN o.enrollment * 1.0 / d.dur "
          "ELSE 0.0 END)")

_G, _E, _RT = "o.graduates", "o.enrollment", "o.employment_rate"
_EST = f"({_G} IS NULL AND {_E} IS NOT NULL)"
# The 13 sums of OFFER_SUM_COLUMNS after ``programs`` (iekg.graph.sums), as a1 … a13, over OFFERS ``o``: the one
# text of them, in OFFER_SUMS and in the kept sums' refresh (iekg.graph.sqlite_derived.FILL_OFFERS)
OFFER_AGGREGATES = (
    f"total({_G}) AS a1, count({_G}) AS a2, count(CASE WHEN {_G} > 0 THEN 1 END) AS a3, "
    f"total(CASE WHEN {_EST} THEN {_E} END) AS a4, count(CASE WHEN {_EST} THEN 1 END) AS a5, "
    f"count(CASE WHEN {_EST} AND {_E} > 0 THEN 1 END) AS a6, "
    f"total(CASE WHEN {_G} IS NOT NULL AND {_RT} IS NOT NULL THEN {_G} END) AS a7, "
    f"total(CASE WHEN {_G} IS NOT NULL AND {_RT} IS NOT NULL THEN {_RT} * {_G} END) AS a8, "
    f"count(CASE WHEN {_RT} IS NOT NULL AND {_G} > 0 THEN 1 END) AS a9, "
    f"total(CASE WHEN {_EST} AND {_RT} IS NOT NULL THEN {_E} END) AS a10, "
    f"total(CASE WHEN {_EST} AND {_RT} IS NOT NULL THEN {_RT} * {_E} END) AS a11, "
    "count(CASE WHEN o.leading = 1 THEN 1 END) AS a12, count(o.leading) AS a13")
# grouped by (city, major, institution level) over the covering index rels_src_year; the institution's
# level is read once per institution, the major's once per group.  {majors}: "" or OFFER_SUMS_MAJORS
OFFER_SUMS = (
    f"WITH {LOC}, "
    "li(inst, city, ilevel) AS MATERIALIZED (SELECT loc.inst, loc.city, i.level FROM loc "
    "  LEFT JOIN nodes i ON i.label = 'Institution' AND i.id = loc.inst), "
    "s AS (SELECT li.city AS city, o.dst_id AS major, li.ilevel AS ilevel, count(*) AS programs, "
    f"  {OFFER_AGGREGATES} "
    "FROM li CROSS JOIN rels o ON o.src_id = li.inst AND o.type = 'OFFERS' AND o.year = :year "
    "{majors}"
    "GROUP BY 1, 2, 3) "
    "SELECT s.city, s.major, m.level, s.ilevel, s.programs, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, "
    "  a12, a13 FROM s LEFT JOIN nodes m ON m.label = 'Major' AND m.id = s.major")
OFFER_SUMS_MAJORS = "WHERE o.dst_id IN (SELECT value FROM json_each(:majors)) "
# a skip scan per institution through the index on (src_id, type, year): the smallest year, then the
# smallest above it, … — a few index seeks each instead of reading every program
OFFER_YEAR_LIST = (
    "WITH RECURSIVE c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
    "loc(inst) AS MATERIALIZED (SELECT DISTINCT l.src_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
    "  l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution'), "
    "y(inst, year) AS ("
    "  SELECT inst, (SELECT min(o.year) FROM rels o WHERE o.src_id = loc.inst AND o.type = 'OFFERS' "
    "    AND o.year < 1e18) FROM loc "
    "  UNION ALL "
    "  SELECT inst, (SELECT min(o.year) FROM rels o WHERE o.src_id = y.inst AND o.type = 'OFFERS' "
    "    AND o.year > y.year AND o.year < 1e18) FROM y WHERE y.year IS NOT NULL) "
    "SELECT DISTINCT year FROM y WHERE typeof(year) = 'integer' ORDER BY year")
OFFER_YEARS = (
    f"WITH {LOC} SELECT o.year, count(*) FROM loc CROSS JOIN rels o ON o.src_id = loc.inst AND "
    "o.type = 'OFFERS' "
    "WHERE typeof(o.year) = 'integer' GROUP BY o.year ORDER BY o.year")
# one year's programs and institutions with one, counted per institution through the covering index
OFFER_YEAR_COUNT = (
    f"WITH {LOC}, n(inst, k) AS (SELECT loc.inst, (SELECT count(*) FROM rels o WHERE "
    "o.src_id = loc.inst AND o.type = 'OFFERS' AND o.year = :year) "
    "FROM loc) SELECT total(k), count(DISTINCT CASE WHEN k > 0 THEN inst END) FROM n")
# {columns}: LOCATED_SUM_COLUMN per property, with its JSON path as :p<j>
# The cities are an IN list: SQLite walks rels_in in their order, so the groups come out in order without a
# temporary b-tree (the join from the asked cities sorted every link)
LOCATED_SUMS = (
    "SELECT l.dst_id, count(*){columns} FROM rels l {nodes}WHERE l.dst_id IN (SELECT value FROM json_each(:cities)) "
    "AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = :label "
    "GROUP BY l.dst_id ORDER BY l.dst_id")
# {nodes}: the nodes joined for their properties; counted only (no property asked), the links alone: a node has one
# row (its primary key), so the LEFT JOIN changed no count, and rels_in answers without a read of the nodes' rows
# (compare's located institutions of 18 cities: 13 → 3 ms)
LOCATED_SUMS_NODES = "LEFT JOIN nodes n ON n.label = l.src_label AND n.id = l.src_id "
LOCATED_SUM_COLUMN = (", total(CASE WHEN json_type(n.props, :p{j}) IN ('integer', 'real') "
                      "THEN json_extract(n.props, :p{j}) END), count(n.props -> :p{j})")
DEMAND_SUMS = (
    "SELECT r.city_code, r.dst_label, r.dst_id, total(r.headcount), count(*) FROM rels r "
    "WHERE r.type = 'DEMANDS' AND r.year = ? AND r.city_code IN (SELECT value FROM json_each(?)) "
    "AND r.src_label IN ('City', 'Enterprise') AND r.dst_label IN ('Industry', 'Major') "
    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
# The candidates of the largest programs per wanted key (iekg.graph.sums.top_offers): of each major, the
# programs whose volume ranks in the first :limit ({by_inst}: and those whose institution does, which only a
# weight of 0 needs, where every supply ties and the institution decides).  A key's supply is its weight × the
# volume, so its first :limit programs are among these; iekg.graph.sums.rank_candidates ranks them per key.
# No list of majors or pairs is joined in SQL: an IN over a JSON list cost 2 s per province (5 µs a probe),
# and the pairs as a JSON table, the inner loop of every program, 35 s for one city (scale 100).
# The institutions' levels are read once per institution, the majors' once into a small table, the durations
# once; the window sorts only (institution, major, volume) — 0.85 s instead of 1.4 s for the province (scale 100).
TOP_CANDIDATES = (
    f"WITH {LOC}, "
    "li(inst, ilevel) AS MATERIALIZED (SELECT loc.inst, i.level FROM loc "
    "  LEFT JOIN nodes i ON i.label = 'Institution' AND i.id = loc.inst), "
    "d(level, dur) AS MATERIALIZED (SELECT key, value FROM json_each(:durations)), "
    "ml(major, level) AS MATERIALIZED (SELECT id, level FROM nodes WHERE label = 'Major' AND level IS NOT NULL), "
    "o AS (SELECT li.inst AS inst, o.dst_id AS major, "
    "  (CASE WHEN o.graduates IS NOT NULL THEN o.graduates * 1.0 WHEN o.enrollment IS NOT NULL THEN "
    "   coalesce(o.enrollment * 1.0 / (SELECT d.dur FROM d WHERE d.level = "
    "   coalesce((SELECT ml.level FROM ml WHERE ml.major = o.dst_id), li.ilevel)), 0.0) ELSE 0.0 END) AS volume "
    "  FROM li CROSS JOIN rels o ON o.src_id = li.inst AND o.type = 'OFFERS' AND o.year = :year) "
    "SELECT inst, major, :year, volume FROM (SELECT inst, major, volume, "
    "  rank() OVER (PARTITION BY major ORDER BY volume DESC) AS rv{by_inst} FROM o) "
    "WHERE rv <= :limit{by_inst_cond}")
TOP_BY_INST = ", rank() OVER (PARTITION BY major ORDER BY inst) AS ri"
# one city: every program is a candidate (most are anyway — a city's majors have few programs each — and the
# windows' sort of every program costs more than the ranking of the few more rows it would leave out)
TOP_ALL = TOP_CANDIDATES.split("SELECT inst, major, :year, volume FROM")[0] + "SELECT inst, major, :year, volume FROM o"
TOP_BY_INST_COND = " OR ri <= :limit"

# ------------------------------------------------------------------------------------------ the build spill
# seq is the rowid: the file holds the relationships in the import's order, whatever order they came in
STAGE = (f"CREATE TABLE stage (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, src_label TEXT NOT NULL, "
         f"src_id TEXT NOT NULL, dst_label TEXT NOT NULL, dst_id TEXT NOT NULL, k TEXT NOT NULL, props TEXT NOT NULL, "
         f"{_REL_COLS})")
GONE = "CREATE TABLE gone (type, src_label, src_id, dst_label, dst_id, k, below INTEGER NOT NULL)"
PUT = f"INSERT OR REPLACE INTO stage VALUES (?, ?, ?, ?, ?, ?, ?, ?{', ?' * len(REL_COLUMNS)})"
ADD_GONE = "INSERT INTO gone VALUES (?, ?, ?, ?, ?, ?, ?)"
_SAME = " AND ".join(f"g.{c} = s.{c}" for c in IDENTITY)
_DEAD = f"EXISTS (SELECT 1 FROM gone g WHERE {_SAME} AND s.seq < g.below)"
DELETE_DEAD = f"DELETE FROM stage AS s WHERE {_DEAD}"
CLEAR_GONE = "DELETE FROM gone"
# of the relationships of one key, the one latest in the import (what ChangeSet.add_rel keeps)
LIVE = (f"SELECT type, src, dst, props FROM (SELECT seq, type, src_label || ':' || src_id AS src, "
        f"dst_label || ':' || dst_id AS dst, props, row_number() OVER (PARTITION BY {', '.join(IDENTITY)} "
        f"ORDER BY seq DESC) AS n FROM stage s WHERE NOT {_DEAD}) WHERE n = 1 ORDER BY seq")
SCRATCH_PRAGMAS = ("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF")  # a scratch file: nothing to recover


# ------------------------------------------------------------------------------------------ builders
def check_label(label: str) -> str:
    """``label`` if it is a schema label (the only labels put into SQL text as values' columns)."""
    if label not in NODE_TYPES:
        raise ValueError(f"not a schema label: {label!r}")
    return label


def check_type(rel_type: str) -> str:
    """``rel_type`` if it is a schema relationship type."""
    if rel_type not in REL_TYPES:
        raise ValueError(f"not a schema relationship type: {rel_type!r}")
    return rel_type


def select_props(props: Sequence[str], alias: str) -> tuple[str, list[Any], list[int]]:
    """SQL expressions reading ``props`` from ``alias``.props exactly.

    Parameters
    ----------
    props
        Property names (they become parameters, never SQL text).
    alias
        ``n`` (nodes) or ``r`` (rels).

    Returns
    -------
    tuple
        The ``{columns}`` text (plain values with json_extract; for properties that may hold booleans or
        lists, the JSON text), its parameters, and the positions of the columns to decode from JSON.
    """
    exprs, params, decode = [], [], []
    for i, p in enumerate(props):
        if p in PLAIN_PROPS:
            exprs.append(f"json_extract({alias}.props, ?)")
        else:
            exprs.append(f"{alias}.props -> ?")
            decode.append(i)
        params.append(json_path(p))
    return "".join(", " + e for e in exprs), params, decode


def rel_filter(rel_type: str, src_label: str | None, dst_label: str | None, src_ids: Iterable[str] | None,
               dst_ids: Iterable[str] | None, where: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """The ``{cond}`` of :data:`REL_FRAME` / :data:`SOURCES_WITH` / :data:`REL_MAX` (``Store.rel_frame``'s
    filters over ``rels r``) and its parameters.

    Parameters
    ----------
    rel_type, src_label, dst_label, src_ids, dst_ids, where
        As in :meth:`iekg.graph.store.Store.rel_frame`.

    Returns
    -------
    tuple
        The condition text and its parameters, in order.
    """
    conds, params = ["r.type = ?"], [check_type(rel_type)]
    pairs = REL_TYPES[rel_type].pairs
    # a label every pair of the type has is no condition (and without it an index may answer alone)
    if src_label and {a for a, _ in pairs} != {check_label(src_label)}:
        conds.append("r.src_label = ?")
        params.append(src_label)
    if dst_label and {b for _, b in pairs} != {check_label(dst_label)}:
        conds.append("r.dst_label = ?")
        params.append(dst_label)
    if src_ids is not None:
        conds.append(f"r.src_id IN {IDS}")
        params.append(jlist(src_ids))
    if dst_ids is not None:
        conds.append(f"r.dst_id IN {IDS}")
        params.append(jlist(dst_ids))
    for k, v in (where or {}).items():
        if v is None:  # (before any parameter of the property is added: the condition takes none)
            conds.append("0")  # pandas and Cypher: equal to null is never true
            continue
        if k in REL_COLUMNS:
            col = f"r.{k}"
        else:
            col = "json_extract(r.props, ?)"
            params.append(json_path(k))
        if isinstance(v, (list, tuple, set, frozenset)):
            conds.append(f"{col} IN {IDS}")
            params.append(json.dumps(list(v), ensure_ascii=False, default=str))
        else:
            conds.append(f"{col} = ?")
            params.append(v)
    return " AND ".join(conds), params


def json_path(prop: str) -> str:
    """The JSON path of a property in the ``props`` column."""
    return '$."' + prop.replace('"', '\\"') + '"'


def jlist(values: Iterable[Any]) -> str:
    """A list parameter as JSON text (read with ``json_each``): sorted, distinct, as text."""
    tolist = getattr(values, "tolist", None)  # a column: its values as Python's, read at once (not one by one)
    return json.dumps(sorted({str(v) for v in (tolist() if callable(tolist) else values)}), ensure_ascii=False)


# (readiness --all / compare) Store.located_nodes: every LOCATED_IN link of a label's nodes to the asked cities
# (through the index rels_in on the cities' end), with the node's properties ({columns}: select_props of n)
LOCATED_NODES = (
    "SELECT n.id{columns}, l.dst_id FROM (SELECT DISTINCT value AS cid FROM json_each(?)) c CROSS JOIN rels l "
    "ON l.dst_id = c.cid AND l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = ? "
    "JOIN nodes n ON n.label = l.src_label AND n.id = l.src_id")
# (Store.located_nodes' among) after LOCATED_NODES, one per property: the node's value is one of the listed texts
LOCATED_NODES_AMONG = "json_extract(n.props, ?) IN (SELECT value FROM json_each(?))"


# Store.offer_year_counts_each from the kept programs per city × year × institution (sqlite_derived's
# sum_inst_years, through its index on (city, year, institution, programs)): every year of each asked city, with
# the programs and the institutions of the year that has some counted (as READ_YEAR_LIST and READ_YEAR_COUNTS)
YEAR_COUNTS_EACH = (
    "SELECT s.city, s.year, sum(CASE WHEN s.programs > 0 THEN s.programs ELSE 0 END), "
    "count(DISTINCT CASE WHEN s.programs > 0 THEN s.institution END) "
    "FROM (SELECT DISTINCT value AS cid FROM json_each(:cities)) c CROSS JOIN sum_inst_years s ON s.city = c.cid "
    "WHERE typeof(s.year) = 'integer' GROUP BY s.city, s.year ORDER BY s.city, s.year")
