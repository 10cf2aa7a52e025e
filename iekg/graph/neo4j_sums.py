"""The sums kept with the data in the Neo4j store: the same four aggregations as the embedded store's
(:mod:`iekg.graph.sqlite_derived`), kept as nodes of fixed internal labels that are never counted, searched
or exported (each also carries the internal ``IekgMeta`` label the counts leave out).

* ``IekgOfferSum`` — OFFERS sums per city × year × major × major level × institution level;
* ``IekgInstYearSum`` — programs per city × year × institution;
* ``IekgDemandSum`` — DEMANDS headcount and rows per city code × year × target;
* ``IekgOfferPack`` — the same OFFERS sums of one city × year packed into one node, a list per column (sums
  version 4): what every major's offer sums are read from.  A province's offer sums are 22,000 nodes of 20
  properties: reading them cost the server 0.15–0.4 s at scale 100, the packs of its 18 cities 0.04–0.06 s.  Built
  from the city's ``IekgOfferSum`` nodes with them (a few majors' sums are still read from those); a city × year
  whose keys are not all text (a level of another type) is left unpacked (``packed`` false) and read from its
  nodes.  A database of layout 3 is read from the nodes until its next import or ``iekg reindex`` packs it;
* ``IekgCoopSum`` — the *aligned cooperations* (``cooperation_counts``, ``cooperation_list`` given the
  crosswalk's own aligned majors, :class:`iekg.graph.sums.CrosswalkAligned`): one node per COOPERATES_WITH
  relationship × year × industry (大类) such that the enterprise is in that industry (IN_INDUSTRY, rolled up)
  and the institution offers that year a major with crosswalk weight > 0 into it (the rule of
  ``iekg.queries.supply.Weights``), with the relationship's ``_key``, type, status and since — the embedded
  store's ``sum_coops`` (:mod:`iekg.graph.sqlite_derived`) — and the cities the institution is located in
  (``inst_cities``), so that a read checks the institution's place without leaving the node.  The reads start
  from the enterprises located in the asked cities and keep the nodes whose institution is located in them;
* ``IekgEntPack`` — each city's enterprises (those located in it) packed into one node (sums version 5): their
  COOPERATES_WITH counted per status as written (the embedded store's ``sum_ent_coops``) and their IN_SEGMENT links
  to chain segments with the role and the enterprise's staff (:data:`FILL_ENT_PACKS`).  What the chain gaps'
  findings read (each key's enterprises linked to its segments, their cooperations that count and the statuses of
  the others): the province's 35,000 enterprises walked to their links and their cooperations cost the server
  0.16–0.23 s, its 18 packs 0.02–0.04 s.  The status rule is applied when reading (a status that is not text, or
  none, always counts, as the rule has it).  A city whose ids are not all text, a role that is not text or staff
  of mixed types has a node without lists (``packed`` false): the reads then take the relationships.
* ``IekgProgramPack`` — each major's programs (OFFERS) packed into one node (sums version 5): per program its
  institution, graduates and enrollment, the programs in order of year, each year's at ``at[k]`` to ``at[k + 1]``
  for ``years[k]`` (integers; the missing counts as 0 with their positions in ``g_null`` / ``e_null``: a list holds
  no null).  The programs of some majors in a year (``rel_frame`` of OFFERS with a year and the majors, what who
  trains and partners read) are the slices of those majors' nodes: 345 majors' 67,779 programs read in 0.15–0.2 s
  instead of 0.5–0.6 s walking their relationships.  A major with a year that is not an integer, or a count that
  is not one, has a node without lists (``packed`` false): the reads then take the relationships.
* ``IekgTopScope`` — each province's first programs (sums version 6): per year and major its cities' kept first
  programs (``IekgTopSum``) merged, as a read over several cities merges them (the first ``KEPT_TOP`` by volume, then
  institution), and a ``head`` node per year naming the cities merged.  The gaps of a province read its majors'
  lists from one node each instead of merging its cities' 21,000 nodes on the server (0.2–0.4 s → 0.03–0.06 s at
  scale 100).  A pack answers only the exact set of cities it was merged from (``scope``, :func:`scope_key`); any
  other set of cities is merged as before.  Recomputed after the cities' own first programs: for the provinces of
  the touched cities (before and after) and of the cities whose PART_OF changes, and for every province by a fresh
  load and ``reindex`` (one transaction each, once every city is done).

When they change: ``Neo4jStore.apply`` works out, before it writes, which cities the change set touches
(:func:`touched_before` — the cities of the institutions whose programs, location or level change, of the
institutions offering a major whose level changes, the city codes of the demand rows replaced or deleted)
and again after (:func:`touched_after`: an institution moved); for the aligned cooperations, the institutions
whose cooperations, programs or location change, the enterprises whose industry changes, the institutions
offering a major whose crosswalk changes (its own ALIGNS_WITH, its SUBCLASS_OF, its category's ALIGNS_WITH)
and what a deleted node takes with it (an industry's enterprises and crosswalk rows, a category's majors, a
city's institutions); for the enterprise packs, the cities before and after of the enterprises whose
cooperations, chain links, properties or location change (an institution's replaced or deleted cooperations, a
deleted chain segment's links: their enterprises) and a deleted city; for the program packs, the majors of
programs written, and those offered by an institution whose programs are replaced or which is deleted.  Those
sums are recomputed (:func:`refresh`, :func:`refresh_coops`,
:func:`refresh_ent_packs`, :func:`refresh_programs`) in the final
transaction of the import, the one that sets the new graph version and records the import, so a reader
sees new sums exactly when it sees the new version.  A fresh load (and ``iekg reindex``) recomputes every city
in batches of cities (the cooperations in batches of institutions), then marks the sums complete
(``IekgMeta.sums`` = :data:`SUMS_VERSION`).  Until marked complete (a database written by an older iekg, or
after ``clear``), the reads sum the relationships as before, and the next import recomputes everything.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import TYPE_CHECKING, Any

from iekg.graph.cypher import KEY, META, OFFER_AGGREGATES, label, rel_type
from iekg.graph.schema import split_uid
from iekg.graph.sums import KEPT_DURATIONS, KEPT_TOP, OFFER_SUM_COLUMNS, ROLLUP_PATTERN

if TYPE_CHECKING:
    import pandas as pd

# IekgMeta.sums: 2 with IekgCoopSum, 3 with IekgTopSum, 4 with IekgOfferPack, 5 with IekgEntPack and
# IekgProgramPack, 6 with IekgTopScope, 7 with IekgEntCity (an older database is recomputed once, at its next import)
SUMS_VERSION = 7
# a database whose sums are complete at one of these layouts has its sums read (IekgTopSum from layout 3, the offer
# packs from layout 4, the enterprise packs and the majors' program packs from layout 5, the provinces' first
# programs only at SUMS_VERSION)
USABLE_VERSIONS = (2, 3, 4, 5, 6, SUMS_VERSION)
TOP_VERSIONS = (3, 4, 5, 6, SUMS_VERSION)
PACK_VERSIONS = (4, 5, 6, SUMS_VERSION)
ENT_PACK_VERSIONS = (5, 6, SUMS_VERSION)
PROGRAM_VERSIONS = (5, 6, SUMS_VERSION)
TOP_SCOPE_VERSIONS = (6, SUMS_VERSION)
ENT_CITY_VERSIONS = (SUMS_VERSION,)
TOP_SUM = "`IekgTopSum`"
OFFER_SUM = "`IekgOfferSum`"
OFFER_PACK = "`IekgOfferPack`"
INST_YEAR_SUM = "`IekgInstYearSum`"
DEMAND_SUM = "`IekgDemandSum`"
COOP_SUM = "`IekgCoopSum`"
ENT_PACK = "`IekgEntPack`"
ENT_CITY = "`IekgEntCity`"
PROGRAM_PACK = "`IekgProgramPack`"
TOP_SCOPE = "`IekgTopScope`"
INST_BATCH = 2000  # institutions per transaction when every aligned cooperation is recomputed
CITY_BATCH = 1  # cities per transaction when everything is recomputed (the largest city bounds the memory)
MAJOR_BATCH = 20  # majors per transaction when every major's program pack is recomputed (bounds its memory)
ENT_CITY_BATCH = 4  # cities per transaction when every city's enterprise pack is recomputed
DEMAND_BATCH = 25  # demand city codes per transaction then (each statement scans the DEMANDS once)
REFRESH_WORKERS = 2  # transactions at once then (each city's sums are its own nodes: no lock between them)

_CITY, _INST, _MAJOR = label("City"), label("Institution"), label("Major")
_LOCATED, _OFFERS, _DEMANDS = rel_type("LOCATED_IN"), rel_type("OFFERS"), rel_type("DEMANDS")
_ENT, _CAT = label("Enterprise"), label("MajorCategory")
_COOP, _IN_INDUSTRY = rel_type("COOPERATES_WITH"), rel_type("IN_INDUSTRY")
_ALIGNS, _SUBCLASS = rel_type("ALIGNS_WITH"), rel_type("SUBCLASS_OF")

INDEXES = (
    f"CREATE INDEX iekg_offer_sum_at IF NOT EXISTS FOR (s:{OFFER_SUM}) ON (s.city, s.year)",
    f"CREATE INDEX iekg_offer_pack_at IF NOT EXISTS FOR (s:{OFFER_PACK}) ON (s.city, s.year)",
    f"CREATE INDEX iekg_inst_year_sum_at IF NOT EXISTS FOR (s:{INST_YEAR_SUM}) ON (s.city)",
    f"CREATE INDEX iekg_demand_sum_at IF NOT EXISTS FOR (s:{DEMAND_SUM}) ON (s.city, s.year)",
    f"CREATE INDEX iekg_inst_year_sum_inst IF NOT EXISTS FOR (s:{INST_YEAR_SUM}) ON (s.institution, s.year)",
    f"CREATE INDEX iekg_top_sum_at IF NOT EXISTS FOR (s:{TOP_SUM}) ON (s.city, s.year)",
    f"CREATE INDEX iekg_coop_sum_at IF NOT EXISTS FOR (s:{COOP_SUM}) ON (s.enterprise, s.year, s.industry)",
    f"CREATE INDEX iekg_coop_sum_inst IF NOT EXISTS FOR (s:{COOP_SUM}) ON (s.institution)",
    f"CREATE INDEX iekg_coop_sum_ent IF NOT EXISTS FOR (s:{COOP_SUM}) ON (s.enterprise)",
    f"CREATE INDEX iekg_ent_pack_at IF NOT EXISTS FOR (s:{ENT_PACK}) ON (s.city)",
    f"CREATE INDEX iekg_ent_city_at IF NOT EXISTS FOR (s:{ENT_CITY}) ON (s.city)",
    f"CREATE INDEX iekg_program_pack_at IF NOT EXISTS FOR (s:{PROGRAM_PACK}) ON (s.major)",
    f"CREATE INDEX iekg_top_scope_at IF NOT EXISTS FOR (s:{TOP_SCOPE}) ON (s.scope, s.year)",
    f"CREATE INDEX iekg_top_scope_province IF NOT EXISTS FOR (s:{TOP_SCOPE}) ON (s.province)",
    # the version node among the sums' nodes (they all carry META too): its MERGE / MATCH by id, not a scan
    f"CREATE INDEX iekg_meta_id IF NOT EXISTS FOR (m:{META}) ON (m.id)",
    # the year's leading programs of every institution (readiness of all cities): a seek, not a scan of OFFERS
    f"CREATE INDEX iekg_offers_leading IF NOT EXISTS FOR ()-[r:{_OFFERS}]-() ON (r.leading, r.year)",
)

# ------------------------------------------------------------------------------------------ what is touched
# the cities of institutions (by id), and of the institutions offering majors (by id)
CITIES_OF_INSTITUTIONS = (f"UNWIND $ids AS id MATCH (:{_INST} {{id: id}})-[:{_LOCATED}]->(c:{_CITY}) "
                          "RETURN DISTINCT c.id AS city")
CITIES_OF_MAJORS = (f"UNWIND $ids AS id MATCH (:{_MAJOR} {{id: id}})<-[:{_OFFERS}]-(:{_INST})-[:{_LOCATED}]->"
                    f"(c:{_CITY}) RETURN DISTINCT c.id AS city")
# the city codes of the demand rows of some start nodes (a replaced or deleted source's rows)
DEMAND_CODES_OF = ("UNWIND $rows AS row MATCH (a {id: row.id})-[r:" + _DEMANDS + "]->() "
                   "WHERE row.label IN labels(a) AND r.city_code IS NOT NULL RETURN DISTINCT r.city_code AS code")
ALL_CITIES = f"MATCH (:{_INST})-[:{_LOCATED}]->(c:{_CITY}) RETURN DISTINCT c.id AS city"
ALL_DEMAND_CODES = f"MATCH ()-[r:{_DEMANDS}]->() WHERE r.city_code IS NOT NULL RETURN DISTINCT r.city_code AS code"
# the aligned cooperations: the institutions offering majors (by id), the majors of categories (by id), and,
# of nodes about to be deleted (label, id), the institutions and enterprises whose cooperations they take part
# in (the cooperations, programs, industries and crosswalk relationships that go with them)
INSTITUTIONS_OFFERING = (f"UNWIND $ids AS id MATCH (:{_MAJOR} {{id: id}})<-[:{_OFFERS}]-(i:{_INST}) "
                         "RETURN DISTINCT i.id AS id")
MAJORS_OF_CATEGORIES = (f"UNWIND $ids AS id MATCH (:{_CAT} {{id: id}})<-[:{_SUBCLASS}]-(m:{_MAJOR}) "
                        "RETURN DISTINCT m.id AS id")
COOP_ENDS_OF_DELETED = (
    "UNWIND $rows AS row MATCH (n {id: row.id}) WHERE row.label IN labels(n) "
    f"OPTIONAL MATCH (n)<-[:{_IN_INDUSTRY}]-(e:{_ENT}) WITH n, collect(DISTINCT e.id) AS ents "
    f"OPTIONAL MATCH (n)<-[:{_ALIGNS}]-(a) WITH n, ents, "
    f"  collect(DISTINCT CASE WHEN a:{_MAJOR} THEN a.id END) AS amajors, "
    f"  collect(DISTINCT CASE WHEN a:{_CAT} THEN a.id END) AS acats "
    f"OPTIONAL MATCH (n)<-[:{_SUBCLASS}]-(m:{_MAJOR}) WITH n, ents, amajors, acats, collect(DISTINCT m.id) AS smajors "
    f"OPTIONAL MATCH (n)<-[:{_LOCATED}]-(i:{_INST}) "
    "RETURN ents, amajors, acats, smajors, collect(DISTINCT i.id) AS insts")
ALL_COOP_INSTITUTIONS = f"MATCH (i:{_INST})-[:{_COOP}]->(:{_ENT}) RETURN DISTINCT i.id AS id"
# the enterprise packs: the enterprises of the cooperations of institutions (by id; those replaced or deleted), the
# enterprises linked to chain segments (by id; deleted), the cities of enterprises (by id), and every city with an
# enterprise located in it
ENTS_OF_COOP_INSTITUTIONS = (f"UNWIND $ids AS id MATCH (:{_INST} {{id: id}})-[:{_COOP}]->(e:{_ENT}) "
                             "RETURN DISTINCT e.id AS id")
ENTS_OF_SEGMENTS = (f"UNWIND $ids AS id MATCH (:{label('ChainSegment')} {{id: id}})<-[:{rel_type('IN_SEGMENT')}]-"
                    f"(e:{_ENT}) RETURN DISTINCT e.id AS id")
CITIES_OF_ENTERPRISES = (f"UNWIND $ids AS id MATCH (:{_ENT} {{id: id}})-[:{_LOCATED}]->(c:{_CITY}) "
                         "RETURN DISTINCT c.id AS city")
ALL_ENT_CITIES = f"MATCH (:{_ENT})-[:{_LOCATED}]->(c:{_CITY}) RETURN DISTINCT c.id AS city"
# the majors' program packs: the majors institutions (by id; those replaced or deleted) offer, and every major
MAJORS_OF_INSTITUTIONS = (f"UNWIND $ids AS id MATCH (:{_INST} {{id: id}})-[:{_OFFERS}]->(m:{_MAJOR}) "
                          "RETURN DISTINCT m.id AS id")
ALL_MAJORS = f"MATCH (m:{_MAJOR}) RETURN m.id AS id"
# the crosswalk, for the (major, industry) pairs with weight > 0 (:func:`aligned_pairs`)
OWN_WEIGHTS = f"MATCH (m:{_MAJOR})-[a:{_ALIGNS}]->(x) RETURN m.id AS major, x.id AS industry, a.weight AS w"
CATEGORY_WEIGHTS = (f"MATCH (m:{_MAJOR})-[:{_SUBCLASS}]->(c:{_CAT})-[a:{_ALIGNS}]->(x) "
                    "RETURN m.id AS major, c.id AS category, x.id AS industry, a.weight AS w")

# ------------------------------------------------------------------------------------------ recompute
DROP = (
    f"MATCH (s:{OFFER_SUM}) WHERE s.city IN $cities DETACH DELETE s",
    f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities DETACH DELETE s",
    f"MATCH (s:{DEMAND_SUM}) WHERE s.city IN $codes DETACH DELETE s",
    f"MATCH (s:{TOP_SUM}) WHERE s.city IN $cities DETACH DELETE s",
    f"MATCH (s:{OFFER_PACK}) WHERE s.city IN $cities DETACH DELETE s",
)
FILL_OFFERS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})-[o:{_OFFERS}]->(m:{_MAJOR}) "
    "WITH cid, o.year AS year, m, i.level AS il, toFloatOrNull(o.graduates) AS g, "
    "  toFloatOrNull(o.enrollment) AS e, toFloatOrNull(o.employment_rate) AS rt, o.leading AS lead "
    "WITH cid, year, m, il, g, e, rt, lead, (g IS NULL AND e IS NOT NULL) AS est "
    "WITH cid, year, m, il, count(*) AS programs, "
    f"  {OFFER_AGGREGATES} "
    f"CREATE (s:{META}:{OFFER_SUM}) SET s.city = cid, s.year = year, s.major = m.id, s.major_level = m.level, "
    "  s.inst_level = il, s.programs = programs, s.graduates = graduates, s.with_graduates = with_graduates, "
    "  s.positive_graduates = positive_graduates, s.enrollment_only = enrollment_only, "
    "  s.enrollment_only_n = enrollment_only_n, s.enrollment_only_positive = enrollment_only_positive, "
    "  s.rated_graduates = rated_graduates, s.rate_graduates = rate_graduates, s.rated_positive = rated_positive, "
    "  s.rated_enrollment = rated_enrollment, s.rate_enrollment = rate_enrollment, s.leading = leading, "
    "  s.leading_known = leading_known")
# each city × year's IekgOfferSum nodes packed into one IekgOfferPack (after FILL_OFFERS): the keys as text lists
# (the levels as positions in the node's own ``levels``, -1 for none: a list holds no null), the sums as lists,
# the rows in no order (the read sorts them).  A city × year with a key that is not text (a level of another
# type) has a node without lists (``packed`` false): its reads take the IekgOfferSum nodes.  Every node also
# holds the year's institutions with programs and their programs, from the city's IekgInstYearSum nodes (after
# FILL_INST_YEARS; kept counts are at least 1): ``institutions`` (left out when an id is not text) and
# ``inst_programs`` — what the data coverage counts of each year, from 18 nodes instead of 35,000
FILL_PACKS = (
    f"UNWIND $cities AS cid MATCH (s:{OFFER_SUM} {{city: cid}}) WHERE s.year IS NOT NULL "
    "WITH cid, s.year AS year, collect(s) AS rows "
    "WITH cid, year, rows, all(s IN rows WHERE s.major IS :: STRING NOT NULL "
    "  AND s.major_level IS :: STRING AND s.inst_level IS :: STRING) AS packed "
    "CALL (rows) { UNWIND rows AS s UNWIND [s.major_level, s.inst_level] AS level "
    "  WITH DISTINCT level WHERE level IS NOT NULL RETURN collect(level) AS levels } "
    f"CREATE (p:{META}:{OFFER_PACK}) SET p.city = cid, p.year = year, p.packed = packed "
    "WITH p, cid, year, rows, levels, packed "
    f"CALL (p, cid, year) {{ MATCH (x:{INST_YEAR_SUM} {{city: cid}}) "
    "  WHERE x.year = year AND valueType(x.year) = valueType(year) AND x.programs > 0 "
    "  WITH collect(DISTINCT x.institution) AS insts, sum(x.programs) AS n "
    "  SET p.inst_programs = n, p.institutions = CASE WHEN all(i IN insts WHERE i IS :: STRING NOT NULL) "
    "    THEN insts END } "
    "WITH p, rows, levels, packed WHERE packed "
    "SET p.levels = levels, p.major = [s IN rows | s.major], "
    "  p.major_level = [s IN rows | coalesce([k IN range(0, size(levels) - 1) WHERE levels[k] = s.major_level][0], -1)], "
    "  p.inst_level = [s IN rows | coalesce([k IN range(0, size(levels) - 1) WHERE levels[k] = s.inst_level][0], -1)], "
    + ", ".join(f"p.{c} = [s IN rows | s.{c}]" for c in OFFER_SUM_COLUMNS))
FILL_INST_YEARS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})-[o:{_OFFERS}]->(:{_MAJOR}) "
    "WITH cid, i.id AS inst, o.year AS year, count(*) AS n "
    f"CREATE (s:{META}:{INST_YEAR_SUM}) SET s.city = cid, s.year = year, s.institution = inst, s.programs = n")
FILL_DEMAND = (
    f"MATCH (a)-[r:{_DEMANDS}]->(b) WHERE r.city_code IN $codes "
    f"  AND (a:{_CITY} OR a:{label('Enterprise')}) AND (b:{label('Industry')} OR b:{_MAJOR}) "
    f"WITH r.city_code AS city, r.year AS year, CASE WHEN b:{label('Industry')} THEN 'Industry' ELSE 'Major' END "
    "  AS target_label, b.id AS target, sum(toFloat(r.headcount)) AS headcount, count(*) AS rows "
    f"CREATE (s:{META}:{DEMAND_SUM}) SET s.city = city, s.year = year, s.target_label = target_label, "
    "  s.target = target, s.headcount = headcount, s.rows = rows")
# each city × year × major's first KEPT_TOP programs by volume (cypher.TOP_OFFERS' rule and order: volume
# descending, then institution; durations KEPT_DURATIONS), as parallel lists (institutions ``vi``, volumes
# ``vv``), and its first KEPT_TOP by institution (``ii``: the weight-0 pairs' order, cypher.TOP_OFFERS_BY_INSTITUTION).
# Each key's programs are sorted on their own (a subquery per key): sorting every program of the city at once held
# the city's rows twice, and the scale-100 graph's largest city (333,000 programs) ran out of the server's
# transaction memory with the launcher's default 1g heap (now about 120 MB for that city)
FILL_TOP = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})-[o:{_OFFERS}]->(m:{_MAJOR}) "
    "WITH cid, i, m, o, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
    "     $durations[coalesce(m.level, i.level, '')] AS dur "
    "WITH cid, o.year AS year, m.id AS major, collect([i.id, "
    "  CASE WHEN g IS NOT NULL THEN g WHEN e IS NOT NULL AND dur IS NOT NULL THEN e / toFloat(dur) ELSE 0.0 END]) "
    "  AS rows "
    "CALL (rows) { UNWIND rows AS r WITH r[0] AS institution ORDER BY institution "
    "  RETURN collect(institution)[..$limit] AS ii } "
    "CALL (rows) { UNWIND rows AS r WITH r ORDER BY r[1] DESC, r[0] RETURN collect(r)[..$limit] AS top } "
    "WITH cid, year, major, ii, top "
    f"CREATE (s:{META}:{TOP_SUM}) SET s.city = cid, s.year = year, s.major = major, "
    "  s.vi = [x IN top | x[0]], s.vv = [x IN top | x[1]], s.ii = ii")
DROP_COOPS = (f"MATCH (s:{COOP_SUM}) WHERE s.institution IN $insts DETACH DELETE s",
              f"UNWIND $ents AS eid MATCH (s:{COOP_SUM} {{enterprise: eid}}) DETACH DELETE s")
# the aligned cooperations of institutions $insts and enterprises $ents, given $aligned: major -> the industries
# (rolled up) it has crosswalk weight > 0 into.  Each institution's programs are walked once, to the years in which
# it offers a major aligned with each industry (``by_code``: [industry, years], the years in the order the programs
# come, as ``RETURN DISTINCT`` gave them per cooperation before), and its cities read once: walking them again for
# every cooperation × industry (80,000 at scale 100, 45 programs each) took a third more of the server's time
FILL_COOPS = (
    "CALL () { "
    f"  UNWIND $insts AS iid MATCH (i:{_INST} {{id: iid}})-[r:{_COOP}]->(e:{_ENT}) RETURN i, r, e "
    "  UNION "
    f"  UNWIND $ents AS eid MATCH (i:{_INST})-[r:{_COOP}]->(e:{_ENT} {{id: eid}}) RETURN i, r, e }} "
    f"MATCH (e)-[:{_IN_INDUSTRY}]->(ind) "
    "WITH DISTINCT i, r, e, CASE WHEN ind.id =~ $rollup THEN left(ind.id, 2) ELSE ind.id END AS code "
    "WITH i, collect([r, e, code]) AS coops "
    "CALL (i) { "
    f"  MATCH (i)-[o:{_OFFERS}]->(m:{_MAJOR}) WHERE o.year IS NOT NULL "
    "  UNWIND coalesce($aligned[m.id], []) AS code "
    "  WITH code, collect(DISTINCT o.year) AS years "
    "  RETURN collect([code, years]) AS by_code } "
    f"WITH i, coops, by_code, [(i)-[:{_LOCATED}]->(c:{_CITY}) | c.id] AS cities "
    "UNWIND coops AS x "
    "WITH i, x[0] AS r, x[1] AS e, x[2] AS code, by_code, cities "
    "UNWIND coalesce([y IN by_code WHERE y[0] = code | y[1]][0], []) AS year "
    f"CREATE (s:{META}:{COOP_SUM}) SET s.institution = i.id, s.enterprise = e.id, s.year = year, "
    f"  s.industry = code, s.k = r.{KEY}, s.type = r.type, s.status = r.status, s.since = r.since, "
    "  s.inst_cities = cities")
DROP_ENT_PACKS = f"MATCH (s:{ENT_PACK}) WHERE s.city IN $cities DETACH DELETE s"
# each city's enterprises with a cooperation or a chain link, packed into one node of the city (a city without any
# has no node).  Their cooperations (from any start: cypher.CHAIN_ENTERPRISES counts them all): the enterprises
# with any (``enterprises``), how many each has (``n``), and per status that is text the count, grouped by status —
# ``statuses`` (distinct, in order), the enterprises' positions ``si`` and counts ``sn`` of ``statuses[k]`` at
# ``at[k]`` to ``at[k + 1]``: a read takes the slices of the statuses it leaves out, not a test of each of the
# province's 32,000 (0.03 s on the server); the statuses as written (the reads apply the rule).  Their IN_SEGMENT
# links to chain segments grouped by segment the same way — ``segments``, ``seg_at``, per link its enterprise
# (``link_ents``), role and the enterprise's staff, the present ones only, with their positions (``role_pos`` /
# ``role_val``, ``emp_pos`` / ``emp_val``: a list holds no null).  Lists are gathered by subqueries (a list grown by
# concatenation once per enterprise copies it each time)
FILL_ENT_PACKS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(e:{_ENT}) "
    "WITH DISTINCT cid, e "
    f"CALL (e) {{ MATCH ()-[c:{_COOP}]->(e) WITH c.status AS status, count(*) AS n RETURN collect([status, n]) AS said }} "
    f"CALL (e) {{ MATCH (e)-[r:{rel_type('IN_SEGMENT')}]->(s:{label('ChainSegment')}) "
    "  RETURN collect([s.id, r.role]) AS links } "
    "WITH cid, e, said, links WHERE size(said) > 0 OR size(links) > 0 "
    "WITH cid, collect([e.id, reduce(t = 0, x IN said | t + x[1]), [x IN said WHERE x[0] IS :: STRING NOT NULL], "
    "  e.employees, links]) AS every "
    "CALL (every) { UNWIND every AS x UNWIND x[4] AS l "
    "  WITH l[0] AS seg, x[0] AS ent, l[1] AS role, x[3] AS emp ORDER BY seg, ent "
    "  WITH seg, collect([ent, role, emp]) AS ls ORDER BY seg "
    "  RETURN collect(seg) AS segments, reduce(a = [0], x IN collect(size(ls)) | a + [a[-1] + x]) AS seg_at, "
    "    reduce(a = [], x IN collect(ls) | a + x) AS links } "
    "WITH cid, [x IN every WHERE x[1] > 0] AS es, every, segments, seg_at, links, "
    "  [x IN links WHERE x[2] IS NOT NULL | x[2]] AS emps "
    f"CREATE (p:{META}:{ENT_PACK}) SET p.city = cid, p.packed = all(x IN every WHERE x[0] IS :: STRING NOT NULL) "
    "  AND size(segments) = size(seg_at) - 1 AND all(x IN segments WHERE x IS :: STRING NOT NULL) "
    "  AND all(x IN links WHERE x[1] IS :: STRING) AND (all(v IN emps WHERE v IS :: INTEGER) "
    "  OR all(v IN emps WHERE v IS :: FLOAT) OR all(v IN emps WHERE v IS :: STRING) OR all(v IN emps WHERE v IS :: BOOLEAN)) "
    "WITH p, es, segments, seg_at, links, emps WHERE p.packed "
    "CALL (es) { UNWIND range(0, size(es) - 1) AS k UNWIND es[k][2] AS x "
    "  WITH x[0] AS status, k, x[1] AS n ORDER BY status, k "
    "  WITH status, collect(k) AS ks, collect(n) AS ns ORDER BY status "
    "  RETURN collect(status) AS statuses, reduce(a = [0], x IN collect(size(ks)) | a + [a[-1] + x]) AS at, "
    "    reduce(a = [], x IN collect(ks) | a + x) AS si, reduce(a = [], x IN collect(ns) | a + x) AS sn } "
    "SET p.enterprises = [x IN es | x[0]], p.n = [x IN es | x[1]], p.statuses = statuses, p.at = at, p.si = si, "
    "  p.sn = sn, p.segments = segments, p.seg_at = seg_at, p.link_ents = [x IN links | x[0]], "
    "  p.role_pos = [k IN range(0, size(links) - 1) WHERE links[k][1] IS NOT NULL], "
    "  p.role_val = [x IN links WHERE x[1] IS NOT NULL | x[1]], "
    "  p.emp_pos = [k IN range(0, size(links) - 1) WHERE links[k][2] IS NOT NULL], p.emp_val = emps")
DROP_PROGRAMS = f"UNWIND $majors AS mid MATCH (s:{PROGRAM_PACK} {{major: mid}}) DETACH DELETE s"
# each major's programs with a year (a program without one is never read by year) in order of year (the subquery
# sorts one major's at a time), packed into one node; a major without programs has no node
FILL_PROGRAMS = (
    f"UNWIND $majors AS mid MATCH (m:{_MAJOR} {{id: mid}}) "
    f"CALL (m) {{ MATCH (m)<-[o:{_OFFERS}]-(i:{_INST}) WHERE o.year IS NOT NULL "
    "  WITH o.year AS year, i.id AS inst, o.graduates AS g, o.enrollment AS e ORDER BY year "
    "  RETURN collect([year, inst, g, e]) AS rows } "
    "WITH m, rows WHERE size(rows) > 0 "
    f"CREATE (p:{META}:{PROGRAM_PACK}) SET p.major = m.id, p.packed = all(r IN rows WHERE r[0] IS :: INTEGER NOT NULL "
    "  AND r[1] IS :: STRING NOT NULL AND (r[2] IS NULL OR r[2] IS :: INTEGER) AND (r[3] IS NULL OR r[3] IS :: INTEGER)) "
    "WITH p, rows WHERE p.packed "
    "WITH p, rows, [k IN range(0, size(rows) - 1) WHERE k = 0 OR rows[k][0] <> rows[k - 1][0]] AS starts "
    "SET p.years = [k IN starts | rows[k][0]], p.at = starts + [size(rows)], p.institutions = [r IN rows | r[1]], "
    "  p.graduates = [r IN rows | coalesce(r[2], 0)], p.enrollment = [r IN rows | coalesce(r[3], 0)], "
    "  p.g_null = [k IN range(0, size(rows) - 1) WHERE rows[k][2] IS NULL], "
    "  p.e_null = [k IN range(0, size(rows) - 1) WHERE rows[k][3] IS NULL]")
# each of provinces $provinces' first programs per year and major: its cities' kept first programs (IekgTopSum)
# merged, as the read of a scope of several cities merges them (Neo4jReads._kept_top: volume descending, then
# institution, the first $limit), one node per province × year × major with the lists ``vi`` / ``vv``, and one
# ``head`` node per province × year holding the cities merged (sorted) — a read finds the nodes by ``scope``, a
# text naming those cities (:func:`scope_key`), so a pack answers only the exact set of cities it was merged from,
# whatever the province is now.  A province whose cities' ids are not all text has no pack (read as before)
FILL_TOP_SCOPES = (
    f"UNWIND $provinces AS pid MATCH (:{label('Province')} {{id: pid}})<-[:{rel_type('PART_OF')}]-(c:{_CITY}) "
    "WITH pid, collect(DISTINCT c.id) AS cs WHERE all(c IN cs WHERE c IS :: STRING NOT NULL) "
    "CALL (cs) { UNWIND cs AS c WITH c ORDER BY c WITH collect(c) AS cities "
    "  RETURN cities, reduce(k = '', c IN cities | k + toString(size(c)) + ':' + c) AS scope } "
    f"UNWIND cities AS cid MATCH (s:{TOP_SUM} {{city: cid}}) "
    "WITH pid, cities, scope, s.year AS year, s.major AS major, collect(s) AS kept "
    "CALL (kept) { UNWIND kept AS s UNWIND range(0, size(s.vi) - 1) AS j "
    "  WITH s.vi[j] AS inst, s.vv[j] AS vol ORDER BY vol DESC, inst LIMIT $limit "
    "  RETURN collect(inst) AS vi, collect(vol) AS vv } "
    f"CREATE (t:{META}:{TOP_SCOPE}) SET t.scope = scope, t.province = pid, t.year = year, t.major = major, "
    "  t.vi = vi, t.vv = vv "
    "WITH pid, cities, scope, collect(DISTINCT year) AS years UNWIND years AS y "
    f"CREATE (h:{META}:{TOP_SCOPE}) SET h.scope = scope, h.province = pid, h.year = y, h.head = true, "
    "  h.cities = cities")
DROP_TOP_SCOPES = f"MATCH (s:{TOP_SCOPE}) WHERE s.province IN $provinces DETACH DELETE s"
# the provinces that $ids (cities) are part of now, and those whose kept pack merged any of them
PROVINCES_OF_CITIES = (f"UNWIND $ids AS id MATCH (:{_CITY} {{id: id}})-[:{rel_type('PART_OF')}]->(p:{label('Province')}) "
                       "RETURN DISTINCT p.id AS id")
PROVINCES_OF_SCOPES = (f"MATCH (h:{TOP_SCOPE}) WHERE h.head AND any(c IN h.cities WHERE c IN $ids) "
                       "RETURN DISTINCT h.province AS id")
ALL_PROVINCES = (f"MATCH (:{_CITY})-[:{rel_type('PART_OF')}]->(p:{label('Province')}) RETURN DISTINCT p.id AS id")
SET_READY = f"MERGE (m:{META} {{id: 'graph'}}) SET m.sums = $version"
UNSET_READY = f"MATCH (m:{META} {{id: 'graph'}}) REMOVE m.sums"
DROP_ALL = tuple("MATCH (s:" + fixed + ") CALL (s) { DELETE s } IN TRANSACTIONS OF 10000 ROWS"
                 for fixed in (OFFER_SUM, INST_YEAR_SUM, DEMAND_SUM, COOP_SUM, TOP_SUM, OFFER_PACK,
                               ENT_PACK, ENT_CITY, PROGRAM_PACK, TOP_SCOPE))  # (the module's own fixed labels)
READY = f"MATCH (m:{META} {{id: 'graph'}}) RETURN m.sums AS v"

# ------------------------------------------------------------------------------------------ reads
READ_OFFERS = (
    f"MATCH (s:{OFFER_SUM}) WHERE s.city IN $cities AND s.year = $year AND ($majors IS NULL OR s.major IN $majors) "
    "RETURN s.city AS city, s.major AS major, s.major_level AS major_level, s.inst_level AS inst_level, "
    "  s.programs AS programs, s.graduates AS graduates, s.with_graduates AS with_graduates, "
    "  s.positive_graduates AS positive_graduates, s.enrollment_only AS enrollment_only, "
    "  s.enrollment_only_n AS enrollment_only_n, s.enrollment_only_positive AS enrollment_only_positive, "
    "  s.rated_graduates AS rated_graduates, s.rate_graduates AS rate_graduates, "
    "  s.rated_positive AS rated_positive, s.rated_enrollment AS rated_enrollment, "
    "  s.rate_enrollment AS rate_enrollment, s.leading AS leading, s.leading_known AS leading_known")
# the asked cities' packed offer sums of the year (IekgOfferPack; Neo4jReads.offer_sums unpacks them), in one record
READ_PACKS = (
    f"MATCH (p:{OFFER_PACK}) WHERE p.city IN $cities AND p.year = $year "
    "RETURN collect([p.city, p.packed, p.levels, p.major, p.major_level, p.inst_level, "
    + ", ".join(f"p.{c}" for c in OFFER_SUM_COLUMNS) + "]) AS rows")
# the asked cities' programs and offering institutions per integer year, from the packs (as READ_YEAR_COUNTS and
# the reads of the IekgInstYearSum nodes count them), in one record
READ_PACK_YEARS = (f"MATCH (p:{OFFER_PACK}) WHERE p.city IN $cities AND p.year IS :: INTEGER "
                   "RETURN collect([p.city, p.year, p.inst_programs, p.institutions]) AS rows")
# the kept first programs of the wanted majors in the asked cities (in one record: per node, the major and its
# lists; Neo4jReads.top_offers merges the cities' lists of each major)
READ_TOP = (f"UNWIND $cities AS cid MATCH (s:{TOP_SUM} {{city: cid, year: $year}}) WHERE $wanted[s.major] IS NOT NULL "
            "RETURN collect([s.major, s.year, s.vi, s.vv, CASE WHEN $zero[s.major] IS NOT NULL THEN s.ii ELSE [] END]) AS rows")
# (gaps of a province) the wanted majors' first programs of the cities named by $scope (:func:`scope_key`) merged when
# kept (IekgTopScope): ``known`` false when they are not (the store then merges the cities' lists); one record
READ_TOP_SCOPE = (f"MATCH (s:{TOP_SCOPE} {{scope: $scope, year: $year}}) WHERE s.head OR $wanted[s.major] IS NOT NULL "
                  "WITH collect(s) AS ss RETURN any(x IN ss WHERE x.head) AS known, "
                  "  [x IN ss WHERE x.head IS NULL | [x.major, x.year, x.vi[..$limit], x.vv[..$limit]]] AS rows")
READ_YEARS = (f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER "
              "RETURN s.year AS y, sum(s.programs) AS n ORDER BY y")
READ_YEAR_COUNTS = (f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER AND s.programs > 0 "
                    "AND ($years IS NULL OR s.year IN $years) "
                    "RETURN s.year AS y, sum(s.programs) AS n, count(DISTINCT s.institution) AS k ORDER BY y")
# which of the institutions $src offer programs in $year (``sources_with`` of OFFERS by year): those with an
# IekgInstYearSum of the year, the others known to offer none in it when they have sums at all (located in a
# city: every year of theirs is kept); ``unknown`` (no sums: no city, or no programs) are asked of the rows
# (both lists in one record; "known" through the index on (institution, year): an institution whose only sums
# have no year is asked of the rows as well, with the same answer)
READ_OFFERING = (f"UNWIND $src AS sid OPTIONAL MATCH (s:{INST_YEAR_SUM} {{institution: sid, year: $year}}) "
                 "WHERE s.programs > 0 WITH sid, count(s) > 0 AS offers "
                 f"WITH sid, offers, offers OR EXISTS {{ MATCH (x:{INST_YEAR_SUM}) "
                 "  WHERE x.institution = sid AND x.year IS NOT NULL } AS known "
                 "RETURN collect(CASE WHEN offers THEN sid END) AS offering, "
                 "  collect(CASE WHEN NOT known THEN sid END) AS unknown")
READ_DEMAND = (f"MATCH (s:{DEMAND_SUM}) WHERE s.city IN $cities AND s.year = $year "
               "RETURN s.city AS city, s.target_label AS target_label, s.target AS target, "
               "  s.headcount AS headcount, s.rows AS rows")
# the scope's enterprises (located in $cities) with their industries rolled up, and their aligned cooperations
# in $year from institutions located in $cities, through the index on (enterprise, year, industry)
_COOP_SCOPE = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(e:{_ENT})-[:{_IN_INDUSTRY}]->(ind) "
    "WITH DISTINCT e.id AS ent, CASE WHEN ind.id =~ $rollup THEN left(ind.id, 2) ELSE ind.id END AS code ")
_COOP_HERE = (f"(s:{COOP_SUM} {{enterprise: ent, year: $year, industry: code}}) "
              "WHERE any(c IN s.inst_cities WHERE c IN $cities) ")
# the scope's counts and its left-out cooperations in one pass (alignment asks for both, with the same words), in
# one record: per (enterprise, industry) of the scope, its kept cooperations from an institution in scope counted —
# counted (a status missing or not in $inactive), dropped (in $inactive), unstated (missing) — and the dropped ones
# (institution, type, status, since); the store sums them per industry and orders the list (Neo4jReads._coops)
READ_COOP_BOTH = (
    _COOP_SCOPE +
    "CALL (ent, code) { OPTIONAL MATCH " + _COOP_HERE +
    "  WITH s, s.status IN $inactive AS out "
    "  RETURN count(CASE WHEN s.status IS NULL OR NOT out THEN s END) AS counted, "
    "    count(CASE WHEN out THEN s END) AS dropped, count(CASE WHEN s.status IS NULL THEN s END) AS unstated, "
    "    collect(CASE WHEN out THEN [s.institution, s.type, s.status, s.since] END) AS left } "
    "RETURN collect([ent, code, counted, dropped, unstated, left]) AS rows")
# A wide scope (at least COOP_SCAN_CITIES cities): the scope's (enterprise, industry) pairs, and the year's kept
# aligned cooperations with an institution located in $cities in one pass over the kept nodes, joined by the store
# (Neo4jReads._coops): 35,000 index seeks from the province's enterprises took 3–5 s, the pass 0.4 s.  The pass
# gives per (enterprise, industry) what READ_COOP_BOTH gives, for the pairs that have kept cooperations
COOP_SCAN_CITIES = 10
# (the pairs, for a set: each industry rolled up once, not once per enterprise, and not made distinct here — the
# store keeps them as a set; 0.13 → 0.09 s on the server for the province at scale 100; sent as one row per
# industry with its enterprises, not one per pair: 59 lists instead of 35,000 to decode, 0.12 → 0.07 s)
READ_COOP_PAIRS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(e:{_ENT})-[:{_IN_INDUSTRY}]->(ind) "
    "WITH ind, collect(e.id) AS ents "
    "RETURN collect([CASE WHEN ind.id =~ $rollup THEN left(ind.id, 2) ELSE ind.id END, ents]) AS rows")
# With the enterprise and the industry said to be there, the planner scans the index on (enterprise, year,
# industry) rather than the label: the three come from the index, not from each node's properties, and the rows
# arrive grouped by enterprise (0.55 → 0.44 s on the server at scale 100).  Every kept node has both, and a node
# without them would match no pair of the scope.  (No index hint: a database without the index still answers.)
_COOP_YEAR = (f"MATCH (s:{COOP_SUM}) WHERE s.enterprise IS NOT NULL AND s.year = $year AND s.industry IS NOT NULL "
              "AND any(c IN s.inst_cities WHERE c IN $cities) ")
# Per (enterprise, industry) only what the store cannot tell from the rest: the nodes, those with a status, and the
# dropped ones (a status in $inactive) — counted is the nodes less the dropped, unstated the nodes less those with a
# status, as READ_COOP_BOTH counts them; and one row per industry with its enterprises' lists, not one per pair
DROP_ENT_CITIES = f"MATCH (s:{ENT_CITY}) WHERE s.city IN $cities DETACH DELETE s"
# each city's located enterprises (every LOCATED_IN link from one, as cypher.LOCATED walks them, in the order it
# walks them) packed into one node of the city with the two properties readiness and coupling read of each (the
# embedded store's ``sum_ents``): ``ids``, and per property the present values with their positions (``emp_pos`` /
# ``emp_val`` for the staff, ``iei_pos`` / ``iei_val`` for the IEI level: a list holds no null; and ``iei_ids``, the
# ids of those with a level, which the read of a few levels takes instead of every id).  A city without
# located enterprises has no node.  A city whose ids are not all text, or whose values of a property are not all of
# one type (numbers and text mixed, a list), has a node without lists (``packed`` false): the reads then take the
# nodes.  What the province's 35,000 enterprises cost the server per read (0.09–0.1 s each, two reads per compare,
# readiness of all cities and coupling), its 18 nodes cost once
FILL_ENT_CITIES = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(e:{_ENT}) "
    "WITH cid, collect([e.id, e.employees, e.iei_level]) AS es "
    "WITH cid, [x IN es | x[0]] AS ids, [x IN es | x[1]] AS emp, [x IN es | x[2]] AS iei "
    f"CREATE (p:{META}:{ENT_CITY}) SET p.city = cid, p.packed = all(i IN ids WHERE i IS :: STRING NOT NULL) "
    "  AND all(vs IN [emp, iei] WHERE all(v IN vs WHERE v IS NULL OR v IS :: INTEGER) "
    "  OR all(v IN vs WHERE v IS NULL OR v IS :: FLOAT) OR all(v IN vs WHERE v IS NULL OR v IS :: STRING) "
    "  OR all(v IN vs WHERE v IS NULL OR v IS :: BOOLEAN)) "
    "WITH p, ids, emp, iei WHERE p.packed "
    "SET p.ids = ids, p.emp_pos = [k IN range(0, size(emp) - 1) WHERE emp[k] IS NOT NULL], "
    "  p.emp_val = [v IN emp WHERE v IS NOT NULL], p.iei_pos = [k IN range(0, size(iei) - 1) WHERE iei[k] IS NOT NULL], "
    "  p.iei_val = [v IN iei WHERE v IS NOT NULL], p.iei_ids = [k IN range(0, size(iei) - 1) WHERE iei[k] IS NOT NULL "
    "  | ids[k]]")
# which enterprises' properties the city packs keep (the property → its place in READ_ENT_CITY_SUMS' pairs)
ENT_CITY_PROPS = {"employees": 0, "iei_level": 1}
# Store.located_sums of the enterprises from the city packs of the asked $cities: per city (in one record) whether it
# is packed, its links, and per kept property (staff, level) the sum of its number values and how many are present,
# summed as cypher.located_props sums them (one after the other, in the same order)
READ_ENT_CITY_SUMS = (
    f"MATCH (p:{ENT_CITY}) WHERE p.city IN $cities "
    "RETURN collect([p.city, p.packed, size(p.ids), [vs IN [coalesce(p.emp_val, []), coalesce(p.iei_val, [])] | "
    "  [reduce(t = 0.0, v IN vs | t + CASE WHEN v IS :: INTEGER NOT NULL OR v IS :: FLOAT NOT NULL THEN toFloat(v) "
    "  ELSE 0.0 END), size(vs)]]]) AS rows")
# Store.located_nodes of the enterprises from the city packs: per city its ids and the lists of both properties (the
# store puts the missing back and filters by ``among``), in one record
READ_ENT_CITY_NODES = (f"MATCH (p:{ENT_CITY}) WHERE p.city IN $cities "
                       "RETURN collect([p.city, p.packed, p.ids, p.emp_pos, p.emp_val, p.iei_pos, p.iei_val]) AS rows")
# the same for the enterprises whose IEI level is one of $levels (``among`` of the level alone, as cypher.LOCATED_AMONG
# compares: equal to one of the values, given as text), their ids and levels cut on the server: the IEI enterprises
# readiness counts are a few hundred of the province's 35,000 (0.047 → 0.01 s)
READ_ENT_CITY_LEVELS = (
    f"MATCH (p:{ENT_CITY}) WHERE p.city IN $cities "
    "WITH p, [j IN range(0, size(coalesce(p.iei_val, [])) - 1) WHERE p.iei_val[j] IN $levels] AS js "
    "RETURN collect([p.city, p.packed, [j IN js | p.iei_ids[j]], [j IN js | p.iei_val[j]]]) AS rows")
# (19,700 lists fewer to decode): 0.36 → 0.29 s at scale 100
READ_COOP_YEAR_BOTH = (
    _COOP_YEAR +
    "WITH s.enterprise AS ent, s.industry AS code, count(*) AS n, count(s.status) AS stated, "
    "  collect(CASE WHEN s.status IN $inactive THEN [s.institution, s.type, s.status, s.since] END) AS left "
    "WITH code, collect(ent) AS ents, collect(n) AS n, collect(stated) AS stated, collect(left) AS left "
    "RETURN collect([code, ents, n, stated, left]) AS rows")



def _read_ent_packs(links: str) -> str:
    return (f"MATCH (p:{ENT_PACK}) WHERE p.city IN $cities "
            "RETURN collect([p.city, p.packed, p.enterprises, p.n, [k IN range(0, size(coalesce(p.statuses, [])) - 1) "
            "  WHERE p.statuses[k] IN $inactive | [p.statuses[k], p.si[p.at[k]..p.at[k + 1]], p.sn[p.at[k]..p.at[k + 1]]]], "
            f"  p.segments, p.seg_at, p.link_ents, {links}]) AS rows")


# (gaps) Store.chain_enterprises from the enterprise packs of the asked $cities (IekgEntPack): their cooperations'
# (enterprise position, status, count) of the statuses in $inactive only (the others count) and their chain links
# with role and staff; joined and cut to each key's segments by the store (:func:`chain_rows`), in one record
READ_CHAIN_PACKS = _read_ent_packs("p.role_pos, p.role_val, p.emp_pos, p.emp_val")
# (compare) Store.chain_lonely_counts: the same without the roles and the staff (:func:`lonely_counts`)
READ_CHAIN_PACK_LINKS = _read_ent_packs("[], [], [], []")

# the programs of majors $majors in $year: per major's node its slice of the year (none: no row), the missing
# counts' positions in it; a node not packed comes back without lists (the store then reads the relationships)
READ_PROGRAMS = (
    f"UNWIND $majors AS mid MATCH (p:{PROGRAM_PACK} {{major: mid}}) "
    "WITH p, [k IN range(0, size(coalesce(p.years, [])) - 1) WHERE p.years[k] = $year][0] AS k "
    "WITH p, p.at[k] AS lo, p.at[k + 1] AS hi WHERE k IS NOT NULL OR NOT p.packed "
    "RETURN collect([p.major, p.packed, p.institutions[lo..hi], p.graduates[lo..hi], p.enrollment[lo..hi], "
    "  [x IN p.g_null WHERE lo <= x < hi | x - lo], [x IN p.e_null WHERE lo <= x < hi | x - lo]]) AS rows")
# what READ_PROGRAMS answers of ``rel_frame``: OFFERS from institutions to majors, of the majors and a year, these
# properties
PROGRAM_PROPS = frozenset({"year", "graduates", "enrollment"})


def program_frame(rows: list[list[Any]], props: tuple[str, ...], year: int,
                  src_keep: set[str] | None) -> pd.DataFrame | None:
    """``rel_frame``'s frame (``src``, ``dst``, then ``props``) from :data:`READ_PROGRAMS`' rows, the programs
    of the institutions ``src_keep`` only (None: all); None when a node is not packed.  The columns are built
    from the same values the relationships give (a missing count None), only those kept, so pandas gives them
    the same types."""
    import pandas as pd

    if not all(packed for _, packed, *_ in rows):
        return None
    src: list[Any] = []
    dst: list[Any] = []
    cols: dict[str, list[Any]] = {"graduates": [], "enrollment": []}
    for major, _, insts, grads, enrol, g_null, e_null in rows:
        src += insts
        dst += [major] * len(insts)
        for c, values, missing in (("graduates", grads, g_null), ("enrollment", enrol, e_null)):
            if missing:
                values = list(values)
                for k in missing:
                    values[k] = None
            cols[c] += values
    if src_keep is not None:  # (cut before the frame is made: its types are those of the rows kept)
        keep = [i in src_keep for i in src]
        src, dst = list(compress(src, keep)), list(compress(dst, keep))
        cols = {c: list(compress(v, keep)) for c, v in cols.items()}
    if not src:
        return pd.DataFrame([], columns=["src", "dst", *props])  # (as the relationships' read of no row)
    return pd.DataFrame({"src": src, "dst": dst, **{p: [year] * len(src) if p == "year" else cols[p] for p in props}},
                        columns=["src", "dst", *props])


def _left_out(packs: list[list[Any]]) -> tuple[dict[Any, int], dict[Any, list[str]]]:
    """Per enterprise of the packs its cooperations that count and the statuses of the others.  An enterprise
    located in several asked cities is in each of their packs, alike."""
    counted: dict[Any, int] = {}  # (of every cooperation, then less those left out)
    left: dict[Any, list[str]] = {}
    for _, _, ents, n, out, *_ in packs:
        counted.update(zip(ents, n, strict=True))
        here: dict[Any, list[str]] = {}
        for status, positions, counts in out:
            for j, k in zip(positions, counts, strict=True):
                here.setdefault(ents[j], []).extend([status] * int(k))
        left.update(here)  # (an enterprise of two packs: the same statuses, taken once)
    for e, statuses in left.items():
        counted[e] -= len(statuses)
    return counted, left


def _present(n: int, positions: list[int], values: list[Any]) -> list[Any]:
    """A column of ``n`` values with ``values`` at ``positions`` and None elsewhere."""
    out: list[Any] = [None] * n
    for k, v in zip(positions, values, strict=True):
        out[k] = v
    return out


def _links(pairs: list[list[Any]], packs: list[list[Any]], full: bool) -> dict[str, list[Any]]:
    """Per [key, city, the key's segments] of ``pairs``, the city's links into those segments from its pack, as
    columns: key, enterprise, segment (and with ``full`` role and employees)."""
    by_city = {pk[0]: pk for pk in packs}
    cols: dict[str, list[Any]] = {c: [] for c in ("key", "enterprise", "segment", "role", "employees")}
    extra: dict[Any, tuple[list[Any], list[Any]]] = {}
    for key, city, segs in pairs:
        pk = by_city.get(city)
        if pk is None:
            continue
        segments, seg_at, ents, role_pos, role_val, emp_pos, emp_val = pk[5:]
        if full and city not in extra:
            extra[city] = (_present(len(ents), role_pos, role_val), _present(len(ents), emp_pos, emp_val))
        wanted = set(segs)
        for k, seg in enumerate(segments):
            if seg not in wanted:
                continue
            lo, hi = seg_at[k], seg_at[k + 1]
            cols["key"] += [key] * (hi - lo)
            cols["enterprise"] += ents[lo:hi]
            cols["segment"] += [seg] * (hi - lo)
            if full:
                cols["role"] += extra[city][0][lo:hi]
                cols["employees"] += extra[city][1][lo:hi]
    return cols


def chain_rows(pairs: list[list[Any]], packs: list[list[Any]]) -> dict[str, list[Any]] | None:
    """:data:`READ_CHAIN_PACKS`' packs joined and cut to the [key, city, segments] of ``pairs``, as columns
    (``Store.CHAIN_ENTERPRISE_COLUMNS``): per link its key, enterprise, segment, role and employees, then
    ``counted`` and ``left_out`` (the statuses of the cooperations that do not count, a list of the row's own);
    None when a pack is not packed (the rows are then read from the relationships)."""
    if not all(pk[1] for pk in packs):
        return None
    counted, left = _left_out(packs)
    cols = _links(pairs, packs, True)
    ents = cols["enterprise"]
    cols["counted"] = [counted.get(e, 0) for e in ents]
    cols["left_out"] = [list(left[e]) if e in left else [] for e in ents]
    return cols


def lonely_counts(pairs: list[list[Any]], packs: list[list[Any]]) -> dict[str, int] | None:
    """:data:`READ_CHAIN_PACK_LINKS`' packs: per key (in order) the links of ``pairs`` from enterprises none of whose
    cooperations count (none at all, or all left out); a key without any is absent.  None: a pack is not
    packed."""
    if not all(pk[1] for pk in packs):
        return None
    counted = _left_out(packs)[0]
    cols = _links(pairs, packs, False)
    out: dict[str, int] = {}
    for key, ent in zip(cols["key"], cols["enterprise"], strict=True):
        if not counted.get(ent, 0):
            out[str(key)] = out.get(str(key), 0) + 1
    return dict(sorted(out.items()))


def unpack_offers(rows: list[list[Any]]) -> tuple[dict[str, list[Any]], list[str]]:
    """The offer sums' columns (``OFFER_KEYS``, then ``OFFER_SUM_COLUMNS``) of :data:`READ_PACKS`' rows, and the
    cities with an unpacked node (``packed`` false): all their rows are read from their IekgOfferSum nodes instead,
    none of them from a pack."""
    rest = {str(r[0]) for r in rows if not r[1]}
    cols: dict[str, list[Any]] = {c: [] for c in ("city", "major", "major_level", "inst_level", *OFFER_SUM_COLUMNS)}
    for city, packed, levels, major, major_level, inst_level, *sums in rows:
        if not packed or city in rest:
            continue
        named = [*(levels or []), None]  # (position -1: no level)
        cols["city"] += [city] * len(major)
        cols["major"] += major
        cols["major_level"] += [named[k] for k in major_level]
        cols["inst_level"] += [named[k] for k in inst_level]
        for c, values in zip(OFFER_SUM_COLUMNS, sums, strict=True):
            cols[c] += values
    return cols, sorted(rest)


@dataclass
class Touched:
    """The cities (institutions' cities) and city codes (demand rows') whose sums a change set touches."""

    cities: set[str] = field(default_factory=set)
    codes: set[Any] = field(default_factory=set)
    everything: bool = False
    _insts: list[str] = field(default_factory=list)
    _majors: list[str] = field(default_factory=list)
    # the aligned cooperations: of these institutions and enterprises (resolved), and the majors and categories
    # whose crosswalk changes (resolved to the institutions offering them, before and after the write)
    coop_insts: set[str] = field(default_factory=set)
    coop_ents: set[str] = field(default_factory=set)
    _coop_majors: set[str] = field(default_factory=set)
    _coop_cats: set[str] = field(default_factory=set)
    # the enterprise packs: of these cities, and of the cities of these enterprises (resolved before and after the
    # write)
    ent_cities: set[str] = field(default_factory=set)
    _ent_ids: set[str] = field(default_factory=set)
    # the majors' program packs: of these majors
    majors: set[str] = field(default_factory=set)
    # the provinces' first programs: of the provinces these cities are part of (before and after) besides those of
    # ``cities``, and of these provinces
    scope_cities: set[str] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)


def touched_before(read: Any, changes: Any, fresh: bool) -> Touched:
    """What ``changes`` touches, read before it is written (``read``: the store's read function taking a
    statement and keyword parameters).  A fresh load touches everything."""
    t = Touched(everything=fresh)
    if fresh:
        return t
    insts: set[str] = set()
    majors: set[str] = set()
    sources: list[dict[str, str]] = []
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Institution":
            insts.add(ident)
        elif lab == "Major":
            majors.add(ident)
        elif lab == "City":
            t.cities.add(ident)
        sources.append({"label": lab, "id": ident})
    for n in changes.nodes.values():
        if n.label == "Institution":
            insts.add(str(n.props["id"]))
        elif n.label == "Major":
            majors.add(str(n.props["id"]))
    for src, rt in getattr(changes, "replace", ()) or ():
        lab, ident = split_uid(src)
        if rt in ("OFFERS", "LOCATED_IN") and lab == "Institution":
            insts.add(ident)
        elif rt == "DEMANDS":
            sources.append({"label": lab, "id": ident})
    for r in changes.rels.values():
        if r.type in ("OFFERS", "LOCATED_IN") and r.src.startswith("Institution:"):
            insts.add(split_uid(r.src)[1])
            if r.type == "LOCATED_IN" and r.dst.startswith("City:"):
                t.cities.add(split_uid(r.dst)[1])
        elif r.type == "DEMANDS" and r.props.get("city_code") is not None:
            t.codes.add(r.props["city_code"])
    t._insts, t._majors = sorted(insts), sorted(majors)
    t.cities |= _cities(read, t._insts, t._majors)
    if sources:
        t.codes |= {r["code"] for r in read(DEMAND_CODES_OF, rows=sources)}
    _coops_before(read, changes, t)
    _ent_coops_before(read, changes, t)
    _programs_before(read, changes, t)
    _scopes_before(changes, t)
    return t


def _scopes_before(changes: Any, t: Touched) -> None:
    """What ``changes`` touches of the provinces' first programs besides the touched cities: the cities whose PART_OF
    is written or replaced, the provinces written to and the provinces deleted."""
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Province":
            t.provinces.add(ident)
    for src, rt in getattr(changes, "replace", ()) or ():
        lab, ident = split_uid(src)
        if rt == "PART_OF" and lab == "City":
            t.scope_cities.add(ident)
    for r in changes.rels.values():
        if r.type == "PART_OF" and r.src.startswith("City:"):
            t.scope_cities.add(split_uid(r.src)[1])
            if r.dst.startswith("Province:"):
                t.provinces.add(split_uid(r.dst)[1])


def _programs_before(read: Any, changes: Any, t: Touched) -> None:
    """What ``changes`` touches of the majors' program packs: the majors of programs written, deleted majors, and
    the majors offered now by institutions whose programs are replaced or which are deleted."""
    insts: set[str] = set()
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Institution":
            insts.add(ident)
        elif lab == "Major":
            t.majors.add(ident)
    for src, rt in getattr(changes, "replace", ()) or ():
        lab, ident = split_uid(src)
        if rt == "OFFERS" and lab == "Institution":
            insts.add(ident)
    for r in changes.rels.values():
        if r.type == "OFFERS" and r.dst.startswith("Major:"):
            t.majors.add(split_uid(r.dst)[1])
    if insts:
        t.majors |= {r["id"] for r in read(MAJORS_OF_INSTITUTIONS, ids=sorted(insts))}


def _ent_coops_before(read: Any, changes: Any, t: Touched) -> None:
    """What ``changes`` touches of the enterprise packs: the enterprises of cooperations written, replaced (an
    institution's: those it cooperates with now) or deleted with a node, the enterprises written (their staff),
    whose location or chain links change, linked to a deleted chain segment or deleted, and the cities deleted or
    newly linked to; then the cities the enterprises are in now."""
    insts: set[str] = set()
    segs: set[str] = set()
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Institution":
            insts.add(ident)
        elif lab == "Enterprise":
            t._ent_ids.add(ident)
        elif lab == "City":
            t.ent_cities.add(ident)
        elif lab == "ChainSegment":
            segs.add(ident)
    for n in changes.nodes.values():  # (its staff may change)
        if n.label == "Enterprise":
            t._ent_ids.add(str(n.props["id"]))
    for src, rt in getattr(changes, "replace", ()) or ():
        lab, ident = split_uid(src)
        if rt == "COOPERATES_WITH" and lab == "Institution":
            insts.add(ident)
        elif rt in ("LOCATED_IN", "IN_SEGMENT") and lab == "Enterprise":
            t._ent_ids.add(ident)
    for r in changes.rels.values():
        if r.type == "COOPERATES_WITH" and r.dst.startswith("Enterprise:"):
            t._ent_ids.add(split_uid(r.dst)[1])
        elif r.type in ("LOCATED_IN", "IN_SEGMENT") and r.src.startswith("Enterprise:"):
            t._ent_ids.add(split_uid(r.src)[1])
            if r.type == "LOCATED_IN" and r.dst.startswith("City:"):
                t.ent_cities.add(split_uid(r.dst)[1])
    if insts:
        t._ent_ids |= {r["id"] for r in read(ENTS_OF_COOP_INSTITUTIONS, ids=sorted(insts))}
    if segs:
        t._ent_ids |= {r["id"] for r in read(ENTS_OF_SEGMENTS, ids=sorted(segs))}
    _ent_cities(read, t)


def _ent_cities(read: Any, t: Touched) -> None:
    if t._ent_ids:
        t.ent_cities |= {r["city"] for r in read(CITIES_OF_ENTERPRISES, ids=sorted(t._ent_ids))}


def _coops_before(read: Any, changes: Any, t: Touched) -> None:
    """What ``changes`` touches of the aligned cooperations: the institutions of cooperations and programs, the
    enterprises of industries, the majors and categories of crosswalk relationships written or replaced, and
    deleted nodes with what they take with them (an industry's enterprises and crosswalk relationships, a
    category's majors, a major's programs: resolved here, before they go)."""
    deleted: list[dict[str, str]] = []
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Institution":
            t.coop_insts.add(ident)
        elif lab == "Enterprise":
            t.coop_ents.add(ident)
        elif lab == "Major":
            t._coop_majors.add(ident)
        elif lab == "MajorCategory":
            t._coop_cats.add(ident)
        deleted.append({"label": lab, "id": ident})
    ends = [*((split_uid(src), rt) for src, rt in getattr(changes, "replace", ()) or ()),
            *((split_uid(r.src), r.type) for r in changes.rels.values())]
    for (lab, ident), rt in ends:
        if rt in ("COOPERATES_WITH", "OFFERS", "LOCATED_IN") and lab == "Institution":
            t.coop_insts.add(ident)
        elif rt == "IN_INDUSTRY" and lab == "Enterprise":
            t.coop_ents.add(ident)
        elif rt in ("ALIGNS_WITH", "SUBCLASS_OF") and lab == "Major":
            t._coop_majors.add(ident)
        elif rt == "ALIGNS_WITH" and lab == "MajorCategory":
            t._coop_cats.add(ident)
    if deleted:
        for r in read(COOP_ENDS_OF_DELETED, rows=deleted):
            t.coop_ents |= set(r["ents"])
            t._coop_majors |= set(r["amajors"]) | set(r["smajors"])
            t._coop_cats |= set(r["acats"])
            t.coop_insts |= set(r["insts"])
    _coop_resolve(read, t)


def _coop_resolve(read: Any, t: Touched) -> None:
    """The institutions offering the touched majors (and the majors of the touched categories)."""
    majors = set(t._coop_majors)
    if t._coop_cats:
        majors |= {r["id"] for r in read(MAJORS_OF_CATEGORIES, ids=sorted(t._coop_cats))}
    if majors:
        t.coop_insts |= {r["id"] for r in read(INSTITUTIONS_OFFERING, ids=sorted(majors))}


def touched_after(read: Any, t: Touched) -> Touched:
    """The cities the touched institutions, majors and enterprises are in after the write (one moved)."""
    if not t.everything:
        t.cities |= _cities(read, t._insts, t._majors)
        _coop_resolve(read, t)
        _ent_cities(read, t)
    return t


def _cities(read: Any, insts: list[str], majors: list[str]) -> set[str]:
    out: set[str] = set()
    if insts:
        out |= {r["city"] for r in read(CITIES_OF_INSTITUTIONS, ids=insts)}
    if majors:
        out |= {r["city"] for r in read(CITIES_OF_MAJORS, ids=majors)}
    return out


def refresh(tx: Any, cities: Iterable[str], codes: Iterable[Any]) -> None:
    """Recompute the sums of ``cities`` and demand ``codes`` in the transaction ``tx``."""
    cities, codes = sorted(set(cities)), list(set(codes))
    if not cities and not codes:
        return
    for stmt in DROP:
        tx.run(stmt, cities=cities, codes=codes).consume()
    if cities:
        tx.run(FILL_OFFERS, cities=cities).consume()
        tx.run(FILL_INST_YEARS, cities=cities).consume()
        tx.run(FILL_TOP, cities=cities, limit=KEPT_TOP,
               durations={str(k): float(v) for k, v in KEPT_DURATIONS.items()}).consume()
        tx.run(FILL_PACKS, cities=cities).consume()
    if codes:
        tx.run(FILL_DEMAND, codes=codes).consume()


def scope_key(cities: Iterable[str]) -> str:
    """The text naming a set of cities as :data:`FILL_TOP_SCOPES` names a province's: each id (sorted) with its
    length before it, so that no two sets share one."""
    return "".join(f"{len(c)}:{c}" for c in sorted(set(cities)))


def refresh_top_scopes(tx: Any, cities: Iterable[str], provinces: Iterable[str] = (), *, drop: bool = True) -> None:
    """Recompute in ``tx`` the first programs kept for the provinces ``provinces``, those ``cities`` are part of and
    those whose pack merged any of ``cities`` (a city moved out, or deleted) — after the cities' own first programs
    (:data:`FILL_TOP`) are recomputed."""
    cities = sorted(set(cities))
    asked = set(provinces)
    if cities:
        asked |= {r["id"] for r in tx.run(PROVINCES_OF_CITIES, ids=cities)}
        if drop:
            asked |= {r["id"] for r in tx.run(PROVINCES_OF_SCOPES, ids=cities)}
    ordered = sorted(asked, key=str)
    if not ordered:
        return
    if drop:
        tx.run(DROP_TOP_SCOPES, provinces=ordered).consume()
    tx.run(FILL_TOP_SCOPES, provinces=ordered, limit=KEPT_TOP).consume()


def _weight(w: Any) -> float:
    """A crosswalk weight as pandas' ``astype(float)`` reads it (missing: nothing added)."""
    try:
        x = float(w)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(x) else x


def aligned_pairs(run: Any) -> dict[str, list[str]]:
    """major → the industries (rolled up) it has crosswalk weight > 0 into, as ``iekg.queries.supply.Weights``
    sums them: a major's own ALIGNS_WITH weights when it has any, else each of its categories' (``run``: a
    function taking a statement, returning records)."""
    own: dict[tuple[str, str], float] = defaultdict(float)
    for r in run(OWN_WEIGHTS):
        own[(r["major"], _rollup(r["industry"]))] += _weight(r["w"])
    with_own = {m for m, _ in own}
    cat: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in run(CATEGORY_WEIGHTS):
        if r["major"] not in with_own:
            cat[(r["major"], r["category"], _rollup(r["industry"]))] += _weight(r["w"])
    out: dict[str, set[str]] = defaultdict(set)
    for (m, ind), w in own.items():
        if w > 0:
            out[m].add(ind)
    for (m, _, ind), w in cat.items():
        if w > 0:
            out[m].add(ind)
    return {m: sorted(v) for m, v in out.items()}


def _rollup(code: Any) -> str:
    code = str(code)
    return code[:2] if re.fullmatch(ROLLUP_PATTERN, code) else code


def refresh_coops(tx: Any, insts: Iterable[str], ents: Iterable[str], *, drop: bool = True) -> None:
    """Recompute the aligned cooperations of institutions ``insts`` and enterprises ``ents`` in ``tx``."""
    insts, ents = sorted(set(insts)), sorted(set(ents))
    if not insts and not ents:
        return
    if drop:
        for stmt in DROP_COOPS:
            tx.run(stmt, insts=insts, ents=ents).consume()
    aligned = aligned_pairs(lambda q: list(tx.run(q)))
    tx.run(FILL_COOPS, insts=insts, ents=ents, aligned=aligned, rollup=ROLLUP_PATTERN).consume()


def refresh_ent_packs(tx: Any, cities: Iterable[str], *, drop: bool = True) -> None:
    """Recompute the enterprise packs and the city packs of the located enterprises of ``cities`` in ``tx`` (the
    same cities touch both: an enterprise written, moved or deleted)."""
    _repack(tx, DROP_ENT_PACKS, FILL_ENT_PACKS, "cities", cities, drop)
    _repack(tx, DROP_ENT_CITIES, FILL_ENT_CITIES, "cities", cities, drop)


def refresh_programs(tx: Any, majors: Iterable[str], *, drop: bool = True) -> None:
    """Recompute the program packs of ``majors`` in ``tx``."""
    _repack(tx, DROP_PROGRAMS, FILL_PROGRAMS, "majors", majors, drop)


def _repack(tx: Any, drop_stmt: str, fill_stmt: str, param: str, keys: Iterable[str], drop: bool) -> None:
    """Drop (unless told not to) and fill again the packs of ``keys``, passed to both statements as ``$param``."""
    asked = sorted(set(keys))
    if not asked:
        return
    if drop:
        tx.run(drop_stmt, {param: asked}).consume()
    tx.run(fill_stmt, {param: asked}).consume()
